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
When it also names the year, the fork server makes the document of the year's first unit up to
its DOCX and throws it away (``_warm_document``): what a process's first document makes once —
the units list read, the narrative checks' patterns compiled, the templates compiled, the
DOCX skeleton of the style, the stand-in faces to embed — is made once here, not in each worker
(≈0.1 s CPU a worker's first document; the document's PDF is not made, the page above did that).
That starts no thread and leaves no file open (the faces are mapped, not open files); each
worker puts the faces it adds later in a folder of its own (``batch._init_worker``).
"""

import gc

gc.disable()

from ..write import fonts  # noqa: E402


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


_RUN = _run()
if _RUN.get("workspace") or _RUN.get("late"):
    fonts.start_fc_list()       # the warm-up's font listing, made by fc-list while this imports

from . import batch  # noqa: E402,F401  (the batch and the pipeline's own module)
from ..read import load, tables  # noqa: E402,F401  (the readers: pandas, openpyxl)
from ..derive import figures  # noqa: E402,F401
from ..render import jinja, parse  # noqa: E402,F401  (Jinja, markdown-it)
from ..check import consistency  # noqa: E402,F401  (provenance: only a --review document's, imported then)
import fontTools.ttLib  # noqa: E402,F401  (what write.fonts opens a face with, imported there when first used)
from ..write import docx  # noqa: E402,F401  (python-docx)


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
    return {**run, "workspace": told.get("workspace"), "profiles": told.get("profiles") or (), "year": told.get("year"),
            "unit": told.get("unit")}


def _warm_up(run: dict) -> None:
    """The first document's one-time work, in the run's style: the PDF's (unless the run writes
    DOCX only) and, the year known, the rest of it (``_warm_document``); anything wrong is left
    to the workers, which meet it again and say so."""
    run = _late(run)
    if not run.get("workspace"):
        return
    try:
        from pathlib import Path

        from ..core.workspace import Workspace
        from ..pipeline import style_for

        ws = Workspace(Path(run["workspace"]))
        style = style_for(ws, tuple(run.get("profiles") or ()))
    except Exception:  # noqa: BLE001  (a bad style: the workers' documents report it)
        return
    if run.get("pdf", True):
        try:
            from .pdf_side import _warm_up as write_one_page

            write_one_page(style, run["workspace"])
        except Exception:  # noqa: BLE001  (a missing face: the workers' documents report it)
            pass
    if isinstance(run.get("year"), int):
        try:
            _warm_document(ws, style, run["year"], run.get("unit"))
        except Exception:  # noqa: BLE001  (bad data: that unit's document reports it)
            pass


def _warm_document(ws, style, year: int, asked: str | None = None) -> None:
    """The document of the unit the run was asked for first (``asked``), else of the year's first
    unit (its first template) read, checked, rendered and
    written as DOCX, then thrown away: the one-time work of a process's first document (the
    units list, the narrative checks' compiled patterns, compiled templates, the DOCX skeleton of
    the style, the stand-in faces to embed) is then done in the fork server, once for all its
    workers.  A later document's bytes do not depend on what a process made before (a worker
    makes many)."""
    from ..derive.figures import release
    from ..pipeline import document_templates, documents, issue_date, load_year, render_outputs

    units = batch.discover_units(ws, year)      # raises (caught by _warm_up) when the year has none
    unit = asked if asked in units else units[0]
    data = load_year(ws, year, [unit])
    uy = data.units[unit]
    # The year's other units are not read here (a template comparing units would read them all,
    # and each worker reads them again for its run): ranks and shares among this unit alone, in
    # a document thrown away.
    uy.peers = {unit: uy}
    try:
        this = next(documents(ws, year, [unit], document_templates(ws, unit, year)[:1], dataset=data))
        if this.document is not None:
            render_outputs(this.document, style, ws, ("docx",), date=issue_date(uy))
    finally:
        release(uy)


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
if _RUN.get("workspace") or _RUN.get("late"):
    _warm_up(_RUN)
    if fonts._fc_list_ahead:    # the warm-up stopped before reading it: read now, no process left to the workers
        fonts._fc_list()
    gc.collect()        # the warm-up's garbage: only what it made is walked (≈0.01 s)
    gc.freeze()
gc.enable()
