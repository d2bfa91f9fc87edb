"""The fence around python-docx's private API (reportgen/write/pydocx.py).

If a python-docx release removes one of the internals, the first test names it; the others show
that each fallback through the public API gives the same document.
"""

import io
import zipfile

import pytest
from docx import Document

from reportgen.write import pydocx


def _doc():
    d = Document()
    d.add_paragraph("公文正文")
    return d


def test_python_docx_still_has_the_internals_we_use():
    assert pydocx.missing_internals() == []


def test_public_save_gives_the_same_bytes_as_the_fast_path():
    fast = pydocx.package_bytes(_doc())
    public = pydocx.package_bytes(_doc(), public_only=True)
    assert fast == public
    with zipfile.ZipFile(io.BytesIO(fast)) as z:
        assert {i.date_time for i in z.infolist()} == {pydocx.FIXED_ZIP_TIME}
        assert "word/document.xml" in z.namelist()


def test_added_style_is_found_by_name_and_used():
    d = _doc()
    st = pydocx.add_paragraph_style(d, "公文正文样式")
    p = d.add_paragraph("正文", style=st)
    assert p.style.name == "公文正文样式"
    reread = Document(io.BytesIO(pydocx.package_bytes(d)))
    assert reread.paragraphs[-1].style.name == "公文正文样式"


def test_memoized_style_ids_answer_as_python_docx_does():
    plain, fast = _doc(), _doc()
    pydocx.memoize_style_ids(fast)
    for name in ("Normal", "Heading 1", "Title"):
        for d in (plain, fast):
            d.add_paragraph("x", style=name)
    assert [p.style.style_id for p in plain.paragraphs] == [p.style.style_id for p in fast.paragraphs]


def test_section_properties_is_the_body_sectpr():
    d = _doc()
    assert pydocx.section_properties(d.sections[0]) is d.element.body.sectPr


def test_xml_is_the_element_python_docx_writes():
    d = _doc()
    p = d.paragraphs[0]
    table = d.add_table(rows=1, cols=1)
    cell, row, run = table.cell(0, 0), table.rows[0], p.runs[0]
    assert pydocx.xml(p).tag.endswith("}p") and pydocx.xml(run).tag.endswith("}r")
    assert pydocx.xml(table).tag.endswith("}tbl") and pydocx.xml(row).tag.endswith("}tr")
    assert pydocx.xml(cell).tag.endswith("}tc")
    pydocx.xml(p).get_or_add_pPr().get_or_add_keepNext()   # an edit through it lands in the document
    assert b"<w:keepNext/>" in _xml_of(d)


def _xml_of(d) -> bytes:
    with zipfile.ZipFile(io.BytesIO(pydocx.package_bytes(d))) as z:
        return z.read("word/document.xml")


def test_memoized_style_ids_for_style_objects_answer_as_python_docx_does():
    """Style objects (as the writer passes them): the default style gives no w:pStyle, any other
    its id, a style of the wrong kind the same error."""
    from docx.enum.style import WD_STYLE_TYPE

    plain, fast = _doc(), _doc()
    pydocx.memoize_style_ids(fast)
    for d in (plain, fast):
        added = pydocx.add_paragraph_style(d, "公文正文样式")
        for style in (d.styles["Normal"], d.styles["Heading 1"], added, d.styles["Normal"], added):
            d.add_paragraph("x", style=style)
        with pytest.raises(ValueError):
            d.add_paragraph("x", style=d.styles["Default Paragraph Font"])
        assert d.styles["Default Paragraph Font"].type == WD_STYLE_TYPE.CHARACTER
    body = [[p.xml for p in d.element.body.iterchildren()] for d in (plain, fast)]
    assert body[0] == body[1]
    assert [p.style.name for p in fast.paragraphs[1:6]] == ["Normal", "Heading 1", "公文正文样式", "Normal", "公文正文样式"]


