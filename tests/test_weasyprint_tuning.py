"""The speed-ups of write/weasyprint_tuning.py that promise WeasyPrint's own bytes give them:
the sample's documents rendered with each one and with WeasyPrint's own function are the same
PDF, byte for byte (the zlib level and the lazy font blob are in both renders)."""

import pytest

from reportgen import pipeline
from reportgen.core.workspace import Workspace
from reportgen.read.load import load
from reportgen.write import pdf
from reportgen.write import weasyprint_tuning as tuning


def _captured(ws, year, unit, monkeypatch):
    """The write_pdf arguments of every PDF document of ``unit`` in ``year`` of the workspace."""
    wsp = Workspace(ws)
    style = pipeline.style_for(wsp)
    uy = load(wsp, year, [unit]).units[unit]
    calls = []
    real = pdf.write_pdf

    def capture(html_text, allowed_roots=(), created=None):
        calls.append((html_text, allowed_roots, created))
        return real(html_text, allowed_roots, created)

    monkeypatch.setattr(pdf, "write_pdf", capture)
    for template in pipeline.document_templates(wsp, unit, year):
        doc, _ = pipeline.document_for(wsp, uy, template)
        pipeline.render_outputs(doc, style, wsp, ("pdf",), date=pipeline.issue_date(uy))
    monkeypatch.undo()
    assert calls
    return calls


def _originals(monkeypatch):
    from weasyprint.layout import page
    from weasyprint.pdf import fonts

    monkeypatch.setattr(fonts.Font, "_harfbuzz_subset", tuning.ORIGINAL["Font._harfbuzz_subset"])
    monkeypatch.setattr(page, "resolve_percentages", tuning.ORIGINAL["layout.page.resolve_percentages"])
    for entries in tuning.SWITCHES.values():
        for owner, attr, original, _ in entries:
            monkeypatch.setattr(owner, attr, original)


# 鹿城 2024: four documents (fallback to full faces for 瓯/崛/钛…, run-in headings, tables);
# 瓯海 2023: the mid-term review with a chart and long tables.
@pytest.mark.parametrize("year,unit", [(2024, "lucheng"), (2023, "ouhai")])
def test_tuned_weasyprint_writes_weasyprints_bytes(full_workspace, monkeypatch, year, unit):
    pdf._font_config()
    active = tuning.apply()
    assert all(active[k] for k in ("one_pass_subset", "empty_margin_boxes", "fast_percentages",
                                   "shared_pango_context", "glyph_loop", "strut_key", "xml_parse", "normal_flow",
                                   "kept_layout", "svg_numbers", "svg_get_child", "matrix_product",
                                   "short_draft", "no_backgrounds", "lazy_pseudo_styles",
                                   "line_no_floats", "break_memo", "unused_margin_boxes",
                                   "end_spacing_retry", "computed_defaults", "cascade_memo")), active
    calls = _captured(full_workspace, year, unit, monkeypatch)
    tuned = [pdf.write_pdf(*c) for c in calls]
    _originals(monkeypatch)
    plain = [pdf.write_pdf(*c) for c in calls]
    assert len(tuned) == len(plain) and all(a == b for a, b in zip(tuned, plain)), \
        [(len(a), len(b)) for a, b in zip(tuned, plain)]


def test_missing_glyph_and_bold_same_bytes(tmp_path, monkeypatch):
    """A character no face has (WeasyPrint's ``Font.missing`` path), bold text, a TrueType face
    with hinting (dropped in the one pass as in WeasyPrint's second) and an empty page-margin box
    with a box model of its own (it takes WeasyPrint's path) give WeasyPrint's bytes too."""
    html = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
            '@page { size: 120mm 80mm; margin: 15mm; @top-left { margin: 2mm; padding: 5% } '
            '@bottom-center { content: counter(page) } } body { font-family: "AR PL KaitiM GB"; font-size: 12pt }'
            '\n</style></head><body><p>科技<b>创新</b>\U000F0000发展 2024</p>'
            '<p style="break-before: page">第二页</p></body></html>\n')
    pdf._font_config()
    tuned = pdf.write_pdf(html, (tmp_path,), created="2024-01-31")
    _originals(monkeypatch)
    assert pdf.write_pdf(html, (tmp_path,), created="2024-01-31") == tuned


def test_variation_selector_glyph_above_used_ones_same_bytes(tmp_path, monkeypatch):
    """The full Noto Serif CJK SC faces (the per-character fallback, not the pre-subset cuts): their
    cmap format 14 maps 、 U+3001 + FE01 to glyph 63027, above every glyph these few characters draw,
    and HarfBuzz's closure keeps it.  WeasyPrint's second pass renumbers it to the highest used id + 1;
    a single pass with RETAIN_GIDS left it in place (a 63028-glyph face, other bytes)."""
    html = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
            '@page { size: 120mm 80mm; margin: 15mm } body { font-family: "Noto Serif CJK SC"; font-size: 12pt }'
            '\n</style></head><body><p>科技、<b>创新、发展</b></p></body></html>\n')
    pdf._font_config()
    assert tuning.apply()["one_pass_subset"]
    tuned = pdf.write_pdf(html, (tmp_path,), created="2024-01-31")
    _originals(monkeypatch)
    assert pdf.write_pdf(html, (tmp_path,), created="2024-01-31") == tuned


