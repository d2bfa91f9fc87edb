"""Issue 11 golden tests: the sample units modelled on published reports of other bureaus —
平阳 2023 report (2022 annual summary + plan: run-in （一）（二）, an inline 一是/二是 list with bold lead
sentences, free sections, the completion table where the text places it, four heading levels, an
annex whose title has ASCII punctuation), 平阳 2026 (half-year report, results_year 2026), 瓯海 2023 (十四五 mid-term
evaluation with a progress chart) and 金东 2026 (work points, plan only) — built by the real CLI
with no template override, read back with python-docx and pdfplumber.

Every expected text here is worked out from the data files by hand (completion 23.54÷22 = 107%,
progress (372−218)÷(550−218) = 46.4% …), not copied from the program's output."""

import io
import re
import subprocess
import zipfile
from pathlib import Path

import docx
import pdfplumber
import pytest
import yaml

from conftest import REPO, reportgen, require_tool

SAMPLE = REPO / "reportgen/sample/data"
UNITS = {  # (report year, unit) → title stem
    (2023, "pingyang"): "平阳县科学技术局2022年工作总结和2023年工作思路",
    (2026, "pingyang"): "平阳县科学技术局2026年上半年工作总结及下半年工作思路",   # results_year: 2026
    (2023, "ouhai"): "瓯海区科学技术局“十四五”科技创新规划实施情况中期评估报告",
    (2026, "jindong"): "金华市金东区科学技术局2026年工作要点",
}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    require_tool("pdftoppm")
    ws = tmp_path_factory.mktemp("kinds11") / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    assert not list((ws / "templates").glob("*.md.j2"))          # no template override anywhere
    reportgen("-C", str(ws), "build", "2023", check=True)
    reportgen("-C", str(ws), "build", "2026", check=True)
    out = {}
    for (year, unit), stem in UNITS.items():
        out[unit, year] = {fmt: ws / "output" / str(year) / f"{stem}.{fmt}" for fmt in ("docx", "pdf")}
        assert all(p.is_file() for p in out[unit, year].values()), out[unit, year]
    out["ws"] = ws
    return out


