"""The DOCX's embedded subsets (write/docx_fonts.py): what the speed-ups keep.

A process converts each CFF glyph to TrueType once and reuses it in later documents' subsets, and
keeps it in the machine's cache for later processes; those subsets must be the bytes a fresh
conversion gives, whatever was converted before (a damaged cache file is converted again).
"""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont

from reportgen.write import docx_fonts

from conftest import require_font

BODY = "科学技术局二〇二四年工作总结和二〇二五年工作思路，全区研发投入强度达到百分之三。"
OTHER = "瓯海区龙湾区永嘉县平阳县苍南县文成县泰顺县瑞安市乐清市，研发投入与高新技术企业。"


@pytest.fixture
def fresh_memo(monkeypatch, tmp_path):
    """An empty process memo and an empty machine cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(docx_fonts, "_CONVERTED", {})
    monkeypatch.setattr(docx_fonts, "_glyph_files_read", set())
    return docx_fonts._CONVERTED


def _new_process(monkeypatch):
    """As in a new process on the same machine: nothing converted in memory."""
    monkeypatch.setattr(docx_fonts, "_CONVERTED", {})
    monkeypatch.setattr(docx_fonts, "_glyph_files_read", set())


@pytest.mark.parametrize("family", ["FandolFang", "Noto Serif CJK SC Black"])
def test_reused_glyphs_give_the_bytes_of_a_fresh_conversion(family, fresh_memo):
    face = require_font(family)
    chars = "".join(sorted(set(BODY + "0123456789 ")))
    fresh, source = docx_fonts._make_subset(face, "仿宋_GB2312", chars, reuse=False)
    assert not fresh_memo
    docx_fonts._make_subset(face, "仿宋_GB2312", "".join(sorted(set(OTHER))))    # an earlier document
    shared = set(BODY) & set(OTHER)
    assert shared and len(fresh_memo) > len(shared)
    reused, source2 = docx_fonts._make_subset(face, "仿宋_GB2312", chars)
    assert (reused, source2) == (fresh, source)
    # every glyph converted before (nothing to convert this time): still the same bytes
    assert docx_fonts._make_subset(face, "仿宋_GB2312", chars) == (fresh, source)
    font = TTFont(io.BytesIO(reused))
    assert "glyf" in font and "CFF " not in font
    assert set(map(ord, BODY)) <= set(font.getBestCmap())


def test_a_truetype_face_is_cut_without_conversion(fresh_memo):
    face = require_font("AR PL UKai CN")
    data, _ = docx_fonts._make_subset(face, "楷体_GB2312", "".join(sorted(set(BODY))))
    assert not fresh_memo and TTFont(io.BytesIO(data))["name"].getDebugName(1) == "楷体_GB2312"


def test_the_disk_cache_is_keyed_by_the_subsetters_versions(tmp_path, monkeypatch):
    """A subset cut by another uharfbuzz/fontTools (another virtualenv on the machine, an
    upgrade) is not read back: its bytes may differ from this version's."""
    face = require_font("AR PL UKai CN")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    docx_fonts.subset.cache_clear()
    first = docx_fonts.subset(face, "楷体_GB2312", "科技局")
    (entry,) = (tmp_path / "reportgen" / "docx-fonts").iterdir()
    monkeypatch.setattr(docx_fonts, "_subsetters", lambda: "uharfbuzz 0.0, fonttools 0.0")
    docx_fonts.subset.cache_clear()
    again = docx_fonts.subset(face, "楷体_GB2312", "科技局")
    assert len(list(entry.parent.iterdir())) == 2 and again == first
    docx_fonts.subset.cache_clear()


def test_a_new_process_reads_the_machines_converted_glyphs(fresh_memo, monkeypatch):
    face = require_font("FandolFang")
    chars = "".join(sorted(set(BODY)))
    fresh, _ = docx_fonts._make_subset(face, "仿宋_GB2312", chars, reuse=False)
    assert docx_fonts._make_subset(face, "仿宋_GB2312", chars)[0] == fresh
    (store,) = docx_fonts._cache_dir().glob("*.glyphs")
    _new_process(monkeypatch)
    import fontTools.pens.ttGlyphPen as pens

    class NoConversion:
        def __init__(self, *a, **k):
            raise AssertionError("a glyph was converted again")

    with monkeypatch.context() as m:
        m.setattr(pens, "TTGlyphPen", NoConversion)
        assert docx_fonts._make_subset(face, "仿宋_GB2312", chars)[0] == fresh
    store.write_bytes(store.read_bytes()[:-7])                 # damaged: ignored, converted again
    _new_process(monkeypatch)
    assert docx_fonts._make_subset(face, "仿宋_GB2312", chars)[0] == fresh