def test_font_files_deflated_faster_other_streams_as_before():
    """pydyf's level-9 streams: an embedded font file (OpenType/CFF, TrueType) at
    FONT_ZLIB_LEVEL with FONT_ZLIB_STRATEGY, every other stream at ZLIB_LEVEL — the same bytes as
    zlib with those settings."""
    import zlib

    import pydyf

    tuning.apply()
    assert isinstance(pydyf.zlib, tuning._Zlib)
    font = b"OTTO" + bytes(range(256)) * 64
    page = b"BT /F1 12 Tf 0 0 Td <0123> Tj ET\n" * 200

    def deflate(data):
        c = pydyf.zlib.compressobj(level=9)
        return c.compress(data) + c.flush()

    def font_deflate(data):
        c = zlib.compressobj(tuning.FONT_ZLIB_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL,
                             tuning.FONT_ZLIB_STRATEGY)
        return c.compress(data) + c.flush()

    assert tuning.FONT_ZLIB_LEVEL < tuning.ZLIB_LEVEL and tuning.FONT_ZLIB_STRATEGY == zlib.Z_RLE
    assert deflate(font) == font_deflate(font) != zlib.compress(font, tuning.FONT_ZLIB_LEVEL)
    assert deflate(b"\x00\x01\x00\x00" + font[4:]) == font_deflate(b"\x00\x01\x00\x00" + font[4:])
    assert deflate(page) == zlib.compress(page, tuning.ZLIB_LEVEL) != font_deflate(page)
    assert zlib.decompress(deflate(b"")) == b""


def _same_tree(a, b):
    assert (a.tag, list(a.attrib.items()), a.text, a.tail, len(a)) == (b.tag, list(b.attrib.items()), b.text, b.tail, len(b))
    for x, y in zip(a, b):
        _same_tree(x, y)


def _document(body):
    return ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t &amp; “标题”</title>'
            f'</head>\n<body>\n{body}\n</body></html>\n')


def test_xml_parse_makes_tinyhtml5s_tree(full_workspace, monkeypatch):
    """The HTML html.py writes, parsed by the XML parser (tuning.xml_tree), is the element tree
    tinyhtml5 makes of it — the sample's documents (their style element taken out, as
    pdf._parsed_style does) and the parts they lack: a 版记 table written without <tbody>, a
    pending mark, a chart image; HTML of another shape is left to tinyhtml5."""
    import tinyhtml5

    calls = _captured(full_workspace, 2024, "lucheng", monkeypatch)
    texts = [pdf._parsed_style(h, (), None, [])[0] for h, _, _ in calls]
    texts.append(_document(
        '<p>科技<b>创新</b><mark class="pending">【待填：R&amp;D】</mark>\u200b“<span class="latin asl as">2024</span>”</p>\n'
        '<div class="chart-block"><p class="caption">图</p><p class="chart"><img alt="图 &quot;1&quot;" '
        'style="width:10.00mm; height:5.00mm" src="data:image/svg+xml;base64,PHN2Zy8+"></p></div>\n'
        '<table><colgroup><col style="width:50.000%"><col style="width:50.000%"></colgroup><thead><tr>'
        '<th class="a-center">甲</th><th class="a-center">乙</th></tr></thead><tbody><tr><td class="a-left">1</td>'
        '<td class="a-right">2</td></tr></tbody></table>\n'
        '<div class="banji"><table><tr><td colspan="2">抄送：区委办</td></tr><tr><td>区科技局</td>'
        '<td style="text-align:right">2024年1月31日</td></tr></table></div>'))
    for text in texts:
        tree = tuning.xml_tree(text)
        assert tree is not None
        _same_tree(tree, tinyhtml5.parse(text, namespace_html_elements=False))
    for other in ("<p>a<div>b</div></p>", "<p>&nbsp;</p>", "<!-- x --><p>a</p>", "<p>a<br>b</p>",
                  "<table><tr><td>a</td></tr> </table>", '<p title="a\nb">a</p>'):
        assert tuning.xml_tree(_document(other)) is None, other
    assert tuning.xml_tree(texts[0].replace("<!DOCTYPE html>\n", "")) is None