def docx_paras(path):
    return [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def docx_text(path):
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join(docx_paras(path) + cells)


def pdf_text(path):
    with pdfplumber.open(str(path)) as pdf:
        return "".join(re.sub(r"\s", "", page.extract_text() or "") for page in pdf.pages)


def both(built, unit, year):
    d = built[unit, year]
    return {"docx": re.sub(r"\s", "", docx_text(d["docx"])), "pdf": pdf_text(d["pdf"])}


# ---------------------------------------------------------------- data, not typed figures
@pytest.mark.parametrize("year,unit", list(UNITS))
def test_narrative_types_no_figure(year, unit):
    """Every number of the narrative comes from {{ … }}: outside expressions and comments, the
    report.yaml text has no digit (dates of issue aside)."""
    text = (SAMPLE / str(year) / unit / "report.yaml").read_text("utf-8")
    text = "\n".join(line.split("#")[0] for line in text.splitlines()
                     if not line.startswith(("date:", "results_year:")))
    text = re.sub(r"\{\{.*?\}\}", "", text, flags=re.S)
    assert not re.findall(r"\d", text)


@pytest.mark.parametrize("year,unit", list(UNITS))
def test_every_figure_traced_to_a_cell(built, year, unit):
    from reportgen.check.provenance import figures, untraced
    from reportgen.core.workspace import Workspace
    from reportgen.pipeline import document_for, load_year

    ws = Workspace(built["ws"])
    uy = load_year(ws, year, [unit]).units[unit]
    doc, _source = document_for(ws, uy)
    assert untraced(doc) == []
    assert len(figures(doc)) >= 8


def test_check_passes(built):
    for year in (2023, 2026):
        proc = reportgen("-C", str(built["ws"]), "check", str(year))
        assert proc.returncode == 0, proc.stdout + proc.stderr


# ---------------------------------------------------------------- structure (平阳 2022)
def test_headings_to_four_levels_in_the_reports_words(built):
    for text in both(built, "pingyang", 2023).values():
        for heading in ("一、2022年工作总结", "二、存在的问题和不足", "三、2023年工作思路", "（三）强化保障",
                        "1.组织保障", "（1）健全领导小组工作机制", "（2）完善考核办法", "2.要素保障"):
            assert heading in text
        assert text.index("二、存在的问题和不足") < text.index("三、2023年工作思路")


def test_run_in_headings_docx(built):
    d = docx.Document(str(built["pingyang", 2023]["docx"]))
    para = next(p for p in d.paragraphs if p.text.startswith("（一）扎实推进"))
    assert para.text.startswith("（一）扎实推进科技工作，超额完成年度任务。全县规上工业企业研发费用23.54亿元")
    def east_asia(rpr):
        fonts = rpr.find(f"{W}rFonts") if rpr is not None else None
        return fonts.get(f"{W}eastAsia") if fonts is not None else None

    fonts = [(r.text, east_asia(r._r.rPr)) for r in para.runs]
    head = [f for t, f in fonts if t in ("（一）", "扎实推进科技工作，超额完成年度任务。")]
    body = [f for t, f in fonts if "全县" in t]
    assert head and set(head) == {"楷体_GB2312"}                      # the heading's face on its runs
    assert body and set(body) == {None}                               # the body text: the paragraph style's
    assert east_asia(para.style.element.rPr) == "仿宋_GB2312"


def test_run_in_headings_pdf(built):
    with pdfplumber.open(str(built["pingyang", 2023]["pdf"])) as pdf:
        chars = pdf.pages[0].chars
    text = "".join(c["text"] for c in chars)
    i, j = text.index("扎实推进"), text.index("全县规上")
    assert chars[j]["top"] - chars[i]["top"] < 30          # same paragraph (same or next line)
    assert chars[i]["fontname"] != chars[j]["fontname"]   # heading face (楷) vs body face (仿宋)
    assert "楷" in chars[i]["fontname"] or "Kai" in chars[i]["fontname"]


def test_inline_list_with_bold_lead_sentences(built):
    d = docx.Document(str(built["pingyang", 2023]["docx"]))
    para = next(p for p in d.paragraphs if p.text.startswith("（二）优化创新创业生态"))
    assert re.search(r"一是获批省科技特派团试点。.+二是迭代升级科技创新政策。.+三是构建“金融\+科技”服务体系。", para.text)
    bold = [r.text for r in para.runs if r.bold]
    assert bold == ["获批省科技特派团试点。", "迭代升级科技创新政策。", "构建“金融+科技”服务体系。"]
    with pdfplumber.open(str(built["pingyang", 2023]["pdf"])) as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
    text = "".join(c["text"] for c in chars)
    lead = text.index("获批省科技特派团试点")
    after = text.index("围绕智能装备")
    assert "Bold" in chars[lead]["fontname"] and "Bold" not in chars[after]["fontname"]


def test_lists_with_and_without_lead_ins(built):
    paras = docx_paras(built["jindong", 2026]["docx"])
    # inline: one paragraph; a one-item list has no 一是; numbered: false has none either
    assert "一是深化规上企业研发活动“清零”行动；二是落实研发费用加计扣除等惠企政策；三是对研发投入增长快的企业给予奖励。" in paras
    assert "用好“揭榜挂帅”机制引进高层次人才团队。" in paras
    assert "加强组织领导，把重点任务分解到责任单位并按季度督查。" in paras
    pdf = pdf_text(built["jindong", 2026]["pdf"])
    assert "一是深化规上企业研发活动“清零”行动；二是落实" in pdf
    assert "一是用好" not in pdf and "一是加强组织领导" not in pdf


def test_completion_table_where_the_text_places_it(built):
    d = docx.Document(str(built["pingyang", 2023]["docx"]))
    order = ["TABLE" if isinstance(x, docx.table.Table) else x.text for x in d.iter_inner_content()]
    table = order.index("TABLE")                                   # the first table: completion
    assert order.index(next(x for x in order if x.startswith("（二）优化"))) < table
    assert table < order.index("注：完成率＝本年实际值÷本年目标值；名次为全市各县（市、区）中的位次。")
    assert table < order.index("二、存在的问题和不足")
    rows = [[c.text for c in r.cells] for r in d.tables[0].rows]
    # 23.54÷22, 112.64÷88, 19.1÷15, 12.9÷7.5, 47.5÷50
    assert [r[3] for r in rows[1:]] == ["107.0%", "128.0%", "127.3%", "172.0%", "95.0%"]
    pdf = pdf_text(built["pingyang", 2023]["pdf"])
    assert pdf.index("三是构建") < pdf.index("2022年主要目标完成情况") < pdf.index("二、存在的问题和不足")


def test_annex_title_with_ascii_punctuation(built):
    for text in both(built, "pingyang", 2023).values():
        assert "附件1" in text and "主要指标(2021-2022年,R&D)" in text and "\\" not in text


# ---------------------------------------------------------------- figures
def test_rank_wordings_and_several_ranks_per_indicator(built):
    for text in both(built, "pingyang", 2023).values():
        assert "年度任务完成率107%，全市排名第2；比上年增长25.0%，增速全市排名第2" in text
        assert "研发费用占营业收入比重3.05%，居全市第2位、位列全省第14" in text       # two scopes, one row
        assert "高新技术产业增加值112.64亿元，全市第4名；年度任务完成率128%，全市排名第2" in text
        assert "新增孵化空间面积12.9万平方米，是上年的2.3倍，实现翻一番，年度任务完成率172%，位列全市第1" in text
    for text in both(built, "pingyang", 2026).values():
        assert "完成率48.3%，位居全市第2位" in text and "全市第2。" in text


def test_per_value_decimals_and_times(built):
    d = docx.Document(str(built["pingyang", 2023]["docx"]))
    annex = [[c.text for c in r.cells] for r in d.tables[1].rows]
    assert annex[4] == ["技术市场交易额", "15.36亿元", "19.1亿元", "增长24.3%"]        # 19.1, not 19.10
    assert annex[5] == ["新增孵化空间面积", "5.6万平方米", "12.9万平方米", "增长1.3倍"]  # 12.9÷5.6 = 2.30
    pdf = pdf_text(built["pingyang", 2023]["pdf"])
    assert "15.36亿元19.1亿元增长24.3%" in pdf and "增长1.3倍" in pdf


def test_completion_rate_kind_over_100(built):
    for text in both(built, "jindong", 2026).values():
        assert "省科创强基重大项目投资完成率165.5%，全市排名第1" in text
        assert "提升幅度0.3个百分点，位列全省第2" in text


# ---------------------------------------------------------------- kinds
def test_default_titles_declared_by_the_kinds(built):
    for (year, unit), stem in UNITS.items():
        paras = docx_paras(built[unit, year]["docx"])
        assert "".join(paras[:2]) == stem or "".join(paras[:3]) == stem


def test_half_year_against_elapsed_time(built):
    d = docx.Document(str(built["pingyang", 2026]["docx"]))
    rows = [[c.text for c in r.cells] for r in d.tables[0].rows]
    assert rows[0] == ["指标", "全年目标", "完成", "完成率", "对照序时进度50%"]
    # 12.95÷27 = 48.0% < 50; 11.6÷22 = 52.7% ≥ 50 (the 2026 annual targets of the half-year folder)
    assert rows[1] == ["规上工业企业研发费用", "力争27亿元", "12.95亿元", "48.0%", "慢于序时"]
    assert rows[3] == ["技术市场交易额", "超过22亿元", "11.6亿元", "52.7%", "快于序时"]
    assert "力争全年技术市场交易额超过22亿元" in docx_text(built["pingyang", 2026]["docx"])


def test_work_points_are_a_plan_only(built):
    text = docx_text(built["jindong", 2026]["docx"])
    assert "工作总结" not in text and "二、工作目标" in text and "三、重点任务" in text
    assert "全社会R&D经费支出占GDP比重力争3.4%，高新技术产业增加值增长15%以上" in text


def _images(docx_path):
    with zipfile.ZipFile(docx_path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}


def test_midterm_progress_and_chart(built, tmp_path):
    paths = built["ouhai", 2023]
    for text in both(built, "ouhai", 2023).values():
        # time progress (2022−2020)÷5 = 40%; 超前: rd_gdp, ent_rd, pct, hte, hightech_inv, tech_trade;
        # reached (≥100%): ent_rd 375%, hightech_inv 134.8%, tech_trade 134.3%; 滞后: researchers, labour, digital
        assert "序时进度为40%。主要指标中，进度超前的6项，其中已提前实现规划目标的3项；进度正常的4项；进度滞后的3项。" in text
        assert "高新技术企业数量家21830037255046.4%超前" in text           # (372−218)÷(550−218) = 46.4%
    # the DOCX: the chart as one PNG picture, its caption above it
    images = _images(paths["docx"])
    assert len(images) == 1
    png = next(iter(images.values()))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image
    img = Image.open(io.BytesIO(png))
    assert img.width > 1000 and img.height > img.width / 4
    paras = docx_paras(paths["docx"])
    assert "主要指标目标进度与序时进度" in paras
    # the PDF: vector graphics on the chart's page, no raster image anywhere
    with pdfplumber.open(str(paths["pdf"])) as pdf:
        assert all(not p.images for p in pdf.pages)
        page = next(p for p in pdf.pages if "主要指标目标进度与序时进度" in (p.extract_text() or ""))
        assert len(page.curves) + len(page.rects) > 100


def test_chart_from_the_same_numbers_as_the_table(built):
    from reportgen.core.workspace import Workspace
    from reportgen.model import Chart, Table
    from reportgen.pipeline import document_for, load_year

    ws = Workspace(built["ws"])
    doc, _ = document_for(ws, load_year(ws, 2023, ["ouhai"]).units["ouhai"])
    chart = next(b for b in doc.blocks if isinstance(b, Chart))
    table = next(b for b in doc.blocks if isinstance(b, Table))
    assert chart.reference == 40.0 and chart.reference_label == "序时进度"
    progress = {r[0].text: r[-2].text for r in table.rows[1:]}
    assert {r.label: (f"{r.value:.1f}%" if r.value is not None else "—") for r in chart.rows} == progress


def test_chart_bytes_are_deterministic(built, tmp_path):
    ws = built["ws"]
    out = tmp_path / "again"
    reportgen("-C", str(ws), "build", "2023", "--unit", "ouhai", "--out", str(out), "--force", check=True)
    stem = UNITS[2023, "ouhai"]
    for fmt in ("docx", "pdf"):
        assert (out / f"{stem}.{fmt}").read_bytes() == built["ouhai", 2023][fmt].read_bytes()


def test_png_of_one_page_per_unit(built, tmp_path):
    """One page of each new unit rendered as the closing note shows it (pdftoppm -r 60)."""
    for (year, unit) in UNITS:
        prefix = tmp_path / f"{unit}{year}"
        subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(built[unit, year]["pdf"]),
                        str(prefix)], check=True)
        page = next(tmp_path.glob(f"{unit}{year}*.png"))
        assert page.stat().st_size > 10_000


