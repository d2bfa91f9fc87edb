"""The one layout flow: a document model → the sequence of laid-out elements every writer draws.

The order of a 公文 (版头 → 标题 → 主送机关 → 正文 → 署名/成文日期 → 附注 → 附件 → 版记), the
blank lines between its parts, which style element each block is set in, and where pages break
are decided here once. The DOCX and HTML/PDF writers only translate each flow item into their
format, and the font-coverage check reads the same items, so the writers cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Union

from ..core.i18n import _
from ..model import Banji, Chart, Document, Heading, PageBreak, Paragraph, Run, Span, Table
from .layout import autospace_chars, balance_title, char_units, mark_size_pt, signature_indents
from .style import Style


@dataclass
class Line:
    """One paragraph set in the style element ``element``.

    ``text`` is plain text (titles, signature, labels: set as is); ``runs`` is running text
    (bold runs, and the typographic breaks a writer may add). ``lead`` is a generated heading
    number or 一是 lead-in, set before the runs in the same element.
    """

    element: str
    text: str = ""
    runs: list[Run] | None = None
    lead: str = ""
    where: str = ""                     # how messages name this line (coverage check)
    right_chars: float | None = None    # right indent in characters (署名, 成文日期)
    size_pt: float | None = None        # a size other than the element's (发文机关标志)
    page_break_before: bool = False     # 附件 starts a page
    keep_next: bool = False             # headings stay with what follows
    spans: list = field(default_factory=list)   # where the figures of ``runs`` come from (model.Span)
    head: Heading | None = None         # a run-in heading opening the paragraph, set in its level's face

    @property
    def content(self) -> str:
        return self.lead + (self.text if self.runs is None else "".join(r.text for r in self.runs))


@dataclass
class ChartItem:
    """A chart (vector in the PDF, a picture in the DOCX), with its caption above it."""

    chart: Chart


@dataclass
class Blank:
    """``n`` empty lines of the body grid."""

    n: int


@dataclass
class TableItem:
    table: Table
    where: list[str] = field(default_factory=list)   # per row, for messages


@dataclass
class Break:
    """A page break the text asked for."""


@dataclass
class BanjiItem:
    """版记 at the foot of the last page."""

    banji: Banji


Item = Union[Line, Blank, TableItem, Break, BanjiItem, ChartItem]

Width = Callable[[str], float]


def _blocks(blocks, start: int, after_table: int) -> Iterator[Item]:
    for i, b in enumerate(blocks, start):
        if isinstance(b, Heading):
            yield Line(f"heading{b.level}", runs=b.runs, lead=b.number, keep_next=True, spans=b.spans,
                       where=_("标题“{text}”").format(text=b.text[:12]))
        elif isinstance(b, Paragraph):
            yield Line("recipient" if b.role == "flush" else "body", runs=b.runs, lead=b.lead, spans=b.spans,
                       head=b.head, where=_("第{n}段“{text}…”").format(n=i, text=b.text[:12]))
        elif isinstance(b, Table):
            yield TableItem(b, [_("表格第{row}行").format(row=r + 1) for r in range(len(b.rows))])
            yield Blank(after_table)        # never set the next heading or paragraph on the table
        elif isinstance(b, Chart):
            yield ChartItem(b)
            yield Blank(after_table)
        elif isinstance(b, PageBreak):
            yield Break()


def _part_spans(lines: list[str], spans: list[list[Span]], parts: list[str]) -> list[list[Span]]:
    """The figure spans of title ``lines`` moved onto the lines they are set in (``parts``, the
    same text broken to fit); none when the parts do not hold the same text."""
    if "".join(parts) != "".join(lines):
        return [[] for _p in parts]
    found, off = [], 0
    for i, line in enumerate(lines):
        found += [(s.start + off, s.end + off, s.source) for s in (spans[i] if i < len(spans) else [])
                  if s.source.kind == "figure"]
        off += len(line)
    out, off = [], 0
    for part in parts:
        a, b = off, off + len(part)
        out.append([Span(max(x, a) - a, min(y, b) - a, src) for x, y, src in found if x < b and y > a])
        off = b
    return out


def flow(doc: Document, style: Style, width: Width = char_units) -> list[Item]:
    """The laid-out elements of ``doc`` in page order.

    ``width`` measures a text in characters of the signature's element: half-width digits count
    ½ by default (Times New Roman in the DOCX) and each Chinese–Western gap ``autospace_em``;
    the PDF writer passes widths measured in its face, gaps included.
    """
    s = style
    out: list[Item] = []
    if doc.header:
        rh = s.red_header
        out.append(Line("red_mark", doc.header.mark, size_pt=mark_size_pt(s, doc.header.mark), where=_("发文机关标志")))
        out.append(Blank(rh.blank_lines_after_mark))
        if doc.header.number:
            out.append(Line("doc_number", doc.header.number, where=_("发文字号")))
        out.append(Blank(rh.blank_lines_before_title))
    titles = balance_title(doc.title_lines, s)[0]
    out += [Line("title", line, where=_("标题"), spans=sp)
            for line, sp in zip(titles, _part_spans(doc.title_lines, doc.title_spans, titles))]
    out += [Line("subtitle", line, where=_("副标题"), spans=sp)
            for line, sp in zip(doc.subtitle_lines, _part_spans(doc.subtitle_lines, doc.subtitle_spans,
                                                                 doc.subtitle_lines))]
    out.append(Blank(s.blank_lines.after_title))
    if doc.recipient:
        out.append(Line("recipient", doc.recipient, where=_("主送机关")))
    out += _blocks(doc.blocks, 1, s.blank_lines.after_table)
    if doc.signature:
        measure = width if width is not char_units else (lambda t: char_units(t) + autospace_chars(s, t))
        r_sig, r_date = signature_indents(s, doc.signature.name, doc.signature.date, measure)
        out.append(Blank(s.blank_lines.before_signature))
        out.append(Line("signature", doc.signature.name, right_chars=r_sig, where=_("署名"), spans=doc.signature.spans))
        out.append(Line("date", doc.signature.date, right_chars=r_date, where=_("成文日期")))
    if doc.note:
        out.append(Line("note", f"（{doc.note}）", where=_("附注")))
    start = len(doc.blocks) + 1
    for att in doc.attachments:
        out.append(Line("annex_label", att.label, page_break_before=True, where=att.label))
        out.append(Blank(s.blank_lines.after_annex_label))
        parts = balance_title([att.title], s, "annex_title")[0]
        out += [Line("annex_title", line, where=_("{label}标题").format(label=att.label), spans=sp)
                for line, sp in zip(parts, _part_spans([att.title], [att.title_spans], parts))]
        out.append(Blank(s.blank_lines.after_title))
        out += _blocks(att.blocks, start, s.blank_lines.after_table)
        start += len(att.blocks)
    if doc.banji:
        out.append(BanjiItem(doc.banji))
    return out


def texts_by_role(items: list[Item], style: Style) -> dict[str, list[tuple[str, str]]]:
    """Each font role → (where, text) of everything the flow sets in it (the coverage check)."""
    roles: dict[str, list[tuple[str, str]]] = {r: [] for r in style.fonts}
    el = style.elements

    def add(element: str, where: str, text: str) -> None:
        roles[el[element].font].append((where, text))

    for item in items:
        if isinstance(item, Line):
            add(item.element, item.where, item.content)
            if item.head is not None:
                add(f"heading{item.head.level}", item.where, item.head.text)
        elif isinstance(item, ChartItem):
            if item.chart.caption:
                add("table_caption", _("图题"), item.chart.caption)
        elif isinstance(item, TableItem):
            t = item.table
            if t.caption:
                add("table_caption", _("表题"), t.caption)
            for r, row in enumerate(t.rows):
                for c in row:
                    add("table_header" if r < t.header_rows else "table_cell",
                        _("表格第{row}行“{text}”").format(row=r + 1, text=c.text[:8]), c.text)
        elif isinstance(item, BanjiItem):
            b = item.banji
            for text in (b.cc, b.issuer, b.date):
                if text:
                    add("banji", _("版记"), text)
    add("page_number", _("页码"), style.page_number.format.replace("{n}", "0123456789"))
    return roles
