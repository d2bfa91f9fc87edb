"""`reportgen check`: numbers typed into the narrative against the indicator table, and unknown
ids in the narrative — each reported with report.yaml's line, all in one run."""

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import reportgen, written_files

REPORT = Path("data/2024/lucheng/report.yaml")


def edit(ws: Path, old: str, new: str) -> int:
    """Replace text in lucheng's report.yaml; the line of the replacement."""
    path = ws / REPORT
    text = path.read_text("utf-8")
    assert old in text, old
    text = text.replace(old, new, 1)
    path.write_text(text, "utf-8")
    return text[:text.index(new)].count("\n") + 1


@pytest.mark.parametrize("year", [2021, 2024])
def test_the_sample_is_consistent(workspace, year):
    proc = reportgen("-C", str(workspace), "check", str(year))
    assert proc.returncode == 0, proc.stderr


def test_typed_figure_that_differs_is_reported_with_its_line(workspace):
    line = edit(workspace, "全年新增高新技术企业{{ ind.hte_new }}", "全年新增高新技术企业45家")
    proc = reportgen("-C", str(workspace), "check", "2024")
    assert proc.returncode == 1
    assert (f"data/2024/lucheng/report.yaml:{line}（summary.2）：文中写“新增高新技术企业45家”，"
            "但指标表中“新增高新技术企业”为 44家") in proc.stderr
    assert "写成 {{ ind.hte_new }}" in proc.stderr


def test_all_drifts_at_once_and_matching_figures_pass(workspace):
    lines = [
        edit(workspace, "省科技型中小企业{{ ind.sme_new }}", "省科技型中小企业210家"),     # 新增 shared with the previous figure
        edit(workspace, "建成省级企业研发中心{{ ind.rd_centers_new }}", "建成省级企业研发中心7家"),  # equal: fine
        edit(workspace, "新增孵化空间{{ ind.incubation_area_new }}", "新增孵化空间34万平方米"),   # rounded: fine
        edit(workspace, "向科技企业贷款{{ ind.tech_loans }}", "向科技企业贷款764600万元"),         # other scale, equal: fine
        edit(workspace, "全年创新券兑付金额{{ ind.voucher_amount }}", "全年创新券兑付金额达0.05亿元"),  # 508万元 ≈ 0.05亿元
        edit(workspace, "跻身“全国科技创新百强区”第{{ ind.top100_rank.value }}位", "跻身“全国科技创新百强区”第25位"),
        edit(workspace, "外籍高端人才及专业人才来鹿数{{ ind.talent_foreign }}", "外籍高端人才及专业人才来鹿数132人"),
        edit(workspace, "新增省级众创空间{{ ind.makerspace_prov_new }}", "新增省级众创空间3.5家"),
    ]
    proc = reportgen("-C", str(workspace), "check", "2024")
    assert proc.returncode == 1
    found = re.findall(r"report\.yaml:(\d+)（[^）]+）：文中写“([^”]+)”", proc.stderr)
    assert found == [(str(lines[0]), "省科技型中小企业210家"), (str(lines[6]), "外籍高端人才及专业人才来鹿数132人"),
                     (str(lines[7]), "新增省级众创空间3.5家")]
    assert "发现 3 个问题" in proc.stderr


def test_aliases_name_an_indicator_too(workspace):
    xlsx = workspace / "data/2024/lucheng/indicators.xlsx"
    wb = load_workbook(xlsx)
    wb["指标"]["J1"] = "别名"
    wb["指标"]["J26"] = "创新券兑付额增幅、兑付金额增长"     # voucher_growth
    wb.save(xlsx)
    line = edit(workspace, "同比增长{{ ind.voucher_growth }}", "同比增长266.6%，兑付金额增长266%")
    proc = reportgen("-C", str(workspace), "check", "2024")
    assert proc.returncode == 1
    assert f"report.yaml:{line}（summary.4）：文中写“兑付金额增长266%”，但指标表中“创新券兑付金额同比增速”为 266.6%" in proc.stderr


