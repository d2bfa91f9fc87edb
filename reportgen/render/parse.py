"""Parse the rendered document source (Markdown with a YAML header) into the document model.

The source format, for editors:

* ``::: title`` (one paragraph per title line), ``::: subtitle``, ``::: recipient`` (主送机关);
* ``#`` … ``####``: headings; their numbers 一、（一）1.（1） are generated from the level;
* a ``-`` list: each item becomes a paragraph led by 一是、二是 …, numbered per list;
* pipe tables; a cell holding only ``^`` joins the cell above, only ``<`` the cell to its left;
* ``***`` on its own line: a page break;
* ``::: header`` (red header: 发文机关标志, then 发文字号 such as 鹿科〔2024〕5号),
  ``::: banji`` (版记: 抄送 line starting 抄送：, then 印发机关, then 印发日期),
* ``::: signature`` (署名, then 成文日期, one per line), ``::: note`` (附注),
  ``::: attachment TITLE`` (附件, numbered in order), ``::: table CAPTION`` around a table;
* ``::: runin`` around a heading and its text: a run-in heading (“（一）标题。正文……” in one paragraph);
* ``::: chart CAPTION`` around a table (name | value in % | status) and an optional line
  “序时进度：60%”: a bar chart against that reference line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from ..core import cnfmt
from ..core.errors import Problem, ReportgenError
from ..core.i18n import _
from ..model import (MARK_CLOSE, MARK_DIGIT0, MARK_OPEN, MARK_SEP, Attachment, Banji, Block, Cell, Chart, ChartRow,
                     Document, Heading, PageBreak, Paragraph, RedHeader, Run, Signature, Span, Table, strip_marks)

CONTAINERS = ("title", "subtitle", "recipient", "header", "banji", "signature", "note", "attachment", "table",
              "runin", "chart")


def _strong_cjk(state, silent: bool) -> bool:
    """``**…**`` is bold wherever the template writes it. CommonMark's flanking rules refuse
    ``**综合实力持续攀升。**跻身`` (a closing mark after punctuation and before a letter), which is
    how every Chinese bold lead sentence is written. Escaped stars (``\\*``, all a value's
    stars) never open or close it."""
    src, start = state.src, state.pos
    if not src.startswith("**", start):
        return False
    i = start + 2
    while True:
        end = src.find("**", i, state.posMax)
        if end < 0:
            return False
        slashes = 0
        while end - slashes - 1 >= start + 2 and src[end - slashes - 1] == "\\":
            slashes += 1
        if end > start + 2 and slashes % 2 == 0:
            break
        i = end + 1
    if silent:
        return True
    old_max = state.posMax
    state.push("strong_open", "strong", 1)
    state.pos, state.posMax = start + 2, end
    state.md.inline.tokenize(state)
    state.push("strong_close", "strong", -1)
    state.pos, state.posMax = end + 2, old_max
    return True


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.inline.ruler.before("emphasis", "strong_cjk", _strong_cjk)
    md.enable("table")
    md.disable(["html_block", "html_inline", "image", "link", "autolink", "code"])
    for name in CONTAINERS:
        md.use(container_plugin, name=name)
    return md


_MD = _markdown()


@dataclass
class _Cursor:
    tokens: list[Token]
    i: int = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok


_MARK_CHAR = re.compile("[\ue000-\ue01f]")


class _Marks:
    """Reads the provenance markers out of inline text (see ``model.mark``): clean text, and the
    spans of the figures the renderer's trace names. A marked text that is not the text the
    renderer printed there (a template cutting markers apart) is not trusted as traced."""

    def __init__(self, trace):
        self.trace = trace
        self.pos = 0
        self.stack: list[tuple[int, int]] = []
        self.spans: list[Span] = []
        self.text: list[str] = []
        self._digits: str | None = None

    def feed(self, content: str) -> str:
        out = []
        i, n = 0, len(content)
        while i < n:
            if self._digits is None:
                # the text up to the next marker character, taken whole
                m = _MARK_CHAR.search(content, i)
                j = m.start() if m else n
                if j > i:
                    out.append(content[i:j])
                    self.text.extend(content[i:j])
                    self.pos += j - i
                    i = j
                    continue
            ch = content[i]
            i += 1
            if self._digits is not None:
                if ch == MARK_SEP:
                    self.stack.append((int(self._digits or -1), self.pos))
                    self._digits = None
                elif MARK_DIGIT0 <= ord(ch) <= MARK_DIGIT0 + 9:
                    self._digits += str(ord(ch) - MARK_DIGIT0)
                else:
                    self._digits = None
                continue
            if ch == MARK_OPEN:
                self._digits = ""
            elif ch == MARK_CLOSE:
                if self.stack:
                    self._close(*self.stack.pop())
            elif "\ue000" <= ch <= "\ue01f":
                continue
            else:
                out.append(ch)
                self.text.append(ch)
                self.pos += 1
        return "".join(out)

    def _close(self, index: int, start: int) -> None:
        trace = self.trace
        if trace is None or not 0 <= index < len(trace.sources):
            return
        src = trace.sources[index]
        if src.kind == "figure":
            printed = "".join(self.text[start:self.pos])
            if "".join(printed.split()) != "".join(trace.texts[index].split()):
                return
        self.spans.append(Span(start, self.pos, src))


def _inline_runs(tok: Token, trace=None) -> tuple[list[Run], list[Span]]:
    runs: list[Run] = []
    marks = _Marks(trace)
    bold = italic = 0
    for child in tok.children or []:
        t = child.type
        if t == "strong_open":
            bold += 1
        elif t == "strong_close":
            bold -= 1
        elif t == "em_open":
            italic += 1
        elif t == "em_close":
            italic -= 1
        elif t in ("text", "code_inline"):
            text = marks.feed(child.content)
            if text:
                runs.append(Run(text, bold=bold > 0, italic=italic > 0))
        elif t in ("softbreak", "hardbreak"):
            # Chinese text wraps without spaces: a line break in the source joins directly.
            continue
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(run)
    return merged, sorted(marks.spans, key=lambda s: (s.start, -s.end))


def _info_text(info: str, name: str) -> str:
    """The text after a container's name (an attachment title, a table caption) as plain text:
    its escapes (``\\(``, ``\\&``) resolved like any inline text, so they never show."""
    rest = strip_marks(info).strip()[len(name):].strip()
    if not rest:
        return ""
    return "".join(r.text for t in _MD.parseInline(rest) for r in _inline_runs(t)[0])


def _info_inline(info: str, name: str, trace) -> tuple[str, list[Span]]:
    """:func:`_info_text` with the figure spans of the text (an attachment title printing a
    figure); no spans when the marked text does not read the same as the plain one."""
    text = _info_text(info, name)
    raw = info.strip()
    if not text or trace is None or not raw.startswith(name):
        return text, []
    runs, spans = [], []
    for t in _MD.parseInline(raw[len(name):].strip()):
        r, s = _inline_runs(t, trace)
        runs += r
        spans += s
    return (text, spans) if "".join(r.text for r in runs) == text else (text, [])


def _line(tok: Token) -> int:
    return tok.map[0] + 1 if tok.map else 0


class _Parser:
    def __init__(self, source: str, origin: str, trace=None):
        self.origin = origin
        self.trace = trace
        self.tokens = _MD.parse(source)
        self.cur = _Cursor(self.tokens)
        self.meta: dict = {}
        self.meta_spans: dict = {}      # the figure spans of each title/subtitle line
        self.problems: list[Problem] = []
        self.attachments: list[Attachment] = []
        self.signature: Signature | None = None
        self.header: RedHeader | None = None
        self.banji: Banji | None = None
        self.note = ""

    def error(self, tok: Token | None, message: str, hint: str = "") -> None:
        where = f"{self.origin}:{_line(tok)}" if tok is not None and tok.map else self.origin
        self.problems.append(Problem(where, message, hint))

    # -- blocks -------------------------------------------------------------------------------
    def blocks_until(self, stop: str | None, counters: list[int] | None = None) -> list[Block]:
        blocks: list[Block] = []
        counters = counters if counters is not None else [0, 0, 0, 0]
        while (tok := self.cur.peek()) is not None:
            if stop and tok.type == stop:
                self.cur.next()
                return blocks
            self.cur.next()
            if tok.type in ("container_title_open", "container_subtitle_open", "container_recipient_open"):
                key = tok.type.split("_")[1]
                inner = self.blocks_until(tok.type.replace("_open", "_close"))
                if key in self.meta:
                    self.error(tok, _("::: {key} 块出现了不止一次").format(key=key))
                self.meta[key] = [b.text for b in inner if isinstance(b, Paragraph)]
                self.meta_spans[key] = [b.spans for b in inner if isinstance(b, Paragraph)]
            elif tok.type == "heading_open":
                level = int(tok.tag[1])
                inline = self.cur.next()
                self.cur.next()  # heading_close
                counters[level - 1] += 1
                for deeper in range(level, 4):
                    counters[deeper] = 0
                runs, spans = _inline_runs(inline, self.trace)
                blocks.append(Heading(level, cnfmt.heading_number(level, counters[level - 1]), runs, spans=spans))
            elif tok.type == "paragraph_open":
                runs, spans = _inline_runs(self.cur.next(), self.trace)
                blocks.append(Paragraph(runs, spans=spans))
                self.cur.next()
            elif tok.type in ("bullet_list_open", "ordered_list_open"):
                blocks.extend(self.list_items(tok.type.replace("_open", "_close")))
            elif tok.type == "table_open":
                blocks.append(self.table(tok, caption=""))
            elif tok.type == "hr":
                blocks.append(PageBreak())
            elif tok.type == "container_signature_open":
                self.read_signature(tok)
            elif tok.type == "container_header_open":
                self.read_header(tok)
            elif tok.type == "container_banji_open":
                self.read_banji(tok)
            elif tok.type == "container_note_open":
                self.note = "".join(p.text for p in self.blocks_until("container_note_close")
                                    if isinstance(p, Paragraph))
            elif tok.type == "container_attachment_open":
                title, title_spans = _info_inline(tok.info, "attachment", self.trace)
                if stop is not None:
                    self.error(tok, _("附件不能嵌套在其他块内"), _("把 ::: attachment 放在文档末尾的顶层"))
                body = self.blocks_until("container_attachment_close")
                self.attachments.append(Attachment(len(self.attachments) + 1, title, body, title_spans=title_spans))
            elif tok.type == "container_table_open":
                caption = _info_text(tok.info, "table")
                inner = self.blocks_until("container_table_close")
                tables = [b for b in inner if isinstance(b, Table)]
                if len(tables) != 1:
                    self.error(tok, _("::: table 块内应有且只有一个表格"))
                for b in inner:
                    if isinstance(b, Table):
                        b.caption = caption
                    blocks.append(b)
            elif tok.type == "container_runin_open":
                blocks.extend(self.run_in(tok, counters))
            elif tok.type == "container_chart_open":
                chart = self.chart(tok)
                if chart is not None:
                    blocks.append(chart)
            elif tok.type in ("fence", "code_block", "blockquote_open", "blockquote_close"):
                self.error(tok, _("公文中不支持此 Markdown 元素（{element}）").format(element=tok.type),
                           _("删除代码块或引用块，改为普通段落"))
            else:
                self.error(tok, _("无法识别的内容（{element}）").format(element=tok.type))
        if stop:
            self.error(None, _("块没有结束标记 :::（{block}）").format(block=stop), _("在块末尾加一行 :::"))
        return blocks

    def list_items(self, close: str) -> list[Paragraph]:
        """Each item a paragraph led by 一是、二是 … — but a list of one item gets no 一是."""
        items: list[Paragraph] = []
        n = 0
        while (tok := self.cur.next()).type != close:
            if tok.type == "list_item_open":
                n += 1
                first = True
                depth = 1
                while depth:
                    t = self.cur.next()
                    if t.type == "list_item_open":
                        depth += 1
                    elif t.type == "list_item_close":
                        depth -= 1
                    elif t.type == "inline":
                        runs, spans = _inline_runs(t, self.trace)
                        items.append(Paragraph(runs, lead=cnfmt.lead_in(n) if first else "", spans=spans))
                        first = False
                    elif t.type in ("bullet_list_open", "ordered_list_open") and depth:
                        self.error(t, _("不支持嵌套列表"), _("把嵌套的内容写成独立段落"))
        if n == 1:
            for para in items:
                para.lead = ""
        return items

    def run_in(self, tok: Token, counters: list[int]) -> list[Block]:
        """``::: runin`` around a heading and what follows: the heading opens the first
        paragraph (“（一）标题。正文……”), numbered with the headings around it."""
        inner = self.blocks_until("container_runin_close", counters)
        if not inner or not isinstance(inner[0], Heading):
            self.error(tok, _("::: runin 块应以标题开头"), _("例如：\n::: runin\n## 标题。\n\n正文\n:::"))
            return inner
        head, rest = inner[0], inner[1:]
        if rest and isinstance(rest[0], Paragraph) and rest[0].head is None:
            first = rest[0]
            return [Paragraph(first.runs, lead=first.lead, role=first.role, spans=first.spans, head=head), *rest[1:]]
        return [Paragraph([], head=head), *rest]

    def chart(self, tok: Token) -> Chart | None:
        """``::: chart CAPTION`` around a table (label, value in percent, status) and an optional
        paragraph “序时进度：60%” giving the reference line."""
        caption = _info_text(tok.info, "chart")
        inner = self.blocks_until("container_chart_close")
        tables = [b for b in inner if isinstance(b, Table)]
        if len(tables) != 1:
            self.error(tok, _("::: chart 块内应有且只有一个表格（名称、数值、状态）"))
            return None
        table = tables[0]
        rows = []
        for row in table.rows[table.header_rows:]:
            cells = [c.text.strip() for c in row]
            value = cells[1].rstrip("%") if len(cells) > 1 else ""
            try:
                number = float(value)
            except ValueError:
                number = None
            rows.append(ChartRow(cells[0], number, cells[2] if len(cells) > 2 else ""))
        reference, label = None, ""
        for b in inner:
            if isinstance(b, Paragraph) and "：" in b.text:
                label, _sep, value = b.text.partition("：")
                try:
                    reference = float(value.strip().rstrip("%"))
                except ValueError:
                    self.error(tok, _("图的参考线“{text}”不是“名称：数值%”").format(text=b.text))
        axis = table.rows[0][1].text if table.rows and len(table.rows[0]) > 1 else ""
        return Chart(caption, rows, reference, label, axis)

    def table(self, open_tok: Token, caption: str) -> Table:
        rows: list[list[Cell | None]] = []
        header_rows = 0
        in_head = False
        while (tok := self.cur.next()).type != "table_close":
            if tok.type == "thead_open":
                in_head = True
            elif tok.type == "thead_close":
                in_head = False
            elif tok.type == "tr_open":
                rows.append([])
                header_rows += in_head
            elif tok.type in ("th_open", "td_open"):
                style = tok.attrs.get("style", "") if tok.attrs else ""
                align = "center"
                for a in ("left", "right", "center"):
                    if f"text-align:{a}" in str(style):
                        align = a
                inline = self.cur.next()
                runs, spans = _inline_runs(inline, self.trace)
                rows[-1].append(Cell(runs, align=align, spans=spans))  # type: ignore[arg-type]
        # Resolve merge markers: "^" joins the cell above, "<" the cell to the left.
        grid: list[list[Cell | None]] = [list(r) for r in rows]
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                mark = cell.text.strip()
                if mark == "<":
                    owner = next((row[k] for k in range(c - 1, -1, -1) if row[k] is not None), None)
                    if owner is None:
                        self.error(open_tok, _("表格第{row}行第{col}列的“<”左侧没有单元格").format(row=r + 1, col=c + 1))
                        continue
                    owner.colspan += 1
                    row[c] = None
                elif mark == "^":
                    owner = next((grid[k][c] for k in range(r - 1, -1, -1)
                                  if c < len(grid[k]) and grid[k][c] is not None), None)
                    if owner is None:
                        self.error(open_tok, _("表格第{row}行第{col}列的“^”上方没有单元格").format(row=r + 1, col=c + 1))
                        continue
                    owner.rowspan += 1
                    row[c] = None
        return Table(rows=[[c for c in row if c is not None] for row in grid],  # type: ignore[misc]
                     header_rows=max(header_rows, 1), caption=caption)

    def _lines_of(self, close: str) -> list[str]:
        return [b.text.strip() for b in self.blocks_until(close) if isinstance(b, Paragraph) and b.text.strip()]

    def read_header(self, tok: Token) -> None:
        lines = self._lines_of("container_header_close")
        if not 1 <= len(lines) <= 2:
            self.error(tok, _("版头块应有一到两行：发文机关标志、发文字号"),
                       _("例如：\n::: header\n某某区科学技术局文件\n\n某科〔2024〕5号\n:::"))
            return
        number = lines[1] if len(lines) > 1 else ""
        if number and not re.fullmatch(r".+〔\d{4}〕[1-9]\d*号", number):
            self.error(tok, _("发文字号“{number}”不合格式").format(number=number),
                       _("写成 机关代字〔年份〕序号号，如 鹿科〔2024〕5号（六角括号，序号不编虚位）"))
        self.header = RedHeader(lines[0], number)

    def read_banji(self, tok: Token) -> None:
        lines = self._lines_of("container_banji_close")
        cc = next((line for line in lines if line.startswith("抄送")), "")
        rest = [line for line in lines if line != cc]
        if cc and not cc.startswith("抄送："):
            self.error(tok, _("抄送行应以“抄送：”开头（全角冒号）"))
        if len(rest) != 2:
            self.error(tok, _("版记块应有印发机关和印发日期两行（抄送行可选）"),
                       _("例如：\n::: banji\n抄送：市科技局。\n\n某某区科学技术局办公室\n\n2024-01-31\n:::"))
            return
        issuer, date = rest
        try:
            date = cnfmt.fmt_date(cnfmt.parse_date(date.removesuffix("印发"))) + "印发"
        except ValueError as exc:
            self.error(tok, str(exc))
        self.banji = Banji(cc, issuer, date)

    def read_signature(self, tok: Token) -> None:
        paras = [b for b in self.blocks_until("container_signature_close") if isinstance(b, Paragraph)]
        lines = [line for p in paras for line in p.text.splitlines() if line.strip()]
        if len(lines) == 1 and len(paras) == 1:
            lines = [paras[0].text]
        if len(lines) != 2:
            self.error(tok, _("署名块应有两行：署名和成文日期"),
                       _("例如：\n::: signature\n某某区科学技术局\n\n2024年1月31日\n:::"))
            return
        name, date = lines
        try:
            date = cnfmt.fmt_date(cnfmt.parse_date(date))
        except ValueError as exc:
            self.error(tok, str(exc))
        name = name.strip()
        spans = []
        if len(paras) == 2 and name in paras[0].text:    # the 署名's own paragraph: its figure spans
            at = paras[0].text.index(name)
            spans = [Span(s.start - at, s.end - at, s.source) for s in paras[0].spans
                     if at <= s.start and s.end <= at + len(name)]
        self.signature = Signature(name, date, spans=spans)


def parse(source: str, origin: str = "<source>", trace=None) -> Document:
    """Turn rendered source text into a :class:`Document`; every problem is reported at once.

    ``trace`` (a ``render.Trace``) resolves the provenance markers the renderer wrote into
    spans of the paragraphs, headings and cells; without it they are simply removed.
    """
    p = _Parser(source, origin, trace)
    blocks = p.blocks_until(None)
    title = p.meta.get("title", [])
    if not title:
        p.error(None, _("文档没有标题"), _("在模板开头写 ::: title 块"))
    if p.problems:
        raise ReportgenError(p.problems)
    return Document(
        title_lines=title,
        subtitle_lines=p.meta.get("subtitle", []),
        title_spans=p.meta_spans.get("title", []),
        subtitle_spans=p.meta_spans.get("subtitle", []),
        recipient="".join(p.meta.get("recipient", [])),
        blocks=blocks,
        signature=p.signature,
        note=p.note,
        attachments=p.attachments,
        header=p.header,
        banji=p.banji,
    )
