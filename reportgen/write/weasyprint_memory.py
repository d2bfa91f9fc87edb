"""WeasyPrint's per-layout leak of font-feature attributes, stopped (once per process).

WeasyPrint 70's ``text.line_break.Layout.setup`` — run for every piece of text it lays out and
again for every text box it draws, thousands of times a document — does, when the style asks
for OpenType features (``font-kerning: none`` or ``normal``, as our CSS does)::

    attr = style.font_config.font_features.setdefault(features, pango.pango_attr_font_features_new(features))
    attr_list = pango.pango_attr_list_new()
    pango.pango_attr_list_insert(attr_list, attr)
    pango.pango_layout_set_attributes(self.layout, attr_list)

The new attribute is made on every call but kept only the first time (``setdefault``), and the
attribute list's own reference is never dropped (the one attribute shared by all the lists must
not be freed with one of them): two small C objects leak per layout.  A worker's C heap grew
≈0.13 MB a document (13 MB per 100, its resident memory with it) while Python's objects stayed
flat (benchmarks/README.md, "a worker's memory flat over 500 documents").

Here each layout gets an attribute of its own (``font_features`` no longer keeps one) and the
list's extra reference is dropped after ``setup``: the layout holds the only reference, and the
list with its attribute is freed with the layout.  Pango sees the same attributes, so the
layout and the PDF's bytes are unchanged.  Guarded like ``weasyprint_tuning``: applied only when
``Layout.setup`` has the exact lines above (a WeasyPrint that frees the list itself is left alone).
``weasyprint_tuning``'s own ``Layout.setup`` (``_shared_pango_context``, on by default) gives each
layout its own attribute and list the same way; this one fixes WeasyPrint's, which runs when the
tuning is off and for the styles the tuning hands back to it.  Applied before the tuning (write.pdf).
"""

from __future__ import annotations

import functools
import threading

from . import weasyprint_sources

_applied: bool | None = None
ORIGINAL = None          # WeasyPrint's own Layout.setup, once replaced (for the test comparing both)
_lock = threading.Lock()

_EXPECTED = ("attr = style.font_config.font_features.setdefault(",
             "features, pango.pango_attr_font_features_new(features))",
             "attr_list = pango.pango_attr_list_new()\n",
             "pango.pango_attr_list_insert(attr_list, attr)",
             "pango.pango_layout_set_attributes(self.layout, attr_list)",
             "self.layout = ffi.gc(\n            pango.pango_layout_new(pango_context),")


class _OwnAttribute(dict):
    """``FontConfiguration.font_features`` that keeps nothing: ``setdefault`` hands back the
    attribute just made, so each layout's list owns its own."""

    def setdefault(self, key, default=None):
        return default


def apply() -> bool:
    """Install the fix (once per process); returns whether it is active."""
    global _applied
    with _lock:
        if _applied is None:
            _applied = _install()
            weasyprint_sources.save()
        return _applied


def _install() -> bool:
    global ORIGINAL
    try:
        from weasyprint.text import line_break
        from weasyprint.text.ffi import ffi, pango
        source = weasyprint_sources.getsource(line_break.Layout.setup)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    if (not all(e in source for e in _EXPECTED) or source.count("pango_layout_set_attributes") != 1
            or "pango_attr_list_unref" in source):
        return False
    try:
        get_attributes, unref = pango.pango_layout_get_attributes, pango.pango_attr_list_unref
    except AttributeError:
        return False
    real = line_break.Layout.setup

    @functools.wraps(real)      # inspect.getsource sees WeasyPrint's: weasyprint_tuning's guard still applies
    def setup(self, style):
        font_config = style.font_config
        if type(font_config.font_features) is dict:     # its attributes stay with the lists holding them
            font_config.font_features = _OwnAttribute()
        real(self, style)
        attrs = get_attributes(self.layout)
        if attrs != ffi.NULL:       # set by setup only (a new layout has none): setup's reference
            unref(attrs)

    ORIGINAL, line_break.Layout.setup = real, setup
    return True
