"""Measured speed-ups of WeasyPrint's layout and PDF writing, applied once per process.

Profiling a warm render of the 鹿城 report (benchmarks/README.md) showed costs that buy
nothing for our documents:

* **Whole font files copied into memory.**  For every face it meets, WeasyPrint's ``Font``
  copies the face's entire blob into Python bytes (the Noto CJK collections are 19–26 MB each,
  about 80 MB per document, ~50 ms), and with HarfBuzz subsetting immediately replaces that copy
  by the subset without reading it.  Here the copy is made lazily, on first access, so it is made
  only when WeasyPrint really needs the whole file (subsetting disabled or failed, variable or
  colour fonts).  The PDF bytes are identical.
* **zlib level 9.**  pydyf compresses every stream at level 9; for our subset fonts level 6 is
  ~25 ms faster per document and the file ~0.3 % larger.  The embedded font files — three
  quarters of the deflated bytes, and poorly compressible (CFF charstrings) — go at level 1:
  ≈4 ms less a document, the file ≈2.5 % larger (the sample's 11 documents: 2.99 → 3.06 MB;
  their font files at levels 1/3/6: 7.4/8.4/11.7 ms a document, 2.87/2.83/2.78 MB).  And with
  zlib's run-length strategy (``Z_RLE``: matches only of the previous byte — CFF charstrings have
  few longer ones): the 鹿城 report's seven font files 10.1 → 5.3 ms, the sample's 11 documents
  3.07 → 3.18 MB (+3.4 %; Huffman only: 6.2 ms, +13 %).  Deterministic too.
* **WeasyPrint's two HarfBuzz subsetting passes as one** (``_one_pass_subset``) and **the empty
  page-margin boxes' box model computed once per containing block** (``_empty_margin_boxes``):
  the same bytes as WeasyPrint's own functions (tests/test_weasyprint_tuning.py compares them on
  the sample's documents; ``benchmarks/pdf_docs.py`` measures them against each other).
* **Box percentages without a call per property** (``_fast_percentages``) and **one Pango context
  and font description shared by the layouts** (``_shared_pango_context``) and **each run's glyphs
  unpacked at once when drawing** (``_glyph_loop``; a justified run's operands and the text matrix
  built without a whole-glyph memo or pydyf's per-number calls: switches ``spaced_runs``,
  ``text_matrix``; a pydyf stream's lines joined from a list: ``_pydyf_bytes``) and **the font
  strut remembered under a tuple instead of a formatted string** (``_strut_key``) and **our own
  HTML parsed by the XML parser**
  (``_xml_parse``, the same element tree as tinyhtml5's) and **a box's normal-flow test reading
  its float and position once** (``_normal_flow``): the same values
  computed with less Python per box, per piece of text and per glyph; the same bytes, compared and measured
  the same way (``SWITCHES`` lists what each replaced).
* **A line split from a shorter Pango draft** (``_short_draft``: 1.5 lines' worth instead of 4),
  **"no background" decided in one pass** (``_no_backgrounds``) and **pseudo-elements' styles
  computed when first asked for** (``_lazy_pseudo_styles``: the user-agent ``::marker``,
  ``::footnote-*`` and ``::note-*`` styles of every element, which our boxes never ask for),
  **a line box without floats placed by WeasyPrint's last expressions alone** (``_line_no_floats``),
  **Pango's can-break answer for a short text remembered** (``_break_memo``), **only the
  page-margin sides and corners with content made** (``_unused_margin_boxes``) and **a span's last
  text, when it fitted with room to spare, not laid out again narrower by its end margin**
  (``_end_spacing_retry``): the same first lines, backgrounds, styles, positions and boxes, the
  same bytes, compared and measured the same way.
* **A text box drawn from the Pango layout its line was broken with** (``_kept_layout``; WeasyPrint
  made and shaped a new one per box) and **a justified line's wider letter spacing applied to its
  kept glyphs with Pango's own arithmetic** (``_spaced_glyphs``, switch ``spacing_glyphs``) instead
  of Pango laying the line out again; in a chart's SVG, **numbers read without an import and a
  context manager each** (``_svg_numbers``), **``<use>`` ids found with one walk** instead of
  ElementPath at every level (``_svg_get_child``) and **3×3 matrix products written out**
  (``_matrix_product``): the same glyphs, numbers and nodes, the same bytes, compared and
  measured the same way.
* **A property the element's style does not declare computed by the inherit-or-initial steps
  alone** (``_computed_defaults``: eight in ten of the ≈3 700 properties computed a document),
  **the declarations of one list of matched selectors cascaded once a document**
  (``_cascade_memo``), **the drawing's ``stacked``/``marked``/``artifact`` as plain context
  managers** (``_stream_contexts``), **boxes without outline only gone through** (``_no_outlines``)
  and **a page's boxes walked with a stack** (``_flat_descendants``): the same styles, operators
  and boxes, the same bytes, compared and measured the same way.

All are guarded: they are applied only when the WeasyPrint/pydyf code has the exact shape they
were written for, otherwise WeasyPrint runs untouched.  ``REPORTGEN_WEASYPRINT_TUNING=0`` turns
them off (an escape hatch for a WeasyPrint upgrade; the test suite compares both ways).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import zlib

from . import weasyprint_sources

ZLIB_LEVEL = 6
# _fast_percentages remembers text and line boxes' used values per style ([False]: it does not — to
# measure that part alone)
_PERCENT_MEMO = [True]
# _shared_pango_context remembers a style's context, description and features ([False]: measure)
_SETUP_MEMO = [True]
_STRUT_MEMO = [True]        # _strut_key remembers a style's strut ([False]: measure)
FONT_ZLIB_LEVEL = 1
FONT_ZLIB_STRATEGY = zlib.Z_RLE
_applied: dict[str, bool] | None = None
_lock = threading.Lock()


def apply() -> dict[str, bool]:
    """Apply the speed-ups (once); returns which ones are active."""
    global _applied
    with _lock:
        if _applied is None:
            if os.environ.get("REPORTGEN_WEASYPRINT_TUNING", "1") == "0":
                _applied = {"lazy_font_blob": False, "zlib_level": False, "one_pass_subset": False,
                            "fast_percentages": False, "empty_margin_boxes": False,
                            "shared_pango_context": False, "glyph_loop": False, "strut_key": False,
                            "xml_parse": False, "normal_flow": False, "kept_layout": False, "svg_numbers": False, "svg_get_child": False, "matrix_product": False, "short_draft": False,
                            "no_backgrounds": False, "lazy_pseudo_styles": False,
                            "line_no_floats": False, "break_memo": False,
                            "unused_margin_boxes": False, "end_spacing_retry": False,
                            "computed_defaults": False, "cascade_memo": False, "stream_contexts": False,
                            "no_outlines": False, "flat_descendants": False}
            else:
                # fast_percentages before empty_margin_boxes, which wraps layout.page's function
                _applied = {"lazy_font_blob": _lazy_font_blob(), "zlib_level": _zlib_level(),
                            "one_pass_subset": _one_pass_subset(), "fast_percentages": _fast_percentages(),
                            "empty_margin_boxes": _empty_margin_boxes(),
                            "shared_pango_context": _shared_pango_context(), "glyph_loop": _glyph_loop(),
                            "strut_key": _strut_key(), "xml_parse": _xml_parse(),
                            "normal_flow": _normal_flow(), "kept_layout": _kept_layout(), "svg_numbers": _svg_numbers(), "svg_get_child": _svg_get_child(), "matrix_product": _matrix_product(), "short_draft": _short_draft(),
                            "no_backgrounds": _no_backgrounds(), "lazy_pseudo_styles": _lazy_pseudo_styles(),
                            "line_no_floats": _line_no_floats(), "break_memo": _break_memo(),
                            "unused_margin_boxes": _unused_margin_boxes(),
                            "end_spacing_retry": _end_spacing_retry(),
                            "computed_defaults": _computed_defaults(), "cascade_memo": _cascade_memo(),
                            "stream_contexts": _stream_contexts(), "no_outlines": _no_outlines(),
                            "flat_descendants": _flat_descendants()}
                weasyprint_sources.save()
        return dict(_applied)


_PENDING = object()


def _lazy_font_blob() -> bool:
    try:
        from weasyprint.pdf import fonts as wpf
        source = weasyprint_sources.getsource(wpf.Font.__init__)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    if "self.file_content = get_hb_object_data(self.hb_face)" not in source or "file_content" in vars(wpf.Font):
        return False
    real_get = wpf.get_hb_object_data
    real_init = wpf.Font.__init__
    state = threading.local()

    def get_hb_object_data(hb_object, ot_color=None, glyph=None):
        if getattr(state, "in_init", False) and ot_color is None:
            state.in_init = False          # only the first call of Font.__init__: the whole face
            return _PENDING
        return real_get(hb_object, ot_color, glyph)

    def __init__(self, *args, **kwargs):
        state.in_init = True
        try:
            real_init(self, *args, **kwargs)
        finally:
            state.in_init = False

    class FileContent:
        """``Font.file_content``: the whole face, read from HarfBuzz when first needed."""

        def __get__(self, font, owner=None):
            if font is None:
                return self
            data = font.__dict__.get("_reportgen_file_content", _PENDING)
            if data is _PENDING:
                data = real_get(font.hb_face)
                font.__dict__["_reportgen_file_content"] = data
            return data

        def __set__(self, font, value):
            font.__dict__["_reportgen_file_content"] = value

    wpf.get_hb_object_data = get_hb_object_data
    wpf.Font.__init__ = __init__
    wpf.Font.file_content = FileContent()
    return True


# The first bytes of an embedded font file (OpenType/CFF, TrueType, TrueType collection).
_FONT_MAGIC = (b"OTTO", b"\x00\x01\x00\x00", b"true", b"ttcf")


class _Deflate:
    """One stream's compressor: a font file at FONT_ZLIB_LEVEL, any other stream at ZLIB_LEVEL.
    pydyf compresses a stream in one ``compress`` call, whose first bytes tell a font file."""

    def __init__(self, args, kwargs):
        self._args, self._kwargs, self._real = args, kwargs, None

    def compress(self, data, /):
        if self._real is None:
            if bytes(data[:4]) not in _FONT_MAGIC:
                self._real = zlib.compressobj(ZLIB_LEVEL, *self._args, **self._kwargs)
            elif self._args or self._kwargs:
                self._real = zlib.compressobj(FONT_ZLIB_LEVEL, *self._args, **self._kwargs)
            else:
                self._real = zlib.compressobj(FONT_ZLIB_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL,
                                              FONT_ZLIB_STRATEGY)
        return self._real.compress(data)

    def flush(self, *args):
        if self._real is None:
            self._real = zlib.compressobj(ZLIB_LEVEL, *self._args, **self._kwargs)
        return self._real.flush(*args)


class _Zlib:
    """The ``zlib`` module as pydyf sees it: ``compressobj(level=9)`` compresses at ZLIB_LEVEL,
    a font file at FONT_ZLIB_LEVEL."""

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level=-1, *args, **kwargs):
        if level == 9:
            return _Deflate(args, kwargs)
        return zlib.compressobj(level, *args, **kwargs)

    @staticmethod
    def compress(data, /, level=-1, **kwargs):
        return zlib.compress(data, ZLIB_LEVEL if level == 9 else level, **kwargs)


def _zlib_level() -> bool:
    try:
        import pydyf
        source = weasyprint_sources.getsource(pydyf.Stream.data.fget)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    if "zlib.compressobj(level=9)" not in source or getattr(pydyf, "zlib", None) is not zlib:
        return False
    pydyf.zlib = _Zlib()
    _pydyf_bytes(pydyf)
    return True


def _pydyf_bytes(pydyf) -> None:
    """A pydyf stream's lines joined from a list, its bytes lines as they are (switch
    ``pydyf_bytes``, applied with zlib_level): pydyf passes every line of every page stream
    through ``_to_bytes`` in a generator (≈0.13 µs a line; a page stream's lines are nearly all
    bytes already).  The same bytes: other lines go through pydyf's own ``_to_bytes``, and the
    rest of ``Stream.data`` is pydyf's, checked on its source.  (A ``_to_bytes`` dispatching on
    the exact type was tried: no faster than pydyf's ``isinstance`` chain.)"""
    try:
        to_bytes_source = weasyprint_sources.getsource(pydyf._to_bytes)
        data_source = weasyprint_sources.getsource(pydyf.Stream.data.fget)
    except (AttributeError, OSError, TypeError):
        return
    expected_bytes = ("if isinstance(item, bytes):\n        return item", "elif isinstance(item, float):",
                      "if item.is_integer():", "return str(int(item)).encode('ascii')",
                      "return f'{item:f}'.rstrip('0').encode('ascii')", "elif isinstance(item, Object):",
                      "return item.data\n    return str(item).encode('ascii')")
    expected_data = ("stream = b'\\n'.join(_to_bytes(item) for item in self.stream)",
                     "extra = Dictionary(self.extra.copy())", "if self.compress:",
                     "extra['Filter'] = '/FlateDecode'", "compressobj = zlib.compressobj(level=9)",
                     "stream = compressobj.compress(stream)", "stream += compressobj.flush()",
                     "extra['Length'] = len(stream)",
                     "return b'\\n'.join((extra.data, b'stream', stream, b'endstream'))")
    if not (all(e in to_bytes_source for e in expected_bytes) and all(e in data_source for e in expected_data)):
        return
    real_data = pydyf.Stream.__dict__["data"]
    dictionary = pydyf.Dictionary

    def data(self):
        to_bytes = pydyf._to_bytes
        stream = b"\n".join([item if type(item) is bytes else to_bytes(item) for item in self.stream])
        extra = dictionary(self.extra.copy())
        if self.compress:
            extra["Filter"] = "/FlateDecode"
            compressobj = pydyf.zlib.compressobj(level=9)
            stream = compressobj.compress(stream)
            stream += compressobj.flush()
        extra["Length"] = len(stream)
        return b"\n".join((extra.data, b"stream", stream, b"endstream"))

    SWITCHES["pydyf_bytes"] = [(pydyf.Stream, "data", real_data, property(data))]
    switch("pydyf_bytes", True)


# WeasyPrint's own functions that a speed-up replaced (for the tests that compare both).
ORIGINAL: dict[str, object] = {}


# The tables of the faces whose one-pass subset was compared byte for byte with WeasyPrint's two
# passes (Noto CJK, FandolFang, AR PL KaitiM and their pre-subset cuts).  A face with any other
# table takes WeasyPrint's way: Liberation Serif's FontForge table FFTM is kept by one pass and
# dropped by the two.
ONE_PASS_TABLES = frozenset({"BASE", "CFF ", "GDEF", "GPOS", "GSUB", "OS/2", "VORG", "cmap", "head", "hhea",
                             "hmtx", "maxp", "name", "post", "vhea", "vmtx", "gasp", "glyf", "loca", "cvt ",
                             "fpgm", "prep", "mort"})


