"""Readers: a workspace's files for one report year → a validated indicator catalogue.

Layout of a workspace's data (YEAR is the report's year: data/2024/lucheng/ holds what the 2024
report needs — the 2023 figures and earlier years', and the 2024 targets)::

    data/units.yaml                     units: id → name, short name, region
    data/columns.yaml                   optional: a bureau's own sheet names and headers (see tables.py)
    data/<YEAR>/<unit>/indicators.xlsx  sheet 指标 (values by year) and sheet 目标 (targets)
                       indicators.csv   … or the 指标 sheet as CSV (targets in targets.csv)
                       indicators.yaml  … or both tables as YAML lists (指标:, 目标:)
                       report.yaml      document settings and the narrative

The 指标 table: 编号 指标名称 单位 类型 [精度] <years…> [排名范围 排名 <范围>排名… 下限 上限 别名 说明]
(“全省排名”“全市排名” …: further published ranks of the row, one column per scope);
the 目标 table: 编号 年份 目标值 [指标名称 单位 限定词 属性 测算 说明]. Values of years before
the results year may also sit in earlier reports' folders (data/2023/<unit>/…); the newest file
wins. Targets likewise: the targets for YEAR set in YEAR-1's report are found in either folder.
The results year is the report year − 1; a report about the year it is issued in (a news
report in September) says ``results_year: 2021`` in its report.yaml.

Every problem in every file is collected and reported at once, each naming the file and the
sheet and cell (or YAML line) and how to fix it.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import yaml

from ..core import yamlio
from pydantic import ValidationError

from ..core.errors import Problem, ProblemList, ReportgenError
from ..core.schema import ReportSettings, UnitInfo
from ..core.schema import problems as schema_problems
from ..core.i18n import _, language
from .tables import (Sheet, TableLayout, blank, general_places, number_text, read_csv, read_layouts,
                     read_xlsx_remembered, not_collected, read_yaml_tables, stand_in)
from ..core.workspace import Workspace
from .files import DATA_FILES, earlier_folders, inputs_of, report_years  # noqa: F401  (the files a load reads)

from ..core.vocab import ATTRIBUTES, KIND_NAMES, KIND_UNITS, KINDS, PLAN_METHODS, QUALIFIERS, RANK_SCOPES  # noqa: F401
#: a column “全省排名”, “全市排名”, “绍兴排名” …: one more published rank of the row, in that scope;
#: “增速全市排名”, “完成率全市排名”, “占比全省排名”: the rank of the row's growth, completion rate, share
SCOPED_RANK_RE = re.compile(r"^(.{1,12}?)排名$")
RANK_ASPECTS = ("增速", "完成率", "占比")


def _rank_aspect(header_scope: str) -> tuple[str, str]:
    """“完成率全市” → (完成率, 全市); “全省” → ("", 全省)."""
    for aspect in RANK_ASPECTS:
        if header_scope.startswith(aspect) and len(header_scope) > len(aspect):
            return aspect, header_scope[len(aspect):]
    return "", header_scope
INDICATOR_HEADERS = {"编号": "id", "指标名称": "name", "指标": "name", "单位": "measure", "类型": "kind",
                     "精度": "precision", "排名范围": "rank_scope", "排名": "rank", "下限": "lower", "上限": "upper",
                     "别名": "aliases", "说明": "note", "备注": "note"}
TARGET_HEADERS = {"编号": "id", "指标名称": "name", "指标": "name", "单位": "measure", "年份": "year",
                  "目标值": "target", "限定词": "qualifier", "属性": "attribute", "测算": "method",
                  "说明": "note", "备注": "note"}
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
    """One unit's inputs for one report: ``year`` is the results year the figures are of (the
    report's year − 1, or report.yaml's ``results_year``), ``report_year`` the report's own year
    (its folder data/<report_year>/, the year it is issued and plans for)."""

    unit: Unit
    year: int
    indicators: pd.DataFrame      # one row per (id, year): see IND_COLUMNS
    targets: pd.DataFrame         # one row per (id, year): see TGT_COLUMNS
    report: dict
    report_lines: dict[str, int]  # top-level report.yaml key → line, for messages
    files: list[Path] = field(default_factory=list)
    folder: Path | None = None
    #: every unit of the same report year (this one included), for ranks and shares across units
    peers: Mapping[str, "UnitYear"] = field(default_factory=dict, repr=False)
    report_year: int | None = None

    def __post_init__(self):
        if self.report_year is None:
            self.report_year = self.year + 1


@dataclass
class Dataset:
    workspace: Workspace
    year: int                     # the report year (data/<year>/)
    units: dict[str, UnitYear]
    #: things worth a look that stop nothing (hidden sheets, rows and columns whose data are used)
    warnings: list[Problem] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        """All units' indicator values in one long table: unit, id, year, value and the metadata."""
        frames = [uy.indicators.assign(unit=uid) for uid, uy in self.units.items() if not uy.indicators.empty]
        if not frames:
            return pd.DataFrame(columns=["unit", *IND_COLUMNS])
        df = pd.concat(frames, ignore_index=True)
        return df[["unit", *IND_COLUMNS]]


IND_COLUMNS = ["id", "name", "measure", "kind", "precision", "year", "value", "rank_scope", "rank", "ranks", "lower",
               "upper", "aliases", "note", "order", "source", "places", "rank_source", "row_hidden",
               "not_collected"]
TGT_COLUMNS = ["id", "name", "measure", "year", "target", "qualifier", "attribute", "method", "note", "source"]


