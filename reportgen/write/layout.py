"""Layout arithmetic shared by both writers (derived from the style, never restated)."""

from __future__ import annotations

import re
import unicodedata

from .style import Style


def char_units(text: str) -> float:
    """Width of text in character cells: Han and full-width = 1, half-width digits/Latin = ½."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5 for ch in text)


def _script(ch: str) -> str | None:
    """"cjk" for a Chinese character or full-width letter/digit, "latin" for another letter or
    digit, None for punctuation, spaces and symbols (no autospace next to them)."""
    if not ch.isalnum():
        return None
    return "cjk" if unicodedata.east_asian_width(ch) in ("W", "F") else "latin"


def autospace_gaps(text: str) -> list[int]:
    """Where the Chinese–Western spacing (``Style.autospace_em``) goes: the indexes ``i`` with
    ``text[i - 1]`` and ``text[i]`` a Chinese character and a digit/Latin letter, either way
    round — the places where LibreOffice's layout puts its kern (between two letters or digits of
    different scripts; never next to punctuation)."""
    new = set(text).difference(_SCRIPT_SEEN)
    if new:
        for ch in new:
            script = _script(ch)
            _SCRIPT_CODE[ord(ch)] = "c" if script == "cjk" else "l" if script == "latin" else "."
        _SCRIPT_SEEN.update(new)
    return [m.start() for m in _SCRIPT_CHANGE.finditer(text.translate(_SCRIPT_CODE))]


#: Each character's script (``_script``) as one letter (c, l, or . for none), worked out once a
#: process: the writers ask for every character of every line; the gaps are then found by a
#: regular expression on the text translated to those letters (same indexes: one letter a character).
_SCRIPT_CODE: dict[int, str] = {}
_SCRIPT_SEEN: set[str] = set()
_SCRIPT_CHANGE = re.compile("(?<=c)l|(?<=l)c")


def autospace_chars(style: Style, text: str) -> float:
    """The width the Chinese–Western spacing adds to ``text``, in characters (em) — the DOCX's
    measure of a width (Word and LibreOffice draw their own spacing there)."""
    return len(autospace_gaps(text)) * style.autospace_em


def signature_indents(style: Style, name: str, date: str, width=char_units) -> tuple[float, float]:
    """Right indents (in characters) of 署名 and 成文日期, unsealed layout (GB/T 9704 7.3.5.2).

    署名右空二字; the date starts two characters right of the 署名's start; if that leaves the
    date less than two characters from the right edge, the date gets two and the 署名 moves left.
    ``width`` gives a text's width in characters: by default half-width digits count ½ (true
    of Times New Roman in the DOCX; ``flow`` adds the Chinese–Western spacing, 2024年1月31日 has
    five gaps); the PDF writer passes the width measured in its face.
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


def column_fractions(table, capacity_chars: float, max_chars: float) -> list[float]:
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


# -- title lines ------------------------------------------------------------------------------------
# GB/T 9704 7.3.1: a title that runs over one line is broken "词意完整，排列对称，长短适宜": at a
# word boundary, into lines of balanced length, never leaving a line of one or two characters.
_OPENING = "“‘《（〔【「『"
_CLOSING = "”’》），。、；：？！〕】」』"
#: words never split across lines (the title vocabulary of these reports)
TITLE_WORDS = ("工作总结", "工作思路", "工作要点", "工作计划", "工作报告", "上半年", "下半年", "十四五", "十五五",
               "科学技术", "科技创新", "高新技术", "中期评估", "年度监测", "实施情况", "发展规划", "主要指标",
               "工作", "总结", "思路", "要点", "计划", "规划", "评估", "报告", "情况", "监测", "进度")
#: a break right after these ends a unit's name (…科学技术局 / 2023年…)
_NAME_ENDS = ("局", "委", "院", "府", "办", "厅", "部", "会", "司", "处", "中心", "政府")
_MIN_LINE_CHARS = 3


