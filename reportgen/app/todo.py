"""The to-do list ``reportgen check YEAR`` prints before the report can be built: the values to
fill, the targets to set, and narrative passages that still name last year's dates and events.

It reads the files as they are (a half-filled workbook is the normal case here), so it never
depends on the data being valid; the reader's own problems are reported after it.

* values to fill: in a spreadsheet, every highlighted cell (xlsxform.TO_FILL) still blank; in
  any format, an indicator the narrative uses (``ind.x``) without a value for the results year;
* targets to set: a row of the 目标 table for the report year whose 目标值 is blank;
* narrative: a passage of report.yaml naming the year before the results year (last year's
  events: “2023全球精英创新创业大赛” in the 2025 report), or, in the plan (工作思路), the results
  year itself (last year's plan carried over). These are reminders: they do not fail the check.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..check.consistency import _references, passages
from ..core.errors import ProblemList
from ..core.i18n import _
from ..core.workspace import Workspace
from ..read.load import DATA_FILES, _layouts, read_indicators, read_yaml, results_year
from ..read.tables import MAX_XLSX_UNPACKED, blank
from . import xlsxform

VALUE, TARGET, NARRATIVE = "value", "target", "narrative"
_YEAR = re.compile(r"(?<!\d)(1\d{3}|2\d{3})(?!\d)")
_EXPR = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
PLAN_KEYS = ("plan",)
_CURRENT_USE = re.compile(r"\bind\s*\.\s*([a-z][a-z0-9_]*)(?!\s*\.\s*(?:at\s*\(|prev\b|history\b|years\b))")


def _EXPR_INNER(text: str) -> str:
    return " ".join(m.group(0) for m in _EXPR.finditer(text))


def _target_hint() -> str:   # the reader's hint for a blank 目标值 (read.load._target_rows)
    return _("填写目标值（只填数字），或删去这一行（不设这个目标）")


@dataclass(frozen=True)
class Todo:
    kind: str          # VALUE, TARGET or NARRATIVE
    where: str         # file and cell, or report.yaml:line
    what: str

    def __str__(self) -> str:
        return _("{where}：{what}").format(where=self.where, what=self.what)


def _xlsx_cells(ws: Workspace, path: Path, layouts, results: int, report_year: int) -> tuple[list[Todo], set]:
    """Highlighted blank cells of a workbook, and the (id, year) they stand for."""
    from openpyxl import load_workbook

    out: list[Todo] = []
    covered: set = set()
    try:
        # through the workspace (inside it, size-limited) and unpacked within the reader's bound
        raw = ws.read_bytes(path)
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_XLSX_UNPACKED:
                return out, covered
        wb = load_workbook(io.BytesIO(raw))
    except Exception:     # the reader reports a file outside the workspace, too large or damaged
        return out, covered
    rel = ws.rel(path)
    for table, kind in (("指标", VALUE), ("目标", TARGET)):
        layout = layouts[table]
        if layout.sheet not in wb.sheetnames:
            continue
        sheet = wb[layout.sheet]
        hr = layout.header_row
        header = [str(c.value).strip() if c.value is not None else "" for c in sheet[hr]]
        for row in sheet.iter_rows(min_row=hr + 1):
            id_ = str(row[0].value).strip() if row and row[0].value is not None else ""
            name = str(row[1].value).strip() if len(row) > 1 and row[1].value is not None else ""
            for cell in row:
                if not xlsxform.is_to_fill(cell) or not blank(cell.value):
                    continue
                head = header[cell.column - 1] if cell.column - 1 < len(header) else ""
                label = f"{id_}（{name}）" if name else id_
                if kind == VALUE:
                    m = re.match(r"^(\d{4})", head)
                    year = int(m.group(1)) if m else results
                    covered.add((id_, year))
                    what = _("填写 {label}的{year}年数值").format(label=label, year=year)
                else:
                    covered.add((id_, "target"))
                    what = _("设定 {label}的{year}年目标值").format(label=label, year=report_year)
                out.append(Todo(kind, f"{rel} {layout.sheet}!{cell.coordinate}", what))
    return out, covered


def _narrative(ws: Workspace, path: Path, results: int) -> list[Todo]:
    out = []
    rel = ws.rel(path)
    try:
        found = passages(path, ws)
    except Exception:     # a YAML error: the reader reports it
        return out
    for p in found:
        text = _EXPR.sub(lambda m: " " * len(m.group(0)), p.text)
        in_plan = bool(p.path) and p.path[0] in PLAN_KEYS
        old = {y for y in map(int, _YEAR.findall(text)) if y == results - 1 or (in_plan and y == results)}
        if not old:
            continue
        m = next(m for m in _YEAR.finditer(text) if int(m.group(1)) in old)
        start = max(0, m.start() - 12)
        excerpt = re.sub(r"\s+", "", text[start:m.end() + 16])
        label = ".".join(str(k) for k in p.path)
        years = _("、").join(str(y) for y in sorted(old))
        compact = re.sub(r"\s+", "", p.text)
        line = p.line_of(len(re.sub(r"\s+", "", p.text[:m.start()])), compact)
        out.append(Todo(NARRATIVE, f"{rel}:{line}（{label}）",
                        _("文字仍写着{years}年：“…{excerpt}…”——如是上一年的事件或计划，请改写").format(
                            years=years, excerpt=excerpt)))
    return out


_SHEET_CELL = re.compile(r"(.*!)([A-Z]{1,3})([0-9]+)")


def _results_cell(ind, source: str, name: str, results: int) -> str:
    """The cell of the results year in the row of ``source`` (another year's cell of that row:
    the first one read): the row's number, the column other rows of the sheet give that year.
    A source that is not a sheet cell (a YAML or CSV row) is the row itself."""
    mine = _SHEET_CELL.fullmatch(source)
    if mine is None:
        return source
    for other in ind.loc[ind["year"] == results, "source"]:
        found = _SHEET_CELL.fullmatch(str(other))
        if found and found.group(1) == mine.group(1):
            return f"{mine.group(1)}{found.group(2)}{mine.group(3)}"
    return _("{sheet}（“{name}”一行，{year}年列）").format(
        sheet=mine.group(1)[:-1], name=name, year=results)


def todo_list(ws: Workspace, year: int) -> list[Todo]:
    """Everything still to do before the report of ``year`` can be built, unit by unit."""
    ydir = ws.year_dir(year)
    if not ydir.is_dir():
        return []
    out: list[Todo] = []
    for folder in sorted(p for p in ydir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        quiet = ProblemList()
        report_path = folder / "report.yaml"
        report = read_yaml(report_path, ws, quiet)[0] if report_path.exists() else {}
        results = results_year(report, year, "", quiet)
        files = [folder / f for f in DATA_FILES if (folder / f).exists()]
        covered: set = set()
        layouts = _layouts(ws, folder, quiet)
        for path in files:
            if path.suffix == ".xlsx":
                todos, covered = _xlsx_cells(ws, path, layouts, results, year)
                out += todos
        # an indicator the narrative uses, without a value for the results year (any format)
        if files:
            read = ProblemList()
            ind, _tgt, _files = read_indicators(folder, ws, read, results)
            seen = {t.where for t in out}
            for problem in read.problems:      # blank targets in any format (CSV, YAML: no colours)
                if problem.hint == _target_hint() and problem.where not in seen:
                    out.append(Todo(TARGET, problem.where, problem.message))
            used = set()
            try:
                for p in passages(report_path, ws) if report_path.exists() else []:
                    # ind.x prints the results year's value; ind.x.at(2020) and ind.x.prev do not
                    current = set(_CURRENT_USE.findall(_EXPR_INNER(p.text)))
                    used |= {key for cat, _y, key in _references(p.text) if cat == "ind" and key in current}
            except Exception:   # a YAML error: the reader reports it
                pass
            if not ind.empty:
                have = set(ind.loc[ind["year"] == results, "id"])
                unreadable = {problem.where for problem in read.problems}   # the error says why
                for row in ind.drop_duplicates("id").itertuples(index=False):
                    if row.id in used and row.id not in have and (row.id, results) not in covered:
                        cell = _results_cell(ind, str(row.source), row.name, results)
                        if cell not in unreadable:
                            out.append(Todo(VALUE, cell, _("填写 {label}的{year}年数值（报告文字用到）").format(
                                label=f"{row.id}（{row.name}）", year=results)))
        if report_path.exists():
            out += _narrative(ws, report_path, results)
    return out
