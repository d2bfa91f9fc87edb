"""Figures derived from the dataset, and the objects templates see.

For the results year: each indicator's value with its unit, last year's value and the change
(增长/下降 x%, 提高/降低 x个百分点, 持平), its rank; for the plan year: each target with its
qualifier; and the completion of this year's targets (set in last year's plan).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from . import cnfmt
from .load import UnitYear


def _num(v):
    """A plain Python number (ints stay ints: 25, not 25.0), or None for missing."""
    if v is None:
        return None
    v = float(v) if not isinstance(v, int) else v
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if v.is_integer():
            return int(v)
    return v


def format_value(value, kind: str, measure: str, precision) -> str:
    """A value as the documents write it, by kind: 33.97万平方米, 21.9%, 0.26个百分点, 第25位."""
    value = _num(value)
    if value is None:
        return "—"
    precision = None if precision is None or (isinstance(precision, float) and math.isnan(precision)) else int(precision)
    if kind == "growth":
        return cnfmt.fmt_percent(value, precision)
    if kind == "pp":
        return cnfmt.fmt_pp(value, precision if precision is not None else 2)
    if kind == "ratio":
        return cnfmt.fmt_number(value, precision) + (measure or "%")
    if kind == "rank":
        return cnfmt.fmt_number(value, 0) + (measure or "位")
    return cnfmt.fmt_amount(value, measure, precision)


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

    def __str__(self) -> str:
        return format_value(self.value, self.kind, self.measure, self.precision)

    @property
    def text(self) -> str:
        return str(self)

    @property
    def number(self) -> str:
        """The value without its unit: 33.97."""
        v = _num(self.value)
        return "—" if v is None else cnfmt.fmt_number(v, self.precision)

    @property
    def rank_text(self) -> str:
        return cnfmt.rank_phrase(self.rank, self.rank_scope)

    @property
    def change(self) -> str:
        """Change against last year: 增长21.9%、下降3.2%、提高0.26个百分点、持平, or —."""
        kind = "ratio" if self.kind == "ratio" else "amount"
        return cnfmt.change_phrase(_num(self.value), _num(self.prev), kind,
                                   precision=1 if kind == "amount" else 2)


@dataclass(frozen=True)
class Target:
    """One target of the plan year. ``{{ t.x }}`` prints it with its qualifier: 15%以上."""

    id: str
    name: str
    measure: str
    kind: str
    year: int
    target: float | int
    qualifier: str
    note: str = ""

    @property
    def plain(self) -> str:
        return format_value(self.target, self.kind, self.measure, None)

    def __str__(self) -> str:
        return cnfmt.qualify(self.plain, self.qualifier or None)


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
            return self._items[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def suggest(self, key: str) -> list[str]:
        return difflib.get_close_matches(key, list(self._items), n=3, cutoff=0.6)

    @property
    def label(self) -> str:
        return self._label


def figures(uy: UnitYear) -> Catalog:
    """The results year's figures, with last year's value joined in (vectorised)."""
    df = uy.indicators
    meta = df.drop_duplicates("id").set_index("id")
    values = df.dropna(subset=["year"]).pivot_table(index="id", columns="year", values="value", aggfunc="first")
    cur = values[uy.year] if uy.year in values.columns else pd.Series(dtype=float)
    prev = values[uy.year - 1] if uy.year - 1 in values.columns else pd.Series(dtype=float)
    ranks = df[df["year"] == uy.year].set_index("id")
    items = {}
    for ind_id, row in meta.iterrows():
        r = ranks.loc[ind_id] if ind_id in ranks.index else row
        items[ind_id] = Figure(
            id=ind_id, name=row["name"], measure=row["measure"], kind=row["kind"],
            precision=None if pd.isna(row["precision"]) else int(row["precision"]),
            value=_num(cur.get(ind_id)), prev=_num(prev.get(ind_id)),
            rank=None if pd.isna(r["rank"]) else int(r["rank"]),
            rank_scope=None if pd.isna(r["rank_scope"]) else r["rank_scope"], note=row["note"])
    return Catalog("ind", items)


def targets(uy: UnitYear, year: int) -> Catalog:
    """Targets set for ``year``; the kind comes from the indicator when it is in the 指标 sheet."""
    kinds = dict(zip(uy.indicators["id"], uy.indicators["kind"]))
    rows = uy.targets[uy.targets["year"] == year]
    items = {}
    for row in rows.itertuples(index=False):
        kind = kinds.get(row.id) or ("growth" if row.measure == "%" and "增" in row.name else
                                      "ratio" if row.measure == "%" else "amount")
        items[row.id] = Target(row.id, row.name, row.measure, kind, int(row.year), row.target,
                               row.qualifier, row.note)
    return Catalog("t", items)


def completion(uy: UnitYear) -> list[dict]:
    """This year's targets (from last year's plan) against this year's values."""
    figs = figures(uy)
    out = []
    for tgt in targets(uy, uy.year).values():
        fig = figs.get(tgt.id)
        actual = fig.value if fig else None
        rate, label = cnfmt.completion_status(actual, tgt.target, tgt.qualifier or None)
        out.append({"id": tgt.id, "name": tgt.name, "target": str(tgt),
                    "actual": str(fig) if fig else "—",
                    "rate": "—" if rate is None else cnfmt.fmt_percent(rate, 1), "status": label})
    return out


def context(uy: UnitYear) -> dict:
    """Everything a template may use, for one unit and results year."""
    return {
        "unit": uy.unit,
        "year": uy.year,
        "next_year": uy.year + 1,
        "ind": figures(uy),
        "t": targets(uy, uy.year + 1),
        "completion": completion(uy),
    }