# -- small helpers ------------------------------------------------------------------------------
def _number(v):
    """A cell as a number, or raise ValueError; thousands separators and % are not numbers."""
    if isinstance(v, bool):
        raise ValueError(v)
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            raise ValueError(v)
        return v
    parsed = number_text(v) if isinstance(v, str) else None
    if parsed is None or parsed[2]:
        raise ValueError(v)
    d, places, _percent = parsed
    return float(d) if places or "." in str(v) else int(d)


def _value_cell(sheet: Sheet, rownum: int, col: int, v, measure: str, problems: ProblemList):
    """A value cell as the person saw it: (number, decimals shown), None when blank or a stand-in
    (— 待填 N/A …), or False after reporting why it cannot be used.

    Percent cells hold the number shown (0.219 under 0.0% is 21.9); numbers stored as text are
    read as typed (thousands separators, full-width digits, a % sign for a % indicator); a formula
    whose result was never saved, an error value (#DIV/0!) or a date is reported, never read as blank.
    """
    at = sheet.where(rownum, col)
    formula = sheet.formulas.get((rownum, col))
    if formula is not None:
        problems.add(at, _("公式 {formula} 没有保存计算结果，读不到数值").format(formula=formula),
                     _("用 Excel 或 WPS 打开此文件并保存一次（会保存公式的计算结果），或把公式换成数值"))
        return False
    if blank(v) or stand_in(v):
        return None
    percent_units = ("%", "‰")
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        shown = v.date().isoformat() if isinstance(v, _dt.datetime) else v.isoformat()
        problems.add(at, _("单元格是日期格式（显示为 {shown}），不是数字").format(shown=shown),
                     _("把单元格格式改为“常规”或“数值”，再填入数值"))
        return False
    if isinstance(v, str) and re.fullmatch(r"#(DIV/0!|N/A|NAME\?|NULL!|NUM!|REF!|VALUE!|SPILL!|CALC!|GETTING_DATA)", v.strip()):
        problems.add(at, _("公式的结果是错误值 {value}").format(value=v.strip()),
                     _("改正公式（如除数为零、引用失效），或填入数值"))
        return False
    if isinstance(v, bool):
        problems.add(at, _("“{value}”不是数字").format(value=v), _("只填数字；没有数据就留空"))
        return False
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return None
        fmt = sheet.formats.get((rownum, col))
        if fmt is not None and fmt.percent and measure not in percent_units:
            problems.add(at, _("单元格格式为百分比（显示为 {shown}%），但指标单位是“{measure}”").format(
                             shown=_fmt_bound(v), measure=measure),
                         _("把单元格格式改为“常规”或“数值”，按“{measure}”填写数值").format(measure=measure))
            return False
        places = fmt.places if fmt is not None and fmt.places is not None else general_places(v)
        if isinstance(v, float) and v.is_integer() and places == 0:
            v = int(v)
        return v, places
    parsed = number_text(v)
    if parsed is None:
        problems.add(at, _("“{value}”不是数字").format(value=v),
                     _("只填数字：单位写在“单位”列，说明写在“说明”列；没有数据就留空"))
        return False
    d, places, percent = parsed
    if percent and measure not in percent_units:
        problems.add(at, _("“{value}”带百分号，但指标单位是“{measure}”").format(value=v, measure=measure),
                     _("去掉百分号，按“{measure}”填写数值").format(measure=measure))
        return False
    return (float(d) if places else int(d)), places


def _text(v) -> str:
    return "" if blank(v) else str(v).strip()


def _fmt_bound(v) -> str:
    return "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))


def _columns(sheet: Sheet, names: dict[str, str], required: tuple[str, ...], problems: ProblemList):
    """Map header cells to fields; year headers (2023 or 2023年) map to ``("year", 2023)``."""
    cols: dict = {}
    for i, h in enumerate(sheet.header):
        if not h:
            continue
        m = YEAR_RE.match(h)
        if m:
            key = ("year", int(m.group(1)))
            if key in cols:
                problems.add(sheet.header_where(i), _("年份列“{header}”重复").format(header=h),
                             _("每个年份只占一列，删去或合并重复的列"))
                continue
            cols[key] = i
        elif h in names:
            cols.setdefault(names[h], i)
        elif "rank" in names.values() and SCOPED_RANK_RE.match(h):
            key = ("rank_in", SCOPED_RANK_RE.match(h).group(1))
            if key in cols:
                problems.add(sheet.header_where(i), _("排名列“{header}”重复").format(header=h), _("每个范围的排名只占一列"))
                continue
            cols[key] = i
        else:
            problems.add(sheet.header_where(i), _("无法识别的表头“{header}”").format(header=h),
                         _("可用的表头：{headers}，以及年份（如 2023）；本单位自己的表头可在 data/columns.yaml 中对应到这些表头")
                         .format(headers=_("、").join(dict.fromkeys(names))))
    missing = [k for k in required if k not in cols]
    for key in missing:
        label = next(h for h, v in names.items() if v == key)
        problems.add(f"{sheet.label}", _("缺少“{header}”列").format(header=label),
                     _("在表头行加上“{header}”").format(header=label))
    return cols, not missing