def _one_pass_subset() -> bool:
    """``Font._harfbuzz_subset`` in one HarfBuzz pass instead of two where that gives the same bytes.

    WeasyPrint subsets a face twice: first to the used glyphs with ``RETAIN_GIDS`` (the glyph
    ids drawn in the page streams stay valid), then that result again to all the glyph ids up
    to the highest used one, without ``RETAIN_GIDS``, dropping hinting.  When the first pass keeps
    no glyph above the highest used one, it keeps ids 0…max in place and the second pass rebuilds
    the same face: with the hinting flag moved into the first pass, one pass gave the same file,
    byte for byte, for the faces compared (tests/test_weasyprint_tuning.py: the sample's documents,
    random documents in Noto CJK, FandolFang and AR PL KaitiM) — it is an observation on those
    faces and this HarfBuzz, not a proof for any face.  So the one pass is kept only where those
    conditions hold, and a face is subset WeasyPrint's way (after the one pass, which is then wasted) when

    * it has a table outside ONE_PASS_TABLES (Liberation Serif's FFTM is kept by one pass and
      dropped by two), or
    * HarfBuzz's glyph closure kept a glyph above the highest used one: the one-pass face then has
      more than max + 1 glyphs, where WeasyPrint's second pass renumbers that glyph to max + 1.  The
      full Noto Serif/Sans CJK faces (the per-character fallback) do this for 、 (U+3001), whose
      variation sequence U+3001 U+FE01 in cmap format 14 maps to glyph 63027: one pass gave a
      63028-glyph face (697 732 bytes), two a 58879-glyph one (651 516 bytes) on a fuzz document.

    The cost of a pass follows the face's glyph ids, so this halves the subsetting of our
    pre-subset faces (≈10 ms a document), which have no such variation glyph.
    """
    try:
        from weasyprint.pdf import fonts as wpf
        from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset as hbs
        source = weasyprint_sources.getsource(wpf.Font._harfbuzz_subset)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("HB_SUBSET_FLAGS_RETAIN_GIDS |", "keep = tuple(range(max(to_unicode) + 1))",
                "harfbuzz_subset.hb_subset_or_fail(hb_face, hb_subset)",
                "if not hinting:\n            flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING")
    if hbs is None or not all(e in source for e in expected) or not hasattr(wpf, "get_hb_object_data"):
        return False
    real = wpf.Font._harfbuzz_subset
    drop = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")
    if not all(f"b'{t.decode()}'" in source for t in drop):
        return False

    def _harfbuzz_subset(self, to_unicode, hinting):
        if not set(getattr(self, "tables", ())) <= ONE_PASS_TABLES:
            return real(self, to_unicode, hinting)
        spec = ffi.gc(hbs.hb_subset_input_create_or_fail(), hbs.hb_subset_input_destroy)
        if spec == ffi.NULL:
            return real(self, to_unicode, hinting)
        glyphs = sorted(to_unicode)
        # "hb_codepoint_t[]", not one sized type per length: cffi parses each new C type with
        # pycparser (≈2.5 ms), and almost every subset of a batch has a length not seen before
        harfbuzz.hb_set_add_sorted_array(hbs.hb_subset_input_glyph_set(spec),
                                         ffi.new("hb_codepoint_t[]", glyphs), len(glyphs))
        flags = (hbs.HB_SUBSET_FLAGS_RETAIN_GIDS | hbs.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
                 | hbs.HB_SUBSET_FLAGS_DESUBROUTINIZE)
        if not hinting:
            flags |= hbs.HB_SUBSET_FLAGS_NO_HINTING
        if self.missing:
            flags |= hbs.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
        hbs.hb_subset_input_set_flags(spec, flags)
        tags = tuple(harfbuzz.hb_tag_from_string(t, -1) for t in drop)
        harfbuzz.hb_set_add_sorted_array(hbs.hb_subset_input_set(spec, hbs.HB_SUBSET_SETS_DROP_TABLE_TAG),
                                         ffi.new("hb_codepoint_t[]", sorted(tags)), len(tags))
        face = ffi.gc(hbs.hb_subset_or_fail(self.hb_face, spec), harfbuzz.hb_face_destroy)
        # With RETAIN_GIDS the face has as many glyphs as its highest kept id + 1.  More than the
        # highest used id + 1: HarfBuzz's closure kept a glyph above it (a variation-selector glyph
        # of cmap format 14: 、 U+3001 FE01 → id 63027 in the full Noto Serif CJK faces), which
        # WeasyPrint's second pass renumbers to max + 1 and this pass leaves in place (a face of
        # other bytes: 63028 glyphs, longer hmtx/vmtx/FDSelect) — such a face is subset WeasyPrint's way.
        if face == ffi.NULL or harfbuzz.hb_face_get_glyph_count(face) != glyphs[-1] + 1:
            return real(self, to_unicode, hinting)
        data = wpf.get_hb_object_data(face)
        if data:
            self.file_content = data
        else:       # WeasyPrint's own way, with its warning
            real(self, to_unicode, hinting)

    ORIGINAL["Font._harfbuzz_subset"] = real
    wpf.Font._harfbuzz_subset = _harfbuzz_subset
    return True


# WeasyPrint's layout modules that import ``resolve_percentages`` by name (flex.py calls it through
# the percent module).
_PERCENT_USERS = ("absolute", "block", "column", "float", "grid", "inline", "page", "table")


def switch(name: str, on: bool) -> None:
    """Put the speed-up ``name`` (on) or WeasyPrint's own function (off) in place — for the tests
    and ``benchmarks/pdf_docs.py``, which compare both."""
    for owner, attr, original, replacement in SWITCHES[name]:
        setattr(owner, attr, replacement if on else original)


# speed-up → [(owner, attribute, WeasyPrint's own value, the speed-up's)]
SWITCHES: dict[str, list[tuple]] = {}


def _fast_percentages() -> bool:
    """``layout.percent.resolve_percentages`` without a call per property, same values.

    WeasyPrint calls it for every box it lays out (≈700 times a 7-page report) and it sets 17 used
    values, each through ``resolve_one_percentage`` → ``percentage`` → ``getattr``/``setattr``
    (≈7 % of a render under the profiler).  Here the common value — a length in px, ``auto`` or
    ``None`` — is set directly and any other (a percentage, ``calc()``) goes through WeasyPrint's
    own ``percentage``; the branches (page box, containing block of ``auto`` height, collapsed
    borders, box sizing) are WeasyPrint's, in its order.  A text box's or line box's values depend
    only on its style and its containing block's size: they are remembered with the style (a text
    box shares its style with its element's other pieces of text, ≈85 % of the calls find theirs)
    — WeasyPrint changes a style's box-model values in place only for flex and grid items, after
    copying the style, and those are block boxes.
    """
    try:
        from weasyprint.css.properties import Dimension
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import percent
        from weasyprint.css.functions import check_math
        import importlib
        source = weasyprint_sources.getsource(percent.resolve_percentages)
        users = [importlib.import_module(f"weasyprint.layout.{m}") for m in _PERCENT_USERS]
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    real = percent.resolve_percentages
    expected = ("resolve_one_percentage(box, 'margin_left', cb_width)", "maybe_height = cb_height",
                "resolve_one_percentage(box, 'max_width', cb_width)", "if cb_height == 'auto':",
                "resolve_one_percentage(box, 'min_height', 0)", "resolve_one_percentage(box, 'max_height', inf)",
                "resolve_one_percentage(box, 'max_height', cb_height)",
                "if not (collapse and hasattr(box, prop)):", "adjust_box_sizing(box, 'width')\n"
                "    adjust_box_sizing(box, 'height')")
    if (not all(e in source for e in expected) or source.count("resolve_one_percentage(") != 16
            or any(getattr(m, "resolve_percentages", None) is not real for m in users)
            or not callable(getattr(percent, "percentage", None))
            or not callable(getattr(percent, "adjust_box_sizing", None))):
        return False
    percentage, adjust, page_box, box_type = percent.percentage, percent.adjust_box_sizing, boxes.PageBox, boxes.Box
    inf = float("inf")
    horizontal = ("margin_left", "margin_right")
    vertical = ("margin_top", "margin_bottom")
    paddings_h = ("padding_left", "padding_right")
    paddings_v = ("padding_top", "padding_bottom")
    widths = ("width", "min_width", "max_width")
    heights = ("height", "min_height", "max_height")
    borders = ("border_top_width", "border_right_width", "border_bottom_width", "border_left_width")
    used_names = (*horizontal, *vertical, *paddings_h, *paddings_v, *widths, *heights, *borders)
    text_box, line_box = boxes.TextBox, boxes.LineBox

    def used(value, style, refer_to):
        # WeasyPrint's percentage() for a px length, auto and None; anything else through it
        if value is None or value == "auto":
            return value
        if type(value) is Dimension and value.unit == "px":
            return value.value
        return percentage(value, style, refer_to)

    def resolve_percentages(box, containing_block):
        if isinstance(containing_block, box_type):
            cb_width = containing_block.width
            cb_height = containing_block.height
        else:
            cb_width, cb_height = containing_block
        style = box.style
        d = box.__dict__
        kind = type(box)
        key = None
        if (kind is text_box or kind is line_box) and _PERCENT_MEMO[0]:
            # a text or line box's used values, remembered by its style for its containing block
            key = (cb_width, type(cb_width), cb_height, type(cb_height), kind)
            memo = style.__dict__.get("_reportgen_used")
            if memo is not None:
                try:
                    found = memo.get(key)
                except TypeError:
                    found = key = None
                if found is not None:
                    d.update(found)
                    return
        maybe_height = cb_height if isinstance(box, page_box) else cb_width
        for name in horizontal:
            d[name] = used(style[name], style, cb_width)
        for name in vertical:
            d[name] = used(style[name], style, maybe_height)
        for name in paddings_h:
            d[name] = used(style[name], style, cb_width)
        for name in paddings_v:
            d[name] = used(style[name], style, maybe_height)
        for name in widths:
            value = used(style[name], style, cb_width)
            d[name] = 0 if value == "auto" and name == "min_width" else value
        if cb_height == "auto":
            height = style["height"]
            if height == "auto" or check_math(height) or height.unit == "%":
                d["height"] = "auto"
            else:
                assert height.unit.lower() == "px"
                d["height"] = height.value
            value = used(style["min_height"], style, 0)
            d["min_height"] = 0 if value == "auto" else value
            d["max_height"] = used(style["max_height"], style, inf)
        else:
            for name in heights:
                value = used(style[name], style, cb_height)
                d[name] = 0 if value == "auto" and name == "min_height" else value
        collapse = style["border_collapse"] == "collapse"
        for prop in borders:
            if not (collapse and hasattr(box, prop)):
                d[prop] = style[prop]
        if style["box_sizing"] != "content-box":
            adjust(box, "width")
            adjust(box, "height")
        if key is not None and not collapse:
            memo = style.__dict__.setdefault("_reportgen_used", {})
            if len(memo) < 16:
                try:
                    memo[key] = {name: d[name] for name in used_names}
                except TypeError:
                    pass

    # Boxes keep their used values in their __dict__ (no slots, no properties of those names).
    if any(isinstance(getattr(boxes.Box, n, None), property) for n in (*horizontal, *vertical, *paddings_h,
                                                                         *paddings_v, *widths, *heights, *borders)):
        return False
    ORIGINAL["layout.percent.resolve_percentages"] = real
    SWITCHES["fast_percentages"] = [(m, "resolve_percentages", real, resolve_percentages) for m in (percent, *users)]
    switch("fast_percentages", True)
    return True


def _shared_pango_context() -> bool:
    """``text.line_break.Layout.setup`` with one Pango context per (font map, direction, language)
    and one font description per font, instead of new ones for every layout.

    WeasyPrint sets a Pango layout up for every piece of text it measures and again for every
    text box it draws (≈730 times a 7-page report, ≈21 µs each): a new Pango context, a new
    font description.  A context only carries its font map, base direction, language and the
    unrounded glyph positions, none of which a layout changes, so layouts can share one; Pango
    copies the font description into the layout, so one per font serves every layout.  The
    font features, attributes and metrics are set up as WeasyPrint does (but each layout owns its
    font-feature attribute and list, freed with it: weasyprint_memory); the same glyphs and
    positions, the same bytes.  What a style's layouts share (context, language, description,
    features) is also remembered with the style, for the next layout of the same style (a text
    box's pieces, its drawing) — none of its font properties is changed in place once laid out.
    """
    try:
        from weasyprint.text import line_break as lb
        from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
        from weasyprint.text.ffi import FROM_UNITS, ffi, gobject, pango, unicode_to_char_p
        from weasyprint.text.fonts import font_features, get_font_description
        source = weasyprint_sources.getsource(lb.Layout.setup)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("pango.pango_font_map_create_context(font_map)",
                "pango.pango_context_set_round_glyph_positions(pango_context, False)",
                "pango.pango_context_set_base_dir(\n            pango_context, PANGO_DIRECTION[style['direction']])",
                "font_description = get_font_description(style)",
                "pango.pango_layout_set_auto_dir(self.layout, False)",
                "pango.pango_layout_set_font_description(self.layout, font_description)",
                "attr = style.font_config.font_features.setdefault(",
                "pango.pango_layout_set_attributes(self.layout, attr_list)")
    if not all(e in source for e in expected) or source.count("pango_context_set") != 3 or \
            lb.get_font_description is not get_font_description:
        return False
    real = lb.Layout.setup
    descriptions: dict[tuple, object] = {}
    features_of: dict[tuple, bytes] = {}

    def context_for(font_config, direction, language_override, lang):
        # kept by the font configuration (it dies with it); one per thread too: Pango's objects
        # are not shared between threads
        contexts = font_config.__dict__.get("_reportgen_pango_contexts")
        if contexts is None:
            contexts = font_config.__dict__.setdefault("_reportgen_pango_contexts", {})
        key = (direction, language_override, lang, threading.get_ident())
        found = contexts.get(key)
        if found is None:
            font_map = font_config.font_map
            # WeasyPrint's steps; the context keeps a reference to its font map
            pango_context = ffi.gc(pango.pango_font_map_create_context(font_map), gobject.g_object_unref)
            pango.pango_context_set_round_glyph_positions(pango_context, False)
            pango.pango_context_set_base_dir(pango_context, PANGO_DIRECTION[direction])
            if language_override != "normal":
                lang_p, lang_b = unicode_to_char_p(LST_TO_ISO.get(language_override.lower(), language_override))
            elif lang:
                lang_p, lang_b = unicode_to_char_p(lang)
            else:
                lang_b = None
                language = pango.pango_language_get_default()
            if lang_b:
                language = pango.pango_language_from_string(lang_p)
                pango.pango_context_set_language(pango_context, language)
            found = (pango_context, language)
            with _lock:
                if len(contexts) >= 64:
                    contexts.clear()
                contexts[key] = found
        return found

    def setup(self, style):
        self.style = style
        self.first_line_direction = 0
        found = style.__dict__.get("_reportgen_setup")
        if found is not None and found[0] == threading.get_ident() and _SETUP_MEMO[0]:
            # what the lines below found for this style before (in this thread): a style's font
            # properties are not changed in place once its boxes are laid out
            _, pango_context, self.language, font_description, features = found
            self.layout = ffi.gc(pango.pango_layout_new(pango_context), gobject.g_object_unref)
            pango.pango_layout_set_auto_dir(self.layout, False)
            pango.pango_layout_set_font_description(self.layout, font_description)
            self.ascent = self.underline_position = self.strikethrough_position = None
            if features:
                attr_list = pango.pango_attr_list_new()
                pango.pango_attr_list_insert(attr_list, pango.pango_attr_font_features_new(features))
                pango.pango_layout_set_attributes(self.layout, attr_list)
                pango.pango_attr_list_unref(attr_list)
            return
        pango_context, self.language = context_for(
            style.font_config, style["direction"], style["font_language_override"], style["lang"])
        assert not isinstance(style["font_family"], str), "font_family should be a list"
        key = (style["font_family"], style["font_style"], style["font_stretch"], style["font_weight"],
               style["font_size"], style["font_variant_caps"], style["font_variation_settings"])
        if key[6] != "normal":          # variation numbers are formatted into the description
            return real(self, style)
        try:
            font_description = descriptions.get(key)
        except TypeError:       # a value that cannot be a key: WeasyPrint's own way
            return real(self, style)
        if font_description is None:
            font_description = get_font_description(style)
            with _lock:
                if len(descriptions) >= 256:
                    descriptions.clear()
                descriptions[key] = font_description
        self.layout = ffi.gc(pango.pango_layout_new(pango_context), gobject.g_object_unref)
        pango.pango_layout_set_auto_dir(self.layout, False)
        pango.pango_layout_set_font_description(self.layout, font_description)

        if style["text_decoration_line"] != "none":
            metrics = ffi.gc(pango.pango_context_get_metrics(pango_context, font_description, self.language),
                             pango.pango_font_metrics_unref)
            self.ascent = FROM_UNITS * pango.pango_font_metrics_get_ascent(metrics)
            self.underline_position = FROM_UNITS * pango.pango_font_metrics_get_underline_position(metrics)
            self.strikethrough_position = FROM_UNITS * pango.pango_font_metrics_get_strikethrough_position(metrics)
            self.underline_thickness = FROM_UNITS * pango.pango_font_metrics_get_underline_thickness(metrics)
            self.strikethrough_thickness = FROM_UNITS * pango.pango_font_metrics_get_strikethrough_thickness(metrics)
        else:
            self.ascent = None
            self.underline_position = None
            self.strikethrough_position = None

        values = (style["font_kerning"], style["font_variant_ligatures"], style["font_variant_position"],
                  style["font_variant_caps"], style["font_variant_numeric"], style["font_variant_alternates"],
                  style["font_variant_east_asian"], style["font_feature_settings"])
        # remembered for keyword values only (the settings' numbers: 1 and 1.0 are equal keys)
        plain = values[7] == "normal" and type(values[7]) is str
        try:
            features = features_of.get(values) if plain else None
        except TypeError:
            features = plain = None
        if features is None:
            features = font_features(*values)
            features = ",".join(f"{k} {v}" for k, v in features.items()).encode() if features else b""
            if plain:
                features_of[values] = features
        if features:
            # the layout's own attribute and list, freed with it (WeasyPrint shares one attribute
            # and leaks a list per layout: weasyprint_memory)
            attr_list = pango.pango_attr_list_new()
            pango.pango_attr_list_insert(attr_list, pango.pango_attr_font_features_new(features))
            pango.pango_layout_set_attributes(self.layout, attr_list)
            pango.pango_attr_list_unref(attr_list)
        if plain and self.ascent is None:
            style.__dict__["_reportgen_setup"] = (threading.get_ident(), pango_context, self.language,
                                                  font_description, features)

    ORIGINAL["Layout.setup"] = real
    SWITCHES["shared_pango_context"] = [(lb.Layout, "setup", real, setup)]
    switch("shared_pango_context", True)
    return True


