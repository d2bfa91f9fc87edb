"""Chinese statistical formatting helpers (the engine behind the template filters).

All functions are pure.  Numbers are handled as :class:`decimal.Decimal` with
``ROUND_HALF_UP`` (统计上的“四舍五入”) and written as babel's locale ``zh_CN``
writes them (:func:`fmt_number`).  Floats are converted via their shortest ``repr`` so that ``2.675``
means 2.675, not its binary neighbour 2.67499999….

Conventions
-----------
* Missing values (``None``, ``NaN``, ``±inf``, ``""``) render as :data:`MISSING`
  ("—") in every ``fmt_*`` function, in :func:`change_phrase` and in
  :func:`rmb_upper`; functions returning numbers return ``None`` instead.
* Programming errors (unknown ``kind``/qualifier, negative precision, ordinal
  ``n < 1``) raise :class:`ValueError` with a Chinese message.
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache


from .vocab import LOWER_IS_BETTER as _LOWER_IS_BETTER, PREFIX_QUALIFIERS as _PREFIX_QUALIFIERS
from .vocab import QUALIFIERS, SUFFIX_QUALIFIERS as _SUFFIX_QUALIFIERS

__all__ = [
    "AUTO_SCALED_UNITS",
    "LOCALE",
    "MISSING",
    "QUALIFIERS",
    "SCALABLE_UNITS",
    "base_unit",
    "cagr",
    "change_phrase",
    "cn_numeral",
    "cn_year",
    "completion_status",
    "fmt_amount",
    "fmt_amount_column",
    "fmt_annual_growth",
    "fmt_cumulative_pp",
    "fmt_date",
    "fmt_number",
    "fmt_percent",
    "fmt_pp",
    "heading_number",
    "lead_in",
    "meets_target",
    "paren_numeral",
    "parse_date",
    "progress_status",
    "qualify",
    "rank_change_phrase",
    "rank_ordinal",
    "rank_phrase",
    "rmb_upper",
    "round_half_up",
    "scale_amount",
    "time_progress",
]

Number = int | float | Decimal
NumberLike = Number | str | None
DateLike = date | datetime | str

LOCALE = "zh_CN"
MISSING = "—"

#: Decimals shown by ``precision=None`` ("as many as needed").
_AUTO_DECIMALS = 4
#: Wide enough to quantise any float (≈1.8e308, ratios up to ≈1e634) exactly.
_CTX = Context(prec=1000, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------


def _dec(value: NumberLike) -> Decimal | None:
    """Coerce to a finite Decimal; ``None`` for missing (None/NaN/inf/"")."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"布尔值不是数值：{value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None
        d = Decimal(repr(float(value)))  # float() first: numpy scalars subclass float
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            return None
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"无法识别的数值：{value!r}") from None
    else:
        try:
            d = Decimal(repr(float(value)))  # numpy scalars and the like
        except (TypeError, ValueError):
            raise TypeError(f"不支持的数值类型：{type(value).__name__}") from None
    return d if d.is_finite() else None


def _check_precision(precision: int | None) -> None:
    if precision is not None and precision < 0:
        raise ValueError(f"小数位数不能为负：{precision}")


def _round(d: Decimal, precision: int | None) -> Decimal:
    """Round half up; ``None`` = at most 4 decimals, trailing zeros dropped.

    Never returns negative zero.
    """
    _check_precision(precision)
    places = _AUTO_DECIMALS if precision is None else precision
    q = d.quantize(Decimal(1).scaleb(-places), context=_CTX)
    if precision is None:
        q = q.normalize(_CTX)
        if q.as_tuple().exponent > 0:  # 5E+2 -> 500
            q = q.quantize(Decimal(1), context=_CTX)
    return q.copy_abs() if q.is_zero() else q


def round_half_up(value: NumberLike, precision: int) -> Decimal | None:
    """Round half up (四舍五入) to ``precision`` decimals; ``None`` for missing.

    >>> round_half_up(2.675, 2), round_half_up(13.45, 1)
    (Decimal('2.68'), Decimal('13.5'))
    """
    d = _dec(value)
    return None if d is None else _round(d, precision)


