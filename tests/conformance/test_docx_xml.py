"""GB/T 9704-2012 conformance of the DOCX itself (checks C1, C2, C12, C13, C23–C25 of
/work/shared/reference/gbt9704.md §5 and the OOXML recipe of §4.2), read from the XML parts.

Expected values are the standard's millimetres/points converted to twips (1 mm = 56.693 twips,
1 pt = 20 twips, w:sz in half-points), not values copied from reportgen's style file.
"""

from __future__ import annotations

import re

import pytest

from .measure import DATE_RE, HAN_NUMERALS, NS, TWIPS_PER_MM, DocxPackage, autospace_units, char_units, w, wattr

A4_TWIPS = (round(210 * TWIPS_PER_MM), round(297 * TWIPS_PER_MM))       # 11906 × 16838
MARGIN_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}          # P2, P3, P5
MM_TOL_TWIPS = round(1 * TWIPS_PER_MM)                                  # ±1 mm = ±57 twips
TYPE_AREA_TWIPS = (round(156 * TWIPS_PER_MM), round(225 * TWIPS_PER_MM))  # 8844 × 12756
LINE_PITCH_TWIPS = 579        # 28.95 pt; 22 × 579 = 12738 ≤ 12756 (22 lines fit, C24)
BODY_SZ, TITLE_SZ, PAGE_NUMBER_SZ = 32, 44, 28    # 3号 16 pt, 2号 22 pt, 4号 14 pt in half-points
TRACKING_TWIPS = -5           # −0.25 pt: 28 × (16 − 0.25) pt = 441 pt ≤ 156 mm = 442.2 pt
CHAR_TWIPS = 16 * 20          # one 3号 字 = 320 twips
PN_INDENT_TWIPS = 14 * 20     # 空一字 of 4号 = 280 twips (N4)

# Face names the recipients' Word/WPS know, per role (B1, B3–B7, N1); any spelling of the face.
ROLE_FACES = {
    "title": ("小标宋", "XiaoBiaoSong"),
    "body": ("仿宋", "FangSong"),
    "heading1": ("黑体", "SimHei"),
    "heading2": ("楷体", "KaiTi"),
    "signature": ("仿宋", "FangSong"),
    "date": ("仿宋", "FangSong"),
}
H1_RE = re.compile(rf"^([{HAN_NUMERALS}]+)、")
H2_RE = re.compile(rf"^（([{HAN_NUMERALS}]+)）")
BAD_NUMBERING = re.compile(rf"^(\d+、|（\d+）、|\([{HAN_NUMERALS}]+\)|\(\d+\))")


def _int(el, attr, default=None):
    v = wattr(el, attr)
    return int(v) if v is not None else default


def _role_of(pkg: DocxPackage, p) -> str | None:
    """The role of a non-empty body paragraph (same rules as measure.docx_blocks)."""
    text = re.sub(r"\s+", "", DocxPackage.text(p))
    if not text:
        return None
    lvl = pkg.outline_level(p)
    jc = wattr(pkg.effective_ppr(p, "jc"), "val")
    run = p.find("w:r", NS)
    sz = _int(pkg.effective_rpr(run, p, "sz"), "val", 0) if run is not None else 0
    if lvl is not None and lvl <= 3:
        return f"heading{lvl + 1}"
    if jc == "center" and sz >= 40:
        return "title"
    if jc == "right":
        return "date" if DATE_RE.match(text) else "signature"
    return "body"


@pytest.fixture(scope="module")
def paras(docx_pkg):
    """(role or None for empty, paragraph element, text) of every body paragraph."""
    out = []
    for p in docx_pkg.paragraphs():
        out.append((_role_of(docx_pkg, p), p, DocxPackage.text(p)))
    return out


@pytest.fixture(scope="module")
def footers(docx_pkg):
    return {kind: docx_pkg.xml(part) for kind, part in docx_pkg.footer_parts().items()}


# -- C1 / C2 ---------------------------------------------------------------------------------------
def test_page_size_a4_twips(docx_pkg):
    sz = docx_pkg.sect_pr.find("w:pgSz", NS)
    got = (_int(sz, "w"), _int(sz, "h"))
    assert all(abs(g - e) <= 1 for g, e in zip(got, A4_TWIPS)), f"pgSz {got}, expected A4 {A4_TWIPS} twips"
    assert wattr(sz, "orient") in (None, "portrait"), f"orientation {wattr(sz, 'orient')}"