def test_short_draft_splits_lines_as_weasyprint(tmp_path, monkeypatch):
    """Every line split of varied paragraphs — Chinese, Latin words and spaces, digits, punctuation
    that may not start or end a line, narrow and wide columns, letter spacing, justified — made
    with the short draft (tuning's split_first_line) gives WeasyPrint's first line, width, height,
    baseline and resume point, and the page is WeasyPrint's bytes; the short draft is really taken."""
    import random

    from weasyprint.text import line_break

    pdf._font_config()
    assert tuning.apply()["short_draft"]
    real = tuning.ORIGINAL["line_break.split_first_line"]
    fast = line_break.split_first_line
    assert fast is not real
    rng = random.Random(15)
    pieces = ["科技", "创新", "发展", "，", "。", "、", "“", "”", "（", "）", "《", "》", "2024", "年", "R&D", " ", "  ",
              "GDP", "12.5%", "—", "……", "：", "；", "高新技术企业", "abc def", "Hello world", "x", "-", "/", "鹿城区",
              "1,234", "antidisestablishmentarianism"]
    paragraphs = []
    for _ in range(120):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(5, 120)))
        paragraphs.append(f'<p class="{rng.choice(["", "a", "b", "c", "d", "a c", "b d"])}">{text}</p>')
    html = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
            '@page { size: A4; margin: 20mm } body { font-family: "Noto Serif CJK SC"; font-size: 16pt; '
            'text-align: justify } .a { letter-spacing: -0.33px } .b { width: 40mm } .c { width: 71mm; font-size: 12pt }'
            ' .d { font-family: "Noto Sans CJK SC" }\n</style></head><body>' + "".join(paragraphs) + '</body></html>\n')
    compared = {"all": 0, "short": 0}
    create_layout = line_break.create_layout
    drafts = []

    def counting_create_layout(text, *args):
        drafts.append(len(text))
        return create_layout(text, *args)

    def both(text, style, context, max_width, spacing, is_line_start=True, minimum=False):
        expected = real(text, style, context, max_width, spacing, is_line_start, minimum)
        drafts.clear()
        got = fast(text, style, context, max_width, spacing, is_line_start, minimum)
        assert (got[0].text, *got[1:]) == (expected[0].text, *expected[1:]), (text, max_width)
        compared["all"] += 1
        compared["short"] += bool(drafts) and drafts[0] < len(text) and drafts[0] < max_width / style["font_size"] * 4
        return got

    monkeypatch.setattr(line_break, "create_layout", counting_create_layout)
    for entries in tuning.SWITCHES["short_draft"]:
        monkeypatch.setattr(entries[0], entries[1], both)
    tuned = pdf.write_pdf(html, (tmp_path,), created="2024-01-31")
    assert compared["all"] > 300 and compared["short"] > 50, compared
    monkeypatch.undo()
    _originals(monkeypatch)
    assert pdf.write_pdf(html, (tmp_path,), created="2024-01-31") == tuned


def test_lazy_pseudo_styles_list_markers_and_footnotes_same_bytes(tmp_path, monkeypatch):
    """Pseudo-elements that are asked for — list markers, footnote calls and markers, ::before
    content — get their styles when first asked for (lazy_pseudo_styles): WeasyPrint's bytes."""
    html = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
            '@page { size: 120mm 80mm; margin: 15mm } body { font-family: "AR PL KaitiM GB"; font-size: 12pt }'
            ' li::marker { color: red } .fn { float: footnote } h2::before { content: "第" counter(h) "节 " }'
            ' h2 { counter-increment: h } ::footnote-call { font-size: 8pt }\n</style></head><body>'
            '<h2>标题</h2><ul><li>科技</li><li>创新<span class="fn">脚注内容</span></li></ul>'
            '<ol><li>一</li><li>二</li></ol><h2>再一节</h2></body></html>\n')
    pdf._font_config()
    assert tuning.apply()["lazy_pseudo_styles"]
    tuned = pdf.write_pdf(html, (tmp_path,), created="2024-01-31")
    _originals(monkeypatch)
    assert pdf.write_pdf(html, (tmp_path,), created="2024-01-31") == tuned


def test_lines_beside_floats_and_right_to_left_same_bytes(tmp_path, monkeypatch):
    """Lines beside a float and in a right-to-left block take WeasyPrint's avoid_collisions, the
    others tuning's (line_no_floats): WeasyPrint's bytes either way."""
    html = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
            '@page { size: 120mm 120mm; margin: 15mm } body { font-family: "AR PL KaitiM GB"; font-size: 12pt }'
            ' .f { float: left; width: 20mm; height: 20mm; margin: 2mm; border: 1px solid black }'
            ' .r { direction: rtl } p { margin: 0 0 3mm 5mm; text-indent: 2em }\n</style></head><body>'
            '<p>科学技术局全年工作总结，科技创新发展取得新成效，高新技术企业数量稳步增长。</p>'
            '<div class="f">浮动</div><p>科学技术局全年工作总结，科技创新发展取得新成效，高新技术企业数量稳步增长，'
            '研发投入持续加大，成果转化加快推进。</p><p class="r">科学技术局全年工作总结 2024</p></body></html>\n')
    pdf._font_config()
    assert tuning.apply()["line_no_floats"]
    tuned = pdf.write_pdf(html, (tmp_path,), created="2024-01-31")
    _originals(monkeypatch)
    assert pdf.write_pdf(html, (tmp_path,), created="2024-01-31") == tuned


