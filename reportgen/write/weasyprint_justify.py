"""Inter-character justification of Chinese lines in WeasyPrint.

WeasyPrint 70 justifies a line only by widening its spaces (``layout.inline.justify_line``).
Chinese text has no spaces, so every ``text-align: justify`` line of a report stayed ragged: a
line holding digits or Latin letters (``R&D经费支出增速21.9%``) ended up to a character short of
the 版心's right edge, where Word, WPS and LibreOffice stretch it (CSS ``text-justify: auto`` is
inter-character for CJK). Measured on the 鹿城 report: right edges of full body lines spread over
167–184 mm before, 182.8–184.2 mm after.

Here a line whose text contains a Han character is justified between characters: the missing
width is shared out as extra letter spacing over the line's characters (the same Pango
letter-spacing attribute WeasyPrint uses for the ``letter-spacing`` of the style, so glyphs,
subsetting and text extraction are unchanged; the box only gets a copy of its style with the
wider spacing: WeasyPrint's drawing makes a new layout from it, ``weasyprint_tuning``'s kept
layout gives the line's glyphs the new spacing as Pango would). It costs ≈ 3 ms of layout per
7-page report, and ≈ 10 ms of drawing without the tuning (2026-12). Lines without Han characters,
the last line of a paragraph and lines ending in a forced break keep WeasyPrint's behaviour. A line missing more
than ``MAX_STRETCH_EM`` per character is left ragged, as a word processor leaves it.

Guarded like ``weasyprint_tuning``: applied only when WeasyPrint has the functions it was written
for, otherwise WeasyPrint runs untouched. It changes layout, not only speed, so it is not behind
``REPORTGEN_WEASYPRINT_TUNING``.
"""

from __future__ import annotations

import functools
import re
import threading

from reportgen.write import weasyprint_sources
from reportgen.write.weasyprint_tuning import SPACED_FROM

MAX_STRETCH_EM = 0.5
# What WeasyPrint's layout (backgrounds, anchors) and drawing ask of a text box's style after its
# line is laid out.  A justified box gets a copy of its style (``justify_line``), made before those
# questions are asked: the copy would answer each of them itself (≈2200 computations a 7-page
# report, 21 for every justified box), though its values are those of the style it was copied from
# — an anonymous style's values come from its parent's and the initial values, and none is
# computed from the letter spacing, the one value the copy changes.  They are asked of the shared
# style first (once for all its boxes), so the copy takes them with the rest.  ([False]: measure.)
_ASKED_AFTER_LAYOUT = ("border_top_left_radius", "border_top_right_radius", "border_bottom_right_radius",
                       "border_bottom_left_radius", "border_image_source", "mask_border_source", "visibility",
                       "background_image", "background_color", "box_shadow", "transform", "bookmark_level",
                       "bookmark_state", "appearance", "opacity", "overflow", "text_decoration_color", "color",
                       "outline_offset", "outline_color", "outline_style", "anchor", "vertical_align")
_ASK_FIRST = [True]
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_applied: bool | None = None
_lock = threading.Lock()


def apply() -> bool:
    """Install the justification (once per process); returns whether it is active."""
    global _applied
    with _lock:
        if _applied is None:
            _applied = _install()
            weasyprint_sources.save()
        return _applied


