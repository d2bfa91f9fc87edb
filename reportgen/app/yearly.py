"""The yearly loop: ``reportgen new-year YEAR`` starts the report of YEAR (data/YEAR/) from last
year's report (data/YEAR-1/).

YEAR is the report's year: the 2025 report summarises 2024 and plans 2025. For every unit of
YEAR-1 (or the ones asked for) a new folder data/YEAR/<unit>/ gets:

* the indicator table with the same rows, every earlier year's values kept, a new empty column
  for the new results year (YEAR-1, highlighted to fill), and the rank columns (排名, 全市排名,
  完成率全市排名 …) emptied (a rank belongs to the year it was published for);
* the targets as they were — so the targets for YEAR-1 set in last year's report are there (the
  completion table), an indicator row is added for each of them the 指标 table lacks, and a blank,
  highlighted target row for YEAR is added for each of them (the new plan's targets to set);
* report.yaml, copied as a starting point, with its ``date:`` (and ``results_year:``) moved on a year;
* any other file of the folder (columns.yaml …) unchanged.

A spreadsheet gets the form's guidance (xlsxform): dropdown lists, header comments, frozen
header, column widths and a 填写说明 sheet. Nothing is ever overwritten: an existing
data/YEAR/<unit>/ stops the command before anything is written. The folders are written under a
temporary name and renamed into place.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..core import cnfmt, yamlio
from ..core.vocab import KIND_NAMES, guess_kind
from ..core.errors import Problem, ProblemList, ReportgenError
from ..core.i18n import _
from ..core.workspace import Workspace
from ..read.load import (DATA_FILES, INDICATOR_HEADERS, SCOPED_RANK_RE, TARGET_HEADERS, YEAR_RE, read_indicators,
                         read_yaml, results_year)

_HEADER_OF = {field: h for h, field in reversed(list(INDICATOR_HEADERS.items()))}   # field → first header name


def _is_rank(header) -> bool:
    """排名, or a rank of one scope (全市排名, 完成率全市排名 …): published for one year, cleared."""
    h = str(header).strip()
    return INDICATOR_HEADERS.get(h) == "rank" or (h not in INDICATOR_HEADERS and bool(SCOPED_RANK_RE.match(h)))


@dataclass
class Started:
    unit: str
    folder: Path
    rows: int            # indicator rows carried over
    added: list[str]     # target ids added as indicator rows
    targets: int         # targets for the new results year found (set in last year's report)
    results_year: int = 0
    new_targets: list[str] | None = None   # blank target rows added for the report year


def _new_rows(ind: pd.DataFrame, tgt: pd.DataFrame, year: int) -> list[dict]:
    """Indicator rows (standard fields) for this year's targets that have no indicator row."""
    have = set(ind["id"])
    out = []
    for row in tgt[tgt["year"] == year].itertuples(index=False):
        if row.id in have:
            continue
        have.add(row.id)
        out.append({"id": row.id, "name": row.name or row.id, "measure": row.measure,
                    "kind": KIND_NAMES[guess_kind(row.measure, row.name)], "note": f"{year}年目标（{year - 1}年工作思路）"})
    return out


def _target_rows_to_set(ind: pd.DataFrame, tgt: pd.DataFrame, year: int) -> list[dict]:
    """Blank target rows for the report year ``year``: one per indicator that had a target for
    the year before and has none for ``year`` yet.  (An annual report plans its own year, the
    year after its results; a half-year report measures its results against its own year's
    targets: either way the targets to set are the report year's.)"""
    results_year = year - 1
    have = set(tgt.loc[tgt["year"] == year, "id"])
    meta = ind.drop_duplicates("id").set_index("id") if not ind.empty else None
    out = []
    for row in tgt[tgt["year"] == results_year].itertuples(index=False):
        if row.id in have:
            continue
        have.add(row.id)
        name = row.name or (meta.loc[row.id, "name"] if meta is not None and row.id in meta.index else "")
        measure = row.measure or (meta.loc[row.id, "measure"] if meta is not None and row.id in meta.index else "")
        out.append({"id": row.id, "name": name, "measure": measure, "year": year, "target": None,
                    "qualifier": row.qualifier or None})
    return out


# -- one file kind each ---------------------------------------------------------------------------
def _layout_header(sheet_header: list, layout) -> list[str]:
    names = dict(layout.rename) if layout else {}
    return [names.get(str(h).strip(), str(h).strip()) if h is not None else "" for h in sheet_header]


