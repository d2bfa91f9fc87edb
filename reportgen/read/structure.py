"""The narrative's structure as data: sections to the depth GB/T 9704 allows, and attachments.

report.yaml describes a document's body as a list of sections (``body:``); each section has a
heading in the report's own words and any of: paragraphs, a 一是/二是 list (or a plain one, or
one run into a single paragraph), a bold lead sentence, a table or chart placed there, and
subsections (一、→（一）→ 1. →（1）). ``attachments:`` adds 附件 after the signature. The built-in
templates render this structure as it is, so no template override is needed for the shapes of
real reports (``_components.md.j2``: ``c.body``, ``c.attachments``).

Two steps, on either side of the narrative's rendering:

* :func:`validate` checks the raw YAML against the schema (pydantic) before anything is
  rendered, and reports each problem with the report.yaml line and the key path;
* :func:`shape` turns the rendered narrative (the same tree, strings rendered and escaped) into
  one canonical form the templates read: every section a dict with all keys present.

The schema's descriptions are the reference in ``docs/report-yaml.md`` (``reportgen.app.report_doc`` writes it), so the documentation is the schema.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..core import cnfmt
from ..core.errors import ProblemList
from ..core.i18n import _

#: built-in tables a section can place (``table: completion``) — what each one shows
BUILTIN_TABLES = {
    "completion": "本年主要目标完成情况表（目标、完成、完成率、情况），由数据计算",
    "targets": "下一年主要目标表（序号、指标、目标）",
    "plan": "五年规划主要指标表（基数、目标、年均增长或[累计提高]、属性）",
    "progress": "五年规划实施进度表（各年实际、目标进度、状态）",
}
#: built-in charts a section can place (``chart: progress``)
BUILTIN_CHARTS = {
    "progress": "五年规划主要指标目标进度与序时进度对照图（PDF 中为矢量图，DOCX 中为图片）",
    "completion": "本年主要目标完成率图（与序时进度对照）",
}
MAX_DEPTH = 4

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Item(BaseModel):
    """一项（列表中的一项），可带加粗的引导句。"""

    model_config = _STRICT
    lead: str | None = Field(None, description="加粗的引导句，如“综合实力持续攀升。”；印在本项文字之前")
    text: str = Field(description="本项文字")


class TableSpec(BaseModel):
    """写在 report.yaml 中的表格：表头一行，各行单元格可引用指标（{{ ind.x }}）。"""

    model_config = _STRICT
    caption: str = Field("", description="表题，印在表格上方居中")
    header: list[str] = Field(description="表头各列的文字")
    rows: list[list[str]] = Field(description="各行，每行的单元格数与表头相同")
    align: list[Literal["left", "center", "right"]] | None = Field(
        None, description="各列对齐：left、center、right（默认第一列 left，其余 center）")


class Section(BaseModel):
    """一节：标题（报告自己的措辞）和内容。层级由嵌套决定：一、（一）1.（1）。"""

    model_config = _STRICT
    title: str | None = Field(None, description="标题文字（不写序号，序号按层级自动生成）；不写则本节只有内容")
    run_in: bool = Field(False, description="true：标题与正文同段（“（一）标题。正文……”），标题用本级字体")
    lead: str | None = Field(None, description="第一段开头的加粗引导句")
    bold_lead: bool = Field(False, description="true：每段、每项的第一句（到第一个句号）加粗")
    text: str | list[str] | None = Field(None, description="正文段落：一段文字，或多段的列表")
    items: list[str | Item] | None = Field(None, description="列表各项（一是、二是……），每项一段；一项时不加“一是”")
    numbered: bool = Field(True, description="false：列表各项不加“一是、二是”")
    inline: bool = Field(False, description="true：列表各项连成一段（“一是……；二是……。”）")
    table: Literal["completion", "targets", "plan", "progress"] | TableSpec | None = Field(
        None, description="放在本节内容之后的表格：内置表 " + "、".join(BUILTIN_TABLES) + "，或一张自定义表")
    chart: Literal["progress", "completion"] | None = Field(
        None, description="放在本节内容之后的图：" + "、".join(BUILTIN_CHARTS))
    after: str | list[str] | None = Field(None, description="表格或图之后的段落（如“注：”）")
    sections: list["Section"] | None = Field(None, description="下一级的节")


class Attachment(BaseModel):
    """附件：另起一页，“附件N”和标题，然后内容（与节的内容相同）。"""

    model_config = _STRICT
    title: str = Field(description="附件标题（正文后的附件说明也用它）")
    text: str | list[str] | None = Field(None, description="附件正文段落")
    table: Literal["completion", "targets", "plan", "progress"] | TableSpec | None = Field(
        None, description="附件中的表格：内置表或自定义表")
    chart: Literal["progress", "completion"] | None = Field(None, description="附件中的图")
    after: str | list[str] | None = Field(None, description="表格或图之后的段落")
    sections: list[Section] | None = Field(None, description="附件中的节（一、（一）……）")


class PlanPart(BaseModel):
    """工作思路（计划）部分。"""

    model_config = ConfigDict(extra="allow")
    title: str | None = Field(None, description="本部分的一级标题，默认“NEXT_YEAR年工作思路”")
    opening: str | None = Field(None, description="本部分的开头段落")
    sections: list[Section] | None = Field(None, description="各节（（一）（二）……），写法同 body 的节")


class Structure(BaseModel):
    """report.yaml 的全部键。结构键（body、attachments、summary、problems、plan）按下文各表检查；
    其余键由各模板使用，模板也可读取这里没有列出的键（reportgen templates show NAME 看模板用到哪些）。"""

    model_config = ConfigDict(extra="allow")
    template: Any = Field(None, description="文档种类（模板名），默认 summary_plan；种类见下文“文档种类”")
    title: Any = Field(None, description="标题，可写多行（一行一个标题行）；不写用模板声明的默认标题。"
                                         "过长的标题行自动在词间均衡断行")
    date: Any = Field(None, description="成文日期，如 2024-01-31（必填）")
    documents: Any = Field(None, description="同一份数据生成多个文档：列表，每项 template，可加 title")
    opening: Any = Field(None, description="开头段落（标题之后、第一个一级标题之前）")
    body: list[Section] | None = Field(
        None, description="正文各节（一级标题“一、”起）。写了 body 时，模板按它排版正文，"
                          "不再用 summary、plan 等固定部分")
    attachments: list[Attachment] | None = Field(None, description="附件，依次编号为附件1、附件2……")
    summary: list[str | Item] | Section | None = Field(
        None, description="工作总结部分：各项（一是、二是……）的列表，或一节（可写 title、sections 等）")
    problems: Section | None = Field(None, description="存在的问题和不足（一节），放在总结之后、工作思路之前")
    plan: PlanPart | None = Field(None, description="工作思路（计划）部分")
    measures: Any = Field(None, description="plan_progress、plan_midterm：下一步工作各项（一是、二是……）")
    news: Any = Field(None, description="news：source 来源；highlights 写进新闻的指标编号列表")
    preface: Any = Field(None, description="five_year_plan：前言段落")
    chapters: Any = Field(None, description="five_year_plan：各章（写法同 body 的节：title、text、items、sections）")
    annexes: Any = Field(None, description="five_year_plan：附件标题 {indicators, platforms, progress}")
    platform_header: Any = Field(None, description="five_year_plan：平台清单第三列表头")
    platforms: Any = Field(None, description="five_year_plan：平台清单 [{group: 类别, items: [{name, plan}]}]")
    sections: Any = Field(None, description="annual_plan：各部分（写法同 body 的节）")
    first_level: Any = Field(None, description="annual_plan：sections 的起始层级（默认 2，即从“（一）”起）")
    targets_year: Any = Field(None, description="annual_plan：附“主要目标”表所取的目标年份")


_MESSAGES = {
    "extra_forbidden": lambda e: _("不认识的键 {key}").format(key=e["loc"][-1]),
    "missing": lambda e: _("缺少 {key}").format(key=e["loc"][-1]),
    "string_type": lambda e: _("应为文字"),
    "bool_type": lambda e: _("应为 true 或 false"),
    "bool_parsing": lambda e: _("应为 true 或 false"),
    "list_type": lambda e: _("应为列表（每项一行，以“- ”开头）"),
    "literal_error": lambda e: _("应为以下之一：{values}").format(values=e.get("ctx", {}).get("expected", "")),
    "model_type": lambda e: _("应为键值（如 title: …）"),
    "model_attributes_type": lambda e: _("应为键值（如 title: …）"),
}


def _loc(loc: tuple) -> tuple:
    """pydantic's location without the names of union members (str, Item, literal[...] …)."""
    return tuple(p for p in loc if isinstance(p, int) or p in _FIELDS)


