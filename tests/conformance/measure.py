"""Measurement helpers for the GB/T 9704 conformance suite.

Everything here measures; nothing here decides.  The expected numbers live in the tests and are
derived from the standard (see /work/shared/reference/gbt9704.md §2, §4, §5), never read back
from ``reportgen``'s own style file.

PDF side
    :func:`read_pdf` groups the characters of every page (pdfplumber) into lines by baseline and
    gives per line: text, baseline (pt from the page top), x0/x1 in mm, size, fonts.  Baselines
    come from the text matrix, not from pdfminer's char boxes: those boxes are built from the
    font descriptor's descent and differ between producers (WeasyPrint writes the real descent,
    LibreOffice writes 0), so only the baseline is comparable across the two PDFs.
    :func:`render_gray` / :func:`dark_runs` / :func:`horizontal_rules` / :func:`dash_strokes`
    rasterise with ``pdftoppm -aa no`` for ink positions (一字线 stroke, rules, ink tops).
    :func:`pdffonts` parses the embedded-font table.

DOCX side
    :class:`DocxPackage` opens the zip once, parses the parts with lxml and resolves effective
    paragraph/run properties through paragraph → style (basedOn chain) → docDefaults.
"""

from __future__ import annotations

import functools
import io
import re
import subprocess
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

PT_PER_MM = 72 / 25.4
MM_PER_PT = 25.4 / 72
TWIPS_PER_MM = 1440 / 25.4


def pt2mm(v: float) -> float:
    return v * MM_PER_PT


def mm2pt(v: float) -> float:
    return v * PT_PER_MM


# ---------------------------------------------------------------------------------------------
# Characters and line-breaking classes
# ---------------------------------------------------------------------------------------------

# Chinese line-breaking rules (GB/T 15834 practice, as in Word/WPS "中文换行规则"):
# closing punctuation may not start a line, opening punctuation may not end one.  Quotation marks
# follow their direction: a break *before* “ and *after* ” is allowed (UAX #14 before Unicode 15.1
# classes them QU and forbids both, which Chinese typesetting does not).
NO_BREAK_BEFORE = set("，。、；：？！）》」』】〕〉”’…—·％‰°!%),.:;?]}")
NO_BREAK_AFTER = set("（《「『【〔〈“‘([{")
CJK_PUNCT = set("，。、；：？！）》」』】〕〉”’（《「『【〔〈“‘…—·")
HAN_NUMERALS = "一二三四五六七八九十"


def is_wide(ch: str) -> bool:
    """Han characters and full-width punctuation: one character cell (一字) each.  A glyph may
    carry several characters (Noto draws "——" as one ligature); it is wide if all of them are."""
    if len(ch) != 1:
        return bool(ch) and all(is_wide(c) for c in ch)
    return unicodedata.east_asian_width(ch) in ("W", "F") or ch in "“”‘’—…·"


def is_pure_han(text: str) -> bool:
    return bool(text) and all(is_wide(ch) for ch in text)


def char_units(text: str) -> float:
    """Width in 字 as GB/T 9704 counts it: Han/full-width 1, half-width digits and Latin ½."""
    return sum(1.0 if is_wide(ch) else 0.5 for ch in text)


# Space between a Chinese character and a digit/Latin letter next to it (2024年1月31日: 5 places),
# in 字: what LibreOffice puts there whatever a DOCX says (1/5 of the font height), and what the
# PDF sets too so that both break lines alike.
AUTOSPACE_CHARS = 0.2


def autospace_units(text: str) -> float:
    """The width the Chinese–Western spacing adds to ``text``, in 字."""
    n = sum(1 for a, b in zip(text, text[1:])
            if a.isalnum() and b.isalnum() and is_wide(a) != is_wide(b))
    return n * AUTOSPACE_CHARS


def leading_cluster(text: str) -> str:
    """The unbreakable run a line starts with under Chinese line-breaking rules: its first
    character plus everything that may not be separated from it (closing punctuation after it,
    anything after an opening mark, runs of ASCII letters/digits such as "21.9%" or "R&D")."""
    if not text:
        return ""
    n = 1
    while n < len(text):
        prev, ch = text[n - 1], text[n]
        glued = (ch in NO_BREAK_BEFORE or prev in NO_BREAK_AFTER
                 or (prev.isascii() and prev.isalnum() and ch.isascii() and (ch.isalnum() or ch in ".%&"))
                 or (prev in ".%&" and ch.isascii() and ch.isalnum()))
        if not glued:
            break
        n += 1
    return text[:n]