def test_justified_lines_drawn_with_pangos_glyphs(full_workspace, monkeypatch):
    """kept_layout's justified lines: the letter spacing applied to the kept glyphs
    (_spaced_glyphs) gives the bytes of Pango laying the line out again with it — on paragraphs
    of random Chinese, digits, Latin with ligature pairs, full-width punctuation, zero-width
    spaces and rare characters from the full faces, in the sample's style; on text it does not
    take (marks, jamo, tabs, Arabic, a spacing turned on from none, word spacing, right to left),
    which Pango lays out again; and with decorations and an ellipsis."""
    import random

    html, roots, _ = _captured(full_workspace, 2024, "lucheng", monkeypatch)[0]
    pick = random.Random(15)
    han = "科技创新发展平台企业人才项目建设推进服务体系全面提升重点工作研究成果转化瓯崛钛𠀀"
    parts = [*han, "，", "。", "、", "“", "”", "（", "）", "\u200b", "2024", "R&D", "12.5%",
             '<span class="latin">office</span>', '<span class="latin asl as">fluffy</span>']
    body = ["<p>" + "".join(pick.choice(parts) for _ in range(pick.randint(40, 160))) + "</p>" for _ in range(40)]
    body += ["<p>" + "科技创新" * 12 + "e\u0301" + "科技" * 20 + "</p>",
             "<p>" + "科技创新" * 12 + "\u1100\u1161\u11a8" + "发展" * 20 + "</p>",
             "<p>" + "科技创新" * 12 + "\u0645\u0631\u062d\u0628\u0627" + "发展" * 20 + "</p>",
             '<p style="letter-spacing: normal">' + "科技创新发展平台" * 12 + '<span class="latin">office</span>' + "</p>",
             '<p style="word-spacing: 3pt">' + "科技 创新 发展" * 16 + "</p>",
             '<p style="text-decoration: underline">' + "科技创新发展平台企业人才项目建设" * 6 + "</p>",
             '<p style="overflow: hidden; white-space: nowrap; text-overflow: ellipsis">' + "科技创新发展" * 12 + "</p>",
             '<p style="text-decoration: line-through overline">' + "科技创新 office 发展" * 10 + "</p>",
             '<p style="letter-spacing: 0.1em">' + "Research and development of the 科技 platform " * 8 + "</p>",
             '<p style="direction: rtl">' + "科技创新发展平台企业人才项目建设" * 6 + "</p>",
             "<p>" + "科技\t创新\u00ad发展平台企业人才\u3000项目建设" * 6 + "</p>"]
    html = html[:html.find("<body>") + 6] + "\n".join(body) + "</body></html>\n"
    pdf._font_config()
    tuning.apply()
    used = []
    spaced = tuning._spaced_glyphs
    monkeypatch.setattr(tuning, "_spaced_glyphs", lambda *a: used.append(spaced(*a)) or used[-1])
    tuned = pdf.write_pdf(html, roots, created="2024-01-31")
    if "spacing_glyphs" in tuning.SWITCHES:       # the Pango it was checked against (1.50)
        assert sum(x is not None for x in used) > 300 and None in used, len(used)
    _originals(monkeypatch)
    assert pdf.write_pdf(html, roots, created="2024-01-31") == tuned


def test_justified_copies_take_the_shared_styles_values_same_bytes(full_workspace, monkeypatch):
    """weasyprint_justify asks the values drawn after layout of a justified box's shared style
    before copying it (_ASK_FIRST): the copies compute (almost) nothing themselves, and the bytes
    are those of copies computing their own — with inherited colour, visibility, decorations,
    links (anchors) and vertical alignment on the justified lines' spans."""
    import random

    from weasyprint import css

    from reportgen.write import weasyprint_justify as justify

    html, roots, _ = _captured(full_workspace, 2024, "lucheng", monkeypatch)[0]
    pick = random.Random(3)
    han = "科技创新发展平台企业人才项目建设推进服务体系全面提升重点工作研究成果转化"
    spans = ['<span style="color: #c00">创新驱动</span>', '<span style="visibility: hidden">隐藏</span>',
             '<span style="text-decoration: underline; text-decoration-color: blue">下划线</span>',
             '<a href="#x">链接文字</a>', '<span style="vertical-align: super; font-size: 8pt">1</span>',
             '<span class="latin asl as">GDP</span>', '<span style="background: yellow">背景</span>']
    parts = [*han, "，", "。", "、", *spans]
    body = [f'<p id="{"x" if i == 3 else "p" + str(i)}">' + "".join(pick.choice(parts) for _ in range(pick.randint(40, 140)))
            + "</p>" for i in range(30)]
    html = html[:html.find("<body>") + 6] + "\n".join(body) + "</body></html>\n"
    pdf._font_config()
    tuning.apply()
    assert justify.apply()
    missed = {"copies": 0}
    real_missing = css.AnonymousStyle.__missing__

    def counting(self, key):
        if tuning.SPACED_FROM in self.__dict__:
            missed["copies"] += 1
        return real_missing(self, key)

    monkeypatch.setattr(css.AnonymousStyle, "__missing__", counting)
    asked_first = pdf.write_pdf(html, roots, created="2024-01-31")
    first, missed["copies"] = missed["copies"], 0
    monkeypatch.setattr(justify, "_ASK_FIRST", [False])
    assert pdf.write_pdf(html, roots, created="2024-01-31") == asked_first
    assert missed["copies"] > 1000 and first < missed["copies"] / 20, (first, missed["copies"])


def test_margin_boxes_with_content_on_every_side_same_bytes(tmp_path, monkeypatch):
    """Page-margin boxes with content on a corner, a vertical side and a horizontal side (and empty
    ones beside them), counters included: the margin boxes tuning makes (unused_margin_boxes) give
    WeasyPrint's bytes."""
    html = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
            '@page { size: 120mm 90mm; margin: 18mm; @top-left-corner { content: "角" } @right-middle { content: '
            '"第" counter(page) "页" } @top-center { content: "标题"; font-size: 9pt } @bottom-left { content: '
            'counter(page) "/" counter(pages) } } @page :left { @bottom-right { content: "左页" } }'
            ' body { font-family: "AR PL KaitiM GB"; font-size: 12pt }\n</style></head><body>'
            '<p>科技创新</p><p style="break-before: page">第二页</p><p style="break-before: page">第三页</p>'
            '</body></html>\n')
    pdf._font_config()
    assert tuning.apply()["unused_margin_boxes"]
    tuned = pdf.write_pdf(html, (tmp_path,), created="2024-01-31")
    _originals(monkeypatch)
    assert pdf.write_pdf(html, (tmp_path,), created="2024-01-31") == tuned