def validate(report: dict, where_of, problems: ProblemList) -> None:
    """Check the structural keys of a raw report.yaml; each problem with its line and key path."""
    if not isinstance(report, dict):
        return
    try:
        Structure.model_validate(report)
    except ValidationError as exc:
        errors = [(_loc(e["loc"]), e) for e in exc.errors()]
        locs = [loc for loc, _e in errors]
        shown: set[tuple] = set()
        for loc, err in errors:
            # a union reports each member: keep the deepest message of a place, one per place
            if loc in shown or any(len(o) > len(loc) and o[:len(loc)] == loc for o in locs):
                continue
            shown.add(loc)
            message = _MESSAGES.get(err["type"], lambda e: e["msg"])(err)
            problems.add(where_of(loc), message, _hint(loc))
    _check_depth(report.get("body"), 1, ("body",), where_of, problems)


def _hint(loc: tuple) -> str:
    if loc and loc[-1] in ("table",):
        return _("内置表：{names}；或写 caption、header、rows").format(names="、".join(BUILTIN_TABLES))
    if loc and loc[-1] == "chart":
        return _("内置图：{names}").format(names="、".join(BUILTIN_CHARTS))
    return _("report.yaml 的写法见 docs/report-yaml.md")


def _check_depth(sections, level: int, path: tuple, where_of, problems: ProblemList) -> None:
    if not isinstance(sections, list):
        return
    for i, s in enumerate(sections):
        if not isinstance(s, dict):
            continue
        if level > MAX_DEPTH:
            problems.add(where_of((*path, i)), _("节的层级超过四级（一、（一）1.（1））"),
                         _("公文标题最多四级：把第五级写成段落或列表"))
            return
        _check_depth(s.get("sections"), level + 1, (*path, i, "sections"), where_of, problems)


