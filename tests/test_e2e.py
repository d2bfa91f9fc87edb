"""End to end: the sample built by the real CLI carries seed 002's content, figure for figure,
in the DOCX (read back with python-docx) and in the PDF (read back with pdfplumber)."""

import re

import docx
import pdfplumber
import pytest

from conftest import FIXTURES

FULLWIDTH = str.maketrans({",": "，", "(": "（", ")": "）", ";": "；", ":": "：", "?": "？", "!": "！"})
CN_ORDINALS = "一二三四五六七八九十"


def seed_body() -> str:
    """Seed 002's text as published (a scraped web page): the body cell of its table."""
    raw = (FIXTURES / "seed_002_lucheng.txt").read_text("utf-8")
    return re.sub(r"[\s|]+$", "", raw[raw.index("今年以来"):])


def norm(text: str) -> str:
    text = re.sub(r"\s+", "", text.translate(FULLWIDTH))
    # The web page sets each （一） heading run-in with a full stop; our headings are lines of their own.
    return re.sub(r"(（[一二三四五六七八九十]+）[^。（]*?”)。", r"\1", text)


@pytest.fixture(scope="module")
def docx_paragraphs(sample_build):
    return [p.text for p in docx.Document(str(sample_build[0])).paragraphs]


@pytest.fixture(scope="module")
def pdf_text(sample_build):
    with pdfplumber.open(str(sample_build[1])) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    # Drop the page numbers (— N —) at the foot of each page.
    return "".join(re.sub(r"—\s*\d+\s*—\s*$", "", t.strip()) for t in pages)


def test_docx_structure(docx_paragraphs):
    paras = [p for p in docx_paragraphs if p.strip()]
    assert paras[0] == "鹿城区科学技术局"
    assert paras[1] == "2023年工作总结和2024年工作思路"
    h1 = [p for p in paras if re.match(r"^[一二三四五六七八九十]+、", p)]
    assert h1 == ["一、2023年重点工作完成情况", "二、2024年工作思路"]
    part1 = paras[paras.index(h1[0]) + 1: paras.index(h1[1])]
    assert [p[:2] for p in part1] == ["一是", "二是", "三是", "四是", "五是"]
    part2 = paras[paras.index(h1[1]) + 1:]
    assert part2[0].startswith("新的一年") and "实现全社会R&D经费增长15%以上、占GDP比重达到1.85%" in part2[0]
    h2 = [i for i, p in enumerate(part2) if re.match(r"^（[一二三四五六七八九十]+）", p)]
    assert [part2[i][:3] for i in h2] == ["（一）", "（二）", "（三）", "（四）"]
    expected_items = [3, 3, 3, 4]
    for k, start in enumerate(h2):
        end = h2[k + 1] if k + 1 < len(h2) else len(part2)
        leads = [p[:len(CN_ORDINALS[j]) + 1] for j, p in enumerate(part2[start + 1:end]) if p.endswith(("。", "；"))]
        assert leads == [f"{CN_ORDINALS[j]}是" for j in range(expected_items[k])], part2[start:end]
    assert paras[-2:] == ["鹿城区科学技术局", "2024年1月31日"]


def test_docx_text_equals_seed(docx_paragraphs):
    paras = [p for p in docx_paragraphs if p.strip()]
    body = "".join(paras[2:-2])
    assert norm(body) == norm(seed_body())


def test_pdf_text_equals_seed(pdf_text):
    body = pdf_text
    start = body.index("今年以来")
    end = body.rindex("鹿城区科学技术局")
    assert norm(body[start:end]) == norm(seed_body())


SEED_FIGURES = re.compile(r"第?\d+(?:\.\d+)?(?:万平方米|亿元|万元|个百分点|%|家|个|项|人|名|支|篇|位|条|方面)(?:以上)?")


def test_every_seed_figure_appears_in_both_outputs(docx_paragraphs, pdf_text):
    figures = sorted(set(SEED_FIGURES.findall(seed_body().replace(" ", ""))))
    assert len(figures) > 40, figures  # the seed's figures with their units
    docx_text = re.sub(r"\s", "", "".join(docx_paragraphs))
    pdf_plain = re.sub(r"\s", "", pdf_text)
    assert [f for f in figures if f not in docx_text] == []
    assert [f for f in figures if f not in pdf_plain] == []


def test_pdf_embeds_cjk_fonts_and_shows_chinese(sample_build, tmp_path):
    from conftest import require_tool
    import subprocess
    from PIL import Image

    require_tool("pdffonts")
    out = subprocess.run(["pdffonts", str(sample_build[1])], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows and all(" yes yes " in r for r in rows), out
    assert any("CJK" in r for r in rows), out
    require_tool("pdftoppm")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(sample_build[1]), str(tmp_path / "p")], check=True)
    img = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    dark = sum(img.histogram()[:128])
    assert dark > img.width * img.height * 0.02, "page 1 is (nearly) blank"