def _glyph_text(item, clusters, i: int, num_glyphs: int, utf8_text: bytes) -> str:
    """The text of glyph ``i`` of a glyph run (its cluster), as WeasyPrint's draw_first_line finds it
    for the PDF's ToUnicode map."""
    start = item.offset
    t1 = clusters[i]
    if item.analysis.level % 2:
        t2 = item.length if i == 0 else clusters[i - 1]
    else:
        t2 = item.length if i == num_glyphs - 1 else clusters[i + 1]
    return utf8_text[start + t1:start + t2].decode()


def _glyph_loop() -> bool:
    """``draw.text.draw_first_line`` reading each run's glyphs in one go, same text operators.

    Drawing a text box turns every glyph of its Pango line into a glyph id and a kerning
    adjustment of the PDF's ``TJ`` array; WeasyPrint reads each glyph's id, width and offsets
    field by field through cffi (≈10 % of a render).  Here a run's glyph array is unpacked at
    once (``struct``, with cffi's own layout of ``PangoGlyphInfo``) and the same strings are
    built with the same arithmetic.  Lines that WeasyPrint draws differently — ellipses, colour
    or bitmap fonts (emojis) — are drawn by WeasyPrint's own function; the fonts are registered
    with the page in the same order either way.

    A justified line's glyphs (``_spaced_glyphs``) have this line's widths and offsets, so they
    are not remembered whole: a run's ids, widths and offsets come as four sequences and each
    glyph's operands are its hex id (remembered per font once mapped and measured) between the
    (offset, kerning) strings of its (x offset, width, logical width) — switch ``spaced_runs``.
    draw_text's ``Matrix(d=-1, e=x, f=y)`` is written as pydyf writes it, in one string
    (``_pdf_number``: pydyf's number formatting, checked on its source) — switch ``text_matrix``.
    """
    try:
        import struct
        from itertools import count

        from weasyprint.draw import text as draw_text
        from weasyprint.logger import LOGGER
        from weasyprint.text.ffi import FROM_UNITS, ffi, pango
        source = weasyprint_sources.getsource(draw_text.draw_first_line)
        info_size = ffi.sizeof("PangoGlyphInfo")
        offsets = (ffi.offsetof("PangoGlyphInfo", "glyph"), ffi.offsetof("PangoGlyphInfo", "geometry"),
                   ffi.sizeof("PangoGlyph"), ffi.sizeof("PangoGlyphGeometry"))
    except Exception:       # noqa: BLE001 — any surprise (an import, cffi's layout): WeasyPrint's own
        return False
    expected = ("pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)",
                "if text_overflow == 'ellipsis' or block_ellipsis != 'none':",
                "font, font_size = stream.add_font(pango_font)",
                "if pango.pango_version() < 14802 or font.png:",
                "stream.set_font_size(font.hash, 1 if font.bitmap else font_size)",
                "string += f'>{-width / font_size}<'",
                "glyph_id = font.get_unused_glyph_id(codepoint)",
                "font.widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)",
                "font.to_unicode[glyph_id] = utf8_text[offset+t1:offset+t2].decode()",
                "offset = glyph_info.geometry.x_offset / font_size",
                "rise = glyph_info.geometry.y_offset / 1000",
                "string += f'>{-offset}<'",
                "stream.logical_rect.width * 1000 * FROM_UNITS / font_size)",
                "kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size",
                "string += f'>{int(kerning)}<'", "if font.svg:", "elif font.png:", "elif font.colr:",
                "stream.show_text(string)\n\n    return emojis")
    if (not all(e in source for e in expected) or offsets != (0, 4, 4, 12) or info_size != 20
            or ffi.sizeof("gint") != 4):
        return False
    real = draw_text.draw_first_line
    text_matrix = _pydyf_text_matrix()
    unpack = struct.Struct("=Iiii4x").iter_unpack
    empty, unknown = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG
    old_pango = pango.pango_version() < 14802

    def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
        layout = textbox.pango_layout
        if text_overflow == "ellipsis" or block_ellipsis != "none":
            _lay_out_spacing(layout)
            return real(stream, textbox, text_overflow, block_ellipsis, matrix)
        if not textbox.text.strip() or textbox.style["font_size"] < 1e-6:
            return []
        if not layout.__dict__.pop("_reportgen_as_laid_out", False):     # see _kept_layout
            pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
        first_line, _ = layout.get_first_line()
        spaced = None           # a justified line's glyphs with its letter spacing (_spaced_glyphs)
        spacing = layout.__dict__.get("_reportgen_spacing")
        if spacing is not None:
            spaced = _spaced_glyphs(first_line, spacing)
            if spaced is None:
                _lay_out_spacing(layout)
                first_line, _ = layout.get_first_line()
        # the runs and their fonts, registered in WeasyPrint's order; emoji fonts: its own way
        runs = []
        previous, current = None, None
        run = first_line.runs[0]
        while run != ffi.NULL:
            glyph_item = run.data
            run = run.next
            pango_font = glyph_item.item.analysis.font
            if pango_font != previous:
                previous = pango_font
                font, font_size = stream.add_font(pango_font)
                if font.svg or font.png or font.colr:
                    if spaced is not None:
                        _lay_out_spacing(layout)
                    return real(stream, textbox, text_overflow, block_ellipsis, matrix)
                if old_pango:
                    font_size = textbox.style["font_size"]
                current = (font, font_size)
                runs.append((glyph_item, pango_font, current))
            else:
                runs.append((glyph_item, pango_font, None))

        # Matrix(d=-1, e=x, f=y) of draw_text: "1 0 0 -1 x y Tm" formatted as pydyf does, in one go
        (a, b, _), (c, d, _), (e, f, _) = matrix
        if _TEXT_MATRIX and (a, b, c, d) == (1, 0, 0, -1) and int is type(a) is type(b) is type(c) is type(d) \
                and type(stream).set_text_matrix is text_matrix:
            e, f = _pdf_number(e), _pdf_number(f)
            if e is not None and f is not None:
                stream.stream.append(f"1 0 0 -1 {e} {f} Tm".encode())
            else:
                stream.set_text_matrix(*matrix.values)
        else:
            stream.set_text_matrix(*matrix.values)
        string = ""
        for index, (glyph_item, pango_font, new_font) in enumerate(runs):
            if new_font is not None:
                font, font_size = new_font
                if string:
                    stream.show_text(string)
                string = ""
                stream.set_font_size(font.hash, 1 if font.bitmap else font_size)
                to_unicode, widths, bitmap = font.to_unicode, font.widths, font.bitmap
                # a glyph's operands (offset, id, kerning), once it is mapped and measured,
                # depend only on its id, width and offsets at this size
                memos = font.__dict__.setdefault("_reportgen_glyph_operands", {})
                memo = memos.get(font_size)
                if memo is None:
                    memo = memos[font_size] = {}
                arounds = font.__dict__.setdefault("_reportgen_glyph_arounds", {}).setdefault(font_size, {})
                # a glyph's hex id and logical width, once it is mapped and measured (any size)
                glyph_hex = font.__dict__.setdefault("_reportgen_glyph_hex", {})
            glyph_string = glyph_item.glyphs
            num_glyphs = glyph_string.num_glyphs
            clusters = glyph_string.log_clusters
            utf8_text = None
            parts = ["<"]
            add = parts.append
            if spaced is None:
                infos = unpack(ffi.buffer(glyph_string.glyphs, num_glyphs * 20))
            else:
                ids, spaced_widths, x_offsets, y_offsets = spaced[index]
                if _SPACED_RUNS and not any(y_offsets) and max(ids) < empty:
                    # a justified run: its widths and offsets are this line's, so its operands
                    # are built from the glyph's hex id and the (offset, width, logical width)
                    # arounds, with the arithmetic below, not remembered under the whole glyph
                    for i, glyph_id, width, x_offset in zip(count(), ids, spaced_widths, x_offsets):
                        known = glyph_hex.get(glyph_id)
                        if known is None:
                            if glyph_id not in to_unicode:
                                utf8_text = utf8_text or layout.text.encode()
                                to_unicode[glyph_id] = _glyph_text(glyph_item.item, clusters, i, num_glyphs, utf8_text)
                            if glyph_id not in widths:
                                pango.pango_font_get_glyph_extents(pango_font, glyph_id, stream.ink_rect,
                                                                   stream.logical_rect)
                                widths[glyph_id] = round(stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
                            known = glyph_hex[glyph_id] = (f"{glyph_id:02x}" if bitmap else f"{glyph_id:04x}",
                                                           widths[glyph_id])
                        key = (x_offset, width, known[1])
                        around = arounds.get(key)
                        if around is None:
                            offset = x_offset / font_size
                            kerning = known[1] + offset - width * 1000 * FROM_UNITS / font_size
                            around = arounds[key] = (f">{-offset}<" if offset else "",
                                                     f">{int(kerning)}<" if kerning else "")
                        add(around[0] + known[0] + around[1])
                    string += "".join(parts)
                    if string[-1] == "<":
                        string = string[:-1]
                    else:
                        string += ">"
                    continue
                infos = zip(ids, spaced_widths, x_offsets, y_offsets)
            for i, info in enumerate(infos):
                known = memo.get(info)
                if known is not None:
                    add(known)
                    continue
                glyph_id, width, x_offset, y_offset = info
                if glyph_id == empty:
                    add(f">{-width / font_size}<")
                    continue
                if glyph_id & unknown:
                    codepoint = glyph_id - unknown
                    LOGGER.warning(
                        ".notdef glyph rendered for Unicode string unsupported by fonts: "
                        '"%s" (U+%04X)', chr(codepoint), codepoint)
                    glyph_id = font.get_unused_glyph_id(codepoint)
                    font.widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
                    if 0 not in font.widths:
                        font.widths[0] = font.widths[glyph_id]
                if glyph_id not in to_unicode:
                    utf8_text = utf8_text or layout.text.encode()
                    to_unicode[glyph_id] = _glyph_text(glyph_item.item, clusters, i, num_glyphs, utf8_text)
                if y_offset:        # a raised glyph: shown on its own
                    offset = x_offset / font_size
                    rise = y_offset / 1000
                    string += "".join(parts)
                    parts.clear()
                    if string[-1] == "<":
                        string = string[:-1]
                    else:
                        string += ">"
                    if string:
                        stream.show_text(string)
                    stream.set_text_rise(-rise)
                    string = ""
                    if offset:
                        string = f"{-offset}"
                    string += f"<{glyph_id:02x}>" if bitmap else f"<{glyph_id:04x}>"
                    stream.show_text(string)
                    stream.set_text_rise(0)
                    string = ""
                    add("<")
                if glyph_id in widths:
                    logical_width = widths[glyph_id]
                else:
                    pango.pango_font_get_glyph_extents(pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
                    logical_width = widths[glyph_id] = round(
                        stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
                if y_offset:
                    kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
                    if kerning:
                        add(f">{int(kerning)}<")
                    continue
                # the offset before the glyph and the kerning after it depend only on these three
                # at this size (a justified line's glyphs share them)
                around = arounds.get((x_offset, width, logical_width))
                if around is None:
                    offset = x_offset / font_size
                    kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
                    around = arounds[x_offset, width, logical_width] = (
                        f">{-offset}<" if offset else "", f">{int(kerning)}<" if kerning else "")
                operands = around[0] + (f"{glyph_id:02x}" if bitmap else f"{glyph_id:04x}") + around[1]
                add(operands)
                if not info[0] & unknown:
                    memo[info] = operands
            string += "".join(parts)
            if string[-1] == "<":
                string = string[:-1]
            else:
                string += ">"
        stream.show_text(string)
        return []

    ORIGINAL["draw.text.draw_first_line"] = real
    SWITCHES["glyph_loop"] = [(draw_text, "draw_first_line", real, draw_first_line)]
    switch("glyph_loop", True)
    this = sys.modules[__name__]
    SWITCHES["spaced_runs"] = [(this, "_SPACED_RUNS", False, True)]
    switch("spaced_runs", True)
    if text_matrix is not None:
        SWITCHES["text_matrix"] = [(this, "_TEXT_MATRIX", False, True)]
        switch("text_matrix", True)
    global _glyph_loop_applied
    _glyph_loop_applied = True
    return True


_glyph_loop_applied = False
_SPACED_RUNS = False        # switched on with glyph_loop ("spaced_runs")
_TEXT_MATRIX = False        # likewise ("text_matrix"), where pydyf has the shape _pdf_number repeats


def _pdf_number(x) -> str | None:
    """pydyf's ``_to_bytes`` of an int or a float (as text); None for anything else."""
    kind = type(x)
    if kind is float:
        return str(int(x)) if x.is_integer() else f"{x:f}".rstrip("0")
    if kind is int:
        return str(x)
    return None


def _pydyf_text_matrix():
    """pydyf's ``Stream.set_text_matrix`` if it and ``_to_bytes`` have the shape _pdf_number
    repeats (six numbers through ``_to_bytes`` joined by spaces, then ``Tm``), else None."""
    try:
        import pydyf
        matrix = weasyprint_sources.getsource(pydyf.Stream.set_text_matrix)
        to_bytes = weasyprint_sources.getsource(pydyf._to_bytes)
    except (ImportError, AttributeError, OSError, TypeError):
        return None
    expected_matrix = ("self.stream.append(b' '.join((", "_to_bytes(a), _to_bytes(b), _to_bytes(c),",
                       "_to_bytes(d), _to_bytes(e), _to_bytes(f), b'Tm')))")
    expected_bytes = ("if isinstance(item, bytes):", "elif isinstance(item, float):", "if item.is_integer():",
                      "return str(int(item)).encode('ascii')", "return f'{item:f}'.rstrip('0').encode('ascii')",
                      "elif isinstance(item, Object):", "return str(item).encode('ascii')")
    if not (all(e in matrix for e in expected_matrix) and all(e in to_bytes for e in expected_bytes)):
        return None
    return pydyf.Stream.set_text_matrix


def _strut_key() -> bool:
    """``text.line_break.strut`` remembered under a tuple instead of a string.

    WeasyPrint caches a font's strut (line height, baseline) per process under the ``str()`` of
    16 style values (``_font_style_cache_key``, in ``FontConfiguration.strut_layouts``) — formatting named tuples each time, ≈10 µs for
    each of the ≈670 calls of a 7-page report, more than the lookup saves.  Here the values
    themselves, with the types of the numbers, are the key, so two keys are equal only where
    WeasyPrint's strings are (an int and an equal float give different strings): what is not
    yet remembered is WeasyPrint's own function's answer.  A style with font feature or
    variation settings (numbers inside tuples) takes WeasyPrint's way.
    """
    try:
        from weasyprint.css.properties import Dimension
        from weasyprint.layout import inline
        from weasyprint.css import units
        from weasyprint.text import line_break as lb
        source = weasyprint_sources.getsource(lb._font_style_cache_key)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    real = lb.strut
    names = ("font_family", "font_style", "font_stretch", "font_weight", "font_variant_ligatures",
             "font_variant_position", "font_variant_caps", "font_variant_numeric", "font_variant_alternates",
             "font_variant_east_asian", "font_feature_settings", "font_variation_settings",
             "font_language_override", "lang")
    if (not all(f"style['{n}']" in source for n in names) or source.count("style['") != len(names) + 2
            or "key += str(style['font_size']) + str(style['line_height'])" not in source
            or inline.strut is not real or units.strut is not real):
        return False
    plain = (str, int, float, type(None))

    def strut(style):
        known = style.__dict__.get("_reportgen_strut")
        if known is not None and known[0] is style.font_config and _STRUT_MEMO[0]:
            return known[1]     # this style's strut, found below before (its values are not changed in place)
        font_size, line_height = style["font_size"], style["line_height"]
        values = (style["font_family"], style["font_style"], style["font_stretch"], style["font_weight"],
                  style["font_variant_ligatures"], style["font_variant_position"], style["font_variant_caps"],
                  style["font_variant_numeric"], style["font_variant_alternates"], style["font_variant_east_asian"],
                  style["font_feature_settings"], style["font_variation_settings"],
                  style["font_language_override"], style["lang"])
        if type(line_height) is Dimension:
            height = (line_height.value, line_height.unit, type(line_height.value))
        else:
            height = (line_height, type(line_height))
        # per font configuration, as WeasyPrint's cache (its fonts decide the strut)
        memo = style.font_config.__dict__.get("_reportgen_struts")
        if memo is None:
            memo = style.font_config.__dict__.setdefault("_reportgen_struts", {})
        key = (values, tuple(map(type, values)), font_size, type(font_size), height)
        try:
            found = memo.get(key)
        except TypeError:       # a value that cannot be a key
            return real(style)
        if found is None:
            # only plain values are remembered (so a key found again has plain values too)
            if (values[10] != "normal" or values[11] != "normal" or type(font_size) not in plain
                    or not (type(line_height) is Dimension or type(line_height) in plain)
                    or not all(type(v) in plain or (type(v) is tuple and all(type(x) is str for x in v))
                               for v in values)):
                return real(style)
            found = memo[key] = real(style)
        style.__dict__["_reportgen_strut"] = (style.font_config, found)
        return found

    ORIGINAL["line_break.strut"] = real
    SWITCHES["strut_key"] = [(m, "strut", real, strut) for m in (lb, inline, units)]
    switch("strut_key", True)
    return True


# The elements html.py writes, and which of them are void (no end tag) and block-level (they
# would end an open <p> in an HTML parser).  A document with any other element, a comment, an
# entity XML does not know, a control character, a line break inside a tag or text where an
# HTML parser would move it (in a table's structure) is parsed by tinyhtml5.
_HTML_ELEMENTS = frozenset({"html", "head", "meta", "title", "body", "p", "h1", "h2", "h3", "h4", "div",
                            "span", "b", "strong", "i", "em", "mark", "table", "colgroup", "col", "thead",
                            "tbody", "tr", "th", "td", "img"})
_VOID = ("meta", "col", "img")
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "div", "table"})
_TABLE_PARTS = frozenset({"table", "colgroup", "thead", "tbody", "tr"})


def xml_tree(text: str):
    """The element tree tinyhtml5 makes of ``text`` (``namespace_html_elements=False``), made by
    the XML parser, when ``text`` is HTML of the shape ``write/html.py`` writes; else None."""
    import re
    import xml.etree.ElementTree as ET

    head = "<!DOCTYPE html>\n<html"
    if (not text.startswith(head) or not text.endswith("</body></html>\n") or "<!" in text[len(head):]
            or "<?" in text or "]]>" in text or re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)
            or re.search(r"<[^>]*[\n\t]", text)):
        return None
    tags = set(re.findall(r"</?([A-Za-z][A-Za-z0-9]*)", text))
    if not tags <= _HTML_ELEMENTS:
        return None
    body = re.sub(r"<(%s)(\s[^>]*)?>" % "|".join(_VOID), r"<\1\2/>", text[len("<!DOCTYPE html>\n"):])
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    if root.tag != "html" or [c.tag for c in root] != ["head", "body"] or root.text or root[1].tail:
        return None
    for element in root.iter():
        if element.tag in ("p", "h1", "h2", "h3", "h4") and any(e.tag in _BLOCKS for e in element.iter() if e is not element):
            return None
        if element.tag in _TABLE_PARTS and (element.text or any(c.tail for c in element)):
            return None
        if element.tag == "table":
            if any(c.tag not in ("colgroup", "thead", "tbody", "tr") for c in element):
                return None
            rows = [c for c in element if c.tag == "tr"]
            if rows:      # an HTML parser puts rows written directly in a table into a <tbody>
                if element[len(element) - len(rows):] != rows:
                    return None
                for row in rows:
                    element.remove(row)
                ET.SubElement(element, "tbody").extend(rows)
    # the line break after </html> is the body's last text in an HTML parser
    body_element = root[1]
    if len(body_element):
        body_element[-1].tail = (body_element[-1].tail or "") + "\n"
    else:
        body_element.text = (body_element.text or "") + "\n"
    return root


