"""Data-entry mistakes as bureau staff make them, in files written the way Excel and WPS write them
(number formats, formulas saved without their result, shared strings, hidden sheets and rows).

Every mistake either prints the right figure or stops the document naming the cell; ``check`` and
``build`` agree on each one; a refused build writes nothing and never touches the inputs.
The commands run in-process through click's runner (the real CLI, without a new interpreter per
case) so that the fifty cases take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conftest import reportgen
from reportgen.cli import main


# -- the workspace ----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pristine(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("entry") / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    return ws


@pytest.fixture
def ws(pristine, tmp_path) -> Path:
    out = tmp_path / "ws"
    shutil.copytree(pristine, out)
    return out


def unit_dir(ws: Path) -> Path:
    """The 鹿城 folder of the report year (data/YEAR/lucheng), whatever YEAR the sample uses."""
    found = sorted(p for p in (ws / "data").glob("*/lucheng") if (p / "report.yaml").is_file())
    return found[-1]


def year_arg(ws: Path) -> str:
    return unit_dir(ws).parent.name


def xlsx(ws: Path) -> Path:
    return unit_dir(ws) / "indicators.xlsx"


def rel(ws: Path, path: Path) -> str:
    return path.relative_to(ws).as_posix()


def run(ws: Path, *args: str):
    result = CliRunner().invoke(main, ["-C", str(ws), *args], catch_exceptions=False)
    return result.exit_code, result.stdout + result.stderr if hasattr(result, "stderr") else result.output


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "output" not in p.relative_to(root).parts}


class Sheet:
    """The 指标/目标 sheet of the sample workbook, addressed by indicator id and header."""

    def __init__(self, ws: Path, sheet: str = "指标"):
        self.path = xlsx(ws)
        self.wb = load_workbook(self.path)
        self.ws = self.wb[sheet]
        self.header = [c.value for c in self.ws[1]]

    @property
    def value_col(self) -> int:
        return self.header.index(max(h for h in self.header if isinstance(h, int))) + 1

    def col(self, header) -> int:
        return self.value_col if header == "value" else self.header.index(header) + 1

    def cell(self, ind_id: str, header="value"):
        for row in self.ws.iter_rows(min_row=2):
            if row[0].value == ind_id:
                return self.ws.cell(row=row[0].row, column=self.col(header))
        raise KeyError(ind_id)

    def save(self):
        self.wb.save(self.path)


def at(ws: Path, ind_id: str, header="value", sheet="指标") -> str:
    """The address a message names: data/YEAR/lucheng/indicators.xlsx 指标!F7."""
    s = Sheet(ws, sheet)
    return f"{rel(ws, s.path)} {sheet}!{s.cell(ind_id, header).coordinate}"


def set_cell(ws: Path, ind_id: str, value, header="value", number_format=None, sheet="指标") -> str:
    s = Sheet(ws, sheet)
    c = s.cell(ind_id, header)
    c.value = value
    if number_format:
        c.number_format = number_format
    s.save()
    return f"{rel(ws, s.path)} {sheet}!{c.coordinate}"


def edit_report(ws: Path, old: str, new: str) -> Path:
    path = unit_dir(ws) / "report.yaml"
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def line_of(path: Path, fragment: str, nth: int = 1) -> int:
    lines = [i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if fragment in line]
    return lines[nth - 1]


# -- mistakes that must stop the document, naming the cell ---------------------------------------------
def blank_value(ws):
    where = set_cell(ws, "hte_new", None)
    return [where + "：“新增高新技术企业”的", "数值是空的"]


def stand_in(text):
    def case(ws):
        where = set_cell(ws, "hte_new", text)
        return [where + "：“新增高新技术企业”的", "数值是空的"]
    case.__name__ = f"stand_in_{text}"
    return case


def blank_rank(ws):
    where = set_cell(ws, "incubation_area_new", None, header="排名")
    return [where + "：“新增孵化空间”的排名是空的"]


def stand_in_rank(ws):
    where = set_cell(ws, "rd_growth", "待填", header="排名")
    return [where + "：“全社会R&D经费支出增速”的排名是空的"]


def rank_column(ws, header: str, values: dict) -> dict[str, str]:
    """Adds a rank column (全市排名, 完成率全市排名 …) after the last header of 指标, as a user types it in
    Excel: the header, then the ranks of ``values``' rows (None: the cell left empty); each row's
    address in that column."""
    s = Sheet(ws)
    col = len(s.header) + 1
    s.ws.cell(row=1, column=col).value = header
    out = {}
    for ind_id, v in values.items():
        c = s.ws.cell(row=s.cell(ind_id).row, column=col)
        c.value = v
        out[ind_id] = f"{rel(ws, s.path)} 指标!{c.coordinate}"
    s.save()
    return out


PRINT_INCUBATION_RANK = ("排名{{ ind.incubation_area_new.rank_scope }}第{{ ind.incubation_area_new.rank }}；",
                         "{{ ind.incubation_area_new.completion_ranks.全市.排名 }}；")


def scoped_rank_blank(ws):
    # a 完成率全市排名 column whose cell for the printed indicator was left empty: the rank used to be
    # silently absent, and the template failed naming only its own line, not the cell to fill
    where = rank_column(ws, "完成率全市排名", {"rd_growth": 3, "incubation_area_new": None})
    report = edit_report(ws, *PRINT_INCUBATION_RANK)
    line = line_of(report, "综合实力持续攀升")       # the first line of the paragraph that prints it
    return [where["incubation_area_new"] + "：“新增孵化空间”的完成率全市排名是空的",
            f"report.yaml:{line}（summary.0）"]


def scoped_rank_stand_in(ws):
    where = rank_column(ws, "完成率全市排名", {"rd_growth": 3, "incubation_area_new": "待填"})
    edit_report(ws, *PRINT_INCUBATION_RANK)
    return [where["incubation_area_new"] + "：“新增孵化空间”的完成率全市排名是空的"]


def own_rank_blank_printed_by_scope(ws):
    # 排名范围 全市 with 排名 empty, printed as ranks.全市: the same to-do item as the 排名 cell
    where = set_cell(ws, "incubation_area_new", None, header="排名")
    edit_report(ws, PRINT_INCUBATION_RANK[0], "{{ ind.incubation_area_new.ranks.全市.居 }}；")
    return [where + "：“新增孵化空间”的排名是空的"]


def csv_scoped_rank_blank(ws):
    # the same in a CSV sheet: a 全市排名 column, empty in the row of 新增高新技术企业 (no 排名范围)
    folder = unit_dir(ws)
    s = Sheet(ws)
    rows = [[("" if v is None else v) for v in r] for r in s.ws.iter_rows(values_only=True) if any(r)]
    rows[0].append("全市排名")
    for r in rows[1:]:
        r.append(5 if r[0] == "sme_new" else "")
    line = next(i for i, r in enumerate(rows, 1) if r[0] == "hte_new")
    (folder / "indicators.csv").write_text("\n".join(",".join(str(v) for v in r) for r in rows) + "\n", "utf-8")
    t = s.wb["目标"]
    (folder / "targets.csv").write_text("\n".join(",".join("" if v is None else str(v) for v in r)
                                                  for r in t.iter_rows(values_only=True) if any(r)) + "\n", "utf-8")
    (folder / "indicators.xlsx").unlink()
    edit_report(ws, "全年新增高新技术企业{{ ind.hte_new }}、省科技型中小企业{{ ind.sme_new }}",
                "全年新增高新技术企业{{ ind.hte_new }}（{{ ind.hte_new.ranks.全市.居 }}）、"
                "省科技型中小企业{{ ind.sme_new }}（{{ ind.sme_new.ranks.全市.居 }}）")
    letter = chr(ord("A") + len(rows[0]) - 1)
    return [f"{rel(ws, folder / 'indicators.csv')} {letter}{line}：“新增高新技术企业”的全市排名是空的"]


def blank_value_names_the_line(ws):
    where = set_cell(ws, "sme_new", None)
    report = unit_dir(ws) / "report.yaml"
    line = line_of(report, "{{ ind.sme_new }}")
    return [where + "：“新增省科技型中小企业”的", f"report.yaml:{line - 1}（summary.2）"]


def formula_without_result(ws):
    # openpyxl, like many scripts and some tools, saves a formula without its computed value
    s = Sheet(ws)
    c = s.cell("hte_new")
    c.value = f"={s.cell('sme_new').coordinate}-169"
    s.save()
    return [at(ws, "hte_new") + "：公式 " + c.value + " 没有保存计算结果"]


def formula_error_value(ws):
    where = set_cell(ws, "hte_new", "#DIV/0!")
    return [where + "：公式的结果是错误值 #DIV/0!"]


def date_in_value_cell(ws):
    where = set_cell(ws, "hte_new", dt.datetime(2023, 2, 13), number_format="yyyy-mm-dd")
    return [where + "：单元格是日期格式（显示为 2023-02-13），不是数字"]


def percent_format_on_count(ws):
    where = set_cell(ws, "hte_new", 0.44, number_format="0%")
    return [where + "：单元格格式为百分比（显示为 44%），但指标单位是“家”"]


def percent_sign_on_count(ws):
    where = set_cell(ws, "hte_new", "44%")
    return [where + "：“44%”带百分号，但指标单位是“家”"]


def words_in_value(ws):
    where = set_cell(ws, "hte_new", "约44")
    return [where + "：“约44”不是数字"]


def blank_target(ws):
    where = set_cell(ws, "rd_growth", None, header="目标值", sheet="目标")
    return [where + "：指标“rd_growth”的", "年目标值还没有填写"]


def stand_in_target(ws):
    where = set_cell(ws, "tech_trade", "待定", header="目标值", sheet="目标")
    return [where + "：指标“tech_trade”的", "年目标值还没有填写"]


def typed_figure_drift(ws):
    report = edit_report(ws, "建成省级企业研发中心{{ ind.rd_centers_new }}", "建成省级企业研发中心9家")
    line = line_of(report, "建成省级企业研发中心9家")
    return [f"report.yaml:{line}（summary.2）：文中写“建成省级企业研发中心9家”，但指标表中“建成省级企业研发中心”为 7家"]


def typed_growth_short_form(ws):
    report = edit_report(ws, "全社会R&D经费支出增速{{ ind.rd_growth }}", "R&D经费支出累计增速24%")
    line = line_of(report, "累计增速24%")
    return [f"report.yaml:{line}（summary.0）：文中写“R&D经费支出累计增速24%”，但指标表中“全社会R&D经费支出增速”为 21.9%"]


def typed_amount_other_unit(ws):
    report = edit_report(ws, "向科技企业贷款{{ ind.tech_loans }}", "向科技企业贷款50亿元")
    line = line_of(report, "贷款50亿元")
    return [f"report.yaml:{line}（summary.4）：文中写“向科技企业贷款50亿元”，但指标表中“向科技企业贷款”为 76.46亿元"]


def typed_amount_in_wan(ws):
    report = edit_report(ws, "向科技企业贷款{{ ind.tech_loans }}", "向科技企业贷款760000万元")
    line = line_of(report, "贷款760000万元")
    return [f"report.yaml:{line}（summary.4）：文中写“向科技企业贷款760000万元”"]


def typed_alias(ws):
    s = Sheet(ws)
    s.ws.cell(row=1, column=len(s.header) + 1, value="别名")
    s.ws.cell(row=s.cell("hte_new").row, column=len(s.header) + 1, value="新认定高企")
    s.save()
    report = edit_report(ws, "全年新增高新技术企业{{ ind.hte_new }}", "新认定高企45家")
    line = line_of(report, "新认定高企45家")
    return [f"report.yaml:{line}（summary.2）：文中写“新认定高企45家”，但指标表中“新增高新技术企业”为 44家"]


def duplicate_key_report(ws):
    report = unit_dir(ws) / "report.yaml"
    text = report.read_text("utf-8")
    text += "\ndate: 2024-02-01\n"
    report.write_text(text, "utf-8")
    first = line_of(report, "date: 2024-01-31")
    last = len(text.rstrip("\n").splitlines())
    return [f"report.yaml:{last}：YAML 格式错误：键“date”重复：第 {first} 行和第 {last} 行"]


def duplicate_key_units(ws):
    path = ws / "data/units.yaml"
    text = path.read_text("utf-8") + "lucheng:\n  name: 假冒的单位\n"
    path.write_text(text, "utf-8")
    first = line_of(path, "lucheng:")
    last = line_of(path, "lucheng:", 2)
    return [f"data/units.yaml:{last}：YAML 格式错误：键“lucheng”重复：第 {first} 行和第 {last} 行"]


def alias_bomb(ws):
    report = unit_dir(ws) / "report.yaml"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdef", "bcdefg"))
    report.write_text(report.read_text("utf-8") + "\nlaughs:\n" + "\n".join("  " + ln for ln in bomb.splitlines()) + "\n",
                      "utf-8")
    return ["YAML 格式错误：别名（*）展开后超过 200000 项"]


def duplicate_key_styles(ws):
    (ws / "styles.yaml").write_text("page:\n  width_mm: 210\npage:\n  width_mm: 200\n", "utf-8")
    return ["styles.yaml:3：", "键“page”重复：第 1 行和第 3 行"]


def broken_style(ws):
    (ws / "styles.yaml").write_text("margins:\n  top: 三十七\n", "utf-8")
    return ["styles.yaml"]


def duplicate_key_config(ws):
    path = ws / "reportgen.yaml"
    path.write_text(path.read_text("utf-8") + "name: 另一个工作区\n", "utf-8")
    return ["reportgen.yaml", "键“name”重复"]


def style_colour_word(ws):
    (ws / "styles.yaml").write_text("colors:\n  text: 黑色\n", "utf-8")
    return ["styles.yaml:2 colors.text：“黑色”不是颜色"]


def style_misspelt_key(ws):
    (ws / "styles.yaml").write_text("margins:\n  top: 37\n", "utf-8")
    return ["styles.yaml:1 margins：没有“margins”这一项", "是否想写“margins_mm”？"]


def units_misspelt_key(ws):
    path = ws / "data/units.yaml"
    path.write_text(path.read_text("utf-8").replace("  short_name: 区科技局", "  shortname: 区科技局", 1), "utf-8")
    line = line_of(path, "shortname:")
    return [f"data/units.yaml:{line}（lucheng.shortname）：未知的键“shortname”", "是否想用“short_name”？"]


def config_misspelt_key(ws):
    path = ws / "reportgen.yaml"
    path.write_text(path.read_text("utf-8") + "stlye:\n  profiles: []\n", "utf-8")
    line = line_of(path, "stlye:")
    return [f"reportgen.yaml:{line}（stlye）：未知的键“stlye”", "是否想用“style”？"]


def report_setting_wrong_shape(ws):
    report = edit_report(ws, "template: summary_plan", "template: [summary_plan, news]")
    line = line_of(report, "template: [")
    return [f"report.yaml:{line}（template）：“template”应为文字，不是“列表”"]


def report_list_written_as_mapping(ws):
    # the bug that printed “一是sections”: a list of items written as “key: value” lines
    report = unit_dir(ws) / "report.yaml"
    text = report.read_text("utf-8")
    a, b = text.index("summary:\n"), text.index("\nplan:")
    report.write_text(text[:a] + "summary:\n  sections: 综合实力持续攀升。\n" + text[b:], "utf-8")
    line = line_of(report, "  sections: 综合实力持续攀升。")
    # named by the report.yaml schema of #11 (the renderer's own guard, jinja._Section, is the fallback)
    return [f"report.yaml:{line}（summary.sections）：应为列表（每项一行，以“- ”开头）"]


def report_missing_section(ws):
    report = unit_dir(ws) / "report.yaml"
    text = report.read_text("utf-8")
    a = text.index("\nplan:")
    b = text.index("\n", text.index("\n  sections:", a) + 1)
    rest = text[b:]
    cut = next((i for i, line in enumerate(rest.splitlines(keepends=True)) if line.strip() and not line.startswith(" ")), None)
    tail = "".join(rest.splitlines(keepends=True)[cut:]) if cut is not None else ""
    report.write_text(text[:a + 1] + tail, "utf-8")
    return ["内置模板 plan.md.j2:7：没有 'plan'"]


def csv_stand_in(ws):
    folder = unit_dir(ws)
    s = Sheet(ws)
    rows = [[("" if v is None else v) for v in r] for r in s.ws.iter_rows(values_only=True)]
    col = s.value_col - 1
    line = next(i for i, r in enumerate(rows, 1) if r[0] == "hte_new")
    rows[line - 1][col] = "—"
    (folder / "indicators.csv").write_text("\n".join(",".join(str(v) for v in r) for r in rows) + "\n", "utf-8")
    t = s.wb["目标"]
    (folder / "targets.csv").write_text("\n".join(",".join("" if v is None else str(v) for v in r)
                                                  for r in t.iter_rows(values_only=True)) + "\n", "utf-8")
    (folder / "indicators.xlsx").unlink()
    letter = chr(ord("A") + col)
    return [f"{rel(ws, folder / 'indicators.csv')} {letter}{line}：“新增高新技术企业”的", "数值是空的"]


def hidden_row_blank(ws):
    # a hidden row is still used (with a warning); its blank value still stops the document
    s = Sheet(ws)
    c = s.cell("hte_new")
    s.ws.row_dimensions[c.row].hidden = True
    c.value = None
    s.save()
    return [at(ws, "hte_new") + "：“新增高新技术企业”的"]


def peer_rank_own_value_blank(ws):
    # the rank among the workspace's units is printed alone: a blank own value must not print ""
    report = edit_report(ws, "全年新增高新技术企业{{ ind.hte_new }}、", "全年新增高新技术企业数量居{{ ind.hte_new.peer_rank_text }}、")
    line = line_of(report, "peer_rank_text")
    where = set_cell(ws, "hte_new", None)
    return [where + "：“新增高新技术企业”的", "数值是空的", f"report.yaml:{line - 1}（summary.2）"]


def share_own_value_stand_in(ws):
    # the share of the units' total is printed alone: a stand-in own value must not print "—"
    edit_report(ws, "向科技企业贷款{{ ind.tech_loans }}", "向科技企业贷款占全区{{ ind.tech_loans.share_text }}")
    where = set_cell(ws, "tech_loans", "待填")
    return [where + "：“向科技企业贷款”的", "数值是空的"]


def _merge(ws, rng: str):
    s = Sheet(ws)
    s.ws.merge_cells(rng)          # as Excel: the range keeps its top-left value, the others are emptied
    s.save()
    return f"{rel(ws, s.path)} 指标!{rng}"


def merged_values_of_two_indicators(ws):
    s = Sheet(ws)
    a, b = s.cell("hte_new").coordinate, s.cell("sme_new").coordinate      # 44 and 213 in the 2023 column
    where = _merge(ws, f"{a}:{b}")
    return [where + "：数据区域内有合并单元格，跨了几行的“" + str(s.header[s.value_col - 1]) + "”（每行的“"]


def merged_ranks(ws):
    s = Sheet(ws)
    a, b = s.cell("rd_growth", "排名").coordinate, s.cell("rd_gdp_change", "排名").coordinate
    where = _merge(ws, f"{a}:{b}")
    return [where + "：数据区域内有合并单元格，跨了几行的“排名”"]


def merged_across_columns(ws):
    s = Sheet(ws)
    a, b = s.cell("hte_new", "单位").coordinate, s.cell("hte_new", "类型").coordinate
    where = _merge(ws, f"{a}:{b}")
    return [where + "：数据区域内有合并单元格，横跨“单位”到“类型”几列（不同年份或不同项目的值不能共用一个单元格）"]


STOPS = [merged_values_of_two_indicators, merged_ranks, merged_across_columns, peer_rank_own_value_blank, share_own_value_stand_in, blank_value, stand_in("—"), stand_in("待填"), stand_in("N/A"), stand_in("暂无"), stand_in("－"),
         stand_in("/"), blank_rank, stand_in_rank, scoped_rank_blank, scoped_rank_stand_in,
         own_rank_blank_printed_by_scope, csv_scoped_rank_blank, blank_value_names_the_line, formula_without_result,
         formula_error_value, date_in_value_cell, percent_format_on_count, percent_sign_on_count, words_in_value,
         blank_target, stand_in_target, typed_figure_drift, typed_growth_short_form, typed_amount_other_unit,
         typed_amount_in_wan, typed_alias, duplicate_key_report, duplicate_key_units, alias_bomb,
         duplicate_key_styles, broken_style, duplicate_key_config, csv_stand_in, hidden_row_blank,
         style_colour_word, style_misspelt_key, units_misspelt_key, config_misspelt_key,
         report_setting_wrong_shape, report_list_written_as_mapping]


@pytest.mark.parametrize("mistake", STOPS, ids=[m.__name__ for m in STOPS])
def test_mistake_stops_build_and_check_names_it(ws, mistake):
    expected = mistake(ws)
    year = year_arg(ws)
    before = digest(ws)
    code, out = run(ws, "check", year, "--format", "docx")
    assert code == 1, out
    for fragment in expected:
        assert fragment in out, out
    assert not [ln for ln in out.splitlines() if "检查通过" in ln and "工作总结和" in ln], out
    assert "内部错误" not in out and "Traceback" not in out
    code, out = run(ws, "build", year, "--format", "docx", "--unit", "lucheng")
    assert code in (1, 3), out         # 1: nothing built; 3: the unit's other documents built
    for fragment in expected:
        assert fragment in out, out
    assert "内部错误" not in out and "Traceback" not in out
    assert not [p for p in (ws / "output").rglob("*.docx") if "工作总结和" in p.name], "a refused document was written"
    assert digest(ws) == before, "the command modified the user's inputs"


# -- mistakes that print the right figure ------------------------------------------------------------
def built_text(ws: Path, *args: str) -> str:
    year = year_arg(ws)
    code, out = run(ws, "build", year, "--format", "docx", "--unit", "lucheng", *args)
    assert code == 0, out
    path = next((ws / "output" / year).glob("*工作总结和*.docx"))
    return "\n".join(p.text for p in docx.Document(path).paragraphs)


def test_percent_cell_prints_what_excel_showed(ws):
    set_cell(ws, "rd_growth", 0.219, number_format="0.0%")        # typed 21.9% into a percent cell
    assert "全社会R&D经费支出增速21.9%" in built_text(ws)


def test_percent_cell_with_two_places(ws):
    set_cell(ws, "rd_growth", 0.2194, number_format="0.00%", header="value")
    s = Sheet(ws)
    s.cell("rd_growth", "精度").value = None                       # no 精度: the format decides
    s.save()
    assert "增速21.94%" in built_text(ws)


@pytest.mark.parametrize("ind_id, value, number_format, expected", [
    ("hte_new", "44", None, "新增高新技术企业44家"),                      # a number stored as text
    ("voucher_amount", "1,508", None, "创新券兑付金额1508万元"),           # thousands separator in text
    ("sme_new", "２１３", None, "省科技型中小企业213家"),                   # full-width digits
    ("rd_growth", "21.9%", None, "增速21.9%"),                            # percent text, percent indicator
    ("voucher_amount", 1508, "#,##0", "创新券兑付金额1508万元"),            # a thousands format
], ids=["number-as-text", "thousands-in-text", "full-width", "percent-text", "thousands-format"])
def test_a_value_typed_as_staff_type_it(ws, ind_id, value, number_format, expected):
    set_cell(ws, ind_id, value, number_format=number_format)
    assert expected in built_text(ws)


def test_general_decimals_are_kept_as_seen(ws):
    s = Sheet(ws)
    c = s.cell("rd_gdp_change")
    c.value, c.number_format = 19.1, "General"
    s.cell("rd_gdp_change", "精度").value = None                   # 百分点 used to default to 2 places: 19.10
    s.save()
    text = built_text(ws)
    assert "提升19.1个百分点" in text and "19.10" not in text


def test_precision_column_wins(ws):
    set_cell(ws, "rd_gdp_change", 0.3, number_format="0.0")       # 精度 2 in the sheet
    assert "提升0.30个百分点" in built_text(ws)


def test_formula_with_saved_result(ws):
    s = Sheet(ws)
    c = s.cell("hte_new")
    c.value = f"={s.cell('sme_new').coordinate}-169"
    s.save()
    # what Excel/WPS write: the formula and its last result
    path = xlsx(ws)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(<c r=\"" + c.coordinate.encode() + rb"\"[^>]*><f>[^<]*</f>)<v\s*/>|"
                              rb"(<c r=\"" + c.coordinate.encode() + rb"\"[^>]*><f>[^<]*</f>)(<v></v>)?",
                              lambda m: (m.group(1) or m.group(2)) + b"<v>44</v>", data)
            dst.writestr(item, data)
    tmp.replace(path)
    assert "新增高新技术企业44家" in built_text(ws)


@pytest.mark.parametrize("header", ["类型", "单位"])
def test_merged_describing_cell_applies_to_every_row(ws, header):
    # staff merge one 类型 (总量) or 单位 (家) down the rows of 高企, 科技型中小企业, 研发中心
    s = Sheet(ws)
    top, bottom = s.cell("hte_new", header), s.cell("rd_centers_new", header)
    assert [s.ws.cell(row=r, column=top.column).value for r in range(top.row, bottom.row + 1)] == [top.value] * 3
    _merge(ws, f"{top.coordinate}:{bottom.coordinate}")
    assert Sheet(ws).cell("sme_new", header).value is None              # what the file now holds
    text = built_text(ws)
    assert "全年新增高新技术企业44家、省科技型中小企业213家" in text and "建成省级企业研发中心7家" in text


def test_hidden_sheet_is_used_with_a_warning(ws):
    s = Sheet(ws)
    s.wb.create_sheet("说明", 0)
    s.ws.sheet_state = "hidden"
    s.save()
    code, out = run(ws, "check", year_arg(ws), "--format", "docx")
    assert code == 0, out
    assert "工作表“指标”是隐藏的，其中的数据照常使用" in out


def test_hidden_row_is_used_with_a_warning(ws):
    s = Sheet(ws)
    row = s.cell("hte_new").row
    s.ws.row_dimensions[row].hidden = True
    s.save()
    code, out = run(ws, "check", year_arg(ws), "--format", "docx")
    assert code == 0, out
    assert f"指标!A{row}：第{row}行是隐藏的，其中的数据照常使用" in out


@pytest.mark.parametrize("typed", ["044", "1:04", "no"])
def test_yaml_strings_stay_strings(ws, typed):
    path = ws / "data/units.yaml"
    path.write_text(path.read_text("utf-8").replace("short_name: 区科技局", f"short_name: {typed}", 1), "utf-8")
    assert f"今年以来，{typed}深入贯彻" in built_text(ws)


def test_yaml_reader_unit():
    from reportgen.core import yamlio

    data = yamlio.load("a: 044\nb: 1:04\nc: no\nd: true\ne: 44\nf: 21.9\ng: 2024-01-31\nh:\ni: -3\nj: 1e3\n")
    assert data == {"a": "044", "b": "1:04", "c": "no", "d": True, "e": 44, "f": 21.9,
                    "g": dt.date(2024, 1, 31), "h": None, "i": -3, "j": 1000.0}


# -- check's to-do list and drafts ---------------------------------------------------------------------
def test_check_lists_what_remains_to_fill(ws):
    set_cell(ws, "hte_new", None)
    set_cell(ws, "sme_new", "待填")
    set_cell(ws, "incubation_area_new", "—", header="排名")
    code, out = run(ws, "check", year_arg(ws), "--format", "docx")
    assert code == 1
    assert "待填数据（3 项" in out
    assert "  1. " in out and "  3. " in out and "  4. " not in out.split("待填数据")[1]
    assert "还有 3 项待填写或设定" in out
    assert not [ln for ln in out.splitlines() if "检查通过" in ln and "工作总结和" in ln], out


def test_draft_marks_every_missing_figure(ws):
    set_cell(ws, "hte_new", None)
    year = year_arg(ws)
    code, out = run(ws, "build", year, "--unit", "lucheng", "--draft")
    assert code == 0, out
    folder = ws / "output" / year
    drafts = sorted(p.name for p in folder.glob("*（草稿）.*"))
    assert any(n.endswith("工作总结和" + str(int(year) + 1) + "年工作思路（草稿）.docx") or "工作总结和" in n for n in drafts), drafts
    docx_path = next(folder.glob("*工作总结和*（草稿）.docx"))
    d = docx.Document(docx_path)
    body = "\n".join(p.text for p in d.paragraphs)
    assert "全年新增高新技术企业【待填：新增高新技术企业】、省科技型中小企业213家" in body
    marked = [r for p in d.paragraphs for r in p.runs if r.text == "【待填：新增高新技术企业】"]
    assert marked and marked[0]._r.find(docx.oxml.ns.qn("w:rPr")).find(docx.oxml.ns.qn("w:highlight")) is not None
    header = "\n".join(p.text for p in d.sections[0].header.paragraphs)
    assert "草稿" in header
    import json
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    records = [r for e in manifest["documents"].values() for r in e["outputs"].values() if r.get("draft")]
    assert records and any("新增高新技术企业" in item for r in records for item in r["pending"])
    pdf = next(folder.glob("*工作总结和*（草稿）.pdf"))
    import pdfplumber
    with pdfplumber.open(pdf) as p:
        first = p.pages[0].extract_text() + "\n".join(page.extract_text() for page in p.pages[1:])
    assert "草稿——含待填数据，不得印发" in first and "【待填：新增高新技术企业】" in first.replace("\n", "")


def test_draft_marks_a_peer_rank_whose_own_value_is_missing(ws):
    peer_rank_own_value_blank(ws)
    code, out = run(ws, "build", year_arg(ws), "--unit", "lucheng", "--format", "docx", "--draft")
    assert code == 0, out
    path = next((ws / "output" / year_arg(ws)).glob("*工作总结和*（草稿）.docx"))
    body = "\n".join(p.text for p in docx.Document(path).paragraphs)
    assert "全年新增高新技术企业数量居【待填：新增高新技术企业】、" in body


def test_final_build_after_a_draft_is_refused_until_filled(ws):
    set_cell(ws, "hte_new", None)
    year = year_arg(ws)
    assert run(ws, "build", year, "--unit", "lucheng", "--format", "docx", "--draft")[0] == 0
    code, out = run(ws, "build", year, "--unit", "lucheng", "--format", "docx")
    assert code in (1, 3) and "数值是空的" in out
    set_cell(ws, "hte_new", 44)
    code, out = run(ws, "build", year, "--unit", "lucheng", "--format", "docx")
    assert code == 0, out


def test_a_scoped_rank_column_leaves_the_rows_own_rank_as_the_sheet_gives_it(ws):
    # 全社会R&D经费支出增速: 排名范围 全省, 排名 14; a 完成率全市排名 of 3 in the same row used to turn
    # its own rank into “全市第14名” (the 排名范围 read back from the last scoped rank column)
    s = Sheet(ws)
    col = len(s.header) + 1
    s.ws.cell(row=1, column=col).value = "完成率全市排名"
    s.ws.cell(row=s.cell("rd_growth").row, column=col).value = 3
    s.save()
    edit_report(ws, "（{{ ind.rd_growth.rank_text }}）", "（{{ ind.rd_growth.rank_text }}，完成率{{ ind.rd_growth.completion_ranks.全市.排名 }}）")
    assert "全社会R&D经费支出增速21.9%（全省第14名，完成率全市排名第3）" in built_text(ws)


def test_typed_figures_can_be_a_warning(ws):
    typed_figure_drift(ws)
    code, out = run(ws, "build", year_arg(ws), "--unit", "lucheng", "--format", "docx", "--typed-figures", "warn")
    assert code == 0, out
    assert "警告：" in out and "建成省级企业研发中心9家" in out


# -- property: a printed figure equals what the cell displays -----------------------------------------
from decimal import ROUND_HALF_UP, Decimal  # noqa: E402

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

#: number formats as Excel/WPS offer them → decimals shown, percent
FORMATS = {"General": (None, False), "0": (0, False), "0.0": (1, False), "0.00": (2, False), "0.000": (3, False),
           "#,##0": (0, False), "#,##0.00": (2, False), "0%": (0, True), "0.0%": (1, True), "0.00%": (2, True)}


def _one_indicator_workspace(root: Path, value, fmt: str, percent: bool) -> Path:
    from openpyxl import Workbook

    (root / "data/2024/u").mkdir(parents=True)   # the 2024 report holds 2023's values
    (root / "reportgen.yaml").write_text("name: t\n", "utf-8")
    (root / "data/units.yaml").write_text("u:\n  name: 测试局\n  short_name: 测试局\n", "utf-8")
    (root / "data/2024/u/report.yaml").write_text("date: 2024-01-31\n", "utf-8")
    wb = Workbook()
    sheet = wb.active
    sheet.title = "指标"
    sheet.append(["编号", "指标名称", "单位", "类型", 2023])
    # a rate in % for percent formats; percentage points otherwise (neither is scaled to 万/亿)
    sheet.append(["x", "测试指标", "%" if percent else "个百分点", "增速" if percent else "百分点", value])
    sheet["E2"].number_format = fmt
    wb.save(root / "data/2024/u/indicators.xlsx")
    return root


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shown=st.decimals(min_value=Decimal("-99999.9999"), max_value=Decimal("99999.9999"), places=4,
                         allow_nan=False, allow_infinity=False),
       fmt=st.sampled_from(sorted(FORMATS)))
def test_printed_figure_equals_what_the_cell_displays(tmp_path_factory, shown, fmt):
    from reportgen.core.workspace import Workspace
    from reportgen.derive.figures import figures
    from reportgen.read.load import load

    places, percent = FORMATS[fmt]
    stored = float(shown / 100) if percent else float(shown)       # Excel keeps 21.9% as 0.219
    root = _one_indicator_workspace(tmp_path_factory.mktemp("prop"), stored, fmt, percent)
    fig = figures(load(Workspace(root), 2024).units["u"])["x"]
    # what Excel shows: rounded half away from zero to the format's places; General: as typed
    if places is None:
        display = format(Decimal(repr(float(shown))).normalize(), "f")
    else:
        display = str(Decimal(repr(float(shown))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    if display.startswith("-") and set(display[1:]) <= set("0."):
        display = display[1:]                                    # Excel shows -0.00 as 0.00
    assert fig.number == display
    assert str(fig) == display + ("%" if percent else "个百分点")


# -- every document the suite builds: never None or a placeholder where a figure belongs ---------------
PLACEHOLDERS = re.compile(r"None|NaN|nan(?![a-z])|\binf\b|[\ue000-\ue01f\ue100\ue101]|\{\{|\}\}|\{%|第—|—(?:家|个|项|人|位|名|%|亿元|万元|元|篇|条|支|平方米|个百分点)"
                          r"|【待填")


def _text_of(path: Path) -> str:
    if path.suffix == ".docx":
        d = docx.Document(path)
        parts = [p.text for p in d.paragraphs]
        parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
        parts += [p.text for s in d.sections for p in s.header.paragraphs]
        return "\n".join(parts)
    import pdfplumber

    with pdfplumber.open(path) as pdf:   # without the page numbers (“— 1 —” between 排 and 名 is no “—名”)
        return "\n".join(line for page in pdf.pages for line in (page.extract_text() or "").splitlines()
                         if not PAGE_NUMBER.fullmatch(line.strip()))


PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")


def test_no_document_built_by_the_suite_holds_none_or_a_placeholder(sample_build, tmp_path_factory):
    """Scans the sample build and every DOCX/PDF the session's tests wrote before this one."""
    base = tmp_path_factory.getbasetemp()
    outputs = sorted(p for p in base.rglob("output/**/*") if p.suffix in (".docx", ".pdf"))
    assert len(outputs) >= 2, "no documents were built"
    for path in outputs:
        text = _text_of(path)
        if "（草稿）" in path.name:       # a draft shows its gaps, and says it is a draft
            assert "草稿" in text and "\ue100" not in text and "None" not in text, path
            continue
        bad = PLACEHOLDERS.search(text.replace("\n", ""))
        assert bad is None, f"{path}: “{bad.group()}” in …{text.replace(chr(10), '')[max(0, bad.start() - 30):bad.end() + 30]}…"


