"""Layout arithmetic shared by both writers (derived from the style, never restated)."""

from __future__ import annotations

import unicodedata

from .style import Style


def char_units(text: str) -> float:
    """Width of text in character cells: Han and full-width = 1, half-width digits/Latin = ½."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5 for ch in text)


def signature_indents(style: Style, name: str, date: str, width=char_units) -> tuple[float, float]:
    """Right indents (in characters) of 署名 and 成文日期, unsealed layout (GB/T 9704 7.3.5.2).

    署名右空二字; the date starts two characters right of the 署名's start; if that leaves the
    date less than two characters from the right edge, the date gets two and the 署名 moves left.
    ``width`` gives a text's width in characters: by default half-width digits count ½ (true
    of Times New Roman in the DOCX); the PDF writer passes the width measured in its face.
    """
    rule = style.signature
    w_sig, w_date = width(name), width(date)
    r_sig = rule.name_right_chars
    r_date = w_sig + r_sig - rule.date_shift_chars - w_date
    if r_date < rule.min_date_right_chars:
        r_date = rule.min_date_right_chars
        r_sig = w_date + r_date + rule.date_shift_chars - w_sig
    return r_sig, r_date


def mark_size_pt(style: Style, mark: str) -> float:
    """Size of the 发文机关标志: the style's size, reduced so the mark fits the 版心 width."""
    from .style import PT_PER_MM

    wanted = style.elements["red_mark"].size_pt
    width_pt = style.type_area_mm[0] * PT_PER_MM
    return min(wanted, round(width_pt / max(char_units(mark), 1), 1))


def table_grid(rows) -> tuple[int, list[list[tuple[int, int, int]]]]:
    """Number of columns, and for each model cell (first column, last column, last row)."""
    ncols = max(sum(c.colspan for c in row) for row in rows)
    taken = [[False] * ncols for _ in rows]
    out = []
    for r, row in enumerate(rows):
        spans = []
        c = 0
        for cell in row:
            while c < ncols and taken[r][c]:
                c += 1
            c1 = min(c + cell.colspan - 1, ncols - 1)
            r1 = min(r + cell.rowspan - 1, len(rows) - 1)
            for rr in range(r, r1 + 1):
                for cc in range(c, c1 + 1):
                    taken[rr][cc] = True
            spans.append((c, c1, r1))
            c = c1 + 1
        out.append(spans)
    return ncols, out


def column_fractions(table, capacity_chars: float, max_chars: float = 14) -> list[float]:
    """Column widths as fractions of the table width, shared by both writers.

    ``capacity_chars`` is how many characters of the cell size the table width holds. Short
    columns (at most three characters of content, e.g. 单位, 属性) get their full width so they
    never wrap; the other columns share the rest in proportion to their longest text (capped,
    so long text wraps).
    """
    ncols, spans = table_grid(table.rows)
    want = [1.0] * ncols
    for row, row_spans in zip(table.rows, spans):
        for cell, (c0, c1, _) in zip(row, row_spans):
            if c0 == c1:
                want[c0] = max(want[c0], min(char_units(cell.text) + 1, max_chars))
    short = [w <= 4 for w in want]
    fixed = sum(w for w, s in zip(want, short) if s)
    if fixed >= capacity_chars or all(short):
        total = sum(want)
        return [w / total for w in want]
    rest = sum(w for w, s in zip(want, short) if not s)
    scale = (capacity_chars - fixed) / rest
    return [(w if s else w * scale) / capacity_chars for w, s in zip(want, short)]
