"""Broken inputs: each gives a precise message (file, sheet and cell, or line), a non-zero exit,
no output, and the user's files untouched."""

import json
import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import reportgen, written_files

XLSX = Path("data/2024/lucheng/indicators.xlsx")
REPORT = Path("data/2024/lucheng/report.yaml")


def edit_cell(ws: Path, sheet: str, cell: str, value) -> None:
    wb = load_workbook(ws / XLSX)
    wb[sheet][cell] = value
    wb.save(ws / XLSX)


def digest(folder: Path) -> dict:
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "output" not in p.parts}


def text_in_numeric(ws):
    edit_cell(ws, "指标", "F3", "约30")
    return "data/2024/lucheng/indicators.xlsx 指标!F3：“约30”不是数字"


def percent_text(ws):
    # “21.9%” typed as text into a % indicator is read as 21.9 (see test_data_entry.py); a % sign
    # on a count is a mistake
    edit_cell(ws, "指标", "F7", "44%")
    return "指标!F7：“44%”带百分号，但指标单位是“家”"


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
    (ws / "data/2024/lucheng/indicators.csv").write_bytes("编号,指标名称\n".encode("utf-8") + b"\xff\xfe\xfa\xfb\xfc")
    return "文件编码无法识别"


def csv_empty(ws):
    (ws / XLSX).unlink()
    (ws / "data/2024/lucheng/indicators.csv").write_text("", "utf-8")
    return "indicators.csv：文件是空的"