def test_svg_numbers_give_weasyprints_values():
    """svg_numbers' size, point and normalize return what WeasyPrint's own return, units,
    percentages, exponents and run-together numbers included (the chart documents' bytes are
    compared by test_tuned_weasyprint_writes_weasyprints_bytes)."""
    from weasyprint.svg import utils

    tuning.apply()
    new = {attr: replacement for module, attr, _, replacement in tuning.SWITCHES["svg_numbers"]}
    real = {attr: original for module, attr, original, _ in tuning.SWITCHES["svg_numbers"]}
    assert set(new) == {"size", "point", "normalize"} and utils.size is new["size"]

    class Box:
        inner_width, inner_height = 200.0, 100.0

        def point(self, x, y, font_size):
            return new["size"](x, font_size, 200.0), new["size"](y, font_size, 100.0)

    for text in ("", None, "12", "-3.5", "1e-5", "1E3", " 7 ", "10px", "2em", "3rem", "4ex", "5mm", "1in",
                 "50%", "12abc", "-.5.5", "1,2 3-4", "nan", "inf", 0, 4.5):
        for size in (new["size"], real["size"]):
            try:
                got = ("ok", size(text, 16, 300))
            except Exception as error:          # noqa: BLE001 — the same error either way
                got = ("error", type(error))
            if size is new["size"]:
                mine = got
            else:
                assert got == mine or (got[1] != got[1] and mine[1] != mine[1]), (text, got, mine)
        assert new["normalize"](text if isinstance(text, str) or text is None else str(text)) == \
            real["normalize"](text if isinstance(text, str) or text is None else str(text))
    for text in ("1 2", "1 2 3 4", "10.5 -3 L 4 5", "1 ", "x"):
        results = []
        for point in (new["point"], real["point"]):
            try:
                results.append(point(Box(), text, 16))
            except utils.PointError:
                results.append("PointError")
        assert results[0] == results[1], text


def test_svg_get_child_finds_weasyprints_node(tmp_path, monkeypatch):
    """svg_get_child: <use> of elements at several depths, an id that is the node's own, an id
    missing, an id with a double quote — WeasyPrint's bytes (the chart documents are compared by
    test_tuned_weasyprint_writes_weasyprints_bytes)."""
    import base64

    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="80" '
           'height="40" id="root"><defs><g id="a"><path id="p1" d="M 0 0 L 10 0 L 10 10 z"/>'
           '<g id="b"><rect id="r" width="5" height="5" fill="red"/></g></g>'
           '<circle id=\'q"x\' cx="3" cy="3" r="3"/></defs>'
           '<use xlink:href="#p1" x="5"/><use xlink:href="#r" x="20"/><use xlink:href="#b" x="30"/>'
           '<use xlink:href="#a" y="20"/><use xlink:href="#root"/><use xlink:href="#none"/>'
           '<use xlink:href=\'#q"x\' x="60"/></svg>')
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    html = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>'
            '@page { size: 120mm 80mm; margin: 15mm }</style></head><body>'
            f'<p><img src="{src}" style="width:80mm; height:40mm"></p></body></html>\n')
    pdf._font_config()
    assert tuning.apply()["svg_get_child"]
    tuned = pdf.write_pdf(html, (tmp_path,), created="2024-01-31")
    _originals(monkeypatch)
    assert pdf.write_pdf(html, (tmp_path,), created="2024-01-31") == tuned


def test_matrix_product_gives_weasyprints_numbers():
    """matrix_product: the products of matrices of ints, floats, negative zeros and large and
    small magnitudes are WeasyPrint's, bit for bit (repr), as are transformed points."""
    import random

    from weasyprint.matrix import Matrix

    tuning.apply()
    [(_, _, real, product)] = tuning.SWITCHES["matrix_product"]
    assert Matrix.__matmul__ is product
    pick = random.Random(15)
    values = (0, 1, -1, 2, 0.0, -0.0, 0.75, -0.75, 1e-300, 1e300, 3.3333333333333335, 1 / 3)

    def number():
        return pick.choice(values) if pick.random() < 0.4 else pick.uniform(-1000, 1000)

    for _ in range(3000):
        a = Matrix(*(number() for _ in range(6)))
        b = Matrix(*(number() for _ in range(6)))
        assert repr(product(a, b)) == repr(real(a, b))
        point = Matrix(matrix=[[number(), number(), 1]])
        assert repr(product(point, b)) == repr(real(point, b))


def test_kept_layouts_written_twice_same_bytes(full_workspace, monkeypatch):
    """A document whose PDF is written twice (its text boxes' kept layouts, a justified line's
    spacing applied to them, drawn a second time) gives the same bytes both times."""
    from weasyprint.document import Document

    html, roots, created = _captured(full_workspace, 2024, "lucheng", monkeypatch)[0]
    pdf._font_config()
    assert tuning.apply()["kept_layout"]
    documents = []
    real = Document.write_pdf
    monkeypatch.setattr(Document, "write_pdf", lambda self, *a, **k: documents.append((self, a, k)) or real(self, *a, **k))
    first = pdf.write_pdf(html, roots, created)
    document, args, kwargs = documents[-1]
    assert real(document, *args, **kwargs) == first


