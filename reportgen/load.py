"""Readers: a workspace's files for one results year → a validated dataset.

Layout of a workspace's data::

    data/units.yaml                     units: id → name, short name, region
    data/<YEAR>/<unit>/indicators.xlsx  sheet 指标 (values by year) and sheet 目标 (targets)
                       indicators.csv   … or the 指标 sheet as CSV (targets in targets.csv)
                       report.yaml      document settings and the narrative

Every problem in every file is collected and reported at once, each naming the file and the
sheet and cell (or YAML line) and how to fix it.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .errors import ProblemList, ReportgenError, Problem
from .workspace import Workspace

KINDS = {"总量": "amount", "比重": "ratio", "增速": "growth", "百分点": "pp", "位次": "rank"}
RANK_SCOPES = ("全国", "全省", "全市", "全区", "全县")
INDICATOR_HEADERS = {"编号": "id", "指标名称": "name", "指标": "name", "单位": "measure", "类型": "kind",
                     "精度": "precision", "排名范围": "rank_scope", "排名": "rank", "说明": "note", "备注": "note"}
TARGET_HEADERS = {"编号": "id", "指标名称": "name", "指标": "name", "单位": "measure", "年份": "year",
                  "目标值": "target", "限定词": "qualifier", "说明": "note", "备注": "note"}
INDICATOR_SHEET = "指标"
TARGET_SHEET = "目标"
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
YEAR_RE = re.compile(r"^(\d{4})(年)?$")


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    short_name: str
    region: str = ""


@dataclass
class UnitYear:
    """One unit's inputs for one results year."""

    unit: Unit
    year: int
    indicators: pd.DataFrame      # one row per (id, year): id name measure kind precision year value rank_scope rank note
    targets: pd.DataFrame         # one row per (id, year): id name measure year target qualifier note
    report: dict
    report_lines: dict[str, int]  # top-level report.yaml key → line, for messages
    files: list[Path] = field(default_factory=list)


@dataclass
class Dataset:
    workspace: Workspace
    year: int
    units: dict[str, UnitYear]


# -- small helpers ------------------------------------------------------------------------------
def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _number(v):
    """A cell as a number, or raise ValueError; thousands separators and % are not numbers."""
    if isinstance(v, bool):
        raise ValueError(v)
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            raise ValueError(v)
        return v
    s = str(v).strip()
    if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        return float(s) if "." in s else int(s)
    raise ValueError(v)


@dataclass
class _Sheet:
    """Cells of a sheet with their Excel addresses (``指标!C12``) kept for messages."""

    label: str                 # e.g. "data/2023/lucheng/indicators.xlsx 指标"
    header: list[str]
    rows: list[tuple[int, list]]  # (excel row number, values)
    sep: str = "!"

    def where(self, row: int, col: int) -> str:
        return f"{self.label}{self.sep}{get_column_letter(col + 1)}{row}"


def _read_xlsx(path: Path, rel: str, sheet: str, problems: ProblemList, required: bool) -> _Sheet | None:
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        problems.add(rel, f"无法作为 Excel 文件打开（{type(exc).__name__}）", "用 Excel/WPS 另存为 .xlsx 格式")
        return None
    if sheet not in wb.sheetnames:
        if required:
            problems.add(rel, f"缺少工作表“{sheet}”（现有：{'、'.join(wb.sheetnames)}）",
                         f"把数据所在的工作表重命名为“{sheet}”")
        return None
    ws = wb[sheet]
    label = f"{rel} {sheet}"
    for rng in ws.merged_cells.ranges:
        if rng.max_row >= 2:
            problems.add(f"{label}!{rng.coord}", "数据区域内有合并单元格",
                         "取消合并，并在每个单元格中填入各自的值")
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    if not values or all(_blank(v) for v in values[0]):
        problems.add(f"{label}!A1", "工作表是空的或第一行没有表头", "第一行填写表头：编号、指标名称、单位……")
        return None
    header = ["" if _blank(v) else str(v).strip() for v in values[0]]
    rows = [(i + 2, row + [None] * (len(header) - len(row))) for i, row in enumerate(values[1:])
            if not all(_blank(v) for v in row)]
    return _Sheet(label, header, rows)


def _read_csv(path: Path, rel: str, problems: ProblemList) -> _Sheet | None:
    raw = path.read_bytes()
    text = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        problems.add(rel, "文件编码无法识别", "用 UTF-8 编码另存此 CSV 文件")
        return None
    if not text.strip():
        problems.add(rel, "文件是空的", "第一行填写表头：编号、指标名称、单位……")
        return None
    import io
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=None)
    header = [str(v).strip() for v in df.iloc[0]]
    rows = [(i + 2, [None if v == "" else v for v in row]) for i, row in
            enumerate(df.iloc[1:].itertuples(index=False)) if any(v != "" for v in row)]
    return _Sheet(rel, header, rows, sep=" ")


