"""Figures derived from the dataset, and the objects templates see.

The numbers are computed on whole tables with pandas (:func:`changes`, :func:`peer_table`,
:func:`plan_frame`) — except what every document needs (the figures,
targets and completion rows), read from the unit's table as plain rows once a document
(:func:`_rows`, :func:`_values`: the same values, without a pandas lookup per cell); undefined
results (a base of zero or below, a missing year, a missing target) are NaN there and become “—”
when formatted, never NaN or inf in a document. The objects built from those tables are what templates print:

* ``ind.x`` — a :class:`Figure`: the results year's value with its unit (``44家``), last year's
  value and the change (增长/下降 x% for amounts, 提高/降低 x个百分点 for ratios and rates,
  上升/下降 n位 for ranks, 持平), the published rank, and the rank and share among the
  workspace's units of that year;
* ``t.x`` — a :class:`Target` of the plan year with its qualifier (``15%以上``); ``targets[2025].x``
  any year's target;
* ``completion`` — this year's targets (set in last year's plan) against this year's values;
* ``plan`` — five-year plan monitoring (:class:`Plan`): base value, target, 年均增长 or
  [累计提高], and once actual years are entered, progress against 序时进度 (超前/正常/滞后).
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..core import cnfmt
from ..core.vocab import BOUND_QUALIFIERS, POINT_KINDS, guess_kind
from ..core.i18n import _
from ..read.load import KIND_NAMES, UnitYear, records
from ..model import Source, Traced, copy_with, strip_marks, traced

PLAN_SPAN = 5


def _num(v):
    """A plain Python number (ints stay ints: 25, not 25.0), or None for missing."""
    if v is None or v is pd.NA:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    v = float(v) if not isinstance(v, int) else v
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return None
        if v.is_integer():
            return int(v)
    return v


def _precision(p) -> int | None:
    return None if p is None or p is pd.NA or (isinstance(p, float) and math.isnan(p)) else int(p)


def format_value(value, kind: str, measure: str, precision) -> str:
    """A value as the documents write it, by kind: 33.97万平方米, 21.9%, 0.26个百分点, 25位.

    Money and physical amounts scale to 万/亿 (``cnfmt.AUTO_SCALED_UNITS``); counts keep the unit
    they were typed in (12067家); no thousands separators, as in the seeds.
    """
    value = _num(value)
    if value is None:
        return cnfmt.MISSING
    precision = _precision(precision)
    if kind == "growth":   # no thousands separator in running text: 1000%, not 1,000%
        return cnfmt.fmt_number(value, precision, group=False) + "%"
    if kind == "pp":
        return cnfmt.fmt_number(value, precision if precision is not None else 2, group=False) + "个百分点"
    if kind in ("ratio", "rate"):
        return cnfmt.fmt_number(value, precision, group=False) + (measure or "%")
    if kind == "rank":
        return cnfmt.fmt_number(value, 0) + (measure or "位")
    scale = cnfmt.base_unit(measure or "") in cnfmt.AUTO_SCALED_UNITS
    return cnfmt.fmt_amount(value, measure or "", precision, scale=scale, group=False)


def plain_number(value, precision=None) -> str:
    """A number alone, as tables print it: 1064, 3.14, 158.67 (no separators)."""
    v = _num(value)
    return cnfmt.MISSING if v is None else cnfmt.fmt_number(v, _precision(precision), group=False)


# -- provenance -------------------------------------------------------------------------------
def _cell_text(v) -> str:
    v = _num(v)
    if isinstance(v, float):
        return f"{v:.12g}"   # 0.04, not 0.040000000000000036 (a computed difference)
    return "" if v is None else str(v)


def format_note(kind: str, measure: str, precision, printed: str) -> str:
    """How a value became the printed text: 增速，保留1位; 总量，单位换算 万元→亿元，保留2位."""
    parts = [KIND_NAMES.get(kind, kind)]
    shown = printed.lstrip("0123456789.-+")
    # (no conversion to show for a missing figure: "—", or a draft's gap token, which is not text)
    if kind == "amount" and measure and shown and shown != measure and not printed.startswith(cnfmt.MISSING) \
            and GAP_OPEN not in printed:
        parts.append(f"单位换算 {measure}→{shown}")
    p = _precision(precision)
    if p is not None:
        parts.append(f"保留{p}位")
    return "，".join(parts)


missing = object()   # "no value given" (None is a value: a missing one)


def _trace(text: str, ind_id: str, name: str, value, cells_used, computation: str) -> Traced:
    if text == cnfmt.MISSING:
        computation = "缺少数值，无法计算：" + computation
    return Traced(text, Source(ind_id, name, _cell_text(value), tuple(c for c in cells_used if c and c[0]),
                               computation))


# -- figures a document needs that the data do not have ------------------------------------------
#: A missing figure in rendered text: private-use characters around its number in :class:`Gaps`
#: (U+E100/U+E101: outside the provenance marks' U+E000–U+E01F, which model.strip_marks removes).
GAP_OPEN, GAP_CLOSE = "\ue100", "\ue101"
GAP_RE = re.compile("\ue100(\\d+)\ue101")


@dataclass(frozen=True)
class Gap:
    """A value, rank or target a document prints that is blank (or a stand-in such as — 待填)."""

    name: str            # the indicator: 新增高新技术企业
    what: str            # 2024年数值 / 排名 / 2025年目标值 …
    cell: str            # where to fill it in: data/2024/lucheng/indicators.xlsx 指标!F8
    key: str             # how the text names it: ind.hte_new
    used_at: str = ""    # where the document prints it: report.yaml:33（summary.2）, or the template
    #: what a draft prints in its place (document text: Chinese in any locale): 新增孵化空间排名
    label: str = ""


class Gaps:
    """The missing figures one document printed, in order; each printed as a token that the
    pipeline finds in the rendered source (an error naming the cell, or a 【待填】 mark in a draft)."""

    def __init__(self):
        self.items: list[Gap] = []

    def token(self, gap: Gap) -> str:
        self.items.append(replace(gap, used_at=PLACE.get()))
        return f"{GAP_OPEN}{len(self.items) - 1}{GAP_CLOSE}"

    def used(self, text: str) -> list[Gap]:
        """The gaps whose token made it into ``text`` (printed, not merely tested), first use first."""
        out: dict[int, Gap] = {}
        for m in GAP_RE.finditer(text):
            out.setdefault(int(m.group(1)), self.items[int(m.group(1))])
        return list(out.values())


_GAPS: contextvars.ContextVar[Gaps | None] = contextvars.ContextVar("reportgen_gaps", default=None)
#: Where the text being rendered sits (set by the renderer): a gap records it as ``used_at``.
PLACE: contextvars.ContextVar[str] = contextvars.ContextVar("reportgen_place", default="")


@contextmanager
def collecting_gaps():
    """Within this block, a missing figure printed by a document becomes a token of the
    :class:`Gaps` yielded; outside (a quick ``str(fig)``), it prints as “—”."""
    gaps = Gaps()
    token = _GAPS.set(gaps)
    try:
        yield gaps
    finally:
        _GAPS.reset(token)


def _gap(gap: Gap) -> str:
    gaps = _GAPS.get()
    return cnfmt.MISSING if gaps is None else gaps.token(gap)


def not_collected(uy: UnitYear) -> set[tuple[str, int]]:
    """(indicator, year) whose cell says the figure does not exist (未统计、不适用): a table prints
    “—” there by rule, not a gap."""
    if "not_collected" not in uy.indicators.columns:
        return set()
    return {(r["id"], int(r["year"])) for r in _rows(uy)
            if _of_year(r["not_collected"], True) and not pd.isna(r["year"])}


def _value_gap(figs: "Catalog", ind_id: str, name: str, year: int, near: str = "") -> Gap:
    """The missing value of ``year`` that a table needs, with the cell to fill (the indicator's
    row when the sheet has one; else where the row would go, in the file of ``near`` — the
    target's cell — when that is a workbook)."""
    fig = figs.get(ind_id)
    if fig is not None:
        return fig.gap("value", year)
    book = near.rsplit(" ", 1)[0] if " " in near else ""
    sheet = f"{book} 指标" if book.endswith((".xlsx", ".xlsm")) else _("指标表")
    return Gap(name, _("{year}年数值").format(year=year),
               _("{sheet}（“{name}”一行，{year}年列）").format(sheet=sheet, name=name, year=year),
               f"ind.{ind_id}.at({year})", label=f"{name}{year}年数值")


class Blank:
    """A figure's ``value``/``rank``/``prev`` (or a target's number) that is missing, as a
    template sees it: false in ``{% if %}``, equal to none, and a named gap when printed."""

    __slots__ = ("_gap",)

    def __init__(self, gap: Gap):
        self._gap = gap

    def __str__(self) -> str:
        return _gap(self._gap)

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other) -> bool:
        return other is None or isinstance(other, Blank)

    def __hash__(self) -> int:
        return hash(None)


