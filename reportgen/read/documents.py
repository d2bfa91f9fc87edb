"""Which documents one unit-year yields: report.yaml's ``template:``, or a ``documents:`` list.

A unit usually makes one document (``template: summary_plan``). Several documents from the
same data and narrative are listed under ``documents:``, each naming a template and, if the
template's default title does not fit, its own title (one line per title line)::

    documents:
      - template: summary_plan
      - template: summary
      - template: plan
        title: "{{ unit.name }}\\n{{ next_year }}年工作要点"
      - news                     # a bare template name is enough

Without a title, the template's default title is used: each template declares it in its first
comment (``默认标题："{{ unit.name }}\\n{{ year }}年工作总结"``), so a kind's title sits next to its
template, and a template that declares none needs a title in report.yaml.

The build makes one output per entry (named by the document's title). Titles are narrative:
``{{ unit.name }}``, ``{{ year }}``, ``{{ next_year }}`` … may be used.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import ProblemList
from ..core.i18n import _

DEFAULT_TEMPLATE = "summary_plan"


@dataclass(frozen=True)
class DocumentSpec:
    """One document to build: the template and the title source (narrative text); ``title`` is
    None when neither the entry nor report.yaml gives one: the template's own default title
    (declared in the template, ``默认标题：``) is used then."""

    template: str
    title: str | None
    where: str = ""      # report.yaml:line of the entry, for messages


def specs(report: dict, where: str = "report.yaml", lines: dict | None = None,
          problems: ProblemList | None = None) -> list[DocumentSpec]:
    """The documents a report.yaml asks for, in order.

    Without ``documents:``: one document, ``template:`` (default summary_plan) with ``title:``
    (default: the template's). With it: one per entry; an entry's title wins over ``title:``,
    which wins over the template's default. Problems (an entry without a template …) are added
    to ``problems`` with the line, and such entries skipped.
    """
    lines = lines or {}
    problems = problems if problems is not None else ProblemList()
    shared_title = report.get("title")
    entries = report.get("documents")
    if entries is None:
        template = str(report.get("template") or DEFAULT_TEMPLATE)
        return [DocumentSpec(template, str(shared_title) if shared_title else None, where)]
    at = f"{where}:{lines['documents']}" if "documents" in lines else where
    if not isinstance(entries, list) or not entries:
        problems.add(at, _("documents 应为列表，每项一个文档"),
                     _("例如：\n  documents:\n    - template: summary\n    - template: plan"))
        return []
    out = []
    for i, entry in enumerate(entries, 1):
        if isinstance(entry, str):
            entry = {"template": entry}
        if not isinstance(entry, dict) or not entry.get("template"):
            problems.add(at, _("documents 的第{n}项没有写 template").format(n=i), _("每项写 template: 模板名，可加 title"))
            continue
        unknown = set(entry) - {"template", "title"}
        if unknown:
            problems.add(at, _("documents 的第{n}项有未知的键：{keys}").format(n=i, keys=_("、").join(sorted(map(str, unknown)))),
                         _("可用：template、title"))
            continue
        template = str(entry["template"])
        title = entry.get("title") or shared_title
        out.append(DocumentSpec(template, str(title) if title else None, at))
    templates = [s.template for s in out]
    for t in set(templates):
        if templates.count(t) > 1 and len({s.title for s in out if s.template == t}) == 1:
            problems.add(at, _("documents 中模板 {template} 出现了{n}次且标题相同").format(template=t, n=templates.count(t)),
                         _("删去重复项，或给每项写不同的 title"))
    return out
