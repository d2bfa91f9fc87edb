"""Broken inputs: each gives a precise message (file, sheet and cell, or line), a non-zero exit,
no output, and the user's files untouched."""

import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import reportgen

XLSX = Path("data/2023/lucheng/indicators.xlsx")
REPORT = Path("data/2023/lucheng/report.yaml")


def edit_cell(ws: Path, sheet: str, cell: str, value) -> None:
    wb = load_workbook(ws / XLSX)
    wb[sheet][cell] = value
    wb.save(ws / XLSX)


def digest(folder: Path) -> dict:
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "output" not in p.parts}


def text_in_numeric(ws):
    edit_cell(ws, "指标", "F3", "约30")
    return "data/2023/lucheng/indicators.xlsx 指标!F3：“约30”不是数字"


def percent_text(ws):
    edit_cell(ws, "指标", "F3", "21.9%")
    return "指标!F3：“21.9%”不是数字"


def missing_sheet(ws):
    wb = load_workbook(ws / XLSX)
    wb["指标"].title = "Sheet1"
    wb.save(ws / XLSX)
    return "缺少工作表“指标”"


def unknown_kind(ws):
    edit_cell(ws, "指标", "D4", "面积")
    return "指标!D4：类型“面积”无效"


def duplicate_id(ws):
    edit_cell(ws, "指标", "A5", "rd_growth")
    return "指标!A5：编号“rd_growth”重复"


def bad_id(ws):
    edit_cell(ws, "指标", "A6", "研发 增速")
    return "指标!A6：编号“研发 增速”无效"


def merged_cells(ws):
    wb = load_workbook(ws / XLSX)
    wb["指标"].merge_cells("F7:F8")
    wb.save(ws / XLSX)
    return "指标!F7:F8：数据区域内有合并单元格"


def bad_rank(ws):
    edit_cell(ws, "指标", "H3", "第十四")
    return "指标!H3：“第十四”不是有效的名次"


def bad_scope(ws):
    edit_cell(ws, "指标", "G3", "全球")
    return "指标!G3：排名范围“全球”无效"


def bad_qualifier(ws):
    edit_cell(ws, "目标", "F2", "大约")
    return "目标!F2：限定词“大约”无效"


def target_text(ws):
    edit_cell(ws, "目标", "E3", "1.85%")
    return "目标!E3：“1.85%”不是数字"


def missing_header(ws):
    edit_cell(ws, "指标", "D1", None)
    return "缺少“类型”列"


def unknown_header(ws):
    edit_cell(ws, "指标", "J1", "负责人")
    return "指标!J1：无法识别的表头“负责人”"


def not_xlsx(ws):
    (ws / XLSX).write_bytes(b"this is not a spreadsheet")
    return "无法作为 Excel 文件打开"


def empty_sheet(ws):
    wb = load_workbook(ws / XLSX)
    del wb["指标"]
    wb.create_sheet("指标", 0)
    wb.save(ws / XLSX)
    return "工作表是空的"


def csv_wrong_encoding(ws):
    (ws / XLSX).unlink()
    (ws / "data/2023/lucheng/indicators.csv").write_bytes("编号,指标名称\n".encode("utf-8") + b"\xff\xfe\xfa\xfb\xfc")
    return "文件编码无法识别"


def csv_empty(ws):
    (ws / XLSX).unlink()
    (ws / "data/2023/lucheng/indicators.csv").write_text("", "utf-8")
    return "indicators.csv：文件是空的"


def csv_text_cell(ws):
    (ws / XLSX).unlink()
    (ws / "data/2023/lucheng/indicators.csv").write_text(
        "编号,指标名称,单位,类型,精度,2023\nhte_new,新增高新技术企业,家,总量,0,四十四\n", "utf-8")
    return "indicators.csv F2：“四十四”不是数字"


def no_data_file(ws):
    (ws / XLSX).unlink()
    return "没有指标数据文件"