def _xml_parse() -> bool:
    """WeasyPrint's HTML parsing (tinyhtml5, a pure-Python HTML5 parser: ≈5 ms a report) done by
    the XML parser for the HTML that ``write/html.py`` writes (``xml_tree``), the same element
    tree; any other HTML goes to tinyhtml5.  tests/test_weasyprint_tuning.py compares both trees."""
    try:
        import io

        import tinyhtml5
        import weasyprint
        source = weasyprint_sources.getsource(weasyprint.HTML.__init__)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    if (getattr(weasyprint, "tinyhtml5", None) is not tinyhtml5
            or "kwargs = {'namespace_html_elements': False}" not in source
            or "result = tinyhtml5.parse(file_obj, **kwargs)" not in source):
        return False

    class Parser:
        """``tinyhtml5`` as WeasyPrint's HTML sees it."""

        def __getattr__(self, name):
            return getattr(tinyhtml5, name)

        @staticmethod
        def parse(source, **kwargs):
            if type(source) is io.StringIO and kwargs == {"namespace_html_elements": False} and not source.tell():
                root = xml_tree(source.getvalue())
                if root is not None:
                    return root
            return tinyhtml5.parse(source, **kwargs)

    ORIGINAL["weasyprint.tinyhtml5"] = tinyhtml5
    SWITCHES["xml_parse"] = [(weasyprint, "tinyhtml5", tinyhtml5, Parser())]
    switch("xml_parse", True)
    return True


def _normal_flow() -> bool:
    """``Box.is_in_normal_flow`` reading the box's float and position once instead of through five
    methods (≈3 000 calls a 7-page report); the same tests in the same order."""
    try:
        from weasyprint.formatting_structure import boxes
        sources = {name: weasyprint_sources.getsource(getattr(boxes.Box, name)) for name in
                   ("is_in_normal_flow", "is_floated", "is_absolutely_positioned", "is_running",
                    "is_footnote", "is_note")}
        subclasses = [c for c in vars(boxes).values() if isinstance(c, type) and issubclass(c, boxes.Box)]
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = {
        "is_in_normal_flow": "self.is_floated() or self.is_absolutely_positioned() or\n            "
                             "self.is_running() or self.is_footnote() or self.is_note())",
        "is_floated": "return self.style['float'] in ('left', 'right', 'inline-start', 'inline-end')",
        "is_absolutely_positioned": "return self.style['position'] in ('absolute', 'fixed')",
        "is_running": "return self.style['position'][0] == 'running()'",
        "is_footnote": "return self.style['float'] == 'footnote'",
        "is_note": "return self.style['position'][0] == 'note()'"}
    if (not all(expected[n] in sources[n] for n in expected)
            or any(n in vars(c) for c in subclasses if c is not boxes.Box for n in expected)):
        return False
    real = boxes.Box.is_in_normal_flow
    floats = ("left", "right", "inline-start", "inline-end")

    def is_in_normal_flow(self):
        style = self.style
        float_ = style["float"]
        if float_ in floats:
            return False
        position = style["position"]
        return not (position in ("absolute", "fixed") or position[0] == "running()" or float_ == "footnote"
                    or position[0] == "note()")

    ORIGINAL["Box.is_in_normal_flow"] = real
    SWITCHES["normal_flow"] = [(boxes.Box, "is_in_normal_flow", real, is_in_normal_flow)]
    switch("normal_flow", True)
    return True


# Characters that end a paragraph or a line for Pango (a text holding one is laid out again).
_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# The attribute weasyprint_justify sets on a text box's style copy: the style it was copied from
# (the copy differs only in its letter spacing).
SPACED_FROM = "_reportgen_letter_spaced_from"


def _kept_layout() -> bool:
    """A text box drawn from the Pango layout its line was broken with, not one laid out again.

    WeasyPrint frees a text box's Pango layout once the line is broken (``Layout.deactivate``)
    and, to draw the box, makes a new one from the box's style and text and shapes the text again
    (``reactivate``: ``setup`` + ``set_text``, then ``draw_first_line``).  Here the layout is kept
    with the box, and drawing uses it as it is when nothing it was made from has changed: the same
    style object, no justification spacing, one line, no line or paragraph separator (so
    ``draw_first_line``'s single-paragraph mode, which would lay it out again, changes nothing
    and is left alone).  A line that ``weasyprint_justify`` justified has a copy of the style with
    a wider letter spacing (and nothing else changed): the glyph loop draws its kept glyphs with
    the new spacing applied as Pango applies it (``_spaced_glyphs``, switch ``spacing_glyphs``:
    widths and offsets in Pango units, checked against Pango's own on random paragraphs by the
    tests), where the line is one glyph a character, left to right, with no zero-width glyph and
    none of ``_NOT_ONE_BY_ONE``; otherwise its kept layout gets the new spacing (``set_text``)
    and no width, and Pango lays it out again.  Anything else is laid out again as WeasyPrint
    does.  The same glyphs, the same bytes (tests/test_weasyprint_tuning.py); the layouts live
    as long as their boxes (the document), as the boxes did.
    """
    try:
        from weasyprint.draw import text as draw_text
        from weasyprint.text import line_break as lb
        from weasyprint.text.ffi import ffi, pango
        sources = [weasyprint_sources.getsource(f) for f in (lb.Layout.deactivate, lb.Layout.reactivate, draw_text.draw_text,
                                                 lb.Layout.set_text, lb.Layout.setup)]
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("del self.layout, self.language, self.style", "self.setup(style)\n        self.set_text(self.text, justify=True)",
                "textbox.pango_layout.reactivate(textbox.style)", "textbox.pango_layout.deactivate()",
                "pango.pango_layout_set_text(self.layout, text, -1)", "letter_spacing = self.style['letter_spacing']",
                "pango.pango_layout_new(pango_context)")
    if not all(any(e in src for src in sources) for e in expected) or not _glyph_loop_applied:
        return False
    real_deactivate, real_reactivate = lb.Layout.deactivate, lb.Layout.reactivate
    no_line = ffi.NULL
    glyph_loop = SWITCHES["glyph_loop"][0][3]

    def deactivate(self):
        d = self.__dict__
        d["_reportgen_kept"] = True
        d.pop("_reportgen_as_laid_out", None)

    def reactivate(self, style):
        d = self.__dict__
        if d.pop("_reportgen_kept", False) and not self.justification_spacing and _BREAKS.isdisjoint(self.text):
            layout = self.layout
            if style is self.style:
                if pango.pango_layout_get_line_readonly(layout, 1) == no_line:
                    d["_reportgen_as_laid_out"] = True      # draw_first_line: no single-paragraph mode
                    return
            elif getattr(style, SPACED_FROM, None) is self.style:
                spacing = (_spacing_change(self.style, style, self.text) if _SPACING_GLYPHS and
                           draw_text.draw_first_line is glyph_loop
                           and pango.pango_layout_get_line_readonly(layout, 1) == no_line else None)
                self.style = style
                if spacing is not None:       # drawn by the glyph loop with the new spacing
                    d["_reportgen_spacing"] = spacing
                    d["_reportgen_as_laid_out"] = True
                    return
                pango.pango_layout_set_width(layout, -1)
                pango.pango_layout_set_single_paragraph_mode(layout, True)
                self.set_text(self.text, justify=True)
                return
        d.pop("_reportgen_spacing", None)
        real_reactivate(self, style)

    SWITCHES["kept_layout"] = [(lb.Layout, "deactivate", real_deactivate, deactivate),
                               (lb.Layout, "reactivate", real_reactivate, reactivate)]
    switch("kept_layout", True)
    if 15000 <= pango.pango_version() < 15100:     # the Pango whose arithmetic _spaced_glyphs repeats
        SWITCHES["spacing_glyphs"] = [(sys.modules[__name__], "_SPACING_GLYPHS", False, True)]
        switch("spacing_glyphs", True)
    return True