def _doc_with_font(blob: bytes):
    d = _doc()
    pydocx.add_related_part(d.part, "/word/fonts/font1.odttf", "application/vnd.openxmlformats-officedocument.obfuscatedFont",
                            blob, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font")
    return d


def test_font_parts_at_their_own_level_in_both_paths():
    """An embedded font is deflated at ZIP_LEVELS' level, the XML at zlib's default, by the fast
    writer and by the public save alike; a part's compression reused later gives the same bytes."""
    import zlib

    blob = bytes(range(256)) * 64 + "仿宋".encode() * 500
    fast = pydocx.package_bytes(_doc_with_font(blob))
    assert fast == pydocx.package_bytes(_doc_with_font(blob), public_only=True)
    assert fast == pydocx.package_bytes(_doc_with_font(blob))         # compressed parts reused
    with zipfile.ZipFile(io.BytesIO(fast)) as z:
        info = z.getinfo("word/fonts/font1.odttf")
        c = zlib.compressobj(pydocx.ZIP_LEVELS["odttf"], zlib.DEFLATED, -15)
        assert info.compress_size == len(c.compress(blob) + c.flush())
        assert z.read(info) == blob and z.testzip() is None


def test_a_skeleton_opens_with_its_styles_unparsed_and_writes_the_same_bytes():
    d = _doc()
    pydocx.add_paragraph_style(d, "公文正文样式")
    blob = pydocx.package_bytes(d, stored=True)
    lazy = pydocx.open_skeleton(blob)
    assert not pydocx.styles_parsed(lazy)
    assert pydocx.package_bytes(lazy) == pydocx.package_bytes(Document(io.BytesIO(blob)))
    # read (parsed on demand) and changed: python-docx's answers and bytes, as a parsed part
    lazy, plain = pydocx.open_skeleton(blob), Document(io.BytesIO(blob))
    for doc in (lazy, plain):
        doc.add_paragraph("正文", style="公文正文样式")
        pydocx.add_character_style(doc, "中文符号（仿宋）")
    assert pydocx.styles_parsed(lazy)
    assert lazy.styles["公文正文样式"].style_id == "公文正文样式"
    assert pydocx.package_bytes(lazy) == pydocx.package_bytes(plain)
    # finished bytes handed to an unparsed part are what it writes
    lazy, plain = pydocx.open_skeleton(blob), Document(io.BytesIO(blob))
    pydocx.add_character_style(plain, "中文符号（仿宋）")
    pydocx.set_styles_blob(lazy, pydocx.styles_blob(plain))
    assert not pydocx.styles_parsed(lazy)
    assert pydocx.package_bytes(lazy) == pydocx.package_bytes(plain)
    # python-docx's own opening is left as it was
    assert pydocx.styles_parsed(Document(io.BytesIO(blob)))


@pytest.mark.parametrize("text", ["公文", " 前后空格 ", "\u3000全角空格", "甲\t乙", "一\n二\r三", "\t", "x\n"])
@pytest.mark.parametrize("style", [None, "中文符号仿宋"])
def test_add_run_writes_what_python_docx_writes(text, style):
    from lxml import etree

    ours, theirs = _doc(), _doc()
    for d in (ours, theirs):
        pydocx.add_character_style(d, "中文符号仿宋")
    r1 = pydocx.add_run(ours.paragraphs[0], text, style)
    r2 = theirs.paragraphs[0].add_run(text, style=style and "中文符号仿宋")
    assert r1.text == r2.text == text.replace("\r", "\n")
    assert etree.tostring(pydocx.xml(ours.paragraphs[0])) == etree.tostring(pydocx.xml(theirs.paragraphs[0]))


def test_paragraph_style_ids_and_last_character_as_python_docx():
    from lxml import etree

    ours, theirs = _doc(), _doc()
    st = pydocx.add_paragraph_style(theirs, "公文正文样式")
    pydocx.add_paragraph_style(ours, "公文正文样式")
    p1, p2 = pydocx.add_paragraph(ours, st.style_id), theirs.add_paragraph(style=st)
    assert etree.tostring(pydocx.xml(p1)) == etree.tostring(pydocx.xml(p2))
    assert pydocx.last_character(p1) == ""
    for text in ("年", "2023", "", "“"):
        p1.add_run(text)
        assert pydocx.last_character(p1) == p1.text[-1:]
    p1.add_run().add_break()
    assert pydocx.last_character(p1) == p1.text[-1:] == "\n"


def test_documents_opened_from_one_skeleton_share_nothing_they_change():
    d = _doc()
    blob = pydocx.package_bytes(d, stored=True)
    expected = pydocx.package_bytes(Document(io.BytesIO(blob)))
    first = pydocx.open_skeleton(blob)
    first.add_paragraph("只在第一份")
    first.settings.odd_and_even_pages_header_footer = True
    pydocx.set_part_blob(next(p for p in first.part.package.iter_parts() if str(p.partname) == "/docProps/app.xml"), b"<x/>")
    pydocx.set_styles_blob(first, b"<w:styles xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'/>")
    second = pydocx.open_skeleton(blob)
    assert pydocx.package_bytes(second) == expected
    assert pydocx.package_bytes(first) != expected