def _start_xlsx(src: Path, dst: Path, year: int, new_rows: list[dict], layouts,
                new_targets: list[dict] = ()) -> None:
    from copy import copy

    from openpyxl import load_workbook

    from . import xlsxform

    wb = load_workbook(src)
    layout = layouts["指标"]
    ws = wb[layout.sheet]
    hr = layout.header_row
    header = _layout_header([c.value for c in ws[hr]], layout)
    year_cols = [i for i, h in enumerate(header, 1) if YEAR_RE.match(h)]
    last = max(year_cols) if year_cols else len(header)
    new_col = last + 1
    ws.insert_cols(new_col)
    prev_head = ws.cell(hr, last).value
    ws.cell(hr, new_col).value = f"{year}年" if isinstance(prev_head, str) and prev_head.endswith("年") else year
    for r in range(hr, ws.max_row + 1):
        src_cell, cell = ws.cell(r, last), ws.cell(r, new_col)
        if src_cell.has_style:
            cell._style = copy(src_cell._style)
    letter_prev = ws.cell(hr, last).column_letter
    letter_new = ws.cell(hr, new_col).column_letter
    if letter_prev in ws.column_dimensions:
        ws.column_dimensions[letter_new].width = ws.column_dimensions[letter_prev].width
    header = _layout_header([c.value for c in ws[hr]], layout)
    cols = {INDICATOR_HEADERS[h]: i for i, h in reversed(list(enumerate(header, 1))) if h in INDICATOR_HEADERS}
    for c in [i for i, h in enumerate(header, 1) if _is_rank(h)]:
        for r in range(hr + 1, ws.max_row + 1):
            ws.cell(r, c).value = None
    for row in new_rows:
        values = [None] * len(header)
        for field, value in row.items():
            if field in cols:
                values[cols[field] - 1] = value
        ws.append(values)
    for r in range(hr + 1, ws.max_row + 1):          # every row's new value is one to fill
        if any(ws.cell(r, c).value is not None for c in range(1, len(header) + 1)):
            xlsxform.to_fill(ws.cell(r, new_col))
    rename = dict(layout.rename) if layout else {}
    xlsxform.guide_indicators(ws, hr, rename)
    tl = layouts["目标"]
    if new_targets and tl.sheet in wb.sheetnames:
        ts = wb[tl.sheet]
        theader = _layout_header([c.value for c in ts[tl.header_row]], tl)
        tcols = {TARGET_HEADERS[h]: i for i, h in reversed(list(enumerate(theader, 1))) if h in TARGET_HEADERS}
        for row in new_targets:
            values = [None] * len(theader)
            for field, value in row.items():
                if field in tcols:
                    values[tcols[field] - 1] = value
            ts.append(values)
            if "target" in tcols:
                xlsxform.to_fill(ts.cell(ts.max_row, tcols["target"]))
        xlsxform.guide_targets(ts, tl.header_row, dict(tl.rename) if tl else {}, year + 1)
    elif tl.sheet in wb.sheetnames:
        xlsxform.guide_targets(wb[tl.sheet], tl.header_row, dict(tl.rename) if tl else {}, year + 1)
    xlsxform.instructions(wb, year + 1, year)
    wb.save(dst)


def _start_csv(src: Path, dst: Path, year: int, new_rows: list[dict], layouts) -> None:
    raw = src.read_bytes()
    text = raw.decode("utf-8-sig") if _decodes(raw, "utf-8-sig") else raw.decode("gb18030")
    import io

    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=None, skip_blank_lines=False)
    hr = layouts["指标"].header_row
    header = _layout_header(list(df.iloc[hr - 1]), layouts["指标"])
    year_cols = [i for i, h in enumerate(header) if YEAR_RE.match(h)]
    last = max(year_cols) if year_cols else len(header) - 1
    prev_head = str(df.iat[hr - 1, last])
    new = pd.Series([""] * len(df), index=df.index)
    new.iloc[hr - 1] = f"{year}年" if prev_head.endswith("年") else str(year)
    df.insert(last + 1, "__new__", new)
    df.columns = range(df.shape[1])
    header = _layout_header(list(df.iloc[hr - 1]), layouts["指标"])
    cols = {INDICATOR_HEADERS[h]: i for i, h in reversed(list(enumerate(header))) if h in INDICATOR_HEADERS}
    for c in [i for i, h in enumerate(header) if _is_rank(h)]:
        df.iloc[hr:, c] = ""
    extra = []
    for row in new_rows:
        values = [""] * df.shape[1]
        for field, value in row.items():
            if field in cols:
                values[cols[field]] = str(value)
        extra.append(values)
    if extra:
        df = pd.concat([df, pd.DataFrame(extra, columns=df.columns)], ignore_index=True)
    dst.write_text(df.to_csv(index=False, header=False, lineterminator="\n"), "utf-8-sig")