def _bounds(cell, where, problems: ProblemList):
    """The optional 下限/上限 of a row, as numbers (None when blank); False when invalid."""
    out = []
    for key, label in (("lower", "下限"), ("upper", "上限")):
        v = cell(key)
        if blank(v):
            out.append(None)
            continue
        try:
            out.append(_number(v))
        except ValueError:
            problems.add(where(key), _("{column}“{value}”不是数字").format(column=label, value=v),
                         _("{column}只填数字，或留空").format(column=label))
            return False
    if out[0] is not None and out[1] is not None and out[0] > out[1]:
        problems.add(where("lower"), _("下限 {lower} 大于上限 {upper}").format(lower=_fmt_bound(out[0]),
                                                                        upper=_fmt_bound(out[1])),
                     _("对调两列的数值"))
        return False
    return tuple(out)


def _range_problem(value, lower, upper, kind, measure):
    """(message, hint) when a value lies outside its declared (or implied) range, else None."""
    implied = kind == "ratio" and measure == "%" and lower is None and upper is None
    lo, hi = (0, 100) if implied else (lower, upper)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = _("{lower}～{upper}").format(lower=_fmt_bound(lo) if lo is not None else _("不限"),
                                          upper=_fmt_bound(hi) if hi is not None else _("不限"))
        if implied:
            return (_("比重“{value}”不在 0～100 之间").format(value=_fmt_bound(value)),
                    _("比重以百分数填写（如 36.5）；若不是比重，把“类型”改为总量或增速"))
        return (_("“{value}”超出允许范围（{range}）").format(value=_fmt_bound(value), range=span),
                _("核对数值；确属正常时修改该行的“下限”“上限”"))
    return None


def _unit_problem(kind: str, measure: str):
    allowed = KIND_UNITS.get(kind)
    if allowed is not None and measure not in allowed:
        return (_("类型为“{kind}”的指标，单位应为{allowed}，不是“{measure}”").format(
                    kind=KIND_NAMES[kind], allowed=_("或").join(f"“{a}”" for a in allowed), measure=measure),
                _("改正“单位”或“类型”"))
    if allowed is None and measure in ("%", "‰", "个百分点"):
        return (_("类型为“总量”的指标，单位不能是“{measure}”").format(measure=measure),
                _("占比填类型“比重”，增长率填“增速”，增减幅度填“百分点”"))
    return None


def _indicator_rows(sheet: Sheet, problems: ProblemList, folder_year: int) -> list[dict]:
    cols, ok = _columns(sheet, INDICATOR_HEADERS, ("id", "name", "measure", "kind"), problems)
    if not ok:
        return []
    years = sorted(k[1] for k in cols if isinstance(k, tuple) and k[0] == "year")
    if not years:
        problems.add(sheet.label, _("没有年份列"), _("加一列，表头为年份（如 2023），填入该年的数值"))
    for y in years:
        if y > folder_year:
            problems.add(sheet.header_where(cols[("year", y)]),
                         _("年份列“{year}”晚于本报告总结的年份 {results_year}").format(year=y, results_year=folder_year),
                         _("{year}年的数值属于{report}年的报告，放在 data/{report}/ 中（用 reportgen new-year {report} 开始）")
                         .format(year=y, report=y + 1))
    years = [y for y in years if y <= folder_year]
    out: list[dict] = []
    seen: dict[str, str] = {}
    for order, (rownum, row) in enumerate(sheet.rows):
        def cell(key):
            return row[cols[key]] if key in cols and cols[key] < len(row) else None

        def where(key):
            return sheet.where(rownum, cols[key]) if key in cols else sheet.where(rownum, 0)

        ind_id = _text(cell("id"))
        if not ID_RE.match(ind_id):
            problems.add(where("id"), _("编号“{id}”无效").format(id=ind_id),
                         _("编号用小写英文字母、数字和下划线，以字母开头，如 rd_growth"))
            continue
        if ind_id in seen:
            problems.add(where("id"), _("编号“{id}”重复（已在 {where} 出现）").format(id=ind_id, where=seen[ind_id]),
                         _("每个指标只占一行"))
            continue
        seen[ind_id] = where("id")
        name = _text(cell("name"))
        if not name:
            problems.add(where("name"), _("指标“{id}”没有名称").format(id=ind_id), _("填写指标名称，如 新增高新技术企业"))
            continue
        kind_cn = _text(cell("kind"))
        if kind_cn not in KINDS:
            problems.add(where("kind"), _("类型“{kind}”无效").format(kind=kind_cn),
                         _("类型填：{values}").format(values=_("、").join(KINDS)))
            continue
        kind = KINDS[kind_cn]
        measure = _text(cell("measure"))
        if not measure:
            problems.add(where("measure"), _("指标“{id}”没有单位").format(id=ind_id), _("填写单位，如 家、万元、%"))
            continue
        unit_problem = _unit_problem(kind, measure)
        if unit_problem:
            problems.add(where("measure"), *unit_problem)
            continue
        precision = None
        if not blank(cell("precision")):
            try:
                precision = int(_number(cell("precision")))
                if not 0 <= precision <= 4 or precision != _number(cell("precision")):
                    raise ValueError
            except ValueError:
                problems.add(where("precision"), _("精度“{value}”无效").format(value=cell("precision")),
                             _("精度填 0 到 4 的整数（小数位数）"))
                continue
        scope = _text(cell("rank_scope")) or None
        if scope is not None and scope not in RANK_SCOPES:
            problems.add(where("rank_scope"), _("排名范围“{value}”无效").format(value=scope),
                         _("填：{values}").format(values=_("、").join(RANK_SCOPES)))
        rank = None
        if not blank(cell("rank")) and not stand_in(cell("rank")):
            try:
                rank = _number(cell("rank"))
                if rank != int(rank) or rank < 1:
                    raise ValueError
                rank = int(rank)
            except ValueError:
                problems.add(where("rank"), _("“{value}”不是有效的名次").format(value=cell("rank")),
                             _("名次填正整数，如 14"))
        ranks = [("", scope, rank, where("rank"))] if scope and rank is not None else []
        # a rank whose column is there but whose cell in this row is blank (or — 待填 …): kept with
        # the number None and its cell, so that a document printing it names the cell to fill
        # (a gap, like a blank value); a document that does not print it is not stopped by it
        unranked = [("", scope, None, where("rank") if "rank" in cols else "")] if scope and rank is None else []
        for key in (k for k in cols if isinstance(k, tuple) and k[0] == "rank_in"):
            v = row[cols[key]] if cols[key] < len(row) else None
            if blank(v) or stand_in(v):
                unranked.append((*_rank_aspect(key[1]), None, sheet.where(rownum, cols[key])))
                continue
            try:
                r = _number(v)
                if r != int(r) or r < 1:
                    raise ValueError
            except ValueError:
                problems.add(sheet.where(rownum, cols[key]), _("“{value}”不是有效的名次").format(value=v),
                             _("名次填正整数，如 14"))
                continue
            if ("", key[1]) in {(a, sc) for a, sc, *_rest in ranks}:
                problems.add(sheet.where(rownum, cols[key]),
                             _("{scope}的排名已在“排名范围”“排名”列中填写").format(scope=key[1]), _("只在一处填写"))
                continue
            aspect, in_scope = _rank_aspect(key[1])       # (not ``scope``: that is the row's 排名范围)
            ranks.append((aspect, in_scope, int(r), sheet.where(rownum, cols[key])))
        filled = {(a, sc) for a, sc, *_rest in ranks}
        for a, sc, n, at in unranked:          # a blank cell never hides a rank given elsewhere
            if (a, sc) not in filled:
                filled.add((a, sc))
                ranks.append((a, sc, n, at))
        bounds = _bounds(cell, where, problems)
        if bounds is False:
            continue
        lower, upper = bounds
        aliases = tuple(a for a in re.split(r"[、,，;；]", _text(cell("aliases"))) if a.strip())
        base = {"id": ind_id, "name": name, "measure": measure, "kind": kind, "precision": precision,
                "rank_scope": scope, "rank": rank, "ranks": tuple(ranks), "lower": lower, "upper": upper,
                "aliases": aliases, "note": _text(cell("note")), "order": order, "source": seen[ind_id],
                "rank_source": where("rank") if "rank" in cols else "", "row_hidden": rownum in sheet.hidden_rows}
        any_value = False
        for y in years:
            col = cols[("year", y)]
            v = row[col] if col < len(row) else None
            at = sheet.where(rownum, col)
            if not_collected(v):   # 未统计/不适用: no figure exists, by nature (a table prints “—”)
                any_value = True
                out.append({**base, "year": y, "value": None, "places": None, "source": at, "not_collected": True})
                continue
            got = _value_cell(sheet, rownum, col, v, measure, problems)
            if got is False:
                continue
            any_value = True
            if got is None:     # blank, or a stand-in such as — 待填 N/A: known missing, with its cell
                out.append({**base, "year": y, "value": None, "places": None, "source": at})
                continue
            value, places = got
            bad = _range_problem(value, lower, upper, kind, measure)
            if bad:
                problems.add(at, *bad)
                continue
            out.append({**base, "year": y, "value": value, "places": places, "source": at})
        if not any_value:
            out.append({**base, "year": None, "value": None})
    return out