# -- tables (vectorised) ------------------------------------------------------------------------
def _per_unit_year(fn):
    """Compute ``fn(uy)`` once per UnitYear object (a document's context asks for the same tables
    several times, and a unit's documents share its UnitYear). The results are never modified in
    place by their users; a new load gives new UnitYear objects, so nothing goes stale."""
    name = f"_derived_{fn.__name__}"

    @functools.wraps(fn)
    def cached(uy: UnitYear):
        memo = uy.__dict__
        if name not in memo:
            memo[name] = fn(uy)
        return memo[name]

    return cached


def release(uy: UnitYear) -> None:
    """Forget what was derived for a unit once its document is built, so that a long batch
    (which keeps the year's data) does not grow with every unit it builds."""
    for name in [k for k in uy.__dict__ if k.startswith("_derived_")]:
        del uy.__dict__[name]


@_per_unit_year
def _rows(uy: UnitYear) -> list[dict]:
    """``uy.indicators`` as plain rows, in table order (read once per unit's document)."""
    return records(uy.indicators)


@_per_unit_year
def _target_rows(uy: UnitYear) -> list[dict]:
    """``uy.targets`` as plain rows, in table order."""
    return records(uy.targets)


def _of_year(value, year: int) -> bool:
    """``value == year`` as a pandas comparison sees it (a missing value equals nothing)."""
    return value is not None and value is not pd.NA and value == year


@_per_unit_year
def _values(uy: UnitYear) -> dict[str, dict[int, float]]:
    """Indicator → year → value (a float) of every cell with a value: the cells of :func:`wide`,
    the first value of an (indicator, year) in table order winning, as ``pivot_table``'s
    ``first`` takes it."""
    out: dict[str, dict[int, float]] = {}
    for r in _rows(uy):
        y, v = r["year"], r["value"]
        if pd.isna(y) or pd.isna(v):
            continue
        out.setdefault(r["id"], {}).setdefault(int(y), float(v))
    return out


@_per_unit_year
def _meta_rows(uy: UnitYear) -> dict[str, dict]:
    """:func:`meta` as plain rows: indicator → its first row in sheet order."""
    rows = _rows(uy)
    if not all(type(r["order"]) is int for r in rows):      # not plain orders: pandas' own sort
        return dict(zip(meta(uy).index, records(meta(uy))))
    out: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: r["order"]):        # stable, as sort_values(kind="stable")
        if r["id"] not in out:
            out[r["id"]] = {k: v for k, v in r.items() if k != "id"}
    return out


@_per_unit_year
def meta(uy: UnitYear) -> pd.DataFrame:
    """One row per indicator, in sheet order: name, unit, kind, precision, rank …"""
    df = uy.indicators
    if df.empty:
        return df.set_index("id")
    return df.sort_values("order", kind="stable").drop_duplicates("id").set_index("id")


@_per_unit_year
def cells(uy: UnitYear) -> dict[tuple[str, int], tuple[str, str]]:
    """(indicator, year) → (the cell it was read from, its value as read)."""
    out: dict[tuple[str, int], tuple[str, str]] = {}
    for r in _rows(uy):
        if pd.isna(r["year"]):
            continue
        key = (r["id"], int(r["year"]))
        if key not in out or not pd.isna(r["value"]):   # the cell holding the value wins over a blank one
            out[key] = (r["source"], _cell_text(r["value"]))
    return out


@_per_unit_year
def wide(uy: UnitYear) -> pd.DataFrame:
    """Values by indicator (rows) and year (columns), as floats; NaN where missing."""
    values = _values(uy)          # what pivot_table(aggfunc="first") gives, without its cost
    ids = sorted(values)
    years = sorted({y for by_year in values.values() for y in by_year})
    return pd.DataFrame([[values[i].get(y, np.nan) for y in years] for i in ids],
                        index=pd.Index(ids, name="id"), columns=years, dtype=float)


def _column(w: pd.DataFrame, year: int, index) -> pd.Series:
    return (w[year] if year in w.columns else pd.Series(np.nan, index=w.index)).reindex(index)


@_per_unit_year
def changes(uy: UnitYear) -> pd.DataFrame:
    """Per indicator: value, prev (last year), delta (value − prev) and growth (% change).

    ``growth`` is NaN where last year's value is missing or not positive (no relative change is
    defined), and for kinds other than amounts; ``delta`` is NaN where either value is missing.
    """
    m = meta(uy)
    w = wide(uy)
    out = pd.DataFrame(index=m.index)
    out["kind"] = m["kind"]
    out["value"] = _column(w, uy.year, m.index)
    out["prev"] = _column(w, uy.year - 1, m.index)
    out["delta"] = out["value"] - out["prev"]
    relative = (out["kind"] == "amount") & (out["prev"] > 0)
    out["growth"] = (out["delta"] / out["prev"].where(relative) * 100).where(relative)
    return out