def fmt_number(value: NumberLike, precision: int | None = None, *, group: bool = True) -> str:
    """Format a number the zh_CN way, rounding half up.

    The rounded decimal's own digits, grouped by three with a comma when ``group``: what babel
    prints with the zh_CN patterns ``#,##0.00``, ``0.####`` … (tests/test_cnfmt.py compares the
    two), without its formatting machinery (a fifth of the time).

    >>> fmt_number(12345)
    '12,345'
    >>> fmt_number(2.675, 2)
    '2.68'
    >>> fmt_number(1234.5, 2, group=False)
    '1234.50'
    """
    d = _dec(value)
    if d is None:
        return MISSING
    return format(_round(d, precision), ",f" if group else "f")


def _trim(text: str) -> str:
    """Drop trailing zeros of a decimal part: “17.0” → “17”, “12.40” → “12.4”."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_percent(value: NumberLike, precision: int | None = 1, *, trim: bool = False) -> str:
    """Value already in percent: 21.9 → “21.9%”; 266.6 → “266.6%”.

    ``trim=True`` drops trailing zeros after rounding, as planning tables print rates.

    >>> fmt_percent(21.9)
    '21.9%'
    >>> fmt_percent(17.0057, 1, trim=True)
    '17%'
    """
    text = fmt_number(value, precision)
    if text == MISSING:
        return text
    return f"{_trim(text) if trim else text}%"


def fmt_pp(value: NumberLike, precision: int | None = 2) -> str:
    """Percentage points: 0.26 → “0.26个百分点”.

    >>> fmt_pp(0.26)
    '0.26个百分点'
    >>> fmt_pp(1.5, 1)
    '1.5个百分点'
    """
    text = fmt_number(value, precision)
    return text if text == MISSING else f"{text}个百分点"


# --------------------------------------------------------------------------
# 万/亿 scaling
# --------------------------------------------------------------------------

#: Base units that take 万/亿 prefixes (元 → 万元 → 亿元, 人 → 万人 → 亿人, …).
SCALABLE_UNITS: tuple[str, ...] = (
    "元", "平方米", "人", "人次", "个", "家", "项", "件", "吨", "千瓦时", "次", "篇",
)
#: (prefix, factor), largest first.
_SCALES: tuple[tuple[str, Decimal], ...] = (("亿", Decimal(10**8)), ("万", Decimal(10**4)), ("", Decimal(1)))


def _split_unit(unit: str) -> tuple[str, Decimal] | None:
    """“万元” → (“元”, 10000); ``None`` if the unit does not scale."""
    for prefix, factor in _SCALES:
        base = unit[len(prefix):]
        if unit.startswith(prefix) and base in SCALABLE_UNITS:
            return base, factor
    return None


def scale_amount(value: NumberLike, unit: str, precision: int | None = None) -> tuple[Decimal, str]:
    """Rescale to the largest of X/万X/亿X whose magnitude is ≥ 1.

    The value is first converted to the base unit, so scaling only happens
    from 10,000 base units up (the choice uses the unrounded value).  The
    result is rounded to ``precision`` (``None`` = up to 4 decimals).  Units
    outside :data:`SCALABLE_UNITS` are returned unchanged.

    >>> scale_amount(7646000000, "元", 2)
    (Decimal('76.46'), '亿元')
    >>> scale_amount(508, "万元")
    (Decimal('508'), '万元')
    """
    d = _dec(value)
    if d is None:
        raise ValueError(f"缺少数值，无法换算单位：{value!r}")
    split = _split_unit(unit)
    if split is None:
        return _round(d, precision), unit
    base_unit, factor = split
    base = d * factor
    prefix, scale = next((p, s) for p, s in _SCALES if abs(base) >= s or s == 1)
    with localcontext(_CTX):
        scaled = base / scale
    return _round(scaled, precision), prefix + base_unit


#: Base units scaled to 万/亿 automatically in running text (money and physical quantities);
#: counts (家, 个, 项, 人 …) keep the unit they were typed in: “12067家”, “14.1万人”.
AUTO_SCALED_UNITS: tuple[str, ...] = ("元", "平方米", "吨", "千瓦时")


def base_unit(unit: str) -> str | None:
    """The base of a scalable unit: “亿元” → “元”, “万平方米” → “平方米”; ``None`` otherwise.

    >>> base_unit("万元")
    '元'
    >>> base_unit("人年") is None
    True
    """
    split = _split_unit(unit)
    return None if split is None else split[0]


def fmt_amount(value: NumberLike, unit: str, precision: int | None = None, *,
               scale: bool = True, group: bool = True) -> str:
    """Amount with unit-aware 万/亿 scaling.

    ``scale=False`` keeps the unit as given; ``group=False`` writes 12067 without a separator
    (as Chinese official documents do).

    >>> fmt_amount(7646000000, "元")
    '76.46亿元'
    >>> fmt_amount(339700, "平方米")
    '33.97万平方米'
    >>> fmt_amount(76460, "万元", 2)
    '7.65亿元'
    >>> fmt_amount(44, "家")
    '44家'
    >>> fmt_amount(12067, "家", scale=False, group=False)
    '12067家'
    """
    if _dec(value) is None:
        return MISSING
    if not scale:
        return fmt_number(value, precision, group=group) + unit
    scaled, scaled_unit = scale_amount(value, unit, precision)
    return fmt_number(scaled, precision, group=group) + scaled_unit


def fmt_amount_column(values: list[NumberLike], unit: str, precision: int | None = None, *,
                      group: bool = False) -> tuple[str, list[str]]:
    """One unit and one precision for a whole table column: (column unit, cells).

    The unit is the one :func:`scale_amount` picks for the largest magnitude; every cell is
    converted into it and rounded to ``precision``; missing values give “—”.

    >>> fmt_amount_column([76460, 508, None], "万元", 2)
    ('亿元', ['7.65', '0.05', '—'])
    """
    nums = [_dec(v) for v in values]
    present = [d for d in nums if d is not None]
    split = _split_unit(unit)
    if not present or split is None:
        return unit, [MISSING if d is None else fmt_number(d, precision, group=group) for d in nums]
    base, factor = split
    _, col_unit = scale_amount(max(present, key=abs), unit, precision)
    col_factor = dict((p + base, f) for p, f in _SCALES)[col_unit]
    with localcontext(_CTX):
        cells = [MISSING if d is None else fmt_number(d * factor / col_factor, precision, group=group) for d in nums]
    return col_unit, cells


# --------------------------------------------------------------------------
# changes (同比)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _ChangeStyle:
    relative: bool  # True: (cur-prev)/prev in %, False: cur-prev in points
    up: str
    down: str
    render: Callable[[Decimal, int | None], str]


_RELATIVE = _ChangeStyle(True, "增长", "下降", fmt_percent)
_CHANGE_STYLES: dict[str, _ChangeStyle] = {
    "amount": _RELATIVE,
    "count": _RELATIVE,
    "ratio": _ChangeStyle(False, "提高", "降低", fmt_pp),
}


def change_phrase(cur: NumberLike, prev: NumberLike, kind: str, precision: int | None = 1) -> str:
    """Year-on-year wording.

    ``kind`` "amount"/"count": relative change (“增长21.9%”/“下降3.2%”);
    "ratio" (values are percentages): difference (“提高0.26个百分点”).
    Equal after rounding → “持平”; missing data or a base ≤ 0 for a
    relative change → “—”.

    >>> change_phrase(121.9, 100, "amount")
    '增长21.9%'
    >>> change_phrase(2.11, 1.85, "ratio", 2)
    '提高0.26个百分点'
    """
    style = _CHANGE_STYLES.get(kind)
    if style is None:
        raise ValueError(f"未知的变化类型“{kind}”，可用：{'、'.join(_CHANGE_STYLES)}")
    _check_precision(precision)
    c, p = _dec(cur), _dec(prev)
    if c is None or p is None or (style.relative and p <= 0):
        return MISSING
    with localcontext(_CTX):
        delta = (c - p) / p * 100 if style.relative else c - p
    delta = _round(delta, precision)
    if delta.is_zero():
        return "持平"
    word = style.up if delta > 0 else style.down
    return word + style.render(abs(delta), precision)


def rank_change_phrase(cur: Number | None, prev: Number | None) -> str:
    """Change of a rank (a smaller number is better): 14 after 20 → “上升6位”.

    >>> rank_change_phrase(14, 20)
    '上升6位'
    >>> rank_change_phrase(25, 25)
    '持平'
    >>> rank_change_phrase(None, 3)
    '—'
    """
    c, p = _rank(cur), _rank(prev)
    if c is None or p is None:
        return MISSING
    if c == p:
        return "持平"
    return f"上升{p - c}位" if c < p else f"下降{c - p}位"


# --------------------------------------------------------------------------
# Chinese numerals
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Numerals:
    digits: str  # 零..九, index = value
    units: tuple[str, str, str, str]  # 个/十/百/千 within a 4-digit group
    groups: tuple[str, ...] = ("", "万", "亿")

    def _group(self, g: int) -> str:
        """Spell 1..9999; inner zeros collapse to one 零, trailing zeros vanish."""
        out: list[str] = []
        zero = False
        for pos in (3, 2, 1, 0):
            digit = g // 10**pos % 10
            if digit == 0:
                zero = bool(out)
                continue
            if zero:
                out.append(self.digits[0])
            out.append(self.digits[digit] + self.units[pos])
            zero = False
        return "".join(out)

    def spell(self, n: int) -> str:
        """Spell ``0 <= n < 10**(4*len(groups))``, e.g. 10010 → 一万零一十."""
        if n == 0:
            return self.digits[0]
        groups: list[int] = []
        while n:
            n, g = divmod(n, 10_000)
            groups.append(g)
        out: list[str] = []
        zero = False
        for idx in reversed(range(len(groups))):
            g = groups[idx]
            if g == 0:
                zero = bool(out)
                continue
            if out and (zero or g < 1000):
                out.append(self.digits[0])
            out.append(self._group(g) + self.groups[idx])
            zero = False
        return "".join(out)


_CN = _Numerals("零一二三四五六七八九", ("", "十", "百", "千"))
_RMB = _Numerals("零壹贰叁肆伍陆柒捌玖", ("", "拾", "佰", "仟"))
_CN_MAX = 10**8 - 1


def _ordinal(n: int) -> int:
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"序号必须为正整数：{n}")
    return n


def cn_numeral(n: int) -> str:
    """Chinese numeral for 0..99,999,999: 11 → 十一, 101 → 一百零一, 10010 → 一万零一十.

    >>> cn_numeral(20), cn_numeral(101)
    ('二十', '一百零一')
    """
    n = operator.index(n)
    if not 0 <= n <= _CN_MAX:
        raise ValueError(f"中文数字仅支持 0～{_CN_MAX}：{n}")
    text = _CN.spell(n)
    return text[1:] if text.startswith("一十") else text  # 十一, 十万 (not 一十一)


def lead_in(n: int) -> str:
    """Enumeration lead-in: 1 → “一是”, 11 → “十一是”.

    >>> lead_in(3)
    '三是'
    """
    return f"{cn_numeral(_ordinal(n))}是"


def paren_numeral(n: int) -> str:
    """1 → “（一）” (full-width parentheses).

    >>> paren_numeral(4)
    '（四）'
    """
    return f"（{cn_numeral(_ordinal(n))}）"


_HEADING_FORMATS: dict[int, Callable[[int], str]] = {
    1: lambda n: f"{cn_numeral(n)}、",
    2: paren_numeral,
    3: lambda n: f"{n}.",
    4: lambda n: f"（{n}）",
}


def heading_number(level: int, n: int) -> str:
    """GB/T 9704 heading ordinal: “一、” / “（一）” / “1.” / “（1）” for levels 1–4."""
    fmt = _HEADING_FORMATS.get(level)
    if fmt is None:
        raise ValueError(f"标题层级必须为 1～4：{level}")
    return fmt(_ordinal(n))


# --------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------

_YEAR_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"),
    re.compile(r"(\d{4})(年)(\d{1,2})月(\d{1,2})日?"),
)


def cn_year(year: int) -> str:
    """2024 → “二〇二四年” (digit by digit, zero as 〇).

    >>> cn_year(2035)
    '二〇三五年'
    """
    year = operator.index(year)
    if year < 1:
        raise ValueError(f"年份必须为正整数：{year}")
    return f"{str(year).translate(_YEAR_DIGITS)}年"


def parse_date(value: DateLike) -> date:
    """Accept a date/datetime or “2024-01-31”, “2024/1/31”, “2024年1月31日”.

    Full-width digits are accepted; anything else raises ValueError.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"无法识别的日期：{value!r}")
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, _, month, day = match.groups()
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                raise ValueError(f"日期无效：{value!r}") from None
    raise ValueError(f"无法识别的日期：{value!r}（支持 2024-01-31、2024/1/31、2024年1月31日）")