def _target_rows(sheet: Sheet, problems: ProblemList) -> list[dict]:

    cols, ok = _columns(sheet, TARGET_HEADERS, ("id", "year", "target"), problems)
    if not ok:
        return []
    out = []
    seen: set = set()
    for rownum, row in sheet.rows:
        def cell(key):
            return row[cols[key]] if key in cols and cols[key] < len(row) else None

        def where(key):
            return sheet.where(rownum, cols[key]) if key in cols else sheet.where(rownum, 0)

        ind_id = _text(cell("id"))
        if not ID_RE.match(ind_id):
            problems.add(where("id"), _("编号“{id}”无效").format(id=ind_id), _("编号用小写英文字母、数字和下划线，以字母开头"))
            continue
        try:
            year = _number(cell("year"))
            if year != int(year) or not 1900 <= year <= 2200:
                raise ValueError
            year = int(year)
        except ValueError:
            problems.add(where("year"), _("“{value}”不是年份").format(value=_text(cell("year"))), _("填四位年份，如 2024"))
            continue
        if (ind_id, year) in seen:
            problems.add(where("id"), _("指标“{id}”的{year}年目标重复").format(id=ind_id, year=year),
                         _("每个指标每年只填一个目标"))
            continue
        seen.add((ind_id, year))
        if blank(cell("target")) or stand_in(cell("target")):    # “待定”, “—” … are blank too
            problems.add(where("target"), _("指标“{id}”的{year}年目标值还没有填写").format(id=ind_id, year=year),
                         _("填写目标值（只填数字），或删去这一行（不设这个目标）"))
            continue
        try:
            target = _number(cell("target"))
        except ValueError:
            problems.add(where("target"), _("“{value}”不是数字").format(value=_text(cell("target"))),
                         _("目标值只填数字；“以上”“超过”等写在“限定词”列"))
            continue
        q = _text(cell("qualifier"))
        if q and q not in QUALIFIERS:
            problems.add(where("qualifier"), _("限定词“{value}”无效").format(value=q),
                         _("可用：{values}").format(values=_("、").join(sorted(QUALIFIERS))))
            continue
        attribute = _text(cell("attribute"))
        if attribute and attribute not in ATTRIBUTES:
            problems.add(where("attribute"), _("属性“{value}”无效").format(value=attribute),
                         _("填：{values}").format(values=_("、").join(ATTRIBUTES)))
            continue
        method = _text(cell("method")) or "自动"
        if method not in PLAN_METHODS:
            problems.add(where("method"), _("测算方式“{value}”无效").format(value=method),
                         _("填：{values}，或留空（自动）").format(values=_("、").join(PLAN_METHODS)))
            continue
        out.append({"id": ind_id, "name": _text(cell("name")), "measure": _text(cell("measure")),
                    "year": year, "target": target, "qualifier": q, "attribute": attribute,
                    "method": PLAN_METHODS[method], "note": _text(cell("note")), "source": where("target")})
    return out