def test_end_spacing_retry_same_bytes_and_fewer_splits(tmp_path, monkeypatch):
    """Spans with a right margin, padding or border ending at every place of a line — fitting with
    room to spare, just fitting, not fitting at the narrower width, letter-spaced, justified, with
    spaces — are laid out once where the narrower layout is the same (end_spacing_retry): fewer
    line splits, and WeasyPrint's bytes."""
    import random

    from weasyprint.layout import inline

    rng = random.Random(7)
    words = ["科技", "创新", "，", "。", "“", "”", "鹿城区", "高新技术企业", "年", "、"]
    spans = ["GDP", "R&D", "2024", "12.5%", "1,234", "abc def", "x", "Hello world", "（一）"]
    paragraphs = []
    for _ in range(60):
        parts = []
        for _ in range(rng.randint(3, 40)):
            if rng.random() < 0.35:
                parts.append(f'<span class="{rng.choice(["m", "p", "b", "m s", "p m"])}">{rng.choice(spans)}</span>')
            else:
                parts.append(rng.choice(words))
        paragraphs.append(f'<p class="{rng.choice(["", "a", "w", "a w"])}">{"".join(parts)}</p>')
    html = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
            '@page { size: A4; margin: 20mm } body { font-family: "Noto Serif CJK SC"; font-size: 16pt; '
            'text-align: justify } .a { letter-spacing: -0.33px } .w { width: 61mm } .m { margin: 0 0.25em }'
            ' .p { padding-right: 3pt } .b { border-right: 2pt solid red } .s { letter-spacing: 1pt }\n'
            '</style></head><body>' + "".join(paragraphs) + '</body></html>\n')
    pdf._font_config()
    assert tuning.apply()["end_spacing_retry"]
    counted = {"splits": 0}
    real_split = inline.split_first_line

    def counting(*args, **kwargs):
        counted["splits"] += 1
        return real_split(*args, **kwargs)

    monkeypatch.setattr(inline, "split_first_line", counting)
    tuned = pdf.write_pdf(html, (tmp_path,), created="2024-01-31")
    tuned_splits, counted["splits"] = counted["splits"], 0
    tuning.switch("end_spacing_retry", False)
    try:
        plain = pdf.write_pdf(html, (tmp_path,), created="2024-01-31")
    finally:
        tuning.switch("end_spacing_retry", True)
    assert plain == tuned
    assert tuned_splits < counted["splits"] * 0.95, (tuned_splits, counted["splits"])
    _originals(monkeypatch)
    assert pdf.write_pdf(html, (tmp_path,), created="2024-01-31") == tuned


def test_spaced_runs_and_text_matrix_same_bytes(full_workspace, monkeypatch):
    """The glyph loop's justified runs built from each glyph's hex id and the (offset, width,
    logical width) arounds (spaced_runs), draw_text's "1 0 0 -1 x y Tm" formatted in one go
    (text_matrix) and pydyf's stream lines joined from a list (pydyf_bytes): the bytes without
    each of them; the justified runs do take that way."""
    import pydyf

    calls = _captured(full_workspace, 2024, "lucheng", monkeypatch)[:2]
    pdf._font_config()
    tuning.apply()
    assert {"spaced_runs", "text_matrix"} <= set(tuning.SWITCHES) and tuning._SPACED_RUNS and tuning._TEXT_MATRIX
    assert pydyf.Stream.data is tuning.SWITCHES["pydyf_bytes"][0][3]
    spaced = []
    real = tuning._spaced_glyphs
    monkeypatch.setattr(tuning, "_spaced_glyphs", lambda *a: spaced.append(real(*a)) or spaced[-1])
    tuned = [pdf.write_pdf(*c) for c in calls]
    runs = [run for line in spaced if line for run in line]
    assert len(runs) > 100 and sum(not any(ys) for _, _, _, ys in runs) > 100
    try:
        for name in ("spaced_runs", "text_matrix", "pydyf_bytes"):
            tuning.switch(name, False)
            assert [pdf.write_pdf(*c) for c in calls] == tuned, name
            tuning.switch(name, True)
    finally:
        for name in ("spaced_runs", "text_matrix", "pydyf_bytes"):
            tuning.switch(name, True)


def test_pdf_number_is_pydyfs():
    """text_matrix's _pdf_number: pydyf's _to_bytes of ints and floats (negative zero, integral
    floats, large and small magnitudes, nan, inf), and None for what it does not format."""
    import random

    import pydyf

    pick = random.Random(15)
    values = [0, 1, -1, 7, 10 ** 20, 0.0, -0.0, 1.0, -3.0, 0.5, 1e-7, 1e-300, 1e300, 2.5e16, 1 / 3,
              float("nan"), float("inf"), float("-inf")] + [pick.uniform(-2000, 2000) for _ in range(2000)]
    for value in values:
        assert tuning._pdf_number(value).encode() == pydyf._to_bytes(value), value
    assert tuning._pdf_number(True) is None and tuning._pdf_number("1") is None
    assert tuning._pydyf_text_matrix() is pydyf.Stream.set_text_matrix


