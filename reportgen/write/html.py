"""The document model → HTML with the CSS generated from the style (for the PDF and the preview)."""

from __future__ import annotations

import functools
import re
from html import escape

from .fonts import Resolution, latin_face, system_bold_faces
from ..model import Chart, Document, Run, Table
from .flow import BanjiItem, Blank, Break, ChartItem, Line, TableItem, flow
from .style import PT_PER_MM, Style
from .layout import DRAFT_MARK, autospace_gaps, column_fractions

ELEMENT_CLASSES = {
    "title": ".title", "subtitle": ".subtitle", "recipient": ".recipient", "body": "p, .body",
    "heading1": "h1", "heading2": "h2", "heading3": "h3", "heading4": "h4",
    "signature": ".signature", "date": ".date", "note": ".note", "annex_label": ".annex-label",
    "annex_title": ".annex-title", "table_header": "th", "table_cell": "td", "table_caption": ".caption",
}


@functools.lru_cache(maxsize=1024)
def css_string(text: str) -> str:
    """A CSS string literal: quotes, backslashes and line breaks escaped (a workspace font's
    name comes from the font file, which the style schema does not see)."""
    out = []
    for ch in str(text):
        if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _family(res: Resolution, subsets: dict | None = None) -> str:
    if not res.face:
        return "serif"
    cut = (subsets or {}).get(res.face.family)
    # The pre-subset face first; Pango draws a character it lacks from the full face.
    return f"{css_string(cut[0])}, {css_string(res.face.family)}" if cut else css_string(res.face.family)


