"""The indicator catalogue: xlsx (default layout or a bureau's own, through data/columns.yaml),
CSV and YAML into one tidy table across years and units; earlier years' folders; targets."""

import shutil
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook, load_workbook

from conftest import reportgen
from reportgen.read.load import inputs_of, load
from reportgen.core.errors import ReportgenError
from reportgen.core.workspace import Workspace


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def test_sample_reads_all_three_formats_into_one_tidy_table(workspace):
    ws = Workspace(workspace)
    tidy = {y: load(ws, y).tidy() for y in (2021, 2024)}        # the report years: 瓯海、新昌、温州 2021, 鹿城 2024
    t21, t23 = tidy[2021], tidy[2024]
    t20 = t21
    assert set(t21["unit"]) == {"ouhai", "xinchang", "wenzhou_city"} and set(t23["unit"]) == {"lucheng"}
    assert list(t23.columns[:2]) == ["unit", "id"]

    def value(df, unit, ind, year):
        hit = df[(df["unit"] == unit) & (df["id"] == ind) & (df["year"] == year)]["value"]
        return None if hit.empty else hit.iloc[0]

    # xlsx (鹿城, 瓯海), yaml (新昌), csv (温州): figures as the seeds print them
    assert value(t23, "lucheng", "hte_new", 2023) == 44
    assert value(t23, "lucheng", "tech_loans", 2023) == 76.46
    assert value(t20, "ouhai", "rd_gdp_ratio", 2015) == 1.99 and value(t20, "ouhai", "rd_gdp_ratio", 2020) == 3.14
    assert value(t20, "ouhai", "researchers_per_10k", 2020) == 158.67
    assert value(t21, "wenzhou_city", "sme_count", 2021) == 12067
    assert value(t21, "wenzhou_city", "graduates_new", 2020) == 10
    xin = t20[t20["unit"] == "xinchang"]
    # the seed gives targets only, and one comparison figure (绍兴市平均为5件)
    assert len(xin) == 14 and xin["value"].isna().sum() == 13
    assert value(t20, "xinchang", "shaoxing_hv_patents_per_10k", 2020) == 5
    tgt = load(ws, 2021).units["xinchang"].targets
    assert dict(zip(tgt["id"], zip(tgt["target"], tgt["qualifier"])))["hightech_va_share"] == (90, "超过")


BUREAU_HEADERS = ["代码", "名称", "计量单位", "类型", "精度", "2023年", "排名范围", "排名", "备注"]


def bureau_workbook(src: Path, dst: Path) -> None:
    """The sample's data re-laid the way a bureau might: own sheet names, a title row, own headers."""
    wb_in = load_workbook(src)
    wb = Workbook()
    ind = wb.active
    ind.title = "科技指标"
    ind.append(["鹿城区科技创新主要指标（2023年）"])
    ind.merge_cells("A1:I1")                                   # a merged title above the header is fine
    ind.append(BUREAU_HEADERS)
    for r in list(wb_in["指标"].iter_rows(values_only=True))[1:]:
        ind.append(list(r))
    tg = wb.create_sheet("年度目标")
    tg.append(["代码", "名称", "计量单位", "目标年份", "目标数", "限定词", "备注"])
    for r in list(wb_in["目标"].iter_rows(values_only=True))[1:]:
        tg.append(list(r))
    wb.save(dst)


COLUMNS_YAML = """\
# 本局表格的表头 → reportgen 的标准表头
指标:
  工作表: 科技指标
  表头行: 2
  列:
    代码: 编号
    名称: 指标名称
    计量单位: 单位
目标:
  工作表: 年度目标
  列: {代码: 编号, 名称: 指标名称, 计量单位: 单位, 目标年份: 年份, 目标数: 目标值}
"""


