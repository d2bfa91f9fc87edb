"""The workers' fork server, started as soon as a command knows it will run workers.

``reportgen build --jobs N`` forks its workers from a fork server (multiprocessing's
``forkserver``) that has imported the pipeline, the readers, python-docx and (for a run that
writes PDFs) WeasyPrint once (``worker_preload``).  Those imports take about a second; this module imports nothing heavy, so
the command starts the fork server first and reads its own modules and plans the jobs while the
fork server imports (two processes, two cores).
"""

from __future__ import annotations

import multiprocessing


#: what the fork server prepares the workers for (``worker_preload``): PDFs or not, and the
#: workspace and style profiles it warms WeasyPrint up with
WARM_ENV = "REPORTGEN_WORKER_WARM"


def worker_context(need_pdf: bool, workspace: str | None = None, profiles: tuple[str, ...] = ()):
    """A multiprocessing context whose workers are forked from a preloaded fork server, started
    now (a second call returns the running one); *spawn* where there is no fork server.
    ``workspace`` (its root folder) and ``profiles``: the run's style, with which the fork server
    writes a throw-away PDF page so that no worker pays its first document's one-time work."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(["reportgen.app.worker_tie",     # the fork server dies with this process
                                "reportgen.app.worker_preload"])
    import json
    import os
    from multiprocessing import forkserver

    from ..core import scratch

    scratch.root()          # the workers' temporary files go into the run's folder, removed with it
    before = os.environ.get(WARM_ENV)
    # seen by the fork server if this call starts it
    os.environ[WARM_ENV] = json.dumps({"pdf": need_pdf, "workspace": str(workspace) if workspace else None,
                                       "profiles": list(profiles)}, ensure_ascii=False)
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            os.environ.pop(WARM_ENV, None)
        else:
            os.environ[WARM_ENV] = before
    return ctx


def stop_fork_server() -> None:
    """End the fork server of this process, started for workers a run turned out not to need
    (every document up to date): it would otherwise go on importing for a second after the
    command is done.  Nothing has been forked from it yet; a later run starts a new one."""
    import os
    import signal
    from multiprocessing import forkserver

    server = forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGKILL)      # mid-import: it reads its "alive" pipe only when done
        server._stop()                    # reaps it, forgets its address
    except (OSError, AttributeError):
        pass
