"""`reportgen init DIR --unit 平阳县科学技术局`: a blank workspace for one's own bureau, filled the
way a person fills it (the highlighted cells, in openpyxl as Excel writes them) and built."""

import os
import re
import select
import subprocess
import sys

import docx
import pdfplumber
import pytest
from openpyxl import load_workbook

from conftest import reportgen

YELLOW = "FFFFF2CC"     # the fill of a cell to fill (xlsxform.TO_FILL), as a person sees it in Excel


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    ws = tmp_path_factory.mktemp("blank") / "平阳"
    proc = reportgen("init", str(ws), "--unit", "平阳县科学技术局", "--year", "2025", check=True)
    return ws, proc


def test_the_blank_workspace_has_one_unit_and_no_sample(blank):
    ws, proc = blank
    assert "新建平阳县科学技术局的工作区：2025年的报告（总结2024年、谋划2025年）" in proc.stdout
    assert "data/2025/pingyang/indicators.xlsx，填写黄色单元格" in proc.stdout
    files = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*") if p.is_file())
    assert files == ["data/2025/pingyang/indicators.xlsx", "data/2025/pingyang/report.yaml", "data/units.yaml",
                     "reportgen.yaml", "templates/README.md"]
    units = (ws / "data/units.yaml").read_text("utf-8")
    assert "pingyang:\n  name: 平阳县科学技术局\n  short_name: 县科技局" in units
    assert "鹿城" not in units and "lucheng" not in units
    report = (ws / "data/2025/pingyang/report.yaml").read_text("utf-8")
    assert report.startswith("# 平阳县科学技术局 2025 年的报告（2024 年工作总结和 2025 年工作思路）")
    assert "date: 2025-01-31" in report and "template: summary_plan" in report


def test_the_spreadsheet_is_a_form(blank):
    ws, _ = blank
    wb = load_workbook(ws / "data/2025/pingyang/indicators.xlsx")
    assert wb.sheetnames == ["指标", "目标", "填写说明"]
    ind, tgt = wb["指标"], wb["目标"]
    assert [c.value for c in ind[1]] == ["编号", "指标名称", "单位", "类型", "精度", 2023, 2024, "排名范围", "排名", "说明"]
    assert ind.freeze_panes == "C2" and tgt.freeze_panes == "C2"
    assert ind.column_dimensions["B"].width >= 30 and ind.column_dimensions["A"].width >= 16
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in ind.data_validations.dataValidation}
    from reportgen.core.vocab import KINDS     # the dropdown offers exactly the types the reader accepts

    assert lists == {"D": '"' + ",".join(KINDS) + '"', "E": '"0,1,2,3,4"', "H": '"全国,全省,全市,全区,全县"'}
    assert {"总量", "比重", "增速", "百分点", "位次"} <= set(KINDS)
    tlists = [dv.formula1 for dv in tgt.data_validations.dataValidation]
    assert '"以上,以内,左右,以下,超过,超,达到,不低于,不少于,力争,累计"' in tlists
    assert "下拉选择" in ind["D1"].comment.text and "只填数字" in ind["G1"].comment.text
    assert "下拉选择" in tgt["F1"].comment.text
    yellow = [c.coordinate for row in ind.iter_rows(min_row=2) for c in row if c.fill.fgColor.rgb == YELLOW]
    assert yellow == [f"G{r}" for r in range(2, 8)]          # the 2024 values of the six indicators
    yellow = [c.coordinate for row in tgt.iter_rows(min_row=2) for c in row if c.fill.fgColor.rgb == YELLOW]
    assert yellow == [f"E{r}" for r in range(2, 7)]          # five 2025 targets
    guide = [c.value for c in wb["填写说明"]["A"] if c.value]
    assert guide[0] == "2025年报告的指标表：总结2024年、谋划2025年"
    assert any("只填黄色单元格" in line for line in guide)


def test_check_lists_what_to_fill_and_build_writes_nothing(tmp_path):
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--unit", "平阳县科学技术局", "--year", "2025", check=True)
    proc = reportgen("-C", str(ws), "check", "2025")
    assert proc.returncode == 1
    assert "要填写的数值（6）" in proc.stdout and "要设定的目标（5）" in proc.stdout
    assert "data/2025/pingyang/indicators.xlsx 指标!G4：填写 hte_new（新增高新技术企业）的2024年数值" in proc.stdout
    assert "data/2025/pingyang/indicators.xlsx 目标!E2：设定 rd_growth（全社会R&D经费支出增速）的2025年目标值" in proc.stdout
    assert "还有 11 项待填写或设定" in proc.stderr
    proc = reportgen("-C", str(ws), "build", "2025")
    assert proc.returncode == 1
    assert not list((ws / "output").rglob("*.docx")) and not list((ws / "output").rglob("*.pdf"))