def css(style: Style, fonts: dict[str, Resolution], subsets: dict | None = None) -> str:
    """Every rule computed from the style definition; no layout number is written here.

    ``subsets`` (``font_cache.for_resolutions``, PDF only): full family → (family, files) of its
    faces cut to the common characters, named before the full family."""
    _fam = functools.partial(_family, subsets=subsets)
    m = style.margins_mm
    pn = style.elements["page_number"]
    pn_res = fonts[pn.font]
    pn_pad_mm = style.page_number_line_top_mm("pdf") - (style.page.height_mm - m.bottom)
    indent_pt = style.page_number.outer_indent_chars * pn.size_pt
    out = []
    for res in fonts.values():
        if res.face and res.face.workspace:
            out.append(f'@font-face {{ font-family: {css_string(res.face.family)}; src: url({css_string(res.face.path.as_uri())}); }}')
    # Digits and Latin letters (span.latin, html._text) in the Latin face, as the DOCX names it
    # for every style but the page number's: the first installed of latin_substitutes. A span
    # of no line height, so that the face's taller ascent and descent do not open the line.
    latin = latin_face(style)
    if latin:
        for weight, face in ((400, latin), (700, system_bold_faces().get(latin.family))):
            if face is not None:
                out.append(f"@font-face {{ font-family: {css_string(latin.family)}; src: url({css_string(face.path.as_uri())}); "
                           f"font-weight: {weight}; }}")
        # Bold where the DOCX makes it bold (b, bold headings), else regular: the 小标宋 title's
        # heavy Chinese stand-in is drawn at 700, but the DOCX's title digits are Times New Roman.
        bold = ["b .latin", "strong .latin"] + [f"{sel} .latin" for lv in range(1, 5) if style.heading_bold(lv)
                                                for sel in (f"h{lv}", f".runin{lv}")]
        out.append(f".latin {{ font-family: {css_string(latin.family)}; line-height: 0; font-weight: 400; }} "
                   f"{', '.join(bold)} {{ font-weight: 700; }}")
    for family, files in sorted((subsets or {}).values()):
        for path in files:
            out.append(f"@font-face {{ font-family: {css_string(family)}; src: url({css_string(path.as_uri())}); }}")
    pn_box = (f'content: "{style.page_number.format.replace("{n}", chr(34) + " counter(page) " + chr(34))}"; '
              f"font-family: {_fam(pn_res)}; font-size: {pn.size_pt}pt; line-height: {pn.size_pt}pt; "
              f"letter-spacing: 0; vertical-align: top; padding-top: {pn_pad_mm:.3f}mm;")
    out.append(f"@page {{ size: {style.page.width_mm}mm {style.page.height_mm}mm; "
               f"margin: {m.top}mm {m.right}mm {m.bottom}mm {m.left}mm; }}")
    out.append(f"@page :right {{ @bottom-right {{ {pn_box} text-align: right; padding-right: {indent_pt}pt; }} }}")
    out.append(f"@page :left {{ @bottom-left {{ {pn_box} text-align: left; padding-left: {indent_pt}pt; }} }}")
    if style.mirror_margins:
        out.append(f"@page :left {{ margin-left: {m.right}mm; margin-right: {m.left}mm; }}")
    body = style.elements["body"]
    out.append(f"html {{ color: {style.colors.text}; }}")
    out.append(f"body {{ margin: 0; font-family: {_fam(fonts[body.font])}; font-size: {body.size_pt}pt; "
               f"line-height: {style.line_pt('body')}pt; letter-spacing: {style.tracking('body')}pt; "
               "font-kerning: none; font-variant-east-asian: normal; }")
    out.append("p, h1, h2, h3, h4, div { margin: 0; padding: 0; orphans: 1; widows: 1; }")
    out.append("h1, h2, h3, h4 { break-after: avoid; }")
    for name, selector in ELEMENT_CLASSES.items():
        e = style.elements[name]
        res = fonts[e.font]
        bold = name.startswith("heading") and style.heading_bold(int(name[-1]))
        weight = style.bold_weight if bold else res.weight
        out.append(
            f"{selector} {{ font-family: {_fam(res)}; font-size: {e.size_pt}pt; font-weight: {weight}; "
            f"line-height: {style.line_pt(name)}pt; letter-spacing: {style.tracking(name)}pt; "
            f"text-align: {e.align}; text-indent: {e.first_line_chars}em; }}")
    for level in range(1, 5):     # run-in headings: the face of their level inside a body paragraph
        e = style.elements[f"heading{level}"]
        weight = 700 if style.heading_bold(level) else fonts[e.font].weight
        out.append(f".runin{level} {{ font-family: {_fam(fonts[e.font])}; font-weight: {weight}; }}")
    out.append(".chart { text-indent: 0; text-align: center; line-height: normal; } "
               ".chart-block { break-inside: avoid; }")
    out.append(".blank { height: %spt; }" % style.grid.line_pt)
    out.append(".annex-label { break-before: page; }")
    out.append(".pagebreak { break-before: page; height: 0; }")
    t = style.table
    out.append("table { border-collapse: collapse; width: 100%; margin: 0; table-layout: fixed; }")
    out.append(f"th, td {{ border: {t.border_pt}pt solid {style.colors.text}; padding: {t.cell_padding_pt}pt; "
               "vertical-align: middle; }")
    out.append("thead { display: table-header-group; } tr { break-inside: avoid; }")
    # A cell's alignment as a class, not a style attribute: WeasyPrint parses every style
    # attribute on its own (≈0.1 ms a cell), a class rule once per stylesheet.
    out.append(" ".join(f"td.a-{a}, th.a-{a} {{ text-align: {a}; }}" for a in ("left", "center", "right")))
    out.append(f"b, strong {{ font-weight: {style.bold_weight}; }} i, em {{ font-style: normal; }}")
    if style.autospace_em:
        # The Chinese–Western spacing, after the character before a gap. That character keeps no
        # letter spacing: LibreOffice ends a text portion at each change of script, and the last
        # character of a portion gets no character spacing there (measured: 年|2023 is 3.2 pt of
        # kern + 0.25 pt of 3号 tracking wider than 年年).
        out.append(f".as {{ margin-right: {style.autospace_em}em; letter-spacing: 0; }}")
        # A gap at either end of a Latin run is a margin of its span.latin (html._text): right
        # (.as) or left (.asl). The character before the gap keeps the letter spacing of its text
        # and the margin is that much wider: the same advance as a character of no letter
        # spacing followed by the spacing. A left margin that starts a line is dropped there
        # (weasyprint_justify), as the spacing of a span.as that ends one.
        rules = [("body", "body")] + [(sel.strip(), name) for name, sels in ELEMENT_CLASSES.items()
                                      for sel in sels.split(",")] + [(".red-mark", None), (".banji", None)]
        for sel, name in rules:
            tracking = style.tracking(name) if name else 0.0
            margin = (f"calc({style.autospace_em}em {'+' if tracking < 0 else '-'} {abs(tracking)}pt)" if tracking
                      else f"{style.autospace_em}em")
            out.append(f"{sel} .latin.as {{ margin-right: {margin}; letter-spacing: inherit; }} "
                       f"{sel} .latin.asl {{ margin-left: {margin}; }}")
    # 版头: 发文机关标志 in red 35 mm below the 版心 top, 发文字号, the red rule 4 mm below it.
    rh = style.red_header
    mark = style.elements["red_mark"]
    out.append(f".red-mark {{ font-family: {_fam(fonts[mark.font])}; font-weight: {fonts[mark.font].weight}; "
               f"color: {style.colors.red}; text-align: center; text-indent: 0; letter-spacing: 0; "
               f"margin-top: {rh.mark_top_below_type_area_mm}mm; }}")
    num = style.elements["doc_number"]
    gap_mm = (style.line_pt("doc_number") - num.size_pt) / 2 / PT_PER_MM
    out.append(f".doc-number {{ font-family: {_fam(fonts[num.font])}; text-align: center; text-indent: 0; "
               f"padding-bottom: {max(rh.rule_below_number_mm - gap_mm, 0):.3f}mm; "
               f"border-bottom: {rh.rule_pt}pt solid {style.colors.red}; }}")
    # 版记 as a footnote-area float: it lands at the foot of the last page.
    bj = style.elements["banji"]
    bs = style.banji
    out.append("@page { @footnote { margin: 0; padding: 0; border: none; } }")
    out.append(f".banji {{ float: footnote; font-family: {_fam(fonts[bj.font])}; font-size: {bj.size_pt}pt; "
               f"line-height: {style.line_pt('banji')}pt; text-indent: 0; letter-spacing: 0; }}")
    out.append(".banji::footnote-call { content: none; font-size: 0; line-height: 0; } "
               ".banji::footnote-marker { content: none; }")
    out.append(f".banji table {{ width: 100%; border-collapse: collapse; }} "
               f".banji td {{ border: none; padding: 0 {bs.side_indent_chars}em; vertical-align: top; "
               f"font-size: {bj.size_pt}pt; line-height: {style.line_pt('banji')}pt; font-family: inherit; }}")
    out.append(f".banji tr {{ border-top: {bs.thin_rule_mm}mm solid {style.colors.text}; }} "
               f".banji tr:first-child {{ border-top: {bs.thick_rule_mm}mm solid {style.colors.text}; }} "
               f".banji tr:last-child {{ border-bottom: {bs.thick_rule_mm}mm solid {style.colors.text}; }}")
    return "\n".join(out)