def test_a_bureaus_own_layout_through_columns_yaml_gives_the_same_document(tmp_path, workspace):
    reportgen("-C", str(workspace), "build", "2024", "--format", "docx", check=True)
    standard = paragraphs(next((workspace / "output/2024").glob("*工作总结和*.docx")))

    own = tmp_path / "own"
    reportgen("init", str(own), "--sample", check=True)
    xlsx = own / "data/2024/lucheng/indicators.xlsx"
    bureau_workbook(xlsx, xlsx)
    without = reportgen("-C", str(own), "check", "2024")
    assert without.returncode == 1 and "缺少工作表“指标”" in without.stderr and "data/columns.yaml" in without.stderr
    (own / "data/columns.yaml").write_text(COLUMNS_YAML, "utf-8")
    reportgen("-C", str(own), "check", "2024", check=True)
    reportgen("-C", str(own), "build", "2024", "--format", "docx", check=True)
    assert paragraphs(next((own / "output/2024").glob("*工作总结和*.docx"))) == standard


def test_mapping_in_a_units_folder_wins_and_cells_are_named_in_the_bureaus_sheet(tmp_path):
    own = tmp_path / "own"
    reportgen("init", str(own), "--sample", check=True)
    xlsx = own / "data/2024/lucheng/indicators.xlsx"
    bureau_workbook(xlsx, xlsx)
    (own / "data/columns.yaml").write_text("指标:\n  工作表: 不存在\n", "utf-8")
    (own / "data/2024/lucheng/columns.yaml").write_text(COLUMNS_YAML, "utf-8")
    wb = load_workbook(xlsx)
    wb["科技指标"]["F5"] = "约30"
    wb.save(xlsx)
    proc = reportgen("-C", str(own), "check", "2024")
    assert proc.returncode == 1
    assert "data/2024/lucheng/indicators.xlsx 科技指标!F5：“约30”不是数字" in proc.stderr


def test_earlier_years_folders_join_and_the_newer_file_wins(tmp_path, workspace):
    prev = workspace / "data/2023/lucheng"
    prev.mkdir(parents=True)
    (prev / "indicators.csv").write_text(
        "编号,指标名称,单位,类型,精度,2021,2022\n"
        "hte_new,新增高新技术企业,家,总量,0,35,40\n"
        "rd_growth,全社会R&D经费支出增速,%,增速,1,,15.3\n"
        "voucher_amount,创新券兑付金额,万元,总量,0,,100\n", "utf-8")
    (prev / "targets.csv").write_text("编号,指标名称,单位,年份,目标值,限定词\nhte_new,新增高新技术企业,家,2023,40,以上\n", "utf-8")
    # this report's sheet also holds 2022 for one indicator: that value wins over the 2023 report's folder's
    wb = load_workbook(workspace / "data/2024/lucheng/indicators.xlsx")
    sheet = wb["指标"]
    sheet["J1"] = 2022
    sheet["J25"] = 139   # voucher_amount row
    wb.save(workspace / "data/2024/lucheng/indicators.xlsx")

    uy = load(Workspace(workspace), 2024).units["lucheng"]
    from reportgen.derive import figures as derive

    figs = derive.figures(uy)
    assert figs["hte_new"].history == ((2021, 35), (2022, 40), (2023, 44))
    assert figs["hte_new"].change == "增长10.0%"
    assert figs["rd_growth"].change == "提高6.6个百分点"
    assert figs["voucher_amount"].prev == 139 and figs["voucher_amount"].change == "增长265.5%"
    done = {r["id"]: r for r in derive.completion(uy)}
    assert (done["hte_new"]["target"], done["hte_new"]["rate"], done["hte_new"]["status"]) == ("40家以上", "110.0%", "超额完成")
    assert any(p.name == "indicators.csv" and p.parent.parent.name == "2023" for p in inputs_of(Workspace(workspace), 2024, "lucheng"))

    # and through the command line, in the document
    report = workspace / "data/2024/lucheng/report.yaml"
    report.write_text(report.read_text("utf-8").replace(
        "全年新增高新技术企业{{ ind.hte_new }}", "全年新增高新技术企业{{ ind.hte_new }}（同比{{ ind.hte_new.change }}）"), "utf-8")
    reportgen("-C", str(workspace), "build", "2024", "--format", "docx", check=True)
    text = "".join(paragraphs(next((workspace / "output/2024").glob("*工作总结和*.docx"))))
    assert "全年新增高新技术企业44家（同比增长10.0%）" in text
    assert "2023年主要目标完成情况" in text  # the completion table appears once there are targets