def _svg_numbers() -> bool:
    """WeasyPrint's SVG number parsing (``svg.utils.size``, ``point``, ``normalize``) with less
    Python per number, the same values.

    A chart's SVG (``write.chart``) is thousands of numbers — path data, glyph outlines used
    by ``<use>`` — each parsed by ``size``, which imports ``LENGTHS_TO_PIXELS`` and enters a
    ``suppress`` context before trying ``float``, and ``point``/``normalize`` look their regular
    expressions up in ``re``'s cache on every call.  Here a plain number is ``float`` at once (any
    other string goes to WeasyPrint's ``size``) and the expressions are compiled once; the modules
    of ``weasyprint.svg`` that imported the functions by name get the new ones.
    """
    try:
        from weasyprint.svg import utils
        sources = {name: weasyprint_sources.getsource(getattr(utils, name)) for name in ("size", "point", "normalize")}
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = {
        "size": ("    if not string:\n        return 0\n\n    with suppress(ValueError):\n        return float(string)\n\n"
                 "    # Not a float, try something else\n",),
        "point": ("    match = re.match('(.*?) (.*?)(?: |$)', string)\n    if match:\n"
                  "        x, y = match.group(1, 2)\n        string = string[match.end():]\n"
                  "        return (*svg.point(x, y, font_size), string)\n    else:\n        raise PointError\n",),
        "normalize": ("    string = (string or '').replace('E', 'e')\n"
                      "    string = re.sub('(?<!e)([+-])', r' \\1', string)\n"
                      "    string = re.sub('[ \\n\\r\\t,]+', ' ', string)\n"
                      "    string = re.sub(r'(\\.[0-9-]+)(?=\\.)', r'\\1 ', string)\n"
                      "    return string.strip()\n",),
    }
    if not all(e in sources[name] for name, texts in expected.items() for e in texts):
        return False
    real_size, real_point, real_normalize = utils.size, utils.point, utils.normalize
    pair = re.compile("(.*?) (.*?)(?: |$)")
    signs, spaces, dots = re.compile("(?<!e)([+-])"), re.compile("[ \n\r\t,]+"), re.compile(r"(\.[0-9-]+)(?=\.)")
    point_error = utils.PointError

    def size(string, font_size=None, percentage_reference=None):
        if not string:
            return 0
        try:
            return float(string)
        except ValueError:
            return real_size(string, font_size, percentage_reference)

    def point(svg, string, font_size):
        match = pair.match(string)
        if match:
            x, y = match.group(1, 2)
            return (*svg.point(x, y, font_size), string[match.end():])
        raise point_error

    def normalize(string):
        string = (string or "").replace("E", "e")
        string = signs.sub(r" \1", string)
        string = spaces.sub(" ", string)
        string = dots.sub(r"\1 ", string)
        return string.strip()

    entries = []
    for module_name, module in sorted(sys.modules.items()):
        if module_name == "weasyprint.svg" or module_name.startswith("weasyprint.svg."):
            for attr, real, new in (("size", real_size, size), ("point", real_point, point),
                                    ("normalize", real_normalize, normalize)):
                if vars(module).get(attr) is real:
                    entries.append((module, attr, real, new))
    SWITCHES["svg_numbers"] = entries
    switch("svg_numbers", True)
    return True


def _svg_get_child() -> bool:
    """``svg.Node.get_child`` testing for the id with one walk of the element's descendants
    instead of ElementPath's ``find('.//*[@id="…"]')``, the same node.

    A chart's ``<use>`` elements look their glyph up by id (``defs.get_use_tree``), and
    ``get_child`` asks ElementPath at every level of the tree whether the id is below it —
    ≈4 000 ElementPath searches a chart document, each compiled anew (its cache of 100 paths is
    cleared by the many ids).  Here the same question is a loop over ``iter()``; an id with a
    double quote (which the path could not hold) goes to WeasyPrint's method.
    """
    try:
        from weasyprint.svg import Node
        source = weasyprint_sources.getsource(Node.get_child)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("        if self._etree_node.find(f'.//*[@id=\"{id_}\"]') is None:\n            return\n"
                "        for child in self:\n            if child.get('id') == id_:\n                return child\n"
                "            grandchild = child.get_child(id_)\n            if grandchild:\n"
                "                return grandchild\n")
    if expected not in source:
        return False
    real = Node.get_child

    def get_child(self, id_):
        if '"' in id_:
            return real(self, id_)
        element = self._etree_node
        for below in element.iter():
            if below.get("id") == id_ and below is not element:
                break
        else:
            return None
        for child in self:
            if child.get("id") == id_:
                return child
            grandchild = child.get_child(id_)
            if grandchild:
                return grandchild
        return None

    SWITCHES["svg_get_child"] = [(Node, "get_child", real, get_child)]
    switch("svg_get_child", True)
    return True


def _matrix_product() -> bool:
    """``matrix.Matrix.__matmul__`` written out, the same numbers.

    WeasyPrint multiplies its 3×3 matrices with nine ``sum()`` of generator expressions — each
    SVG element's transform, each point a chart's path transforms (≈2 400 products a chart
    document).  Here each entry is ``0 + a·x + b·y + c·z``: what Python 3.11's ``sum`` computes,
    in the same order from the same int start (3.12's ``sum`` compensates float rounding, so
    this is applied only before 3.12).
    """
    try:
        from weasyprint.matrix import Matrix
        source = weasyprint_sources.getsource(Matrix.__matmul__)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("        assert len(self[0]) == len(other) == len(other[0]) == 3\n        return Matrix(matrix=[\n"
                "            [sum(self[i][k] * other[k][j] for k in range(3)) for j in range(3)]\n"
                "            for i in range(len(self))])\n")
    if expected not in source or sys.version_info >= (3, 12) or "__matmul__" in vars(list):
        return False
    real = Matrix.__matmul__

    def __matmul__(self, other):
        assert len(self[0]) == len(other) == len(other[0]) == 3
        (a0, a1, a2), (b0, b1, b2), (c0, c1, c2) = other
        return Matrix(matrix=[[0 + x * a0 + y * b0 + z * c0, 0 + x * a1 + y * b1 + z * c1, 0 + x * a2 + y * b2 + z * c2]
                              for x, y, z in self])

    SWITCHES["matrix_product"] = [(Matrix, "__matmul__", real, __matmul__)]
    switch("matrix_product", True)
    return True


# Pango letter spacing, as Pango 1.50 applies it (pango_glyph_item_letter_space, shape_run and
# adjust_line_letter_spacing of pango-layout.c; checked against Pango 1.50.12, used with 1.50 only): every glyph of a one-line layout is widened by
# the spacing and moved right by its left half, except that the line's first glyph is not moved
# and only widened by the right half, and its last glyph only widened by the left half.
_SPACING_GLYPHS = False        # switched on with kept_layout ("spacing_glyphs")
# Characters the spacing is not applied to one by one (marks, joiners, variation selectors, Hangul
# jamo, complex scripts, bidi and other format controls, emoji modifiers, tags): such text is laid
# out again by Pango.
_NOT_ONE_BY_ONE = re.compile("[\t\xad\u0300-\u036f\u0483-\u0489\u0590-\u0fff\u1000-\u1cff\u1dc0-\u1dff"
                             "\u200c-\u200f\u202a-\u202e\u2060-\u206f\u20d0-\u20ff\ua670-\ua69f\ua800-\uabff"
                             "\ud7b0-\udfff\ufb1d-\ufdff\ufe00-\ufe0f\ufe20-\ufe2f\ufe70-\ufeff\ufff9-\ufffb"
                             "\U00010000-\U0001ffff\U000e0000-\U000e01ef]")


