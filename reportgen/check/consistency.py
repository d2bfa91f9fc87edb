"""The narrative (report.yaml) against the indicator catalogue.

Two checks, each naming report.yaml and the line:

* :func:`check_references` — every ``ind.x``, ``t.x`` and ``targets[2025].x`` the narrative uses
  exists (all unknown ids reported at once, with the closest known id);
* :func:`check_figures` — a number typed into the text right after an indicator's name (or one
  of its 别名) that differs from the indicator's value: “新增高新技术企业45家” while the sheet
  says 44. Numbers written through ``{{ ind.x }}`` cannot drift and are not looked at.
"""

from __future__ import annotations

import difflib
from bisect import bisect_right
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import yaml
from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError

from ..core import cnfmt
from ..core import yamlio
from ..core.errors import Problem, ProblemList, ReportgenError
from ..core.i18n import _
from ..core.workspace import Workspace

#: report.yaml keys that are settings, not narrative.
SETTINGS = ("template", "date", "results_year")
#: Words that may stand between an indicator's name and its number: “新增高新技术企业达45家”.
CONNECTORS = "为达到共计累合有增至突破超过了是约近"
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_WS = re.compile(r"\s+")
_NON_BLANK = re.compile(r"\S")


@dataclass(frozen=True)
class Passage:
    """One narrative string of report.yaml with where it sits in the file."""

    path: tuple
    text: str
    first_line: int
    source: str        # the scalar's characters in the file, as written
    source_line: int   # the line ``source`` starts on

    @cached_property
    def raw(self) -> list[tuple[str, int]]:
        """The non-blank characters of the source, each with its line (worked out only when a
        message needs a line)."""
        raw, line = [], self.source_line
        for ch in self.source:
            if ch == "\n":
                line += 1
            elif not ch.isspace():
                raw.append((ch, line))
        return raw

    def line_of(self, offset: int, compact: str) -> int:
        """The line of character ``offset`` of ``compact`` (the text without white space)."""
        if len(self.raw) >= len(compact):
            # align: the source holds the same characters in order, maybe with quotes/escapes between
            i = 0
            for k, ch in enumerate(compact):
                while i < len(self.raw) and self.raw[i][0] != ch:
                    i += 1
                if i == len(self.raw):
                    break
                if k == offset:
                    return self.raw[i][1]
                i += 1
        return self.first_line


def passages(path: Path, ws: Workspace) -> list[Passage]:
    """Every narrative string of a report.yaml, with its lines (settings keys skipped). The file is
    read through the workspace (inside it, size-limited, UTF-8): a ReportgenError otherwise."""
    return list(_passages_of(str(path), ws.read_text(path)))


@lru_cache(maxsize=16)
def _passages_of(path: str, text: str) -> tuple[Passage, ...]:
    """The passages of one report.yaml text (at ``path``), composed once: a document's build asks
    three times (the reference check, the report.yaml lines, the typed figures)."""
    root = yamlio.compose(text)
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_at(index: int) -> int:
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    out: list[Passage] = []

    def walk(node, keypath):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if not keypath and k.value in SETTINGS:
                    continue
                if len(keypath) >= 2 and keypath[0] == "documents" and k.value == "template":
                    continue
                walk(v, (*keypath, k.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*keypath, i))
        elif isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str"):
            start, end = node.start_mark.index, node.end_mark.index
            if node.style in (">", "|"):
                start = text.index("\n", start) + 1 if "\n" in text[start:end] else end
            elif node.style in ("'", '"'):
                start += 1
            source, line = text[start:end], line_at(start)
            visible = _NON_BLANK.search(source)
            first = line + source.count("\n", 0, visible.start()) if visible else node.start_mark.line + 1
            out.append(Passage(keypath, node.value, first, source, line))

    if root is not None:
        walk(root, ())
    return tuple(out)