def test_inputs_of_names_everything_the_reader_reads(workspace):
    ws = Workspace(workspace)
    (workspace / "data/columns.yaml").write_text("指标:\n  工作表: 指标\n", "utf-8")
    names = {ws.rel(p) for p in inputs_of(ws, 2021, "ouhai")}
    assert {"data/units.yaml", "data/columns.yaml", "data/2021/ouhai/indicators.xlsx", "data/2021/ouhai/report.yaml",
            "data/2021/xinchang/indicators.yaml"} <= names
    assert "data/2021/xinchang/report.yaml" not in names   # another unit's narrative does not matter


def test_yaml_rows_are_named_by_line(tmp_path):
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    path = ws / "data/2021/xinchang/indicators.yaml"
    text = path.read_text("utf-8").replace("{编号: iur_teams, 指标名称: 常年在新昌开展产学研合作的团队, 单位: 支, 类型: 总量, 精度: 0, 2020: ~}",
                                           "{编号: iur_teams, 指标名称: 常年在新昌开展产学研合作的团队, 单位: 支, 类型: 总量, 精度: 0, 2020: 很多}")
    path.write_text(text, "utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "很多" in l)
    proc = reportgen("-C", str(ws), "check", "2021")
    assert proc.returncode == 1
    assert f"data/2021/xinchang/indicators.yaml:{line}：“很多”不是数字" in proc.stderr


def test_units_without_problems_are_not_blamed_for_anothers(tmp_path):
    """A broken unit is reported; the other unit of the year adds no spurious problems."""
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    wb = load_workbook(ws / "data/2021/ouhai/indicators.xlsx")
    wb["指标"]["G3"] = "3.1四"
    wb.save(ws / "data/2021/ouhai/indicators.xlsx")
    proc = reportgen("-C", str(ws), "check", "2021")
    assert proc.returncode == 1
    assert "data/2021/ouhai/indicators.xlsx 指标!G3：“3.1四”不是数字" in proc.stderr
    assert "xinchang" not in proc.stderr and "发现" not in proc.stderr   # exactly one problem


def test_an_earlier_reports_folder_may_not_hold_its_own_report_year(workspace):
    """data/2023/lucheng sums up 2022: a 2023 column there belongs to the 2024 report (data/2024/)
    and is named, not merged silently into the 2024 build."""
    prev = workspace / "data/2023/lucheng"
    prev.mkdir(parents=True)
    wb = Workbook()
    sheet = wb.active
    sheet.title = "指标"
    sheet.append(["编号", "指标名称", "单位", "类型", "精度", 2022, 2023])
    sheet.append(["old_count", "旧表中的计数", "家", "总量", 0, 7, 9])
    wb.save(prev / "indicators.xlsx")
    proc = reportgen("-C", str(workspace), "build", "2024", "--format", "docx")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "data/2023/lucheng/indicators.xlsx 指标!G1：年份列“2023”晚于本报告总结的年份 2022" in proc.stderr
    assert not (workspace / "output/2024").exists() or not list((workspace / "output/2024").glob("*.docx"))
    # its own results year (2022) is fine: the 2023 column removed, the build goes through
    wb = load_workbook(prev / "indicators.xlsx")
    wb["指标"].delete_cols(7)
    wb.save(prev / "indicators.xlsx")
    uy = load(Workspace(workspace), 2024).units["lucheng"]
    rows = uy.indicators[uy.indicators["id"] == "old_count"]
    assert list(zip(rows["year"], rows["value"])) == [(2022, 7)]


def test_a_peer_with_a_bad_cell_stops_the_documents_that_compare_units(workspace):
    """鹿城's document ranks 新增高新技术企业 among the year's units; another unit has "约30" typed
    into an unrelated cell: that unit may not silently drop out of the ranking (rank among 2 units
    instead of 3). The comparing document stops and names the peer's file and cell; a document that
    compares nothing is built."""
    units = workspace / "data/units.yaml"
    units.write_text(units.read_text("utf-8") + "unit_b:\n  name: 乙区科学技术局\n  short_name: 乙区科技局\n"
                     "unit_c:\n  name: 丙区科学技术局\n  short_name: 丙区科技局\n", "utf-8")
    year = workspace / "data/2024"
    for uid, hte_new in (("unit_b", 50), ("unit_c", 20)):
        shutil.copytree(year / "lucheng", year / uid)
        wb = load_workbook(year / uid / "indicators.xlsx")
        assert wb["指标"]["A7"].value == "hte_new"
        wb["指标"]["F7"] = hte_new
        if uid == "unit_c":
            wb["指标"]["F3"] = "约30"       # rd_growth: a cell the ranking does not use
        wb.save(year / uid / "indicators.xlsx")
    report = year / "lucheng/report.yaml"
    text = report.read_text("utf-8")
    assert "全年新增高新技术企业{{ ind.hte_new }}、" in text
    report.write_text(text.replace("全年新增高新技术企业{{ ind.hte_new }}、",
                                   "全年新增高新技术企业{{ ind.hte_new }}（{{ ind.hte_new.peer_rank_text }}）、"), "utf-8")

    proc = reportgen("-C", str(workspace), "build", "2024", "--unit", "lucheng", "--format", "docx")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "data/2024/unit_c/indicators.xlsx 指标!F3：“约30”不是数字" in proc.stderr
    assert "内部错误" not in proc.stderr
    assert not list((workspace / "output").rglob("鹿城*.docx"))

    # unit_b's document compares nothing: unit_c's problem is not its business
    proc = reportgen("-C", str(workspace), "build", "2024", "--unit", "unit_b", "--format", "docx")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # the whole year (one worker per unit, peers read once per process): the same for 鹿城
    proc = reportgen("-C", str(workspace), "build", "2024", "--format", "docx")
    assert proc.returncode == 3, proc.stdout + proc.stderr          # some built, some failed
    assert "data/2024/unit_c/indicators.xlsx 指标!F3：“约30”不是数字" in proc.stderr
    assert not list((workspace / "output").rglob("鹿城*.docx"))

    # unit_c fixed: 鹿城's 44 is second among the three units (50, 44, 20)
    wb = load_workbook(year / "unit_c/indicators.xlsx")
    wb["指标"]["F3"] = 30
    wb.save(year / "unit_c/indicators.xlsx")
    reportgen("-C", str(workspace), "build", "2024", "--unit", "lucheng", "--format", "docx", check=True)
    doc = next((workspace / "output/2024").glob("鹿城*工作总结和*.docx"))
    assert "全年新增高新技术企业44家（第2名）" in "".join(paragraphs(doc))


def test_units_yaml_read_again_in_one_process_follows_its_edits_and_repeats_its_problems(workspace):
    """units.yaml is parsed once per process and text (a batch loads the year once a document):
    an edit made between two loads is read, and a problem in it is reported by every load."""
    ws = Workspace(workspace)
    units_yaml = workspace / "data" / "units.yaml"
    assert load(ws, 2024, ["lucheng"]).units["lucheng"].unit.name == "鹿城区科学技术局"

    units_yaml.write_text(units_yaml.read_text("utf-8").replace("鹿城区科学技术局", "鹿城区科技局"), "utf-8")
    assert load(ws, 2024, ["lucheng"]).units["lucheng"].unit.name == "鹿城区科技局"

    units_yaml.write_text(units_yaml.read_text("utf-8") + "Bad-Id:\n  name: 某单位\n", "utf-8")
    for _ in range(2):
        with pytest.raises(ReportgenError) as err:
            load(ws, 2024, ["lucheng"])
        assert [p.where for p in err.value.problems if "Bad-Id" in p.message] == ["data/units.yaml:" + str(
            units_yaml.read_text("utf-8").splitlines().index("Bad-Id:") + 1)]


def test_loading_one_unit_names_a_unit_without_a_folder_and_never_one_outside_the_year(workspace):
    ws = Workspace(workspace)
    (workspace / "data" / "2024" / ".hidden").mkdir()
    assert (workspace / "data" / "2024" / "../2021").is_dir()
    for name in ("nosuch", "../2021", ".hidden"):
        with pytest.raises(ReportgenError) as err:
            load(ws, 2024, [name])
        assert any("没有单位" in p.message and "lucheng" in p.hint for p in err.value.problems), name
