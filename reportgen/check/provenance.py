"""Where each figure of a document comes from, and which numbers come from nowhere.

:func:`figures` lists every traced figure of a :class:`~reportgen.model.Document` in reading
order (the sources table, ``reportgen explain`` and the review copy use it); :func:`untraced`
lists the numbers of the running text and tables that are neither a traced figure nor fixed
wording — a number typed into report.yaml shows up here.

Fixed wording: years (2023年、2021年度、〔2024〕), dates (1月31日), ordinals (第一 is words;
序号 columns, ``1.`` at the start of a paragraph, 附件1), and names in quotation marks or
book-title marks (“315”科技创新体系、《……80条》), which are names, not figures. Also, by the
class of wording, never by the number: anniversaries (建党100周年), the period a figure covers
(近5年、前3个月、过去10年 — not 提前2个月), the name of a top-N list (高校孵化器10强、城市30强、500强) and a
version written after a name (大孵化集群2.0、工业4.0 — an integer with “.0” directly after a
name, not after a verb of quantity such as 为、达、增长, and not followed by a unit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Cell, Document, Heading, Paragraph, Source, Table

_NUMBER = re.compile(r"\d+(?:\.\d+)?(?![\dA-Za-z])")   # 5G, 3D are names
_YEAR = re.compile(r"(?:19|20)\d\d(?=年|〔|〕|－|-|—|~|～|至|/|\Z)|(?<=〔)(?:19|20)\d\d(?=〕)")
_DATE = re.compile(r"\d{1,2}(?=月)|(?<=月)\d{1,2}(?=日)")
_LEADING_ORDINAL = re.compile(r"^\s*(?:附件：?)?\d{1,2}(?=[.．、])")
_QUOTED = re.compile(r"“[^”]*”|《[^》]*》|「[^」]*」|‘[^’]*’|\"[^\"]*\"")
_ANNIVERSARY = re.compile(r"\d+(?=周年)")
_PERIOD = re.compile(r"(?:(?<=近)|(?<=(?<!提)前)|(?<=过去))\d+(?=个?(?:年|月|天|日|周|季度)(?!\d))")
_TOP_LIST = re.compile(r"(?<![\d.])\d+(?=强)")
#: words after which a number is a quantity (规模达2.0、大于2.0、均值2.0), so not a version
_QUANTITY_WORDS = "为达到至超约近逾增长降升提高低减比占是了共计合余及和与或于多少均值率额量数、，；："
#: characters that make “2.0” a measured value (2.0亿元、2.0%、2.0倍)
_UNIT_START = "%％‰倍个万亿千百元件家项人名位次年月日天米吨度分秒克斤亩户座所套台条"
_VERSION = re.compile(r"(?<=[A-Za-z\u4e00-\u9fff])(?<![%s])\d{1,2}\.0(?![\d.%s])" % (_QUANTITY_WORDS, _UNIT_START))
ORDINAL_HEADERS = ("序号", "编号")


@dataclass(frozen=True)
class Place:
    """Where in the document a text sits: 正文第3段, 附件1 表格第2行第3列."""

    label: str
    text: str          # the whole paragraph, heading or cell
    header: str = ""   # for a cell: its column's header


@dataclass(frozen=True)
class Figure:
    """One printed figure: its text as printed, where it is, and its source."""

    text: str
    place: Place
    start: int
    source: Source

    @property
    def context(self) -> str:
        """A few characters either side, for a reader to find it: …增速21.9%（全省…"""
        t = self.place.text
        a, b = max(0, self.start - 12), min(len(t), self.start + len(self.text) + 12)
        return ("…" if a else "") + t[a:b] + ("…" if b < len(t) else "")


@dataclass(frozen=True)
class Untraced:
    text: str
    place: Place
    start: int
    narrative: str = ""    # the report.yaml line that wrote it, when it is in a narrative text

    @property
    def context(self) -> str:
        t = self.place.text
        a, b = max(0, self.start - 12), min(len(t), self.start + len(self.text) + 12)
        return ("…" if a else "") + t[a:b] + ("…" if b < len(t) else "")


def _inline(doc: Document):
    """(place, spans, block) of every title and subtitle line, paragraph, heading, cell, the
    署名 and 成文日期 and every attachment's title, in reading order (block: None for the lines
    that are not blocks)."""
    def blocks(items, where: str):
        n = 0
        t = 0
        for b in items:
            if isinstance(b, (Paragraph, Heading)):
                n += 1
                text = "".join(r.text for r in b.runs)
                label = f"{where}标题“{b.number}”" if isinstance(b, Heading) else f"{where}第{n}段"
                yield Place(label, text), b.spans, b
            elif isinstance(b, Table):
                t += 1
                header = b.rows[0] if b.rows else []
                heads = []
                for c in header:
                    heads.extend([c.text.strip()] * c.colspan)
                for r, row in enumerate(b.rows, 1):
                    col = 0
                    for c in row:
                        text = "".join(x.text for x in c.runs)
                        head = heads[col] if col < len(heads) and r > b.header_rows else ""
                        yield Place(f"{where}表{t}第{r}行第{col + 1}列", text, head), c.spans, c
                        col += c.colspan

    def lines(texts, spans, label):
        for i, text in enumerate(texts):
            yield Place(label if len(texts) == 1 else f"{label}第{i + 1}行", text), \
                (spans[i] if i < len(spans) else []), None

    yield from lines(doc.title_lines, doc.title_spans, "标题")
    yield from lines(doc.subtitle_lines, doc.subtitle_spans, "副标题")
    yield from blocks(doc.blocks, "正文")
    if doc.signature:
        yield Place("署名", doc.signature.name), doc.signature.spans, None
        yield Place("成文日期", doc.signature.date), [], None
    for att in doc.attachments:
        yield Place(f"{att.label}标题", att.title), att.title_spans, None
        yield from blocks(att.blocks, f"{att.label}")


def figures(doc: Document) -> list[Figure]:
    """Every traced figure, in reading order."""
    return [e for e in entries(doc) if isinstance(e, Figure)]


def untraced(doc: Document) -> list[Untraced]:
    """Numbers of the running text and tables that no figure span covers and that are not fixed
    wording (header rows of tables, which name years and units, are not checked)."""
    return [e for e in entries(doc) if isinstance(e, Untraced)]


def entries(doc: Document) -> list[Figure | Untraced]:
    """Figures and untraced numbers as a reader meets them."""
    out: list[Figure | Untraced] = []
    for place, spans, block in _inline(doc):
        figs = [s for s in spans if s.source.kind == "figure"]
        here: list[Figure | Untraced] = [Figure(place.text[s.start:s.end], place, s.start, s.source) for s in figs]
        header_row = isinstance(block, Cell) and not place.header and "第1行" in place.label
        for m in ([] if header_row else _NUMBER.finditer(place.text)):
            if any(s.start <= m.start() and m.end() <= s.end for s in figs) or _fixed(place, m):
                continue
            narrative = next((s.source.printed_by for s in spans
                              if s.source.kind == "narrative" and s.start <= m.start() < s.end), "")
            here.append(Untraced(m.group(), place, m.start(), narrative))
        out.extend(sorted(here, key=lambda e: e.start))
    return out


def _fixed(place: Place, m: re.Match) -> bool:
    text, a, b = place.text, m.start(), m.end()
    for pattern in (_YEAR, _DATE, _ANNIVERSARY, _PERIOD, _TOP_LIST, _VERSION):
        if any(x.start() <= a and b <= x.end() for x in pattern.finditer(text)):
            return True
    if any(q.start() < a and b < q.end() for q in _QUOTED.finditer(text)):
        return True
    lead = _LEADING_ORDINAL.match(text)
    if lead and lead.end() >= b:
        return True
    if place.header in ORDINAL_HEADERS and text.strip() == m.group():
        return True
    return False


_NARRATIVE_AT = re.compile(r"^(?P<file>.+?):(?P<line>\d+)(?:（.*）)?$")


def typed_at(e: Untraced, root) -> str:
    """``file:line`` of the report.yaml line an untraced number was typed on (``root`` is the
    workspace folder): the first line from the narrative text's own line on that holds the number
    with the characters printed around it; the narrative's first line when none does; "" for a
    number that no narrative wrote (typed into a template)."""
    m = _NARRATIVE_AT.match(e.narrative)
    if not m:
        return ""
    first = int(m["line"])
    try:
        lines = (root / m["file"]).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return f"{m['file']}:{first}"
    text = e.place.text
    before, after = _squash(text[max(0, e.start - 2):e.start]), _squash(text[e.start + len(e.text):][:2])
    for needle in (before + e.text + after, e.text + after, before + e.text, e.text):
        for n, line in enumerate(lines[first - 1:], first):
            if needle in _squash(line):
                return f"{m['file']}:{n}"
    return f"{m['file']}:{first}"


def _squash(text: str) -> str:
    return "".join(str(text).split())


def find(doc: Document, text: str) -> list[Figure | Untraced]:
    """The figures (and untraced numbers) of ``doc`` whose printed text contains ``text`` or is
    contained in it (``21.9``, ``21.9%`` and ``增速21.9%`` all find the figure 21.9%)."""
    want = _squash(text)
    if not want:
        return []
    return [e for e in entries(doc) if want in _squash(e.text) or (len(_squash(e.text)) > 1 and _squash(e.text) in want)]


def explain_lines(e: Figure | Untraced) -> list[str]:
    """What ``reportgen explain`` prints for one match (after the line naming the document)."""
    if isinstance(e, Figure):
        s = e.source
        name = f"（{s.name}）" if s.name and s.indicator else ""
        lines = [f"{e.place.label}：{e.context}",
                 f"  {e.text} ← {s.describe().replace(f'指标 {s.indicator}', f'指标 {s.indicator}{name}', 1)}"]
        if s.printed_by:
            lines.append(f"  写入：{s.printed_by}")
        return lines
    lines = [f"{e.place.label}：{e.context}", f"  {e.text} ← 未溯源：不来自数据表，是直接写在文字中的数字"]
    if e.narrative:
        lines.append(f"  写入：{e.narrative}")
    return lines