# -- references ---------------------------------------------------------------------------------
@lru_cache(maxsize=1024)
def _references(source: str) -> tuple:
    """(catalogue, year or None, id) of every ``ind.x``/``t.x``/``targets[Y].x`` in a narrative
    string (parsed once a process: a unit's documents share their report.yaml)."""
    if "{" not in source:           # no Jinja syntax, no reference
        return ()
    try:
        ast = Environment().parse(source)
    except TemplateSyntaxError:
        return ()  # rendering reports the syntax error with its line
    out = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        base = node.node
        key = node.attr if isinstance(node, nodes.Getattr) else (
            node.arg.value if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str) else None)
        if key is None:
            continue
        if isinstance(base, nodes.Name) and base.name in ("ind", "t"):
            out.append((base.name, None, key))
        elif (isinstance(base, nodes.Getitem) and isinstance(base.node, nodes.Name) and base.node.name == "targets"
              and isinstance(base.arg, nodes.Const) and isinstance(base.arg.value, int)):
            out.append(("targets", base.arg.value, key))
    return tuple(out)


def _names_an_id(key: str) -> bool:
    """``ind.key`` names an indicator, not a method of the catalogue (values, select …) or a
    private attribute (the sandbox stops those)."""
    from ..derive.figures import Catalog
    from ..read.load import ID_RE

    return bool(ID_RE.match(key)) and not hasattr(Catalog, key)


def _unknown(uy, cat: str, year, key: str, ind_ids, by_year) -> tuple[str, str] | None:
    """(message, hint) when ``cat.key`` names nothing in the catalogue, else None."""
    if not _names_an_id(key):
        return None
    y = uy.year + 1 if cat == "t" else year
    known = ind_ids if cat == "ind" else by_year.get(y, [])
    if key in known:         # the usual case: no message to word
        return None
    if cat == "ind":
        what, fix = _("指标表中没有编号“{id}”").format(id=key), _("编号须与指标表“编号”列一致")
    else:
        what = _("{year}年的目标中没有编号“{id}”").format(year=y, id=key)
        fix = _("在“目标”表中加上{year}年的这个目标，或改正编号").format(year=y)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return what, _("是否想用 '{name}'？{fix}").format(name=close[0], fix=fix) if close else fix


def check_references(ws: Workspace, uy, problems: ProblemList) -> None:
    """Report every unknown indicator or target id in a unit's narrative and in the workspace
    templates it uses, with file and line."""
    path = (uy.folder or ws.year_dir(uy.report_year) / uy.unit.id) / "report.yaml"
    if not path.is_file():
        return
    try:
        found = passages(path, ws)
    except (yaml.YAMLError, UnicodeDecodeError, ReportgenError):
        return  # reported by the reader
    rel = ws.rel(path)
    ind_ids = list(dict.fromkeys(uy.indicators["id"]))
    by_year: dict[int, list[str]] = {}
    for year, ind_id in zip(uy.targets["year"].tolist(), uy.targets["id"].tolist()):
        by_year.setdefault(int(year), []).append(ind_id)
    for p in found:
        compact = _WS.sub("", p.text)
        for cat, year, key in _references(p.text):
            bad = _unknown(uy, cat, year, key, ind_ids, by_year)
            if bad is None:
                continue
            m = re.search(rf"{'targets' if cat == 'targets' else cat}\s*(?:\[[^\]]*\])?\s*(?:\.\s*{re.escape(key)}\b|\[\s*['\"]{re.escape(key)}['\"]\s*\])",
                          compact)
            line = p.line_of(m.start(), compact) if m else p.first_line
            label = ".".join(str(k) for k in p.path)
            problems.add(_("{file}:{line}（{key}）").format(file=rel, line=line, key=label), *bad)
    _check_template_references(ws, uy, ind_ids, by_year, problems)


def _check_template_references(ws: Workspace, uy, ind_ids, by_year, problems: ProblemList) -> None:
    """The same for the workspace's own templates the unit's documents use (built-in templates
    name no indicator)."""
    from ..render import jinja as render
    from ..read.documents import specs
    from ..core.errors import ReportgenError

    for spec in specs(uy.report):
        try:
            info = render.find_template(ws, spec.template)
        except ReportgenError:
            continue  # the build says which template is missing
        if info.source != "workspace":
            continue
        try:
            source = render.template_text(info, ws)
            ast = Environment().parse(source)
        except (TemplateSyntaxError, OSError, ReportgenError):
            continue  # rendering reports it with its line
        lines = source.splitlines()
        for node in ast.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name in ("ind", "t"):
                cat, key = node.node.name, node.attr
                if _unknown(uy, cat, None, key, ind_ids, by_year) is None:
                    continue
                # worded (and translated) as the renderer words an undefined name, with the line itself
                known = ind_ids if cat == "ind" else by_year.get(uy.year + 1, [])
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                text = lines[node.lineno - 1].strip() if 0 < node.lineno <= len(lines) else ""
                message = _("{label} 中没有 {name}").format(label=cat, name=f"'{key}'") + (f"\n    {text}" if text else "")
                hint = _("是否想用 '{name}'？").format(name=close[0]) if close else ""
                problems.add(f"{ws.rel(info.path)}:{node.lineno}", message, hint)