def _columns(sheet: _Sheet, names: dict[str, str], required: tuple[str, ...], problems: ProblemList):
    """Map header cells to fields; year headers (2023 or 2023年) map to ``("year", 2023)``."""
    cols: dict = {}
    for i, h in enumerate(sheet.header):
        if not h:
            continue
        m = YEAR_RE.match(h)
        if m:
            cols[("year", int(m.group(1)))] = i
        elif h in names:
            cols.setdefault(names[h], i)
        else:
            problems.add(sheet.where(1, i), f"无法识别的表头“{h}”",
                         "可用的表头：" + "、".join(dict.fromkeys(names)) + "，以及年份（如 2023）")
    missing = [k for k in required if k not in cols]
    for key in missing:
        label = next(h for h, v in names.items() if v == key)
        problems.add(f"{sheet.label}", f"缺少“{label}”列", f"在第一行加上表头“{label}”")
    return cols, not missing


def _indicator_rows(sheet: _Sheet, problems: ProblemList) -> list[dict]:
    cols, ok = _columns(sheet, INDICATOR_HEADERS, ("id", "name", "measure", "kind"), problems)
    if not ok:
        return []
    years = sorted(k[1] for k in cols if isinstance(k, tuple))
    if not years:
        problems.add(sheet.label, "没有年份列", "加一列，表头为年份（如 2023），填入该年的数值")
    out: list[dict] = []
    seen: dict[str, str] = {}
    for rownum, row in sheet.rows:
        def cell(key):
            return row[cols[key]] if key in cols else None

        ind_id = "" if _blank(cell("id")) else str(cell("id")).strip()
        if not ID_RE.match(ind_id):
            problems.add(sheet.where(rownum, cols["id"]), f"编号“{ind_id}”无效",
                         "编号用小写英文字母、数字和下划线，以字母开头，如 rd_growth")
            continue
        if ind_id in seen:
            problems.add(sheet.where(rownum, cols["id"]), f"编号“{ind_id}”重复（已在 {seen[ind_id]} 出现）",
                         "每个指标只占一行")
            continue
        seen[ind_id] = sheet.where(rownum, cols["id"])
        kind_cn = "" if _blank(cell("kind")) else str(cell("kind")).strip()
        if kind_cn not in KINDS:
            problems.add(sheet.where(rownum, cols["kind"]), f"类型“{kind_cn}”无效",
                         "类型填：" + "、".join(KINDS))
            continue
        precision = None
        if not _blank(cell("precision")):
            try:
                precision = int(_number(cell("precision")))
                if not 0 <= precision <= 4:
                    raise ValueError
            except ValueError:
                problems.add(sheet.where(rownum, cols["precision"]), f"精度“{cell('precision')}”无效",
                             "精度填 0 到 4 的整数（小数位数）")
                continue
        scope = None if _blank(cell("rank_scope")) else str(cell("rank_scope")).strip()
        if scope is not None and scope not in RANK_SCOPES:
            problems.add(sheet.where(rownum, cols["rank_scope"]), f"排名范围“{scope}”无效",
                         "填：" + "、".join(RANK_SCOPES))
        rank = None
        if not _blank(cell("rank")):
            try:
                rank = _number(cell("rank"))
                if rank != int(rank) or rank < 1:
                    raise ValueError
                rank = int(rank)
            except ValueError:
                problems.add(sheet.where(rownum, cols["rank"]), f"“{cell('rank')}”不是有效的名次",
                             "名次填正整数，如 14")
        base = {"id": ind_id, "name": str(cell("name") or "").strip(),
                "measure": "" if _blank(cell("measure")) else str(cell("measure")).strip(),
                "kind": KINDS[kind_cn], "precision": precision, "rank_scope": scope, "rank": rank,
                "note": "" if _blank(cell("note")) else str(cell("note")).strip(),
                "source": seen[ind_id]}
        for y in years:
            col = cols[("year", y)]
            v = row[col]
            if _blank(v):
                continue
            try:
                value = _number(v)
            except ValueError:
                problems.add(sheet.where(rownum, col), f"“{v}”不是数字",
                             "只填数字：单位写在“单位”列，说明写在“说明”列")
                continue
            out.append({**base, "year": y, "value": value, "source": sheet.where(rownum, col)})
        if not any(not _blank(row[cols[("year", y)]]) for y in years):
            out.append({**base, "year": None, "value": None})
    return out