def test_margins_twips(docx_pkg):
    """C2: top 2098, bottom 1984, left 1587, right 1474 twips (37/35/28/26 mm), each ±57."""
    mar = docx_pkg.sect_pr.find("w:pgMar", NS)
    got = {k: _int(mar, k) for k in MARGIN_MM}
    exp = {k: round(v * TWIPS_PER_MM) for k, v in MARGIN_MM.items()}
    bad = {k: (got[k], exp[k]) for k in exp if got[k] is None or abs(got[k] - exp[k]) > MM_TOL_TWIPS}
    assert not bad, f"pgMar (got, expected) outside ±{MM_TOL_TWIPS} twips: {bad}; all {got}"
    assert _int(mar, "gutter", 0) == 0, f"gutter {wattr(mar, 'gutter')}"


def test_type_area_and_grid_fit(docx_pkg):
    """P4: 版心 156 × 225 mm; C24: a lines-only grid whose 22 lines fit the 225 mm height."""
    sz, mar = docx_pkg.sect_pr.find("w:pgSz", NS), docx_pkg.sect_pr.find("w:pgMar", NS)
    width = _int(sz, "w") - _int(mar, "left") - _int(mar, "right")
    height = _int(sz, "h") - _int(mar, "top") - _int(mar, "bottom")
    assert abs(width - TYPE_AREA_TWIPS[0]) <= MM_TOL_TWIPS and abs(height - TYPE_AREA_TWIPS[1]) <= MM_TOL_TWIPS, \
        f"版心 {width}×{height} twips, expected {TYPE_AREA_TWIPS} ±{MM_TOL_TWIPS}"
    grid = docx_pkg.sect_pr.find("w:docGrid", NS)
    assert grid is not None, "no w:docGrid"
    kind, pitch = wattr(grid, "type"), _int(grid, "linePitch")
    assert kind == "lines", f"docGrid type {kind!r}, expected 'lines' (linesAndChars gives 14 chars/line in LibreOffice)"
    assert pitch == LINE_PITCH_TWIPS, f"docGrid linePitch {pitch}, expected {LINE_PITCH_TWIPS} (28.95 pt)"
    assert 22 * pitch <= height, f"22 × {pitch} = {22 * pitch} twips > 版心 height {height}"


# -- C23 -------------------------------------------------------------------------------------------
def _parts_with_runs(docx_pkg, footers):
    yield "word/document.xml", docx_pkg.document
    for kind, root in footers.items():
        yield f"footer[{kind}]", root


def test_every_run_names_its_east_asian_font(docx_pkg, footers):
    """C23: every w:r gets an explicit rFonts/@w:eastAsia — through its paragraph's named style
    (issue #13: fonts in styles, so restyling works), never from a theme."""
    missing, total = [], 0
    for part, root in _parts_with_runs(docx_pkg, footers):
        for p in root.iter(w("p")):
            for r in p.iterfind("w:r", NS):
                total += 1
                if wattr(docx_pkg.effective_rpr(r, p, "rFonts"), "eastAsia") is None:
                    missing.append((part, "".join(t.text or "" for t in r.iter(w("t")))[:20]))
    assert total > 30, f"only {total} runs found"   # the sample: 50 (adjacent plain runs are merged)
    assert not missing, f"{len(missing)} of {total} runs without explicit w:eastAsia: {missing[:8]}"


@pytest.mark.parametrize("part", ["word/styles.xml", "word/document.xml"])
def test_no_theme_font_attributes(docx_pkg, part):
    """C23: no asciiTheme/hAnsiTheme/eastAsiaTheme/cstheme (they override the explicit faces)."""
    root = docx_pkg.xml(part)
    found = sorted({(el.tag.split("}")[1], a.split("}")[-1], v) for el in root.iter() for a, v in el.attrib.items()
                    if re.search(r"(?i)theme$", a.split("}")[-1])})
    assert not found, f"{part}: theme attributes {found[:10]}"