# -- typed figures ------------------------------------------------------------------------------
def _unit_factors(measure: str) -> dict[str, Decimal]:
    """Units a number may be typed in for an indicator, with their factor to the indicator's unit."""
    return dict(_unit_factors_of(measure))


@lru_cache(maxsize=256)
def _unit_factors_of(measure: str) -> dict[str, Decimal]:
    if not measure:
        return {}
    base = cnfmt.base_unit(measure)
    if base is None:
        return {measure: Decimal(1)}
    own = Decimal(10) ** (8 if measure.startswith("亿") else 4 if measure.startswith("万") else 0)
    return {p + base: Decimal(f) / own for p, f in (("亿", 10**8), ("万", 10**4), ("", 1))}


#: Leading words a text often shares between several figures (“新增高新技术企业44家、省科技型
#:中小企业213家”): a name starting with one also matches without it.
SHARED_PREFIXES = ("新增", "全年新增", "累计", "全社会", "全区", "全市", "全县", "全省")
#: Words that name a rate of growth (“增速”) and the qualifiers a text may put before them
#: (“同比增长”、“累计增速”): “全社会R&D经费支出增速” is also found as “R&D经费支出累计增速24%”.
GROWTH_WORDS = ("增速", "增长率", "增幅", "增长")
GROWTH_QUALIFIERS = ("同比", "累计", "全年", "比上年", "较上年", "较去年", "比去年")
#: Between a name and its number: “为”“达”… and “同比”“累计” (“新增高新技术企业同比达45家”)
_BETWEEN = rf"(?:{'|'.join(GROWTH_QUALIFIERS)})?[{CONNECTORS}]{{0,4}}"


def _names(fig) -> list[str]:
    names = [fig.name, *fig.aliases]
    for name in list(names):
        for prefix in SHARED_PREFIXES:
            if name.startswith(prefix) and len(name) - len(prefix) >= 4:
                names.append(name[len(prefix):])
    return [n for n in dict.fromkeys(names) if n]


def _name_re(fig) -> str:
    """The names of a figure as a regular expression; a growth rate's names also in their short
    forms: the stem followed by any qualifier and growth word (…累计增速, …同比增长)."""
    names = _names(fig)
    parts = [re.escape(_WS.sub("", n)) for n in sorted(names, key=len, reverse=True)]
    if fig.kind == "growth":
        stems = {n[: -len(w)] for n in names for w in GROWTH_WORDS if n.endswith(w) and len(n) - len(w) >= 2}
        if stems:
            stem_re = "|".join(re.escape(_WS.sub("", st)) for st in sorted(stems, key=len, reverse=True))
            quals = "|".join(GROWTH_QUALIFIERS)
            words = "|".join(GROWTH_WORDS)
            parts.insert(0, rf"(?:{stem_re})(?:{quals})?(?:{words})")
    return "|".join(parts)


def _figure_pattern(fig) -> re.Pattern | None:
    """The pattern of a figure's name followed by a typed number and unit (built once a process
    for each name, aliases, kind and unit of measure: a year's units share their indicators)."""
    return _pattern_of(fig.name, tuple(fig.aliases), fig.kind, fig.measure)


@lru_cache(maxsize=4096)
def _pattern_of(name, aliases: tuple, kind, measure) -> re.Pattern | None:
    fig = SimpleNamespace(name=name, aliases=aliases, kind=kind, measure=measure)
    units = _unit_factors(fig.measure or ("位" if fig.kind == "rank" else ""))
    if fig.kind == "rank":
        units.setdefault("名", Decimal(1))
    if not _names(fig) or not units:
        return None
    unit_re = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    return re.compile(rf"(?P<name>{_name_re(fig)}){_BETWEEN}第?(?P<num>[+-]?\d+(?:\.\d+)?)(?P<unit>{unit_re})"
                      rf"(?:[，,、]?(?:{'|'.join(GROWTH_QUALIFIERS)})?(?P<dir>增长|下降|减少)(?P<growth>\d+(?:\.\d+)?)%)?")


