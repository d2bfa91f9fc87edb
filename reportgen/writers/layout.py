"""Layout arithmetic shared by both writers (derived from the style, never restated)."""

from __future__ import annotations

import unicodedata

from ..style import Style


def char_units(text: str) -> float:
    """Width of text in character cells: Han and full-width = 1, half-width digits/Latin = ½."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5 for ch in text)


def signature_indents(style: Style, name: str, date: str) -> tuple[float, float]:
    """Right indents (in characters) of 署名 and 成文日期, unsealed layout (GB/T 9704 7.3.5.2).

    署名右空二字; the date starts two characters right of the 署名's start; if that leaves the
    date less than two characters from the right edge, the date gets two and the 署名 moves left.
    """
    rule = style.signature
    w_sig, w_date = char_units(name), char_units(date)
    r_sig = rule.name_right_chars
    r_date = w_sig + r_sig - rule.date_shift_chars - w_date
    if r_date < rule.min_date_right_chars:
        r_date = rule.min_date_right_chars
        r_sig = w_date + r_date + rule.date_shift_chars - w_sig
    return r_sig, r_date


def mark_size_pt(style: Style, mark: str) -> float:
    """Size of the 发文机关标志: the style's size, reduced so the mark fits the 版心 width."""
    from ..style import PT_PER_MM

    wanted = style.elements["red_mark"].size_pt
    width_pt = style.type_area_mm[0] * PT_PER_MM
    return min(wanted, round(width_pt / max(char_units(mark), 1), 1))
