"""Every document kind of the seeds, built by the real CLI from the sample workspace's data and
templates, read back with python-docx (and pdfplumber), compared with the seeds' own text.

The seeds are scraped web pages: their punctuation is half-width and Latin letters are sometimes
lower-cased (r&d, gdp). The comparison maps punctuation to full width, ignores white space and
letter case, and knows the places where the generated document differs in form only:
run-in headings (“1.标题。正文”) become a heading line and a paragraph, and lead-ins are always
generated (seed 004 writes “三健全”, missing 是)."""

import re
from pathlib import Path

import docx
import pdfplumber
import pytest
from openpyxl import load_workbook

from conftest import FIXTURES, reportgen, require_tool
from reportgen.read.documents import specs

FULLWIDTH = str.maketrans({",": "，", "(": "（", ")": "）", ";": "；", ":": "：", "?": "？", "!": "！"})


def norm(text: str) -> str:
    return re.sub(r"\s+", "", text.translate(FULLWIDTH)).lower()


def seed(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


def between(text: str, start: str, end: str, nth: int = 1) -> str:
    i = -1
    for _ in range(nth):
        i = text.index(start, i + 1)
    return text[i:text.index(end, i) + len(end)]


def unrun(text: str) -> str:
    """A run-in heading “1.标题。正文” or “(二)标题。正文” as the document sets it: heading, then text."""
    return re.sub(r"^(\s*(?:\d+\.|[（(][一二三四五六七八九十]+[)）])[^。\n]{2,30}?)。", r"\1", text, flags=re.M)


def body(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def tables(path: Path) -> list[list[list[str]]]:
    return [[[c.text for c in r.cells] for r in t.rows] for t in docx.Document(str(path)).tables]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample workspace with every year built: {title: docx path}, plus the PDFs of 瓯海 and 新昌."""
    ws = tmp_path_factory.mktemp("kinds") / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    reportgen("-C", str(ws), "build", "2021", "--unit", "ouhai,xinchang", check=True)              # DOCX and PDF
    reportgen("-C", str(ws), "build", "2021", "--unit", "wenzhou_city", "--format", "docx", check=True)
    reportgen("-C", str(ws), "build", "2024", "--format", "docx", check=True)
    docs = {p.stem: p for p in (ws / "output").rglob("*.docx")}
    return ws, docs


# ------------------------------------------------------------------ 瓯海区“十四五”规划 (seeds 000, 001)
OUHAI = "瓯海区科学技术发展“十四五”规划"
ANNEX_1 = [  # seed 001, 附件1, as published — except [18.53], which is not 55 − 36.5 (see test_derive)
    ["指标", "单位", "2020年基数", "2025年目标", "年均增长[累计提高]", "指标属性"],
    ["R&D经费占地区生产总值的比重", "%", "3.14", "3.5左右", "—", "预期性"],
    ["规上工业企业研究开发费支出占营业收入比重", "%", "3.46", "3.5", "[0.04]", "预期性"],
    ["高新技术产业增加值占规模以上工业增加值比重", "%", "36.5", "55", "[18.5]", "预期性"],
    ["每万名就业人员中研发人员", "人年", "158.67", "285", "12.4%", "预期性"],
    ["全社会劳动生产率", "万元/人", "13.3", "25", "13.5%", "预期性"],
    ["国际专利（PCT）申请量", "件", "26", "38", "7.9%", "预期性"],
    ["数字经济增加值", "亿元", "38.76", "85", "17%", "预期性"],
    ["高新技术企业数量", "家", "218", "550", "20.3%", "预期性"],
    ["科技型中小企业数量", "家", "1064", "2000", "13.5%", "预期性"],
    ["顶尖人才和领军人才", "人", "—", "28", "—", "预期性"],
    ["本级财政科技拨款占经常性支出比重", "%", "6.3", "6以上", "—", "预期性"],
    ["高新技术产业投资增速", "%", "3.1", "10", "[6.9]", "预期性"],
    ["每万人高价值发明专利拥有量", "件", "9.3", "15", "10%", "预期性"],
    ["技术（合同）交易总额", "亿元", "11.5", "15以上", "—", "预期性"],
]


def toc_headings() -> list[str]:
    """The chapter and section headings of seed 000's table of contents, page numbers dropped."""
    toc = between(seed("seed_000_ouhai_plan_head.txt"), "一、基础与形势 1", "(四)营造创新氛围 289")
    out = []
    for line in toc.splitlines():
        line = line.strip()
        if line and not line.startswith("附件"):
            out.append(re.sub(r"\s*\d+$", "", line).translate(FULLWIDTH))
    return out


def test_ouhai_plan_headings_follow_the_seeds_table_of_contents(built):
    _, docs = built
    heads = [p for p in body(docs[OUHAI]) if re.match(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)", p)]
    assert heads == toc_headings()
    assert len(heads) == 12 + 39


def test_ouhai_plan_text_is_the_seeds(built):
    _, docs = built
    text = norm("".join(body(docs[OUHAI])))
    head, tail = seed("seed_000_ouhai_plan_head.txt"), seed("seed_001_ouhai_plan_tail.txt")
    passages = [
        between(head, "“十四五”时期是瓯海区", "规划年限为2021年至2025年。"),
        between(head, "“十三五”期间,瓯海区科技创新工作", "活力创新之都。"),
        unrun(between(head, "1.科创综合实力显著提升", "跻身中国高校孵化器10强。")),
        unrun(between(head, "数字经济大厦", "其中省级2家、市级4家。")),
        unrun(between(head, "3.创新主体建设成效显著", "累计承担各级科技计划项目473项。")),
        unrun(between(tail, "(二)推动生命健康领域科技创新", "提升储能技术研究战略科技力量")),
        unrun(between(tail, "抢占绿色低碳科技创新制高点", "保障食品质量安全。")),
        unrun(between(tail, "十一、实施科技治理能力提升工程", "勇于探索、鼓励创新、宽容失败的制度环境和社会氛围。")),
    ]
    for passage in passages:
        assert norm(passage) in text, passage[:40]
    assert "附件：1.“十四五”科技创新主要指标" in body(docs[OUHAI])
    assert "2.“十四五”科技创新平台清单" in body(docs[OUHAI])


def test_ouhai_annex_tables_are_computed_like_the_seed(built):
    _, docs = built
    annex, platforms = tables(docs[OUHAI])
    assert annex == ANNEX_1
    assert platforms[0] == ["序号", "平台名称", "“十四五”发展举措和发展目标"]
    assert platforms[1] == ["一、世界青年科学家峰会成果主要承接平台"] * 3          # one merged row
    assert platforms[2][:2] == ["1", "世界青年科学家创业孵化器"]
    assert norm(platforms[2][2]) == norm(between(seed("seed_001_ouhai_plan_tail.txt"), "总规划面积4.3万平方米",
                                                   "全方位支持入驻企业快速健康成长。"))
    paras = body(docs[OUHAI])
    assert paras.index("附件1") < paras.index("附件2") and "注：[]为五年累计数。" in paras


def test_ouhai_pdf_carries_the_computed_columns(built):
    require_tool("pdffonts")
    ws, _ = built
    pdf = next((ws / "output/2021").glob(f"{OUHAI}.pdf"))
    with pdfplumber.open(str(pdf)) as doc:
        text = re.sub(r"\s", "", "".join(p.extract_text() or "" for p in doc.pages))
    for figure in ("[0.04]", "[18.5]", "12.4%", "13.5%", "7.9%", "17%", "20.3%", "[6.9]", "10%", "3.5左右", "15以上"):
        assert figure in text, figure


# ------------------------------------------------------------------ 新昌县2021年度科技创新发展规划 (seed 004)
def test_xinchang_annual_plan_is_the_seed(built):
    _, docs = built
    paras = body(docs["2021年度科技创新发展规划"])
    assert paras[0] == "2021年度科技创新发展规划"
    assert paras[-2:] == ["新昌县科学技术局", "2021年7月27日"]
    expected = between(seed("seed_004_xinchang_plan.txt"), "2021年是建党100周年", "宽容失败的浓厚社会氛围。")
    expected = unrun(expected).replace("三健全技术创新中心体系", "三是健全技术创新中心体系")
    assert norm("".join(paras[1:-2])) == norm(expected)
    heads = [p for p in paras if re.match(r"^(（[一二三四]）|\d\.)", p)]
    assert heads == ["（一）突出一条主线", "（二）紧盯两个目标", "（三）启动三大创建", "（四）实施六大工程",
                     "1.实施自主创新开源工程", "2.实施高新产业强链工程", "3.实施创新平台提能工程",
                     "4.实施科技人才聚变工程", "5.实施科技富民惠民工程", "6.实施创新治理优化工程"]
    leads = [p[:2] for p in paras if p[:2] in ("一是", "二是", "三是")]
    assert leads == ["一是", "二是", "三是"] * 7


def test_xinchang_targets_come_with_their_qualifiers(built):
    _, docs = built
    text = "".join(body(docs["2021年度科技创新发展规划"]))
    for phrase in ("力争达5%左右", "力争达4%左右", "高新技术产业增加值占规上工业比重超过90%", "达350人年",
                   "全社会劳动生产率达到25万元/人", "达到80件以上", "高新技术企业突破400家", "科技型中小企业突破1400家",
                   "年均增长10%以上", "达到100支以上", "年均增长15%以上", "保持在10%以上", "建设新型研发机构10家"):
        assert phrase in text, phrase


def test_annual_plan_can_attach_its_targets(tmp_path):
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    report = ws / "data/2021/xinchang/report.yaml"
    report.write_text(report.read_text("utf-8").replace("first_level: 2", "first_level: 2\ntargets_year: 2025"), "utf-8")
    reportgen("-C", str(ws), "build", "2021", "--unit", "xinchang", "--format", "docx", check=True)
    path = next((ws / "output/2021").glob("2021*.docx"))
    assert "附件：2025年主要目标" in body(path)
    rows = tables(path)[0]
    assert rows[0] == ["序号", "指标", "目标"] and len(rows) == 14
    assert ["3", "高新技术产业增加值占规上工业比重", "超过90%"] in rows


# ------------------------------------------------------------------ news (seed 003)
NEWS = "坚定走好科技创新“华山一条路”浙江温州全面掀起科创高地建设热潮"


def test_news_is_the_seed(built):
    _, docs = built
    paras = body(docs[NEWS])
    assert paras[:3] == ["坚定走好科技创新“华山一条路”", "浙江温州全面掀起科创高地建设热潮", "浙江省科技厅　2021年9月2日"]
    expected = between(seed("seed_003_wenzhou_news.txt"), "今年以来,瓯江实验室开辟", "奋力书写“创新之城”新传奇……", nth=2)
    assert norm("".join(paras[3:])) == norm(expected)


# ------------------------------------------------------------------ 鹿城: the combined form, and each part alone
def variant(tmp_path: Path, template: str, title: str) -> list[str]:
    ws = tmp_path / template
    reportgen("init", str(ws), "--sample", check=True)
    report = ws / "data/2024/lucheng/report.yaml"
    text = re.sub(r"(?m)^template: summary_plan$", lambda m: f"template: {template}\ntitle: {title}",
                  report.read_text("utf-8"))
    text = re.sub(r"(?ms)^documents:\n(?:  .*?\n)+", "", text)      # this one document only
    report.write_text(text, "utf-8")
    reportgen("-C", str(ws), "check", "2024", check=True)
    reportgen("-C", str(ws), "build", "2024", "--unit", "lucheng", "--format", "docx", check=True)
    (path,) = (ws / "output/2024").glob("*.docx")
    return path


def test_summary_alone(tmp_path):
    path = variant(tmp_path, "summary", '"{{ unit.name }}\\n{{ year }}年工作总结"')
    paras = body(path)
    assert paras[:2] == ["鹿城区科学技术局", "2023年工作总结"]
    assert paras[3] == "一、2023年重点工作完成情况"
    assert [p[:2] for p in paras[4:9]] == ["一是", "二是", "三是", "四是", "五是"]
    assert "全年新增高新技术企业44家、省科技型中小企业213家" in paras[6]
    assert not any("工作思路" in p for p in paras)
    assert paras[-2:] == ["鹿城区科学技术局", "2024年1月31日"]


def test_plan_alone_with_its_targets(tmp_path):
    path = variant(tmp_path, "plan", '"{{ unit.name }}\\n{{ next_year }}年工作思路"')
    paras = body(path)
    assert paras[:2] == ["鹿城区科学技术局", "2024年工作思路"]
    assert paras[2].startswith("新的一年") and "实现全社会R&D经费增长15%以上、占GDP比重达到1.85%" in paras[2]
    heads = [p for p in paras if re.match(r"^[一二三四]、", p)]
    assert heads == ["一、提升科创平台“强支撑”，打造创新驱动“放大器”", "二、构建孵化育成“全链条”，加速科技成果“大转化”",
                     "三、培育企业创新“大梯队”，提升产业竞争“硬实力”", "四、推进开放创新“大协同”，厚植科创生态“肥沃土”"]
    assert not any("重点工作完成情况" in p for p in paras)
    targets = tables(path)[0]
    assert len(targets) == 15 and targets[1] == ["1", "全社会R&D经费增长", "15%以上"]
    assert targets[14] == ["14", "“科创指数贷”累计授信金额", "55亿元以上"]
    assert "附件：2024年主要目标" in paras


def test_news_brief_generated_from_the_figures(tmp_path):
    path = variant(tmp_path, "news", "鹿城区科技创新呈现“高峰凸显、高原崛起”发展态势")
    paras = body(path)
    assert paras[:2] == ["鹿城区科技创新呈现", "“高峰凸显、高原崛起”发展态势"]   # one title line, balanced
    paras = paras[1:]
    assert paras[1] == "鹿城区科学技术局　2024年1月31日"
    assert paras[2] == ("2023年，鹿城区科学技术局科技创新主要指标实现新突破：全社会R&D经费支出增速21.9%，"
                        "全社会R&D经费占GDP比重提升幅度0.26个百分点，新增孵化空间33.97万平方米，入驻科创企业373个，"
                        "新增高新技术企业44家，新增省科技型中小企业213家，创新券兑付金额508万元，向科技企业贷款76.46亿元。")
    assert paras[3] == ("从排名看，全社会R&D经费支出增速居全省第14名，全社会R&D经费占GDP比重提升幅度居全省第19名，"
                        "新增孵化空间居全市第2名，入驻科创企业居全市第2名。")
    assert paras[4].startswith("2024年，区科技局提出：全社会R&D经费增长15%以上，") and paras[4].endswith("累计授信金额55亿元以上。")
    assert len(paras) == 5



def test_news_with_a_named_highlight_left_blank_stops_and_names_the_cell(tmp_path):
    """report.yaml names 新增孵化空间 among the news highlights: its blank cell must not drop it from
    the news without a word (the brief once printed the other figures and exit 0)."""
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    report = ws / "data/2024/lucheng/report.yaml"
    text = re.sub(r"(?ms)^documents:\n(?:  .*?\n)+", "documents:\n  - template: news\n", report.read_text("utf-8"))
    report.write_text(text, "utf-8")
    book_path = ws / "data/2024/lucheng/indicators.xlsx"
    book = load_workbook(book_path)
    sheet = book["指标"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "incubation_area_new")
    sheet.cell(row, 6).value = None
    book.save(book_path)
    proc = reportgen("-C", str(ws), "build", "2024", "--unit", "lucheng")
    assert proc.returncode == 1            # its only document failed (EXIT_INPUT)
    assert f"indicators.xlsx 指标!F{row}" in proc.stdout + proc.stderr
    assert not list((ws / "output").rglob("*.pdf")) and not list((ws / "output").rglob("*.docx"))

def test_combined_form_is_the_default(built):
    _, docs = built
    paras = body(docs["鹿城区科学技术局2023年工作总结和2024年工作思路"])
    assert [p for p in paras if re.match(r"^[一二]、", p)] == ["一、2023年重点工作完成情况", "二、2024年工作思路"]


def test_lucheng_lists_its_documents():
    import yaml

    report = yaml.safe_load((Path(__file__).parents[1] / "reportgen/sample/data/2024/lucheng/report.yaml").read_text("utf-8"))
    got = [(s.template, s.title) for s in specs(report)]
    # no title: the template's own default title (declared next to it, in the template)
    assert got == [("summary_plan", None), ("summary", None), ("plan", None),
                   ("news", "鹿城区科技创新呈现“高峰凸显、高原崛起”发展态势")]
    from reportgen.render.jinja import default_title
    assert [default_title(None, t) for t, _ in got[:3]] == [
        "{{ unit.name }}\n{{ year }}年工作总结和{{ next_year }}年工作思路", "{{ unit.name }}\n{{ year }}年工作总结",
        "{{ unit.name }}\n{{ next_year }}年工作思路"]


def test_documents_list_problems_name_the_line():
    from reportgen.core.errors import ProblemList

    problems = ProblemList()
    assert specs({"documents": [{"title": "x"}, "news", "news"]}, "r.yaml", {"documents": 7}, problems) == [
        specs({"template": "news"})[0].__class__("news", None, "r.yaml:7")] * 2
    assert [str(p).splitlines()[0] for p in problems.problems] == [
        "r.yaml:7：documents 的第1项没有写 template", "r.yaml:7：documents 中模板 news 出现了2次且标题相同"]


# ------------------------------------------------------------------ monitoring once actual years are entered
def test_progress_table_once_actual_years_are_entered(tmp_path):
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    reportgen("-C", str(ws), "new-year", "2022", "--unit", "ouhai", check=True)
    xlsx = ws / "data/2022/ouhai/indicators.xlsx"
    wb = load_workbook(xlsx)
    sheet = wb["指标"]
    col = [c.value for c in sheet[1]].index(2021) + 1
    for r in range(2, sheet.max_row + 1):
        value = {"hte_count": 300, "sme_count": 1300, "digital_economy_va": 45}.get(sheet.cell(r, 1).value)
        if value is not None:
            sheet.cell(r, col).value = value
    wb.save(xlsx)
    # the narrative still prints 2021 values not entered: the final build is refused (issue 9),
    # a draft marks them 【待填】 and the tables are checked on it
    assert reportgen("-C", str(ws), "build", "2022", "--unit", "ouhai", "--format", "docx").returncode == 1
    reportgen("-C", str(ws), "build", "2022", "--unit", "ouhai", "--format", "docx", "--draft", check=True)
    path = next((ws / "output/2022").glob(f"{OUHAI}（草稿）.docx"))
    paras = body(path)
    assert "3.“十四五”科技创新主要指标实施进度" in paras and "附件3" in paras
    progress = tables(path)[2]
    assert progress[0] == ["指标", "单位", "2020年基数", "2021年", "2025年目标", "目标进度", "状态"]
    rows = {r[0]: r[3:] for r in progress[1:]}
    # (300−218)/(550−218) = 24.7% vs 序时进度 20% → 正常; (1300−1064)/936 = 25.2% → 超前; (45−38.76)/46.24 = 13.5% → 滞后
    assert rows["高新技术企业数量"] == ["300", "550", "24.7%", "正常"]
    assert rows["科技型中小企业数量"] == ["1300", "2000", "25.2%", "超前"]
    assert rows["数字经济增加值"] == ["45.00", "85", "13.5%", "滞后"]
    # its 2021 value was not entered (the base is 未统计): the draft marks the value and the progress
    # that needs it; the final build refuses them (tests/test_data_entry.py)
    assert rows["顶尖人才和领军人才"] == ["【待填：顶尖人才和领军人才】", "28", "【待填：顶尖人才和领军人才】", "—"]

    # the yearly monitoring report of the same data
    report = ws / "data/2022/ouhai/report.yaml"
    text = re.sub(r"(?m)^template: .*$", "template: plan_progress", report.read_text("utf-8"))
    text = re.sub(r"(?m)^title: .*$", "title: 瓯海区“十四五”科技发展规划主要指标实施进度（{{ year }}年）", text)
    report.write_text(text, "utf-8")
    reportgen("-C", str(ws), "build", "2022", "--unit", "ouhai", "--format", "docx", "--draft", check=True)
    paras = body(next((ws / "output/2022").glob("*实施进度*.docx")))
    assert paras[:2] == ["瓯海区“十四五”科技发展规划", "主要指标实施进度（2021年）"]   # one title line, balanced
    assert paras[2] == "一、主要指标总体进展"
    assert paras[3] == ("截至2021年底，规划期已过一年，序时进度为20%。14项主要指标中，进度超前的1项，正常的1项，滞后的1项，"
                        "其余11项暂无法测算（缺少基数或2021年数值）。")
    # the only lagging indicator: a list of one item has no 一是
    assert "数字经济增加值：2021年为45.00亿元，2025年目标为85亿元，目标进度13.5%，低于序时进度20%。" in paras