def _layouts(ws: Workspace, folder: Path, problems: ProblemList) -> dict[str, TableLayout]:
    standard = {"指标": set(INDICATOR_HEADERS), "目标": set(TARGET_HEADERS)}
    paths = [ws.data / "columns.yaml", folder / "columns.yaml"]
    if _outside(ws, paths, problems):     # a mapping file leading outside the workspace is not read
        paths = []
    return read_layouts(paths, ws.rel, standard, problems)


def _outside(ws: Workspace, paths: list[Path], problems: ProblemList) -> bool:
    """Report every existing path that leads outside the workspace (a symbolic link); True if any."""
    found = False
    for p in paths:
        if p.exists() or p.is_symlink():
            try:
                ws.inside(p)
            except ReportgenError as exc:
                problems.problems.extend(exc.problems)
                found = True
    return found


def read_indicators(folder: Path, ws: Workspace, problems: ProblemList, year: int | None = None,
                    ) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:
    """The 指标 and 目标 tables of one unit's report folder (xlsx, csv or yaml); ``year`` is the
    latest year its values may be of (default: the report year − 1)."""
    year = int(folder.parent.name) - 1 if year is None and folder.parent.name.isdigit() else (year or 9999)
    present = [folder / f for f in DATA_FILES if (folder / f).exists()]
    ind_rows: list[dict] = []
    tgt_rows: list[dict] = []
    if len(present) > 1:
        problems.add(ws.rel(folder), _("同时有 {files}，不知道用哪一个").format(files=_("、").join(p.name for p in present)),
                     _("只保留一个数据文件，其余的移出此目录"))
        return _frames([], []) + (present,)
    if not present:
        problems.add(ws.rel(folder), _("没有指标数据文件（indicators.xlsx、indicators.csv 或 indicators.yaml）"),
                     _("从上一年开始：reportgen new-year {year}，或参照示例工作区新建").format(year=year))
        return _frames([], []) + ([],)
    path = present[0]
    files = [path]
    outside = _outside(ws, [path, folder / "targets.csv", folder / "columns.yaml", ws.data / "columns.yaml"], problems)
    if outside:
        return _frames([], []) + (files,)
    layouts = _layouts(ws, folder, problems)
    rel = ws.rel(path)
    if path.suffix == ".xlsx":
        books: dict = {}
        sheet = read_xlsx_remembered(path, rel, layouts["指标"], problems, required=True, book_cache=books)
        if sheet:
            ind_rows = _indicator_rows(sheet, problems, year)
        if books.get(path) is not None:
            tsheet = read_xlsx_remembered(path, rel, layouts["目标"], problems, required=False, book_cache=books)
            if tsheet:
                tgt_rows = _target_rows(tsheet, problems)
    elif path.suffix == ".csv":
        sheet = read_csv(path, rel, layouts["指标"], problems)
        if sheet:
            ind_rows = _indicator_rows(sheet, problems, year)
        tcsv = folder / "targets.csv"
        if tcsv.exists():
            files.append(tcsv)
            tsheet = read_csv(tcsv, ws.rel(tcsv), layouts["目标"], problems)
            if tsheet:
                tgt_rows = _target_rows(tsheet, problems)
    else:
        tables = read_yaml_tables(path, rel, (INDICATOR_SHEET, TARGET_SHEET), problems)
        if INDICATOR_SHEET in tables:
            ind_rows = _indicator_rows(tables[INDICATOR_SHEET], problems, year)
        elif tables or not problems:
            problems.add(rel, _("缺少“指标:”列表"), _("在文件中加上 指标: 列表，每项一行"))
        if TARGET_SHEET in tables:
            tgt_rows = _target_rows(tables[TARGET_SHEET], problems)
    return _frames(ind_rows, tgt_rows) + (files,)


def _frames(ind_rows, tgt_rows) -> tuple[pd.DataFrame, pd.DataFrame]:
    ind = pd.DataFrame(ind_rows, columns=IND_COLUMNS)
    ind["year"] = ind["year"].astype("Int64")   # the same frame as astype({"year": …}), without its copy of every column
    tgt = pd.DataFrame(tgt_rows, columns=TGT_COLUMNS)
    return ind, tgt