def peer_table(peers: Mapping[str, UnitYear], year: int) -> pd.DataFrame:
    """Ranks and shares of each unit's values of one year (``year``) among the units.

    Units of one report folder may sum up different years (report.yaml ``results_year``): every
    unit's value is taken at ``year``, never at its own results year, so only values of the same
    year are compared; a unit with no value for ``year`` is left out of the rank and the count.

    Index (unit, id); ``peer_rank`` (1 = largest; for 位次 1 = smallest), ``peer_count`` (units
    with a value) and ``share`` (% of the units' total, amounts only). NaN unless two or more
    units have a value.
    """
    frames = []
    for uid, uy in peers.items():
        # every unit's value of ``year`` (the asking unit's results year), whatever year its own
        # report sums up: a unit without a value for that year is not ranked (and not counted)
        m = meta(uy)
        frames.append(pd.DataFrame({"unit": uid, "id": m.index, "kind": m["kind"].to_numpy() if len(m) else [],
                                    "value": _column(wide(uy), int(year), m.index).to_numpy()}))
    if not frames:
        return pd.DataFrame(columns=["peer_rank", "peer_count", "share"])
    df = pd.concat(frames, ignore_index=True)
    df = df[df["value"].notna()]
    g = df.groupby("id")["value"]
    count = g.transform("count")
    desc = g.rank(method="min", ascending=False)
    asc = g.rank(method="min", ascending=True)
    several = count >= 2
    df["peer_rank"] = desc.where(df["kind"] != "rank", asc).where(several)
    df["peer_count"] = count
    total = g.transform("sum")
    amount = (df["kind"] == "amount") & several & (total > 0) & (df["value"] >= 0)
    df["share"] = (df["value"] / total * 100).where(amount)
    return df.set_index(["unit", "id"])[["peer_rank", "peer_count", "share"]]


# -- what templates see -------------------------------------------------------------------------
@dataclass(frozen=True)
class Rank:
    """One published rank of a figure: ``{{ ind.x.ranks.全省 }}`` → 全省第14名, and the wording a
    sentence needs: ``.排名`` 全省排名第14, ``.居`` 居全省第14位, ``.位列`` 位列全省第14,
    ``.位居`` 位居全省第14位, ``.第`` 全省第14, ``.名`` 全省第14名; ``.number`` 14.
    Every form names the sheet cell the rank was read from. A rank whose column is there but whose
    cell is blank has ``number`` None and prints, in every form, as the gap ``blank`` (naming the
    cell to fill); it is false in ``{% if %}``."""

    scope: str
    number: int | None
    ind_id: str = ""
    name: str = ""
    cell: str = ""
    aspect: str = ""
    blank: Gap | None = field(default=None, compare=False, repr=False)

    def gap(self) -> Gap:
        """The blank cell of this rank, to fill."""
        what = f"{self.aspect}{self.scope}排名"
        return self.blank or Gap(self.name, what, self.cell, f"ind.{self.ind_id}", label=f"{self.name}{what}")

    def say(self, wording: str = "名") -> str:
        what = f"{self.aspect}排名" if self.aspect else "排名"
        if self.number is None:
            return _trace(_gap(self.gap()), self.ind_id, self.name, None, [(self.cell, "")], what)
        text = cnfmt.rank_phrase(self.number, self.scope, wording)
        return _trace(text, self.ind_id, self.name, self.number, [(self.cell, str(self.number))], what)

    def __bool__(self) -> bool:
        return self.number is not None

    def __str__(self) -> str:
        return str(self.say())

    def __traced__(self) -> Traced:
        return self.say()

    @property
    def text(self) -> str:
        return self.say()

    名 = property(lambda self: self.say("名"))
    排名 = property(lambda self: self.say("排名"))
    居 = property(lambda self: self.say("居"))
    位列 = property(lambda self: self.say("位列"))
    位居 = property(lambda self: self.say("位居"))
    第 = property(lambda self: self.say("第"))