# -- tables: the five-year plan annex, the mid-term progress table, the completion table ----------------
def ouhai_book(ws: Path) -> Path:
    return ws / "data/2021/ouhai/indicators.xlsx"


def ouhai_cell(ws: Path, ind_id: str, year: int, value) -> str:
    """Sets the 指标 cell of ``ind_id`` in ``year``'s column of 瓯海's 十四五 workbook; its address."""
    wb = load_workbook(ouhai_book(ws))
    sheet = wb["指标"]
    col = [c.value for c in sheet[1]].index(year) + 1
    row = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == ind_id)
    sheet.cell(row=row, column=col).value = value
    wb.save(ouhai_book(ws))
    return f"data/2021/ouhai/indicators.xlsx 指标!{sheet.cell(row=row, column=col).coordinate}"


def ouhai_yaml(ws: Path, old: str, new: str) -> tuple[Path, int]:
    path = ws / "data/2023/ouhai/indicators.yaml"
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path, line_of(path, new) if new else 0


def assert_stops(ws: Path, year: str, unit: str, expected: list[str], doc: str = ""):
    before = digest(ws)
    code, out = run(ws, "check", year, "--format", "docx")
    assert code == 1, out
    for fragment in expected:
        assert fragment in out, out
    assert "内部错误" not in out and "Traceback" not in out
    code, out = run(ws, "build", year, "--format", "docx", "--unit", unit)
    assert code in (1, 3), out
    for fragment in expected:
        assert fragment in out, out
    assert "内部错误" not in out and "Traceback" not in out
    assert not [p for p in (ws / "output").rglob("*.docx") if doc in p.name], "a refused document was written"
    assert digest(ws) == before, "the command modified the user's inputs"