# Pango follows UAX #14, where “ ” ‘ ’ are ambiguous quotes (class QU) with no break on either
# side; in Chinese “ opens and ” closes. A zero-width space gives the break a Chinese typesetter
# allows — before an opening quote, after a closing one — unless that would put closing
# punctuation at a line start or opening punctuation at a line end. It is not in the PDF text.
_OPENING = "“‘（《〈【〔「『"
_CLOSING = "”’）》〉】〕」』，。、；：？！…—"
_ZWSP = "\u200b"


_QUOTES = re.compile("[“‘”’]")


def cjk_breaks(text: str) -> str:
    out = []
    at = 0
    for m in _QUOTES.finditer(text):      # only the quotes get a break; the text between is copied
        i = m.start()
        ch = text[i]
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        out.append(text[at:i])
        if ch in "“‘" and prev and prev not in _OPENING and prev != _ZWSP:
            out.append(_ZWSP)
        out.append(ch)
        if ch in "”’" and nxt and nxt not in _CLOSING and nxt not in "“‘":
            out.append(_ZWSP)
        at = i + 1
    if not at:
        return text
    out.append(text[at:])
    return "".join(out)


_ASCII = re.compile(r"([\x21-\x7e]+)")


def _first(runs: list[Run]) -> str:
    return next((r.text[:1] for r in runs if r.text), "")


