"""The document model → DOCX with python-docx, laid out per the style definition.

Every element gets a named paragraph style (editors restyle in Word/WPS); East Asian fonts are
named on every style and run (``w:eastAsia``), theme fonts are removed, the language is zh-CN;
line pitch is exact with a lines-only document grid; 3号 text is tracked so 28 characters fill a
line in Word and LibreOffice alike; footers carry "— PAGE —" on odd (right) and even (left) pages.
Output bytes are reproducible: fixed core-properties dates and fixed zip entry times.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import re
import unicodedata
from pathlib import Path

from docx import Document as new_document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu

from . import pydocx
from ..model import Banji, Chart, Document, Heading, Run, Source, Span, Table, pieces
from .flow import BanjiItem, Blank, Break, ChartItem, Line, TableItem, flow
from .style import PT_PER_MM, TWIPS_PER_PT, Style
from . import docx_fonts
from .layout import DRAFT_MARK, column_fractions, table_grid

STYLE_NAMES = {
    "title": "公文标题", "subtitle": "公文副标题", "recipient": "主送机关", "body": "公文正文",
    "heading1": "公文一级标题", "heading2": "公文二级标题", "heading3": "公文三级标题", "heading4": "公文四级标题",
    "signature": "公文署名", "date": "成文日期", "note": "附注", "annex_label": "附件标识",
    "annex_title": "附件标题", "table_header": "表格表头", "table_cell": "表格文字", "table_caption": "表题",
    "page_number": "页码", "red_mark": "发文机关标志", "doc_number": "发文字号", "banji": "版记",
}
def _latin_slot(ch: str, prev: str) -> bool:
    """Whether LibreOffice would draw ``ch`` from the run's Latin face where Word, told
    w:hint="eastAsia", and the PDF use the Chinese one: a Latin-1 symbol of East Asian ambiguous
    width (× ÷ · ° ±: LibreOffice's script of the Latin-1 block is Latin), or a general
    punctuation mark (“ ” ‘ ’ — … ‰), which takes the script of the character before it, after
    a digit, Latin letter or ASCII sign (“315”)."""
    o = ord(ch)
    if 0xA1 <= o <= 0xFF:
        return unicodedata.east_asian_width(ch) == "A" and not ch.isalnum()
    if 0x2010 <= o <= 0x2030:
        return bool(prev) and (0x21 <= ord(prev) <= 0x7E or (0xA1 <= ord(prev) <= 0xFF and prev.isalpha()))
    return False


# The only characters ``_latin_slot`` (and the General Punctuation rule of ``_Writer._run``) can
# put in the Latin slot: a text without any is one run in the paragraph's face.
_SLOT_CANDIDATES = re.compile("[\u00a1-\u00ff\u2010-\u2030]")


JC = {"left": "left", "center": "center", "right": "right", "justify": "both"}

# Schema order of the children of w:pPr and w:rPr (Word rejects out-of-order children).
PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
             "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
             "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
             "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
             "sectPr", "pPrChange"]
RPR_ORDER = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
             "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
             "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
             "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath"]

TBLPR_ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
               "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
               "tblCaption", "tblDescription"]
BORDER_ORDER = ["top", "left", "start", "bottom", "right", "end", "insideH", "insideV"]


def _set(parent, tag: str, order: list[str], **attrs):
    """Get or create child ``w:tag`` of ``parent`` at its schema position and set attributes."""
    el = parent.find(qn(f"w:{tag}"))
    if el is None:
        el = OxmlElement(f"w:{tag}")
        rank = order.index(tag)
        for i, child in enumerate(parent):
            name = child.tag.split("}")[-1]
            if name in order and order.index(name) > rank:
                parent.insert(i, el)
                break
        else:
            parent.append(el)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), str(value))
    return el


def _twips(pt: float) -> int:
    return round(pt * TWIPS_PER_PT)


def _mm_twips(mm: float) -> int:
    return round(mm * PT_PER_MM * TWIPS_PER_PT)


# The package ``_Writer.setup`` makes for a style (styles, settings, sections, footers), saved
# once per process and style and reopened for each document: the setup's ~10 ms of XML work
# done once.  Stored uncompressed; keyed by the style's content.  (Saving leaves a document as it
# was: the first document of a style is written on by the writer that made the skeleton.)
_SKELETONS: dict[str, tuple[bytes, dict, dict]] = {}    # key → (package, style ids, character style ids)
_SKELETON_KEY: list = [None, ""]        # the last style object and its key (a batch uses one)
# The styles part of a skeleton with the character styles a document added (``_add_punct_styles``),
# by (skeleton key, the styles' names in order): a handful per style, the last eight kept.
_PUNCT_STYLES: dict[tuple, bytes] = {}


# The skeletons are also kept per machine (``_kept_skeleton``): a process's first document of a
# style — the batch's fork server makes one — opens it instead of setting it up (≈30 ms).
SKELETON_FORMAT = "2"
_SKELETON_FILES = 8         # the newest kept; one a style (≈0.85 MB each, uncompressed)


def _skeleton_file(key: str) -> Path | None:
    """Where the skeleton of the style whose content is ``key`` is kept: named by the sha256 of
    everything it is made from — the style's content, reportgen's own code, python-docx's
    version and template files, lxml's version, Python's — so a changed style, program or library
    never opens another's.  None without a usable cache folder."""
    import hashlib
    import sys

    import docx as python_docx
    from lxml import etree

    from ..core.cache import private_dir, source_digest

    folder = private_dir("docx-skeletons")
    if folder is None:
        return None
    h = hashlib.sha256()
    templates = Path(python_docx.__file__).parent / "templates"
    for part in (SKELETON_FORMAT, sys.version, getattr(python_docx, "__version__", ""), repr(etree.LXML_VERSION),
                 source_digest(), key):
        h.update(hashlib.sha256(str(part).encode("utf-8", "surrogatepass")).digest())
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        h.update(hashlib.sha256(path.relative_to(templates).as_posix().encode() + b"\0" + path.read_bytes()).digest())
    return folder / f"{h.hexdigest()}.skeleton"


def _kept_skeleton(key: str) -> tuple[bytes, dict, dict] | None:
    """The skeleton of ``key`` an earlier process kept (``_keep_skeleton``), or None."""
    import json

    try:
        path = _skeleton_file(key)
        if path is None:
            return None
        data = path.read_bytes()
        head, sep, blob = data.partition(b"\n")
        size, ids, punct = json.loads(head)
        # whole (a zip of the length written, ending with its directory) and of the right shape
        if (sep and size == len(blob) and blob.startswith(b"PK\x03\x04") and blob[-22:-18] == b"PK\x05\x06"
                and isinstance(ids, dict) and isinstance(punct, dict)
                and all(isinstance(k, str) and isinstance(v, str) for d in (ids, punct) for k, v in d.items())):
            return blob, ids, punct
    except (OSError, ValueError, TypeError, RuntimeError):
        pass
    return None


def _keep_skeleton(key: str, entry: tuple[bytes, dict, dict]) -> None:
    """Keep a skeleton for the next processes (the newest ``_SKELETON_FILES``); a full disk or
    no cache folder: the next process sets it up again."""
    import json

    from ..core.cache import replace_file

    try:
        path = _skeleton_file(key)
        if path is None:
            return
        blob, ids, punct = entry
        replace_file(path, json.dumps([len(blob), ids, punct], ensure_ascii=False).encode("utf-8") + b"\n" + blob)
        kept = sorted(path.parent.glob("*.skeleton"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in kept[_SKELETON_FILES:]:
            old.unlink(missing_ok=True)
    except (OSError, ValueError, RuntimeError):
        pass


def _style_key(style: Style) -> str:
    if _SKELETON_KEY[0] is not style:
        _SKELETON_KEY[:] = [style, style.model_dump_json()]
    return _SKELETON_KEY[1]


class _Writer:
    def __init__(self, style: Style, review: bool = False, chart_font=None, template: bytes | None = None):
        self.s = style
        self.review = review            # the 核对稿: every traced figure gets a comment (批注)
        self.chart_font = chart_font    # the face file charts are drawn with
        self.stamp = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)   # comments' date: write_docx's
        self.doc = pydocx.open_skeleton(template) if template is not None else new_document()
        self._styles: dict[str, str] = {}           # element → its paragraph style's id
        self._punct_styles: dict[str, str] = {}     # role → its character style's id (``_punct_style``)
        self._punct_pending: list[tuple[str, str]] = []     # (role, style name) not yet in the styles
        self._skeleton_key = ""
        pydocx.memoize_style_ids(self.doc)

    @classmethod
    def prepared(cls, style: Style, review: bool = False, chart_font=None) -> "_Writer":
        """A writer whose document is set up for ``style`` (``setup``), opened from the
        process's skeleton of that style (built on first use).  The same bytes as ``setup``
        on python-docx's template (tested)."""
        key = _style_key(style)
        if key not in _SKELETONS:
            kept = _kept_skeleton(key)
            while len(_SKELETONS) >= 4:
                del _SKELETONS[next(iter(_SKELETONS))]
            if kept is not None:            # made by an earlier process of this machine
                _SKELETONS[key] = kept
            else:                           # the first document of the style: set up here, kept
                first = cls(style, review, chart_font)
                first.setup()
                _SKELETONS[key] = (pydocx.package_bytes(first.doc, stored=True), dict(first._styles),
                                   dict(first._punct_styles))
                _keep_skeleton(key, _SKELETONS[key])
                first._skeleton_key = key
                return first
        blob, ids, punct = _SKELETONS[key]
        w = cls(style, review, chart_font, template=blob)
        w._styles, w._punct_styles = dict(ids), dict(punct)
        w._skeleton_key = key
        return w

    # -- fonts and run properties ----------------------------------------------------------------
    def _rpr_fonts(self, rpr, role: str, latin: str | None = None) -> None:
        official = self.s.fonts[role].official
        latin = latin or self.s.latin_font
        fonts = _set(rpr, "rFonts", RPR_ORDER, ascii=latin, hAnsi=latin, eastAsia=official, cs=latin, hint="eastAsia")
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{attr}"), None)

    def _element_rpr(self, rpr, name: str, bold: bool = False) -> None:
        e = self.s.el(name)
        # Page numbers are 宋体 throughout (digits and 一字线 alike), GB/T 9704 7.5.
        self._rpr_fonts(rpr, e.font, latin=self.s.fonts[e.font].official if name == "page_number" else None)
        if bold:
            _set(rpr, "b", RPR_ORDER)
        colour = self.s.colors.red if name == "red_mark" else self.s.colors.text
        _set(rpr, "color", RPR_ORDER, val=colour.lstrip("#"))
        tracking = self.s.tracking(name)
        _set(rpr, "spacing", RPR_ORDER, val=_twips(tracking))
        _set(rpr, "sz", RPR_ORDER, val=round(e.size_pt * 2))
        _set(rpr, "szCs", RPR_ORDER, val=round(e.size_pt * 2))
        _set(rpr, "lang", RPR_ORDER, val="en-US", eastAsia="zh-CN", bidi="ar-SA")

    def _element_ppr(self, ppr, name: str) -> None:
        e = self.s.el(name)
        # Lines fill every page of the grid: no widow/orphan control (GB/T 9704 22 lines a page).
        _set(ppr, "widowControl", PPR_ORDER, val=0)
        _set(ppr, "snapToGrid", PPR_ORDER, val=0)
        # The space between Chinese and Latin letters/digits (年 2023 年) that the PDF sets
        # (style autospace_em): Word and WPS add theirs (≈0.25 em), LibreOffice always adds
        # 0.2 em — its DOCX import ignores both flags (writerfilter), so with 0 here it still
        # spaced the figures and wrapped lines earlier than the PDF. 0 only when the style says 0.
        on = 1 if self.s.autospace_em else 0
        _set(ppr, "autoSpaceDE", PPR_ORDER, val=on)
        _set(ppr, "autoSpaceDN", PPR_ORDER, val=on)
        # Punctuation stays inside the 版心, as in the PDF (no hanging past the right edge).
        # LibreOffice's DOCX import reads this flag inverted (overflowPunct=0 → "hanging
        # punctuation" on; writerfilter, 7.4 and later), and a trailing ，、 that hangs there
        # is dropped from the page and moves every later line break: measured on the 鹿城
        # sample, pages 4–7 started 22–29 characters off the PDF's with 0, 0 with 1.  Word
        # reads 1 as "允许标点溢出边界" (its default), so in Word a line may hang a ，。.
        _set(ppr, "overflowPunct", PPR_ORDER, val=1)
        _set(ppr, "spacing", PPR_ORDER, before=0, after=0, line=_twips(self.s.line_pt(name)), lineRule="exact")
        indent = e.first_line_chars
        ind = _set(ppr, "ind", PPR_ORDER, firstLine=_twips(indent * e.size_pt), firstLineChars=round(indent * 100))
        if not indent:
            ind.attrib.clear()
            ind.set(qn("w:firstLine"), "0")
            ind.set(qn("w:firstLineChars"), "0")
        _set(ppr, "jc", PPR_ORDER, val=JC[e.align])
        if e.outline_level is not None:
            _set(ppr, "outlineLvl", PPR_ORDER, val=e.outline_level)

    # -- document-level setup --------------------------------------------------------------------
    def setup(self) -> None:
        """Styles, document defaults, page, grid, footers and settings: from the style alone.
        Done once per process and style (``prepared``): whatever depends on the document
        belongs after it (``document``, ``draft_mark``, ``write_docx``)."""
        s = self.s
        styles_el = self.doc.styles.element
        # Document defaults: explicit fonts, zh-CN, no theme fonts.
        rpr_default = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        self._element_rpr(rpr_default, "body")
        named = {s.latin_font} | {role.official for role in s.fonts.values()}
        for el in styles_el.iter(qn("w:rFonts")):
            for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
                el.attrib.pop(qn(f"w:{attr}"), None)
            # The template's few other faces (Courier in 宏文本) become the Latin face: the
            # document names only the faces its font table describes.
            for attr in ("ascii", "hAnsi", "cs"):
                if el.get(qn(f"w:{attr}")) not in (None, *named):
                    el.set(qn(f"w:{attr}"), s.latin_font)
        ppr_default = styles_el.find(qn("w:docDefaults")).find(qn("w:pPrDefault"))
        if ppr_default is not None:
            ppr = ppr_default.find(qn("w:pPr"))
            if ppr is not None:
                self._element_ppr(ppr, "body")
        normal = self.doc.styles["Normal"]
        self._element_rpr(normal.element.get_or_add_rPr(), "body")
        self._element_ppr(normal.element.get_or_add_pPr(), "body")
        for name, cn in STYLE_NAMES.items():
            st = pydocx.add_paragraph_style(self.doc, cn)
            st.base_style = normal
            st.quick_style = True
            bold = name.startswith("heading") and s.heading_bold(int(name[-1]))
            self._element_rpr(st.element.get_or_add_rPr(), name, bold=bold)
            self._element_ppr(st.element.get_or_add_pPr(), name)
            self._styles[name] = st.style_id
        # Page, margins, grid, footers.
        sec = self.doc.sections[0]
        sec.page_width = Emu(round(s.page.width_mm * 36000))
        sec.page_height = Emu(round(s.page.height_mm * 36000))
        m = s.margins_mm
        sectpr = pydocx.section_properties(sec)
        pgmar = sectpr.find(qn("w:pgMar"))
        footer_twips = _mm_twips(s.page.height_mm - s.page_number_line_top_mm("docx")
                                 - s.el("page_number").size_pt / PT_PER_MM)
        for key, value in {"top": _mm_twips(m.top), "bottom": _mm_twips(m.bottom), "left": _mm_twips(m.left),
                           "right": _mm_twips(m.right), "header": _mm_twips(s.page.header_distance_mm), "footer": footer_twips,
                           "gutter": 0}.items():
            pgmar.set(qn(f"w:{key}"), str(value))
        grid = sectpr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sectpr.append(grid)
        grid.attrib.clear()
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(_twips(s.grid.line_pt)))
        settings = self.doc.settings
        settings.odd_and_even_pages_header_footer = True
        if s.mirror_margins:
            _set_settings_flag(settings.element, "mirrorMargins")
        lang = settings.element.find(qn("w:themeFontLang"))
        if lang is None:
            lang = OxmlElement("w:themeFontLang")
            settings.element.append(lang)
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
        self._footer(sec.footer, "right")
        self._footer(sec.even_page_footer, "left")
        self._add_punct_styles()

    def _footer(self, footer, side: str) -> None:
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        pydocx.set_paragraph_style(p, self._styles["page_number"])
        pn = self.s.el("page_number")
        ppr = pydocx.xml(p).get_or_add_pPr()
        _set(ppr, "spacing", PPR_ORDER, before=0, after=0, line=_twips(pn.size_pt), lineRule="exact")
        indent = _twips(self.s.page_number.outer_indent_chars * pn.size_pt)
        ind = _set(ppr, "ind", PPR_ORDER)
        ind.attrib.clear()
        ind.set(qn(f"w:{side}"), str(indent))
        ind.set(qn("w:firstLine"), "0")
        _set(ppr, "jc", PPR_ORDER, val=side)
        before, _, after = self.s.page_number.format.partition("{n}")
        self._run(p, before, "page_number")
        for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
            r = p.add_run()   # the 页码 style of the paragraph sets the face and size
            if kind == "instr":
                it = OxmlElement("w:instrText")
                it.set(qn("xml:space"), "preserve")
                it.text = text
                pydocx.xml(r).append(it)
            elif kind == "text":
                r.text = text
            else:
                fc = OxmlElement("w:fldChar")
                fc.set(qn("w:fldCharType"), kind)
                pydocx.xml(r).append(fc)
        self._run(p, after, "page_number")

    # -- content -----------------------------------------------------------------------------------
    def _punct_style(self, element: str) -> str:
        """The id of the character style that names the Chinese face of ``element``'s role for
        the Latin slots too (ascii/hAnsi; the East Asian slot stays the paragraph style's), see
        ``_run``.  The style itself is added to the styles part by ``_add_punct_styles``."""
        role = self.s.el(element).font
        if role not in self._punct_styles:
            name = f"中文符号（{self.s.fonts[role].official}）"
            self._punct_styles[role] = pydocx.style_id_from_name(name)
            self._punct_pending.append((role, name))
        return self._punct_styles[role]

    def _add_punct_styles(self) -> None:
        """The character styles ``_punct_style`` named, appended to the styles in the order they
        were first used.  A document opened from the skeleton keeps its styles part as bytes: the
        finished part for the same skeleton and styles is reused from ``_PUNCT_STYLES`` (made
        once per process from the parsed XML), so the ≈0.35 MB part is neither parsed nor
        serialised again for each document."""
        pending, self._punct_pending = self._punct_pending, []
        if not pending:
            return
        key = (self._skeleton_key, tuple(name for _role, name in pending))
        cached = _PUNCT_STYLES.get(key) if self._skeleton_key else None
        if cached is not None and not pydocx.styles_parsed(self.doc):
            pydocx.set_styles_blob(self.doc, cached)
            return
        for role, name in pending:
            official = self.s.fonts[role].official
            st = pydocx.add_character_style(self.doc, name)
            rpr = st.element.get_or_add_rPr()
            _set(rpr, "rFonts", RPR_ORDER, ascii=official, hAnsi=official, hint="eastAsia")
        if self._skeleton_key and cached is None:
            while len(_PUNCT_STYLES) >= 8:
                del _PUNCT_STYLES[next(iter(_PUNCT_STYLES))]
            _PUNCT_STYLES[key] = pydocx.styles_blob(self.doc)

    def _run(self, p, text: str, element: str, bold: bool = False, mark: bool = False):
        """The runs of ``text`` (a list: more than one where punctuation follows a Latin character)."""
        if not text:
            return []
        # Fonts, size, colour and spacing come from the paragraph's named style: a run carries
        # direct formatting only for what no style can say (bold inside a paragraph).
        # A mark LibreOffice would draw from the Latin face (``_latin_slot``: a 0.44 em ” in
        # Times New Roman after “315, a half-width ÷), where Word (w:hint="eastAsia") and the
        # PDF use the Chinese face (1 em), gets the character style that names the Chinese face
        # for the Latin slots as well.
        pieces: list[tuple[str, bool]] = []

        def add(piece: str, slot: bool) -> None:
            if pieces and pieces[-1][1] == slot:
                pieces[-1] = (pieces[-1][0] + piece, slot)
            else:
                pieces.append((piece, slot))

        # Only the characters ``_SLOT_CANDIDATES`` finds can take the Latin slot: the text
        # between them goes whole.
        pos, prev = 0, None
        for m in _SLOT_CANDIDATES.finditer(text):
            i = m.start()
            if i > pos:
                add(text[pos:i], False)
                prev = text[i - 1]
            elif prev is None:
                prev = pydocx.last_character(p)
            ch = text[i]
            # a run of General Punctuation after a Latin character stays in the Chinese face
            add(ch, _latin_slot(ch, prev) or (0x2010 <= ord(ch) <= 0x2030 and bool(pieces) and pieces[-1][1]))
            prev, pos = ch, i + 1
        if pos < len(text):
            add(text[pos:], False)
        runs = []
        for piece, slot in pieces:
            r = pydocx.add_run(p, piece, self._punct_style(element) if slot else None)
            if bold:
                _set(pydocx.xml(r).get_or_add_rPr(), "b", RPR_ORDER)
            if mark:    # a draft's missing figure: 【待填：…】 highlighted
                _set(pydocx.xml(r).get_or_add_rPr(), "highlight", RPR_ORDER, val="yellow")
            runs.append(r)
        return runs

    def _runs(self, p, runs: list[Run], element: str, spans: list[Span] = ()) -> None:
        if not (self.review and spans):
            for r in runs:
                self._run(p, r.text, element, bold=r.bold, mark=r.mark)
            return
        for r, src in pieces(runs, list(spans)):
            runs = self._run(p, r.text, element, bold=r.bold, mark=r.mark)
            if runs and src is not None:
                self._comment(runs, src)

    def _comment(self, run, src: Source) -> None:
        """A Word comment (批注) on the figure: its cells and computation, then the line that printed it."""
        comment = self.doc.add_comment(run, text=src.describe(), author="reportgen", initials="RG")
        pydocx.set_comment_date(comment, self.stamp)   # the document's date, not the clock's
        if src.printed_by:
            comment.add_paragraph("写入：" + src.printed_by)

    def para(self, element: str, runs: list[Run] | str = "", lead: str = "", *, right_chars: float | None = None,
             page_break_before: bool = False, spans: list[Span] = (), head: Heading | None = None):
        p = pydocx.add_paragraph(self.doc, self._styles[element])
        if head is not None:            # a run-in heading: its level's face, then the body text
            level = f"heading{head.level}"
            bold = self.s.heading_bold(head.level)
            role = self.s.el(level).font     # the heading's face, set on its runs (no style can say it)
            for text, b in ((head.number, bold), *((r.text, bold or r.bold) for r in head.runs)):
                for run in self._run(p, text, level, bold=b):
                    self._rpr_fonts(run._r.get_or_add_rPr(), role)
        if lead:
            self._run(p, lead, element)
        if isinstance(runs, str) and self.review and spans:    # a title, 署名 … printing a figure
            self._runs(p, [Run(runs)], element, spans)
        elif isinstance(runs, str):
            self._run(p, runs, element)
        else:
            self._runs(p, runs, element, spans)
        ppr = pydocx.xml(p).get_or_add_pPr()
        if right_chars is not None:
            size = self.s.el(element).size_pt
            _set(ppr, "ind", PPR_ORDER, right=_twips(right_chars * size), rightChars=round(right_chars * 100))
        if page_break_before:
            _set(ppr, "pageBreakBefore", PPR_ORDER)
        return p

    def blank(self, n: int) -> None:
        for _ in range(n):
            self.para("body")

    def line(self, item: Line) -> None:
        if item.element == "red_mark":
            self.red_mark(item)
            return
        if item.element == "doc_number":
            self.doc_number(item)
            return
        runs = item.text if item.runs is None else item.runs
        p = self.para(item.element, runs, lead=item.lead, right_chars=item.right_chars,
                      page_break_before=item.page_break_before, spans=item.spans, head=item.head)
        if item.keep_next:
            _set(pydocx.xml(p).get_or_add_pPr(), "keepNext", PPR_ORDER)

    def page_break(self) -> None:
        p = pydocx.add_paragraph(self.doc, self._styles["body"])
        p.add_run().add_break(WD_BREAK.PAGE)

    def chart(self, c: Chart) -> None:
        """A chart as a PNG picture across the 版心, its caption above it."""
        from docx.shared import Mm

        from .chart import png, size_mm

        if c.caption:
            _set(self.para("table_caption", c.caption)._p.get_or_add_pPr(), "keepNext", PPR_ORDER)
        p = pydocx.add_paragraph(self.doc, self._styles["body"])
        ppr = p._p.get_or_add_pPr()
        _set(ppr, "spacing", PPR_ORDER, before=0, after=0, line=240, lineRule="auto")
        _set(ppr, "ind", PPR_ORDER, firstLine=0, firstLineChars=0)
        _set(ppr, "jc", PPR_ORDER, val="center")
        w, h = size_mm(c, self.s)
        p.add_run().add_picture(io.BytesIO(png(c, self.s, self.chart_font)), width=Mm(w), height=Mm(h))

    def table(self, t: Table) -> None:
        if t.caption:
            self.para("table_caption", t.caption)
        ncols, grid = table_grid(t.rows)
        table = self.doc.add_table(rows=len(t.rows), cols=ncols)
        tblpr = pydocx.xml(table).tblPr
        width_twips = _mm_twips(self.s.type_area_mm[0])
        _set(tblpr, "tblW", TBLPR_ORDER, w=width_twips, type="dxa")
        _set(tblpr, "jc", TBLPR_ORDER, val="center")
        border = round(self.s.table.border_pt * 8)
        self._borders(tblpr, {e: border for e in ("top", "left", "bottom", "right", "insideH", "insideV")})
        _set(tblpr, "tblLayout", TBLPR_ORDER, type="fixed")
        # Cell padding as in the PDF (all four sides): same text width per cell, same row heights,
        # so a table breaks onto the same pages in both.
        mar = _set(tblpr, "tblCellMar", TBLPR_ORDER)
        for edge in ("top", "left", "bottom", "right"):
            _set(mar, edge, BORDER_ORDER, w=_twips(self.s.table.cell_padding_pt), type="dxa")
        widths = [round(f * width_twips) for f in column_fractions(t, self.s.table_capacity_chars(), self.s.table.max_column_chars)]
        for i, col in enumerate(table.columns):
            col.width = Emu(widths[i] * 635)
        rows = list(table.rows)
        cells = None       # the grid's cells, listed once (and again after a merge changes the grid)

        def cell_at(r: int, c: int):
            nonlocal cells
            if cells is None:
                cells = pydocx.table_cells(table)
            return table.cell(r, c) if cells is None else cells[c + r * ncols]

        for r, row in enumerate(t.rows):
            tr = pydocx.xml(rows[r])
            trpr = tr.get_or_add_trPr()
            trpr.append(OxmlElement("w:cantSplit"))
            if r < t.header_rows:
                trpr.append(OxmlElement("w:tblHeader"))
            for cell, (c0, c1, r1) in zip(row, grid[r]):
                target = cell_at(r, c0)
                if c1 > c0 or r1 > r:
                    target = target.merge(cell_at(r1, c1))
                    cells = None
                element = "table_header" if r < t.header_rows else "table_cell"
                p = target.paragraphs[0]
                pydocx.set_paragraph_style(p, self._styles[element])
                self._runs(p, cell.runs, element, cell.spans)
                _set(pydocx.xml(p).get_or_add_pPr(), "jc", PPR_ORDER, val=JC[cell.align])
                tcpr = pydocx.xml(target).get_or_add_tcPr()
                va = OxmlElement("w:vAlign")
                va.set(qn("w:val"), "center")
                tcpr.append(va)
        # (the flow puts blank_lines.after_table empty paragraphs after it: the next text keeps the grid)

    def red_mark(self, item: Line) -> None:
        """发文机关标志 in red, 35 mm below the 版心 top."""
        s, rh = self.s, self.s.red_header
        size = item.size_pt
        p = self.para("red_mark", item.text)
        ppr = pydocx.xml(p).get_or_add_pPr()
        _set(ppr, "spacing", PPR_ORDER, before=_mm_twips(rh.mark_top_below_type_area_mm), after=0,
             line=_twips(size), lineRule="exact")
        for r in p.runs:   # the mark's size depends on its length: the one direct run property here
            rpr = pydocx.xml(r).get_or_add_rPr()
            _set(rpr, "sz", RPR_ORDER, val=round(size * 2))
            _set(rpr, "szCs", RPR_ORDER, val=round(size * 2))

    def doc_number(self, item: Line) -> None:
        """发文字号, with the red rule 4 mm below it."""
        s, rh = self.s, self.s.red_header
        p = self.para("doc_number", item.text)
        num = s.el("doc_number")
        gap_pt = (s.line_pt("doc_number") - num.size_pt) / 2
        bdr = _set(pydocx.xml(p).get_or_add_pPr(), "pBdr", PPR_ORDER)
        bottom = OxmlElement("w:bottom")
        for k, v in {"val": "single", "sz": round(rh.rule_pt * 8), "color": s.colors.red.lstrip("#"),
                     "space": max(round(rh.rule_below_number_mm * PT_PER_MM - gap_pt), 0)}.items():
            bottom.set(qn(f"w:{k}"), str(v))
        bdr.append(bottom)

    def _borders(self, tblpr, sizes: dict[str, int]) -> None:
        """Table borders in eighths of a point; 0 means none."""
        borders = _set(tblpr, "tblBorders", TBLPR_ORDER)
        for edge, size in sizes.items():
            if size:
                _set(borders, edge, BORDER_ORDER, val="single", sz=size, space=0,
                     color=self.s.colors.text.lstrip("#"))
            else:
                _set(borders, edge, BORDER_ORDER, val="nil")

    def banji(self, b: Banji) -> None:
        """版记: a borderless-sides table floated to the foot of the type area on the last page.

        Rules as wide as the 版心: thick first and last, thin between; 左右各空一字.
        """
        s = self.s
        el = s.el("banji")
        side = _twips(s.banji.side_indent_chars * el.size_pt)
        width = _mm_twips(s.type_area_mm[0])
        thick = max(round(s.banji.thick_rule_mm * PT_PER_MM * 8), 2)
        thin = max(round(s.banji.thin_rule_mm * PT_PER_MM * 8), 2)
        rows = ([(b.cc, "")] if b.cc else []) + [(b.issuer, b.date)]
        table = self.doc.add_table(rows=len(rows), cols=2)
        tblpr = pydocx.xml(table).tblPr
        # Placed absolutely on its page so the last rule lies on the foot of the 版心 (7.4.1):
        # rows of one grid line each, exact height.
        row_twips = _twips(s.line_pt("banji"))
        top = _mm_twips(s.page.height_mm - s.margins_mm.bottom) - row_twips * len(rows)
        _set(tblpr, "tblpPr", TBLPR_ORDER, leftFromText=0, rightFromText=0, topFromText=0, bottomFromText=0,
             vertAnchor="page", horzAnchor="margin", tblpXSpec="center", tblpY=top)
        _set(tblpr, "tblW", TBLPR_ORDER, w=width, type="dxa")
        _set(tblpr, "jc", TBLPR_ORDER, val="center")
        self._borders(tblpr, {"top": thick, "left": 0, "bottom": thick, "right": 0, "insideH": thin, "insideV": 0})
        _set(tblpr, "tblLayout", TBLPR_ORDER, type="fixed")
        mar = _set(tblpr, "tblCellMar", TBLPR_ORDER)
        for edge in ("left", "right"):
            _set(mar, edge, BORDER_ORDER, w=side, type="dxa")
        half = width // 2
        for col in table.columns:
            col.width = Emu(half * 635)
        for r, (left, right) in enumerate(rows):
            trpr = pydocx.xml(table.rows[r]).get_or_add_trPr()
            height = OxmlElement("w:trHeight")
            height.set(qn("w:val"), str(row_twips))
            height.set(qn("w:hRule"), "exact")
            trpr.append(height)
            cells = table.rows[r].cells
            target = cells[0].merge(cells[1]) if not right else cells[0]
            p = target.paragraphs[0]
            pydocx.set_paragraph_style(p, self._styles["banji"])
            self._run(p, left, "banji")
            if right:
                p2 = cells[1].paragraphs[0]
                pydocx.set_paragraph_style(p2, self._styles["banji"])
                self._run(p2, right, "banji")
                _set(pydocx.xml(p2).get_or_add_pPr(), "jc", PPR_ORDER, val="right")
        # A floating table is anchored to the paragraph after it; Word needs one there anyway.
        anchor = pydocx.add_paragraph(self.doc, self._styles["banji"])
        _set(pydocx.xml(anchor).get_or_add_pPr(), "spacing", PPR_ORDER, before=0, after=0, line=_twips(s.banji.anchor_line_pt), lineRule="exact")

    def document(self, items: list) -> None:
        """Each flow item as DOCX paragraphs and tables."""
        for item in items:
            if isinstance(item, Line):
                self.line(item)
            elif isinstance(item, Blank):
                self.blank(item.n)
            elif isinstance(item, TableItem):
                self.table(item.table)
            elif isinstance(item, ChartItem):
                self.chart(item.chart)
            elif isinstance(item, Break):
                self.page_break()
            elif isinstance(item, BanjiItem):
                self.banji(item.banji)
        body = self.doc.element.body
        sect = body.find(qn("w:sectPr"))
        body.remove(sect)
        body.append(sect)


    def draft_mark(self) -> None:
        """A draft says so at the top of every page (in the page-number face and size)."""
        sec = self.doc.sections[0]
        for header in (sec.header, sec.even_page_header):
            header.is_linked_to_previous = False
            p = header.paragraphs[0]
            pydocx.set_paragraph_style(p, self._styles["page_number"])
            _set(p._p.get_or_add_pPr(), "jc", PPR_ORDER, val="center")
            self._run(p, DRAFT_MARK, "page_number", mark=True)


def _set_settings_flag(settings_el, tag: str) -> None:
    if settings_el.find(qn(f"w:{tag}")) is None:
        settings_el.append(OxmlElement(f"w:{tag}"))


_THEME_ATTR = re.compile(rb'\s+w:(?:ascii|hAnsi|eastAsia|cs)Theme="[^"]*"', re.IGNORECASE)


@functools.lru_cache(maxsize=4)
def _without_theme_fonts(blob: bytes) -> bytes:
    return _THEME_ATTR.sub(b"", blob)   # the same template part every time: done once per process


def _drop_theme_fonts(document) -> None:
    """The template's stylesWithEffects.xml (read by Word 2010) also names theme fonts: drop them."""
    for part in document.part.package.iter_parts():
        if str(part.partname) == "/word/stylesWithEffects.xml":
            pydocx.set_part_blob(part, pydocx.recurring(_without_theme_fonts(part.blob)))


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RT_FONT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"


def escape(text: str) -> str:
    """``xml.sax.saxutils.escape``: & < > as entities (that module imports urllib.request, ssl …)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """``xml.sax.saxutils.quoteattr``: an attribute value with its quotes, the same characters."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' in text:
        return "'" + text + "'" if "'" not in text else '"' + text.replace('"', "&quot;") + '"'
    return '"' + text + '"'


def _font_table(document, style: Style, embedded) -> None:
    """word/fontTable.xml lists every face the document names — the official faces of the roles
    and the Latin face — with the alternate name, PANOSE, charset, family and pitch Word uses to
    pick a substitute; faces embedded in the package get ``w:embedRegular`` with their key."""
    part = next((p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    by_name = {e.official: e for e in embedded}
    entries = [(style.latin_font, style.latin_docx)]
    entries += [(role.official, role.docx) for role in style.fonts.values()]
    xml = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:w="{W_NS}" xmlns:r="{R_NS}">']
    seen = set()
    for n, (name, entry) in enumerate(entries, 1):
        if name in seen:
            continue
        seen.add(name)
        xml.append(f"<w:font w:name={quoteattr(name)}>")
        if entry.alt_name:
            xml.append(f"<w:altName w:val={quoteattr(entry.alt_name)}/>")
        xml.append(f'<w:panose1 w:val="{entry.panose}"/><w:charset w:val="{entry.charset}"/>'
                   f'<w:family w:val="{entry.family}"/><w:pitch w:val="{entry.pitch}"/>')
        emb = by_name.get(name)
        if emb is not None:
            rid = pydocx.add_related_part(part, f"/word/fonts/font{n}.odttf", docx_fonts.CONTENT_TYPE,
                                          emb.odttf, RT_FONT)
            xml.append(f'<w:embedRegular r:id="{rid}" w:fontKey="{emb.key}" w:subsetted="1"/>')
        xml.append("</w:font>")
    xml.append("</w:fonts>")
    pydocx.set_part_xml(part, "".join(xml).encode("utf-8"))


def _compatibility(settings_el, embedded: bool) -> None:
    """Word 2013+ layout (compatibilityMode 15: no 兼容模式 banner); keep embedded fonts on save."""
    for setting in settings_el.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")
    if embedded:
        # CT_Settings order: writeProtection, view, zoom, removePersonalInformation,
        # removeDateAndTime, doNotDisplayPageBoundaries, displayBackgroundShape, printPostScriptOverText,
        # printFractionalCharacterWidth, printFormsData, embedTrueTypeFonts, embedSystemFonts,
        # saveSubsetFonts, … — put ours after whatever precedes them.
        before = {"writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
                  "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
                  "printFractionalCharacterWidth", "printFormsData"}
        at = 0
        for i, child in enumerate(settings_el):
            if child.tag.split("}")[-1] in before:
                at = i + 1
        for tag in reversed(("embedTrueTypeFonts", "saveSubsetFonts")):
            if settings_el.find(qn(f"w:{tag}")) is None:
                settings_el.insert(at, OxmlElement(f"w:{tag}"))


def _app_properties(document, company: str) -> None:
    """docProps/app.xml: this application and version, the unit as company (not python-docx's
    "Microsoft Macintosh Word" template values)."""
    from .. import __version__

    part = next((p for p in document.part.package.iter_parts() if str(p.partname) == "/docProps/app.xml"), None)
    if part is None:
        return
    nums = [int(x) for x in re.findall(r"\d+", __version__)[:3]] + [0, 0, 0]
    app_version = f"{nums[0]}.{nums[1]:02d}{nums[2]:02d}"   # Word's XX.YYYY form: 0.1.0 → 0.0100
    pydocx.set_part_blob(part, (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<TotalTime>0</TotalTime><Application>reportgen</Application><DocSecurity>0</DocSecurity>"
        f"<ScaleCrop>false</ScaleCrop><Company>{escape(company)}</Company><LinksUpToDate>false</LinksUpToDate>"
        f"<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
        f"<AppVersion>{app_version}</AppVersion></Properties>").encode("utf-8"))


def write_docx(doc: Document, style: Style, date: _dt.date | None = None, items: list | None = None,
               review: bool = False, fonts=(), chart_font=None) -> bytes:
    """The DOCX of ``doc``; ``review=True`` gives the 核对稿, whose figures carry comments (批注)
    naming their cells and computation (the final copy has none, and is unchanged by this).
    ``fonts``: the subsets to embed (``docx_fonts.embeddings``); ``chart_font``: the face file
    charts are drawn with.  The dates of the properties are ``date`` (the document's 成文日期),
    never the clock."""
    w = _Writer.prepared(style, review, chart_font)
    stamp = _dt.datetime.combine(date or _dt.date(2000, 1, 1), _dt.time())
    w.stamp = stamp.replace(tzinfo=_dt.timezone.utc)
    w.document(items if items is not None else flow(doc, style))
    if doc.draft:
        w.draft_mark()
    w._add_punct_styles()
    fonts = list(fonts) if style.docx_embed_fonts else []
    _font_table(w.doc, style, fonts)
    _compatibility(w.doc.settings.element, bool(fonts))
    author = doc.author or (doc.signature.name if doc.signature else "")
    props = w.doc.core_properties
    props.title = ("【草稿】" if doc.draft else "") + doc.title
    props.author = props.last_modified_by = author
    props.comments = ""
    props.created = props.modified = stamp
    props.revision = 1
    props.language = "zh-CN"
    _app_properties(w.doc, author)
    _drop_theme_fonts(w.doc)
    return pydocx.package_bytes(w.doc)


def write(doc: Document, target, review: bool = False) -> bytes:
    """The registry's entry (``reportgen.write.WRITERS``); ``review=True``: the 核对稿, the same
    document with a comment on every traced figure."""
    from .flow import texts_by_role

    style = target.style
    items = flow(doc, style)
    embedded = []
    if style.docx_embed_fonts and target.fonts:
        texts = {role: "".join(t for _w, t in found) for role, found in texts_by_role(items, style).items()}
        embedded = docx_fonts.embeddings(style, target.fonts, texts, target.fonts_dir)
    chart = target.fonts.get(style.chart.font) if target.fonts else None
    return write_docx(doc, style, date=target.stamp, items=items, fonts=embedded, review=review,
                      chart_font=chart.face.path if chart and chart.face else None)