def _start_targets_csv(src: Path, dst: Path, new_targets: list[dict], layouts) -> None:
    """targets.csv with a blank row per target to set (CSV has no colours: the 目标值 is empty)."""
    raw = src.read_bytes()
    text = raw.decode("utf-8-sig") if _decodes(raw, "utf-8-sig") else raw.decode("gb18030")
    import io

    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=None, skip_blank_lines=False)
    tl = layouts["目标"]
    header = _layout_header(list(df.iloc[tl.header_row - 1]), tl)
    cols = {TARGET_HEADERS[h]: i for i, h in reversed(list(enumerate(header))) if h in TARGET_HEADERS}
    extra = []
    for row in new_targets:
        values = [""] * df.shape[1]
        for field, value in row.items():
            if field in cols and value is not None:
                values[cols[field]] = str(value)
        extra.append(values)
    if extra:
        df = pd.concat([df, pd.DataFrame(extra, columns=df.columns)], ignore_index=True)
    dst.write_text(df.to_csv(index=False, header=False, lineterminator="\n"), "utf-8-sig")


def _decodes(raw: bytes, enc: str) -> bool:
    try:
        raw.decode(enc)
        return True
    except UnicodeDecodeError:
        return False


def _start_yaml(src: Path, dst: Path, year: int, new_rows: list[dict], new_targets: list[dict] = (),
                report_year: int | None = None) -> None:
    """The YAML indicator table started for the results year ``year`` of the ``report_year``
    report (the year after it, or the same year for a half-year report: results_year)."""
    report_year = year + 1 if report_year is None else report_year
    data = yamlio.load(src.read_text("utf-8")) or {}
    rows = data.get("指标") or []
    out = []
    for row in rows:
        if not isinstance(row, dict):
            out.append(row)
            continue
        keys = list(row)
        years = [k for k in keys if YEAR_RE.match(str(k))]
        new: dict = {}
        for k in keys:
            new[k] = None if _is_rank(k) else row[k]
            if years and k == years[-1]:
                new[year] = None
        if not years:
            new[year] = None
        out.append(new)
    for row in new_rows:
        out.append({_HEADER_OF[f]: v for f, v in row.items()} | {year: None})
    data["指标"] = out
    if new_targets:
        names = {v: k for k, v in TARGET_HEADERS.items() if k not in ("指标", "备注")}
        data["目标"] = list(data.get("目标") or []) + [
            {names[f]: v for f, v in row.items() if f in names and (v is not None or f == "target")}
            for row in new_targets]
    head = (f"# 由 reportgen new-year {report_year} 从 {report_year - 1} 年的报告复制：{year} 年的数值待填写（~ 处）；"
            f"目标（“目标”列表）照旧，其中 {year} 年的目标用于完成情况，{year + 1} 年的目标值待填写。\n")
    dst.write_text(head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None,
                                         width=1000), "utf-8")


_RESULTS_LINE = re.compile(r"^(results_year:\s*)(\d{4})(\s*(#.*)?)$", re.M)
_DATE_LINE = re.compile(r"^(date:\s*)(['\"]?)([^'\"#\n]*?)(\2)(\s*(#.*)?)$", re.M)


def _start_report(src: Path, dst: Path, year: int) -> None:
    text = src.read_text("utf-8")

    def move(m: re.Match) -> str:
        try:
            d = cnfmt.parse_date(m.group(3).strip())
        except ValueError:
            return m.group(0)
        try:
            moved = d.replace(year=d.year + 1)
        except ValueError:   # 29 February
            moved = d.replace(year=d.year + 1, day=28)
        return f"{m.group(1)}{m.group(2)}{moved.isoformat()}{m.group(4)}{m.group(5)}"

    text = _DATE_LINE.sub(move, text, count=1)
    text = _RESULTS_LINE.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + 1}{m.group(3)}", text, count=1)
    head = (f"# 由 reportgen new-year {year} 从 {year - 1} 年的报告复制，作为 {year} 年报告的起点："
            f"请改写文字（去掉上一年的日期和事件），并在“目标”表中填写 {year} 年的目标。\n")
    dst.write_text(head + text, "utf-8")