def _target_rows(sheet: _Sheet, problems: ProblemList) -> list[dict]:
    from .cnfmt import QUALIFIERS

    cols, ok = _columns(sheet, TARGET_HEADERS, ("id", "year", "target"), problems)
    if not ok:
        return []
    out = []
    seen: set = set()
    for rownum, row in sheet.rows:
        def cell(key):
            return row[cols[key]] if key in cols else None

        ind_id = "" if _blank(cell("id")) else str(cell("id")).strip()
        if not ID_RE.match(ind_id):
            problems.add(sheet.where(rownum, cols["id"]), f"编号“{ind_id}”无效",
                         "编号用小写英文字母、数字和下划线，以字母开头")
            continue
        try:
            year = int(_number(cell("year")))
        except ValueError:
            problems.add(sheet.where(rownum, cols["year"]), f"“{cell('year')}”不是年份", "填四位年份，如 2024")
            continue
        if (ind_id, year) in seen:
            problems.add(sheet.where(rownum, cols["id"]), f"指标“{ind_id}”的{year}年目标重复")
            continue
        seen.add((ind_id, year))
        try:
            target = _number(cell("target"))
        except ValueError:
            problems.add(sheet.where(rownum, cols["target"]), f"“{cell('target')}”不是数字",
                         "目标值只填数字；“以上”“超过”等写在“限定词”列")
            continue
        q = "" if _blank(cell("qualifier")) else str(cell("qualifier")).strip()
        if q and q not in QUALIFIERS:
            problems.add(sheet.where(rownum, cols["qualifier"]), f"限定词“{q}”无效",
                         "可用：" + "、".join(sorted(QUALIFIERS)))
            continue
        out.append({"id": ind_id, "name": "" if _blank(cell("name")) else str(cell("name")).strip(),
                    "measure": "" if _blank(cell("measure")) else str(cell("measure")).strip(),
                    "year": year, "target": target, "qualifier": q,
                    "note": "" if _blank(cell("note")) else str(cell("note")).strip(),
                    "source": sheet.where(rownum, cols["target"])})
    return out


IND_COLUMNS = ["id", "name", "measure", "kind", "precision", "year", "value", "rank_scope", "rank", "note", "source"]
TGT_COLUMNS = ["id", "name", "measure", "year", "target", "qualifier", "note", "source"]


def read_indicators(folder: Path, ws: Workspace, problems: ProblemList) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:
    """The 指标 and 目标 tables of one unit-year folder (xlsx, or csv files)."""
    xlsx, csv, tcsv = folder / "indicators.xlsx", folder / "indicators.csv", folder / "targets.csv"
    ind_rows: list[dict] = []
    tgt_rows: list[dict] = []
    files: list[Path] = []
    if xlsx.exists():
        files.append(xlsx)
        sheet = _read_xlsx(xlsx, ws.rel(xlsx), INDICATOR_SHEET, problems, required=True)
        if sheet:
            ind_rows = _indicator_rows(sheet, problems)
        tsheet = _read_xlsx(xlsx, ws.rel(xlsx), TARGET_SHEET, problems, required=False)
        if tsheet:
            tgt_rows = _target_rows(tsheet, problems)
    elif csv.exists():
        files.append(csv)
        sheet = _read_csv(csv, ws.rel(csv), problems)
        if sheet:
            ind_rows = _indicator_rows(sheet, problems)
        if tcsv.exists():
            files.append(tcsv)
            tsheet = _read_csv(tcsv, ws.rel(tcsv), problems)
            if tsheet:
                tgt_rows = _target_rows(tsheet, problems)
    else:
        problems.add(ws.rel(folder), "没有指标数据文件（indicators.xlsx 或 indicators.csv）",
                     "从上一年复制：reportgen new-year，或参照示例工作区新建")
    return (pd.DataFrame(ind_rows, columns=IND_COLUMNS), pd.DataFrame(tgt_rows, columns=TGT_COLUMNS), files)


class _LineLoader(yaml.SafeLoader):
    """Records the line of each top-level key, so messages can name it."""