def csv_text_cell(ws):
    (ws / XLSX).unlink()
    (ws / "data/2024/lucheng/indicators.csv").write_text(
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
    (ws / "data/2024/lucheng").rename(ws / "data/2024/wenzhou")
    return "单位“wenzhou”未在 data/units.yaml 中登记"


def unit_changed(ws):
    prev = ws / "data/2023/lucheng"
    prev.mkdir(parents=True)
    (prev / "indicators.csv").write_text("编号,指标名称,单位,类型,精度,2022\nvoucher_amount,创新券兑付金额,元,总量,0,1385700\n", "utf-8")
    return "指标“voucher_amount”的单位前后不一致"


def bad_template_name(ws):
    text = (ws / REPORT).read_text("utf-8").replace("template: summary_plan", "template: no_such")
    (ws / REPORT).write_text(text, "utf-8")
    return "没有模板（文档种类）no_such"


# -- the indicator catalogue: ranges, kinds and units, years, targets, YAML/CSV files, column mapping --
XLSX_LABEL = "data/2024/lucheng/indicators.xlsx"


def out_of_range(ws):
    edit_cell(ws, "指标", "J1", "下限")
    edit_cell(ws, "指标", "K1", "上限")
    edit_cell(ws, "指标", "J7", 0)
    edit_cell(ws, "指标", "K7", 40)
    return f"{XLSX_LABEL} 指标!F7：“44”超出允许范围（0～40）"


def ratio_over_100(ws):
    edit_cell(ws, "指标", "D26", "比重")        # 创新券兑付金额同比增速 266.6 typed as a share
    return f"{XLSX_LABEL} 指标!F26：比重“266.6”不在 0～100 之间"


def rate_with_wrong_unit(ws):
    edit_cell(ws, "指标", "C3", "个")
    return f"{XLSX_LABEL} 指标!C3：类型为“增速”的指标，单位应为“%”，不是“个”"


def amount_in_percent(ws):
    edit_cell(ws, "指标", "C7", "%")
    return f"{XLSX_LABEL} 指标!C7：类型为“总量”的指标，单位不能是“%”"


def missing_name(ws):
    edit_cell(ws, "指标", "B8", None)
    return f"{XLSX_LABEL} 指标!B8：指标“sme_new”没有名称"


def missing_unit(ws):
    edit_cell(ws, "指标", "C9", None)
    return f"{XLSX_LABEL} 指标!C9：指标“rd_centers_new”没有单位"


def bad_precision(ws):
    edit_cell(ws, "指标", "E3", "两位")
    return f"{XLSX_LABEL} 指标!E3：精度“两位”无效"


def future_year_column(ws):
    edit_cell(ws, "指标", "J1", 2024)
    edit_cell(ws, "指标", "J7", 50)
    return f"{XLSX_LABEL} 指标!J1：年份列“2024”晚于本报告总结的年份 2023"


def duplicate_year_column(ws):
    edit_cell(ws, "指标", "J1", "2023年")
    return f"{XLSX_LABEL} 指标!J1：年份列“2023年”重复"


def bound_not_a_number(ws):
    edit_cell(ws, "指标", "J1", "下限")
    edit_cell(ws, "指标", "J7", "零")
    return f"{XLSX_LABEL} 指标!J7：下限“零”不是数字"


def bounds_reversed(ws):
    edit_cell(ws, "指标", "J1", "下限")
    edit_cell(ws, "指标", "K1", "上限")
    edit_cell(ws, "指标", "J7", 100)
    edit_cell(ws, "指标", "K7", 10)
    return f"{XLSX_LABEL} 指标!J7：下限 100 大于上限 10"


def target_out_of_range(ws):
    edit_cell(ws, "指标", "J1", "上限")
    edit_cell(ws, "指标", "J3", 100)
    edit_cell(ws, "目标", "E2", 150)
    return f"{XLSX_LABEL} 目标!E2：“150”超出允许范围（不限～100）"


def target_unit_differs(ws):
    edit_cell(ws, "目标", "C2", "万元")
    return f"{XLSX_LABEL} 目标!E2：目标“rd_growth”的单位“万元”与指标表中的“%”不一致"


def duplicate_target(ws):
    edit_cell(ws, "目标", "A3", "rd_growth")
    return f"{XLSX_LABEL} 目标!A3：指标“rd_growth”的2024年目标重复"


def target_year_not_a_year(ws):
    edit_cell(ws, "目标", "D2", "明年")
    return f"{XLSX_LABEL} 目标!D2：“明年”不是年份"


def bad_attribute(ws):
    edit_cell(ws, "目标", "H1", "属性")
    edit_cell(ws, "目标", "H2", "必须")
    return f"{XLSX_LABEL} 目标!H2：属性“必须”无效"


def bad_plan_method(ws):
    edit_cell(ws, "目标", "H1", "测算")
    edit_cell(ws, "目标", "H2", "平均")
    return f"{XLSX_LABEL} 目标!H2：测算方式“平均”无效"


def two_data_files(ws):
    (ws / "data/2024/lucheng/indicators.csv").write_text("编号,指标名称,单位,类型,2023\n", "utf-8")
    return "data/2024/lucheng：同时有 indicators.xlsx、indicators.csv，不知道用哪一个"


YAML_FILE = Path("data/2024/lucheng/indicators.yaml")


def yaml_text_value(ws):
    (ws / XLSX).unlink()
    (ws / YAML_FILE).write_text("指标:\n  - 编号: hte_new\n    指标名称: 新增高新技术企业\n    单位: 家\n    类型: 总量\n"
                                "    2023: 约30\n", "utf-8")
    return "data/2024/lucheng/indicators.yaml:6：“约30”不是数字"


def yaml_flow_row_bad_kind(ws):
    (ws / XLSX).unlink()
    (ws / YAML_FILE).write_text("指标:\n  - {编号: hte_new, 指标名称: 新增高新技术企业, 单位: 家, 类型: 总量, 2023: 44}\n"
                                "  - {编号: sme_new, 指标名称: 新增省科技型中小企业, 单位: 家, 类型: 数量, 2023: 213}\n", "utf-8")
    return "data/2024/lucheng/indicators.yaml:3：类型“数量”无效"


def yaml_unknown_table(ws):
    (ws / XLSX).unlink()
    (ws / YAML_FILE).write_text("# 指标\n指标表:\n  - {编号: hte_new}\n", "utf-8")
    return "data/2024/lucheng/indicators.yaml:2：未知的键“指标表”"


def yaml_row_not_mapping(ws):
    (ws / XLSX).unlink()
    (ws / YAML_FILE).write_text("指标:\n  - hte_new 44\n", "utf-8")
    return "data/2024/lucheng/indicators.yaml:2：“指标”的第1项不是“表头: 值”的映射"


def yaml_empty(ws):
    (ws / XLSX).unlink()
    (ws / YAML_FILE).write_text("# 还没填\n", "utf-8")
    return "data/2024/lucheng/indicators.yaml：文件是空的"


def csv_ragged_row(ws):
    (ws / XLSX).unlink()
    (ws / "data/2024/lucheng/indicators.csv").write_text(
        "编号,指标名称,单位,类型,精度,2023\nhte_new,新增高新技术企业,家,总量,0,44,,多了一列\n", "utf-8")
    return "data/2024/lucheng/indicators.csv：CSV 格式错误（"


def mapping_to_unknown_header(ws):
    (ws / "data/columns.yaml").write_text("指标:\n  列:\n    负责人: 责任人\n", "utf-8")
    return "data/columns.yaml:1：“指标”的列映射“负责人: 责任人”中，“责任人”不是标准表头"


def mapping_names_missing_sheet(ws):
    (ws / "data/columns.yaml").write_text("指标:\n  工作表: 科技指标\n", "utf-8")
    return f"{XLSX_LABEL}：缺少工作表“科技指标”（现有：指标、目标）"


def report_not_utf8(ws):
    (ws / REPORT).write_bytes((ws / REPORT).read_text("utf-8").encode("gb18030"))
    return "data/2024/lucheng/report.yaml:1：文件不是 UTF-8 编码"


def unit_without_name(ws):
    (ws / "data/units.yaml").write_text("lucheng:\n  short_name: 区科技局\n", "utf-8")
    return "data/units.yaml:1：单位“lucheng”缺少全称（name）"


def unknown_target_in_narrative(ws):
    text = (ws / REPORT).read_text("utf-8").replace("技术交易总额{{ t.tech_trade }}", "技术交易总额{{ t.tech_trades }}")
    (ws / REPORT).write_text(text, "utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "tech_trades" in l)
    return f"data/2024/lucheng/report.yaml:{line}（plan.opening）：2024年的目标中没有编号“tech_trades”"


CASES = [text_in_numeric, percent_text, missing_sheet, unknown_kind, duplicate_id, bad_id, merged_cells, bad_rank,
         bad_scope, bad_qualifier, target_text, missing_header, unknown_header, not_xlsx, empty_sheet,
         csv_wrong_encoding, csv_empty, csv_text_cell, no_data_file, yaml_syntax, bad_date, missing_report,
         unknown_indicator_in_narrative, unknown_unit, unit_changed, bad_template_name]
CASES += [out_of_range, ratio_over_100, rate_with_wrong_unit, amount_in_percent, missing_name, missing_unit,
          bad_precision, future_year_column, duplicate_year_column, bound_not_a_number, bounds_reversed,
          target_out_of_range, target_unit_differs, duplicate_target, target_year_not_a_year, bad_attribute,
          bad_plan_method, two_data_files, yaml_text_value, yaml_flow_row_bad_kind, yaml_unknown_table,
          yaml_row_not_mapping, yaml_empty, csv_ragged_row, mapping_to_unknown_header, mapping_names_missing_sheet,
          report_not_utf8, unit_without_name, unknown_target_in_narrative]


@pytest.mark.parametrize("breaker", CASES, ids=[c.__name__ for c in CASES])
def test_broken_input_is_reported_and_nothing_is_written(workspace, breaker):
    expected = breaker(workspace)
    before = digest(workspace)
    proc = reportgen("-C", str(workspace), "build", "2024")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert expected in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not written_files(workspace / "output"), "a failed build wrote output"
    # the run's log, for pipelines, says the document failed and why
    record = json.loads((workspace / "output/2024/run.json").read_text("utf-8"))
    assert record["status"] == "failed" and record["exit_code"] == 1
    assert all(d["status"] == "failed" and d["reasons"] for d in record["documents"])
    assert digest(workspace) == before, "the build modified the user's inputs"
    check = reportgen("-C", str(workspace), "check", "2024")
    assert check.returncode == 1 and expected in check.stderr


def test_all_problems_are_reported_in_one_run(workspace):
    expected = [text_in_numeric(workspace), unknown_kind(workspace), bad_qualifier(workspace)]
    proc = reportgen("-C", str(workspace), "build", "2024")
    assert proc.returncode == 1
    for fragment in expected:
        assert fragment in proc.stderr
    assert "发现 3 个问题" in proc.stderr


def test_failed_build_keeps_previous_good_output(workspace):
    reportgen("-C", str(workspace), "build", "2024", check=True)
    out = workspace / "output/2024"
    good = {k: v for k, v in written_files(out).items() if k != "manifest.json"}
    text_in_numeric(workspace)
    assert reportgen("-C", str(workspace), "build", "2024").returncode == 1
    assert {k: v for k, v in written_files(out).items() if k != "manifest.json"} == good
    # the manifest keeps the good files' records and says the rebuild failed
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert any("failed" in entry for entry in manifest["documents"].values())


def test_missing_year_names_folder_and_command(workspace):
    proc = reportgen("-C", str(workspace), "build", "2025")
    assert proc.returncode == 1
    assert "data/2025：没有2025年报告的数据目录；本工作区有这些年份的报告：2021、2023、2024、2026" in proc.stderr
    assert "YEAR 是报告的年份：2025年的报告总结2024年、谋划2025年。用 reportgen new-year 2025 从2024年的报告开始" in proc.stderr
    assert not (workspace / "output/2025").exists()


def test_outside_a_workspace(tmp_path):
    proc = reportgen("build", "2024", cwd=tmp_path)
    assert proc.returncode == 1 and "reportgen init" in proc.stderr