# ---------------------------------------------------------------------------------------------
# PDF text lines
# ---------------------------------------------------------------------------------------------

def strip_subset(fontname: str) -> str:
    """'ABCDEF+Noto-Serif-CJK-SC' → 'Noto-Serif-CJK-SC'."""
    return re.sub(r"^[A-Z]{6}\+", "", fontname or "")


@dataclass
class TextLine:
    page: int                      # 1-based page number
    baseline: float                # pt from the page top
    chars: list[dict]              # pdfplumber chars, whitespace removed, sorted by x0
    page_height: float = 841.89

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def x0_mm(self) -> float:
        return pt2mm(self.chars[0]["x0"])

    @property
    def x1_mm(self) -> float:
        return pt2mm(self.chars[-1]["x1"])

    @property
    def size(self) -> float:
        """The dominant font size of the line (sizes of wide characters win)."""
        sizes = [round(c["size"], 1) for c in self.chars if is_wide(c["text"])] or \
                [round(c["size"], 1) for c in self.chars]
        return max(set(sizes), key=sizes.count)

    @property
    def baseline_mm(self) -> float:
        return pt2mm(self.baseline)

    def em_top_mm(self, ascent_em: float = 0.88) -> float:
        """Top of the ideographic em box (CJK design box: 0.88 em above, 0.12 em below the baseline)."""
        return pt2mm(self.baseline - ascent_em * self.size)

    def fonts(self, which=is_wide) -> list[str]:
        """Distinct font names (subset tag stripped) of the characters selected by ``which``."""
        return sorted({strip_subset(c["fontname"]) for c in self.chars if which(c["text"])})

    def __repr__(self) -> str:  # shows up in assertion messages
        return (f"<p{self.page} base={self.baseline:.2f}pt x0={self.x0_mm:.2f} x1={self.x1_mm:.2f}mm "
                f"{self.size:g}pt n={len(self.chars)} {self.text[:30]!r}>")


@dataclass
class PageLayout:
    number: int
    width: float                   # pt
    height: float                  # pt
    lines: list[TextLine]
    chars: list[dict] = field(default_factory=list, repr=False)

    @property
    def width_mm(self) -> float:
        return pt2mm(self.width)

    @property
    def height_mm(self) -> float:
        return pt2mm(self.height)

    def lines_of_size(self, size: float, tol: float = 0.3) -> list[TextLine]:
        return [ln for ln in self.lines if abs(ln.size - size) <= tol]


def read_pdf(path: Path | str, baseline_tol: float = 1.5) -> list[PageLayout]:
    """All pages of a PDF as lines of characters grouped by baseline."""
    import pdfplumber

    pages = []
    with pdfplumber.open(str(path)) as pdf:
        for i, page in enumerate(pdf.pages, start=1):
            chars = [dict(c, baseline=page.height - c["matrix"][5]) for c in page.chars]
            visible = sorted((c for c in chars if c["text"].strip()), key=lambda c: (c["baseline"], c["x0"]))
            groups: list[list[dict]] = []
            for c in visible:
                if groups and abs(c["baseline"] - groups[-1][0]["baseline"]) <= baseline_tol:
                    groups[-1].append(c)
                else:
                    groups.append([c])
            lines = [TextLine(i, sum(c["baseline"] for c in g) / len(g), sorted(g, key=lambda c: c["x0"]),
                              page.height) for g in groups]
            pages.append(PageLayout(i, float(page.width), float(page.height), lines, chars))
    return pages


def all_text(pages: list[PageLayout], skip=lambda line: False) -> str:
    return "".join(ln.text for p in pages for ln in p.lines if not skip(ln))


# ---------------------------------------------------------------------------------------------
# Raster measurements (pdftoppm -aa no)
# ---------------------------------------------------------------------------------------------