def table_rows(path: Path) -> dict[str, list[str]]:
    return {row.cells[0].text: [c.text for c in row.cells] for t in docx.Document(path).tables for row in t.rows}


@pytest.mark.parametrize("typed", [None, "待填", "—"])
def test_plan_annex_base_missing_stops(ws, typed):
    # 十四五 annex: the 2020 基数 of 高新技术企业数量 (and so its 年均增长) used to print “—” silently
    where = ouhai_cell(ws, "hte_count", 2020, typed)
    assert_stops(ws, "2021", "ouhai", [where + "：“高新技术企业数量”的2020年数值是空的", "文档中用到它：模板中的表格"])


def test_plan_annex_draft_marks_the_base(ws):
    ouhai_cell(ws, "pct_applications", 2020, None)
    code, out = run(ws, "build", "2021", "--format", "docx", "--unit", "ouhai", "--draft")
    assert code == 0, out
    path = next((ws / "output/2021").glob("*十四五*（草稿）.docx"))
    row = table_rows(path)["国际专利（PCT）申请量"]
    assert row == ["国际专利（PCT）申请量", "件", "【待填：国际专利（PCT）申请量】", "38", "【待填：国际专利（PCT）申请量】",
                   "预期性"]


def test_plan_annex_keeps_the_dashes_the_rules_call_for(ws):
    # 年均增长 of a bound target (6以上) is “—” by rule; a base the sheet marks 未统计 prints “—”
    code, out = run(ws, "build", "2021", "--format", "docx", "--unit", "ouhai")
    assert code == 0, out
    rows = table_rows(next((ws / "output/2021").glob("*十四五*.docx")))
    assert rows["本级财政科技拨款占经常性支出比重"] == ["本级财政科技拨款占经常性支出比重", "%", "6.3", "6以上", "—", "预期性"]
    assert rows["顶尖人才和领军人才"] == ["顶尖人才和领军人才", "人", "—", "28", "—", "预期性"]
    assert rows["高新技术企业数量"][2:5] == ["218", "550", "20.3%"]


