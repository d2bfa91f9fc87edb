"""What a batch's fork server imports once, so that every worker forked from it starts warm.

``reportgen build --jobs N`` starts its workers from a *fork server* (multiprocessing's
``forkserver``): one clean process, started at the beginning of the run while the main process
plans the jobs, imports the pipeline, the readers (pandas, openpyxl), python-docx and — unless
the run writes DOCX only — WeasyPrint once (without the cyclic collector, which would walk the imports' ≈180 000 objects some twenty
times); each worker is a fork of it and pays none of these imports again (and the collector
leaves what they made alone: ``gc.freeze``).

When the run names its workspace (``workers.worker_context``), the fork server then writes a
one-page PDF in the run's style and throws it away (``pdf_side._warm_up``): the font
configuration, the parsed stylesheet, the faces' facts, Pango's faces and cffi's C types are made
once here instead of in each worker's first document (≈0.2 s CPU a worker, ≈0.27 s once here).
That starts no thread and leaves no file open (the faces are mapped, not open files); each
worker puts the faces it adds later in a folder of its own (``batch._init_worker``).
"""

import gc

gc.disable()

from . import batch  # noqa: E402,F401  (the batch and the pipeline's own module)
from ..read import load, tables  # noqa: E402,F401  (the readers: pandas, openpyxl)
from ..derive import figures  # noqa: E402,F401
from ..render import jinja, parse  # noqa: E402,F401  (Jinja, markdown-it)
from ..check import consistency  # noqa: E402,F401  (provenance: only a --review document's, imported then)
from ..write import fonts  # noqa: E402,F401  (fontTools)
from ..write import docx  # noqa: E402,F401  (python-docx)


def _run() -> dict:
    """What the run asked for (``workers.WARM_ENV``): PDFs or not, its workspace and profiles."""
    import json
    import os

    from .workers import WARM_ENV

    try:
        run = json.loads(os.environ.get(WARM_ENV) or "{}")
    except ValueError:
        run = {}
    return run if isinstance(run, dict) else {}


def _late(run: dict) -> dict:
    """The run's workspace and profiles from the file a command that started this fork server
    early writes once it has found its workspace (``workers.start_early``); none yet: no warm-up."""
    if not run.get("late"):
        return run
    import json
    from pathlib import Path

    try:
        told = json.loads(Path(run["late"]).read_text("utf-8"))
    except (OSError, ValueError):
        return run
    if not isinstance(told, dict):
        return run
    return {**run, "workspace": told.get("workspace"), "profiles": told.get("profiles") or ()}


def _warm_up(run: dict) -> None:
    """The first PDF's one-time work, in the run's style; anything wrong is left to the workers,
    which meet it again and say so."""
    run = _late(run)
    if not run.get("workspace"):
        return
    try:
        from pathlib import Path

        from ..core.workspace import Workspace
        from ..pipeline import style_for
        from .pdf_side import _warm_up as write_one_page

        write_one_page(style_for(Workspace(Path(run["workspace"])), tuple(run.get("profiles") or ())), run["workspace"])
    except Exception:  # noqa: BLE001  (a bad style, a missing face: the workers' documents report it)
        pass


_RUN = _run()
if _RUN.get("pdf", True):           # a DOCX-only run's workers never import WeasyPrint
    from ..write.weasyprint_tuning import import_weasyprint

    import_weasyprint()

    import weasyprint  # noqa: F401
    import weasyprint.pdf  # noqa: F401
    from ..write import flow, html  # noqa: F401

# What the imports made lives as long as the process: moved out of the collector's sight, so the
# workers' full collections do not walk it again and again (and their forked pages stay shared).
# Frozen without a collection first: one over the imports' ≈130 000 objects costs ≈0.09 s CPU
# before any worker can start, and would free ≈1 500 objects (≈0.3 MB: import-time cycles).
gc.freeze()
if _RUN.get("pdf", True):
    _warm_up(_RUN)
    gc.collect()        # the warm-up page's garbage: only what it made is walked (≈0.006 s)
    gc.freeze()
gc.enable()