@dataclass(frozen=True)
class Figure:
    """One indicator in the results year. ``{{ ind.x }}`` prints the value with its unit."""

    id: str
    name: str
    measure: str
    kind: str
    precision: int | None
    value: float | int | None
    prev: float | int | None
    rank: int | None
    rank_scope: str | None
    note: str = ""
    year: int | None = None
    history: tuple[tuple[int, float | int], ...] = ()   # (year, value) of every year with a value
    aliases: tuple[str, ...] = ()
    peers: "PeerStats | None" = field(default=None, compare=False, repr=False)
    #: (year, cell, value as read) of every value, and the 排名 cell: where the figures come from
    cells: tuple[tuple[int, str, str], ...] = field(default=(), compare=False, repr=False)
    rank_cell: str = field(default="", compare=False, repr=False)
    #: every published rank: (aspect, scope, rank, cell); rank None where its column's cell is blank
    rank_list: tuple[tuple[str, str, int | None, str], ...] = ()
    target: "Target | None" = field(default=None, compare=False, repr=False)   # this year's target
    #: decimals the results year's cell showed (Excel number format, or as typed), used when 精度 is empty
    places: int | None = field(default=None, compare=False, repr=False)

    def gap(self, what: str = "value", year: int | None = None) -> Gap:
        """The missing value (of ``year``), rank or last year's value, with the cell to fill."""
        if what == "rank":
            return Gap(self.name, _("排名"), self.rank_cell or self.rank_hint(_("排名")), f"ind.{self.id}.rank",
                       label=f"{self.name}排名")
        year = self.year if year is None else int(year)
        found = self.cell(year)
        cell = found[0] if found and found[0] else self.sheet_hint(year)
        return Gap(self.name, _("{year}年数值").format(year=year), cell,
                   f"ind.{self.id}" if year == self.year else f"ind.{self.id}.at({year})",
                   label=self.name if year == self.year else f"{self.name}{year}年数值")

    def sheet_hint(self, year: int | None = None) -> str:
        """Where a value with no cell at all would go: the indicator's row, in the year's column."""
        some = next((a for _y, a, _v in self.cells if a), "")
        base = some.rsplit("!", 1)[0] if "!" in some else some
        return _("{sheet}（“{name}”一行，{year}年列）").format(sheet=base or _("指标表"), name=self.name,
                                                       year=year if year is not None else self.year)

    def rank_hint(self, column: str) -> str:
        """Where a rank with no cell at all would go: the indicator's row, in the column ``column``."""
        some = next((a for _y, a, _v in self.cells if a), "")
        base = some.rsplit("!", 1)[0] if "!" in some else some
        return _("{sheet}（“{name}”一行，“{column}”列）").format(sheet=base or _("指标表"), name=self.name,
                                                         column=column)

    def _shown(self) -> int | None:
        """Decimals to print: 精度 when the sheet gives one, else what the cell showed — except for
        amounts printed in 万/亿 (the cell's decimals were of another unit)."""
        if self.precision is not None:
            return self.precision
        if self.kind == "amount" and cnfmt.base_unit(self.measure or "") in cnfmt.AUTO_SCALED_UNITS:
            return None
        return self.places

    def __str__(self) -> str:
        if _num(self.value) is None:
            return _gap(self.gap())
        return format_value(self.value, self.kind, self.measure, self._shown())

    def cell(self, year: int | None = None) -> tuple[str, str] | None:
        """(cell, value as read) of ``year`` (default: the results year)."""
        want = self.year if year is None else int(year)
        return next(((a, v) for y, a, v in self.cells if y == want), None)

    def _traced(self, text: str, computation: str, years=(None,), rank: bool = False, value=missing) -> Traced:
        used = [self.cell(y) for y in years]
        if rank and self.rank_cell:
            used.append((self.rank_cell, _cell_text(self.rank)))
        return _trace(text, self.id, self.name, self.value if value is missing else value, used, computation)

    def __traced__(self) -> Traced:
        text = str(self)
        return self._traced(text, format_note(self.kind, self.measure, self.precision, text))

    def _ranks(self, aspect: str, label: str) -> "Ranks":
        """The ranks of one aspect by scope; a blank cell of a rank column is reachable by its scope
        (``.全市``: a gap naming the cell) but not listed (a loop or ``in`` sees the ranks given)."""
        given, blank = {}, {}
        for a, scope, n, cell in self.rank_list:
            if a != aspect:
                continue
            if n is not None:
                given[scope] = Rank(scope, n, self.id, self.name, cell, a)
                continue
            # the 排名范围/排名 pair's blank 排名 is the figure's own rank gap (one to-do item with rank_text)
            own = not a and scope == self.rank_scope
            gap = self.gap("rank") if own else Gap(
                self.name, f"{a}{scope}排名", cell or self.rank_hint(f"{a}{scope}排名"), f"ind.{self.id}.{label}.{scope}",
                label=f"{self.name}{a}{scope}排名")
            blank[scope] = Rank(scope, None, self.id, self.name, cell, a, blank=gap)
        return Ranks(f"ind.{self.id}.{label}", given, blank, aspect, self.name)

    @property
    def ranks(self) -> "Ranks":
        """The value's published ranks by scope: ``{{ ind.x.ranks.全市 }}`` → 全市第2名, ``.排名`` …
        (sheet columns 排名范围/排名 and 全省排名, 全市排名 …)."""
        return self._ranks("", "ranks")

    @property
    def growth_ranks(self) -> "Ranks":
        """Ranks of the growth (column 增速全市排名 …): ``{{ ind.x.growth_ranks.全市.排名 }}``."""
        return self._ranks("增速", "growth_ranks")

    @property
    def completion_ranks(self) -> "Ranks":
        """Ranks of the completion rate (column 完成率全市排名 …)."""
        return self._ranks("完成率", "completion_ranks")

    @property
    def share_ranks(self) -> "Ranks":
        """Ranks of the share (column 占比全市排名 …)."""
        return self._ranks("占比", "share_ranks")

    def decimals(self, n: int) -> "Figure":
        """The same figure printed with ``n`` decimals in this place: ``{{ ind.x.decimals(1) }}``."""
        if not isinstance(n, int) or not 0 <= n <= 4:
            raise ValueError(_("decimals 的参数应为 0 到 4 的整数"))
        return replace(self, precision=n)

    @property
    def completion_rate(self) -> float | None:
        """This year's value against this year's target, in percent (any size: 107, 172)."""
        if self.target is None:
            return None
        v, t = _num(self.value), _num(self.target.target)
        return None if v is None or t is None or t <= 0 else v / t * 100

    @property
    def completion(self) -> str:
        """完成率: 107%, 165.5% (— without a target for the year)."""
        text = cnfmt.fmt_percent(self.completion_rate, 1, trim=True)
        if self.target is None:
            return text
        used = [self.cell(None), (self.target.cell, _cell_text(self.target.target))]
        return _trace(text, self.id, self.name, self.completion_rate, used,
                      f"完成率＝{self.year}年实际÷{self.year}年目标×100%，保留1位")

    @property
    def ratio(self) -> float | None:
        """This year's value over last year's (amounts)."""
        v, p = _num(self.value), _num(self.prev)
        return None if v is None or p is None or p <= 0 else v / p

    def _over_prev(self, text: str, how: str) -> str:
        return self._traced(text, how, years=(None, (self.year or 0) - 1), value=self.ratio) if self.ratio else text

    @property
    def times(self) -> str:
        """This year's value as a multiple of last year's: 2.5倍 (是上年的2.5倍)."""
        return self._over_prev(cnfmt.fmt_times(self.ratio), "倍数＝本年÷上年，保留1位")

    @property
    def growth_times(self) -> str:
        """Growth as a multiple when it is 100% or more: 增长1.5倍; below that the change (增长21.9%)."""
        r = self.ratio
        if r is not None and r >= 2:
            return self._over_prev("增长" + cnfmt.fmt_times(r - 1), "增长倍数＝本年÷上年－1，保留1位")
        return self.change

    @property
    def doubling(self) -> str:
        """翻一番 (twice last year's value or more), 翻两番 (four times) …; — below twice."""
        return self._over_prev(cnfmt.doubling_phrase(self.ratio), "翻番：本年÷上年≥2")

    @property
    def text(self) -> str:
        return self.__traced__()

    @property
    def number(self) -> str:
        """The value without its unit: 33.97."""
        v = _num(self.value)
        places = self.precision if self.precision is not None else self.places
        text = _gap(self.gap()) if v is None else cnfmt.fmt_number(v, places, group=False)
        return self._traced(text, format_note(self.kind, "", self.precision, text))

    @property
    def rank_text(self) -> str:
        """The published rank: 全省第14名 (empty when the indicator has no 排名范围; a missing
        rank of an indicator that has one is a gap)."""
        if self.rank is None and self.rank_scope:
            return self._traced(_gap(self.gap("rank")), "排名")
        text = cnfmt.rank_phrase(self.rank, self.rank_scope)
        return self._traced(text, "排名", years=(), rank=True, value=self.rank) if text else text

    @property
    def change(self) -> str:
        """Change against last year: 增长21.9%、下降3.2%、提高0.26个百分点、上升3位、持平, or —."""
        y, p0 = self.year, (self.year or 0) - 1
        if _num(self.value) is None:
            return self._traced(_gap(self.gap()), "")
        last = self.cell(p0)
        if _num(self.prev) is None and last and last[0]:     # last year's cell exists but is blank
            return self._traced(_gap(self.gap("value", p0)), "")
        if self.kind == "rank":
            text = cnfmt.rank_change_phrase(_num(self.value), _num(self.prev))
            how = f"位次变化＝{p0}年位次－{y}年位次"
        elif self.kind in POINT_KINDS:
            p = self.precision if self.precision is not None else 2
            text = cnfmt.change_phrase(_num(self.value), _num(self.prev), "ratio", precision=p)
            how = f"变化＝{y}年－{p0}年，个百分点，保留{p}位"
        else:
            text = cnfmt.change_phrase(_num(self.value), _num(self.prev), "amount", precision=1)
            how = f"增速＝（{y}年－{p0}年）÷{p0}年×100%，保留1位"
        v, p = _num(self.value), _num(self.prev)
        change = None if v is None or p is None else (self.growth if self.kind == "amount" else v - p)
        return self._traced(text, how, years=(p0, y), value=change)

    @property
    def growth(self) -> float | None:
        """Relative change against last year in percent (amounts; None when undefined)."""
        v, p = _num(self.value), _num(self.prev)
        if self.kind != "amount" or v is None or p is None or p <= 0:
            return None
        return (v - p) / p * 100

    def value_at(self, year: int):
        """The value of ``year`` as a number (None when missing)."""
        return dict(self.history).get(int(year))

    def at(self, year: int) -> str:
        """The value of ``year`` with its unit: ``{{ ind.rd_gdp_ratio.at(2015) }}`` → 1.99%."""
        if self.value_at(year) is None:
            return self._traced(_gap(self.gap("value", year)), "", years=(int(year),), value=None)
        text = format_value(self.value_at(year), self.kind, self.measure,
                            self._shown() if int(year) == self.year else self.precision)
        return self._traced(text, f"{int(year)}年，" + format_note(self.kind, self.measure, self.precision, text),
                            years=(int(year),), value=self.value_at(year))

    @property
    def years(self) -> list[int]:
        return [y for y, _ in self.history]

    @property
    def peer_rank(self) -> int | None:
        """Rank among the workspace's units of the year (1 = largest; for 位次 1 = smallest)."""
        return self.peers.of(self.id)[0] if self.peers else None

    @property
    def peer_count(self) -> int:
        """How many units of the year have a value for this indicator."""
        return self.peers.of(self.id)[1] if self.peers else 0

    @property
    def share(self) -> float | None:
        """Share of the units' total in percent (amounts only)."""
        return self.peers.of(self.id)[2] if self.peers else None

    @property
    def peer_rank_text(self) -> str:
        """Rank among the workspace's units of the year: 第2名 (empty with fewer than two units;
        a gap when this unit's own value is missing — its rank cannot be known)."""
        if _num(self.value) is None:
            return self._traced(_gap(self.gap()), f"在本工作区{self.year}年各单位中的排名（本单位数值缺失）")
        text = cnfmt.rank_phrase(self.peer_rank)
        return self._traced(text, f"在本工作区{self.year}年有数值的{self.peer_count}个单位中排名",
                            value=self.peer_rank) if text else text

    @property
    def share_text(self) -> str:
        """Share of the units' total: 35.2% (— when not defined: not an amount, or too few units;
        a gap when this unit's own value is missing)."""
        if self.kind == "amount" and _num(self.value) is None:
            return self._traced(_gap(self.gap()), f"占本工作区{self.year}年各单位合计的比重（本单位数值缺失）")
        return self._traced(cnfmt.fmt_percent(self.share, 1),
                            f"占本工作区{self.year}年{self.peer_count}个单位合计的比重，保留1位", value=self.share)

    @property
    def phrase(self) -> str:
        """Name and value as a news sentence fragment: 新增高新技术企业44家（全市第2名）."""
        value = f"第{self.number}{self.measure or '位'}" if self.kind == "rank" else str(self)
        rank = f"（{self.rank_text}）" if self.rank is not None or self.rank_scope else ""
        return self._traced(f"{self.name}{value}{rank}", format_note(self.kind, self.measure, self.precision, value),
                            rank=bool(rank))