def test_midterm_progress_year_value_missing_stops(ws):
    # 中期评估 progress table: a 2022 value the table prints (and its 目标进度) used to print “—”
    path, line = ouhai_yaml(ws, "精度: 0, 2021: 29, 2022: 33}", "精度: 0, 2021: 29, 2022: 待填}")
    assert_stops(ws, "2023", "ouhai", [f"{rel(ws, path)}:{line}：“国际专利（PCT）申请量”的2022年数值是空的",
                                       "文档中用到它：模板中的表格"])


def test_midterm_progress_row_not_entered_stops(ws):
    # the 2021/2022 values of an indicator of the plan were not entered at all (its row left out)
    path, _line = ouhai_yaml(ws, "  - {编号: top_talents, 指标名称: 顶尖人才和领军人才, 单位: 人, 类型: 总量, 精度: 0, "
                                 "2021: 未统计, 2022: 未统计}\n", "")
    assert_stops(ws, "2023", "ouhai", ["（“顶尖人才和领军人才”一行，2022年列）：“顶尖人才和领军人才”的2022年数值是空的",
                                       "（“顶尖人才和领军人才”一行，2021年列）"])


def test_completion_row_without_a_value_stops(ws):
    # a target of the results year whose indicator has no row in 指标: the completion table printed “—”
    s = Sheet(ws, "目标")
    year = int(year_arg(ws)) - 1
    s.ws.append(["maker_spaces_new", "新增众创空间", "家", year, 5, "以上", None])
    s.save()
    assert_stops(ws, year_arg(ws), "lucheng",
                 [f"{rel(ws, s.path)} 指标（“新增众创空间”一行，{year}年列）：“新增众创空间”的{year}年数值是空的"], doc="工作总结和")