# ---------------------------------------------------------------- errors
def test_unknown_kind_is_an_error(built, tmp_path):
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    report = ws / "data/2026/jindong/report.yaml"
    report.write_text(report.read_text("utf-8").replace("template: work_points", "template: work_pionts"), "utf-8")
    proc = reportgen("-C", str(ws), "build", "2026", "--unit", "jindong")
    assert proc.returncode == 1
    assert "没有模板（文档种类）work_pionts" in proc.stdout + proc.stderr
    assert "work_points" in proc.stdout + proc.stderr                   # the close name is suggested
    assert not list((ws / "output").rglob("*.docx"))


def test_a_new_kind_without_a_title_is_an_error(built, tmp_path):
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    (ws / "templates/brief.md.j2").write_text("::: title\n{{ doc.title_lines[0] }}\n:::\n\n正文\n", "utf-8")
    report = ws / "data/2026/jindong/report.yaml"
    report.write_text(report.read_text("utf-8").replace("template: work_points", "template: brief"), "utf-8")
    proc = reportgen("-C", str(ws), "build", "2026", "--unit", "jindong")
    assert proc.returncode == 1 and "模板 brief 没有声明默认标题" in proc.stdout + proc.stderr


def test_structure_errors_name_the_line_and_key(built, tmp_path):
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    report = ws / "data/2026/jindong/report.yaml"
    data = yaml.safe_load(report.read_text("utf-8"))
    data["body"][2]["sections"][0]["itemz"] = ["x"]
    data["body"][1]["table"] = "complete"
    report.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    proc = reportgen("-C", str(ws), "build", "2026", "--unit", "jindong")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert re.search(r"report\.yaml:\d+（body\.2\.sections\.0）：不认识的键 itemz", out)
    assert re.search(r"report\.yaml:\d+（body\.1\.table）：应为以下之一", out)