def _halves(spacing: int) -> tuple[int, int]:
    """Pango's distribute_letter_spacing: the left and right half of a spacing in Pango units."""
    left = -(-spacing // 2) if spacing < 0 else spacing // 2        # C's division
    if spacing & 1023 == 0:
        left = (left + 512) & ~1023                                   # PANGO_UNITS_ROUND
    return left, spacing - left


def _spacing_change(base, style, text: str):
    """(wider, further, last) in Pango units: how the glyphs of a one-line layout laid out with
    ``base``'s letter spacing change with ``style``'s (weasyprint_justify's copy), or None where
    Pango is asked again: word spacing, a spacing turned on or off (Pango switches ligatures off
    with it), text in _NOT_ONE_BY_ONE."""
    from weasyprint.text.ffi import TO_UNITS

    if base["word_spacing"] or style["word_spacing"] or _NOT_ONE_BY_ONE.search(text):
        return None
    old, new = base["letter_spacing"], style["letter_spacing"]
    old = int((0 if old == "normal" else old) * TO_UNITS)           # as Layout.set_text
    new = int((0 if new == "normal" else new) * TO_UNITS)
    if (old == 0) != (new == 0):
        return None
    (old_left, old_right), (new_left, new_right) = _halves(old), _halves(new)
    return new - old, new_left - old_left, new_right - old_right


def _spaced_glyphs(first_line, spacing):
    """The glyphs of each run of a kept layout's line, with the letter spacing
    ``_spacing_change`` gave, as four sequences a run: ids, widths, x offsets, y offsets; None
    unless every run is left-to-right, one glyph a character, and no glyph is of zero width
    before or after."""
    ffi = _FFI[0]
    if ffi is None:
        from weasyprint.text.ffi import ffi
        _FFI[0] = ffi
    null = ffi.NULL

    wider, further, last = spacing
    runs = []
    run = first_line.runs[0]
    while run != null:
        glyph_item = run.data
        run = run.next
        glyphs, item = glyph_item.glyphs, glyph_item.item
        count = glyphs.num_glyphs
        if not count or count != item.num_chars or item.analysis.level % 2:
            return None
        clusters = ffi.unpack(glyphs.log_clusters, count)
        if not all(map(int.__lt__, clusters, clusters[1:])):
            return None
        # PangoGlyphInfo: glyph, width, x offset, y offset, attributes (five 32-bit fields)
        data = memoryview(ffi.buffer(glyphs.glyphs, count * 20))
        fields = data.cast("i")
        widths = fields[1::5]
        if 0 in widths:
            return None     # a zero-width glyph (Pango's line ends skip them)
        runs.append((data.cast("I")[0::5], list(map(wider.__add__, widths)),
                     list(map(further.__add__, fields[2::5])), fields[3::5]))
    if not runs:
        return None
    first, end = runs[0], runs[-1]
    first[1][0] -= further
    first[2][0] -= further
    end[1][-1] -= last
    if not (first[1][0] and end[1][-1]):
        return None
    return runs


_FFI = [None]       # weasyprint.text.ffi.ffi, once imported


def _lay_out_spacing(layout) -> None:
    """A kept layout whose new letter spacing was left to the glyph loop, laid out with it by
    Pango (before WeasyPrint's own drawing reads it)."""
    if layout.__dict__.pop("_reportgen_spacing", None) is not None:
        from weasyprint.text.ffi import pango

        layout.__dict__.pop("_reportgen_as_laid_out", None)
        pango.pango_layout_set_width(layout.layout, -1)
        pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
        layout.set_text(layout.text, justify=True)


# The draft of a line split: this many lines' worth of text at one em a character, plus
# DRAFT_EXTRA characters; the second line's first break opportunity must lie at least DRAFT_MARGIN
# characters before the draft's end (Pango's break opportunities and shaping near the end of a
# text depend on what follows; the first line's and that break's do not).
DRAFT_LINES = 1.5
DRAFT_EXTRA = 8
DRAFT_MARGIN = 8


def _short_draft() -> bool:
    """``text.line_break.split_first_line`` laying out a shorter draft, same first line.

    To find where a text box's first line ends, WeasyPrint lays out a draft of the text with Pango:
    ``max_width / font_size * 4`` characters, four lines' worth of Chinese (one character is one em
    wide), then the first line again alone.  What it takes from the draft — the first line's end
    and the second line's first break opportunity — only needs the first line and a few characters
    after that break: here the draft is DRAFT_LINES lines' worth plus DRAFT_EXTRA characters, and it
    is used only if its second line has a break opportunity DRAFT_MARGIN characters before its end
    (else WeasyPrint's own function runs).  Then the rest is WeasyPrint's steps for a text that needs
    no hyphenation and no word breaking: ``white-space: normal``, no soft hyphen, ``hyphens`` not
    ``auto``, ``overflow-wrap``/``word-break`` normal, no word spacing; any other text box takes
    WeasyPrint's path.  The same first lines, widths and break points: the same bytes (≈440 line
    splits a 7-page report, three in four of them of one short text WeasyPrint lays out whole anyway).
    """
    try:
        from weasyprint.layout import inline, preferred
        from weasyprint.text import line_break as lb
        from weasyprint.text.ffi import ffi, pango
        source = weasyprint_sources.getsource(lb.split_first_line)
        metrics_source = weasyprint_sources.getsource(lb.first_line_metrics)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("ratio = 4  # number", "if style['font_size'] * ratio > max_width:",
                "short_text = text[:int(max_width / style['font_size'] * ratio)]",
                "layout = create_layout(\n            short_text, style, context, max_width, justification_spacing)",
                "if resume_index is None and short_text != text:",
                "start, end = len(first_line_text) + 1, len(short_text)",
                "if get_next_break_point(text_end_log_attrs) is not None:\n                    text = short_text",
                "if first_line_width <= max_width:", "next_word = second_line_text[:break_point].rstrip(' ')",
                "if space_collapse and second_line_text[break_point or -1] == ' ':",
                "resume_index = len(new_first_line_text.encode()) + 1",
                "elif first_line_text:\n        # We found something", "if hyphens == 'auto' and lang:",
                "manual_hyphenation = soft_hyphen in first_line_text + second_line_text",
                "if space < 0 and can_break:", "style['word_break'] == 'break-all' or (",
                "overflow_wrap == 'anywhere' or", "(overflow_wrap == 'break-word' and not minimum)")
    if (not all(e in source for e in expected) or "pango.pango_layout_set_width(layout.layout, -1)" not in metrics_source
            or inline.split_first_line is not lb.split_first_line or preferred.split_first_line is not lb.split_first_line
            or not all(callable(getattr(lb, n, None)) for n in ("create_layout", "line_size", "first_line_metrics"))):
        return False
    real = lb.split_first_line
    line_size, first_line_metrics = lb.line_size, lb.first_line_metrics

    def split_first_line(text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False):
        font_size = style["font_size"]
        if (style["white_space"] != "normal" or max_width is None or not font_size
                or not (font_size * 4 <= max_width < float("inf"))):
            return real(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        size = int(max_width / font_size * DRAFT_LINES) + DRAFT_EXTRA
        if (len(text) <= size or size >= int(max_width / font_size * 4) or style["hyphens"] == "auto"
                or style["overflow_wrap"] != "normal" or style["word_break"] == "break-all"
                or style["word_spacing"] or justification_spacing or "\xad" in text or "\n" in text):
            return real(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        draft = text[:size]
        layout = lb.create_layout(draft, style, context, max_width, justification_spacing)
        first_line, resume_index = layout.get_first_line()
        if not resume_index:
            return real(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        encoded = draft.encode()
        first_line_text = encoded[:resume_index].decode()
        second_line_text = encoded[resume_index:].decode()
        start = len(first_line_text) + 1
        attrs = pango.pango_layout_get_log_attrs_readonly(layout.layout, ffi.NULL)
        break_point = None
        for i in range(start, size - DRAFT_MARGIN + 1):
            if attrs[i].is_line_break:
                break_point = i - start
                break
        if not first_line_text or break_point is None or line_size(first_line, style)[0] > max_width:
            return real(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        # WeasyPrint's steps 2 and 3 (the first line fits, there is a second one), then its end
        next_word = second_line_text[:break_point].rstrip(" ")
        if next_word and second_line_text[break_point] == " ":
            new_first_line_text = first_line_text + next_word
            layout.set_text(new_first_line_text)
            first_line, resume_index = layout.get_first_line()
            if resume_index is None:
                resume_index = len(new_first_line_text.encode()) + 1
        return first_line_metrics(first_line, draft, layout, resume_index, True, style)

    ORIGINAL["line_break.split_first_line"] = real
    SWITCHES["short_draft"] = [(m, "split_first_line", real, split_first_line) for m in (lb, inline, preferred)]
    switch("short_draft", True)
    return True


def _no_backgrounds() -> bool:
    """``layout.background.layout_box_backgrounds`` deciding "no background" in one pass for a box
    whose style has none, same values.

    After laying out a page WeasyPrint visits every box of it (≈590 a 7-page report) to resolve its
    corner radii, fetch its border and background images and build its ``Background`` — through
    ``resolve_radii_percentages``, ``get_color`` and a list of images per box, although our boxes
    have neither radii nor images nor background colours.  A box whose style has square corners
    (WeasyPrint's own short track: ``(0, 'px')``), no border or mask image, no background image,
    a transparent background colour and no shadow gets what WeasyPrint gives it — four ``(0, 0)``
    radii and ``background = None`` — and its children are visited the same way, in the same
    order; the page box, the canvas background and every other box take WeasyPrint's path.
    """
    try:
        from weasyprint.layout import background
        source = weasyprint_sources.getsource(background.layout_box_backgrounds)
        radii_source = weasyprint_sources.getsource(background.resolve_radii_percentages)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("resolve_radii_percentages(box)\n\n    if layout_children:\n        for child in box.all_children():\n"
                "            layout_box_backgrounds(page, child, get_image_from_uri)",
                "if style['border_image_source'][0] != 'none':", "if style['mask_border_source'][0] != 'none':",
                "if style['visibility'] == 'hidden':", "if type_ == 'url' else value\n            for type_, value in style['background_image']]",
                "color = get_color(style, 'background_color')",
                "if color.alpha == 0 and not any(images) and not style['box_shadow']:\n        if box != page:",
                "box.background = None\n            return")
    radii_expected = ("for corner in ('top_left', 'top_right', 'bottom_right', 'bottom_left'):",
                      "property_name = f'border_{corner}_radius'", "if (0, 'px') in (rx, ry):\n"
                      "            setattr(box, property_name, (0, 0))\n            continue")
    if not all(e in source for e in expected) or not all(e in radii_source for e in radii_expected):
        return False
    real = background.layout_box_backgrounds
    corners = ("border_top_left_radius", "border_top_right_radius", "border_bottom_right_radius",
               "border_bottom_left_radius")
    zero = (0, "px")

    def layout_box_backgrounds(page, box, get_image_from_uri, layout_children=True, style=None):
        if style is not None or box is page:
            return real(page, box, get_image_from_uri, layout_children, style)
        style = box.style
        for name in corners:
            if zero not in style[name]:
                return real(page, box, get_image_from_uri, layout_children)
        if style["border_image_source"][0] != "none" or style["mask_border_source"][0] != "none":
            return real(page, box, get_image_from_uri, layout_children)
        if style["visibility"] != "hidden":
            for type_, value in style["background_image"]:
                if type_ == "url" or value:
                    return real(page, box, get_image_from_uri, layout_children)
            color = style["background_color"]
            if color == "currentcolor":
                color = style["color"]
            if color.alpha != 0:
                return real(page, box, get_image_from_uri, layout_children)
        if style["box_shadow"] or box == page:
            return real(page, box, get_image_from_uri, layout_children)
        for name in corners:
            setattr(box, name, (0, 0))
        if layout_children:
            for child in box.all_children():
                layout_box_backgrounds(page, child, get_image_from_uri)
        box.background = None

    ORIGINAL["background.layout_box_backgrounds"] = real
    SWITCHES["no_backgrounds"] = [(background, "layout_box_backgrounds", real, layout_box_backgrounds)]
    switch("no_backgrounds", True)
    return True


class _StyleInit:
    """What lazy_pseudo_styles' ``StyleFor.__init__`` calls: WeasyPrint's, or cascade_memo's."""
    init = None


_STYLE_INIT = _StyleInit()


def _lazy_pseudo_styles() -> bool:
    """``css.StyleFor`` computing a pseudo-element's style when it is first asked for.

    WeasyPrint's user-agent stylesheet gives every element ``::marker``, ``::footnote-call``,
    ``::footnote-marker``, ``::note-call``, ``::note-marker`` and ``::note-callback`` rules, and
    ``StyleFor`` makes a computed style for each of them up front (≈670 a 7-page report of ≈110
    elements), although a box asks for one only for a list item, a footnote or a note — ours
    never.  Here those pseudo-elements' styles are made by WeasyPrint's own ``set_computed_styles``,
    from the same cascaded declarations, parent and root, when ``style_for(element, pseudo)`` first
    asks for one: the same style.  A pseudo-element whose declarations name an ``anchor`` (its
    style would register the anchor) is computed up front as before; ``@page`` margin boxes are
    untouched.
    """
    try:
        from weasyprint import css
        init_source = weasyprint_sources.getsource(css.StyleFor.__init__)
        set_source = weasyprint_sources.getsource(css.StyleFor.set_computed_styles)
        call_source = weasyprint_sources.getsource(css.StyleFor.__call__)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    if ("for element, pseudo_type in cascaded_styles:\n            if pseudo_type:\n"
            "                self.set_computed_styles(" not in init_source
            or "self._cascaded_styles.clear()" not in init_source
            or "cascaded = cascaded_styles.get((element, pseudo_type), {})" not in set_source
            or "if target_collector and computed['anchor']:" not in set_source
            or "cascaded_styles = self.get_cascaded_styles()" not in set_source
            or "if style := self._computed_styles.get((element, pseudo_type)):" not in call_source):
        return False
    style_for = css.StyleFor
    real_init, real_set, real_call = style_for.__init__, style_for.set_computed_styles, style_for.__call__
    _STYLE_INIT.init = real_init

    def __init__(self, *args, **kwargs):
        self._reportgen_pending = {}
        self._reportgen_deferring = True
        try:
            _STYLE_INIT.init(self, *args, **kwargs)
        finally:
            self._reportgen_deferring = False

    def set_computed_styles(self, element, parent, root=None, pseudo_type=None, base_url=None,
                            target_collector=None):
        if pseudo_type and self.__dict__.get("_reportgen_deferring"):
            cascaded = self._cascaded_styles.get((element, pseudo_type))
            if cascaded is not None and "anchor" not in cascaded and not isinstance(element, str):
                self._reportgen_pending[element, pseudo_type] = (cascaded, parent, root, base_url, target_collector)
                return
        return real_set(self, element, parent, root, pseudo_type, base_url, target_collector)

    def __call__(self, element, pseudo_type=None):
        if pseudo_type:
            pending = self.__dict__.get("_reportgen_pending")
            found = pending.pop((element, pseudo_type), None) if pending else None
            if found is not None:
                cascaded, parent, root, base_url, target_collector = found
                key = (element, pseudo_type)
                # WeasyPrint's own function, reading the declarations as it would have in __init__
                self._cascaded_styles[key] = cascaded
                try:
                    real_set(self, element, parent, root, pseudo_type, base_url, target_collector)
                finally:
                    del self._cascaded_styles[key]
        return real_call(self, element, pseudo_type)

    ORIGINAL["StyleFor"] = (real_init, real_set, real_call)
    SWITCHES["lazy_pseudo_styles"] = [(style_for, "__init__", real_init, __init__),
                                      (style_for, "set_computed_styles", real_set, set_computed_styles),
                                      (style_for, "__call__", real_call, __call__)]
    switch("lazy_pseudo_styles", True)
    return True


def _line_no_floats() -> bool:
    """``layout.float.avoid_collisions`` for a line box when there is no float, same numbers.

    WeasyPrint places every line box (twice a line, ≈330 times a 7-page report) by looking for
    the floats it could collide with, then computes its position and width from its containing
    block.  With no float in the formatting context (``context.excluded_shapes`` empty), a left-to-right
    containing block and a line box that is not floated, only that last part is left: here it is
    done with WeasyPrint's own expressions, in its order (the same floating-point sums).  Any other
    box or situation takes WeasyPrint's path.
    """
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import block, inline
        from weasyprint.layout import float as wfloat
        source = weasyprint_sources.getsource(wfloat.avoid_collisions)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("excluded_shapes = context.excluded_shapes\n    position_y = box.position_y if outer else box.border_box_y()",
                "if box.border_height() == 0 and box.is_floated():",
                "for shape in excluded_shapes:",
                "max_left_bound = containing_block.content_box_x()\n        max_right_bound = max_left_bound + containing_block.width",
                "if not outer:\n            max_left_bound += box.margin_left\n            max_right_bound -= box.margin_right",
                "position_x = max_left_bound\n    if box.style['float'] == 'none':\n        if containing_block.style['direction'] == 'rtl':",
                "available_width = max_right_bound - max_left_bound\n\n    if not outer:\n        position_x -= box.margin_left\n"
                "        position_y -= box.margin_top\n\n    return position_x, position_y, available_width")
    if (not all(e in source for e in expected) or inline.avoid_collisions is not wfloat.avoid_collisions
            or block.avoid_collisions is not wfloat.avoid_collisions):
        return False
    real = wfloat.avoid_collisions
    line_box = boxes.LineBox

    def avoid_collisions(context, box, containing_block, outer=True):
        if (type(box) is not line_box or context.excluded_shapes or box.style["float"] != "none"
                or containing_block.style["direction"] != "ltr"):
            return real(context, box, containing_block, outer)
        position_y = box.position_y if outer else box.border_box_y()
        max_left_bound = containing_block.content_box_x()
        max_right_bound = max_left_bound + containing_block.width
        if not outer:
            max_left_bound += box.margin_left
            max_right_bound -= box.margin_right
        position_x = max_left_bound
        available_width = max_right_bound - max_left_bound
        if not outer:
            position_x -= box.margin_left
            position_y -= box.margin_top
        return position_x, position_y, available_width

    ORIGINAL["float.avoid_collisions"] = real
    SWITCHES["line_no_floats"] = [(m, "avoid_collisions", real, avoid_collisions) for m in (wfloat, inline, block)]
    switch("line_no_floats", True)
    return True


def _break_memo() -> bool:
    """``text.line_break.can_break_text`` remembered for short texts.

    Whether a line may break inside a short text — mostly the last character of one inline box
    and the first of the next, ≈185 questions a 7-page report — is asked of Pango each time
    (a text and a language copied to C, an attribute array, Pango's break algorithm).  The answer
    depends only on the text and the language (and on Pango's default language when there is
    none, fixed for the process), so a text of at most 32 characters is asked once a process.
    """
    try:
        from weasyprint.layout import inline, preferred
        from weasyprint.text import line_break as lb
        sources = [weasyprint_sources.getsource(f) for f in (lb.can_break_text, lb.get_next_break_point_from_text,
                                                 lb.get_log_attrs)]
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("return get_next_break_point_from_text(text, lang) is not None",
                "log_attrs = get_log_attrs(text, lang)", "pango.pango_get_log_attrs(")
    if (not all(any(e in src for src in sources) for e in expected)
            or inline.can_break_text is not lb.can_break_text or preferred.can_break_text is not lb.can_break_text):
        return False
    real = lb.can_break_text
    memo: dict[tuple, bool] = {}

    def can_break_text(text, lang):
        if type(text) is not str or len(text) > 32 or not (lang is None or type(lang) is str):
            return real(text, lang)
        key = (text, lang)
        found = memo.get(key)
        if found is None:
            found = real(text, lang)
            with _lock:
                if len(memo) >= 4096:
                    memo.clear()
                memo[key] = found
        return found

    ORIGINAL["line_break.can_break_text"] = real
    SWITCHES["break_memo"] = [(m, "can_break_text", real, can_break_text) for m in (lb, inline, preferred)]
    switch("break_memo", True)
    return True


# _end_spacing_retry: how much narrower than the width the first layout found the text box must be
# for the narrower layout to be taken as the same (Pango's own fitting test is in whole Pango units)
END_SPACING_MARGIN = 0.5


def _end_spacing_retry() -> bool:
    """``layout.inline.split_inline_level`` not laying a text box out again 4.6 pt narrower to the
    same result.

    ``split_inline_box`` lays the last child of an inline box with a right margin, border or padding
    out twice: with the line's remaining width, then — when the whole child fitted — again with
    that width less the box's end spacing, and keeps the second result.  Every Latin or digit span
    of our reports (``GDP``, ``R&D``, ``2024``: the gap after one is its span's margin, ``.as``) ends with
    such a child: ≈50 text boxes a 7-page report laid out twice by Pango.  When the child is a text
    box whose whole text fitted at the wider width with ``END_SPACING_MARGIN`` (plus twice the
    letter spacing) to spare at the narrower one (``white-space: normal``, no word spacing, no
    justification spacing, no first-line style, none of
    the characters WeasyPrint treats apart: tab, newline, soft hyphen), the narrower layout gives
    the same first line — the whole text, one line, the same width, height and baseline — so the
    first result is returned: the same box, whose Pango layout only remembers the wider width
    (which nothing reads: a one-line layout is drawn from its line's glyphs, left-aligned).  The
    memory is of the one previous call and is used only by the call that immediately follows it
    for the same box at the same position, skip point and line start, as ``split_inline_box``'s
    second call; any other call takes WeasyPrint's function.  It is kept by the layout context,
    so it dies with the document.  The same boxes, the same bytes.
    """
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import inline
        source = weasyprint_sources.getsource(inline.split_inline_box)
        level_source = weasyprint_sources.getsource(inline.split_inline_level)
        text_source = weasyprint_sources.getsource(inline.split_text_box)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("if is_last_child and end_spacing and resume_at is None:",
                "available_width -= end_spacing\n"
                "            new_child, resume_at, preserved, first, last, new_float_widths = (\n"
                "                split_inline_level(\n"
                "                    context, child, position_x, available_width, bottom_space,\n"
                "                    skip_stack, containing_block, absolute_boxes, fixed_boxes,\n"
                "                    line_placeholders, child_waiting_floats, line_children,\n"
                "                    first_letter_style, first_line_style))")
    level_expected = ("if first_line_style:\n        box = box.copy()",
                      "resolve_percentages(box, containing_block)\n    float_widths = {'left': 0, 'right': 0}\n"
                      "    if isinstance(box, boxes.TextBox):\n        box.position_x = position_x",
                      "is_line_start = len(line_children) == 0\n        new_box, skip, preserved_line_break = split_text_box(\n"
                      "            context, box, max_x - position_x, skip,\n            is_line_start=is_line_start)")
    text_expected = ("layout, length, resume_index, width, height, baseline = split_first_line(",
                     "box.width = width\n        box.pango_layout = layout")
    if (not all(e in source for e in expected) or not all(e in level_source for e in level_expected)
            or not all(e in text_source for e in text_expected) or not hasattr(boxes, "TextBox")):
        return False
    real = inline.split_inline_level
    text_box = boxes.TextBox
    apart = ("\t", "\n", "\xad")

    def split_inline_level(context, box, position_x, max_x, bottom_space, skip_stack, containing_block,
                           absolute_boxes, fixed_boxes, line_placeholders, waiting_floats, line_children,
                           first_letter_style, first_line_style):
        memo = context.__dict__
        previous = memo.pop("_reportgen_last_split", None)
        if previous is not None and previous[0] is box and type(box) is text_box:
            (_, p_context, p_position_x, p_max_x, p_skip_stack, p_block, p_start, margin, result) = previous
            if (p_context is context and p_position_x == position_x and max_x < p_max_x
                    and p_skip_stack == skip_stack and p_block is containing_block
                    and p_start == (len(line_children) == 0) and not first_line_style
                    and result[0].width + margin <= max_x - position_x):
                return result
        result = real(context, box, position_x, max_x, bottom_space, skip_stack, containing_block,
                      absolute_boxes, fixed_boxes, line_placeholders, waiting_floats, line_children,
                      first_letter_style, first_line_style)
        if type(box) is text_box and result[1] is None and result[0] is not None and not first_line_style:
            style = box.style
            spacing = style["letter_spacing"]
            if (style["white_space"] == "normal" and (spacing == "normal" or type(spacing) in (int, float))
                    and not style["word_spacing"] and not box.justification_spacing
                    and type(result[0]) is text_box and not any(c in box.text for c in apart)):
                # Pango's fitting test and WeasyPrint's line width differ by the line's end
                # spacings at most
                margin = END_SPACING_MARGIN + (0 if spacing == "normal" else 2 * abs(spacing))
                memo["_reportgen_last_split"] = (box, context, position_x, max_x,
                                                 None if skip_stack is None else dict(skip_stack),
                                                 containing_block, len(line_children) == 0, margin, result)
        return result

    ORIGINAL["inline.split_inline_level"] = real
    SWITCHES["end_spacing_retry"] = [(inline, "split_inline_level", real, split_inline_level)]
    switch("end_spacing_retry", True)
    return True


# WeasyPrint 70's layout.page.make_margin_boxes, whose steps _unused_margin_boxes repeats.
_MAKE_MARGIN_BOXES_SHA256 = "4a2d2e301eb3bc47c2812d1502d4d6ce3b65922a76e69fb45c11a5ae353198a7"


def _unused_margin_boxes() -> bool:
    """``layout.page.make_margin_boxes`` without making the margin boxes it throws away.

    For every page WeasyPrint makes the 16 page-margin boxes — a style made standard for page
    counters, a box, its box model — and then drops every side whose three boxes have no content
    and every corner without content: our pages have one box with content (the page number), so
    13 of the 16 are made for nothing (≈2.5 ms a 7-page report).  Here a side or corner is made
    only if one of its boxes will have content (WeasyPrint's own test, ``content`` not ``normal``,
    ``inhibit`` or ``none``, read from the same style); the boxes that are made are made by
    WeasyPrint's steps in its order, sized and laid out by its own functions.  Applied only to the
    exact source of WeasyPrint 70's function; the same boxes, the same bytes.
    """
    import hashlib

    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import page as wpage
        import weasyprint.layout as wlayout
        source = weasyprint_sources.getsource(wpage.make_margin_boxes)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    if (hashlib.sha256(source.encode()).hexdigest() != _MAKE_MARGIN_BOXES_SHA256
            or wlayout.make_margin_boxes is not wpage.make_margin_boxes
            or not all(callable(getattr(wpage, n, None)) for n in (
                "_standardize_page_based_counters", "compute_variable_dimension", "compute_fixed_dimension",
                "margin_box_content_layout", "resolve_percentages"))):
        return False
    real = wpage.make_margin_boxes
    empty = ("normal", "inhibit", "none")

    def make_margin_boxes(context, page, state):
        def style_of(at_keyword):
            style = context.style_for(page.page_type, at_keyword)
            return page.style.anonymous_style if style is None else style

        def make_box(at_keyword, containing_block, style):
            # WeasyPrint's make_box, the style looked up already
            wpage._standardize_page_based_counters(style, at_keyword)
            box = boxes.MarginBox(at_keyword, style)
            box.is_generated = style["content"] not in empty
            if box.is_generated:
                margin_state = wpage.copy.deepcopy(state)
                quote_depth, counter_values, counter_scopes, _page_groups = margin_state
                counter_scopes.append(set())
                wpage.build.update_counters(margin_state, box.style)
                box.children = wpage.build.content_to_boxes(
                    box.style, box, quote_depth, counter_values, context.get_image_from_uri,
                    context.target_collector, context.counter_style, context, page)
                box.process_whitespace()
                box.process_text_transform()
                box = wpage.build.create_anonymous_boxes(box)
            wpage.resolve_percentages(box, containing_block)
            if not box.is_generated:
                box.width = box.height = 0
                for side in ("top", "right", "bottom", "left"):
                    box._reset_spacing(side)
            return box

        margin_top, margin_bottom = page.margin_top, page.margin_bottom
        margin_left, margin_right = page.margin_left, page.margin_right
        max_box_width, max_box_height = page.border_width(), page.border_height()
        page_end_x = margin_left + max_box_width
        page_end_y = margin_top + max_box_height
        generated_boxes = []
        for prefix, vertical, containing_block, position_x, position_y in (
                ("top", False, (max_box_width, margin_top), margin_left, 0),
                ("bottom", False, (max_box_width, margin_bottom), margin_left, page_end_y),
                ("left", True, (margin_left, max_box_height), 0, margin_top),
                ("right", True, (margin_right, max_box_height), page_end_x, margin_top)):
            if vertical:
                suffixes = ("top", "middle", "bottom")
                fixed_outer, variable_outer = containing_block
            else:
                suffixes = ("left", "center", "right")
                variable_outer, fixed_outer = containing_block
            keywords = [f"@{prefix}-{suffix}" for suffix in suffixes]
            styles = [style_of(k) for k in keywords]
            if all(style["content"] in empty for style in styles):
                continue        # WeasyPrint makes these three boxes, then drops them
            side_boxes = [make_box(k, containing_block, style) for k, style in zip(keywords, styles)]
            if not any(box.is_generated for box in side_boxes):
                continue
            wpage.compute_variable_dimension(context, side_boxes, vertical, variable_outer)
            for box, offset in zip(side_boxes, (0, 0.5, 1)):
                if not box.is_generated:
                    continue
                box.position_x = position_x
                box.position_y = position_y
                if vertical:
                    box.position_y += offset * (variable_outer - box.margin_height())
                else:
                    box.position_x += offset * (variable_outer - box.margin_width())
                wpage.compute_fixed_dimension(context, box, fixed_outer, not vertical, prefix in ("top", "left"))
                generated_boxes.append(box)
        for at_keyword, cb_width, cb_height, position_x, position_y in (
                ("@top-left-corner", margin_left, margin_top, 0, 0),
                ("@top-right-corner", margin_right, margin_top, page_end_x, 0),
                ("@bottom-left-corner", margin_left, margin_bottom, 0, page_end_y),
                ("@bottom-right-corner", margin_right, margin_bottom, page_end_x, page_end_y)):
            style = style_of(at_keyword)
            if style["content"] in empty:
                continue        # WeasyPrint makes this box, then drops it
            box = make_box(at_keyword, (cb_width, cb_height), style)
            if not box.is_generated:
                continue
            box.position_x = position_x
            box.position_y = position_y
            wpage.compute_fixed_dimension(context, box, cb_height, True, "top" in at_keyword)
            wpage.compute_fixed_dimension(context, box, cb_width, False, "left" in at_keyword)
            generated_boxes.append(box)
        for box in generated_boxes:
            yield wpage.margin_box_content_layout(context, page, box)

    ORIGINAL["layout.make_margin_boxes"] = real
    SWITCHES["unused_margin_boxes"] = [(m, "make_margin_boxes", real, make_margin_boxes) for m in (wpage, wlayout)]
    switch("unused_margin_boxes", True)
    return True


# WeasyPrint 70's css.ComputedStyle.__missing__, whose steps _computed_defaults repeats.
_COMPUTED_MISSING_SHA256 = "b318d8efc8ac79d716f05cb81cc3abd65a32bd79601e363b218a32559bb3a5fb"


def _computed_defaults() -> bool:
    """``css.ComputedStyle.__missing__`` for a property the element's style does not declare,
    same values.

    WeasyPrint computes an element's property when it is first asked for (≈3 700 times a
    document), each time through its general steps: the cascaded value or ``inherit``/``initial``,
    the property's name with dashes, a ``Pending`` test, the logical property it may be written
    as, ``var()``, the text decorations, ``page``, the specified values of ``position``, ``float``
    and ``display``, math functions, the computer function.  Eight in ten of these properties are
    not declared for the element (nor in their logical form): an inherited one is the parent's
    value, any other its initial value, computed by its computer function when WeasyPrint lists it
    in ``INITIAL_NOT_COMPUTED``.  Here those take only these steps, in WeasyPrint's order
    (``direction`` is asked for first where WeasyPrint asks for it: a property with a logical
    form); a declared property, the root element's, a custom property (``__*``), the text
    decorations, ``page``, ``position``, ``float``, ``display`` and a value holding a math function
    take WeasyPrint's function.  Applied only to the exact source of WeasyPrint 70's method; the
    same values, the same bytes.
    """
    import hashlib

    try:
        from weasyprint import css
        real = css.ComputedStyle.__dict__["__missing__"]
        source = weasyprint_sources.getsource(real)
    except (ImportError, AttributeError, KeyError, OSError, TypeError):
        return False
    names = ("PHYSICAL_FUNCTIONS", "INHERITED", "INITIAL_VALUES", "INITIAL_NOT_COMPUTED", "COMPUTER_FUNCTIONS",
             "check_math")
    found = real.__globals__
    if hashlib.sha256(source.encode()).hexdigest() != _COMPUTED_MISSING_SHA256 or not all(n in found for n in names):
        return False
    physical, inherited, initial_values, not_computed, computers, check_math = (found[n] for n in names)
    apart = frozenset(("page", "position", "float", "display"))
    # the initial values holding a math function (none in WeasyPrint 70): WeasyPrint's way
    initial_math = frozenset(key for key, value in initial_values.items() if check_math(value))

    def __missing__(self, key):
        parent_style = self.parent_style
        cascaded = self.cascaded
        if (key in cascaded or parent_style is None or key in apart or key[:2] == "__"
                or key[:16] == "text_decoration_"):
            return real(self, key)
        logical_function = physical.get(key)
        if logical_function is not None and logical_function(block="ttb", inline=self["direction"]) in cascaded:
            return real(self, key)
        if key in inherited:
            value = parent_style[key]
            if check_math(value):
                return real(self, key)
            self[key] = value
            return value
        if key in initial_math:
            return real(self, key)
        value = initial_values[key]
        if key in not_computed and key in computers:
            value = computers[key](self, key, value)
        self[key] = value
        return value

    ORIGINAL["ComputedStyle.__missing__"] = real
    SWITCHES["computed_defaults"] = [(css.ComputedStyle, "__missing__", real, __missing__)]
    switch("computed_defaults", True)
    return True


# WeasyPrint 70's css.StyleFor.__init__, whose steps _cascade_memo repeats.
_STYLE_FOR_INIT_SHA256 = "b1e725a7552502aa00f0bc07aec79c1aa49365b107a889085161f8d6a4c4a836"


def _cascade_memo() -> bool:
    """``css.StyleFor.__init__`` cascading the declarations of one list of matched selectors once
    a document, same cascaded styles.

    For every element WeasyPrint goes through the declarations of every selector that matched it
    (≈5 000 a document: the user-agent sheet's and ours), giving each its weight — origin and
    importance, layer, specificity — and keeping the heaviest per property, into one dictionary per
    (element, pseudo-element).  Most elements of a report are matched by the same selectors as
    others (every body paragraph, every table cell …), and the result depends on nothing else:
    which selectors, of which sheet (its origin and specificity), in which order, for which
    pseudo-element.  Here an element matched by a list already cascaded in this document gets the
    dictionaries made for it (read only, as WeasyPrint reads them: they are the styles' cascaded
    values), entered in the same order; an element with a ``style`` attribute (or presentational
    hints) is cascaded as before.  The matching, the computed styles (and WeasyPrint's own sharing
    of them), the pseudo-elements and everything else are WeasyPrint's steps, in its order.  The
    memory dies with the ``StyleFor``.  Applied only to the exact source of WeasyPrint 70's method
    (beneath lazy_pseudo_styles' when that is applied); the same styles, the same bytes.
    """
    import hashlib

    try:
        from weasyprint import css
        real = css.StyleFor.__dict__["__init__"]
        if _STYLE_INIT.init is not None:
            real = _STYLE_INIT.init
        source = weasyprint_sources.getsource(real)
    except (ImportError, AttributeError, KeyError, OSError, TypeError):
        return False
    names = ("inf", "find_style_attributes", "preprocess_declarations", "declaration_precedence", "PROGRESS_LOGGER")
    found = real.__globals__
    if hashlib.sha256(source.encode()).hexdigest() != _STYLE_FOR_INIT_SHA256 or not all(n in found for n in names):
        return False
    inf, find_style_attributes, preprocess_declarations, declaration_precedence, progress_logger = (
        found[n] for n in names)

    def __init__(self, html, sheets, presentational_hints, font_config, target_collector):
        # WeasyPrint's lines, but for the cascade of the matched selectors
        self._cascaded_styles = cascaded_styles = {}
        self._computed_styles = computed_styles = {}
        self.initial_page_sizes = {"box": None, "area": None}
        self._sheets = sheets
        self.font_config = font_config

        progress_logger.info("Step 3 - Applying CSS")
        layer_order = inf
        elements_declarations = {}
        for specificity, element, declarations, base_url in find_style_attributes(
                html.etree_element, presentational_hints, html.base_url):
            style = cascaded_styles.setdefault((element, None), {})
            elements_declarations[element] = tuple(declarations)
            for name, values, importance in preprocess_declarations(base_url, declarations):
                precedence = declaration_precedence("author", importance)
                weight = (precedence, layer_order, specificity)
                old_weight = style.get(name, (None, None))[1]
                if old_weight is None or old_weight <= weight:
                    style[name] = values, weight

        computed_cache = {}
        cascades = {}       # the matched selectors' cascade key → [(pseudo_type, cascaded style)]
        for element in html.wrapper_element.iter_subtree():
            etree_element = element.etree_element
            parent = element.parent.etree_element if element.parent else None
            parent_id = id(computed_styles[parent, None]) if element.parent else None
            element_declarations = elements_declarations.get(etree_element)
            selectors_keys = []
            matched = []
            cascade_key = []
            for index, (sheet, origin, sheet_specificity) in enumerate(sheets):
                for selector in sheet.matcher.match(element):
                    specificity, order, pseudo_type, (declarations, layer) = selector
                    layer_order = inf if layer is None else sheet.layers.index(layer)
                    selectors_keys.append((sheet, specificity, id(declarations), layer_order))
                    matched.append((origin, sheet_specificity or specificity, pseudo_type, declarations, layer_order))
                    cascade_key.append((index, specificity, pseudo_type, id(declarations), layer_order))
            cascade_key = tuple(cascade_key)
            done = None if (etree_element, None) in cascaded_styles else cascades.get(cascade_key)
            if done is not None:
                for pseudo_type, style in done:
                    cascaded_styles[etree_element, pseudo_type] = style
            else:
                fresh = (etree_element, None) not in cascaded_styles
                made = []
                for origin, specificity, pseudo_type, declarations, layer_order in matched:
                    key = (etree_element, pseudo_type)
                    style = cascaded_styles.get(key)
                    if style is None:
                        style = cascaded_styles[key] = {}
                        made.append((pseudo_type, style))
                    for name, values, importance in declarations:
                        precedence = declaration_precedence(origin, importance)
                        weight = (precedence, layer_order, specificity)
                        old_weight = style.get(name, (None, None))[1]
                        if old_weight is None or old_weight <= weight:
                            style[name] = values, weight
                if fresh:
                    # (the declarations objects are the sheets', alive as long as the StyleFor)
                    cascades[cascade_key] = made

            key = (parent_id, element_declarations, tuple(selectors_keys))
            if key in computed_cache:
                computed_styles[etree_element, None] = computed_cache[key]
            else:
                self.set_computed_styles(
                    etree_element, root=html.etree_element, parent=parent,
                    base_url=html.base_url, target_collector=target_collector)
                computed_cache[key] = computed_styles[etree_element, None]

        for element, pseudo_type in cascaded_styles:
            if pseudo_type:
                self.set_computed_styles(
                    element, pseudo_type=pseudo_type, root=html.etree_element, parent=element,
                    base_url=html.base_url, target_collector=target_collector)

        self._cascaded_styles.clear()

    ORIGINAL["StyleFor.__init__"] = real
    if _STYLE_INIT.init is not None:        # lazy_pseudo_styles' __init__ calls it
        SWITCHES["cascade_memo"] = [(_STYLE_INIT, "init", real, __init__)]
    else:
        SWITCHES["cascade_memo"] = [(css.StyleFor, "__init__", real, __init__)]
    switch("cascade_memo", True)
    return True


# WeasyPrint 70's pdf.stream.Stream.stacked, marked and artifact, which _stream_contexts repeats.
_STREAM_CONTEXTS_SHA256 = {"stacked": "241f5cdfb961363b6a60b91695674a8c97509e2dd5073d92d494d84e3216ed2f",
                           "marked": "3fa3acacbbf66422e7b0de4346b6eaf638657280a0f62c73172e3c445b888692",
                           "artifact": "be61e42186804e990c3fa090d95a0a579b0d9ca73ba2ec9915c57fde18910faa"}


def _stream_contexts() -> bool:
    """``pdf.stream.Stream``'s ``stacked``, ``marked`` and ``artifact`` as plain context managers
    instead of generator ones, same operators.

    WeasyPrint draws every text box inside ``with stream.marked(box, 'Span')`` and every collapsed
    table border and line inside ``with stream.artifact(), stream.stacked()``: ≈490 ``with`` a
    document, each through ``contextlib``'s generator machinery (a generator and a
    ``_GeneratorContextManager`` made, two resumptions, ≈1.3 µs).  ``stacked`` pushes the graphic
    state on entering and pops it on leaving, even when the block raises; ``marked`` and
    ``artifact`` do nothing on an untagged PDF (ours: no ``pdf_tags``) and are WeasyPrint's own
    generator when the stream has tags.  The same calls in the same order, the same bytes.
    """
    import hashlib

    try:
        import pydyf
        from weasyprint.pdf.stream import Stream
        real = {name: Stream.__dict__[name] for name in _STREAM_CONTEXTS_SHA256}
        sources = {name: weasyprint_sources.getsource(function) for name, function in real.items()}
    except (ImportError, AttributeError, KeyError, OSError, TypeError):
        return False
    if (any(hashlib.sha256(sources[name].encode()).hexdigest() != digest
            for name, digest in _STREAM_CONTEXTS_SHA256.items())
            or Stream.__bases__ != (pydyf.Stream,) or not callable(getattr(pydyf.Stream, "end_marked_content", None))):
        return False
    real_marked, real_artifact = real["marked"], real["artifact"]
    end_marked_content = pydyf.Stream.end_marked_content

    class Stacked:
        __slots__ = ("stream",)

        def __init__(self, stream):
            self.stream = stream

        def __enter__(self):
            self.stream.push_state()

        def __exit__(self, kind, value, traceback):
            self.stream.pop_state()

    class Marked:
        """WeasyPrint's ``marked``/``artifact`` (``make`` with ``args``) when the stream has tags."""
        __slots__ = ("stream", "make", "args", "inner")

        def __init__(self, stream, make, args):
            self.stream, self.make, self.args, self.inner = stream, make, args, None

        def __enter__(self):
            if self.stream._tags is not None:
                self.inner = self.make(self.stream, *self.args)
                return self.inner.__enter__()

        def __exit__(self, kind, value, traceback):
            if self.inner is not None:
                return self.inner.__exit__(kind, value, traceback)
            if self.stream._tags is not None:
                end_marked_content(self.stream)

    def stacked(self):
        return Stacked(self)

    def marked(self, box, tag):
        return Marked(self, real_marked, (box, tag))

    def artifact(self):
        return Marked(self, real_artifact, ())

    SWITCHES["stream_contexts"] = [(Stream, "stacked", real["stacked"], stacked),
                                   (Stream, "marked", real_marked, marked),
                                   (Stream, "artifact", real_artifact, artifact)]
    switch("stream_contexts", True)
    return True


# WeasyPrint 70's draw.border.draw_outline and formatting_structure.boxes.Box.descendants.
_DRAW_OUTLINE_SHA256 = "c98afcef4e21d30189fd4d81c4d4ff713394bfe4b8d662b0441a882e1521def2"
_DESCENDANTS_SHA256 = "c15a877f61361343c932e5da7b45520292364eb2447365d7fa166e1d3ac8987f"


def _no_outlines() -> bool:
    """``draw.border.draw_outline`` going down a box without outline without reading its outline.

    After drawing each stacking context WeasyPrint visits every box in it for its outline (≈590
    boxes a 7-page report), reading each one's outline width, offset, colour and style and its
    visibility, and draws nothing unless the width is not zero.  Our boxes have no outline: a box
    whose ``outline_width`` is 0 is only gone through (its children, WeasyPrint's order), any other
    box is WeasyPrint's function (which goes on down through this one).  The same operators, the
    same bytes; the values not read are not computed (nothing else reads them).
    """
    import hashlib

    try:
        from weasyprint import draw
        from weasyprint.draw import border
        from weasyprint.formatting_structure import boxes
        source = weasyprint_sources.getsource(border.draw_outline)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    if (hashlib.sha256(source.encode()).hexdigest() != _DRAW_OUTLINE_SHA256
            or draw.draw_outline is not border.draw_outline):
        return False
    real = border.draw_outline
    box_type = boxes.Box

    def draw_outline(stream, box):
        if box.style["outline_width"]:
            return real(stream, box)        # which calls this function for the children
        for child in box.children:
            if isinstance(child, box_type):
                draw_outline(stream, child)

    SWITCHES["no_outlines"] = [(m, "draw_outline", real, draw_outline) for m in (border, draw)]
    switch("no_outlines", True)
    return True


def _flat_descendants() -> bool:
    """``Box.descendants`` walking the tree with a stack of iterators instead of a generator per
    box, same boxes in the same order.

    WeasyPrint goes through every page's boxes twice (its counters and anchors, its bookmarks) with
    a generator per box, each box handed up through one ``yield from`` per level (≈7 000 boxes
    handed up a document).  Here a box of WeasyPrint's classes is visited in place, in the same
    pre-order, as lazily (a box's children are read when the walk goes on past it); a placeholder
    asked for with ``placeholders=True`` and a class with its own ``descendants`` take their own.
    """
    import hashlib

    try:
        from weasyprint.formatting_structure import boxes
        source = weasyprint_sources.getsource(boxes.Box.descendants)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    if hashlib.sha256(source.encode()).hexdigest() != _DESCENDANTS_SHA256:
        return False
    real = boxes.Box.descendants
    box_type = boxes.Box

    def descendants(self, placeholders=False):
        yield self
        stack = [iter(self.children)]
        while stack:
            for child in stack[-1]:
                if isinstance(child, box_type):
                    if type(child).descendants is not descendants:
                        yield from child.descendants(placeholders)
                        continue
                    yield child
                    stack.append(iter(child.children))
                    break
                if placeholders:
                    yield from child.descendants(placeholders)
                else:
                    yield child
            else:
                stack.pop()

    SWITCHES["flat_descendants"] = [(boxes.Box, "descendants", real, descendants)]
    switch("flat_descendants", True)
    return True


# Properties that resolve_percentages reads (and their logical forms): a margin box whose cascaded
# style names none of them has the initial box model, whatever its page.
_BOX_MODEL = ("margin", "padding", "border", "width", "height", "min_", "max_", "box_sizing",
              "inline_size", "block_size", "inset")


def _empty_margin_boxes() -> bool:
    """The used box model of an empty page-margin box computed once per containing block.

    For every page WeasyPrint makes all 16 page-margin boxes (``layout.page.make_margin_boxes``),
    each with a style of its own, and resolves each one's percentages (≈60 µs each, ≈7 ms a 7-page
    document), although only the page number's box has content: the others get zero size right
    after.  An empty box whose cascaded style sets no box-model property (the page margin boxes
    of our CSS: only WeasyPrint's default text-align and vertical-align) has the initial box model,
    so what ``resolve_percentages`` sets on it depends only on its containing block: it is
    computed for the first such box of each containing block and set again on the next ones —
    the same values (numbers and keywords), the same bytes.  A box with content or with a
    box-model property, the page box and every other box take WeasyPrint's path.
    """
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import page as wpage
        from weasyprint.layout import percent
        source = weasyprint_sources.getsource(wpage.make_margin_boxes)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    expected = ("box.is_generated = style['content'] not in", "resolve_percentages(box, containing_block)\n"
                "        if not box.is_generated:")
    if (getattr(wpage, "resolve_percentages", None) is not percent.resolve_percentages
            or not all(e in source for e in expected) or not hasattr(boxes, "MarginBox")):
        return False
    real = percent.resolve_percentages
    margin_box = boxes.MarginBox
    memo: dict[tuple, dict] = {}

    def resolve_percentages(box, containing_block):
        cascaded = getattr(box.style, "cascaded", None)
        if (type(box) is not margin_box or box.is_generated or type(containing_block) is not tuple
                or type(cascaded) is not dict or any(k.startswith(_BOX_MODEL) for k in cascaded)):
            return real(box, containing_block)
        found = memo.get(containing_block)
        if found is None:
            before = dict(box.__dict__)
            real(box, containing_block)
            found = {k: v for k, v in box.__dict__.items() if k not in before or before[k] is not v}
            with _lock:
                if len(memo) >= 64:
                    memo.clear()
                memo[containing_block] = found
        else:
            box.__dict__.update(found)

    ORIGINAL["layout.page.resolve_percentages"] = real
    wpage.resolve_percentages = resolve_percentages
    return True


def import_weasyprint() -> None:
    """Import WeasyPrint with its library probing remembered between processes.

    WeasyPrint opens its C libraries by trying several names each (``libgobject-2.0-0``,
    ``gobject-2.0-0``, ``gobject-2.0`` …); every name that is not a file name makes cffi call
    ``ctypes.util.find_library``, which runs ``ldconfig``/``gcc`` — 22 probes, ≈0.3–0.5 s of each
    new process.  Their answers are kept in the user's cache (``find_library.json``), valid while
    the system's library cache (``/etc/ld.so.cache``) is unchanged; an answer that no longer loads
    makes the import run again without the kept answers.
    """
    import sys

    if "weasyprint.text.ffi" in sys.modules or os.environ.get("REPORTGEN_WEASYPRINT_TUNING", "1") == "0":
        import weasyprint.text.ffi  # noqa: F401
        return
    import ctypes.util
    import json

    try:
        st = os.stat("/etc/ld.so.cache")
        stamp = f"{sys.platform} {st.st_size} {st.st_mtime_ns}"
    except OSError:
        stamp = None
    from ..core.cache import private_dir

    # which library files to load is remembered only in this user's own folder (a path planted
    # there would be loaded); no such folder (no home, a shared cache): probed every time
    folder = private_dir("libraries")
    memo_file = folder / "find_library.json" if folder else None
    if memo_file is None:
        stamp = None
    memo: dict[str, str | None] = {}
    if stamp:
        try:
            data = json.loads(memo_file.read_text("utf-8"))
            if data.get("stamp") == stamp:
                memo = dict(data["found"])
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            pass
    real = ctypes.util.find_library
    asked: dict[str, str | None] = {}

    def find_library(name):
        if name not in memo:
            memo[name] = real(name)
        asked[name] = memo[name]
        return memo[name]

    ctypes.util.find_library = find_library
    from .weasyprint_cdef import remembered
    from .weasyprint_hints import deferred

    try:
        # cffi's parsing of WeasyPrint's C declarations kept per machine; its presentational-hints
        # stylesheet (never used by reportgen) parsed when first used
        with remembered(), deferred():
            _import_ffi(memo)
    finally:
        ctypes.util.find_library = real
    if stamp and asked and _memo_changed(memo_file, stamp, asked):
        try:
            memo_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = memo_file.with_name(f"{memo_file.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"stamp": stamp, "found": dict(sorted(asked.items()))}), "utf-8")
            os.replace(tmp, memo_file)
        except OSError:
            pass


def _import_ffi(memo: dict) -> None:
    """``import weasyprint.text.ffi``; kept answers that do not load: imported again without them."""
    try:
        import weasyprint.text.ffi  # noqa: F401
    except OSError:
        if not memo:
            raise
        for name in [m for m in list(sys.modules) if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        memo.clear()
        import weasyprint.text.ffi  # noqa: F401


def _memo_changed(memo_file, stamp: str, asked: dict) -> bool:
    import json

    try:
        data = json.loads(memo_file.read_text("utf-8"))
        return data.get("stamp") != stamp or data.get("found") != dict(sorted(asked.items()))
    except (OSError, ValueError, RuntimeError):
        return True
