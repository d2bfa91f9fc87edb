"""GB/T 9704-2012 conformance of a rendered PDF (checks C1, C3–C11, C13, C14, C16, C18, C19, C21, C22
of /work/shared/reference/gbt9704.md §5), measured on WeasyPrint's PDF here and, through the same
class, on LibreOffice's conversion of the DOCX in test_docx_libreoffice.py.

Every expected number below is derived from the standard's geometry (§2, §4 of the reference), not
read from reportgen's style file.  The sample document has a title, level-1/2 headings, lead-in
paragraphs, an unsealed 署名/成文日期 and odd/even page numbers; it has no 版头 and no 版记, so the
checks for those (C15, C17–C20) reduce to "nothing of the kind is drawn".
"""

from __future__ import annotations

import re
from statistics import median

import pytest

from .measure import (
    CJK_PUNCT, DATE_RE, HAN_NUMERALS, align_flow, char_units, dash_strokes, docx_blocks, families_of,
    horizontal_rules, ink_top_mm, is_pure_han, leading_cluster, pdffonts, pt2mm, render_gray,
)

# -- expected geometry (GB/T 9704-2012 §5, model A of the reference §4.1) -----------------------
PAGE_W_PT, PAGE_H_PT = 595.28, 841.89      # P1/C1: A4 210 × 297 mm
TOP_MM, LEFT_MM = 37.0, 28.0               # P2 天头, P3 订口
TYPE_W_MM, TYPE_H_MM = 156.0, 225.0        # P4 版心
RIGHT_MM = LEFT_MM + TYPE_W_MM             # 184.0: right edge of the 版心
BOTTOM_MM = TOP_MM + TYPE_H_MM             # 262.0: bottom edge of the 版心
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28    # P7: 每面排22行，每行排28个字
CHAR_MM = TYPE_W_MM / CHARS_PER_LINE       # 5.571 mm: one 字 when 28 fill the 156 mm line
PITCH_PT = 28.95                           # 225 mm / 22 = 28.99 pt → 579 twips = 28.95 pt (C7)
PITCH_TOL_PT = 0.3
EDGE_TOL_MM = 1.0                          # C3: ±1 mm
BODY_PT, TITLE_PT, PAGE_NUMBER_PT = 16.0, 22.0, 14.0   # 3号, 2号, 4号
SIZE_TOL_PT = 0.3
PN_CHAR_MM = pt2mm(PAGE_NUMBER_PT)         # 4.94 mm: one 4号 character
PN_ODD_RIGHT_MM = RIGHT_MM - PN_CHAR_MM    # 179.06: 单页码居右空一字 (N4)
PN_EVEN_LEFT_MM = LEFT_MM + PN_CHAR_MM     # 32.94: 双页码居左空一字 (N4)
DASH_Y_MM = BOTTOM_MM + 7.0                # 269.0: 一字线上距版心下边缘7mm (N3)
TITLE_CENTRE_MM = (LEFT_MM + RIGHT_MM) / 2 # 106.0: 标题居中 (B1, C10)
# C9: 左空二字 = 2 × (5.56 mm tracked … 5.64 mm nominal 3号) → 39.1–39.3 mm, ± 0.5 mm
INDENT_MIN_MM = LEFT_MM + 2 * 5.56 - 0.5
INDENT_MAX_MM = LEFT_MM + 2 * pt2mm(BODY_PT) + 0.5
# C5 (model A): y of the first line's glyph box on a continuation page
TOP_BOX_RANGE_MM = (37.0, 40.5)
# C14 unsealed (S2): ± 0.6 mm
SIGN_TOL_MM = 0.6
# C4: a full line ends between 183.0 and 184.5 mm
RIGHT_MIN_MM, RIGHT_MAX_MM = 183.0, 184.5

H1_RE = re.compile(rf"^[{HAN_NUMERALS}]+、")
H2_RE = re.compile(rf"^（[{HAN_NUMERALS}]+）")
PAGE_NUMBER_RE = re.compile(r"^—\s?(\d+)\s?—$")


def fmt(values, nd=2) -> str:
    return ", ".join(f"{v:.{nd}f}" for v in values)


