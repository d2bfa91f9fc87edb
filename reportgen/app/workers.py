"""The workers' fork server, started as soon as a command knows it will run workers.

``reportgen build --jobs N`` forks its workers from a fork server (multiprocessing's
``forkserver``) that has imported the pipeline, the readers, python-docx and WeasyPrint once
(``worker_preload``).  Those imports take about a second; this module imports nothing heavy, so
the command starts the fork server first and reads its own modules and plans the jobs while the
fork server imports (two processes, two cores).
"""

from __future__ import annotations

import multiprocessing


def worker_context(need_pdf: bool):
    """A multiprocessing context whose workers are forked from a preloaded fork server, started
    now (a second call returns the running one); *spawn* where there is no fork server."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(["reportgen.app.worker_tie",     # the fork server dies with this process
                                "reportgen.app.worker_preload" if need_pdf else "reportgen.app.batch"])
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return ctx