def fmt_date(d: DateLike) -> str:
    """GB/T 9704 成文日期: Arabic numerals, no zero padding → “2024年1月31日”.

    >>> fmt_date("2024-01-31")
    '2024年1月31日'
    """
    d = parse_date(d)
    return f"{d.year}年{d.month}月{d.day}日"


# --------------------------------------------------------------------------
# ranks
# --------------------------------------------------------------------------


def _rank(rank: Number | None) -> int | None:
    if rank is None or (isinstance(rank, float) and math.isnan(rank)):
        return None
    if isinstance(rank, float) and rank.is_integer():
        rank = int(rank)
    return _ordinal(rank)


#: How a rank is worded (reports use all of them): {scope} and {n} are filled in.
RANK_WORDINGS = {
    "名": "{scope}第{n}名",        # 全市第2名
    "排名": "{scope}排名第{n}",    # 全市排名第2
    "居": "居{scope}第{n}位",      # 居全市第2位
    "位居": "位居{scope}第{n}位",  # 位居全市第2位
    "位列": "位列{scope}第{n}",    # 位列全省第14
    "第": "{scope}第{n}",          # 全市第2
}


def rank_phrase(rank: Number | None, scope: str | None = None, wording: str = "名") -> str:
    """14, “全省” → “全省第14名”; no scope → “第14名”; no rank → “”. ``wording`` picks the
    form (:data:`RANK_WORDINGS`): 排名 → 全省排名第14, 居 → 居全省第14位, 位列 → 位列全省第14.

    >>> rank_phrase(14, "全省")
    '全省第14名'
    >>> rank_phrase(2, "全市", "居")
    '居全市第2位'
    """
    if wording not in RANK_WORDINGS:
        raise ValueError(f"排名措辞“{wording}”无效，可用：{'、'.join(RANK_WORDINGS)}")
    r = _rank(rank)
    return "" if r is None else RANK_WORDINGS[wording].format(scope=scope or "", n=r)