# ---------------------------------------------------------------- the reference
def test_reference_is_generated_from_the_schema():
    from reportgen.app.report_doc import examples, reference
    from reportgen.read.structure import Section, Structure

    assert (REPO / "docs/report-yaml.md").read_text("utf-8") == reference()
    for example in examples():
        Structure.model_validate(example)
    text = reference()
    for name in (*Structure.model_fields, *Section.model_fields):
        assert f"| `{name}` |" in text


# ---------------------------------------------------------------- overrides keep the rest
def _override(tmp_path, template: str, report_text: str | None = None):
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    (ws / "templates/summary_plan.md.j2").write_text(template, "utf-8")
    if report_text is not None:
        (ws / "data/2023/pingyang/report.yaml").write_text(report_text, "utf-8")
    proc = reportgen("-C", str(ws), "build", "2023", "--unit", "pingyang", "--format", "docx")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, next((ws / "output/2023").glob("平阳*.docx"))


def test_overriding_the_summary_keeps_the_completion_table(tmp_path):
    report = ("template: summary_plan\ndate: 2023-01-16\nsummary:\n"
              "  - 全县规上工业企业研发费用{{ ind.ent_rd_exp }}。\n  - 新增高新技术企业{{ ind.hte_new }}。\n"
              "plan:\n  sections:\n    - title: 聚焦研发投入\n      text: 力争研发费用达{{ t.ent_rd_exp.plain }}。\n")
    proc, path = _override(tmp_path, '{% extends "summary_plan.md.j2" %}{% block summary %}\n# 改写的总结\n\n'
                                     '全年工作稳步推进。\n{% endblock %}', report)
    d = docx.Document(str(path))
    paras = [p.text for p in d.paragraphs if p.text.strip()]
    assert "一、改写的总结" in paras and "二、2023年工作思路" in paras
    assert [[c.text for c in r.cells] for r in d.tables[0].rows][1][3] == "107.0%"     # 23.54÷22
    assert "警告" not in proc.stdout


def test_overriding_the_block_that_held_the_table_is_not_silent(tmp_path):
    proc, path = _override(tmp_path, '{% extends "summary_plan.md.j2" %}{% block body %}\n# 改写\n\n正文。\n'
                                     '{% endblock %}')
    headers = [[c.text for c in t.rows[0].cells] for t in docx.Document(str(path)).tables]
    assert headers == [["指标", "2021年", "2022年", "比上年"]]              # the annex only
    assert "警告" in proc.stdout and "没有目标完成情况表" in proc.stdout