def test_east_asian_face_per_role(docx_pkg, paras, footers):
    """B1/B3–B5/N1: title 小标宋, 正文/署名/日期 仿宋, 一级 黑体, 二级 楷体, 页码 宋体 (w:eastAsia)."""
    bad, seen = [], set()
    for role, p, text in paras:
        if role is None:
            continue
        seen.add(role)
        want = ROLE_FACES.get(role)
        for r in p.iterfind("w:r", NS):
            face = wattr(docx_pkg.effective_rpr(r, p, "rFonts"), "eastAsia", "")
            if want and not any(x in face for x in want):
                bad.append((role, text[:12], face))
    for kind, root in footers.items():
        for p in root.iter(w("p")):
            for r in p.iterfind("w:r", NS):
                face = wattr(docx_pkg.effective_rpr(r, p, "rFonts"), "eastAsia", "")
                if not (face in ("宋体", "SimSun") or ("宋体" in face and "仿宋" not in face and "小标宋" not in face)):
                    bad.append((f"footer[{kind}]", "页码", face))
    assert {"title", "body", "heading1", "heading2", "signature", "date"} <= seen, f"roles found: {seen}"
    assert not bad, f"runs in the wrong face (role, text, w:eastAsia): {bad[:8]}"


def test_language_zh_cn(docx_pkg):
    """w:lang eastAsia="zh-CN" by default (SC glyph forms, CJK line breaking)."""
    lang = docx_pkg.styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert wattr(lang, "eastAsia") == "zh-CN", f"rPrDefault w:lang eastAsia={wattr(lang, 'eastAsia')!r}"
    other = sorted({wattr(el, "eastAsia") for el in docx_pkg.styles.iter(w("lang"))
                    if wattr(el, "eastAsia") not in (None, "zh-CN")})
    assert not other, f"styles with another East Asian language: {other}"
    tfl = docx_pkg.settings.find("w:themeFontLang", NS)
    assert wattr(tfl, "eastAsia") in (None, "zh-CN"), f"themeFontLang eastAsia={wattr(tfl, 'eastAsia')}"


# -- C24 -------------------------------------------------------------------------------------------
def test_body_and_heading_paragraph_format(docx_pkg, paras):
    """C24/B3/B8: 正文 and headings: exact 579-twip lines, no space before/after, first line 2 字
    (firstLineChars 200), 3号 (sz 32) with −5 twip tracking."""
    bad, n = [], 0
    for role, p, text in paras:
        if role not in ("body", "heading1", "heading2"):
            continue
        n += 1
        sp = docx_pkg.effective_ppr(p, "spacing")
        ind = docx_pkg.effective_ppr(p, "ind")
        got = {"line": _int(sp, "line"), "rule": wattr(sp, "lineRule"), "before": _int(sp, "before", 0),
               "after": _int(sp, "after", 0), "firstLineChars": _int(ind, "firstLineChars"),
               "firstLine": _int(ind, "firstLine")}
        exp = {"line": LINE_PITCH_TWIPS, "rule": "exact", "before": 0, "after": 0, "firstLineChars": 200,
               "firstLine": 2 * CHAR_TWIPS}
        diff = {k: (got[k], exp[k]) for k in exp if got[k] != exp[k]}
        for r in p.iterfind("w:r", NS):
            sz = _int(docx_pkg.effective_rpr(r, p, "sz"), "val")
            tr = _int(docx_pkg.effective_rpr(r, p, "spacing"), "val", 0)
            if sz != BODY_SZ:
                diff["sz"] = (sz, BODY_SZ)
            if tr != TRACKING_TWIPS:
                diff["tracking"] = (tr, TRACKING_TWIPS)
        if diff:
            bad.append((role, text[:10], diff))
    assert n > 20, f"only {n} body/heading paragraphs"
    assert not bad, f"{len(bad)} paragraphs with wrong format (got, expected): {bad[:5]}"


def test_title_format(paras, docx_pkg):
    """B1: title 2号 (sz 44), centred, no indent, on the exact grid pitch, no tracking."""
    titles = [(p, t) for role, p, t in paras if role == "title"]
    assert titles, "no title paragraph"
    for p, t in titles:
        ind = docx_pkg.effective_ppr(p, "ind")
        sp = docx_pkg.effective_ppr(p, "spacing")
        for r in p.iterfind("w:r", NS):
            assert _int(docx_pkg.effective_rpr(r, p, "sz"), "val") == TITLE_SZ, f"title run size in {t!r}"
            assert _int(docx_pkg.effective_rpr(r, p, "spacing"), "val", 0) == 0, f"title tracking in {t!r}"
        assert wattr(docx_pkg.effective_ppr(p, "jc"), "val") == "center"
        assert _int(ind, "firstLine", 0) == 0 and _int(ind, "firstLineChars", 0) == 0, f"title indent {ind.attrib}"
        assert (_int(sp, "line"), wattr(sp, "lineRule")) == (LINE_PITCH_TWIPS, "exact"), f"title spacing {sp.attrib}"


