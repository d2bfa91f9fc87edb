"""The yearly loop: ``reportgen new-year YEAR`` starts data/YEAR/ from data/YEAR-1/.

For every unit of YEAR-1 (or the ones asked for) a new folder data/YEAR/<unit>/ gets:

* the indicator table with the same rows, every earlier year's values kept, a new empty column
  for YEAR, and the 排名 column emptied (a rank belongs to the year it was published for);
* the targets as they were — so the targets set for YEAR in last year's plan are there, and an
  indicator row is added for each of them the 指标 table lacks, so that entering YEAR's values
  fills the completion table by itself;
* report.yaml, copied as a starting point, with its ``date:`` moved on one year;
* any other file of the folder (columns.yaml …) unchanged.

Nothing is ever overwritten: an existing data/YEAR/<unit>/ stops the command before anything is
written. The folders are written under a temporary name and renamed into place.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..core import cnfmt
from ..core.vocab import KIND_NAMES, guess_kind
from ..core.errors import Problem, ProblemList, ReportgenError
from ..core.i18n import _
from ..read.load import DATA_FILES, INDICATOR_HEADERS, YEAR_RE, read_indicators
from ..core.workspace import Workspace

_HEADER_OF = {field: h for h, field in reversed(list(INDICATOR_HEADERS.items()))}   # field → first header name


@dataclass
class Started:
    unit: str
    folder: Path
    rows: int            # indicator rows carried over
    added: list[str]     # target ids added as indicator rows
    targets: int         # targets for the new year found


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


# -- one file kind each ---------------------------------------------------------------------------
def _layout_header(sheet_header: list, layout) -> list[str]:
    names = dict(layout.rename) if layout else {}
    return [names.get(str(h).strip(), str(h).strip()) if h is not None else "" for h in sheet_header]


def _start_xlsx(src: Path, dst: Path, year: int, new_rows: list[dict], layouts) -> None:
    from copy import copy

    from openpyxl import load_workbook

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
    if "rank" in cols:
        for r in range(hr + 1, ws.max_row + 1):
            ws.cell(r, cols["rank"]).value = None
    for row in new_rows:
        values = [None] * len(header)
        for field, value in row.items():
            if field in cols:
                values[cols[field] - 1] = value
        ws.append(values)
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
    if "rank" in cols:
        df.iloc[hr:, cols["rank"]] = ""
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


def _decodes(raw: bytes, enc: str) -> bool:
    try:
        raw.decode(enc)
        return True
    except UnicodeDecodeError:
        return False


def _start_yaml(src: Path, dst: Path, year: int, new_rows: list[dict]) -> None:
    data = yaml.safe_load(src.read_text("utf-8")) or {}
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
            new[k] = None if INDICATOR_HEADERS.get(str(k)) == "rank" else row[k]
            if years and k == years[-1]:
                new[year] = None
        if not years:
            new[year] = None
        out.append(new)
    for row in new_rows:
        out.append({_HEADER_OF[f]: v for f, v in row.items()} | {year: None})
    data["指标"] = out
    head = (f"# 由 reportgen new-year {year} 从 {year - 1} 年复制：{year} 年的数值待填写；"
            f"目标（“目标”列表）照旧，其中 {year} 年的目标用于本年完成情况。\n")
    dst.write_text(head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None,
                                         width=1000), "utf-8")


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
    head = (f"# 由 reportgen new-year {year} 从 {year - 1} 年复制，作为 {year} 年报告的起点："
            f"请改写文字，并在“目标”表中填写 {year + 1} 年的目标。\n")
    dst.write_text(head + text, "utf-8")


# -- the command ------------------------------------------------------------------------------------
def new_year(ws: Workspace, year: int, only: tuple[str, ...] = ()) -> list[Started]:
    """Start data/YEAR/ from data/YEAR-1/ for every unit (or ``only``); never overwrite."""
    from ..read.load import _layouts

    src_dir, dst_dir = ws.year_dir(year - 1), ws.year_dir(year)
    if not src_dir.is_dir():
        raise ReportgenError(Problem(ws.rel(src_dir), _("没有{year}年的数据目录，无法从上一年开始").format(year=year - 1),
                                     _("先准备 {source}/单位编号/ 的数据，或直接新建 {target}/单位编号/").format(
                                         source=ws.rel(src_dir), target=ws.rel(dst_dir))))
    units = sorted(p.name for p in src_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
                   and any((p / f).exists() for f in DATA_FILES))
    problems = ProblemList()
    for u in only:
        if u not in units:
            problems.add(ws.rel(src_dir / u), _("{year}年没有单位“{unit}”的数据").format(year=year - 1, unit=u),
                         _("可用单位：{units}").format(units=_("、").join(units)))
    chosen = [u for u in units if not only or u in only]
    if not chosen and not problems:
        problems.add(ws.rel(src_dir), _("{year}年的数据目录中没有单位的数据文件").format(year=year - 1),
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
        ind, tgt, files = read_indicators(folder, ws, problems, year - 1)
        plans.append((u, folder, ind, tgt, files))
    problems.raise_if_any()   # a broken source is reported, not copied

    ws.data.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".new-year-{year}-", dir=ws.data))
    started: list[Started] = []
    try:
        for u, folder, ind, tgt, files in plans:
            out = staging / u
            out.mkdir()
            layouts = _layouts(ws, folder, ProblemList())
            new_rows = _new_rows(ind, tgt, year)
            data_file = files[0]
            for item in sorted(folder.iterdir()):
                if item.name.startswith((".", "~$")) or item.is_dir():
                    continue
                ws.inside(item)          # a link leading out of the workspace is never copied
                target = out / item.name
                if item == data_file and item.suffix == ".xlsx":
                    _start_xlsx(item, target, year, new_rows, layouts)
                elif item == data_file and item.suffix == ".csv":
                    _start_csv(item, target, year, new_rows, layouts)
                elif item == data_file and item.suffix == ".yaml":
                    _start_yaml(item, target, year, new_rows)
                elif item.name == "report.yaml":
                    _start_report(item, target, year)
                else:
                    shutil.copy2(item, target)
            started.append(Started(u, dst_dir / u, int(ind["id"].nunique()) if not ind.empty else 0,
                                   [r["id"] for r in new_rows], int((tgt["year"] == year).sum())))
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
    text = _("已新建 {folder}/：指标 {rows} 行，{year}年数值待填写").format(folder=ws.rel(s.folder),
                                                                 rows=s.rows + len(s.added), year=year)
    if s.targets:
        text += _("；沿用上一年工作思路中的{year}年目标 {n} 项").format(year=year, n=s.targets)
        if s.added:
            text += _("（其中 {n} 项已加入指标表：{ids}）").format(n=len(s.added), ids=_("、").join(s.added))
    return text + _("。")