@dataclass
class Raster:
    image: "object"                # PIL.Image, mode L
    dpi: int
    x0_mm: float                   # page position of the image's left column
    y0_mm: float                   # page position of the image's top row

    def px2mm_x(self, px: float) -> float:
        return self.x0_mm + px * 25.4 / self.dpi

    def px2mm_y(self, py: float) -> float:
        return self.y0_mm + py * 25.4 / self.dpi


def render_gray(pdf: Path | str, page: int, dpi: int = 600, box_mm: tuple[float, float, float, float] | None = None) -> Raster:
    """Render one page (or the box x, y, w, h in mm) to an 8-bit gray image, anti-aliasing off."""
    from PIL import Image

    cmd = ["pdftoppm", "-gray", "-aa", "no", "-aaVector", "no", "-r", str(dpi), "-f", str(page), "-l", str(page)]
    x0 = y0 = 0.0
    if box_mm is not None:
        x0, y0, w, h = box_mm
        px = lambda mm: int(round(mm * dpi / 25.4))  # noqa: E731
        cmd += ["-x", str(px(x0)), "-y", str(px(y0)), "-W", str(px(w)), "-H", str(px(h))]
        x0, y0 = px(x0) * 25.4 / dpi, px(y0) * 25.4 / dpi
    cmd.append(str(pdf))
    out = subprocess.run(cmd, capture_output=True, check=True, timeout=120).stdout
    return Raster(Image.open(io.BytesIO(out)).convert("L"), dpi, x0, y0)


def dark_runs(raster: Raster, threshold: int = 128) -> list[list[tuple[int, int]]]:
    """For every row: the horizontal runs [start, end) of dark pixels."""
    import numpy as np

    a = np.asarray(raster.image) < threshold
    pad = np.zeros((a.shape[0], 1), dtype=bool)
    edges = np.diff(np.hstack([pad, a, pad]).astype(np.int8), axis=1)
    rows = []
    for y in range(a.shape[0]):
        starts = np.flatnonzero(edges[y] == 1)
        ends = np.flatnonzero(edges[y] == -1)
        rows.append(list(zip(starts.tolist(), ends.tolist())))
    return rows


@dataclass
class Stroke:
    y_top_mm: float
    y_bottom_mm: float
    x0_mm: float
    x1_mm: float

    @property
    def y_mm(self) -> float:
        return (self.y_top_mm + self.y_bottom_mm) / 2

    @property
    def length_mm(self) -> float:
        return self.x1_mm - self.x0_mm

    @property
    def thickness_mm(self) -> float:
        return self.y_bottom_mm - self.y_top_mm

    def __repr__(self) -> str:
        return (f"<stroke y={self.y_mm:.2f}mm x={self.x0_mm:.2f}..{self.x1_mm:.2f}mm "
                f"len={self.length_mm:.2f} thick={self.thickness_mm:.2f}>")


def horizontal_rules(raster: Raster, min_len_mm: float, threshold: int = 128) -> list[Stroke]:
    """Horizontal dark bands at least ``min_len_mm`` long (rules, dash strokes), merged over
    consecutive rows whose runs overlap."""
    min_px = min_len_mm * raster.dpi / 25.4
    bands: list[list] = []  # [y_first, y_last, x0, x1]
    for y, runs in enumerate(dark_runs(raster, threshold)):
        for a, b in runs:
            if b - a < min_px:
                continue
            for band in bands:
                if band[1] == y - 1 and a < band[3] and b > band[2]:
                    band[1] = y
                    band[2], band[3] = min(band[2], a), max(band[3], b)
                    break
            else:
                bands.append([y, y, a, b])
    px = 25.4 / raster.dpi
    return [Stroke(raster.y0_mm + y0 * px, raster.y0_mm + (y1 + 1) * px, raster.px2mm_x(a), raster.px2mm_x(b))
            for y0, y1, a, b in bands]


def dash_strokes(pdf: Path | str, page: int, below_mm: float = 263.0, dpi: int = 600,
                 min_len_mm: float = 2.0) -> list[Stroke]:
    """The 一字线 strokes of the page number: horizontal runs ≥ min_len_mm below ``below_mm``,
    i.e. the dashes (digits never make runs that long at 14 pt).  Sorted by x."""
    raster = render_gray(pdf, page, dpi, box_mm=(0, below_mm, 210, 297 - below_mm - 1))
    return sorted(horizontal_rules(raster, min_len_mm), key=lambda s: s.x0_mm)