def test_one_blank_line_after_title(paras):
    roles = [r for r, _, _ in paras]
    last_title = max(i for i, r in enumerate(roles) if r == "title")
    blanks = 0
    for r in roles[last_title + 1:]:
        if r is not None:
            break
        blanks += 1
    assert blanks == 1, f"{blanks} empty paragraphs between title and 正文, expected 1 (空一行)"


def test_widow_control_off(docx_pkg, paras):
    """P7 (22 lines on every page): widow/orphan control must be explicitly off, as the PDF's
    ``orphans: 1; widows: 1``.  Where the DOCX says nothing, LibreOffice applies its default
    (2 lines) and moves a line to the next page, leaving 21 lines."""
    bad = []
    for role, p, text in paras:
        if role in ("body", "heading1", "heading2"):
            wc = docx_pkg.effective_ppr(p, "widowControl")
            if wc is None or wattr(wc, "val", "1") not in ("0", "false", "off"):
                bad.append((role, text[:10], None if wc is None else dict(wc.attrib)))
    assert not bad, f"{len(bad)} paragraphs without w:widowControl w:val=\"0\" (effective): {bad[:4]}"


# -- headings (B4, B5, B9, C12) ----------------------------------------------------------------------
def test_heading_outline_levels_and_numbering(paras, docx_pkg):
    """一、 paragraphs have outline level 0, （一） level 1; numbering consecutive, full-width
    parentheses, no 1、 / (一) forms; no bold (B9)."""
    seq, bad = [], []
    for role, p, text in paras:
        if role is None:
            continue
        lvl = docx_pkg.outline_level(p)
        if H1_RE.match(text) and role == "body":
            bad.append(("一、 paragraph without outline level 0", text[:12], lvl))
        if role == "heading1":
            m = H1_RE.match(text)
            seq.append((1, m.group(1) if m else None, text))
        elif role == "heading2":
            m = H2_RE.match(text)
            seq.append((2, m.group(1) if m else None, text))
        if role.startswith("heading"):
            if BAD_NUMBERING.match(text):
                bad.append(("non-standard numbering", text[:12], None))
            for r in p.iterfind("w:r", NS):
                b = docx_pkg.effective_rpr(r, p, "b")
                if b is not None and wattr(b, "val", "1") not in ("0", "false"):
                    bad.append(("bold heading run", text[:12], None))
            if docx_pkg.effective_ppr(p, "keepNext") is None:
                bad.append(("heading not kept with next", text[:12], None))
    assert bad == [], f"heading problems: {bad}"
    assert any(lv == 1 for lv, _, _ in seq) and any(lv == 2 for lv, _, _ in seq), f"headings found: {seq}"
    expected, counters = [], {1: 0, 2: 0}
    for lv, num, text in seq:
        counters[lv] += 1
        if lv == 1:
            counters[2] = 0
        expected.append((lv, HAN_NUMERALS[counters[lv] - 1], text))
    got = [(lv, num, t[:10]) for lv, num, t in seq]
    want = [(lv, num, t[:10]) for lv, num, t in expected]
    assert got == want, f"heading numbering not consecutive: got {got}, expected {want}"


# -- C13 / C14 (S2) --------------------------------------------------------------------------------
def test_signature_and_date_paragraphs(paras, docx_pkg):
    """S2: one blank line after 正文; 署名 右空二字 and the date starting 2 字 right of it, with the
    right indents in 3号 characters (320 twips) from the §2.4 algorithm, widths with the 0.2 字
    between Chinese characters and digits that every renderer sets; C13 date format."""
    roles = [r for r, _, _ in paras]
    i_sig = roles.index("signature")
    assert roles[i_sig + 1] == "date", f"paragraph after 署名 is {roles[i_sig + 1]}"
    assert roles[i_sig - 1] is None and roles[i_sig - 2] is not None, \
        f"expected exactly one empty paragraph before the 署名, roles {roles[i_sig - 3:i_sig + 2]}"
    (_, p_sig, sig), (_, p_date, date) = paras[i_sig], paras[i_sig + 1]
    assert DATE_RE.match(date.strip()), f"成文日期 {date!r}: Arabic numerals, no zero padding (C13)"
    w_sig, w_date = char_units(sig) + autospace_units(sig), char_units(date) + autospace_units(date)
    r_sig, r_date = 2.0, w_sig - w_date
    if r_date < 2:
        r_date, r_sig = 2.0, w_date - w_sig + 4
    for p, text, r in ((p_sig, sig, r_sig), (p_date, date, r_date)):
        ind = docx_pkg.effective_ppr(p, "ind")
        jc = wattr(docx_pkg.effective_ppr(p, "jc"), "val")
        right, chars = _int(ind, "right"), _int(ind, "rightChars")
        assert jc == "right", f"{text}: jc {jc}"
        assert right is not None and abs(right - r * CHAR_TWIPS) <= 10, \
            f"{text}: w:ind right={right} twips, expected {r}字 = {r * CHAR_TWIPS:.0f}"
        assert chars is None or chars == round(r * 100), f"{text}: rightChars={chars}, expected {round(r * 100)}"