def fmt_times(ratio: NumberLike, precision: int | None = 1) -> str:
    """A multiple: 2.5 → “2.5倍”, 3 → “3倍”; missing → “—”.

    >>> fmt_times(2.5)
    '2.5倍'
    >>> fmt_times(3.0)
    '3倍'
    """
    if _dec(ratio) is None:
        return MISSING
    return _trim(fmt_number(ratio, precision, group=False)) + "倍"


def doubling_phrase(ratio: NumberLike) -> str:
    """How many times a value doubled: 2 → “翻一番”, 4 → “翻两番”, 8 → “翻三番”; below 2 → “—”.

    >>> doubling_phrase(2.3)
    '翻一番'
    >>> doubling_phrase(4.0)
    '翻两番'
    """
    d = _dec(ratio)
    if d is None or d < 2:
        return MISSING
    n = 0
    while d >= 2:
        d /= 2
        n += 1
    return "翻" + ("两" if n == 2 else cn_numeral(n)) + "番"


def rank_ordinal(rank: Number | None) -> str:
    """25 → “第25位”; no rank → “”."""
    r = _rank(rank)
    return "" if r is None else f"第{r}位"


# --------------------------------------------------------------------------
# target qualifiers and completion
# --------------------------------------------------------------------------



def _check_qualifier(qualifier: str | None) -> str | None:
    if not qualifier:
        return None
    if qualifier not in QUALIFIERS:
        allowed = "、".join(_SUFFIX_QUALIFIERS + _PREFIX_QUALIFIERS)
        raise ValueError(f"未知的目标限定词“{qualifier}”，可用：{allowed}")
    return qualifier


