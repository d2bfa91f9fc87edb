"""The workers' fork server, started as soon as a command knows it will run workers.

``reportgen build --jobs N`` forks its workers from a fork server (multiprocessing's
``forkserver``) that has imported the pipeline, the readers, python-docx and (for a run that
writes PDFs) WeasyPrint once (``worker_preload``).  Those imports take about a second; this module imports nothing heavy, so
the command starts the fork server first and reads its own modules and plans the jobs while the
fork server imports (two processes, two cores).  ``reportgen build --jobs N`` starts it earlier
still, before the command has imported its own modules (``start_early``): it then learns the
workspace to warm up with from a file the command writes once it has found it.
"""

from __future__ import annotations

import multiprocessing


#: what the fork server prepares the workers for (``worker_preload``): PDFs or not, and the
#: workspace and style profiles it warms WeasyPrint up with
WARM_ENV = "REPORTGEN_WORKER_WARM"


#: the file through which a fork server started early (``start_early``) learns the run's workspace
_late: dict = {"path": None}


def worker_context(need_pdf: bool, workspace: str | None = None, profiles: tuple[str, ...] = (),
                   late: bool = False, year: int | None = None, unit: str | None = None):
    """A multiprocessing context whose workers are forked from a preloaded fork server, started
    now (a second call returns the running one); *spawn* where there is no fork server.
    ``workspace`` (its root folder) and ``profiles``: the run's style, with which the fork server
    writes a throw-away PDF page so that no worker pays its first document's one-time work.
    ``late``: the workspace is not known yet; a later call that names it passes it on to the
    fork server started by this one (a file it reads before its warm-up, ``worker_preload``).
    ``year``: the report year built; the fork server also makes one unit's document of it (a
    DOCX thrown away), so that what a first document makes once is made there, not in each worker;
    ``unit``: which (the first the run was asked for; else the year's first)."""
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

    folder = scratch.root()     # the workers' temporary files go into the run's folder, removed with it
    if _late["path"] is not None and not _running():
        _late["path"] = None            # that fork server was stopped: a new one, as below
    if _late["path"] is not None:       # started early: tell it the workspace once (it reads it later)
        if workspace and not _late["path"].exists():
            _write_late(_late["path"], {"workspace": str(workspace), "profiles": list(profiles), "year": year,
                                         "unit": unit})
        return ctx
    before = os.environ.get(WARM_ENV)
    run = {"pdf": need_pdf, "workspace": str(workspace) if workspace else None, "profiles": list(profiles),
           "year": year, "unit": unit}
    late_file = (folder / f"fork-server-warm-up-{os.getpid()}.json" if late and folder is not None and not _running()
                 else None)
    if late_file is not None:
        run["late"] = str(late_file)
    # seen by the fork server if this call starts it
    os.environ[WARM_ENV] = json.dumps(run, ensure_ascii=False)
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            os.environ.pop(WARM_ENV, None)
        else:
            os.environ[WARM_ENV] = before
    _late["path"] = late_file
    return ctx


def _running() -> bool:
    from multiprocessing import forkserver

    return getattr(forkserver._forkserver, "_forkserver_pid", None) is not None


def _write_late(path, run: dict) -> None:
    """The workspace and profiles for a fork server started early, written whole (a new file
    renamed into place: the fork server reads it or finds none)."""
    import json
    import os

    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(run, ensure_ascii=False), "utf-8")
        os.replace(tmp, path)
    except OSError:             # no warm-up: the workers' first documents do its work
        pass


def build_argv(args: list[str]) -> tuple[bool, tuple[str, ...]] | None:
    """(PDFs wanted, profiles) when ``args`` (the command line after the program's name) is a
    ``reportgen [-C DIR] [--debug] build …`` that the ``build`` command will run with worker
    processes (``--jobs N``, N > 1, or 0 on a machine of several cores); None for anything else,
    and for anything this plain reading is not sure of (an unknown option, ``--help``): the
    command then starts its fork server itself, as before.  Mirrors ``cli.build``'s options."""
    import os

    values = {"--format", "--out", "--unit", "--profile", "-j", "--jobs", "--shard", "--typed-figures"}
    flags = {"--all", "--json", "--force", "--review", "--draft"}
    i = 0
    while i < len(args) and args[i].startswith("-"):
        a = args[i]
        if a in ("-C", "--workspace"):
            i += 2
        elif a.startswith("--workspace=") or (a.startswith("-C") and len(a) > 2) or a == "--debug":
            i += 1
        else:
            return None
    if i >= len(args) or args[i] != "build":
        return None
    fmt, jobs, profiles = "all", "1", []
    rest = args[i + 1:]
    j = 0
    while j < len(rest):
        a = rest[j]
        if a.startswith("--") and "=" in a:
            name, value = a.split("=", 1)
            j += 1
        elif a in values:
            if j + 1 >= len(rest):
                return None
            name, value = a, rest[j + 1]
            j += 2
        elif a.startswith("-j") and len(a) > 2:
            name, value = "-j", a[2:]
            j += 1
        elif a in flags or not a.startswith("-") or a == "-":
            j += 1
            continue
        else:                       # --help, --, an option this reading does not know
            return None
        if name not in values:
            return None
        if name == "--format":
            fmt = value
        elif name in ("-j", "--jobs"):
            jobs = value
        elif name == "--profile":
            profiles.append(value)
    if fmt not in ("docx", "pdf", "all") or not jobs.isdigit():
        return None
    n = int(jobs) or os.cpu_count() or 1
    return (fmt != "docx", tuple(profiles)) if n > 1 else None


def start_early(argv: list[str]) -> None:
    """Start the workers' fork server before the command imports anything more, when ``argv``
    is the ``reportgen`` command (the console script or ``python -m reportgen``) running a
    ``build`` with workers (``build_argv``): its imports start ≈0.07 s sooner (the command's own
    imports, click's parsing and finding the workspace no longer come first).  ``cli.build``
    calls ``worker_context`` again with the workspace it found, which the fork server reads
    before its warm-up; a run that forks no worker stops it (``stop_fork_server``), as before."""
    import os

    program = argv[0] if argv else ""
    if os.path.basename(program) != "reportgen" and not program.endswith(os.path.join("reportgen", "__main__.py")):
        return
    plan = build_argv(argv[1:])
    if plan is None:
        return
    try:
        worker_context(plan[0], None, plan[1], late=True)
    except Exception:  # noqa: BLE001  (no fork server now: cli.build starts one as before)
        pass


def stop_fork_server() -> None:
    """End the fork server of this process, started for workers a run turned out not to need
    (every document up to date): it would otherwise go on importing for a second after the
    command is done.  Nothing has been forked from it yet; a later run starts a new one."""
    import os
    import signal
    from multiprocessing import forkserver

    _late["path"] = None
    server = forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGKILL)      # mid-import: it reads its "alive" pipe only when done
        server._stop()                    # reaps it, forgets its address
    except (OSError, AttributeError):
        pass