def fill_like_a_person(path, values: dict, targets: dict) -> None:
    """Type a number into every highlighted cell, as someone does in Excel (openpyxl writes the
    same cell values), by the row's 编号."""
    wb = load_workbook(path)
    for sheet, numbers in ((wb["指标"], values), (wb["目标"], targets)):
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.fill.fgColor.rgb == YELLOW and cell.value is None:
                    cell.value = numbers[row[0].value]
    wb.save(path)


def test_filled_in_it_builds_the_report(tmp_path):
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--unit", "平阳县科学技术局", "--year", "2025", check=True)
    fill_like_a_person(ws / "data/2025/pingyang/indicators.xlsx",
                       {"rd_growth": 16.8, "rd_gdp_ratio": 2.41, "hte_new": 52, "sme_new": 230, "tech_trade": 18.6,
                        "hightech_va_growth": 9.7},
                       {"rd_growth": 15, "rd_gdp_ratio": 2.5, "hte_new": 60, "sme_new": 250, "tech_trade": 20})
    proc = reportgen("-C", str(ws), "check", "2025", check=True)
    assert "平阳县科学技术局：数据和模板检查通过（平阳县科学技术局2024年工作总结和2025年工作思路）" in proc.stdout
    assert "待办" not in proc.stdout
    reportgen("-C", str(ws), "build", "2025", check=True)
    out = ws / "output/2025"
    d = docx.Document(str(out / "平阳县科学技术局2024年工作总结和2025年工作思路.docx"))
    text = "".join(p.text for p in d.paragraphs)
    # each figure as typed into the sheet, in the sheet's precision and the type's wording
    assert "全社会R&D经费支出增速16.8%，占GDP比重2.41%" in text
    assert "全年新增高新技术企业52家，新增省科技型中小企业230家" in text
    assert "全年技术交易额18.60亿元" in text
    assert ("2025年，全社会R&D经费支出增长15%以上，占GDP比重达到2.5%，新增高新技术企业60家以上，"
            "新增省科技型中小企业250家以上，技术交易额超过20亿元") in text
    assert "—" not in text
    with pdfplumber.open(str(out / "平阳县科学技术局2024年工作总结和2025年工作思路.pdf")) as pdf:
        pdf_text = re.sub(r"\s", "", "".join((page.extract_text() or "") for page in pdf.pages))
    assert "平阳县科学技术局" in pdf_text and "新增高新技术企业52家" in pdf_text


def test_without_unit_a_script_is_told_and_a_terminal_is_asked(tmp_path):
    proc = reportgen("init", str(tmp_path / "a"))
    assert proc.returncode == 1 and "没有指定单位" in proc.stderr and "--unit 单位全称" in proc.stderr
    assert not (tmp_path / "a").exists()
    proc = reportgen("init", str(tmp_path / "b"), "--sample", "--unit", "平阳县科学技术局")
    assert proc.returncode == 2 and not (tmp_path / "b").exists()

    import pty

    master, slave = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "reportgen", "init", str(tmp_path / "c"), "--year", "2025"],
                             stdin=slave, stdout=slave, stderr=slave, env={**os.environ, "LANGUAGE": "zh_CN"})
    os.close(slave)
    seen = b""
    answered = False
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        assert ready, seen.decode("utf-8", "replace")
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if not answered and "单位全称".encode() in seen:
            os.write(master, "温州市龙湾区科学技术局\n".encode())
            answered = True
    assert child.wait(60) == 0, seen.decode("utf-8", "replace")
    os.close(master)
    assert "龙湾区科学技术局" in (tmp_path / "c/data/units.yaml").read_text("utf-8")
    assert (tmp_path / "c/data/2025/longwan/indicators.xlsx").is_file()


def test_a_name_with_yaml_characters_is_kept_as_typed(tmp_path):
    import yaml

    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--unit", "某某: 区#科学技术局", "--id", "moumou", "--year", "2025", check=True)
    units = yaml.safe_load((ws / "data/units.yaml").read_text("utf-8"))
    assert units["moumou"]["name"] == "某某: 区#科学技术局"
    assert yaml.safe_load((ws / "reportgen.yaml").read_text("utf-8"))["name"] == "某某: 区#科学技术局"
    proc = reportgen("init", str(tmp_path / "bad"), "--unit", "平阳县科学技术局", "--id", "平阳")
    assert proc.returncode == 1 and "单位编号“平阳”无效" in proc.stderr and not (tmp_path / "bad").exists()