def qualify(text: str, qualifier: str | None) -> str:
    """Attach a target qualifier: (“15%”, “以上”) → “15%以上”; (“50亿元”, “超过”) → “超过50亿元”.

    >>> qualify("15%", "以上"), qualify("50亿元", "超")
    ('15%以上', '超50亿元')
    """
    q = _check_qualifier(qualifier)
    if q is None:
        return text
    return text + q if q in _SUFFIX_QUALIFIERS else q + text


def completion_status(
    actual: NumberLike, target: NumberLike, qualifier: str | None = None
) -> tuple[float | None, str]:
    """(完成率 %, “超额完成”/“完成”/“未完成”) for a target.

    A rate that rounds to 100.0 counts as “完成”.  With 以下/以内 (ceilings)
    lower is better: actual ≤ target → “完成”, above → “未完成”.
    The rate is ``None`` when the target is ≤ 0 (label from comparison only);
    missing data → ``(None, "—")``.

    >>> completion_status(120, 100)
    (120.0, '超额完成')
    """
    q = _check_qualifier(qualifier)
    a, t = _dec(actual), _dec(target)
    if a is None or t is None:
        return None, MISSING
    rate = None
    if t > 0:
        with localcontext(_CTX):
            rate = a / t * 100
    sign = 0 if (rate is not None and _round(rate, 1) == 100) else (a > t) - (a < t)
    if q in _LOWER_IS_BETTER:
        label = "完成" if sign <= 0 else "未完成"
    else:
        label = ("未完成", "完成", "超额完成")[sign + 1]
    return (None if rate is None else float(rate)), label