@dataclass(frozen=True)
class Target:
    """One target. ``{{ t.x }}`` prints it with its qualifier: 15%以上."""

    id: str
    name: str
    measure: str
    kind: str
    year: int
    target: float | int
    qualifier: str
    note: str = ""
    attribute: str = ""
    method: str = "auto"
    cell: str = field(default="", compare=False, repr=False)   # the 目标值 cell

    def _traced(self, text: str) -> Traced:
        how = f"{self.year}年目标" + (f"，限定词“{self.qualifier}”" if self.qualifier and self.qualifier in text else "")
        return _trace(text, self.id, self.name, self.target, [(self.cell, _cell_text(self.target))], how)

    def gap(self) -> Gap:
        return Gap(self.name, _("{year}年目标值").format(year=self.year), self.cell, f"targets[{self.year}].{self.id}",
                   label=f"{self.name}{self.year}年目标值")

    @property
    def plain(self) -> str:
        """The target with its unit, without the qualifier: 15%."""
        if _num(self.target) is None:
            return self._traced(_gap(self.gap()))
        return self._traced(format_value(self.target, self.kind, self.measure, None))

    @property
    def number(self) -> str:
        """The target as a table prints it, number and qualifier without the unit: 3.5左右."""
        if _num(self.target) is None:
            return self._traced(_gap(self.gap()))
        return self._traced(cnfmt.qualify(plain_number(self.target), self.qualifier or None))

    def __str__(self) -> str:
        if _num(self.target) is None:
            return _gap(self.gap())
        return cnfmt.qualify(format_value(self.target, self.kind, self.measure, None), self.qualifier or None)

    def __traced__(self) -> Traced:
        return self._traced(str(self))


class Catalog(Mapping):
    """Figures or targets by id, reachable as ``ind.rd_growth`` or ``ind['rd_growth']``."""

    def __init__(self, label: str, items: dict):
        self._label = label
        self._items = items

    def __getitem__(self, key):
        return self._items[key]

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def select(self, ids) -> list:
        """The items of ``ids`` that exist, in the order given: ``ind.select(report.news.highlights)``.

        Ids may come from the narrative, where they arrive escaped for the source format
        (``rd\\_growth``); the escapes are ignored.
        """
        keys = [strip_marks(str(k)).replace("\\", "") for k in ids]
        return [self._items[k] for k in keys if k in self._items]

    def suggest(self, key: str) -> list[str]:
        return difflib.get_close_matches(key, list(self._items), n=3, cutoff=0.6)

    @property
    def label(self) -> str:
        return self._label


class Ranks(Catalog):
    """A figure's published ranks of one aspect by scope (``ind.x.ranks``, ``ind.x.completion_ranks``).

    Listing them (``for``, ``in``, ``length``) gives the ranks the sheet gives; a scope whose column
    is there but whose cell is blank is reached by name only, as a :class:`Rank` that prints as a
    gap naming the cell — a rank no document prints stops nothing."""

    def __init__(self, label: str, items: dict, blank: dict, aspect: str = "", name: str = ""):
        super().__init__(label, items)
        self._blank = blank
        self._aspect = aspect
        self._name = name

    def __getitem__(self, key):
        try:
            return self._items[key]
        except KeyError:
            return self._blank[key]

    def __contains__(self, key) -> bool:
        return key in self._items

    def _missing_hint(self, key: str) -> str:
        """How to fix a template that asks for a scope no column of the sheet gives (not a blank cell)."""
        column = f"{self._aspect}{key}排名"
        hint = _("指标表中没有“{column}”列：要印出这一排名，在指标表加上“{column}”列，填入“{name}”的名次；"
                 "否则改正模板中的范围").format(column=column, name=self._name)
        have = _("、").join(dict.fromkeys([*self._items, *self._blank]))
        return hint + (_("（{label} 可用的范围：{have}）").format(label=self._label, have=have) if have else "")