# -- ranks: a blank cell of a rank column the document prints is a gap; one it does not print is not --
def pingyang(ws: Path, old: str, new: str, file: str = "indicators.yaml") -> Path:
    path = ws / "data/2026/pingyang" / file
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


@pytest.mark.parametrize("typed", ["null", "", "待填"])
def test_yaml_blank_scoped_rank_stops_naming_the_line(ws, typed):
    # pingyang prints {{ ind.hightech_va.completion_ranks.全市.位居 }}; its cell left empty (or 待填)
    path = pingyang(ws, "2026: 60.4, 完成率全市排名: 2}", f"2026: 60.4, 完成率全市排名: {typed}}}")
    line = line_of(path, "hightech_va")
    report = ws / "data/2026/pingyang/report.yaml"
    used = line_of(report, "高新产业量质齐升")
    assert_stops(ws, "2026", "pingyang",
                 [f"data/2026/pingyang/indicators.yaml:{line}：“高新技术产业增加值”的完成率全市排名是空的",
                  f"文档中用到它：data/2026/pingyang/report.yaml:{used}"], doc="平阳")
    code, out = run(ws, "build", "2026", "--format", "docx", "--unit", "pingyang")
    assert "提示：填入完成率全市排名" in out, out


@pytest.mark.parametrize("form", ["居", "number"])
def test_yaml_row_without_a_rank_of_a_column_other_rows_have(ws, form):
    # YAML rows are mappings: a row that leaves out 全市排名, which other rows give, has that cell empty
    # (every form of the rank, its bare number too, is the gap)
    pingyang(ws, "，新增省科技型中小企业{{ ind.sme_new }}。", f"，全市第{{{{ ind.hte_new.ranks.全市.{form} }}}}。",
             file="report.yaml")
    line = line_of(ws / "data/2026/pingyang/indicators.yaml", "编号: hte_new")
    assert_stops(ws, "2026", "pingyang",
                 [f"data/2026/pingyang/indicators.yaml:{line}：“新增高新技术企业（申报）”的全市排名是空的"], doc="平阳")