def ink_top_mm(pdf: Path | str, page: int, y_from_mm: float, y_to_mm: float, x_from_mm: float = 20,
               x_to_mm: float = 190, dpi: int = 600, threshold: int = 128) -> float | None:
    """y of the first row with dark pixels inside the box (None if the box is empty)."""
    import numpy as np

    raster = render_gray(pdf, page, dpi, box_mm=(x_from_mm, y_from_mm, x_to_mm - x_from_mm, y_to_mm - y_from_mm))
    rows = np.flatnonzero((np.asarray(raster.image) < threshold).any(axis=1))
    return raster.px2mm_y(int(rows[0])) if rows.size else None


# ---------------------------------------------------------------------------------------------
# Embedded fonts
# ---------------------------------------------------------------------------------------------

def pdffonts(pdf: Path | str) -> list[dict]:
    """Rows of ``pdffonts``: name, type, encoding, emb, sub, uni (columns cut at the header's
    dash groups, because names and types contain spaces)."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    lines = out.splitlines()
    dash = next(i for i, ln in enumerate(lines) if ln.startswith("---"))
    rows = []
    for ln in lines[dash + 1:]:
        # Split on whitespace, not on the header's columns: a long name (LibreOffice writes
        # "NotoSerifCJKsc-Black-ProportionalDigits") pushes the other columns right.  The name
        # and the encoding are one token each, the type may have spaces ("CID Type 0C (OT)").
        tok = ln.split()
        if len(tok) < 8:
            continue
        rows.append({"name": tok[0], "type": " ".join(tok[1:-6]), "encoding": tok[-6], "emb": tok[-5],
                     "sub": tok[-4], "uni": tok[-3], "object": tok[-2], "id": tok[-1]})
    return rows


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


@functools.lru_cache(maxsize=1)
def installed_font_names() -> dict[str, frozenset[str]]:
    """Normalised font name → the fontconfig families it can stand for.

    Keys: every family name, every PostScript name (name table), and the CFF FontName of CFF-based
    faces.  The last one matters for OpenType collections such as Noto CJK: all faces of
    ``NotoSerifCJK-Regular.ttc`` (JP, KR, SC, TC, HK) share one CFF whose FontName is
    ``NotoSerifCJKjp-Regular``; a PDF producer that writes the CFF name (LibreOffice does) thus
    names the SC face "…jp…" although SC was selected.
    """
    from fontTools.ttLib import TTCollection, TTFont

    out = subprocess.run(["fc-list", "--format", "%{family}\t%{postscriptname}\t%{file}\t%{index}\n"],
                         capture_output=True, text=True, check=True).stdout
    names: dict[str, set[str]] = {}
    cff_cache: dict[tuple[str, int], list[str]] = {}
    for line in out.splitlines():
        try:
            fams, ps, file, index = line.split("\t")
        except ValueError:
            continue
        families = {f.strip() for f in fams.split(",") if f.strip()}
        keys = set(families) | {ps}
        key = (file, int(index or 0))
        if key not in cff_cache:
            cff_cache[key] = []
            try:
                if file.lower().endswith((".ttc", ".otc")):
                    font = TTCollection(file, lazy=True).fonts[key[1]]
                else:
                    font = TTFont(file, lazy=True)
                if "CFF " in font:
                    cff_cache[key] = list(font["CFF "].cff.fontNames)
            except Exception:
                pass
        keys |= set(cff_cache[key])
        for k in keys:
            if k:
                names.setdefault(_norm(k), set()).update(families)
    return {k: frozenset(v) for k, v in names.items()}


def families_of(fontname: str) -> frozenset[str]:
    """The installed families an embedded font name can belong to (longest-prefix match of the
    normalised name, subset tag removed; producers append style/suffix parts such as
    ``-Bold`` or ``-VKana``)."""
    n = _norm(strip_subset(fontname))
    table = installed_font_names()
    best = ""
    for key in table:
        if n.startswith(key) and len(key) > len(best):
            best = key
    return table.get(best, frozenset())


# ---------------------------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W_NS, "r": R_NS}


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def wattr(el, name: str, default=None):
    if el is None:
        return default
    return el.get(w(name), default)


def deobfuscate_font(data: bytes, font_key: str) -> bytes:
    """An embedded DOCX font (``.odttf``) back to the font file, per ECMA-376 Part 1 §17.8.1:
    the fontKey GUID's 16 bytes, taken from its last hex pair to its first, are XORed over the
    first 32 bytes of the font."""
    key = bytes.fromhex(re.sub(r"[^0-9A-Fa-f]", "", font_key))[::-1]
    return bytes(b ^ key[i % 16] for i, b in enumerate(data[:32])) + data[32:]


class DocxPackage:
    """A DOCX opened once: parts parsed with lxml, effective properties resolved."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        with zipfile.ZipFile(self.path) as z:
            self.names = z.namelist()
            self._raw = {n: z.read(n) for n in self.names if n.endswith((".xml", ".rels"))}
        self.document = self.xml("word/document.xml")
        self.styles = self.xml("word/styles.xml")
        self.settings = self.xml("word/settings.xml")
        self._style_by_id = {s.get(w("styleId")): s for s in self.styles.iterfind("w:style", NS)}

    def xml(self, part: str):
        return etree.fromstring(self._raw[part])

    def raw(self, part: str) -> bytes:
        return self._raw[part]

    # -- relationships / sections ---------------------------------------------------------------
    def rel_targets(self) -> dict[str, str]:
        rels = self.xml("word/_rels/document.xml.rels")
        return {r.get("Id"): r.get("Target") for r in rels}

    @property
    def sect_pr(self):
        return self.document.find("w:body/w:sectPr", NS)

    def footer_parts(self) -> dict[str, str]:
        """footerReference type (default/even/first) → part name, for the final section."""
        targets = self.rel_targets()
        out = {}
        for ref in self.sect_pr.iterfind("w:footerReference", NS):
            out[ref.get(w("type"))] = "word/" + targets[ref.get(f"{{{R_NS}}}id")].lstrip("/")
        return out

    # -- paragraphs -----------------------------------------------------------------------------
    def paragraphs(self):
        return self.document.iterfind("w:body/w:p", NS)

    @staticmethod
    def text(p) -> str:
        return "".join(t.text or "" for t in p.iter(w("t")))

    @staticmethod
    def style_id(p) -> str | None:
        return wattr(p.find("w:pPr/w:pStyle", NS), "val")

    def style(self, style_id: str | None):
        return self._style_by_id.get(style_id) if style_id else None

    def style_name(self, style_id: str | None) -> str | None:
        st = self.style(style_id)
        return wattr(st.find("w:name", NS), "val") if st is not None else None

    def _style_chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            st = self.style(style_id)
            if st is None:
                return
            yield st
            style_id = wattr(st.find("w:basedOn", NS), "val")
        default = self.styles.find("w:style[@w:type='paragraph'][@w:default='1']", NS)
        if default is not None and default.get(w("styleId")) not in seen:
            yield default

    def effective_ppr(self, p, tag: str):
        """The first ``w:tag`` found in the paragraph's pPr, its style chain, then pPrDefault."""
        el = p.find(f"w:pPr/w:{tag}", NS)
        if el is not None:
            return el
        for st in self._style_chain(self.style_id(p)):
            el = st.find(f"w:pPr/w:{tag}", NS)
            if el is not None:
                return el
        return self.styles.find(f"w:docDefaults/w:pPrDefault/w:pPr/w:{tag}", NS)

    def effective_rpr(self, run, p, tag: str):
        """The first ``w:tag`` in the run's rPr, the paragraph style chain, then rPrDefault."""
        el = run.find(f"w:rPr/w:{tag}", NS)
        if el is not None:
            return el
        for st in self._style_chain(self.style_id(p)):
            el = st.find(f"w:rPr/w:{tag}", NS)
            if el is not None:
                return el
        return self.styles.find(f"w:docDefaults/w:rPrDefault/w:rPr/w:{tag}", NS)

    def embedded_fonts(self) -> dict:
        """Font-table name → (TTFont of the de-obfuscated part, part name, fontKey)."""
        import io

        from fontTools.ttLib import TTFont

        try:
            rels_root = etree.fromstring(self.raw("word/_rels/fontTable.xml.rels"))
        except KeyError:
            return {}
        rels = {r.get("Id"): r.get("Target") for r in rels_root}
        out = {}
        for font in self.xml("word/fontTable.xml").iterfind("w:font", NS):
            emb = font.find("w:embedRegular", NS)
            if emb is None:
                continue
            target = "word/" + rels[emb.get(f"{{{R_NS}}}id")]
            with zipfile.ZipFile(self.path) as z:
                data = deobfuscate_font(z.read(target), wattr(emb, "fontKey"))
            out[wattr(font, "name")] = (TTFont(io.BytesIO(data)), target, wattr(emb, "fontKey"))
        return out

    def outline_level(self, p) -> int | None:
        v = wattr(self.effective_ppr(p, "outlineLvl"), "val")
        return int(v) if v is not None else None