class PeerStats:
    """Ranks and shares of one unit's figures among the units of its year, computed on first use."""

    def __init__(self, uy: UnitYear):
        self._uy = uy
        self._table: pd.DataFrame | None = None

    def of(self, ind_id: str) -> tuple[int | None, int, float | None]:
        if self._table is None:
            peers = self._uy.peers
            self._table = peer_table(peers, self._uy.year) if len(peers) > 1 else peer_table({}, self._uy.year)
        key = (self._uy.unit.id, ind_id)
        if key not in self._table.index:
            return None, 0, None
        row = self._table.loc[key]
        rank = None if pd.isna(row["peer_rank"]) else int(row["peer_rank"])
        return rank, int(row["peer_count"]), _num(row["share"])


@_per_unit_year
def figures(uy: UnitYear) -> Catalog:
    """The results year's figures, in sheet order, with last year's value (and, on use, the ranks
    and shares among the year's units) joined in."""
    stats = PeerStats(uy)
    values = _values(uy)
    rows = _rows(uy)
    # plain rows, read once: a pandas lookup per indicator costs more than the rest of the loop
    rank_rows: dict[str, dict] = {}     # the first row of the results year of each indicator
    places: dict[str, int] = {}         # decimals the results year's cell showed
    for r in rows:
        if not _of_year(r["year"], uy.year):
            continue
        rank_rows.setdefault(r["id"], r)
        if not pd.isna(r["value"]) and r["places"] is not None and not pd.isna(r["places"]):
            places.setdefault(r["id"], int(r["places"]))
    where = cells(uy)
    by_id: dict[str, list] = {}
    for (i, y), (a, v) in where.items():
        by_id.setdefault(i, []).append((y, a, v))
    this_year = targets(uy, uy.year)
    items = {}
    for ind_id, row in _meta_rows(uy).items():
        r = rank_rows.get(ind_id, row)
        by_year = values.get(ind_id, {})
        hist = tuple((y, _num(by_year[y])) for y in sorted(by_year))
        fig = Figure(
            id=ind_id, name=row["name"], measure=row["measure"], kind=row["kind"],
            precision=_precision(row["precision"]),
            value=_num(by_year.get(uy.year)), prev=_num(by_year.get(uy.year - 1)),
            rank=None if pd.isna(r["rank"]) else int(r["rank"]),
            rank_scope=None if pd.isna(r["rank_scope"]) else r["rank_scope"], note=row["note"],
            year=uy.year, history=hist,
            aliases=tuple(row["aliases"]) if isinstance(row["aliases"], tuple) else (), peers=stats,
            cells=tuple(sorted(by_id.get(ind_id, ()))), rank_cell=str(r.get("rank_source") or ""),
            rank_list=tuple(r["ranks"]) if isinstance(r.get("ranks"), tuple) else (),
            target=this_year.get(ind_id), places=places.get(ind_id))
        # ind.x.value and ind.x.rank printed alone still name their cells
        number, rank_text = fig.number, fig.rank_text
        items[ind_id] = copy_with(fig, value=traced(fig.value, copy_with(number.source, computation="数值")),
                                  rank=traced(fig.rank, rank_text.source if rank_text else None))
    return Catalog("ind", items)


def targets(uy: UnitYear, year: int) -> Catalog:
    """Targets set for ``year``; kind and unit come from the indicator when it is in the 指标 table."""
    memo = uy.__dict__.setdefault("_derived_targets", {})     # a document asks for a year several times
    if year not in memo:
        memo[year] = _targets(uy, year)
    return memo[year]


def _targets(uy: UnitYear, year: int) -> Catalog:
    m = _meta_rows(uy)
    items = {}
    for row in _target_rows(uy):
        if not _of_year(row["year"], year):
            continue
        ind_id = row["id"]
        known = m.get(ind_id)
        measure = known["measure"] if known is not None else row["measure"]
        kind = known["kind"] if known is not None else guess_kind(row["measure"], row["name"])
        name = row["name"] or (known["name"] if known is not None else ind_id)
        items[ind_id] = Target(ind_id, name, measure, kind, int(row["year"]), _num(row["target"]),
                               row["qualifier"], row["note"], row["attribute"], row["method"], cell=row["source"])
    label = "t" if year == uy.year + 1 else f"targets[{year}]"
    return Catalog(label, items)


def target_years(uy: UnitYear) -> dict[int, Catalog]:
    """Every year's targets: ``targets[2025].hte_count``."""
    return {int(y): targets(uy, int(y)) for y in sorted(uy.targets["year"].unique())}


def _completion_rows(uy: UnitYear, values: dict[str, dict[int, float]]) -> Iterator[tuple[str, dict]]:
    """This year's targets against this year's values: (indicator, {target, qualifier, actual,
    rate (%), status}), in the targets' order; the rate NaN where the target is not above zero."""
    for t in _target_rows(uy):
        if not _of_year(t["year"], uy.year):
            continue
        target = np.nan if pd.isna(t["target"]) else float(t["target"])
        actual = values.get(t["id"], {}).get(uy.year, np.nan)
        rate = actual / target * 100 if target > 0 else np.nan
        status = cnfmt.completion_status(_num(actual), _num(target), t["qualifier"] or None)[1]
        yield t["id"], {"target": target, "qualifier": t["qualifier"], "actual": actual, "rate": rate,
                        "status": status}


def completion(uy: UnitYear) -> list[dict]:
    """Rows of the completion table: name, target (15%以上), actual, rate (完成率), status."""
    figs = figures(uy)
    tcat = targets(uy, uy.year)
    values = _values(uy)
    out = []
    for ind_id, row in _completion_rows(uy, values):
        tgt = tcat[ind_id]
        fig = figs.get(ind_id)
        used = [fig.cell() if fig else None, (tgt.cell, _cell_text(tgt.target))]
        # a blank value or target the row needs is a gap (named), never a silent “—”
        actual_gap = _value_gap(figs, ind_id, tgt.name, uy.year, tgt.cell) if _num(row["actual"]) is None else None
        needed = actual_gap or (tgt.gap() if _num(row["target"]) is None else None)
        rate_text = _gap(needed) if needed else cnfmt.fmt_percent(_num(row["rate"]), 1)
        rate = _trace(rate_text, ind_id, tgt.name, row["rate"], used, f"完成率＝{uy.year}年完成÷目标×100%，保留1位")
        out.append({"id": ind_id, "name": tgt.name, "target": tgt.__traced__(),
                    "actual": fig.__traced__() if fig else _trace(_gap(actual_gap), ind_id, tgt.name, None, used,
                                                                   f"{uy.year}年完成值"),
                    "rate": rate, "status": row["status"], "rate_value": _num(row["rate"])})
    return out