def test_draft_marks_a_blank_scoped_rank(ws):
    pingyang(ws, "完成率全市排名: 2}", "完成率全市排名: }")
    code, out = run(ws, "build", "2026", "--unit", "pingyang", "--format", "docx", "--draft")
    assert code == 0, out
    path = next((ws / "output/2026").glob("*平阳*（草稿）.docx"))
    body = "\n".join(p.text for p in docx.Document(path).paragraphs)
    assert "完成率48.3%，【待填：高新技术产业增加值完成率全市排名】。" in body


@pytest.mark.parametrize("typed", [None, "待填", "—"])
def test_blank_rank_cell_no_document_prints_stops_nothing(ws, typed):
    # a 完成率全市排名 column filled for one indicator only: the others' empty cells are not asked for
    rank_column(ws, "完成率全市排名", {"rd_growth": 3, "hte_new": typed, "sme_new": typed})
    edit_report(ws, "（{{ ind.rd_growth.rank_text }}）", "（{{ ind.rd_growth.rank_text }}，完成率{{ ind.rd_growth.completion_ranks.全市.排名 }}）")
    code, out = run(ws, "check", year_arg(ws), "--format", "docx")
    assert code == 0, out
    assert "全社会R&D经费支出增速21.9%（全省第14名，完成率全市排名第3）" in built_text(ws)