# ---------------------------------------------------------------------------------------------
# Joining the two: which PDF line belongs to which DOCX paragraph
# ---------------------------------------------------------------------------------------------

DATE_RE = re.compile(r"^\d{4}年(1[0-2]|[1-9])月(3[01]|[12]\d|[1-9])日$")


@dataclass
class Block:
    role: str        # title, body, heading1..4, signature, date
    text: str        # whitespace removed


def docx_blocks(pkg: DocxPackage) -> list[Block]:
    """Non-empty body paragraphs of the DOCX with their role, from their effective properties
    (outline level, alignment, size) rather than from style names."""
    out = []
    for p in pkg.paragraphs():
        text = re.sub(r"\s+", "", DocxPackage.text(p))
        if not text:
            continue
        lvl = pkg.outline_level(p)
        jc = wattr(pkg.effective_ppr(p, "jc"), "val")
        run = p.find("w:r", NS)
        sz = int(wattr(pkg.effective_rpr(run, p, "sz"), "val", "0")) if run is not None else 0
        if lvl is not None and lvl <= 3:
            role = f"heading{lvl + 1}"
        elif jc == "center" and sz >= 40:
            role = "title"
        elif jc == "right":
            role = "date" if DATE_RE.match(text) else "signature"
        else:
            role = "body"
        out.append(Block(role, text))
    return out


