"""The one document model both writers consume.

Parsing produces it from the rendered template source; the DOCX writer and the HTML/PDF
writer read it and nothing else. Numbers of headings and 一是/二是 lead-ins are already
resolved to text here, so both outputs carry the same characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Union


# -- provenance ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """Where one printed figure comes from.

    ``cells`` are (address, value as read) pairs such as (``data/2024/lucheng/indicators.xlsx
    指标!F3``, ``21.9``); ``computation`` says what was done with them (增速，保留1位; 完成率＝
    完成÷目标×100 …); ``printed_by`` the template or report.yaml line that printed it.
    ``kind`` is ``figure`` for a figure, ``narrative`` for a whole report.yaml text (which is
    not a figure: it tells a reviewer where hand-written words came from).
    """

    indicator: str = ""
    name: str = ""
    value: str = ""
    cells: tuple[tuple[str, str], ...] = ()
    computation: str = ""
    printed_by: str = ""
    kind: Literal["figure", "narrative"] = "figure"

    def describe(self) -> str:
        """One line for a reviewer: 指标 rd_growth：indicators.xlsx 指标!F3 = 21.9（增速，保留1位）."""
        cells = "；".join(f"{a} = {v}" if v != "" else a for a, v in self.cells)
        head = f"指标 {self.indicator}" if self.indicator else "计算"
        text = f"{head}：{cells}" if cells else head
        if self.computation:
            text += f"（{self.computation}）"
        return text


class Traced(str):
    """Text as printed (``21.9%``) carrying its :class:`Source`; behaves as ``str`` otherwise."""

    source: Source | None

    def __new__(cls, text="", source: Source | None = None):
        obj = super().__new__(cls, text)
        obj.source = source
        return obj

    def __reduce__(self):
        return (Traced, (str(self), self.source))


class TracedInt(int):
    """A number read from a cell (``ind.x.value``, ``ind.x.rank``) carrying its :class:`Source`."""

    source: Source | None

    def __new__(cls, value=0, source: Source | None = None):
        obj = super().__new__(cls, value)
        obj.source = source
        return obj

    def __reduce__(self):
        return (TracedInt, (int(self), self.source))


class TracedFloat(float):
    source: Source | None

    def __new__(cls, value=0.0, source: Source | None = None):
        obj = super().__new__(cls, value)
        obj.source = source
        return obj

    def __reduce__(self):
        return (TracedFloat, (float(self), self.source))


def traced(value, source: Source | None):
    """``value`` carrying ``source`` (None stays None; bools are not numbers here)."""
    if value is None or source is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return Traced(value, source)
    if isinstance(value, int):
        return TracedInt(value, source)
    if isinstance(value, float):
        return TracedFloat(value, source)
    return value


def copy_with(obj, **changes):
    """``dataclasses.replace`` for a frozen dataclass whose fields are all set by its ``__init__``
    (no ``__post_init__``): :class:`Source`, ``derive.figures.Figure`` — without replace's look
    at every field's definition (a few microseconds, a hundred times a document)."""
    return type(obj)(**{**obj.__dict__, **changes})


def source_of(value) -> Source | None:
    """The :class:`Source` a printed value carries, if any."""
    src = getattr(value, "source", None)
    return src if isinstance(src, Source) else None


#: Markers in the rendered source around a traced value: OPEN, the index in the render's list
#: of sources as digits U+E010…U+E019, SEP, the text as printed, CLOSE. They are private-use
#: characters: every value and every template or narrative text has them removed before it
#: reaches the source, so only the renderer can write them, and the parser removes them all.
MARK_OPEN, MARK_SEP, MARK_CLOSE = "\ue000", "\ue001", "\ue002"
MARK_DIGIT0 = 0xE010
MARK_CHARS = "".join(chr(c) for c in range(0xE000, 0xE020))
_MARK_TABLE = {ord(c): None for c in MARK_CHARS}


_MARK_RE = re.compile("[\ue000-\ue01f]")


def strip_marks(text: str) -> str:
    """``text`` without any provenance marker (for values, template and narrative text)."""
    if type(text) is str:   # found by a regular expression: a translation looks up every character
        return _MARK_RE.sub("", text) if _MARK_RE.search(text) else text
    return text.translate(_MARK_TABLE)     # (a str subclass: the type its translate gives)


_MARK_DIGITS = str.maketrans({str(d): chr(MARK_DIGIT0 + d) for d in range(10)})