# --------------------------------------------------------------------------
# planning indicators (十四五 annex)
# --------------------------------------------------------------------------


def cagr(base: NumberLike, target: NumberLike, years: int) -> float | None:
    """Compound annual growth rate in percent: 218 → 550 over 5 years ≈ 20.3.

    ``None`` if base is missing or ≤ 0, or target is missing or negative.
    """
    if years <= 0:
        raise ValueError(f"年数必须为正：{years}")
    b, t = _dec(base), _dec(target)
    if b is None or t is None or b <= 0 or t < 0:
        return None
    return (float(t / b) ** (1 / years) - 1) * 100


def fmt_cumulative_pp(base: NumberLike, target: NumberLike, precision: int | None = 1) -> str:
    """Five-year cumulative change in brackets: 36.5 → 55 gives “[18.5]”.

    ``precision=None`` keeps the decimals the data has: 3.46 → 3.5 gives “[0.04]”.

    >>> fmt_cumulative_pp(36.5, 55)
    '[18.5]'
    >>> fmt_cumulative_pp(3.46, 3.5, None)
    '[0.04]'
    """
    b, t = _dec(base), _dec(target)
    if b is None or t is None:
        return MISSING
    return f"[{fmt_number(t - b, precision)}]"


def fmt_annual_growth(base: NumberLike, target: NumberLike, years: int, precision: int | None = 1) -> str:
    """年均增长 of a planning table, trailing zeros dropped: 218 → 550 in 5 years gives “20.3%”.

    >>> fmt_annual_growth(218, 550, 5)
    '20.3%'
    >>> fmt_annual_growth(38.76, 85, 5)
    '17%'
    >>> fmt_annual_growth(0, 28, 5)
    '—'
    """
    return fmt_percent(cagr(base, target, years), precision, trim=True)