def _merge(newer: pd.DataFrame, older: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``older`` whose (id, year) ``newer`` lacks join ``newer`` (the newer file wins)."""
    older = older[older["year"].notna()]
    if older.empty:
        return newer
    if newer.empty:
        return older.reset_index(drop=True)
    known = newer[newer["value"].notna()]    # a blank cell of the newer file does not hide an older value
    have = pd.MultiIndex.from_frame(known[["id", "year"]].astype({"year": "Int64"}))
    extra = older[~pd.MultiIndex.from_frame(older[["id", "year"]].astype({"year": "Int64"})).isin(have)]
    if extra.empty:
        return newer
    # an indicator only in the older file keeps its place after the newer file's rows
    extra = extra.assign(order=extra["order"] + (newer["order"].max() + 1 if "order" in newer else 0))
    return pd.concat([newer, extra], ignore_index=True)


def read_yaml(path: Path, ws: Workspace, problems: ProblemList) -> tuple[dict, dict[str, int]]:
    try:
        text = ws.read_text(path)      # inside the workspace, size-limited, UTF-8 (else named)
    except ReportgenError as exc:
        problems.problems.extend(exc.problems)
        return {}, {}
    data, lines, _node = _yaml_mapping(text, ws.rel(path), problems)
    return data, lines


def _yaml_mapping(text: str, rel: str, problems: ProblemList) -> tuple[dict, dict[str, int], object]:
    """(data, the line of each top-level key, the node tree) of a YAML mapping; ({}, {}, None)
    with the problem added when the text is not one."""
    try:
        data, node = yamlio.parse(text)
    except yaml.YAMLError as exc:
        problems.problems.append(yamlio.syntax_problem(exc, rel))
        return {}, {}, None
    if data is None:
        problems.add(rel, _("文件是空的"))
        return {}, {}, None
    if not isinstance(data, dict):
        problems.add(rel, _("顶层应为键值映射（键: 值）"))
        return {}, {}, None
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value} if node is not None else {}
    return data, lines, node


def read_units(ws: Workspace, problems: ProblemList) -> dict[str, Unit]:
    path = ws.data / "units.yaml"
    if not path.exists():
        problems.add(ws.rel(path), _("缺少单位信息文件"), _("新建 data/units.yaml，写明单位编号、全称、简称"))
        return {}
    try:
        text = ws.read_text(path)      # inside the workspace, size-limited, UTF-8 (else named)
    except ReportgenError as exc:
        problems.problems.extend(exc.problems)
        return {}
    # A batch loads the year once per document: units.yaml (all units: its parse grows with the
    # workspace) is parsed and validated once per process and text.
    key = (str(ws.root), language(), text)
    if key not in _UNITS_READ:
        found = ProblemList()
        _UNITS_READ.clear()
        _UNITS_READ[key] = (_units_of(ws, path, text, found), tuple(found.problems))
    units, found_problems = _UNITS_READ[key]
    problems.problems.extend(replace(p) for p in found_problems)   # copies: a caller may amend its own
    return dict(units)


#: (workspace root, message language, text of units.yaml) → (units, problems): the last one read
_UNITS_READ: dict[tuple[str, str, str], tuple[dict[str, Unit], tuple[Problem, ...]]] = {}


def _units_of(ws: Workspace, path: Path, text: str, problems: ProblemList) -> dict[str, Unit]:
    data, lines, node = _yaml_mapping(text, ws.rel(path), problems)
    units = {}
    for uid, info in data.items():
        where = f"{ws.rel(path)}:{lines.get(uid, 0)}"
        if not isinstance(uid, str) or not ID_RE.match(uid):
            problems.add(where, _("单位编号“{unit}”无效").format(unit=uid),
                         _("单位编号用小写英文字母、数字和下划线，以字母开头，与 data/年份/ 下的文件夹同名，如 lucheng"))
            continue
        if not isinstance(info, dict) or not info.get("name"):
            problems.add(where, _("单位“{unit}”缺少全称（name）").format(unit=uid),
                         _("例如：\n    name: 鹿城区科学技术局\n    short_name: 区科技局"))
            continue
        try:
            checked = UnitInfo.model_validate(info)
        except ValidationError as exc:
            problems.problems += schema_problems(exc, UnitInfo, ws.rel(path), node, prefix=(uid,))
            continue
        units[str(uid)] = Unit(str(uid), checked.name, checked.short_name or checked.name, checked.region or "")
    return units


def missing_year(ws: Workspace, year: int) -> ReportgenError:
    """No data/YEAR/: say which report years the workspace has, and how to start this one."""
    ydir = ws.year_dir(year)
    years = report_years(ws)
    message = _("没有{year}年报告的数据目录").format(year=year)
    if years:
        message += _("；本工作区有这些年份的报告：{years}").format(years=_("、").join(map(str, years)))
    else:
        message += _("；本工作区还没有任何年份的报告")
    meaning = _("YEAR 是报告的年份：{year}年的报告总结{prev}年、谋划{year}年。").format(year=year, prev=year - 1)
    if year - 1 in years:
        how = _("用 reportgen new-year {year} 从{prev}年的报告开始，或新建目录 {folder}/单位编号/").format(
            year=year, prev=year - 1, folder=ws.rel(ydir))
    else:
        how = _("新建目录 {folder}/单位编号/，或用 reportgen init 目录 --unit 单位全称 新建工作区").format(folder=ws.rel(ydir))
    return ReportgenError(Problem(ws.rel(ydir), message, meaning + how))


def results_year(report: dict, report_year: int, where: str, problems: ProblemList) -> int:
    """The year the report's figures are of: report.yaml's ``results_year``, else the year before."""
    raw = report.get("results_year") if isinstance(report, dict) else None
    if raw is None:
        return report_year - 1
    if isinstance(raw, bool) or not isinstance(raw, int) or not report_year - 5 <= raw <= report_year:
        problems.add(where, _("results_year“{value}”无效").format(value=raw),
                     _("填总结数据所属的年份，如 {prev}（默认即报告年份的前一年，可删去这一行）").format(prev=report_year - 1))
        return report_year - 1
    return raw


def _folder_results_year(ws: Workspace, folder: Path, report_year: int) -> int:
    """The results year of an earlier report's folder (its report.yaml's ``results_year``, else
    the year before its report year): the latest year its indicator table may hold."""
    path = folder / "report.yaml"
    report = {}
    if path.exists():
        quiet = ProblemList()          # that report's own build names its report.yaml's problems
        report, _lines = read_yaml(path, ws, quiet)
    return results_year(report, report_year, "", ProblemList())


def load(ws: Workspace, year: int, only: list[str] | None = None, validate=None) -> Dataset:
    """Read and validate every unit's inputs for the report of year ``year`` (data/<year>/).

    ``validate(ws, unit_year, problems)``, when given, runs on every unit read without problems
    (the pipeline passes the narrative's reference check of the ``check`` stage; the reader itself
    depends on no later stage)."""
    ydir = ws.year_dir(year)
    if not ydir.is_dir():
        raise missing_year(ws, year)
    problems = ProblemList()
    units = read_units(ws, problems)
    def all_folders():
        return sorted(p for p in ydir.iterdir() if p.is_dir() and not p.name.startswith("."))

    if only:
        # the named units' folders only (a batch loads one unit a document: no listing of all)
        def a_folder(u: str) -> bool:
            return bool(u) and u not in (".", "..") and "/" not in u and not u.startswith(".") and (ydir / u).is_dir()

        missing = [u for u in only if not a_folder(u)]
        for u in missing:
            problems.add(ws.rel(ydir / u), _("没有单位“{unit}”的{year}年数据").format(unit=u, year=year),
                         _("可用单位：{units}").format(units=_("、").join(p.name for p in all_folders())))
        folders = sorted(ydir / u for u in set(only) if a_folder(u))
    else:
        folders = all_folders()
    if not folders:
        problems.add(ws.rel(ydir), _("{year}年的数据目录中没有单位子目录").format(year=year),
                     _("新建 {folder}/单位编号/，放入 indicators.xlsx 和 report.yaml").format(folder=ws.rel(ydir)))
    result: dict[str, UnitYear] = {}
    clean: set[str] = set()
    for folder in folders:
        uid = folder.name
        if uid not in units:
            if not any(p.where.startswith(ws.rel(ws.data / "units.yaml")) for p in problems.problems):
                problems.add(ws.rel(folder), _("单位“{unit}”未在 data/units.yaml 中登记").format(unit=uid),
                             _("在 data/units.yaml 中加上该单位的全称和简称"))
            continue   # (when units.yaml itself has problems, those are the ones to fix)
        before = len(problems.problems)
        report_path = folder / "report.yaml"
        report, lines = ({}, {})
        if report_path.exists():
            report, lines = read_yaml(report_path, ws, problems)
            if report:
                try:
                    ReportSettings.model_validate(report)
                except ValidationError as exc:
                    try:
                        node = yamlio.compose(ws.read_text(report_path))
                    except (yaml.YAMLError, ReportgenError):
                        node = None
                    problems.problems += schema_problems(exc, ReportSettings, ws.rel(report_path), node)
        else:
            problems.add(ws.rel(report_path), _("缺少报告文字文件 report.yaml"), _("参照示例工作区的 report.yaml 新建"))
        ryear = results_year(report, year, f"{ws.rel(report_path)}:{lines.get('results_year', 0)}", problems)
        ind, tgt, files = read_indicators(folder, ws, problems, ryear)
        # Values (and targets) of earlier years kept in their own folders join the table.
        for y, prev_folder in earlier_folders(ws, year, uid):
            pind, ptgt, pfiles = read_indicators(prev_folder, ws, problems, _folder_results_year(ws, prev_folder, y))
            ind = _merge(ind, pind)
            if not ptgt.empty:
                have = set(zip(tgt["id"], tgt["year"]))
                extra = ptgt[[k not in have for k in zip(ptgt["id"], ptgt["year"])]]
                tgt = pd.concat([tgt, extra], ignore_index=True) if not tgt.empty else extra.reset_index(drop=True)
            files += pfiles
        if report_path.exists():
            files.append(report_path)
        result[uid] = UnitYear(units[uid], ryear, ind, tgt, report, lines, files, folder, report_year=year)
        if len(problems.problems) == before:
            clean.add(uid)
    _check_units_of_measure(result, problems)
    _check_targets(result, problems)
    peers: Mapping[str, UnitYear] = dict(result)
    if only:  # ranks and shares across units need the other units of the year: read them if asked
        peers = LazyUnits(result, lambda: _other_units(ws, year, units, set(result)))
    for uy in result.values():
        uy.peers = peers
    if validate is not None:
        for uid in sorted(clean):
            validate(ws, result[uid], problems)
    problems.raise_if_any()
    return Dataset(ws, year, result, problems.warnings)


class LazyUnits(Mapping):
    """The units of a year: those loaded, plus the others read on first use — only a template
    that asks for ranks or shares across units pays for reading every unit's data."""

    def __init__(self, loaded: dict[str, UnitYear], read_others):
        self._loaded = loaded
        self._read_others = read_others
        self._all: dict[str, UnitYear] | None = None

    @property
    def were_read(self) -> bool:
        """Whether anything asked for the other units (a template comparing units)."""
        return self._all is not None

    def _units(self) -> dict[str, UnitYear]:
        if self._all is None:
            merged = {**self._read_others(), **self._loaded}
            self._all = {k: merged[k] for k in sorted(merged)}
        return self._all

    def __getitem__(self, key):
        return self._units()[key]

    def __iter__(self):
        return iter(self._units())

    def __len__(self) -> int:
        return len(self._units())