def mark(index: int, text: str) -> str:
    return MARK_OPEN + str(index).translate(_MARK_DIGITS) + MARK_SEP + text + MARK_CLOSE


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` of a paragraph, heading or cell (lead-in and number excluded) came
    from ``source``."""

    start: int
    end: int
    source: Source


@dataclass
class Run:
    """A stretch of inline text with uniform formatting."""

    text: str
    bold: bool = False
    italic: bool = False
    mark: bool = False      # highlighted: a missing figure's 【待填】 in a draft


@dataclass
class Paragraph:
    """A body paragraph (3号仿宋, first line indented two characters).

    ``lead`` is the generated lead-in (``一是``), kept apart from ``runs`` so writers may
    style it; it is plain text in the output like everything else.
    """

    runs: list[Run]
    lead: str = ""
    role: Literal["body", "flush"] = "body"
    spans: list[Span] = field(default_factory=list, compare=False, repr=False)
    head: "Heading | None" = None   # a run-in heading (（一）标题。) opening the paragraph, in its level's face

    @property
    def text(self) -> str:
        return (self.head.text if self.head else "") + self.lead + "".join(r.text for r in self.runs)


@dataclass
class Heading:
    """A numbered heading; ``level`` 1..4 gives 一、（一）1.（1） and the face per level."""

    level: int
    number: str
    runs: list[Run]
    spans: list[Span] = field(default_factory=list, compare=False, repr=False)

    @property
    def text(self) -> str:
        return self.number + "".join(r.text for r in self.runs)


@dataclass
class Cell:
    runs: list[Run]
    colspan: int = 1
    rowspan: int = 1
    align: Literal["left", "center", "right"] = "left"
    spans: list[Span] = field(default_factory=list, compare=False, repr=False)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Table:
    """A table; ``header_rows`` rows repeat on every page. Cells covered by a span are omitted."""

    rows: list[list[Cell]]
    header_rows: int = 1
    caption: str = ""


@dataclass
class PageBreak:
    pass


@dataclass
class ChartRow:
    label: str
    value: float | None          # None: not measurable (drawn as “—”)
    status: str = ""             # 超前/正常/滞后 …, picks the bar's shade


@dataclass
class Chart:
    """A bar chart of values in percent against a reference line (序时进度), e.g. each indicator's
    progress towards its five-year target. The PDF draws it as vector graphics, the DOCX embeds
    a picture of it; both from these numbers."""

    caption: str
    rows: list[ChartRow]
    reference: float | None = None      # the vertical line, in percent
    reference_label: str = ""
    axis_label: str = ""


Block = Union[Paragraph, Heading, Table, PageBreak, Chart]


def pieces(runs: list[Run], spans: list[Span]) -> list[tuple[Run, Source | None]]:
    """``runs`` cut at the edges of the figure spans: (run, source of the figure or None).

    Writers that show provenance (the review DOCX, the preview) use this; the others keep the
    runs as they are, so the final outputs do not change.
    """
    figs = [s for s in spans if s.source.kind == "figure"]
    cuts = sorted({*(s.start for s in figs), *(s.end for s in figs)})
    out: list[tuple[Run, Span | None]] = []
    pos = 0
    for run in runs:
        end = pos + len(run.text)
        edges = [pos, *(c for c in cuts if pos < c < end), end]
        for a, b in zip(edges, edges[1:]):
            # the innermost figure covering this stretch (figures do not overlap in practice)
            span = min((s for s in figs if s.start <= a and b <= s.end), key=lambda s: s.end - s.start,
                       default=None)
            piece = Run(run.text[a - pos:b - pos], run.bold, run.italic, mark=run.mark)
            if out and out[-1][1] is span and (out[-1][0].bold, out[-1][0].italic) == (run.bold, run.italic):
                out[-1] = (Run(out[-1][0].text + piece.text, run.bold, run.italic, mark=run.mark), span)
            else:
                out.append((piece, span))
        pos = end
    return [(r, s.source if s else None) for r, s in out]


@dataclass
class Attachment:
    """附件N: starts on a new page with the 黑体 label, the centred title, then its body."""

    number: int
    title: str
    blocks: list[Block] = field(default_factory=list)
    title_spans: list[Span] = field(default_factory=list, compare=False, repr=False)   # of ``title``

    @property
    def label(self) -> str:
        return f"附件{self.number}"


@dataclass
class Signature:
    """署名 and 成文日期 of an unsealed document (GB/T 9704 7.3.5.2)."""

    name: str
    date: str
    spans: list[Span] = field(default_factory=list, compare=False, repr=False)   # of ``name``


@dataclass
class RedHeader:
    """版头 of a 文件: 发文机关标志 (red) and 发文字号 (〔2024〕5号), above the red rule."""

    mark: str
    number: str = ""


@dataclass
class Banji:
    """版记 at the foot of the last page: 抄送 and 印发机关/印发日期 between rules."""

    cc: str = ""
    issuer: str = ""
    date: str = ""


@dataclass
class Document:
    title_lines: list[str]
    subtitle_lines: list[str] = field(default_factory=list)
    recipient: str = ""
    blocks: list[Block] = field(default_factory=list)
    signature: Signature | None = None
    note: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    header: RedHeader | None = None
    banji: Banji | None = None
    lang: str = "zh-CN"
    author: str = ""            # the issuing unit (DOCX author and company); "" → the 署名
    #: the figure spans of each title and subtitle line (as ``Paragraph.spans``)
    title_spans: list[list[Span]] = field(default_factory=list, compare=False, repr=False)
    subtitle_spans: list[list[Span]] = field(default_factory=list, compare=False, repr=False)
    #: what the build should tell without stopping (a computed table the template left out …)
    warnings: list[str] = field(default_factory=list, compare=False, repr=False)
    #: a draft: some figures are missing (shown as highlighted 【待填：…】); ``pending`` lists them
    draft: bool = False
    pending: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return "".join(self.title_lines)

    def all_blocks(self):
        """Body blocks then attachment blocks, in reading order."""
        yield from self.blocks
        for att in self.attachments:
            yield from att.blocks