def test_numbers_that_name_no_indicator_are_left_alone(workspace):
    edit(workspace, "通过举办“2023全球精英创新创业大赛”", "通过举办“2023全球精英创新创业大赛”，新增高新技术企业数居全市前列")
    edit(workspace, "全年新增高新技术企业{{ ind.hte_new }}", "全年新增高新技术企业{{ ind.hte_new }}（上年为40家）")
    assert reportgen("-C", str(workspace), "check", "2024").returncode == 0


def test_build_refuses_a_typed_figure_the_sheet_contradicts(workspace):
    """check and build agree (issue 9): a typed figure that contradicts the sheet stops the
    document; --typed-figures warn builds it and says so."""
    edit(workspace, "全年新增高新技术企业{{ ind.hte_new }}", "全年新增高新技术企业45家")
    proc = reportgen("-C", str(workspace), "build", "2024", "--format", "docx")
    assert proc.returncode == 1
    assert "文中写“新增高新技术企业45家”，但指标表中“新增高新技术企业”为 44家" in proc.stderr
    assert not list((workspace / "output").rglob("*.docx"))
    proc = reportgen("-C", str(workspace), "build", "2024", "--format", "docx", "--typed-figures", "warn")
    assert proc.returncode == 0, proc.stderr
    assert "警告：" in proc.stdout and "新增高新技术企业45家" in proc.stdout


def test_unknown_ids_all_reported_with_lines(workspace):
    l1 = edit(workspace, "全年新增高新技术企业{{ ind.hte_new }}", "全年新增高新技术企业{{ ind.hte_neww }}")
    l2 = edit(workspace, "{{ ind.rd_centers_new }}", "{{ ind['rd_center_new'] }}")
    l3 = edit(workspace, "{{ t.tech_trade }}", "{{ t.tech_trades }}")
    l4 = edit(workspace, "科技类奖补资金{{ t.subsidies }}", "科技类奖补资金{{ targets[2025].subsidies }}")
    proc = reportgen("-C", str(workspace), "build", "2024")
    assert proc.returncode == 1
    assert f"report.yaml:{l1}（summary.2）：指标表中没有编号“hte_neww”\n    提示：是否想用 'hte_new'？" in proc.stderr
    assert f"report.yaml:{l2}（summary.2）：指标表中没有编号“rd_center_new”\n    提示：是否想用 'rd_centers_new'？" in proc.stderr
    assert f"report.yaml:{l3}（plan.opening）：2024年的目标中没有编号“tech_trades”" in proc.stderr
    assert f"report.yaml:{l4}（plan.sections.3.items.0）：2025年的目标中没有编号“subsidies”" in proc.stderr
    assert "发现 4 个问题" in proc.stderr
    assert not written_files(workspace / "output")


def test_unknown_ids_in_a_workspace_template_all_reported(workspace):
    (workspace / "templates").mkdir(exist_ok=True)
    (workspace / "templates/summary_plan.md.j2").write_text(
        '{% extends "summary_plan.md.j2" %}\n{% block opening %}\n{{ report.opening }}\n\n'
        "新增{{ ind.hte_nw }}，\n目标{{ t.rd_grwth }}\n{% endblock %}\n", "utf-8")
    proc = reportgen("-C", str(workspace), "check", "2024")
    assert proc.returncode == 1
    assert ("templates/summary_plan.md.j2:5：ind 中没有 'hte_nw'\n    新增{{ ind.hte_nw }}，\n"
            "    提示：是否想用 'hte_new'？") in proc.stderr
    assert ("templates/summary_plan.md.j2:6：t 中没有 'rd_grwth'\n"
            "    目标{{ t.rd_grwth }}\n    提示：是否想用 'rd_growth'？") in proc.stderr


def test_catalogue_methods_are_not_taken_for_ids(workspace):
    edit(workspace, "全年新增高新技术企业{{ ind.hte_new }}",
         "全年新增高新技术企业{{ ind.hte_new }}（共{{ ind.values() | list | length }}项指标，"
         "{{ ind.select(['hte_new'])[0].name }}，{{ t.keys() | list | length }}项目标）")
    proc = reportgen("-C", str(workspace), "check", "2024")
    assert proc.returncode == 0, proc.stderr