def _text(text: str, style: Style, after: str = "", breaks: bool = True) -> str:
    """``text`` as HTML: escaped, with the Chinese break opportunities of ``cjk_breaks``; when the
    style asks for it (``autospace_em``), each character before a Chinese–Western gap
    (``layout.autospace_gaps``; ``after`` is the character that follows the text, e.g. the next
    run's first) in a ``span.as`` whose right margin is the spacing — a margin, not a space
    character, so the text stays as written (search, copy, text extraction); runs of printable
    ASCII in a ``span.latin`` (the Latin face, css) when that face is installed."""
    t = cjk_breaks(text) if breaks else text
    gaps = set(autospace_gaps(t + after[:1])) if style.autospace_em > 0 else set()
    latin = latin_face(style) is not None
    if not gaps and not (latin and _ASCII.search(t)):
        return escape(t)
    out = []
    pieces = _ASCII.split(t) if latin else [t]
    starts = [sum(map(len, pieces[:k])) for k in range(len(pieces))]
    # The gaps at a Latin run's ends are margins of its span.latin (css: .latin.asl / .latin.as):
    # one inline box a run instead of one more for each character before a gap.
    own = {starts[k] + len(p) for k, p in enumerate(pieces) if k % 2 and p}
    own |= {starts[k] for k, p in enumerate(pieces) if k % 2 and p}
    for k, piece in enumerate(pieces):
        pos = starts[k]
        # the characters before a gap (not at a Latin run's end) in span.as; the rest escaped whole
        before_gap = sorted(g - 1 - pos for g in gaps if pos < g <= pos + len(piece) and g not in own)
        parts, at = [], 0
        for i in before_gap:
            parts.append(escape(piece[at:i]))
            parts.append(f'<span class="as">{escape(piece[i])}</span>')
            at = i + 1
        parts.append(escape(piece[at:]))
        html = "".join(parts)
        if k % 2 and piece:
            cls = "latin" + (" asl" if pos in gaps else "") + (" as" if pos + len(piece) in gaps else "")
            html = f'<span class="{cls}">{html}</span>'
        out.append(html)
    return "".join(out)


def _runs(runs: list[Run], style: Style, after: str = "") -> str:
    out = []
    for i, r in enumerate(runs):
        nxt = _first(runs[i + 1:]) or after[:1]
        t = _text(r.text, style, nxt)
        if r.bold:
            t = f"<b>{t}</b>"
        if r.mark:      # a draft's missing figure: 【待填：…】 highlighted
            t = f'<mark class="pending">{t}</mark>'
        out.append(t)
    return "".join(out)


