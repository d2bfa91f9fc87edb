"""The vocabulary of the indicator sheets, in one place: kinds (类型) and the units each allows,
rank scopes (排名范围), target qualifiers (限定词), plan attributes and methods, and how a kind is
guessed from an indicator's unit and name. Readers validate against it, derive and the
formatters compute with it, new-year guesses with it."""

from __future__ import annotations

#: 类型 as typed in the sheet → the code used inside.
KINDS = {"总量": "amount", "比重": "ratio", "增速": "growth", "百分点": "pp", "位次": "rank", "完成率": "rate"}
KIND_NAMES = {v: k for k, v in KINDS.items()}
#: Units a kind allows (None: any unit except those reserved for the other kinds).
KIND_UNITS = {"ratio": ("%", "‰"), "growth": ("%",), "pp": ("个百分点",), "rank": ("位", "名"), "rate": ("%",)}
#: Kinds whose values are points (a change between two of them is in 个百分点, not %).
POINT_KINDS = ("ratio", "growth", "pp", "rate")

RANK_SCOPES = ("全国", "全省", "全市", "全区", "全县")

#: 限定词: written after the figure (15%以上) or before it (超过50亿元).
SUFFIX_QUALIFIERS = ("以上", "以内", "左右", "以下")
PREFIX_QUALIFIERS = ("超过", "超", "达到", "不低于", "不少于", "力争", "累计")
QUALIFIERS: frozenset[str] = frozenset(SUFFIX_QUALIFIERS + PREFIX_QUALIFIERS)
#: Ceilings: lower actual values are better.
LOWER_IS_BETTER = frozenset({"以下", "以内"})
#: Qualifiers of a bound (not a level to reach by growing): the five-year table computes no rate.
BOUND_QUALIFIERS = ("以上", "以内", "左右", "以下", "超过", "超", "不低于", "不少于")

#: 属性 of a five-year plan indicator.
ATTRIBUTES = ("预期性", "约束性")
#: How the five-year plan table computes 年均增长[累计提高] (see derive.plan).
PLAN_METHODS = {"自动": "auto", "年均增长": "cagr", "累计提高": "cumulative", "不测算": "none"}


def guess_kind(measure: str, name: str) -> str:
    """The kind (code) of an indicator known only by its unit and name (a target with no row in
    the 指标 sheet): % is a growth rate when the name says 增, else a share."""
    if measure == "%":
        return "growth" if "增" in name else "ratio"
    return "pp" if measure == "个百分点" else "amount"