# -- the command ------------------------------------------------------------------------------------
def new_year(ws: Workspace, year: int, only: tuple[str, ...] = ()) -> list[Started]:
    """Start the report of ``year`` (data/YEAR/) from last year's report for every unit (or
    ``only``); never overwrite."""
    from ..read.load import _layouts, report_years

    src_dir, dst_dir = ws.year_dir(year - 1), ws.year_dir(year)
    if not src_dir.is_dir():
        years = report_years(ws)
        raise ReportgenError(Problem(
            ws.rel(src_dir), _("没有{year}年报告的数据目录，无法从上一年的报告开始").format(year=year - 1),
            (_("本工作区有这些年份的报告：{years}。").format(years=_("、").join(map(str, years))) if years else "")
            + _("先准备 {source}/单位编号/ 的数据，或直接新建 {target}/单位编号/").format(
                source=ws.rel(src_dir), target=ws.rel(dst_dir))))
    units = sorted(p.name for p in src_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
                   and any((p / f).exists() for f in DATA_FILES))
    problems = ProblemList()
    for u in only:
        if u not in units:
            problems.add(ws.rel(src_dir / u), _("{year}年的报告没有单位“{unit}”的数据").format(year=year - 1, unit=u),
                         _("可用单位：{units}").format(units=_("、").join(units)))
    chosen = [u for u in units if not only or u in only]
    if not chosen and not problems:
        problems.add(ws.rel(src_dir), _("{year}年报告的数据目录中没有单位的数据文件").format(year=year - 1),
                     _("每个单位一个子目录，放入 indicators.xlsx 和 report.yaml"))
    for u in chosen:
        if (dst_dir / u).exists():
            problems.add(ws.rel(dst_dir / u), _("已存在，未做任何改动（new-year 从不覆盖已有的目录）"),
                         _("要重新开始，先把 {folder} 移走或改名").format(folder=ws.rel(dst_dir / u)))
    problems.raise_if_any()

    plans = []
    for u in chosen:
        folder = src_dir / u
        ws.inside(folder)
        report = {}
        if (folder / "report.yaml").exists():
            report, _lines = read_yaml(folder / "report.yaml", ws, problems)
        old_results = results_year(report, year - 1, ws.rel(folder / "report.yaml"), problems)
        ind, tgt, files = read_indicators(folder, ws, problems, old_results)
        plans.append((u, folder, ind, tgt, files, old_results + 1))
    problems.raise_if_any()   # a broken source is reported, not copied

    ws.data.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".new-year-{year}-", dir=ws.data))
    started: list[Started] = []
    try:
        for u, folder, ind, tgt, files, results in plans:
            out = staging / u
            out.mkdir()
            layouts = _layouts(ws, folder, ProblemList())
            new_rows = _new_rows(ind, tgt, results)
            new_targets = _target_rows_to_set(ind, tgt, year)
            data_file = files[0]
            for item in sorted(folder.iterdir()):
                if item.name.startswith((".", "~$")) or item.is_dir():
                    continue
                ws.inside(item)          # a link leading out of the workspace is never copied
                target = out / item.name
                if item == data_file and item.suffix == ".xlsx":
                    _start_xlsx(item, target, results, new_rows, layouts, new_targets)
                elif item == data_file and item.suffix == ".csv":
                    _start_csv(item, target, results, new_rows, layouts)
                elif item == data_file and item.suffix == ".yaml":
                    _start_yaml(item, target, results, new_rows, new_targets, year)
                elif item.name == "targets.csv" and data_file.suffix == ".csv":
                    _start_targets_csv(item, target, new_targets, layouts)
                elif item.name == "report.yaml":
                    _start_report(item, target, year)
                else:
                    shutil.copy2(item, target)
            started.append(Started(u, dst_dir / u, int(ind["id"].nunique()) if not ind.empty else 0,
                                   [r["id"] for r in new_rows], int((tgt["year"] == results).sum()),
                                   results, [r["id"] for r in new_targets]))
        dst_dir.mkdir(exist_ok=True)
        for s in started:
            if s.folder.exists():   # appeared meanwhile: still never overwrite
                raise ReportgenError(Problem(ws.rel(s.folder), _("已存在，未做任何改动")))
        for s in started:
            (staging / s.unit).rename(s.folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return started


def describe(ws: Workspace, s: Started, year: int) -> str:
    text = _("已新建 {folder}/：指标 {rows} 行，{results}年数值待填写").format(
        folder=ws.rel(s.folder), rows=s.rows + len(s.added), results=s.results_year)
    if s.targets:
        text += _("；沿用上一年报告中的{results}年目标 {n} 项").format(results=s.results_year, n=s.targets)
        if s.added:
            text += _("（其中 {n} 项已加入指标表：{ids}）").format(n=len(s.added), ids=_("、").join(s.added))
    if s.new_targets:
        text += _("；{year}年目标 {n} 项待设定（“目标”表中新增的空行）").format(year=year, n=len(s.new_targets))
    return text + _("。")