def test_rank_of_a_scope_no_column_gives_is_a_template_error_saying_which_column(ws):
    # no 完成率全省排名 column at all: not a cell to fill but a template asking for what the sheet lacks
    rank_column(ws, "完成率全市排名", {"incubation_area_new": 4})
    edit_report(ws, *PRINT_INCUBATION_RANK)
    edit_report(ws, "completion_ranks.全市.排名", "completion_ranks.全省.排名")
    report = unit_dir(ws) / "report.yaml"
    line = line_of(report, "综合实力持续攀升")
    assert_stops(ws, year_arg(ws), "lucheng",
                 [f"report.yaml:{line}（summary.0）：ind.incubation_area_new.completion_ranks 中没有 '全省'",
                  "提示：指标表中没有“完成率全省排名”列：要印出这一排名，在指标表加上“完成率全省排名”列，填入“新增孵化空间”的名次；"
                  "否则改正模板中的范围（ind.incubation_area_new.completion_ranks 可用的范围：全市）"], doc="工作总结和")


def test_check_names_the_results_years_cell_of_a_formula_without_result(ws):
    # a workbook with last year's column too (the value column is the second year's): a formula
    # saved without its result in this year's column is named in that column, not last year's
    s = Sheet(ws)
    year = s.ws.cell(row=1, column=s.value_col).value
    s.ws.insert_cols(s.value_col)
    s.ws.cell(row=1, column=s.value_col).value = year - 1
    for row in range(2, s.ws.max_row + 1):
        if s.ws.cell(row=row, column=s.value_col + 1).value is not None:
            s.ws.cell(row=row, column=s.value_col).value = 1
    s.save()
    s = Sheet(ws)
    this, last = s.cell("hte_new"), s.ws.cell(row=s.cell("hte_new").row, column=s.value_col - 1)
    this.value = f"={s.cell('sme_new').coordinate}-169"
    s.save()
    where = f"{rel(ws, s.path)} 指标!"
    for command in ("check", "build"):
        code, out = run(ws, command, year_arg(ws), "--format", "docx")
        assert code != 0
        assert f"{where}{this.coordinate}：公式 {this.value} 没有保存计算结果" in out, out
        assert f"{where}{last.coordinate}" not in out, out
