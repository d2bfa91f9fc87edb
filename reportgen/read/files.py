"""Which files of a workspace the reader reads: the data files of a unit-year, its earlier years,
the report years there are.

Paths only, nothing parsed: a build plans its jobs and keys its outputs with these before (and
without) importing the readers themselves (pandas, openpyxl).
"""

from __future__ import annotations

from pathlib import Path

from ..core.workspace import Workspace

DATA_FILES = ("indicators.xlsx", "indicators.csv", "indicators.yaml")


def earlier_folders(ws: Workspace, year: int, uid: str) -> list[tuple[int, Path]]:
    """Earlier years' folders of a unit that hold a data file, newest first."""
    out = []
    if not ws.data.is_dir():
        return out
    for p in ws.data.iterdir():
        if p.is_dir() and p.name.isdigit() and int(p.name) < year:
            folder = p / uid
            if folder.is_dir() and any((folder / f).exists() for f in DATA_FILES):
                out.append((int(p.name), folder))
    return sorted(out, reverse=True)


_OWN_FILES = ("report.yaml", "columns.yaml", "targets.csv", *DATA_FILES)
_DATA_OF = ("columns.yaml", "targets.csv", *DATA_FILES)     # an earlier year's or another unit's


def own_inputs_of(ws: Workspace, year: int, uid: str) -> list[Path]:
    """The files :func:`load` reads for one unit-year itself: the column mapping, its folder, its
    earlier years' folders."""
    out = [ws.data / "units.yaml", ws.data / "columns.yaml"]
    out += [ws.year_dir(year) / uid / n for n in _OWN_FILES]
    for _, folder in earlier_folders(ws, year, uid):
        out += [folder / n for n in _DATA_OF]
    return [p for p in out if p.is_file()]


def peer_inputs_of(ws: Workspace, year: int) -> dict[str, list[Path]]:
    """The data files of each unit of the year as another unit's peer (ranks and shares across
    units): unit id → files.  Listed once for a whole run, not once per unit."""
    ydir = ws.year_dir(year)
    if not ydir.is_dir():
        return {}
    out = {}
    for folder in sorted(p for p in ydir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        out[folder.name] = [folder / n for n in _DATA_OF if (folder / n).is_file()]
    return out


def inputs_of(ws: Workspace, year: int, uid: str) -> list[Path]:
    """Every file :func:`load` reads for one unit-year: its folder, its earlier years' folders, the
    column mapping, and the data files of the year's other units (ranks and shares across units)."""
    out = own_inputs_of(ws, year, uid)
    for peer, files in peer_inputs_of(ws, year).items():
        if peer != uid:
            out += files
    return out


def report_years(ws: Workspace) -> list[int]:
    """The report years the workspace has a folder for (data/<year>/ with a unit folder)."""
    if not ws.data.is_dir():
        return []
    return sorted(int(p.name) for p in ws.data.iterdir()
                  if p.is_dir() and p.name.isdigit() and len(p.name) == 4
                  and any(q.is_dir() and not q.name.startswith(".") for q in p.iterdir()))