# ------------------------------------------------------------------ after rendering
_SENTENCE = re.compile(r"^(.+?[。！？；])(.*)$", re.S)


def _paragraphs(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _split_lead(text) -> tuple[Any, Any]:
    """First sentence and the rest, on rendered (escaped) text; the types are kept (Markup)."""
    m = _SENTENCE.match(str(text))
    if not m or not m.group(2):
        return None, text
    cls = type(text)
    return cls(m.group(1)) if cls is not str else m.group(1), cls(m.group(2)) if cls is not str else m.group(2)


def _item(value, bold_lead: bool) -> dict:
    if isinstance(value, dict):
        return {"lead": value.get("lead"), "text": value.get("text", "")}
    if bold_lead:
        lead, rest = _split_lead(value)
        return {"lead": lead, "text": rest}
    return {"lead": None, "text": value}


_END_MARKS = ("。", "！", "？", "：", "；")


def _part(item: dict, lead_in: str = "") -> dict:
    return {"lead_in": lead_in, "lead": item["lead"], "text": item["text"]}


def shape_section(s: dict) -> dict:
    """One rendered section in the canonical form the templates read (every key present).

    ``content`` is the section's text in order: a list of paragraphs, each a list of parts
    ``{lead_in (一是 …), lead (bold), text}`` — paragraphs, then the list (one paragraph per item,
    or all items in one paragraph when ``inline``). A list of one item has no 一是. A run-in
    title ends with a full stop (added when it has no closing mark).
    """
    bold = bool(s.get("bold_lead"))
    paras = [_item(p, bold) for p in _paragraphs(s.get("text"))]
    if s.get("lead") is not None:
        if paras:
            paras[0] = {"lead": s["lead"], "text": paras[0]["text"]}
        else:
            paras = [{"lead": s["lead"], "text": ""}]
    items = [_item(i, bold) for i in (s.get("items") or [])]
    numbered = s.get("numbered", True) is not False and len(items) > 1
    leads = [cnfmt.lead_in(n) if numbered else "" for n in range(1, len(items) + 1)]
    content = [[_part(p)] for p in paras]
    if items and s.get("inline"):
        content.append([_part(i, lead) for i, lead in zip(items, leads)])
    else:
        content += [[_part(i, lead)] for i, lead in zip(items, leads)]
    title = s.get("title")
    run_in = bool(s.get("run_in")) and bool(title)
    if run_in and not str(title).endswith(_END_MARKS):
        title = title + "。"
    return {
        "title": title,
        "run_in": run_in,
        "content": content,
        "table": s.get("table"),
        "chart": s.get("chart"),
        "after": [[_part(_item(p, False))] for p in _paragraphs(s.get("after"))],
        "sections": [shape_section(c) for c in (s.get("sections") or []) if isinstance(c, dict)],
    }


def _placed(sections, found: set) -> None:
    for s in sections:
        if isinstance(s.get("table"), str):
            found.add(s["table"])
        if s.get("chart"):
            found.add("chart:" + s["chart"])
        _placed(s["sections"], found)


def shape(report: dict) -> dict:
    """The rendered narrative with its structural keys in canonical form (other keys unchanged):

    * ``body`` and ``attachments``: lists of shaped sections;
    * ``summary_section``: ``summary`` as a section (a list becomes its items);
    * ``problems``: a shaped section; ``plan.sections``: shaped sections;
    * ``placed``: the built-in tables (``completion`` …) and charts (``chart:progress``) that a
      section places, so the template leaves them out of their default place.
    """
    out = dict(report)
    placed: set[str] = set()
    if isinstance(report.get("body"), list):
        out["body"] = [shape_section(s) for s in report["body"] if isinstance(s, dict)]
        _placed(out["body"], placed)
    if isinstance(report.get("attachments"), list):
        out["attachments"] = [{**shape_section(a), "title": a.get("title")} for a in report["attachments"]
                              if isinstance(a, dict)]
        _placed(out["attachments"], placed)
    summary = report.get("summary")
    if isinstance(summary, list):
        out["summary_section"] = shape_section({"items": summary})
    elif isinstance(summary, dict):
        out["summary_section"] = shape_section(summary)
    if "summary_section" in out:
        _placed([out["summary_section"]], placed)
    if isinstance(report.get("problems"), dict):
        out["problems"] = shape_section(report["problems"])
        _placed([out["problems"]], placed)
    plan = report.get("plan")
    if isinstance(plan, dict) and isinstance(plan.get("sections"), list):
        out["plan"] = {**plan, "sections": [shape_section(s) for s in plan["sections"] if isinstance(s, dict)]}
        _placed(out["plan"]["sections"], placed)
    out["placed"] = sorted(placed)
    return out


Section.model_rebuild()
_FIELDS = {name for m in (Item, TableSpec, Section, Attachment, PlanPart, Structure) for name in m.model_fields}
