"""``reportgen init DIR --unit 平阳县科学技术局``: a blank workspace for one's own bureau.

It holds the bureau in data/units.yaml, the report of one year (data/<YEAR>/<unit>/) with an
indicators spreadsheet made as a form (the cells to fill highlighted; see xlsxform) and a
report.yaml skeleton whose every figure refers to the spreadsheet, and no sample bureaus. Once the
highlighted cells are filled, ``reportgen build YEAR`` builds the report; the narrative is a
starting point to rewrite.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from ..core.errors import Problem, ReportgenError
from ..core.i18n import _
from ..core.workspace import MARKER, Workspace, check_new_folder, sample_root

#: The indicators a 科技局's annual report nearly always gives: id, name, unit, type, precision,
#: the qualifier suggested for next year's target (None: no target row).
STARTER = (
    ("rd_growth", "全社会R&D经费支出增速", "%", "增速", 1, "以上"),
    ("rd_gdp_ratio", "全社会R&D经费支出占GDP比重", "%", "比重", 2, "达到"),
    ("hte_new", "新增高新技术企业", "家", "总量", 0, "以上"),
    ("sme_new", "新增省科技型中小企业", "家", "总量", 0, "以上"),
    ("tech_trade", "技术交易额", "亿元", "总量", 2, "超过"),
    ("hightech_va_growth", "高新技术产业增加值增速", "%", "增速", 1, None),
)
INDICATOR_HEADER = ("编号", "指标名称", "单位", "类型", "精度")
TARGET_HEADER = ("编号", "指标名称", "单位", "年份", "目标值", "限定词", "说明")
_SUFFIXES = ("科学技术局", "科技局", "科学技术委员会", "科技委", "科学技术厅", "科技厅")
_UNIT_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def place_of(name: str) -> str:
    """平阳县科学技术局 → 平阳县 (the part before the bureau's own name)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def short_name_of(name: str) -> str:
    place = place_of(name)
    for level in ("县", "区", "市", "省"):
        if place.endswith(level) and place != name:
            return f"{level}科技局"
    return name


def unit_id_of(name: str) -> str:
    """A folder name for the unit: its own place in pinyin, without 县/区/市 and the province or
    city above it (平阳县科学技术局 → pingyang, 温州市龙湾区科学技术局 → longwan)."""
    place = place_of(name)
    if len(place) > 2 and place[-1] in "县区市省":
        place = place[:-1]
    place = [part for part in re.split(r"[省市]", place) if part][-1] if place.strip("省市") else place
    from pypinyin import lazy_pinyin      # a dependency (pyproject.toml)

    text = "".join(lazy_pinyin(place))
    text = re.sub(r"[^a-z0-9_]", "", text.lower())
    if not _UNIT_ID.match(text):
        text = "unit" + (f"_{text}" if text else "")
    return text


def _workbook(report_year: int):
    from openpyxl import Workbook

    from . import xlsxform

    results, before = report_year - 1, report_year - 2
    wb = Workbook()
    ind = wb.active
    ind.title = "指标"
    ind.append([*INDICATOR_HEADER, before, results, "排名范围", "排名", "说明"])
    for id_, name, measure, kind, precision, _q in STARTER:
        ind.append([id_, name, measure, kind, precision, None, None, None, None, None])
        xlsxform.to_fill(ind.cell(ind.max_row, 7))          # the results year's value
    xlsxform.guide_indicators(ind)
    tgt = wb.create_sheet("目标")
    tgt.append(list(TARGET_HEADER))
    for id_, name, measure, _kind, _p, qualifier in STARTER:
        if qualifier is None:
            continue
        tgt.append([id_, name, measure, report_year, None, qualifier, None])
        xlsxform.to_fill(tgt.cell(tgt.max_row, 5))
    xlsxform.guide_targets(tgt, year=report_year)
    xlsxform.instructions(wb, report_year, results)
    return wb


def _report_yaml(name: str, report_year: int) -> str:
    results = report_year - 1
    return f"""\
# {name} {report_year} 年的报告（{results} 年工作总结和 {report_year} 年工作思路）的文字，由 reportgen init 生成。
# 这里的文字只是起点：按本单位的实际改写、增删。数字一律引用指标表 indicators.xlsx，不要直接手写：
#   {{{{ ind.编号 }}}}    {results} 年的数值和单位，如 {{{{ ind.hte_new }}}} → 44家
#   {{{{ t.编号 }}}}      {report_year} 年的目标和限定词，如 {{{{ t.rd_growth }}}} → 15%以上
#   {{{{ year }}}}        总结的年份（{results}），{{{{ next_year }}}} 计划的年份（{report_year}）
# 写法：每段一项，以“- >-”开头，下一行起缩进两格；段首的“一是、二是”和标题编号由 reportgen 生成。
# 改好后运行 reportgen check {report_year}，再运行 reportgen build {report_year}。
template: summary_plan   # 年度工作总结和工作思路；reportgen templates list 列出全部模板
date: {report_year}-01-31         # 成文日期，按实际修改

# 开头一段：全年工作的总体情况。
opening: >-
  {{{{ year }}}}年，{{{{ unit.short_name }}}}坚持创新驱动发展，围绕科技创新主要目标扎实推进各项工作。
  全社会R&D经费支出增速{{{{ ind.rd_growth }}}}，占GDP比重{{{{ ind.rd_gdp_ratio }}}}。

# 一、{results}年重点工作完成情况：每项一段，段首一句是小标题。
summary:
  - >-
    创新主体持续壮大。全年新增高新技术企业{{{{ ind.hte_new }}}}，新增省科技型中小企业{{{{ ind.sme_new }}}}。
  - >-
    科技成果转化加快。全年技术交易额{{{{ ind.tech_trade }}}}，高新技术产业增加值增速{{{{ ind.hightech_va_growth }}}}。

# 二、{report_year}年工作思路：开头一段写主要目标，然后分几个方面，每方面若干项。
plan:
  opening: >-
    {{{{ next_year }}}}年，全社会R&D经费支出增长{{{{ t.rd_growth }}}}，占GDP比重{{{{ t.rd_gdp_ratio }}}}，
    新增高新技术企业{{{{ t.hte_new }}}}，新增省科技型中小企业{{{{ t.sme_new }}}}，技术交易额{{{{ t.tech_trade }}}}。
  sections:
    - title: 培育壮大创新主体
      items:
        - >-
          实施科技企业梯次培育，推动高新技术企业和科技型中小企业扩量提质。
    - title: 推动科技成果转移转化
      items:
        - >-
          完善技术市场服务体系，促进科技成果在本地转化落地。
"""


def _scalar(text: str) -> str:
    """A YAML scalar that reads back as ``text`` whatever it holds (a colon, a #, quotes …)."""
    import json

    plain = not any(ch in text for ch in ':#{}[],&*!|>\'"%@`') and text == text.strip()
    return text if plain else json.dumps(text, ensure_ascii=False)


def _units_yaml(unit_id: str, name: str) -> str:
    return (f"# 单位编号: 全称、简称、所在地区。data/<报告年份>/{unit_id}/ 存放本单位该年报告的数据和文字。\n"
            f"{unit_id}:\n"
            f"  name: {_scalar(name)}\n"
            f"  short_name: {_scalar(short_name_of(name))}   # 报告中 {{{{ unit.short_name }}}} 的写法\n"
            f"  region: \"\"             # 所在地区，如 浙江省温州市平阳县（可留空）\n")


def blank_workspace(target: Path, name: str, report_year: int, unit_id: str | None = None) -> tuple[Workspace, str]:
    """Write a blank workspace for unit ``name`` whose first report is of ``report_year``."""
    name = " ".join(str(name).split())
    if not name:
        raise ReportgenError(Problem("--unit", _("单位全称不能为空"), _("例如：--unit 平阳县科学技术局")))
    unit_id = unit_id or unit_id_of(name)
    if not _UNIT_ID.match(unit_id):
        raise ReportgenError(Problem("--id", _("单位编号“{id}”无效").format(id=unit_id),
                                     _("单位编号用小写英文字母、数字和下划线，以字母开头，如 pingyang")))
    if not 1900 < report_year < 2200:
        raise ReportgenError(Problem("--year", _("“{year}”不是报告年份").format(year=report_year), _("写四位年份，如 2025")))
    target = Path(target)
    check_new_folder(target)
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-init-", dir=parent))
    try:
        (staging / MARKER).write_text(
            "# reportgen 工作区：data/（数据和文字）、templates/（本单位修改的模板）、output/（生成的文档），\n"
            "# 可选 styles.yaml（版式调整）和 fonts/（正式字体）。\n"
            f"name: {_scalar(name)}\nstyle:\n  profiles: []          # 例如 [bold-headings]\n", "utf-8")
        (staging / "templates").mkdir()
        with_readme = sample_root().joinpath("templates").joinpath("README.md")
        (staging / "templates" / "README.md").write_bytes(with_readme.read_bytes())
        (staging / "output").mkdir()
        data = staging / "data"
        folder = data / str(report_year) / unit_id
        folder.mkdir(parents=True)
        (data / "units.yaml").write_text(_units_yaml(unit_id, name), "utf-8")
        _workbook(report_year).save(folder / "indicators.xlsx")
        (folder / "report.yaml").write_text(_report_yaml(name, report_year), "utf-8")
        if target.exists():
            target.rmdir()               # empty (checked above)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Workspace(target.resolve()), unit_id
