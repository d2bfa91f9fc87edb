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
subsetting and text extraction are unchanged). Lines without Han characters, the last line of
a paragraph and lines ending in a forced break keep WeasyPrint's behaviour. A line missing more
than ``MAX_STRETCH_EM`` per character is left ragged, as a word processor leaves it.

Guarded like ``weasyprint_tuning``: applied only when WeasyPrint has the functions it was written
for, otherwise WeasyPrint runs untouched. It changes layout, not only speed, so it is not behind
``REPORTGEN_WEASYPRINT_TUNING``.
"""

from __future__ import annotations

import re
import threading

MAX_STRETCH_EM = 0.5
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_applied: bool | None = None
_lock = threading.Lock()


def apply() -> bool:
    """Install the justification (once per process); returns whether it is active."""
    global _applied
    with _lock:
        if _applied is None:
            _applied = _install()
        return _applied


def _install() -> bool:
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import inline
        from weasyprint.text.line_break import create_layout, line_size
    except ImportError:
        return False
    needed = ("justify_line", "count_expandable_spaces", "text_align")
    if not all(callable(getattr(inline, name, None)) for name in needed):
        return False
    if not all(hasattr(boxes, name) for name in ("TextBox", "LineBox", "InlineBox")):
        return False
    spaces_only = inline.justify_line

    def text_boxes(box, out):
        if isinstance(box, boxes.TextBox):
            if box.text:
                out.append(box)
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            for child in box.children:
                if child.is_in_normal_flow():
                    text_boxes(child, out)
        return out

    def laid_out(box, context, spacing):
        style = box.style.copy()
        style["letter_spacing"] = spacing
        layout = create_layout(box.text, style, context, None, 0)
        line, _ = layout.get_first_line()
        width, _ = line_size(line, style)
        return style, layout, width

    def spacing_of(box):
        value = box.style["letter_spacing"]
        return 0 if value == "normal" else value

    def justify_line(context, line, extra_width):
        texts = text_boxes(line, [])
        if extra_width <= 0 or not texts or not any(_HAN.search(t.text) for t in texts):
            return spaces_only(context, line, extra_width)
        # Width grows linearly with letter spacing: one probe per box gives its number of gaps.
        gaps = {}
        for box in texts:
            _, _, probe = laid_out(box, context, spacing_of(box) + 1.0)
            gaps[box] = probe - box.width
        total = sum(gaps.values())
        # The last character's trailing spacing falls outside the ink: one gap fewer to fill.
        if total <= 1.5:
            return spaces_only(context, line, extra_width)
        delta = extra_width / (total - 1)
        if delta > MAX_STRETCH_EM * line.style["font_size"]:
            return spaces_only(context, line, extra_width)

        shift = 0.0

        def move(box):
            nonlocal shift
            if isinstance(box, boxes.TextBox):
                box.position_x += shift
                if box in gaps:
                    style, layout, width = laid_out(box, context, spacing_of(box) + delta)
                    layout.deactivate()
                    box.style, box.pango_layout = style, layout
                    shift += width - box.width
                    box.width = width
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

    inline.justify_line = justify_line
    return True