# Declarations that take every path of ComputedStyle.__missing__: logical properties, inherit and
# initial keywords, var(), math functions, text decorations, page, position/float/display, style
# attributes, pseudo-elements, a right-to-left block.
_STYLE_CASES = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
                '@page { size: A5; margin: 15mm } @page wide { size: A4 landscape } :root { --gap: 3px; --w: 40% }'
                ' body { font-family: "AR PL KaitiM GB"; font-size: 12pt; margin-inline-start: 2em; color: #333 }'
                ' p { padding-block: 1mm 2mm; border-inline-end: 1px solid red; text-indent: 2em }'
                ' .v { border-width: var(--gap); width: var(--w); margin: calc(1em + var(--gap)) }'
                ' .m { width: calc(100% - 2em); min-height: max(1em, 10px); inset-inline-start: 3mm; position: relative }'
                ' .u { text-decoration: underline wavy blue } .u span { text-decoration: line-through }'
                ' .i { color: inherit; width: inherit; margin: initial; border-collapse: inherit }'
                ' .w { page: wide } .f { float: left; width: 20mm } .a { position: absolute; top: 0; right: 0 }'
                ' .t { display: table-cell } .r { direction: rtl; padding-inline-start: 4mm }'
                ' h2::before { content: "第" counter(h) "节"; margin-inline-end: 1em } h2 { counter-increment: h }'
                ' li::marker { color: red } p::first-line { letter-spacing: 1px } p::first-letter { font-size: 150% }'
                ' .bad { width: calc(1em + 2px); margin: var(--nothing) }'
                ' .x, .y::before { content: "★"; color: red; margin-left: 1mm } .z, .z::after { content: "☆" }\n'
                '</style></head><body><h2>标题</h2><p class="v m">科技创新<span class="u">发展<span>平台</span></span></p>'
                '<p class="i" style="margin-left: 5mm; color: green">企业人才</p><div class="w"><p>项目建设</p></div>'
                '<div class="f">浮动</div><div class="a">绝对</div><div class="t">单元格</div>'
                '<p class="r">推进服务 2024</p><ul><li>一</li><li class="bad">二</li></ul><h2>再一节</h2>'
                + "".join(f'<p class="{c}">全面提升重点工作{i}</p>' for i, c in enumerate(["", "v", "m", "u", "", "i", "x", "y", "z"] * 4))
                + '</body></html>\n')


def _all_styles(html_text, base):
    """Every computed property of every element and pseudo-element of ``html_text``, as text."""
    import weasyprint
    from weasyprint.css import get_all_computed_styles
    from weasyprint.css.properties import INITIAL_VALUES

    html = weasyprint.HTML(string=html_text, base_url=str(base))
    style_for = get_all_computed_styles(html, font_config=pdf._font_config())
    found = []
    for element in html.wrapper_element.iter_subtree():
        for pseudo in (None, "before", "after", "marker", "first-line", "first-letter"):
            style = style_for(element.etree_element, pseudo)
            if style is not None:
                found.append((element.etree_element.tag, pseudo,
                              [(key, repr(style[key])) for key in sorted(INITIAL_VALUES)]))
    return found


@pytest.mark.parametrize("name", ["computed_defaults", "cascade_memo"])
def test_style_tunings_compute_weasyprints_styles(full_workspace, tmp_path, monkeypatch, name):
    """computed_defaults (a property the style does not declare, computed without WeasyPrint's
    general steps) and cascade_memo (one cascade a document for each list of matched selectors)
    give every element and pseudo-element of the 鹿城 report and of a page of varied declarations
    WeasyPrint's values for every property, and the PDF WeasyPrint's bytes."""
    pdf._font_config()
    assert tuning.apply()[name]
    report, roots, _ = _captured(full_workspace, 2024, "lucheng", monkeypatch)[0]
    for html, base in ((report, roots[0]), (_STYLE_CASES, tmp_path)):
        tuned = _all_styles(html, base)
        tuned_pdf = pdf.write_pdf(html, (base,), created="2024-01-31")
        tuning.switch(name, False)
        try:
            assert _all_styles(html, base) == tuned
            assert pdf.write_pdf(html, (base,), created="2024-01-31") == tuned_pdf
        finally:
            tuning.switch(name, True)
        assert len(tuned) > 60


def test_stream_contexts_same_bytes_tagged_or_not(tmp_path, monkeypatch):
    """stream_contexts' plain context managers write WeasyPrint's operators: a page of text, a
    table with collapsed borders and a link, as an untagged PDF (ours) and a tagged one (marked
    content: WeasyPrint's own generators), the same bytes; a block that raises inside ``stacked``
    still pops the graphic state, and the error goes on."""
    import weasyprint
    from weasyprint.pdf.stream import Stream

    html = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
            '@page { size: A5; margin: 15mm; @bottom-center { content: counter(page) } }'
            ' body { font-family: "AR PL KaitiM GB"; font-size: 12pt } table { border-collapse: collapse }'
            ' td { border: 1px solid black; padding: 1mm } .o { outline: 1px solid red }\n</style></head><body>'
            '<p>科技创新<a href="#t">链接</a>发展</p><table id="t"><tr><td>一</td><td class="o">二</td></tr>'
            '<tr><td>三</td><td>四</td></tr></table></body></html>\n')
    pdf._font_config()
    assert tuning.apply()["stream_contexts"]

    def both():
        document = weasyprint.HTML(string=html, base_url=str(tmp_path)).render(font_config=pdf._font_config(),
                                                                               pdf_tags=True)
        document.metadata.created = document.metadata.modified = "2024-01-31"
        return (pdf.write_pdf(html, (tmp_path,), created="2024-01-31"),
                document.write_pdf(pdf_tags=True, uncompressed_pdf=True))

    tuned = both()
    assert b"/MCID" in tuned[1] and b"/Artifact\nBMC" in tuned[1]
    stream = Stream(None, None, None, None, None, None, None)
    with pytest.raises(ZeroDivisionError):
        with stream.stacked():
            stream.set_line_width(2)
            1 / 0
    assert stream.stream == [b"q", b"2 w", b"Q"] and len(stream._ctm_stack) == 1
    _originals(monkeypatch)
    assert both() == tuned


