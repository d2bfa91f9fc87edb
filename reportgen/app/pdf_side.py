"""A one-document build's PDF, written by a second process beside the DOCX.

A build of one document (``reportgen build 2024`` of a one-unit workspace, the usual January
run) would otherwise do everything in one process, one step after the other: read the unit
(pandas, openpyxl), render the document, write the DOCX, then import WeasyPrint, make its font
configuration and write the PDF.  On a machine with two or more cores, ``batch.run`` instead
forks a *side process* as soon as it knows the run has exactly one document with a PDF to build:
the side process imports WeasyPrint and makes its font configuration while this process reads
the data and renders the document; then it writes the PDF from the rendered document (sent to it
pickled, ≈30 KB) while this process writes the DOCX.  The PDF's bytes are those of the same
writer on the same model.

Anything that goes wrong in the side process (it died, WeasyPrint is missing, a font problem)
sends nothing back but "failed", and the PDF is then written in this process as without a side
process, so every message, exit status and traceback is the one the plain way gives.

The side process is forked from the running process (``fork``: no new interpreter, the modules
imported so far are shared; a fork server ``--jobs N`` started is stopped, as the run forks no
worker); it ignores Ctrl-C (the run stops it), dies with its parent (``worker_tie``) and writes
no file.
"""

from __future__ import annotations

import os
import sys
import time


def available() -> bool:
    """A second process can run beside this one: ``fork`` exists (not Windows; not macOS, where
    forking a process that may load system frameworks is unsafe) and this process may use two
    cores (its CPU affinity, which a container or ``taskset`` narrows, else the machine's count)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return hasattr(os, "fork") and sys.platform != "darwin" and cores >= 2


class PdfSide:
    """The side process and this process's end of its pipe."""

    def __init__(self, process, conn):
        self.process, self.conn = process, conn
        self.sent = False
        self.seconds = 0.0            # the side process's own time for the PDF
        self.used = False             # it wrote the PDF
        self.answered = False         # it sent its answer and waits to be told to end

    @classmethod
    def start(cls, style, root: str) -> "PdfSide | None":
        """Fork the side process now (None where there is none to have); it warms up with the
        run's style and workspace."""
        if not available():
            return None
        import multiprocessing

        from ..core import scratch

        scratch.root()             # its font files go into the run's folder, removed with the run
        try:
            ctx = multiprocessing.get_context("fork")
            mine, theirs = ctx.Pipe()
            process = ctx.Process(target=_serve, args=(theirs, style, root), name="reportgen-pdf", daemon=True)
            process.start()
        except (OSError, ValueError):
            return None
        theirs.close()
        return cls(process, mine)

    def submit(self, doc, style, root: str, date) -> None:
        """Hand the rendered document over; the side process starts writing its PDF."""
        try:
            self.conn.send((doc, style, root, date))
            self.sent = True
        except Exception:      # not picklable, the side process gone: the PDF is written here
            self.sent = False

    def result(self) -> bytes | None:
        """The PDF's bytes, or None when this process must write it itself."""
        if not self.sent:
            return None
        self.sent = False
        try:
            status, data, seconds = self.conn.recv()
        except (EOFError, OSError):
            return None
        self.seconds, self.answered = seconds, True
        self.used = status == "pdf"
        return data if self.used else None

    def close(self) -> None:
        """Stop the side process and reap it: told to end once it has answered, else (a run that
        stopped before its document was rendered, while the side process may still be warming
        up) ended at once — it writes no file."""
        if self.conn.closed:
            return
        if self.answered:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
            self.process.join(timeout=1)
        self.kill()

    def kill(self) -> None:
        """End the side process at once (Ctrl-C)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        if not self.conn.closed:
            self.conn.close()


def _warm_up(style, root: str) -> None:
    """Make what the first PDF of a process makes once, before the document arrives: WeasyPrint's
    imports and font configuration, and — by writing a one-page PDF of a few lines in the run's
    style, thrown away — the parsed stylesheet (``pdf._parsed_style``: the CSS depends on the
    style and faces only), each face's facts and pre-subset files, Pango's faces and cffi's
    parsed C types.  A later document's bytes do not depend on what a process wrote before
    (a batch worker writes many)."""
    from pathlib import Path

    from ..core.workspace import Workspace
    from ..model import Document, Heading, Paragraph, Run
    from ..pipeline import render_outputs
    from ..write.pdf import _font_config

    _font_config()          # with WeasyPrint's C types (weasyprint_cdef.c_types)
    text = "2023年全社会R&D经费支出增长21.9%，“科技”创新（第1名）。"
    doc = Document(title_lines=["关于2024年工作的报告"], blocks=[
        Heading(1, "一、", [Run("总体情况")]), Heading(2, "（一）", [Run("主要指标")]),
        Heading(3, "1.", [Run("研发投入")]), Paragraph([Run(text), Run("加粗", bold=True)], lead="一是")])
    render_outputs(doc, style, Workspace(Path(root)), ("pdf",))


def _serve(conn, style, root: str) -> None:
    """The side process: warm up, wait for the document, write its PDF, send the bytes back."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the run's to handle; it stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from . import worker_tie  # noqa: F401  (importing it ties this process to its parent)

    try:
        _warm_up(style, root)
    except Exception:          # WeasyPrint missing, a font problem: the run's process says so
        pass
    import gc

    if not gc.isenabled():     # forked from a start-up without the collector (cli build)
        gc.freeze()
        gc.enable()
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return
    if message is None:
        return
    doc, style, root, date = message
    started = time.perf_counter()
    try:
        from pathlib import Path

        from ..core.workspace import Workspace
        from ..pipeline import render_outputs

        data = render_outputs(doc, style, Workspace(Path(root)), ("pdf",), date=date)["pdf"]
        reply = ("pdf", data, time.perf_counter() - started)
    except BaseException:
        reply = ("failed", None, 0.0)
    try:
        conn.send(reply)
        conn.recv()                # None: the run is done with us
    except (EOFError, OSError):
        pass