# -- C25 -------------------------------------------------------------------------------------------
def test_even_and_odd_headers_setting(docx_pkg):
    el = docx_pkg.settings.find("w:evenAndOddHeaders", NS)
    assert el is not None and wattr(el, "val", "1") not in ("0", "false"), "settings.xml lacks w:evenAndOddHeaders"


@pytest.mark.parametrize("kind,side", [("default", "right"), ("even", "left")])
def test_footer_page_number(docx_pkg, footers, kind, side):
    """C25/N1/N2/N4: default (odd) footer right-aligned with right indent 280, even footer
    left-aligned with left indent 280; a PAGE field between 一字线; every run 4号 (sz 28)."""
    assert kind in footers, f"no {kind} footer; footerReference types {sorted(footers)}"
    root = footers[kind]
    paras = root.findall("w:p", NS)
    texts = [p for p in paras if "".join(t.text or "" for t in p.iter(w("t"))).strip()]
    assert len(texts) == 1, f"{kind} footer has {len(texts)} non-empty paragraphs"
    p = texts[0]
    instr = " ".join((t.text or "") for t in p.iter(w("instrText"))) + \
        " ".join(fs.get(w("instr"), "") for fs in p.iter(w("fldSimple")))
    assert re.search(r"\bPAGE\b", instr), f"{kind} footer: no PAGE field (instr {instr!r})"
    shown = "".join(t.text or "" for t in p.iter(w("t")))
    assert re.fullmatch(r"—\s?\d+\s?—", shown), f"{kind} footer text {shown!r}, expected '— N —' (一字线 U+2014)"
    assert "\u3000" not in shown, f"{kind} footer pads with a full-width space: {shown!r}"
    ppr = p.find("w:pPr", NS)
    jc = wattr(ppr.find("w:jc", NS), "val")
    ind = ppr.find("w:ind", NS)
    assert jc == side, f"{kind} footer jc={jc}, expected {side}"
    got = _int(ind, side) if ind is not None else None
    assert got == PN_INDENT_TWIPS, f"{kind} footer w:ind {side}={got}, expected {PN_INDENT_TWIPS} (空一字 of 4号)"
    other = "left" if side == "right" else "right"
    assert _int(ind, other, 0) == 0, f"{kind} footer also indents {other}: {dict(ind.attrib)}"
    sizes = set()
    for r in p.iter(w("r")):
        sz = r.find("w:rPr/w:sz", NS)
        if sz is None:
            sty = docx_pkg.style(DocxPackage.style_id(p))
            sz = sty.find("w:rPr/w:sz", NS) if sty is not None else None
        sizes.add(_int(sz, "val"))
    assert sizes == {PAGE_NUMBER_SZ}, f"{kind} footer run sizes {sizes}, expected {{{PAGE_NUMBER_SZ}}}"


def test_footer_references(docx_pkg):
    refs = docx_pkg.footer_parts()
    assert {"default", "even"} <= set(refs), f"footerReference types {sorted(refs)}"
    assert refs["default"] != refs["even"], f"odd and even footers share a part: {refs}"


def test_text_colour_black(docx_pkg):
    """P8: every explicit w:color is black (or auto); no red element in this document."""
    colours = {wattr(el, "val") for part in ("word/document.xml", "word/styles.xml")
               for el in docx_pkg.xml(part).iter(w("color"))}
    # styles.xml keeps python-docx's built-in (unused) styles; only the used ones matter.
    used = {DocxPackage.style_id(p) for p in docx_pkg.paragraphs()}
    used_colours = set()
    for sid in used:
        st = docx_pkg.style(sid)
        for el in (st.iter(w("color")) if st is not None else ()):
            used_colours.add(wattr(el, "val"))
    used_colours |= {wattr(el, "val") for el in docx_pkg.document.iter(w("color"))}
    assert used_colours <= {"000000", "auto"}, f"colours in used styles/runs: {used_colours} (all: {colours})"
