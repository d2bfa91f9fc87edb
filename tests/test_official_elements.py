"""Red header (版头) and 版记, measured on the rendered pages (GB/T 9704 7.2, 7.4)."""

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from conftest import require_tool
from reportgen.pipeline import render_outputs
from reportgen.render.parse import parse
from reportgen.core.workspace import Workspace
from reportgen.write.style import load_style

SOURCE = """::: header
鹿城区科学技术局文件

鹿科〔2024〕5号
:::

::: title
关于印发2024年工作要点的通知
:::

::: recipient
各科室：
:::

现将《2024年工作要点》印发给你们，请认真贯彻落实。

::: signature
鹿城区科学技术局

2024-01-31
:::

::: banji
抄送：市科技局，区委办，区政府办。

鹿城区科学技术局办公室

2024-01-31
:::
"""


def raster(pdf: Path, page: int, dpi: int, tmp: Path) -> Image.Image:
    require_tool("pdftoppm")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-aa", "no", "-f", str(page), "-l", str(page),
                    str(pdf), str(tmp / "r")], check=True)
    return Image.open(next(tmp.glob("r*.png"))).convert("RGB")


def rows_where(img: Image.Image, pred) -> dict[int, int]:
    """y → number of pixels on that row satisfying pred, in pixels."""
    px = img.load()
    out = {}
    for y in range(img.height):
        n = sum(1 for x in range(0, img.width, 2) if pred(px[x, y])) * 2
        if n:
            out[y] = n
    return out


def is_red(p):
    return p[0] >= 200 and p[1] <= 80 and p[2] <= 80


def is_dark(p):
    return sum(p) < 3 * 128


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("official")
    doc = parse(SOURCE)
    data = render_outputs(doc, load_style(), Workspace(out), ("pdf", "docx"))
    (out / "doc.pdf").write_bytes(data["pdf"])
    (out / "doc.docx").write_bytes(data["docx"])
    return doc, out


def test_model_has_header_recipient_and_banji(rendered):
    doc, _ = rendered
    assert doc.header.mark == "鹿城区科学技术局文件" and doc.header.number == "鹿科〔2024〕5号"
    assert doc.recipient == "各科室："
    assert doc.banji.cc.startswith("抄送：") and doc.banji.date == "2024年1月31日印发"


def test_pdf_red_mark_and_rule(rendered, tmp_path):
    img = raster(rendered[1] / "doc.pdf", 1, 300, tmp_path)
    mm = img.width / 210
    red = rows_where(img, is_red)
    rule = [y for y, n in red.items() if n > 140 * mm]
    mark = [y for y, n in red.items() if n <= 140 * mm]
    # 发文机关标志: top edge 35 mm below the 版心 top (37 + 35 = 72 mm), C18 ± 1.5 mm
    assert abs(min(mark) / mm - 72) <= 1.5, min(mark) / mm
    # red rule as wide as the 版心 (156 mm ± 1)
    assert abs(max(red[y] for y in rule) / mm - 156) <= 1.0
    # ... 4 mm below the 发文字号 (its ink bottom), ± 1.5 mm
    dark = rows_where(img.crop((0, int(95 * mm), img.width, min(rule))), is_dark)
    number_bottom = (max(dark) + int(95 * mm)) / mm
    assert abs(min(rule) / mm - number_bottom - 4) <= 1.5, (min(rule) / mm, number_bottom)


def test_pdf_banji_last_rule_on_type_area_foot(rendered, tmp_path):
    img = raster(rendered[1] / "doc.pdf", 1, 600, tmp_path)
    mm = img.width / 210
    rules = sorted(y for y, n in rows_where(img.crop((0, int(200 * mm), img.width, int(270 * mm))), is_dark).items()
                   if n > 150 * mm)
    bands = []
    for y in rules:
        if bands and y - bands[-1][-1] <= 1:
            bands[-1].append(y)
        else:
            bands.append([y])
    assert len(bands) == 3, bands                       # first, between, last
    last = (bands[-1][-1] + int(200 * mm)) / mm
    assert abs(last - 262) <= 0.5, last                 # C19: last rule on the 版心 bottom
    thick, thin = len(bands[0]) / mm, len(bands[1]) / mm
    assert abs(thick - 0.35) <= 0.1 and abs(thin - 0.25) <= 0.1, (thick, thin)


def test_docx_header_and_banji_xml(rendered):
    import zipfile

    z = zipfile.ZipFile(rendered[1] / "doc.docx")
    xml = z.read("word/document.xml").decode()
    styles = z.read("word/styles.xml").decode()
    # The mark is red through its named style 发文机关标志 (fonts and colours live in styles).
    mark_style = styles.split('<w:name w:val="发文机关标志"/>')[1].split("</w:style>")[0]
    assert 'w:color w:val="FF0000"' in mark_style and "鹿城区科学技术局文件" in xml
    sid = styles.split('<w:name w:val="发文机关标志"/>')[0].rsplit('w:styleId="', 1)[1].split('"')[0]
    assert f'<w:pStyle w:val="{sid}"/>' in xml.split("鹿城区科学技术局文件")[0].rsplit("<w:p>", 1)[-1]
    assert '<w:bottom w:val="single" w:sz="12"' in xml and 'w:color="FF0000"' in xml   # red rule 1.5 pt
    assert 'w:vertAnchor="page"' in xml and 'w:tblpY="' in xml                          # 版记 placed on the foot
    y = int(xml.split('w:tblpY="')[1].split('"')[0])
    rows = 2
    assert abs((y + rows * 579) / 56.6929 - 262) < 0.5                                   # last rule at 262 mm