def _install() -> bool:
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import inline
        from weasyprint.draw import text as draw_text
        from weasyprint.css import AnonymousStyle
        from weasyprint.css.properties import INITIAL_VALUES
    except ImportError:
        return False
    needed = ("justify_line", "count_expandable_spaces", "text_align", "trailing_whitespace_size",
              "remove_last_whitespace", "split_inline_box")
    if not all(callable(getattr(inline, name, None)) for name in needed):
        return False
    if not all(hasattr(boxes, name) for name in ("TextBox", "LineBox", "InlineBox")):
        return False
    try:   # the drawing must lay the text out again from the box's style
        if "pango_layout.reactivate(textbox.style)" not in weasyprint_sources.getsource(draw_text):
            return False
    except (OSError, TypeError):
        return False
    spaces_only = inline.justify_line
    # (WeasyPrint's AnonymousStyle.copy: the copy takes the values already computed)
    try:
        copies = "copy.update(self)" in weasyprint_sources.getsource(AnonymousStyle.copy)
    except (OSError, TypeError):
        copies = False
    asked_first = _ASKED_AFTER_LAYOUT if copies and all(k in INITIAL_VALUES for k in _ASKED_AFTER_LAYOUT) else ()

    def text_boxes(box, out):
        if isinstance(box, boxes.TextBox):
            if box.text:
                out.append(box)
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            for child in box.children:
                if child.is_in_normal_flow():
                    text_boxes(child, out)
        return out

    def justify_line(context, line, extra_width):
        texts = text_boxes(line, [])
        if extra_width <= 0 or not texts or not any(_HAN.search(t.text) for t in texts):
            return spaces_only(context, line, extra_width)
        # Pango adds letter spacing after every character, so a box widens by its number of
        # characters times the extra spacing; the last character's share falls outside the ink.
        total = sum(len(t.text) for t in texts)
        if total < 2:
            return spaces_only(context, line, extra_width)
        delta = extra_width / (total - 1)
        if delta > MAX_STRETCH_EM * line.style["font_size"]:
            return spaces_only(context, line, extra_width)
        widen = {box: len(box.text) * delta for box in texts}
        shift = 0.0

        def move(box):
            nonlocal shift
            if isinstance(box, boxes.TextBox):
                box.position_x += shift
                if box in widen:
                    # The drawing re-creates the Pango layout from the box's style
                    # (draw.text: pango_layout.reactivate(textbox.style)): a style with the wider
                    # letter spacing is all it needs.
                    original = box.style
                    if asked_first and type(original) is AnonymousStyle and _ASK_FIRST[0]:
                        for key in asked_first:
                            original[key]
                    style = original.copy()
                    spacing = style["letter_spacing"]
                    style["letter_spacing"] = (0 if spacing == "normal" else spacing) + delta
                    # only the spacing differs: weasyprint_tuning's kept layout takes the new
                    # spacing instead of a new layout
                    setattr(style, SPACED_FROM, box.style)
                    box.style = style
                    box.width += widen[box]
                    shift += widen[box]
            elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
                box.position_x += shift
                before = shift
                for child in box.children:
                    if child.is_in_normal_flow():
                        move(child)
                box.width += shift - before
            else:
                box.translate(shift, 0)

        move(line)

    whitespace = inline.trailing_whitespace_size

    def trailing_whitespace_size(context, box):
        """WeasyPrint's trailing white space, or else the Chinese–Western spacing after the box's
        last character (the right margin of html's ``span.as``): it hangs past the line end, so
        a character whose spacing does not fit still ends the line — as in LibreOffice, which
        drops its kern there (and as a trailing space hangs)."""
        size = whitespace(context, box)
        if size:
            return size
        gap = 0.0
        while isinstance(box, (boxes.LineBox, boxes.InlineBox)) and box.children:
            if _is_gap(box):
                gap += box.margin_right
            box = box.children[-1]
        return gap

    strip = inline.remove_last_whitespace

    def remove_last_whitespace(context, line):
        """WeasyPrint's, then the Chinese–Western spacing after the line's last character: a
        line that breaks at a gap ends without it (and is justified to the edge without it)."""
        strip(context, line)
        chain, box = [], line
        while isinstance(box, (boxes.LineBox, boxes.InlineBox)) and box.children:
            chain.append(box)
            box = box.children[-1]
        for i, box in enumerate(chain):
            if _is_gap(box) and box.margin_right:
                gap, box.margin_right = box.margin_right, 0
                for outer in chain[:i]:
                    outer.width -= gap
                break

    inline_box = inline.split_inline_box
    line_box = boxes.LineBox
    line_start = threading.local()

    @functools.wraps(inline_box)
    def split_inline_box(context, box, position_x, max_x, bottom_space, skip_stack, containing_block,
                         absolute_boxes, fixed_boxes, line_placeholders, waiting_floats, line_children,
                         *rest):
        """WeasyPrint's, but a Latin run after a Chinese–Western gap (html's span.latin.asl, the
        gap its left margin) that starts a line — nothing laid out before it on the line, at the
        line's start — starts it without the gap, as the spacing of a span.as that ends a line
        hangs there. (``split_inline_level`` sets the margin from the style again each time it
        lays the box out.)"""
        args = (context, box, position_x, max_x, bottom_space, skip_stack, containing_block,
                absolute_boxes, fixed_boxes, line_placeholders, waiting_floats, line_children, *rest)
        if type(box) is line_box:
            outer, line_start.x = getattr(line_start, "x", None), position_x
            try:
                return inline_box(*args)
            finally:
                line_start.x = outer
        if (skip_stack is None and not line_children and box.margin_left
                and position_x == getattr(line_start, "x", None) and _is_gap_left(box)):
            box.margin_left = 0
        return inline_box(*args)

    inline.justify_line = justify_line
    inline.trailing_whitespace_size = trailing_whitespace_size
    inline.remove_last_whitespace = remove_last_whitespace
    inline.split_inline_box = split_inline_box
    return True


def _is_gap(box) -> bool:
    """An inline box of html's ``span.as``: the character (or Latin run, ``span.latin.as``)
    before a Chinese–Western gap."""
    element = getattr(box, "element", None)
    return (element is not None and box.element_tag == "span"
            and "as" in (element.get("class") or "").split())


def _is_gap_left(box) -> bool:
    """An inline box of html's ``span.latin.asl``: a Latin run after a Chinese–Western gap."""
    element = getattr(box, "element", None)
    return (element is not None and box.element_tag == "span"
            and "asl" in (element.get("class") or "").split())
