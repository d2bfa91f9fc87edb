"""Writers: the document model → laid-out flow (flow.py) → DOCX (python-docx), HTML+CSS → PDF
(WeasyPrint).

``WRITERS`` is the registry: a new format (OFD, say) is one new module with a
``write(doc, target) -> bytes`` function and one line here. Writers are imported on first use,
so a DOCX-only run never loads WeasyPrint.
"""

from __future__ import annotations

import datetime as _dt
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .style import Style


@dataclass
class Target:
    """What every writer gets besides the document: the style, the faces resolved per font role
    (for writers that draw glyphs), the folders it may read from, and the one timestamp."""

    style: Style
    fonts: dict = field(default_factory=dict)
    roots: tuple[Path, ...] = ()
    stamp: _dt.datetime | _dt.date | None = None
    fonts_dir: Path | None = None     # the workspace's fonts/ folder (faces the DOCX may embed)


@dataclass(frozen=True)
class Writer:
    format: str
    module: str              # the module (in this package) with ``write(doc, target) -> bytes``
    draws_glyphs: bool       # needs installed faces covering the text (checked before writing)

    def write(self, doc, target: Target) -> bytes:
        fn: Callable = importlib.import_module(f"{__name__}.{self.module}").write
        return fn(doc, target)


WRITERS: dict[str, Writer] = {w.format: w for w in (
    Writer("docx", "docx", draws_glyphs=False),
    Writer("pdf", "pdf", draws_glyphs=True),
)}
FORMATS: tuple[str, ...] = tuple(WRITERS)
