"""The one document model both writers consume.

Parsing produces it from the rendered template source; the DOCX writer and the HTML/PDF
writer read it and nothing else. Numbers of headings and 一是/二是 lead-ins are already
resolved to text here, so both outputs carry the same characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union


@dataclass
class Run:
    """A stretch of inline text with uniform formatting."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Paragraph:
    """A body paragraph (3号仿宋, first line indented two characters).

    ``lead`` is the generated lead-in (``一是``), kept apart from ``runs`` so writers may
    style it; it is plain text in the output like everything else.
    """

    runs: list[Run]
    lead: str = ""
    role: Literal["body", "flush"] = "body"

    @property
    def text(self) -> str:
        return self.lead + "".join(r.text for r in self.runs)


@dataclass
class Heading:
    """A numbered heading; ``level`` 1..4 gives 一、（一）1.（1） and the face per level."""

    level: int
    number: str
    runs: list[Run]

    @property
    def text(self) -> str:
        return self.number + "".join(r.text for r in self.runs)


@dataclass
class Cell:
    runs: list[Run]
    colspan: int = 1
    rowspan: int = 1
    align: Literal["left", "center", "right"] = "left"

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


Block = Union[Paragraph, Heading, Table, PageBreak]


@dataclass
class Attachment:
    """附件N: starts on a new page with the 黑体 label, the centred title, then its body."""

    number: int
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"附件{self.number}"


@dataclass
class Signature:
    """署名 and 成文日期 of an unsealed document (GB/T 9704 7.3.5.2)."""

    name: str
    date: str


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

    @property
    def title(self) -> str:
        return "".join(self.title_lines)

    def all_blocks(self):
        """Body blocks then attachment blocks, in reading order."""
        yield from self.blocks
        for att in self.attachments:
            yield from att.blocks