def test_outlines_and_descendants_same_bytes(tmp_path, monkeypatch):
    """no_outlines (boxes without outline only gone through) and flat_descendants (the page's
    boxes walked with a stack): outlines on nested boxes, under boxes without one, with offsets,
    hidden, on text; absolutely positioned boxes (placeholders), floats, a table, bookmarks and
    target counters that walk the pages' boxes — the same boxes in the same order, and
    WeasyPrint's bytes."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    html = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
            '@page { size: A5; margin: 15mm; @bottom-center { content: counter(page) "/" counter(pages) } }'
            ' body { font-family: "AR PL KaitiM GB"; font-size: 12pt } .o { outline: 2px solid red }'
            ' .p { outline: 1px dashed blue; outline-offset: 3px } .h { visibility: hidden; outline: 3px solid }'
            ' .a { position: absolute; top: 5mm; right: 5mm; outline: 1px solid green } .f { float: right; width: 20mm }'
            ' h1 { bookmark-level: 1 } h2 { bookmark-level: 2 } a::after { content: " 见第" target-counter(attr(href), page) "页" }'
            ' td { border: 1px solid; outline: 1px dotted }\n</style></head><body>'
            '<h1 id="s1">第一章</h1><p>科技<span class="o">创新</span>发展<a href="#s2">链接</a></p>'
            '<div><div><p class="p">嵌套<em class="o">轮廓</em></p></div></div><p class="h">隐藏</p>'
            '<div class="a">绝对<span class="o">定位</span></div><div class="f o">浮动</div>'
            '<table><tr><td>一</td><td class="o">二</td></tr></table>'
            '<h2 id="s2" style="break-before: page">第二节</h2><p class="o">' + "科技创新发展" * 40 + '</p>'
            '<div class="a"><p>第二页的绝对定位</p></div></body></html>\n')
    pdf._font_config()
    active = tuning.apply()
    assert active["no_outlines"] and active["flat_descendants"]
    [(_, _, real, flat)] = tuning.SWITCHES["flat_descendants"]
    document = weasyprint.HTML(string=html, base_url=str(tmp_path)).render(font_config=pdf._font_config())
    walked = 0
    for page in document.pages:
        for placeholders in (False, True):
            expected = [id(box) for box in real(page._page_box, placeholders)]
            assert [id(box) for box in flat(page._page_box, placeholders)] == expected
            walked += len(expected)
    assert walked > 100 and any(type(box).__name__ == "AbsolutePlaceholder" and not isinstance(box, boxes.Box)
                                for page in document.pages for box in real(page._page_box, False))
    tuned = pdf.write_pdf(html, (tmp_path,), created="2024-01-31")
    _originals(monkeypatch)
    assert pdf.write_pdf(html, (tmp_path,), created="2024-01-31") == tuned


def test_random_documents_same_bytes(full_workspace, monkeypatch):
    """Random documents in the report's own stylesheet — paragraphs of Chinese, Latin and digit
    spans, headings, tables, lists, blocks with their own margins and letter spacing, links,
    outlines — are WeasyPrint's bytes with every speed-up, the style and drawing ones
    (computed_defaults, cascade_memo, stream_contexts, no_outlines, flat_descendants) included."""
    import random

    pdf._font_config()
    active = tuning.apply()
    assert all(active[k] for k in ("computed_defaults", "cascade_memo", "stream_contexts", "no_outlines",
                                   "flat_descendants")), active
    html, roots, _ = _captured(full_workspace, 2024, "lucheng", monkeypatch)[0]
    head = html[:html.find("<body>") + 6]
    han = "科技创新发展平台企业人才项目建设推进服务体系全面提升重点工作研究成果转化"
    spans = ['<span style="color: #c00">创新驱动</span>', '<strong>加粗</strong>', '<em>强调</em>',
             '<span class="latin asl as">GDP</span>', '<span class="latin">R&amp;D</span>', '2024', '12.5%',
             '<span style="text-decoration: underline">下划线</span>', '<a href="#p3">链接</a>',
             '<span style="outline: 1px solid red">轮廓</span>']
    documents = []
    for seed in range(4):
        rng = random.Random(seed)
        parts = []
        for i in range(rng.randint(8, 20)):
            text = "".join(rng.choice([*han, "，", "。", "、", *spans]) for _ in range(rng.randint(5, 160)))
            kind = rng.random()
            if kind < 0.6:
                parts.append(f'<p id="p{i}">{text}</p>')
            elif kind < 0.7:
                parts.append(f"<h2>{text[:20]}</h2>")
            elif kind < 0.8:
                parts.append("<table>" + "".join("<tr>" + "".join(f"<td>{rng.choice(han)}{rng.randint(0, 9999)}</td>"
                                                                  for _ in range(4)) + "</tr>"
                                                   for _ in range(rng.randint(1, 8))) + "</table>")
            elif kind < 0.9:
                parts.append("<ul>" + "".join(f"<li>{text[:30]}</li>" for _ in range(3)) + "</ul>")
            else:
                parts.append(f'<div style="margin-left: {rng.randint(0, 20)}mm; letter-spacing: '
                             f'{rng.choice(["0", "1px", "-0.3px"])}"><p>{text}</p></div>')
        documents.append(head + "\n".join(parts) + "</body></html>\n")
    tuned = [pdf.write_pdf(d, roots, created="2024-01-31") for d in documents]
    _originals(monkeypatch)
    assert [pdf.write_pdf(d, roots, created="2024-01-31") for d in documents] == tuned