# -- five-year plan monitoring ------------------------------------------------------------------
def plan_frame(uy: UnitYear, base_year: int, target_year: int) -> pd.DataFrame:
    """The plan's indicators (targets of ``target_year``) with base, growth and progress.

    Columns: base, target, qualifier, method (cagr/cumulative/none), growth (年均增长 % or
    累计提高 in points), latest (value of the results year), actual_growth (so far),
    progress (% of the way from base to target), time_progress (序时进度 %), status.
    """
    n = target_year - base_year
    tg = uy.targets[uy.targets["year"] == target_year].set_index("id")
    m = meta(uy).reindex(tg.index)
    w = wide(uy)
    out = pd.DataFrame(index=tg.index)
    out["kind"] = m["kind"].fillna(pd.Series([guess_kind(r.measure, r.name) for r in tg.itertuples()],
                                             index=tg.index))
    out["base"] = _column(w, base_year, tg.index)
    out["target"] = tg["target"].astype(float)
    out["qualifier"] = tg["qualifier"]
    bound = tg["qualifier"].isin(BOUND_QUALIFIERS)
    auto = np.select([bound, out["kind"].isin(POINT_KINDS), out["kind"] == "amount"], ["none", "cumulative", "cagr"],
                     default="none")
    out["method"] = np.where(tg["method"] == "auto", auto, tg["method"])
    cagr_ok = (out["method"] == "cagr") & (out["base"] > 0) & (out["target"] >= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        planned_cagr = ((out["target"] / out["base"].where(cagr_ok)) ** (1 / n) - 1) * 100
    out["growth"] = np.where(cagr_ok, planned_cagr,
                             np.where(out["method"] == "cumulative", out["target"] - out["base"], np.nan))
    k = uy.year - base_year
    out["time_progress"] = cnfmt.time_progress(base_year, target_year, uy.year) if k > 0 else np.nan
    out["latest"] = _column(w, uy.year, tg.index) if k > 0 else np.nan
    so_far_ok = (out["method"] == "cagr") & (out["base"] > 0) & (out["latest"] >= 0) & (k > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        so_far = ((out["latest"] / out["base"].where(so_far_ok)) ** (1 / max(k, 1)) - 1) * 100
    out["actual_growth"] = np.where(so_far_ok, so_far,
                                    np.where(out["method"] == "cumulative", out["latest"] - out["base"], np.nan))
    span = out["target"] - out["base"]
    ceiling = tg["qualifier"].isin(("以下", "以内"))
    base_meets = np.where(ceiling, out["base"] <= out["target"], out["base"] >= out["target"])
    # a bound the base already satisfies (6以上 from 6.3) is kept, not approached: no progress share
    out["keep"] = bound & base_meets & out["base"].notna()
    moving = (span.abs() > 1e-12) & ~out["keep"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["progress"] = ((out["latest"] - out["base"]) / span.where(moving) * 100).where(moving)
    statuses = []
    for row in out.itertuples():
        if pd.isna(row.latest) or pd.isna(row.base):
            statuses.append(cnfmt.MISSING)
        elif pd.isna(row.progress):
            # kept bounds and targets equal to the base: on track while the target holds
            met = cnfmt.meets_target(_num(row.latest), _num(row.target), row.qualifier or None)
            statuses.append("正常" if met else "滞后")
        else:
            statuses.append(cnfmt.progress_status(row.progress, row.time_progress))
    out["status"] = statuses
    return out


@dataclass(frozen=True)
class PlanRow:
    """One indicator of a five-year plan, formatted for the annex and the progress table."""

    id: str
    name: str
    measure: str
    kind: str
    attribute: str
    base_text: str          # 218, or — when the base year has no value
    target_text: str        # 550, 3.5左右
    growth_text: str        # 20.3%, [18.5], —
    latest_text: str        # value of the results year, or —
    actual_growth_text: str
    progress_text: str      # 57.2%, or —
    status: str             # 超前/正常/滞后/—
    values: tuple[tuple[int, str], ...] = ()   # (year, value) of each year after the base year
    progress: float | None = None              # % of the way from base to target (for charts, counts)


@dataclass(frozen=True)
class Plan:
    """A five-year plan's indicators: ``plan.rows`` for the annex, progress once years are entered."""

    base_year: int
    target_year: int
    year: int
    rows: tuple[PlanRow, ...]
    actual_years: tuple[int, ...]

    @property
    def has_progress(self) -> bool:
        """True once a year after the base year has values (the progress table then makes sense)."""
        return bool(self.actual_years)

    @property
    def time_progress(self) -> str:
        """序时进度 of the results year: 60%."""
        if self.year <= self.base_year:
            return cnfmt.MISSING
        text = cnfmt.fmt_percent(cnfmt.time_progress(self.base_year, self.target_year, self.year), 1, trim=True)
        return _trace(text, "", "序时进度", cnfmt.time_progress(self.base_year, self.target_year, self.year), (),
                      f"序时进度＝（{self.year}－{self.base_year}）÷（{self.target_year}－{self.base_year}）×100%")

    @property
    def span(self) -> int:
        return self.target_year - self.base_year

    @property
    def period(self) -> str:
        """The plan's name by its period: 2021—2025 → 十四五, 2026—2030 → 十五五."""
        n = (self.target_year - 1955) // 5
        return cnfmt.cn_numeral(n) + "五" if self.span == 5 and n > 0 else f"{self.base_year + 1}—{self.target_year}年"

    @staticmethod
    def _cells_of(rows, field: str) -> tuple:
        """The source cells behind a column of the counted rows (each cell once, in order)."""
        cells = (c for r in rows for c in getattr(getattr(r, field), "source", None).cells
                 if getattr(getattr(r, field), "source", None) is not None)
        return tuple(dict.fromkeys(cells))

    def _counted(self, rows, what: str) -> str:
        return _trace(str(len(rows)), "plan", what, len(rows), self._cells_of(rows, "progress_text"),
                      f"{what}：按{self.year}年目标进度逐项判断后计数（{_('、').join(r.name for r in rows) or _('无')}）")

    def count(self, status: str) -> str:
        """How many indicators have ``status`` (超前, 正常, 滞后), as text that names its computation."""
        return self._counted([r for r in self.rows if r.status == status], f"进度{status}的指标项数")

    @property
    def reached(self) -> str:
        """How many indicators have already reached their target (progress of 100% or more)."""
        return self._counted([r for r in self.rows if r.progress is not None and r.progress >= 100],
                             "已提前实现目标的指标项数")

    @property
    def size(self) -> str:
        """How many main indicators the plan has: the rows of its 目标 table."""
        return _trace(str(len(self.rows)), "plan", "规划主要指标项数", len(self.rows),
                      self._cells_of(self.rows, "target_text"), "规划目标表中的指标项数")

    @property
    def tolerance(self) -> str:
        """How far from 序时进度 a progress may be and still count as 正常: 5 (个百分点)."""
        t = cnfmt.PROGRESS_TOLERANCE
        return _trace(cnfmt.fmt_number(t, None, group=False), "", "进度判断的容差", t, (),
                      "超前/滞后的判断标准：规则，不来自数据表（与序时进度相差不超过此数为正常）")

    def counts(self) -> dict[str, int]:
        """How many indicators are 超前/正常/滞后."""
        out = {"超前": 0, "正常": 0, "滞后": 0}
        for r in self.rows:
            if r.status in out:
                out[r.status] += 1
        return out


def plan(uy: UnitYear, base_year: int, target_year: int) -> Plan:
    """The five-year plan from ``base_year`` to ``target_year`` (e.g. 十四五: 2020 → 2025)."""
    base_year, target_year = int(base_year), int(target_year)
    if target_year <= base_year:
        raise ValueError(_("规划目标年份 {target_year} 应晚于基期年份 {base_year}").format(target_year=target_year,
                                                                                  base_year=base_year))
    frame = plan_frame(uy, base_year, target_year)
    m = meta(uy)
    w = wide(uy)
    tcat = targets(uy, target_year)
    actual_years = tuple(y for y in sorted(w.columns) if base_year < y <= uy.year and w[y].notna().any())
    rows = []
    where = cells(uy)
    figs = figures(uy)
    absent = not_collected(uy)
    for ind_id, r in frame.iterrows():
        tgt = tcat[ind_id]
        # what the row needs and does not have: the base, the target, and (once a year after the
        # base has been entered) the results year's value — each a named gap, never a silent “—”.
        # A “—” the rules call for stays: 年均增长 of a bound target (以上/左右…), a growth of a
        # base of zero or below, progress of a bound the base already meets.
        base_gap = (_value_gap(figs, ind_id, tgt.name, base_year, tgt.cell)
                    if _num(r["base"]) is None and (ind_id, base_year) not in absent else None)
        target_gap = tgt.gap() if _num(r["target"]) is None else None
        latest_gap = (_value_gap(figs, ind_id, tgt.name, uy.year, tgt.cell)
                      if uy.year > base_year and _num(r["latest"]) is None and (ind_id, uy.year) not in absent
                      else None)

        def gap_or(text, *needs):
            first = next((g for g in needs if g is not None), None)
            return _gap(first) if first is not None else text
        prec = _precision(m.at[ind_id, "precision"]) if ind_id in m.index else None
        base_cell, latest_cell = where.get((ind_id, base_year)), where.get((ind_id, uy.year))
        target_cell = (tgt.cell, _cell_text(tgt.target))

        def tr(text, value, used, how, ind_id=ind_id, tgt=tgt):
            return _trace(text, ind_id, tgt.name, value, used, how)

        b, t, n, k = base_year, target_year, target_year - base_year, uy.year - base_year
        if r["method"] == "cagr":
            growth = tr(gap_or(cnfmt.fmt_percent(_num(r["growth"]), 1, trim=True), base_gap, target_gap),
                        r["growth"], [base_cell, target_cell], f"年均增长＝（{t}年目标÷{b}年基数）^(1/{n})－1，保留1位")
            so_far = tr(gap_or(cnfmt.fmt_percent(_num(r["actual_growth"]), 1, trim=True), base_gap, latest_gap),
                        r["actual_growth"], [base_cell, latest_cell],
                        f"实际年均增长＝（{uy.year}年÷{b}年）^(1/{k})－1，保留1位")
        elif r["method"] == "cumulative":
            growth = tr(gap_or(cnfmt.fmt_cumulative_pp(_num(r["base"]), _num(r["target"]), None), base_gap, target_gap),
                        r["growth"], [base_cell, target_cell], f"累计提高＝{t}年目标－{b}年基数")
            so_far = tr(gap_or(cnfmt.fmt_cumulative_pp(_num(r["base"]), _num(r["latest"]), None), base_gap, latest_gap),
                        r["actual_growth"], [base_cell, latest_cell], f"累计提高＝{uy.year}年－{b}年")
        else:
            growth = so_far = cnfmt.MISSING        # a bound target (以上/左右…): no 年均增长, by rule
        values = tuple((y, tr(gap_or(plain_number(w.at[ind_id, y] if ind_id in w.index else None, prec),
                                     _value_gap(figs, ind_id, tgt.name, y, tgt.cell)
                                     if (ind_id not in w.index or _num(w.at[ind_id, y]) is None)
                                     and (ind_id, y) not in absent else None),
                              w.at[ind_id, y] if ind_id in w.index else None, [where.get((ind_id, y))],
                              f"{y}年实际值"))
                       for y in actual_years)
        rows.append(PlanRow(
            id=ind_id, name=tgt.name, measure=tgt.measure, kind=tgt.kind, attribute=tgt.attribute,
            base_text=tr(gap_or(plain_number(r["base"]), base_gap), r["base"], [base_cell], f"{b}年基数"),
            target_text=tgt.number,
            growth_text=growth,
            latest_text=tr(gap_or(plain_number(r["latest"], prec), latest_gap), r["latest"], [latest_cell],
                           f"{uy.year}年实际值"),
            actual_growth_text=so_far,
            progress_text=tr(gap_or(cnfmt.fmt_percent(_num(r["progress"]), 1),
                                    *((base_gap, target_gap, latest_gap) if k > 0 else ())),
                             r["progress"], [base_cell, latest_cell, target_cell],
                             f"目标进度＝（{uy.year}年实际－{b}年基数）÷（{t}年目标－{b}年基数）×100%，保留1位"),
            status=r["status"], values=values, progress=_num(r["progress"])))
    return Plan(base_year, target_year, uy.year, tuple(rows), actual_years)


def default_plan(uy: UnitYear) -> Plan | None:
    """The five-year plan the results year falls in: targets of a year ending in 0 or 5 that is
    not earlier than the results year, and not more than five years ahead (base = that year − 5)."""
    years = sorted(int(y) for y in uy.targets["year"].unique())
    for y in years:
        if y % PLAN_SPAN == 0 and uy.year <= y <= uy.year + PLAN_SPAN:
            return plan(uy, y - PLAN_SPAN, y)
    return None


def context(uy: UnitYear) -> dict:
    """Everything a template may use, for one unit's report: ``year`` is the results year (the
    year summarised), ``next_year`` the year planned for, ``report_year`` the report's own year."""
    return {
        "unit": uy.unit,
        "report_year": uy.report_year,
        "year": uy.year,
        "next_year": uy.year + 1,
        "ind": figures(uy),
        "t": targets(uy, uy.year + 1),
        "targets": target_years(uy),
        "completion": completion(uy),
        "plan": default_plan(uy),
        "five_year_plan": lambda base_year, target_year: plan(uy, base_year, target_year),
    }