def _break_costs(text: str) -> dict[int, float]:
    """Where a title may break (index of the first character of the next line) and how good
    that place is (0 best). Never inside a number or Latin word, a title word, next to an
    opening or closing mark on the wrong side, or before 年/月/日 of a date."""
    inside: set[int] = set()
    for word in TITLE_WORDS:
        start = text.find(word)
        while start >= 0:
            inside.update(range(start + 1, start + len(word)))
            start = text.find(word, start + 1)
    costs: dict[int, float] = {}
    depth = 0                   # inside “…” or 《…》: a break there splits a name
    for i in range(1, len(text)):
        a, b = text[i - 1], text[i]
        depth += (a in "“《") - (a in "”》")
        if (a.isascii() and a.isalnum() and b.isascii() and b.isalnum()) or a in _OPENING or b in _CLOSING:
            continue
        if i in inside or (a.isdigit() and b in "年月日号%"):
            continue
        if a in "和及与暨、，；：":
            cost = 0.5
        elif text[:i].endswith(_NAME_ENDS) and i >= 4:
            cost = 0.0
        elif a in _CLOSING or b in _OPENING or (b.isdigit() and not a.isdigit()):
            cost = 1.0
        elif a == "年":
            cost = 5.0
        elif text.startswith(TITLE_WORDS, i) or text.startswith("关于", i) or a in "的之" or text[:i].endswith("关于"):
            cost = 2.0
        else:
            continue            # no known word boundary here
        costs[i] = cost + (3.0 if depth > 0 else 0.0)
    return costs


def title_units(text: str, autospace: float = 0.0) -> float:
    """Width of title text in characters: like :func:`char_units`, but Chinese quotation marks
    (“ ” ‘ ’, East Asian “ambiguous”) are full width, as the CJK faces set them; ``autospace``
    (characters) is added at every Chinese–Western gap."""
    return autospace * len(autospace_gaps(text)) + sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F", "A") and ord(ch) > 0x2000 else
               (1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5) for ch in text)


def _best_split(text: str, cuts: dict[int, float], lines: int, capacity: float, units) -> list[str] | None:
    """The best ``lines`` lines cut at ``cuts``; ``units`` gives a line's width in characters."""
    best: tuple[float, list[str]] | None = None
    order = sorted(cuts)

    def walk(start: int, left: int, acc: list[str], cost: float) -> None:
        nonlocal best
        if left == 1:
            last = text[start:]
            if len(last) < _MIN_LINE_CHARS or units(last) > capacity:
                return
            found = acc + [last]
            widths = [units(x) for x in found]
            score = 0.6 * (max(widths) - min(widths)) + cost
            if best is None or score < best[0]:
                best = (score, found)
            return
        for i in order:
            if i <= start:
                continue
            line = text[start:i]
            if units(line) > capacity:
                break
            if len(line) >= _MIN_LINE_CHARS:
                walk(i, left - 1, acc + [line], cost + cuts[i])

    walk(0, lines, [], 0.0)
    return best[1] if best else None


def balance_title_line(text: str, capacity: float, autospace: float = 0.0) -> tuple[list[str], bool]:
    """One title line that may be too long for the 版心 → (lines, broke at a word boundary).

    ``capacity`` is how many title characters fit on a line. A line that fits is kept. Otherwise
    the fewest lines that work, with the most even lengths, breaking at the best places
    (after the unit's name, after 和/及, before a year …). When no word boundary allows lines of
    three characters or more, it breaks between any two characters outside numbers and marks
    and reports False, so the caller can warn. ``autospace``: the Chinese–Western spacing in
    characters of the title.
    """
    def units(t: str) -> float:
        return title_units(t, autospace)

    if units(text) <= capacity or len(text) < 2 * _MIN_LINE_CHARS:
        return [text], True
    needed = int(-(-units(text) // capacity))
    words = _break_costs(text)
    anywhere = {i: words.get(i, 6.0) for i in range(1, len(text))
                if not (text[i - 1].isascii() and text[i - 1].isalnum() and text[i].isascii() and text[i].isalnum())
                and text[i - 1] not in _OPENING and text[i] not in _CLOSING}
    for cuts, ok in ((words, True), (anywhere, False)):
        for n in range(needed, needed + 2):
            found = _best_split(text, cuts, n, capacity, units)
            if found:
                return found, ok
    return [text], False


def title_capacity(style: Style, element: str = "title") -> float:
    """How many characters of ``element`` fit across the 版心."""
    from .style import PT_PER_MM

    return style.type_area_mm[0] * PT_PER_MM / style.char_pt(element)


def balance_title(lines: list[str], style: Style, element: str = "title") -> tuple[list[str], list[str]]:
    """Every title line broken to fit the 版心 in balanced lines → (lines, the lines that could
    not be broken at a word boundary)."""
    capacity = title_capacity(style, element)
    autospace = style.autospace_em * style.el(element).size_pt / style.char_pt(element)
    out: list[str] = []
    bad: list[str] = []
    for line in lines:
        parts, ok = balance_title_line(line, capacity, autospace)
        out += parts
        if not ok:
            bad.append(line)
    return out, bad


#: The mark every page of a draft carries (DOCX header, PDF top margin): a document with missing
#: figures (``build --draft``) can never pass for the final one.
DRAFT_MARK = "草稿——含待填数据，不得印发"