@dataclass
class FlowLine:
    line: TextLine
    block: int | None          # index into the blocks list
    role: str | None
    first: bool                # first line of its paragraph
    last: bool                 # last line of its paragraph

    def __repr__(self) -> str:
        flags = ("F" if self.first else "") + ("L" if self.last else "")
        return f"{self.role}[{self.block}]{flags}{self.line!r}"


def align_flow(lines: list[TextLine], blocks: list[Block]) -> list[FlowLine]:
    """Map every PDF text line (in reading order) to the DOCX paragraph it shows.

    Character sequences are aligned with difflib, so one dropped or extra glyph does not
    derail the mapping (the parity test reports such differences itself)."""
    import difflib

    a = "".join(b.text for b in blocks)
    starts, pos = [], 0
    for b in blocks:
        starts.append(pos)
        pos += len(b.text)
    ends = [s + len(b.text) for s, b in zip(starts, blocks)]
    b_text = "".join(ln.text for ln in lines)
    mapping: dict[int, int] = {}
    sm = difflib.SequenceMatcher(None, a, b_text, autojunk=False)
    for blk in sm.get_matching_blocks():
        for k in range(blk.size):
            mapping[blk.b + k] = blk.a + k
    import bisect

    out, pos = [], 0
    for ln in lines:
        idx = [mapping[i] for i in range(pos, pos + len(ln.text)) if i in mapping]
        pos += len(ln.text)
        if not idx:
            out.append(FlowLine(ln, None, None, False, False))
            continue
        bi = bisect.bisect_right(starts, idx[0]) - 1
        out.append(FlowLine(ln, bi, blocks[bi].role, idx[0] == starts[bi], idx[-1] == ends[bi] - 1))
    return out