def _table(t: Table, style: Style) -> str:
    rows = []
    for i, row in enumerate(t.rows):
        tag = "th" if i < t.header_rows else "td"
        cells = []
        for c in row:
            span = (f' colspan="{c.colspan}"' if c.colspan > 1 else "") + (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "")
            cells.append(f'<{tag}{span} class="a-{c.align}">{_runs(c.runs, style)}</{tag}>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head, body = rows[: t.header_rows], rows[t.header_rows:]
    caption = f'<p class="caption">{_text(t.caption, style, breaks=False)}</p>' if t.caption else ""
    cols = "".join(f'<col style="width:{f * 100:.3f}%">' for f in column_fractions(t, style.table_capacity_chars(), style.table.max_column_chars))
    return f"{caption}<table><colgroup>{cols}</colgroup><thead>{''.join(head)}</thead><tbody>{''.join(body)}</tbody></table>"


def _measure(style: Style, fonts: dict[str, Resolution], element: str):
    """Width of a text in characters of ``element``, measured in the face the PDF uses."""
    from .fonts import text_width_em

    e = style.elements[element]
    face = fonts[e.font].face
    cell = style.char_pt(element)
    tracking = style.tracking(element)
    if face is None:
        from .layout import autospace_chars, char_units

        return lambda text: char_units(text) + autospace_chars(style, text)
    # A gap: the spacing, and the character before it keeps no letter spacing (css: .as).
    gap = style.autospace_em * e.size_pt - tracking if style.autospace_em else 0.0
    latin = latin_face(style)

    def em(text: str) -> float:
        if latin is None:
            return text_width_em(face, text)
        ascii_ = "".join(_ASCII.findall(text))
        return text_width_em(latin, ascii_) + text_width_em(face, _ASCII.sub("", text))

    return lambda text: (em(text) * e.size_pt + tracking * len(text) + gap * len(autospace_gaps(text))) / cell


ELEMENT_TAGS = {"title": ("p", "title"), "subtitle": ("p", "subtitle"), "recipient": ("p", "recipient"),
                "body": ("p", ""), "heading1": ("h1", ""), "heading2": ("h2", ""), "heading3": ("h3", ""),
                "heading4": ("h4", ""), "signature": ("p", "signature"), "date": ("p", "date"),
                "note": ("p", "note"), "annex_label": ("p", "annex-label"), "annex_title": ("p", "annex-title"),
                "red_mark": ("p", "red-mark"), "doc_number": ("p", "doc-number")}


def _line(item: Line, style: Style) -> str:
    tag, cls = ELEMENT_TAGS[item.element]
    attrs = f' class="{cls}"' if cls else ""
    css_ = []
    if item.size_pt is not None:
        css_.append(f"font-size:{item.size_pt}pt; line-height:{item.size_pt}pt")
    if item.right_chars is not None:
        css_.append(f"padding-right:{item.right_chars * style.char_pt(item.element):.2f}pt")
    if css_:
        attrs += f' style="{"; ".join(css_)}"'
    first = _first(item.runs) if item.runs is not None else item.text[:1]
    inner = _text(item.lead, style, first, breaks=False)
    inner += _text(item.text, style, breaks=False) if item.runs is None else _runs(item.runs, style)
    if item.head is not None:       # a run-in heading, in its level's face
        after = (item.lead or first)[:1]
        inner = (f'<span class="runin{item.head.level}">'
                 f'{_text(item.head.number, style, _first(item.head.runs) or after, breaks=False)}'
                 f'{_runs(item.head.runs, style, after)}</span>' + inner)
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _banji(b, style: Style) -> str:
    rows = []
    if b.cc:
        rows.append(f'<tr><td colspan="2">{_text(b.cc, style, breaks=False)}</td></tr>')
    rows.append(f'<tr><td>{_text(b.issuer, style, breaks=False)}</td>'
                f'<td style="text-align:right">{_text(b.date, style, breaks=False)}</td></tr>')
    return f'<div class="banji"><table>{"".join(rows)}</table></div>'


def _chart(c: Chart, style: Style, fonts: dict[str, Resolution] | None) -> str:
    """A chart as an SVG image (vector graphics in the PDF), its caption above it."""
    import base64

    from .chart import size_mm, svg

    res = (fonts or {}).get(style.chart.font)
    data = base64.b64encode(svg(c, style, res.face.path if res and res.face else None)).decode("ascii")
    w, h = size_mm(c, style)
    caption = f'<p class="caption">{_text(c.caption, style, breaks=False)}</p>' if c.caption else ""
    return (f'<div class="chart-block">{caption}<p class="chart"><img alt="{escape(c.caption)}" '
            f'style="width:{w:.2f}mm; height:{h:.2f}mm" src="data:image/svg+xml;base64,{data}"></p></div>')


def body_html(items: list, style: Style, fonts: dict | None = None) -> list[str]:
    """Each flow item as HTML."""
    out: list[str] = []
    for item in items:
        if isinstance(item, Line):
            out.append(_line(item, style))
        elif isinstance(item, Blank):
            out += ['<div class="blank"></div>'] * item.n
        elif isinstance(item, TableItem):
            out.append(_table(item.table, style))
        elif isinstance(item, ChartItem):
            out.append(_chart(item.chart, style, fonts))
        elif isinstance(item, Break):
            out.append('<div class="pagebreak"></div>')
        elif isinstance(item, BanjiItem):
            out.append(_banji(item.banji, style))
    return out


def html(doc: Document, style: Style, fonts: dict[str, Resolution], items: list | None = None,
         subsets: dict | None = None) -> str:
    if items is None:
        items = flow(doc, style, _measure(style, fonts, "signature"))
    body = body_html(items, style, fonts)
    rules = css(style, fonts, subsets)
    title = doc.title
    if doc.draft:   # every page of a draft says so, in the page number's face and size
        pn = style.elements["page_number"]
        rules += (f'\n@page {{ @top-center {{ content: "{DRAFT_MARK}"; font-family: {_family(fonts[pn.font], subsets)}; '
                  f"font-size: {pn.size_pt}pt; background: yellow; }} }}\nmark.pending {{ background: yellow; }}")
        title = "【草稿】" + title
    return ("<!DOCTYPE html>\n"
            f'<html lang="{doc.lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>\n{rules}\n</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n")