def meets_target(actual: NumberLike, target: NumberLike, qualifier: str | None = None) -> bool | None:
    """Whether ``actual`` satisfies the target: ≥ target, or ≤ for the ceilings 以下/以内.

    >>> meets_target(3.6, 3.5, "左右"), meets_target(2.6, 2.5, "以内")
    (True, False)
    """
    q = _check_qualifier(qualifier)
    a, t = _dec(actual), _dec(target)
    if a is None or t is None:
        return None
    return a <= t if q in _LOWER_IS_BETTER else a >= t


def time_progress(base_year: int, target_year: int, year: int) -> float:
    """序时进度 in percent: the share of the plan period elapsed at the end of ``year``.

    >>> time_progress(2020, 2025, 2023)
    60.0
    """
    if target_year <= base_year:
        raise ValueError(f"规划目标年份 {target_year} 应晚于基期年份 {base_year}")
    return min(max(year - base_year, 0), target_year - base_year) / (target_year - base_year) * 100


#: |progress − 序时进度| within this many percentage points counts as 正常.
PROGRESS_TOLERANCE = 5.0


def progress_status(progress: NumberLike, expected: NumberLike, tolerance: float = PROGRESS_TOLERANCE) -> str:
    """超前/正常/滞后: actual progress towards a target against 序时进度 (both in percent).

    >>> progress_status(75, 60), progress_status(58, 60), progress_status(40, 60)
    ('超前', '正常', '滞后')
    """
    p, e = _dec(progress), _dec(expected)
    if p is None or e is None:
        return MISSING
    diff = float(p - e)
    if diff > tolerance:
        return "超前"
    return "正常" if diff >= -tolerance else "滞后"


# --------------------------------------------------------------------------
# RMB uppercase (大写金额)
# --------------------------------------------------------------------------

_RMB_LIMIT = Decimal(10**12)


def rmb_upper(amount: NumberLike, *, cheque: bool = False) -> str:
    """人民币大写 following the bank rules (《正确填写票据和结算凭证的基本规定》).

    Rounded half up to 分; 整 after 元 only; one 零 per run of zeros; 零 before
    角 when the 元 digit is 0 (¥1680.32 → …捌拾元零叁角贰分) and before 分 when
    角 is 0.  Negative amounts are written “人民币负…”.  A leading ten is “拾”
    (“人民币拾元整”); ``cheque=True`` writes “壹拾” as required on cheques.
    Amounts ≥ 1e12 raise ValueError; missing → “—”.

    >>> rmb_upper(1234.56)
    '人民币壹仟贰佰叁拾肆元伍角陆分'
    >>> rmb_upper(100.05)
    '人民币壹佰元零伍分'
    """
    d = _dec(amount)
    if d is None:
        return MISSING
    fen_total = int(_round(abs(d) * 100, 0))
    if fen_total >= _RMB_LIMIT * 100:
        raise ValueError(f"金额超出大写范围（须小于一万亿元）：{amount!r}")
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)

    parts = ["人民币", "负" if d < 0 and fen_total else ""]
    if yuan or not rest:
        words = _RMB.spell(yuan)
        if not cheque and words.startswith("壹拾"):
            words = words[1:]
        parts.append(words + "元")
    if not rest:
        parts.append("整")
    if jiao:
        parts.append(("零" if yuan and yuan % 10 == 0 else "") + _RMB.digits[jiao] + "角")
    if fen:
        parts.append(("零" if yuan and not jiao else "") + _RMB.digits[fen] + "分")
    return "".join(parts)