def yaml_syntax(ws):
    text = (ws / REPORT).read_text("utf-8").replace("date: 2024-01-31", "date: [2024-01-31")
    (ws / REPORT).write_text(text, "utf-8")
    return "report.yaml:"


def bad_date(ws):
    text = (ws / REPORT).read_text("utf-8").replace("date: 2024-01-31", "date: 2024年13月1日")
    (ws / REPORT).write_text(text, "utf-8")
    return "report.yaml:"


def missing_report(ws):
    (ws / REPORT).unlink()
    return "缺少报告文字文件 report.yaml"


def unknown_indicator_in_narrative(ws):
    text = (ws / REPORT).read_text("utf-8").replace("{{ ind.hte_new }}", "{{ ind.hte_neww }}")
    (ws / REPORT).write_text(text, "utf-8")
    return "是否想用 'hte_new'"


def unknown_unit(ws):
    (ws / "data/2023/lucheng").rename(ws / "data/2023/wenzhou")
    return "单位“wenzhou”未在 data/units.yaml 中登记"


def unit_changed(ws):
    prev = ws / "data/2022/lucheng"
    prev.mkdir(parents=True)
    (prev / "indicators.csv").write_text("编号,指标名称,单位,类型,精度,2022\nvoucher_amount,创新券兑付金额,元,总量,0,1385700\n", "utf-8")
    return "指标“voucher_amount”的单位前后不一致"


def bad_template_name(ws):
    text = (ws / REPORT).read_text("utf-8").replace("template: summary_plan", "template: no_such")
    (ws / REPORT).write_text(text, "utf-8")
    return "找不到模板 no_such.md.j2"


CASES = [text_in_numeric, percent_text, missing_sheet, unknown_kind, duplicate_id, bad_id, merged_cells, bad_rank,
         bad_scope, bad_qualifier, target_text, missing_header, unknown_header, not_xlsx, empty_sheet,
         csv_wrong_encoding, csv_empty, csv_text_cell, no_data_file, yaml_syntax, bad_date, missing_report,
         unknown_indicator_in_narrative, unknown_unit, unit_changed, bad_template_name]


@pytest.mark.parametrize("breaker", CASES, ids=[c.__name__ for c in CASES])
def test_broken_input_is_reported_and_nothing_is_written(workspace, breaker):
    expected = breaker(workspace)
    before = digest(workspace)
    proc = reportgen("-C", str(workspace), "build", "2023")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert expected in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list((workspace / "output").rglob("*.*")), "a failed build wrote output"
    assert digest(workspace) == before, "the build modified the user's inputs"
    check = reportgen("-C", str(workspace), "check", "2023")
    assert check.returncode == 1 and expected in check.stderr


def test_all_problems_are_reported_in_one_run(workspace):
    expected = [text_in_numeric(workspace), unknown_kind(workspace), bad_qualifier(workspace)]
    proc = reportgen("-C", str(workspace), "build", "2023")
    assert proc.returncode == 1
    for fragment in expected:
        assert fragment in proc.stderr
    assert "发现 3 个问题" in proc.stderr


def test_failed_build_keeps_previous_good_output(workspace):
    reportgen("-C", str(workspace), "build", "2023", check=True)
    good = {p.name: p.read_bytes() for p in (workspace / "output/2023").iterdir()}
    text_in_numeric(workspace)
    assert reportgen("-C", str(workspace), "build", "2023").returncode == 1
    assert {p.name: p.read_bytes() for p in (workspace / "output/2023").iterdir()} == good


def test_missing_year_names_folder_and_command(workspace):
    proc = reportgen("-C", str(workspace), "build", "2024")
    assert proc.returncode == 1
    assert "data/2024" in proc.stderr and "reportgen new-year 2024" in proc.stderr


def test_outside_a_workspace(tmp_path):
    proc = reportgen("build", "2023", cwd=tmp_path)
    assert proc.returncode == 1 and "reportgen init" in proc.stderr
