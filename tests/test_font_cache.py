"""Pre-subset faces (reportgen.write.font_cache): what a cut face holds, that the PDF draws with it,
and that a character outside it still comes from the full face with the same layout."""

import io

import pdfplumber
import pytest
from fontTools.ttLib import TTFont

from reportgen.core.workspace import Workspace
from reportgen.model import Document, Heading, Paragraph, Run
from reportgen.pipeline import render_outputs
from reportgen.write import font_cache, fonts
from reportgen.write import html as html_writer
from reportgen.write.style import load_style

# 瓯 (the 瓯江 of Wenzhou) and 沣 are GB 2312 level two: not in the cut faces.
COMMON, RARE = "科技创新", "瓯"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("REPORTGEN_FONT_CACHE", raising=False)
    font_cache.subset_file.cache_clear()
    yield
    font_cache.subset_file.cache_clear()


def _style():
    return load_style()


@pytest.fixture(scope="module")
def body_face():
    style = _style()
    return fonts.resolve(style, None)[style.elements["body"].font].face


def test_cut_face_holds_the_common_characters_with_renumbered_glyphs(body_face):
    path = font_cache.subset_file(body_face.path, body_face.index)
    assert path is not None and path.is_relative_to(font_cache.cache_dir())
    full = TTFont(str(body_face.path), fontNumber=body_face.index, lazy=True)
    cut = TTFont(str(path))
    cmap, full_cmap = cut.getBestCmap(), full.getBestCmap()
    wanted = font_cache.common_characters() & set(full_cmap)
    assert set(cmap) == wanted                     # every common character the face has, nothing else
    assert ord(RARE) in full_cmap and ord(RARE) not in cmap
    # glyph ids renumbered (not retained): the face holds about the glyphs of its characters
    assert cut["maxp"].numGlyphs < min(full["maxp"].numGlyphs, 3 * len(set(cmap.values())))
    upem = full["head"].unitsPerEm
    assert cut["head"].unitsPerEm == upem
    for ch in COMMON + "，。0A":                   # same advances: the same layout
        assert cut["hmtx"][cmap[ord(ch)]][0] == full["hmtx"][full_cmap[ord(ch)]][0]
    assert not {"vhea", "vmtx", "VORG", "DSIG", "fpgm", "prep", "cvt "} & set(cut.keys())
    kept = {"GSUB", "GPOS", "GDEF", "BASE", "cmap", "hmtx", "hhea", "OS/2", "name", "post"} & set(full.keys())
    assert kept <= set(cut.keys())


def test_built_once_and_keyed_by_the_face_file(body_face):
    first = font_cache.subset_file(body_face.path, body_face.index)
    stamp = first.stat().st_mtime_ns
    font_cache.subset_file.cache_clear()
    again = font_cache.subset_file(body_face.path, body_face.index)
    assert again == first and again.stat().st_mtime_ns == stamp      # read, not rebuilt
    other = fonts.resolve(_style(), None)["heiti"].face
    assert font_cache.subset_file(other.path, other.index) != first


def _chars(pdf: bytes):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [(c["text"], round(c["x0"], 2), round(c["top"], 2), c["fontname"].split("+", 1)[1])
                for page in doc.pages for c in page.chars]


def test_pdf_draws_from_the_cut_face_and_a_rare_character_from_the_full_face(tmp_path, monkeypatch):
    ws = Workspace(tmp_path)
    style = _style()
    text = f"{COMMON}{RARE}江{RARE}{COMMON}——“高峰”。2024年增长12.5%"
    doc = Document(title_lines=["关于科技创新的报告"], blocks=[
        Heading(1, "一、", [Run("总体情况")]), Paragraph([Run(text)]), Paragraph([Run(COMMON, bold=True)])])
    with_cache = render_outputs(doc, style, ws, ("pdf",))["pdf"]
    monkeypatch.setenv("REPORTGEN_FONT_CACHE", "0")
    without = render_outputs(doc, style, ws, ("pdf",))["pdf"]

    on, off = _chars(with_cache), _chars(without)
    assert [c[:3] for c in on] == [c[:3] for c in off]          # the same characters at the same places
    body = fonts.resolve(style, None)[style.elements["body"].font].face.family.replace(" ", "-")
    pairs = list(zip(on, off))
    rare = [(a[3], b[3]) for a, b in pairs if a[0] == RARE]
    assert len(rare) == 2 and all(a == b == body for a, b in rare), rare      # the full face draws 瓯
    common = [a[3] for a, b in pairs if a[0] in COMMON and b[3] == body]
    assert common and all(f.startswith(body + "-GB2312-") for f in common), common
    assert all("GB2312" not in c[3] for c in off)
    assert len(with_cache) < len(without)
    assert render_outputs(doc, style, ws, ("pdf",))["pdf"] == without
    monkeypatch.delenv("REPORTGEN_FONT_CACHE")
    assert render_outputs(doc, style, ws, ("pdf",))["pdf"] == with_cache    # reproducible


def test_no_writable_cache_means_the_full_faces(tmp_path, monkeypatch, body_face):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))           # a file where the folder would be
    assert font_cache.subset_file(body_face.path, body_face.index) is None
    assert font_cache.for_resolutions(fonts.resolve(_style(), None)) == {}


def test_a_rebuilt_cache_gives_the_same_bytes(tmp_path, monkeypatch):
    """The cut is deterministic: a machine that builds its cache afresh writes the same PDF."""
    ws = Workspace(tmp_path)
    doc = Document(title_lines=["关于科技创新的报告"], blocks=[Paragraph([Run(f"{COMMON}{RARE}，2024年增长12.5%")])])
    first = render_outputs(doc, _style(), ws, ("pdf",))["pdf"]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-cache"))
    font_cache.subset_file.cache_clear()
    second = render_outputs(doc, _style(), ws, ("pdf",))["pdf"]
    assert any((tmp_path / "another-cache").rglob("*-v*.?tf"))     # really cut again
    assert first == second


def test_a_run_in_heading_draws_from_the_cut_face_of_its_level(tmp_path):
    """A run-in heading (（一）标题。 opening a body paragraph) is drawn in its level's face, the
    same (cut) face as a heading of that level: no whole face is embedded for it."""
    ws = Workspace(tmp_path)
    style = _style()
    doc = Document(title_lines=["关于科技创新的报告"], blocks=[
        Heading(2, "（一）", [Run(COMMON)]),
        Paragraph([Run("正文。")], head=Heading(2, "（二）", [Run(f"{COMMON}。")]))])
    chars = _chars(render_outputs(doc, style, ws, ("pdf",))["pdf"])
    heading = {c[3] for c in chars[chars.index(next(c for c in chars if c[0] == "（")):][:6]}
    run_in = {c[3] for c in chars if c[0] in "二"} | {c[3] for c in chars[-8:] if c[0] in COMMON}
    assert len(heading) == 1 and run_in == heading, (heading, run_in)
    resolutions = fonts.resolve(style, None)
    subsets = font_cache.for_resolutions(resolutions)
    h2 = resolutions[style.elements["heading2"].font].face.family
    css = html_writer.css(style, resolutions, subsets)
    cut, full = html_writer.css_string(subsets[h2][0]), html_writer.css_string(h2)
    assert f".runin2 {{ font-family: {cut}, {full};" in css
