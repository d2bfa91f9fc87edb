"""Peak memory per worker process and its growth over many documents.

    .venv/bin/python benchmarks/memory.py [--units 500] [--jobs 2] [--worker-tasks N] [--formats pdf]

Builds ``--units`` units (DOCX and PDF each) in one run of ``reportgen.app.batch.run`` with ``--jobs``
worker processes (the code path of ``reportgen build --jobs N``).  Each document's outcome carries
the worker's pid and its resident and peak memory (``/proc/self/statm``, ``getrusage``) after that
document; the table shows, per worker, the resident memory after its 1st, 10th, … last document,
the peak, the growth from the 10th document to the last, and the worker's CPU seconds a document.  ``--worker-tasks N`` replaces each
worker after N documents instead of ``batch.WORKER_TASKS`` (0: never — one worker builds all its
documents, e.g. ``--jobs 1 --worker-tasks 0`` is one process's memory over 500 documents; with
``--jobs 1`` the run builds in its own process).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, make_workspace, table, versions  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=500)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--worker-tasks", type=int, default=None,
                    help="documents a worker builds before it is replaced (0: never); default batch.WORKER_TASKS")
    ap.add_argument("--formats", default="docx,pdf", help="docx,pdf (default), pdf or docx")
    args = ap.parse_args()
    print(f"machine: {machine()}\nversions: {versions()}\n")
    from reportgen.app import batch
    from reportgen.app.batch import run
    from reportgen.core.workspace import Workspace

    if args.worker_tasks is not None:
        batch.WORKER_TASKS = args.worker_tasks or 10**9
    print(f"workers replaced after {batch.WORKER_TASKS if batch.WORKER_TASKS < 10**9 else 'no'} documents"
          f"; formats {args.formats}\n")

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(make_workspace(Path(tmp), args.units))
        seen: dict[int, list] = {}
        cpu: dict[int, float] = {}      # worker → its CPU seconds when its latest outcome arrived
        t = time.perf_counter()
        result = run(ws, 2024, jobs=args.jobs, force=True, formats=tuple(args.formats.split(",")),
                     on_outcome=lambda oc, _: (seen.setdefault(oc.worker, []).append(oc),
                                               cpu.__setitem__(oc.worker, _cpu_seconds(oc.worker) or cpu.get(oc.worker, 0))))
        secs = time.perf_counter() - t
    failed = [o.unit for o in result.outcomes if o.failed]
    print(f"{len(result.outcomes)} units ({args.formats} each) in {secs:.1f} s with {result.jobs} workers"
          + (f"; failed: {failed}" if failed else "") + "\n")
    rows = []
    marks = (1, 10, 50, 100, 200, 500)
    for pid, ocs in sorted(seen.items()):
        mb = [o.rss_kb / 1024 for o in ocs]
        at = [f"{mb[i - 1]:.0f}" if len(mb) >= i else "—" for i in marks]
        growth = mb[-1] - mb[min(9, len(mb) - 1)]
        per100 = growth / max(1, len(mb) - 10) * 100
        rows.append((pid, len(ocs), *at, f"{mb[-1]:.0f}", f"{max(o.peak_rss_kb for o in ocs) / 1024:.0f}",
                     f"{growth:+.0f} ({per100:+.1f}/100 docs)", f"{cpu.get(pid, 0) / len(ocs):.3f}"))
    print(table(rows, ("worker pid", "documents", *(f"RSS after #{i} (MB)" for i in marks),
                       "RSS after last (MB)", "peak RSS (MB)", "growth #10→last (MB)", "CPU s / document")))
    print("\nCPU s / document: the worker's user + system CPU (/proc) when its last outcome arrived, over its"
          " documents (its start after the fork included; with --jobs 1 the run's whole process)")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (0 when it cannot be read)."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


if __name__ == "__main__":
    main()