def year_peers(ws: Workspace, year: int) -> dict[str, UnitYear]:
    """Every unit of report year ``year``, as peers for comparisons across units (what a unit
    loaded alone reads on first use). A unit whose data have problems is not left out of the
    comparison: the first use raises, naming that unit's file and cell (see :func:`_other_units`)."""
    return _other_units(ws, year, read_units(ws, ProblemList()), set())


def _other_units(ws: Workspace, year: int, units: dict[str, Unit], skip: set[str]) -> dict[str, UnitYear]:
    """This year's data of the units not loaded, read when a document compares units (ranks and
    shares across units). A unit whose data have problems would silently change every other unit's
    rank and share: the comparison stops and names that unit's files and cells instead (documents
    that compare nothing never read the other units, so they are unaffected)."""
    out = {}
    broken = ProblemList()
    ydir = ws.year_dir(year)
    for folder in sorted(p for p in ydir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name in skip or folder.name not in units:
            continue
        found = ProblemList()
        report = {}
        if (folder / "report.yaml").exists():
            report, lines = read_yaml(folder / "report.yaml", ws, found)
            where = f"{ws.rel(folder / 'report.yaml')}:{lines.get('results_year', 0)}"
        else:
            where = ws.rel(folder / "report.yaml")
        ryear = results_year(report, year, where, found)
        ind, tgt, _files = read_indicators(folder, ws, found, ryear)
        if found:
            broken.add(ws.rel(folder), _("文档要与同年的其他单位比较（排名、比重），但单位“{unit}”的数据有问题，"
                                         "不能把它排除在比较之外").format(unit=units[folder.name].short_name or folder.name),
                       _("先改正下面列出的{unit}的问题").format(unit=folder.name))
            broken.problems += found.problems
            continue
        out[folder.name] = UnitYear(units[folder.name], ryear, ind, tgt, {}, {}, [], folder, report_year=year)
    broken.raise_if_any()
    return out


def records(df: pd.DataFrame, columns=None) -> list[dict]:
    """The rows of ``df`` (its ``columns``, default all) as plain dicts of the Python values its
    columns hold (what iterating a frame gives): each column read once with ``tolist`` instead of
    a pandas lookup per cell."""
    columns = list(df.columns if columns is None else columns)
    return [dict(zip(columns, values)) for values in zip(*(df[c].tolist() for c in columns))]


def _one_measure_each(ind: pd.DataFrame) -> bool:
    """Whether every indicator has at most one unit of measure in its rows with a year (the usual
    case, found on plain values; pandas' groupby below only for the messages)."""
    seen: dict[str, object] = {}
    for ind_id, year, measure in zip(ind["id"].tolist(), ind["year"].tolist(), ind["measure"].tolist()):
        if pd.isna(year) or pd.isna(measure):
            continue
        if seen.setdefault(ind_id, measure) != measure:
            return False
    return True


def _check_units_of_measure(units: dict[str, UnitYear], problems: ProblemList) -> None:
    """An indicator keeps one unit of measure across years (values are not comparable otherwise)."""
    for uy in units.values():
        if _one_measure_each(uy.indicators):
            continue
        df = uy.indicators.dropna(subset=["year"])
        if df.empty:
            continue
        mixed = df.groupby("id", sort=False)["measure"].nunique()
        mixed = mixed[mixed > 1]
        if mixed.empty:          # the usual case: one vectorised pass, no per-indicator groups
            continue
        for ind_id, group in df[df["id"].isin(mixed.index)].groupby("id", sort=False):
            measures = group["measure"].unique()
            if len(measures) > 1:
                first = group.iloc[0]
                problems.add(str(group.iloc[-1]["source"]),
                             _("指标“{id}”的单位前后不一致（{units}）").format(id=ind_id, units=_("、").join(measures)),
                             _("统一为“{unit}”，并换算数值").format(unit=first["measure"]))


def _check_targets(units: dict[str, UnitYear], problems: ProblemList) -> None:
    """A target of an indicator in the 指标 table has the indicator's unit and lies in its range."""
    for uy in units.values():
        if uy.targets.empty or uy.indicators.empty:
            continue
        meta: dict[str, dict] = {}          # each indicator's first row
        for r in records(uy.indicators, ("id", "measure", "kind", "lower", "upper")):
            meta.setdefault(r["id"], r)
        for row in records(uy.targets, ("id", "measure", "target", "source")):
            ind = meta.get(row["id"])
            if ind is None:
                continue
            if row["measure"] and row["measure"] != ind["measure"]:
                problems.add(row["source"], _("目标“{id}”的单位“{unit}”与指标表中的“{expected}”不一致").format(
                                 id=row["id"], unit=row["measure"], expected=ind["measure"]),
                             _("目标值按“{unit}”填写，并改正“单位”列").format(unit=ind["measure"]))
                continue
            lower = None if pd.isna(ind["lower"]) else ind["lower"]
            upper = None if pd.isna(ind["upper"]) else ind["upper"]
            bad = None if row["target"] is None or pd.isna(row["target"]) else _range_problem(
                row["target"], lower, upper, ind["kind"], ind["measure"])
            if bad:
                problems.add(row["source"], *bad)


def parse_issue_date(value, where: str, problems: ProblemList) -> _dt.date | None:
    from ..core.cnfmt import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        problems.add(where, str(exc), _("日期写成 2024-01-31"))
        return None