def _hanging(line) -> bool:
    """Last glyph is CJK punctuation placed past the 版心's right edge (LibreOffice hangs it)."""
    last = line.chars[-1]
    return len(line.chars) > 1 and last["text"] in CJK_PUNCT and pt2mm(last["x1"]) > RIGHT_MAX_MM


def _eff_chars(line):
    """The characters that sit inside the 版心 (a hanging punctuation glyph removed)."""
    return line.chars[:-1] if _hanging(line) else line.chars


def _eff_x1_mm(line) -> float:
    return pt2mm(_eff_chars(line)[-1]["x1"])


TYPE_AREA_RIGHT_MM = 28 + 156   # the 版心's right edge: a cluster fits only if it ends inside it


class PdfLayoutChecks:
    """The PDF measurements; subclasses provide the ``pages`` and ``pdf_path`` fixtures."""

    producer = "?"
    allow_hanging_punctuation = False

    # -- shared derived data ----------------------------------------------------------------------
    @pytest.fixture(scope="class")
    @classmethod
    def body_lines(cls, pages):
        """Text lines inside the 版心 area (the page-number line excluded)."""
        return [ln for p in pages for ln in p.lines if ln.baseline_mm < BOTTOM_MM + 2]

    @pytest.fixture(scope="class")
    @classmethod
    def flow(cls, body_lines, docx_pkg):
        return align_flow(body_lines, docx_blocks(docx_pkg))

    @pytest.fixture(scope="class")
    @classmethod
    def page_number_lines(cls, pages):
        out = {}
        for p in pages:
            below = [ln for ln in p.lines if ln.baseline_mm > BOTTOM_MM + 2]
            out[p.number] = below
        return out

    @staticmethod
    def _full_lines(flow):
        """(line, next line) of body/heading paragraphs whose paragraph continues on the next line."""
        out = []
        for cur, nxt in zip(flow, flow[1:]):
            if cur.role in ("body", "heading1", "heading2", "heading3", "heading4") and not cur.last \
                    and nxt.block == cur.block:
                out.append((cur, nxt))
        return out

    # -- C1 ---------------------------------------------------------------------------------------
    def test_page_size_is_a4(self, pages):
        bad = [(p.number, round(p.width, 2), round(p.height, 2)) for p in pages
               if abs(p.width - PAGE_W_PT) > 1 or abs(p.height - PAGE_H_PT) > 1]
        assert not bad, f"{self.producer}: pages not A4 595.28×841.89 pt ±1: {bad}"

    # -- C21 --------------------------------------------------------------------------------------
    def test_first_page_shows_body_text(self, flow):
        p1_body = [f for f in flow if f.line.page == 1 and f.role == "body"]
        assert p1_body, f"{self.producer}: no 正文 line on page 1 (公文首页必须显示正文); lines: {flow[:5]}"

    # -- C3 ---------------------------------------------------------------------------------------
    def test_left_edge_dingkou_28mm(self, flow, pages):
        """订口: continuation lines of paragraphs start at x = 28 ± 1 mm on every page."""
        per_page = {}
        for f in flow:
            if f.role in ("body", "heading1", "heading2") and not f.first:
                per_page.setdefault(f.line.page, []).append(f.line.x0_mm)
        assert set(per_page) >= {p.number for p in pages if p.number < len(pages)}, \
            f"{self.producer}: pages without continuation lines: {sorted(per_page)}"
        bad = {pg: (min(xs), max(xs)) for pg, xs in per_page.items()
               if abs(min(xs) - LEFT_MM) > EDGE_TOL_MM or abs(max(xs) - LEFT_MM) > EDGE_TOL_MM}
        measured = {pg: round(min(xs), 2) for pg, xs in per_page.items()}
        assert not bad, (f"{self.producer}: continuation-line x0 outside {LEFT_MM}±{EDGE_TOL_MM} mm "
                         f"(page: (min,max)) {bad}; all pages min x0 {measured}")

    # -- C4 ---------------------------------------------------------------------------------------
    def test_right_edge_per_page(self, flow):
        """C4: the longest full line of each page ends in [183.0, 184.5] mm (hanging glyph excluded)."""
        per_page = {}
        for cur, _ in self._full_lines(flow):
            per_page.setdefault(cur.line.page, []).append(_eff_x1_mm(cur.line))
        maxima = {pg: round(max(xs), 2) for pg, xs in per_page.items()}
        bad = {pg: x for pg, x in maxima.items() if not RIGHT_MIN_MM <= x <= RIGHT_MAX_MM}
        assert not bad, f"{self.producer}: max x1 of full lines outside [{RIGHT_MIN_MM}, {RIGHT_MAX_MM}] mm: {bad} (all: {maxima})"

    # Word and LibreOffice justify Chinese lines between characters; WeasyPrint does with
    # reportgen/write/weasyprint_justify.py. A producer that stretches only spaces (WeasyPrint
    # alone) would leave a line short when the next unbreakable cluster ("“315”", "21.9%", a
    # kinsoku pair) does not fit; set justifies_cjk = False to measure such a producer.
    justifies_cjk = True

    def test_full_lines_fill_the_type_area(self, flow):
        """P7 撑满版心: every line of a paragraph that continues on the next line reaches the right
        edge (x1 ≥ 183.0 mm) — or, for a producer that cannot stretch Chinese lines, stops short
        only because the next line's leading unbreakable cluster would not have fitted."""
        full = self._full_lines(flow)
        short = []
        for cur, nxt in full:
            x1 = _eff_x1_mm(cur.line)
            if x1 >= RIGHT_MIN_MM:
                continue
            cluster = leading_cluster(nxt.line.text)
            width = sum(c["x1"] - c["x0"] for c in nxt.line.chars[:len(cluster)])
            if self.justifies_cjk or x1 + pt2mm(width) <= TYPE_AREA_RIGHT_MM + 0.1:
                short.append((cur.line, round(x1, 2), cluster))
        assert not short, (
            f"{self.producer}: {len(short)} of {len(full)} full lines end short of {RIGHT_MIN_MM} mm "
            f"although the next line's first cluster would fit: {short[:6]}")

    def test_hanging_punctuation(self, flow):
        """No glyph past the right edge; LibreOffice hangs 。，: its glyph must start ≤ 184.5 mm."""
        hanging = [f.line for f in flow if _hanging(f.line)]
        starts = [pt2mm(ln.chars[-1]["x0"]) for ln in hanging]
        if not self.allow_hanging_punctuation:
            assert not hanging, f"{self.producer}: punctuation hangs past {RIGHT_MAX_MM} mm in {hanging}"
            return
        late = [(ln, round(x, 2)) for ln, x in zip(hanging, starts) if x > RIGHT_MAX_MM]
        assert not late, f"{self.producer}: hanging glyph starts after {RIGHT_MAX_MM} mm: {late}"
        # Record the count for the report (a producer that may hang punctuation).
        print(f"{self.producer}: {len(hanging)} lines hang punctuation; glyph x0 {fmt(sorted(set(starts)))} mm")

    # -- C5 ---------------------------------------------------------------------------------------
    def test_top_edge_tiantou(self, pages, body_lines):
        """C5: first line's glyph (ideographic em) box top on continuation pages in 37.0–40.5 mm."""
        lo, hi = TOP_BOX_RANGE_MM
        tops = {}
        for p in pages[1:]:
            lines = [ln for ln in body_lines if ln.page == p.number]
            tops[p.number] = round(lines[0].em_top_mm(), 2)
        bad = {pg: t for pg, t in tops.items() if not lo <= t <= hi}
        assert not bad, f"{self.producer}: first-line em-box top outside {lo}–{hi} mm: {bad} (all {tops})"

    def test_nothing_inked_above_type_area(self, pdf_path, pages, poppler):
        """No ink in the 天头: the first ink row of every page is at y ≥ 37.0 mm (600 dpi raster)."""
        tops = {p.number: ink_top_mm(pdf_path, p.number, 5.0, 60.0) for p in pages}
        bad = {pg: round(t, 2) for pg, t in tops.items() if t is not None and t < TOP_MM}
        print(f"{self.producer}: ink top per page (mm) " + str({k: round(v, 2) for k, v in tops.items()}))
        assert not bad, f"{self.producer}: ink above the 版心 top {TOP_MM} mm: {bad}"

    def test_bottom_edge(self, pages, body_lines):
        """The last line's em box ends above the 版心 bottom (262 mm + 0.5)."""
        bottoms = {}
        for p in pages:
            lines = [ln for ln in body_lines if ln.page == p.number]
            bottoms[p.number] = round(pt2mm(lines[-1].baseline + 0.12 * lines[-1].size), 2)
        bad = {pg: b for pg, b in bottoms.items() if b > BOTTOM_MM + 0.5}
        assert not bad, f"{self.producer}: text below the 版心 bottom {BOTTOM_MM} mm: {bad}"

    # -- C6 / C7 ----------------------------------------------------------------------------------
    def test_22_lines_on_full_pages(self, pages, body_lines, flow):
        """C6: pages other than the first and last hold 22 grid lines: (last − first baseline)/pitch + 1.
        A page whose successor starts with a heading may end one line early (the heading is kept
        with its next line, GB/T 9704 sets no orphaned headings)."""
        starts_with_heading = {}
        for f in flow:
            starts_with_heading.setdefault(f.line.page, (f.role or "").startswith("heading"))
        slots, bad = {}, {}
        for p in pages[1:-1]:
            lines = [ln for ln in body_lines if ln.page == p.number]
            span = (lines[-1].baseline - lines[0].baseline) / PITCH_PT
            n = round(span) + 1
            slots[p.number] = (n, len(lines), round(span - round(span), 3))
            allowed = {LINES_PER_PAGE, LINES_PER_PAGE - 1} if starts_with_heading.get(p.number + 1) else {LINES_PER_PAGE}
            if n not in allowed or abs(span - round(span)) > 0.2:
                bad[p.number] = slots[p.number]
        assert not bad, (f"{self.producer}: full pages without {LINES_PER_PAGE} grid lines "
                         f"(page: (slots, text lines, off-grid fraction)) {bad}; all {slots}")

    def test_line_pitch(self, flow, font_resolution):
        """C7: baseline distance of consecutive 正文 lines 28.95 ± 0.3 pt."""
        deltas = []
        for a, b in zip(flow, flow[1:]):
            if a.line.page == b.line.page and a.role == "body" and b.role == "body":
                d = b.line.baseline - a.line.baseline
                if d < 1.5 * PITCH_PT:
                    deltas.append(d)
        assert deltas, f"{self.producer}: no consecutive body lines found"
        bad = [round(d, 2) for d in deltas if abs(d - PITCH_PT) > PITCH_TOL_PT]
        assert not bad, (f"{self.producer}: line pitch outside {PITCH_PT}±{PITCH_TOL_PT} pt: {bad[:10]} "
                         f"(min {min(deltas):.2f}, max {max(deltas):.2f}, median {median(deltas):.2f})")

    def test_all_lines_on_the_grid(self, pages, body_lines):
        """Every 3号 line (body, headings in other faces, signature) sits on the page's line grid
        (origin = median residual of the page's lines) within ±1.5 pt."""
        bad, offs = [], []
        for p in pages:
            lines = [ln for ln in body_lines if ln.page == p.number and abs(ln.size - BODY_PT) <= SIZE_TOL_PT]
            if len(lines) < 2:
                continue
            b0 = lines[0].baseline
            origin = b0 + median((ln.baseline - b0) - round((ln.baseline - b0) / PITCH_PT) * PITCH_PT for ln in lines)
            for ln in lines:
                off = ln.baseline - origin - round((ln.baseline - origin) / PITCH_PT) * PITCH_PT
                offs.append(off)
                if abs(off) > 1.5:
                    bad.append((ln, round(off, 2)))
        assert not bad, f"{self.producer}: lines off the {PITCH_PT} pt grid by > 1.5 pt: {bad[:8]}"
        print(f"{self.producer}: grid offsets {min(offs):+.2f}…{max(offs):+.2f} pt")

    # -- C8 ---------------------------------------------------------------------------------------
    def test_28_chars_per_full_line(self, flow):
        """C8: full lines of pure-Han text hold 28 characters (paragraph first lines 26 after the
        2-character indent); fewer only when the next line's unbreakable lead (closing mark,
        quote pair, 'X”') would not have fitted (kinsoku)."""
        checked, bad = 0, []
        counts = {}
        for cur, nxt in self._full_lines(flow):
            chars = _eff_chars(cur.line)
            text = "".join(c["text"] for c in chars)
            cluster = leading_cluster(nxt.line.text)
            if not (is_pure_han(text) and is_pure_han(cluster)):
                continue
            indent = 2 if cur.first else 0
            cells = len(text) + indent
            checked += 1
            counts[cells] = counts.get(cells, 0) + 1
            if cells > CHARS_PER_LINE or cells + len(cluster) <= CHARS_PER_LINE:
                bad.append((cur.line, f"cells={cells}", f"next starts {cluster!r}"))
        assert checked >= 20, f"{self.producer}: only {checked} pure-Han full lines found"
        assert not bad, (f"{self.producer}: {len(bad)} of {checked} pure-Han full lines do not hold "
                         f"{CHARS_PER_LINE} characters: {bad[:6]}; cell counts {counts}")
        print(f"{self.producer}: cells per full pure-Han line {dict(sorted(counts.items()))}")

    def test_28_chars_span_the_type_area(self, flow):
        """28 characters of 3号 with tracking end at the right edge: x1 − x0 of a 28-cell continuation
        line = 156 mm − (tracking slack) within ±1 mm."""
        widths = []
        for cur, nxt in self._full_lines(flow):
            chars = _eff_chars(cur.line)
            if not cur.first and len(chars) == CHARS_PER_LINE and is_pure_han("".join(c["text"] for c in chars)):
                widths.append(pt2mm(chars[-1]["x1"] - chars[0]["x0"]))
        assert widths, f"{self.producer}: no 28-character pure-Han continuation line"
        bad = [round(w, 2) for w in widths if abs(w - TYPE_W_MM) > EDGE_TOL_MM]
        assert not bad, f"{self.producer}: 28-char line widths not {TYPE_W_MM}±{EDGE_TOL_MM} mm: {bad[:10]}"

    # -- C9 ---------------------------------------------------------------------------------------
    def test_first_line_indent_two_chars(self, flow):
        """C9/B3/B8: paragraph and heading first lines start 2 字 in: x0 in 39.1–39.3 ± 0.5 mm."""
        firsts = [f for f in flow if f.first and f.role in ("body", "heading1", "heading2")]
        assert len(firsts) >= 20, f"{self.producer}: only {len(firsts)} paragraph first lines found"
        xs = [f.line.x0_mm for f in firsts]
        bad = [(f.line, round(f.line.x0_mm, 2)) for f in firsts if not INDENT_MIN_MM <= f.line.x0_mm <= INDENT_MAX_MM]
        assert not bad, (f"{self.producer}: first-line x0 outside [{INDENT_MIN_MM:.2f}, {INDENT_MAX_MM:.2f}] mm: "
                         f"{bad[:6]} (range {min(xs):.2f}–{max(xs):.2f})")

    # -- C10 --------------------------------------------------------------------------------------
    def test_title(self, flow, font_resolution):
        """C10/B1: 2号 (22 pt), centred at x = 106 ± 1 mm, in the 小标宋 stand-in (bold weight)."""
        title = [f.line for f in flow if f.role == "title"]
        assert title, f"{self.producer}: no title line found"
        face = font_resolution["xiaobiaosong"]
        problems = []
        for ln in title:
            centre = (ln.x0_mm + ln.x1_mm) / 2
            if abs(ln.size - TITLE_PT) > SIZE_TOL_PT:
                problems.append(f"{ln.text}: size {ln.size} pt ≠ {TITLE_PT}")
            if abs(centre - TITLE_CENTRE_MM) > EDGE_TOL_MM:
                problems.append(f"{ln.text}: centre {centre:.2f} mm ≠ {TITLE_CENTRE_MM}±{EDGE_TOL_MM}")
            for name in ln.fonts():
                if face.face.family not in families_of(name):
                    problems.append(f"{ln.text}: Han glyphs in {name} (families {sorted(families_of(name))}), "
                                    f"expected {face.face.family}")
                if face.weight >= 700 and "bold" not in name.lower() and "black" not in name.lower() \
                        and "heavy" not in name.lower():
                    problems.append(f"{ln.text}: {name} is not the bold/black weight the 小标宋 stand-in uses")
        assert not problems, f"{self.producer}: " + "; ".join(problems)
        print(f"{self.producer}: title centres " + fmt((ln.x0_mm + ln.x1_mm) / 2 for ln in title))

    def test_title_on_first_line_then_one_blank_line(self, flow, pages):
        """Title on 版心 line 1 of page 1 (glyph box top 37–40.5 mm) and 空一行 before 正文 (§2.10)."""
        title = [f.line for f in flow if f.role == "title"]
        after = next(f.line for f in flow if f.role not in ("title", None))
        top = title[0].em_top_mm()
        gap = (after.baseline - title[-1].baseline) / PITCH_PT
        lo, hi = TOP_BOX_RANGE_MM
        assert title[0].page == 1 and lo <= top <= hi, f"{self.producer}: title em top {top:.2f} mm not in {lo}–{hi}"
        assert round(gap) == 2 and abs(gap - 2) < 0.25, \
            f"{self.producer}: {gap:.2f} pitches between title and 正文 (expected 2 = one blank line)"

    # -- C11 --------------------------------------------------------------------------------------
    @pytest.mark.parametrize("role,regex,font_role", [
        ("heading1", H1_RE, "heiti"),
        ("heading2", H2_RE, "kaiti"),
        ("body", None, "fangsong"),
    ])
    def test_faces_per_role(self, flow, font_resolution, role, regex, font_role):
        """C11: 一、 lines in the 黑体 stand-in, （一） lines in the 楷体 stand-in, 正文 in the 仿宋
        stand-in; 16 pt, no bold."""
        lines = [f for f in flow if f.role == role]
        assert lines, f"{self.producer}: no {role} lines"
        expected = font_resolution[font_role].face.family
        bad = []
        for f in lines:
            ln = f.line
            if regex is not None and f.first and not regex.match(ln.text):
                bad.append((ln, "numbering"))
            if abs(ln.size - BODY_PT) > SIZE_TOL_PT:
                bad.append((ln, f"size {ln.size}"))
            for name in ln.fonts(lambda ch: ch not in CJK_PUNCT and not ch.isascii()):
                if expected not in families_of(name):
                    bad.append((ln, f"font {name} → {sorted(families_of(name))}"))
                if "bold" in name.lower():
                    bad.append((ln, f"bold face {name}"))
        assert not bad, f"{self.producer}: {role} lines not in {expected} 16 pt regular: {bad[:6]}"

    # -- C13 / C14 --------------------------------------------------------------------------------
    def test_signature_and_date_unsealed(self, flow):
        """C13/C14/S2: 空一行 after 正文, 署名 右空二字, date on the next line starting 2 字 right of the
        署名 (if the date is longer: date 右空二字, 署名 moved left).  Right ends ±0.6 mm."""
        sig = [f for f in flow if f.role == "signature"]
        date = [f for f in flow if f.role == "date"]
        assert len(sig) == 1 and len(date) == 1, f"{self.producer}: signature/date lines: {sig} {date}"
        s, d = sig[0].line, date[0].line
        assert DATE_RE.match(d.text), f"{self.producer}: 成文日期 {d.text!r} not Arabic, unpadded (C13)"
        # Widths as set (a face's digits need not be exactly ½ 字), in 字 of the 版心 (156/28 mm).
        w_sig, w_date = (s.x1_mm - s.x0_mm) / CHAR_MM, (d.x1_mm - d.x0_mm) / CHAR_MM
        r_sig, r_date = 2.0, w_sig - w_date          # date start = sig start + 2 字
        if r_date < 2:
            r_date, r_sig = 2.0, w_date - w_sig + 4
        r_sig, r_date = round(r_sig, 2), round(r_date, 2)
        exp_sig, exp_date = RIGHT_MM - r_sig * CHAR_MM, RIGHT_MM - r_date * CHAR_MM
        prev = flow[flow.index(sig[0]) - 1].line
        gap_before = (s.baseline - prev.baseline) / PITCH_PT if prev.page == s.page else None
        gap_date = (d.baseline - s.baseline) / PITCH_PT
        msg = (f"{self.producer}: 署名 {s.text} x0 {s.x0_mm:.2f} x1 {s.x1_mm:.2f} (expected x1 {exp_sig:.2f}, "
               f"右空{r_sig}字); 日期 {d.text} x0 {d.x0_mm:.2f} x1 {d.x1_mm:.2f} (expected x1 {exp_date:.2f}, "
               f"右空{r_date}字); pitches before 署名 {gap_before}, 署名→日期 {gap_date:.2f}")
        assert abs(s.x1_mm - exp_sig) <= SIGN_TOL_MM and abs(d.x1_mm - exp_date) <= SIGN_TOL_MM, msg
        assert gap_before is not None and abs(gap_before - 2) < 0.2, msg + " (expected one blank line = 2 pitches)"
        assert abs(gap_date - 1) < 0.2, msg

    def test_date_starts_two_chars_right_of_signature(self, flow):
        """S2: the date's first character is 2 字 right of the 署名's first character (±0.6 mm)."""
        s = next(f.line for f in flow if f.role == "signature")
        d = next(f.line for f in flow if f.role == "date")
        shift = d.x0_mm - s.x0_mm
        expected = 2 * CHAR_MM
        width = d.x1_mm - d.x0_mm
        assert abs(shift - expected) <= SIGN_TOL_MM, (
            f"{self.producer}: date starts {shift:.2f} mm right of the 署名 (expected 2字 = {expected:.2f} ± "
            f"{SIGN_TOL_MM}); 署名 x0 {s.x0_mm:.2f}, date x0 {d.x0_mm:.2f}; the date {d.text!r} is {width:.2f} mm "
            f"wide where {char_units(d.text)} 字 = {char_units(d.text) * CHAR_MM:.2f} mm")

    # -- C16 --------------------------------------------------------------------------------------
    def test_page_numbers(self, pages, page_number_lines, font_resolution):
        """C16/N1/N2/N4: '— N —' on every page, 14 pt 宋体 stand-in; odd right end 179.06 ± 1 mm,
        even left start 32.94 ± 1 mm."""
        songti = font_resolution["songti"].face.family
        rows, bad = [], []
        for p in pages:
            lines = page_number_lines[p.number]
            if len(lines) != 1:
                bad.append((p.number, f"{len(lines)} lines below the 版心: {lines}"))
                continue
            ln = lines[0]
            raw = "".join(c["text"] for c in p.chars if abs(c["baseline"] - ln.baseline) < 1.5)
            m = PAGE_NUMBER_RE.match(raw.strip())
            rows.append((p.number, raw, round(ln.x0_mm, 2), round(ln.x1_mm, 2), ln.size))
            if not m or int(m.group(1)) != p.number:
                bad.append((p.number, f"text {raw!r}"))
            if abs(ln.size - PAGE_NUMBER_PT) > SIZE_TOL_PT:
                bad.append((p.number, f"size {ln.size}"))
            if p.number % 2:
                if abs(ln.x1_mm - PN_ODD_RIGHT_MM) > EDGE_TOL_MM:
                    bad.append((p.number, f"odd right end {ln.x1_mm:.2f} ≠ {PN_ODD_RIGHT_MM:.2f}±1"))
            elif abs(ln.x0_mm - PN_EVEN_LEFT_MM) > EDGE_TOL_MM:
                bad.append((p.number, f"even left start {ln.x0_mm:.2f} ≠ {PN_EVEN_LEFT_MM:.2f}±1"))
            for name in {c["fontname"] for c in ln.chars}:
                if songti not in families_of(name):
                    bad.append((p.number, f"font {name} not {songti}"))
        assert not bad, f"{self.producer}: page numbers: {bad}; measured {rows}"

    def test_page_number_dash_stroke_7mm_below_type_area(self, pdf_path, pages, poppler):
        """N3: the 一字线 strokes lie 7 mm below the 版心 (y = 269 ± 1 mm), each about one 4号 character
        long, one on each side of the digits."""
        rows, bad = {}, []
        for p in pages:
            strokes = [s for s in dash_strokes(pdf_path, p.number, min_len_mm=3.0)]
            rows[p.number] = strokes
            if len(strokes) != 2:
                bad.append((p.number, f"{len(strokes)} dash strokes: {strokes}"))
                continue
            for s in strokes:
                if abs(s.y_mm - DASH_Y_MM) > 1.0:
                    bad.append((p.number, f"stroke y {s.y_mm:.2f} ≠ {DASH_Y_MM}±1"))
                if not 0.6 * PN_CHAR_MM <= s.length_mm <= 1.05 * PN_CHAR_MM:
                    bad.append((p.number, f"stroke {s.length_mm:.2f} mm long, not ~1字 ({PN_CHAR_MM:.2f})"))
        ys = sorted({round(s.y_mm, 2) for st in rows.values() for s in st})
        assert not bad, f"{self.producer}: {bad}; stroke y values {ys}"
        print(f"{self.producer}: dash stroke y {ys} mm")

    # -- C18/C19 absence, P8 ----------------------------------------------------------------------
    def test_no_rules_drawn(self, pdf_path, pages, poppler):
        """No 版头 red rule and no 版记 rules in this document: no horizontal line ≥ 100 mm anywhere."""
        found = {p.number: horizontal_rules(render_gray(pdf_path, p.number, 150), 100.0) for p in pages}
        found = {k: v for k, v in found.items() if v}
        assert not found, f"{self.producer}: unexpected rules {found}"

    def test_text_is_black(self, pages):
        """P8: all text black (no red 版头 here)."""
        def black(c):
            col = c.get("non_stroking_color")
            if col is None:
                return True
            col = tuple(col) if isinstance(col, (list, tuple)) else (col,)
            return col in ((0,), (0, 0, 0), (0, 0, 0, 1), (0.0,), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0))
        bad = {(c["text"], str(c.get("non_stroking_color"))) for p in pages for c in p.chars
               if c["text"].strip() and not black(c)}
        assert not bad, f"{self.producer}: non-black text {sorted(bad)[:10]}"

    # -- C22 --------------------------------------------------------------------------------------
    def test_fonts_embedded_and_allowed(self, pdf_path, style, poppler):
        """C22: every font embedded; every font maps to a family of the substitution map."""
        allowed = {f for role in style.fonts.values() for f in role.substitutes} | set(style.latin_substitutes)
        rows = pdffonts(pdf_path)
        assert rows, f"{self.producer}: pdffonts lists no fonts"
        not_emb = [r["name"] for r in rows if r["emb"] != "yes"]
        unknown = [(r["name"], sorted(families_of(r["name"]))) for r in rows if not families_of(r["name"]) & allowed]
        assert not not_emb, f"{self.producer}: fonts not embedded: {not_emb}"
        assert not unknown, f"{self.producer}: fonts outside the substitution map {sorted(allowed)}: {unknown}"


class TestWeasyPrintPdf(PdfLayoutChecks):
    producer = "WeasyPrint"

    @pytest.fixture(scope="class")
    @classmethod
    def pages(cls, wp_pages):
        return wp_pages

    @pytest.fixture(scope="class")
    @classmethod
    def pdf_path(cls, built):
        return built.pdf

    def test_no_japanese_faces(self, pdf_path, poppler):
        """WeasyPrint names the selected face (e.g. Noto-Serif-CJK-SC): no JP face may be used,
        or the glyphs would be the Japanese forms."""
        names = [r["name"] for r in pdffonts(pdf_path)]
        jp = [n for n in names if "jp" in n.lower()]
        assert not jp, f"WeasyPrint PDF uses Japanese faces: {jp} (all: {names})"