def check_figures(ws: Workspace, uy, figs=None) -> list[Problem]:
    """Numbers typed after an indicator's name in the narrative that differ from its value."""
    from ..derive.figures import figures

    path = (uy.folder or ws.year_dir(uy.report_year) / uy.unit.id) / "report.yaml"
    if not path.is_file():
        return []
    figs = figs if figs is not None else figures(uy)
    rel = ws.rel(path)
    problems: list[Problem] = []
    patterns = [(fig, pat) for fig in figs.values() if fig.value is not None and (pat := _figure_pattern(fig))]
    found = passages(path, ws)
    # Jinja expressions print values from the sheet: mask them (keeping their width) so that
    # neither their digits nor the text around them are taken for typed figures.
    compacts = [_WS.sub("", p.text) for p in found]
    masks = [_JINJA.sub(lambda m: "\0" * len(m.group()), compact) for compact in compacts]
    # Each figure's pattern scans all passages at once, joined by line breaks: the texts have no
    # white space left and no pattern matches one, so no match reaches across two passages and each
    # finds what it finds in its passage alone. The hits are then taken passage by passage,
    # figure by figure, in the text's order — the order of a scan of each passage by each figure.
    hits = []
    if all("\n" not in pat.pattern for _fig, pat in patterns):
        bases = [0]
        for masked in masks[:-1]:
            bases.append(bases[-1] + len(masked) + 1)
        joined = "\n".join(masks)
        for k, (_fig, pat) in enumerate(patterns):
            hits += [(bisect_right(bases, m.start()) - 1, k, m.start(), m) for m in pat.finditer(joined)]
        hits.sort(key=lambda h: h[:3])
    else:
        bases = [0] * len(masks)
        hits = [(i, k, m.start(), m) for i, masked in enumerate(masks) for k, (_fig, pat) in enumerate(patterns)
                for m in pat.finditer(masked)]
    for i, k, _start, m in hits:
        p, compact, base = found[i], compacts[i], bases[i]
        fig = patterns[k][0]
        factors = _unit_factors(fig.measure or "位")
        factors.setdefault("名", Decimal(1))
        typed, unit = m.group("num"), m.group("unit")
        places = len(typed.split(".")[1]) if "." in typed else 0
        # the text may round: compare at the precision it was typed in, in its own unit
        shown = Decimal(repr(float(fig.value))) / factors[unit]
        label = ".".join(str(k) for k in p.path)
        if Decimal(typed) != cnfmt.round_half_up(shown, places):
            line = p.line_of(m.start("num") - base, compact)
            said = m.group()[: m.end("unit") - m.start()]
            problems.append(Problem(
                _("{file}:{line}（{key}）").format(file=rel, line=line, key=label),
                _("文中写“{typed}”，但指标表中“{name}”为 {value}").format(typed=said, name=fig.name,
                                                                  value=str(fig)),
                _("改正数字，或写成 {{{{ ind.{id} }}}}，让数字直接取自指标表").format(id=fig.id)))
        elif m.group("growth") and fig.growth is not None:
            # “…1234万元，同比增长50%”: the growth against last year's value in the sheet
            typed_g = m.group("growth")
            g_places = len(typed_g.split(".")[1]) if "." in typed_g else 0
            sign = -1 if m.group("dir") in ("下降", "减少") else 1
            actual = cnfmt.round_half_up(Decimal(repr(float(fig.growth))), g_places)
            if sign * Decimal(typed_g) != actual:
                line = p.line_of(m.start("growth") - base, compact)
                problems.append(Problem(
                    _("{file}:{line}（{key}）").format(file=rel, line=line, key=label),
                    _("文中写“{typed}”，但按指标表“{name}”{year}年和上年的数值，变化为{change}").format(
                        typed=m.group(), name=fig.name, year=fig.year, change=fig.change),
                    _("改正数字，或写成 {{{{ ind.{id}.change }}}}，让变化直接由指标表计算").format(id=fig.id)))
    return problems
