"""Layout details of issue 11, on both outputs (python-docx and pdfplumber), built by the real CLI
from the sample workspace with no template override:

* a one-line title too long for the 版心 is broken into balanced lines at a word boundary;
* a list of one item gets no 一是;
* a table is followed by a blank line, never set directly on the next heading;
* a title with ASCII punctuation (an annex title) never shows escape characters.
"""

import re

import docx
import pdfplumber
import pytest
import yaml

from conftest import reportgen, require_tool, single_document
from reportgen.write.layout import balance_title_line

LONG_TITLE = "鹿城区科学技术局2023年工作总结和2024年工作思路"
ANNEX = "主要指标(2021-2025年, R&D)"


def _edit(path, change):
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    require_tool("pdftoppm")
    ws = tmp_path_factory.mktemp("layout") / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    single_document(ws)

    def lucheng(d):
        d["title"] = LONG_TITLE
        d["plan"]["sections"][0]["items"] = d["plan"]["sections"][0]["items"][:1]

    _edit(ws / "data/2024/lucheng/report.yaml", lucheng)
    _edit(ws / "data/2021/ouhai/report.yaml", lambda d: d["annexes"].update(indicators=ANNEX))
    reportgen("-C", str(ws), "build", "2024", check=True)
    reportgen("-C", str(ws), "build", "2021", "--unit", "ouhai", check=True)
    out = {}
    for p in (ws / "output").rglob("*.*"):
        if p.suffix in (".docx", ".pdf"):
            out[("lucheng" if "鹿城" in p.name else "ouhai", p.suffix[1:])] = p
    return out


def _docx_lines(path):
    return [p.text for p in docx.Document(str(path)).paragraphs]


def _pdf_lines(path):
    with pdfplumber.open(str(path)) as pdf:
        return [line for page in pdf.pages for line in (page.extract_text() or "").splitlines()]


def test_balanced_title_breaks_at_the_unit_name():
    assert balance_title_line(LONG_TITLE, 20.1) == (["鹿城区科学技术局", "2023年工作总结和2024年工作思路"], True)
    lines, ok = balance_title_line("瓯海区科学技术局2023年上半年工作总结及下半年工作思路", 20.1)
    assert ok and all(len(x) >= 3 for x in lines) and "".join(lines).startswith("瓯海区科学技术局")
    assert not any(x.endswith(("工", "上半", "十四")) for x in lines)
    # no word boundary leaves balanced lines of 3+ characters, and says so
    lines, ok = balance_title_line("甲" * 30, 20.1)
    assert not ok and len(lines) == 2 and min(map(len, lines)) >= 3
    # never a line of one or two characters
    lines, ok = balance_title_line("某某区科技局2023年工作思路及计划", 14)
    assert min(len(x) for x in lines) >= 3


def test_title_lines_docx_and_pdf(built):
    want = ["鹿城区科学技术局", "2023年工作总结和2024年工作思路"]
    assert _docx_lines(built["lucheng", "docx"])[:2] == want
    # pdfplumber reads the 0.2 em between Chinese and digits (2023 年) as a space
    assert [re.sub(r"\s", "", x) for x in _pdf_lines(built["lucheng", "pdf"])[:2]] == want


def test_one_item_list_has_no_lead_in(built):
    for lines in (_docx_lines(built["lucheng", "docx"]), _pdf_lines(built["lucheng", "pdf"])):
        text = "\n".join(lines)
        start = text.index("（一）提升科创平台")
        section = text[start:text.index("（二）", start)]
        assert "完善科技创新平台体系" in section
        assert "一是" not in section
        # the other sections (three items) keep theirs
        assert "一是" in text[text.index("（二）", start):]


def test_no_escape_characters_in_annex_title(built):
    for fmt in ("docx", "pdf"):
        lines = (_docx_lines if fmt == "docx" else _pdf_lines)(built["ouhai", fmt])
        text = "".join(lines)
        assert "\\" not in text
        assert ANNEX in [re.sub(r"\s", " ", x).strip() for x in lines] or ANNEX.replace(" ", "") in text.replace(" ", "")


def test_blank_line_after_table_docx(built):
    d = docx.Document(str(built["ouhai", "docx"]))
    body = d.element.body
    children = list(body.iterchildren())
    tables = [i for i, el in enumerate(children) if el.tag.endswith("}tbl")]
    assert tables
    for i in tables:
        nxt = children[i + 1]
        assert nxt.tag.endswith("}p")
        assert "".join(nxt.itertext()).strip() == ""


def test_blank_line_after_table_pdf(built):
    """The text after a table is a blank grid line below it — on the same page, or, when the table
    fills its page to the last line (瓯海's annex 1), on the next page's second line."""
    top, foot = 37 * 72 / 25.4, (297 - 35) * 72 / 25.4          # the 版心; page numbers below it
    with pdfplumber.open(str(built["ouhai", "pdf"])) as pdf:
        pages = pdf.pages
        for n, page in enumerate(pages):
            for table in page.find_tables():
                bottom = table.bbox[3]
                below = [w for w in page.extract_words() if bottom < w["top"] < foot]
                if not below and n + 1 < len(pages) and not any(
                        t.bbox[1] < top + 5 for t in pages[n + 1].find_tables()):
                    below, bottom = [w for w in pages[n + 1].extract_words() if w["top"] < foot], top
                if not below:
                    continue
                gap = min(w["top"] for w in below) - bottom
                assert gap > 20, f"text {gap:.1f} pt under a table on page {page.page_number}"
                return
    pytest.fail("no table followed by text found in the PDF")