def read_yaml(path: Path, ws: Workspace, problems: ProblemList) -> tuple[dict, dict[str, int]]:
    rel = ws.rel(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        problems.add(rel, "文件不是 UTF-8 编码", "用 UTF-8 编码另存此文件")
        return {}, {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(f"{rel}:{mark.line + 1}" if mark else rel,
                     f"YAML 格式错误：{getattr(exc, 'problem', None) or exc}",
                     "检查缩进、冒号后的空格，以及含冒号的文字是否加了引号")
        return {}, {}
    if data is None:
        problems.add(rel, "文件是空的")
        return {}, {}
    if not isinstance(data, dict):
        problems.add(rel, "顶层应为键值映射（键: 值）")
        return {}, {}
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value} if node is not None else {}
    return data, lines


def read_units(ws: Workspace, problems: ProblemList) -> dict[str, Unit]:
    path = ws.data / "units.yaml"
    if not path.exists():
        problems.add(ws.rel(path), "缺少单位信息文件", "新建 data/units.yaml，写明单位编号、全称、简称")
        return {}
    data, lines = read_yaml(path, ws, problems)
    units = {}
    for uid, info in data.items():
        where = f"{ws.rel(path)}:{lines.get(uid, 0)}"
        if not isinstance(info, dict) or not info.get("name"):
            problems.add(where, f"单位“{uid}”缺少全称（name）", "例如：\n    name: 鹿城区科学技术局\n    short_name: 区科技局")
            continue
        unknown = set(info) - {"name", "short_name", "region"}
        if unknown:
            problems.add(where, f"单位“{uid}”有未知的键：{'、'.join(sorted(unknown))}", "可用：name、short_name、region")
        units[str(uid)] = Unit(str(uid), str(info["name"]), str(info.get("short_name") or info["name"]),
                               str(info.get("region") or ""))
    return units


def load(ws: Workspace, year: int, only: list[str] | None = None) -> Dataset:
    """Read and validate every unit's inputs for results year ``year``."""
    ydir = ws.year_dir(year)
    if not ydir.is_dir():
        raise ReportgenError(Problem(
            ws.rel(ydir), f"没有{year}年的数据目录",
            f"用 reportgen new-year {year} 从{year - 1}年的数据开始，或新建目录 {ws.rel(ydir)}/单位编号/"))
    problems = ProblemList()
    units = read_units(ws, problems)
    folders = sorted(p for p in ydir.iterdir() if p.is_dir() and not p.name.startswith("."))
    if only:
        missing = [u for u in only if not (ydir / u).is_dir()]
        for u in missing:
            problems.add(ws.rel(ydir / u), f"没有单位“{u}”的{year}年数据", "可用单位：" + "、".join(p.name for p in folders))
        folders = [p for p in folders if p.name in only]
    if not folders:
        problems.add(ws.rel(ydir), f"{year}年的数据目录中没有单位子目录", f"新建 {ws.rel(ydir)}/单位编号/，放入 indicators.xlsx 和 report.yaml")
    result: dict[str, UnitYear] = {}
    for folder in folders:
        uid = folder.name
        if uid not in units:
            problems.add(ws.rel(folder), f"单位“{uid}”未在 data/units.yaml 中登记", "在 data/units.yaml 中加上该单位的全称和简称")
            continue
        ind, tgt, files = read_indicators(folder, ws, problems)
        # Values of earlier years kept in their own folders join the table (this year's file wins).
        prev_folder = ws.year_dir(year - 1) / uid
        if prev_folder.is_dir() and any((prev_folder / f).exists() for f in ("indicators.xlsx", "indicators.csv")):
            pind, _, pfiles = read_indicators(prev_folder, ws, problems)
            if not pind.empty:
                here = pd.MultiIndex.from_frame(ind[["id", "year"]])
                new = ~pd.MultiIndex.from_frame(pind[["id", "year"]]).isin(here)
                extra = pind[new & pind["year"].notna().to_numpy()]
                ind = pd.concat([ind, extra], ignore_index=True) if not ind.empty else extra
                files += pfiles
        report_path = folder / "report.yaml"
        report, lines = ({}, {})
        if report_path.exists():
            files.append(report_path)
            report, lines = read_yaml(report_path, ws, problems)
        else:
            problems.add(ws.rel(report_path), "缺少报告文字文件 report.yaml", "参照示例工作区的 report.yaml 新建")
        result[uid] = UnitYear(units[uid], year, ind, tgt, report, lines, files)
    _check_units_of_measure(result, problems)
    problems.raise_if_any()
    return Dataset(ws, year, result)


def _check_units_of_measure(units: dict[str, UnitYear], problems: ProblemList) -> None:
    """An indicator keeps one unit of measure across years (values are not comparable otherwise)."""
    for uy in units.values():
        df = uy.indicators.dropna(subset=["year"])
        for ind_id, group in df.groupby("id"):
            measures = group["measure"].unique()
            if len(measures) > 1:
                first = group.iloc[0]
                problems.add(str(group.iloc[-1]["source"]),
                             f"指标“{ind_id}”的单位前后不一致（{'、'.join(measures)}）",
                             f"统一为“{first['measure']}”，并换算数值")


def parse_issue_date(value, where: str, problems: ProblemList) -> _dt.date | None:
    from .cnfmt import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        problems.add(where, str(exc), "日期写成 2024-01-31")
        return None
