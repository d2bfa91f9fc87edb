"""Tests for reportgen.cnfmt: golden tables from the Chinese conventions + properties."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from reportgen.core.cnfmt import MISSING, QUALIFIERS, SCALABLE_UNITS, cagr, change_phrase, cn_numeral, cn_year, completion_status, fmt_amount, fmt_cumulative_pp, fmt_date, fmt_number, fmt_percent, fmt_pp, heading_number, lead_in, paren_numeral, parse_date, qualify, rank_ordinal, rank_phrase, rmb_upper, scale_amount

NAN = float("nan")
INF = float("inf")


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "precision", "group", "expected"),
    [
        (12345, None, True, "12,345"),
        (12345, None, False, "12345"),
        (1234567.891, 2, True, "1,234,567.89"),
        (1234567.891, 2, False, "1234567.89"),
        (0, None, True, "0"),
        (0, 2, True, "0.00"),
        (999, None, True, "999"),
        (1000, None, True, "1,000"),
        (-12345.5, 1, True, "-12,345.5"),
        (2.675, 2, True, "2.68"),  # half up, not binary 2.67499…
        (0.125, 2, True, "0.13"),
        (0.5, 0, True, "1"),
        (2.5, 0, True, "3"),  # not banker's rounding
        (-2.5, 0, True, "-3"),
        (-0.001, 2, True, "0.00"),  # no negative zero
        (1.5, 3, True, "1.500"),
        (3.14159265, None, True, "3.1416"),  # auto: at most 4 decimals
        (21.90, None, True, "21.9"),  # auto: no trailing zeros
        (100.0, None, True, "100"),
        (0.00004, None, True, "0"),
        (Decimal("76.4600"), None, True, "76.46"),
        ("12345.678", 1, True, "12,345.7"),
        ("1,234", None, True, "1,234"),
    ],
)
def test_fmt_number(value, precision, group, expected):
    assert fmt_number(value, precision, group=group) == expected


@pytest.mark.parametrize("missing", [None, NAN, INF, -INF, "", Decimal("NaN")])
def test_formatters_render_missing_as_dash(missing):
    assert fmt_number(missing) == MISSING == "—"
    assert fmt_percent(missing) == "—"
    assert fmt_pp(missing) == "—"
    assert fmt_amount(missing, "元") == "—"
    assert rmb_upper(missing) == "—"
    assert fmt_cumulative_pp(missing, 1) == "—"


def test_fmt_number_rejects_bad_input():
    with pytest.raises(ValueError):
        fmt_number("abc")
    with pytest.raises(ValueError):
        fmt_number(1, -1)
    with pytest.raises(TypeError):
        fmt_number(True)


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        (21.9, 1, "21.9%"),
        (266.6, 1, "266.6%"),
        (21.95, 1, "22.0%"),
        (0, 1, "0.0%"),
        (-3.25, 1, "-3.3%"),
        (12.5, None, "12.5%"),
        (12.0, None, "12%"),
        (1.856, 2, "1.86%"),
    ],
)
def test_fmt_percent(value, precision, expected):
    assert fmt_percent(value, precision) == expected


def test_fmt_percent_default_precision_is_one():
    assert fmt_percent(21.94) == "21.9%"


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        (0.26, 2, "0.26个百分点"),
        (0.5, 1, "0.5个百分点"),
        (0.125, 2, "0.13个百分点"),
        (-0.3, 2, "-0.30个百分点"),
        (1, None, "1个百分点"),
    ],
)
def test_fmt_pp(value, precision, expected):
    assert fmt_pp(value, precision) == expected


def test_fmt_pp_default_precision_is_two():
    assert fmt_pp(0.3) == "0.30个百分点"


# ---------------------------------------------------------------- 万/亿


@pytest.mark.parametrize(
    ("value", "unit", "precision", "expected"),
    [
        (508, "万元", None, "508万元"),
        (7646000000, "元", None, "76.46亿元"),
        (5080000, "元", None, "508万元"),
        (339700, "平方米", None, "33.97万平方米"),
        (9999, "元", None, "9,999元"),
        (10000, "元", None, "1万元"),
        (76460, "万元", None, "7.646亿元"),
        (76460, "万元", 2, "7.65亿元"),
        (44, "家", None, "44家"),
        (0, "元", None, "0元"),
        (0.5, "万元", None, "5,000元"),  # converted to base first
        (1.2, "亿元", None, "1.2亿元"),
        (12000, "亿元", None, "12,000亿元"),  # no scale above 亿
        (-5080000, "元", None, "-508万元"),
        (-9999, "元", None, "-9,999元"),
        (123456, "人次", 1, "12.3万人次"),
        (25000, "人", None, "2.5万人"),
        (150000000, "千瓦时", None, "1.5亿千瓦时"),
        (3.5, "万吨", None, "3.5万吨"),
        (1234, "篇", None, "1,234篇"),
        (99999999, "元", 2, "10,000.00万元"),  # choice uses the unrounded value
        (12345, "亩", None, "12,345亩"),  # not a scalable unit
        (52.5, "%", 1, "52.5%"),
    ],
)
def test_fmt_amount(value, unit, precision, expected):
    assert fmt_amount(value, unit, precision) == expected


@pytest.mark.parametrize(
    ("value", "unit", "precision", "expected"),
    [
        (7646000000, "元", 2, (Decimal("76.46"), "亿元")),
        (508, "万元", None, (Decimal("508"), "万元")),
        (76460, "万元", None, (Decimal("7.646"), "亿元")),
        (76460, "万元", 2, (Decimal("7.65"), "亿元")),
        (9999, "元", None, (Decimal("9999"), "元")),
        (12345, "亩", 1, (Decimal("12345.0"), "亩")),
    ],
)
def test_scale_amount(value, unit, precision, expected):
    assert scale_amount(value, unit, precision) == expected


def test_scale_amount_requires_a_value():
    with pytest.raises(ValueError):
        scale_amount(None, "元")


# ---------------------------------------------------------------- 同比


@pytest.mark.parametrize(
    ("cur", "prev", "kind", "precision", "expected"),
    [
        (121.9, 100, "amount", 1, "增长21.9%"),
        (96.8, 100, "amount", 1, "下降3.2%"),
        (100, 100, "amount", 1, "持平"),
        (100.04, 100, "amount", 1, "持平"),  # 0.04% rounds to 0.0
        (100.05, 100, "amount", 1, "增长0.1%"),  # half up
        (366.6, 100, "count", 1, "增长266.6%"),
        (44, 40, "count", 1, "增长10.0%"),
        (0, 50, "count", 1, "下降100.0%"),
        (-10, 50, "amount", 1, "下降120.0%"),
        (110, 100, "amount", None, "增长10%"),
        (2.11, 1.85, "ratio", 2, "提高0.26个百分点"),
        (1.0, 1.5, "ratio", 1, "降低0.5个百分点"),
        (1.85, 1.85, "ratio", 2, "持平"),
        (1.851, 1.85, "ratio", 2, "持平"),
        (0.2, 0, "ratio", 1, "提高0.2个百分点"),  # zero base is fine for points
        (-1.0, -2.0, "ratio", 1, "提高1.0个百分点"),
        # missing / undefined
        (100, 0, "amount", 1, "—"),
        (100, -5, "amount", 1, "—"),
        (None, 100, "amount", 1, "—"),
        (100, None, "count", 1, "—"),
        (NAN, 100, "amount", 1, "—"),
        (100, NAN, "amount", 1, "—"),
        (INF, 100, "amount", 1, "—"),
        (None, 1.5, "ratio", 1, "—"),
        (NAN, 1.5, "ratio", 1, "—"),
    ],
)
def test_change_phrase(cur, prev, kind, precision, expected):
    assert change_phrase(cur, prev, kind, precision) == expected


def test_change_phrase_unknown_kind():
    with pytest.raises(ValueError, match="amount"):
        change_phrase(1, 2, "share")


# ---------------------------------------------------------------- 中文数字


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "零"),
        (1, "一"),
        (2, "二"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (111, "一百一十一"),
        (1000, "一千"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1100, "一千一百"),
        (2024, "二千零二十四"),
        (10000, "一万"),
        (10001, "一万零一"),
        (10010, "一万零一十"),
        (10100, "一万零一百"),
        (11000, "一万一千"),
        (100000, "十万"),
        (110000, "十一万"),
        (100010, "十万零一十"),
        (1000001, "一百万零一"),
        (10000000, "一千万"),
        (10001000, "一千万一千"),
        (12345678, "一千二百三十四万五千六百七十八"),
        (99999999, "九千九百九十九万九千九百九十九"),
    ],
)
def test_cn_numeral(n, expected):
    assert cn_numeral(n) == expected


@pytest.mark.parametrize("n", [-1, 100_000_000])
def test_cn_numeral_out_of_range(n):
    with pytest.raises(ValueError):
        cn_numeral(n)


@pytest.mark.parametrize(
    ("n", "lead", "paren"),
    [(1, "一是", "（一）"), (2, "二是", "（二）"), (10, "十是", "（十）"), (11, "十一是", "（十一）"), (20, "二十是", "（二十）")],
)
def test_lead_in_and_paren_numeral(n, lead, paren):
    assert lead_in(n) == lead
    assert paren_numeral(n) == paren
    assert paren.startswith("\uff08") and paren.endswith("\uff09")


@pytest.mark.parametrize(
    ("level", "n", "expected"),
    [
        (1, 1, "一、"),
        (1, 10, "十、"),
        (1, 12, "十二、"),
        (2, 1, "（一）"),
        (2, 11, "（十一）"),
        (3, 1, "1."),
        (3, 12, "12."),
        (4, 1, "（1）"),
        (4, 12, "（12）"),
    ],
)
def test_heading_number(level, n, expected):
    assert heading_number(level, n) == expected


@pytest.mark.parametrize(("level", "n"), [(0, 1), (5, 1), (1, 0), (3, 0), (4, -1)])
def test_heading_number_errors(level, n):
    with pytest.raises(ValueError):
        heading_number(level, n)


@pytest.mark.parametrize("fn", [lead_in, paren_numeral])
def test_ordinals_start_at_one(fn):
    with pytest.raises(ValueError):
        fn(0)


# ---------------------------------------------------------------- 日期


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2024, "二〇二四年"), (2000, "二〇〇〇年"), (2010, "二〇一〇年"), (1999, "一九九九年"), (2025, "二〇二五年")],
)
def test_cn_year(year, expected):
    assert cn_year(year) == expected


def test_cn_year_rejects_nonpositive():
    with pytest.raises(ValueError):
        cn_year(0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2024, 1, 31), "2024年1月31日"),
        (date(2024, 10, 1), "2024年10月1日"),
        (date(2024, 12, 5), "2024年12月5日"),
        (datetime(2025, 3, 8, 14, 30), "2025年3月8日"),
        ("2024-01-31", "2024年1月31日"),
    ],
)
def test_fmt_date(value, expected):
    assert fmt_date(value) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-31",
        "2024-1-31",
        "2024/1/31",
        "2024/01/31",
        "2024.1.31",
        "2024年1月31日",
        "2024年01月31日",
        " 2024年1月31日 ",
        "２０２４年１月３１日",
        "2024 年 1 月 31 日",
        date(2024, 1, 31),
        datetime(2024, 1, 31, 9, 0),
    ],
)
def test_parse_date(text):
    assert parse_date(text) == date(2024, 1, 31)


@pytest.mark.parametrize(
    "bad", ["", "2024", "2024-13-01", "2024-02-30", "2024年2月30日", "31/01/2024", "2024-1/31", "明天", None, 20240131]
)
def test_parse_date_errors_are_chinese(bad):
    with pytest.raises(ValueError, match="日期"):
        parse_date(bad)


# ---------------------------------------------------------------- 排名


@pytest.mark.parametrize(
    ("rank", "scope", "expected"),
    [
        (14, "全省", "全省第14名"),
        (1, "全市", "全市第1名"),
        (14, None, "第14名"),
        (14, "", "第14名"),
        (3.0, "全区", "全区第3名"),
        (None, "全省", ""),
        (NAN, "全省", ""),
    ],
)
def test_rank_phrase(rank, scope, expected):
    assert rank_phrase(rank, scope) == expected


@pytest.mark.parametrize(("rank", "expected"), [(25, "第25位"), (1, "第1位"), (None, "")])
def test_rank_ordinal(rank, expected):
    assert rank_ordinal(rank) == expected


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_rank_errors(bad):
    with pytest.raises((ValueError, TypeError)):
        rank_phrase(bad)


# ---------------------------------------------------------------- 目标限定词


@pytest.mark.parametrize(
    ("text", "qualifier", "expected"),
    [
        ("15%", "以上", "15%以上"),
        ("3%", "以内", "3%以内"),
        ("8%", "左右", "8%左右"),
        ("0.5%", "以下", "0.5%以下"),
        ("50亿元", "超过", "超过50亿元"),
        ("50亿元", "超", "超50亿元"),
        ("1.85%", "达到", "达到1.85%"),
        ("2.5%", "不低于", "不低于2.5%"),
        ("100家", "不少于", "不少于100家"),
        ("200家", "力争", "力争200家"),
        ("120项", "累计", "累计120项"),
        ("15%", None, "15%"),
        ("15%", "", "15%"),
    ],
)
def test_qualify(text, qualifier, expected):
    assert qualify(text, qualifier) == expected


def test_qualifiers_set():
    assert QUALIFIERS == {"以上", "以内", "左右", "以下", "超过", "超", "达到", "不低于", "不少于", "力争", "累计"}


def test_qualify_unknown_names_allowed_ones():
    with pytest.raises(ValueError) as info:
        qualify("15%", "大约")
    message = str(info.value)
    assert "大约" in message and "限定词" in message
    assert all(q in message for q in QUALIFIERS)


# ---------------------------------------------------------------- 大写金额


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (5080000, "人民币伍佰零捌万元整"),
        (1234.56, "人民币壹仟贰佰叁拾肆元伍角陆分"),
        (0, "人民币零元整"),
        (100.05, "人民币壹佰元零伍分"),
        (10, "人民币拾元整"),
        (1000000, "人民币壹佰万元整"),
        (1010, "人民币壹仟零壹拾元整"),
        (100000000, "人民币壹亿元整"),
        (1, "人民币壹元整"),
        (11, "人民币拾壹元整"),
        (105, "人民币壹佰零伍元整"),
        (1409.50, "人民币壹仟肆佰零玖元伍角"),  # no 整 after 角
        (1680.32, "人民币壹仟陆佰捌拾元零叁角贰分"),  # 元 digit 0 -> 零 before 角
        (16409.02, "人民币壹万陆仟肆佰零玖元零贰分"),  # 角 is 0 -> 零 before 分
        (107000.53, "人民币拾万柒仟元零伍角叁分"),
        (100010, "人民币拾万零壹拾元整"),
        (1000001, "人民币壹佰万零壹元整"),
        (100000001, "人民币壹亿零壹元整"),
        (100010000, "人民币壹亿零壹万元整"),
        (1000100000, "人民币拾亿零壹拾万元整"),
        (0.5, "人民币伍角"),
        (0.05, "人民币伍分"),
        (0.55, "人民币伍角伍分"),
        (0.005, "人民币壹分"),  # rounded half up to 分
        (0.004, "人民币零元整"),
        (2.675, "人民币贰元陆角捌分"),
        (Decimal("999999999999.99"), "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        (-3.2, "人民币负叁元贰角"),
        (-0.001, "人民币零元整"),
    ],
)
def test_rmb_upper(amount, expected):
    assert rmb_upper(amount) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (10, "人民币壹拾元整"),
        (107000.53, "人民币壹拾万柒仟元零伍角叁分"),
        (15.5, "人民币壹拾伍元伍角"),
        (1010, "人民币壹仟零壹拾元整"),
    ],
)
def test_rmb_upper_cheque_style(amount, expected):
    assert rmb_upper(amount, cheque=True) == expected


@pytest.mark.parametrize("amount", [1e12, Decimal("999999999999.995")])
def test_rmb_upper_limit(amount):
    with pytest.raises(ValueError):
        rmb_upper(amount)


# ---------------------------------------------------------------- 完成情况


@pytest.mark.parametrize(
    ("actual", "target", "qualifier", "rate", "label"),
    [
        (120, 100, None, 120.0, "超额完成"),
        (100, 100, None, 100.0, "完成"),
        (80, 100, None, 80.0, "未完成"),
        (99.96, 100, None, 99.96, "完成"),  # rate rounds to 100.0
        (100.04, 100, "以上", 100.04, "完成"),
        (100.05, 100, "以上", 100.05, "超额完成"),
        (99.94, 100, "达到", 99.94, "未完成"),
        (2.3, 2.5, "以下", 92.0, "完成"),
        (2.5, 2.5, "以内", 100.0, "完成"),
        (3.0, 2.5, "以内", 120.0, "未完成"),
        (2.501, 2.5, "以下", 100.04, "完成"),
        (0, 0, "以内", None, "完成"),
        (1, 0, "以内", None, "未完成"),
        (1, 0, None, None, "超额完成"),
        (None, 100, None, None, "—"),
        (100, None, None, None, "—"),
        (NAN, 100, "以上", None, "—"),
    ],
)
def test_completion_status(actual, target, qualifier, rate, label):
    got_rate, got_label = completion_status(actual, target, qualifier)
    assert got_label == label
    if rate is None:
        assert got_rate is None
    else:
        assert got_rate == pytest.approx(rate)


def test_completion_status_unknown_qualifier():
    with pytest.raises(ValueError):
        completion_status(1, 1, "大约")


# ---------------------------------------------------------------- 规划指标


@pytest.mark.parametrize(
    ("base", "target", "years", "expected"),
    [
        (218, 550, 5, 20.3),
        (100, 100, 5, 0.0),
        (100, 200, 1, 100.0),
        (100, 121, 2, 10.0),
        (200, 100, 1, -50.0),
        (100, 0, 3, -100.0),
    ],
)
def test_cagr(base, target, years, expected):
    assert round(cagr(base, target, years), 1) == expected


@pytest.mark.parametrize(("base", "target"), [(0, 550), (-1, 550), (None, 550), (218, None), (NAN, 5), (100, -1)])
def test_cagr_undefined(base, target):
    assert cagr(base, target, 5) is None


def test_cagr_needs_positive_years():
    with pytest.raises(ValueError):
        cagr(1, 2, 0)


@pytest.mark.parametrize(
    ("base", "target", "expected"),
    [(36.5, 55, "[18.5]"), (1.85, 2.5, "[0.7]"), (10, 10, "[0.0]"), (13.5, 10, "[-3.5]"), (40, 52.25, "[12.3]")],
)
def test_fmt_cumulative_pp(base, target, expected):
    assert fmt_cumulative_pp(base, target) == expected


# ================================================================ properties

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_RMB_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_RMB_UNITS = {"拾": 10, "佰": 100, "仟": 1000}
_BIG = {"万": 10**4, "亿": 10**8}


def parse_cn(text: str, digits=_CN_DIGITS, units=_CN_UNITS) -> int:
    """Independent reference parser for Chinese numerals (up to 千亿)."""
    total = section = digit = 0
    for ch in text:
        if ch in digits:
            digit = digits[ch]
        elif ch in units:
            section += (digit or 1) * units[ch]  # bare 十 means 一十
            digit = 0
        elif ch in _BIG:
            # 亿 closes everything so far; 万 only the current section
            if _BIG[ch] == 10**8:
                total = (total + section + digit) * 10**8
            else:
                total += (section + digit) * 10**4
            section = digit = 0
        else:
            raise AssertionError(f"unexpected character {ch!r} in {text!r}")
    return total + section + digit


def test_reference_parser_sanity():
    assert parse_cn("十") == 10
    assert parse_cn("一万零一十") == 10010
    assert parse_cn("二千零二十四") == 2024
    assert parse_cn("壹亿零壹万", _RMB_DIGITS, _RMB_UNITS) == 100010000


@given(st.integers(min_value=0, max_value=99_999_999))
@example(10)
@example(11)
@example(100000)
@example(10010)
@example(100010)
@example(1000001)
def test_cn_numeral_properties(n):
    text = cn_numeral(n)
    assert parse_cn(text) == n
    assert "零零" not in text
    assert not text.startswith("一十")
    assert n == 0 or not text.endswith("零")
    assert set(text) <= set("零一二三四五六七八九十百千万")


@given(st.integers(min_value=0, max_value=10**12 - 1))
@example(10)
@example(100000)
@example(1000100000)
def test_rmb_upper_integer_properties(n):
    text = rmb_upper(n)
    assert text.startswith("人民币") and text.endswith("元整")
    words = text[len("人民币") : -len("元整")]
    assert parse_cn(words, _RMB_DIGITS, _RMB_UNITS) == n
    assert "零零" not in words
    assert not words.startswith("壹拾")
    assert not rmb_upper(n, cheque=True)[3:].startswith("拾")


@given(st.integers(min_value=0, max_value=10**14 - 1))
def test_rmb_upper_fen_properties(fen):
    amount = Decimal(fen).scaleb(-2)
    text = rmb_upper(amount)
    yuan, jiao, fen_digit = fen // 100, fen // 10 % 10, fen % 10
    assert text.endswith("整") == (jiao == 0 and fen_digit == 0)
    assert ("角" in text) == (jiao != 0)
    assert ("分" in text) == (fen_digit != 0)
    assert "零零" not in text
    if yuan:
        words = text[len("人民币") : text.index("元")]
        assert parse_cn(words, _RMB_DIGITS, _RMB_UNITS) == yuan


finite = st.floats(allow_nan=False, allow_infinity=False)
_PREFIX_FACTOR = {"": 1, "万": 10**4, "亿": 10**8}
#: Enough digits to hold any float exactly (the default 28 would round or raise).
WIDE = Context(prec=1000)


@given(finite, st.one_of(st.none(), st.integers(min_value=0, max_value=8)), st.booleans())
def test_fmt_number_round_trips(x, precision, group):
    text = fmt_number(x, precision, group=group)
    if not group:
        assert "," not in text
    places = 4 if precision is None else precision
    expected = Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=WIDE)
    assert Decimal(text.replace(",", "")) == expected
    if precision is not None:
        decimals = text.split(".")[1] if "." in text else ""
        assert len(decimals) == precision
    else:
        assert not text.endswith(".") and not ("." in text and text.endswith("0"))
    assert not re.fullmatch(r"-0(\.0*)?", text)  # no negative zero


@given(finite, st.integers(min_value=0, max_value=6))
def test_fmt_number_grouping_matches_plain(x, precision):
    grouped = fmt_number(x, precision)
    plain = fmt_number(x, precision, group=False)
    assert grouped.replace(",", "") == plain
    integer = grouped.lstrip("-").split(".")[0]
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", integer)


any_float = st.floats(allow_nan=True, allow_infinity=True)


@given(
    st.one_of(any_float, st.none(), st.sampled_from([0.0, -0.0, -1.0, 1e-300])),
    st.one_of(any_float, st.none(), st.sampled_from([0.0, -0.0, -1.0, 1e-300])),
    st.sampled_from(["amount", "count", "ratio"]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
)
def test_change_phrase_never_nan_or_inf(cur, prev, kind, precision):
    text = change_phrase(cur, prev, kind, precision)
    lowered = text.lower()
    assert "nan" not in lowered and "inf" not in lowered
    assert text == "—" or text == "持平" or re.match(r"^(增长|下降|提高|降低)\d", text)
    if kind != "ratio" and (prev is None or math.isnan(prev) or prev <= 0):
        assert text == "—"


@given(
    st.one_of(finite, st.integers(min_value=-(10**15), max_value=10**15)),
    st.sampled_from(SCALABLE_UNITS),
    st.sampled_from(["", "万", "亿"]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
)
def test_fmt_amount_ends_with_unit(value, base_unit, prefix, precision):
    text = fmt_amount(value, prefix + base_unit, precision)
    assert text.endswith(base_unit)
    number = text[: -len(base_unit)].rstrip("万亿")
    shown_prefix = text[len(number) : -len(base_unit)]
    assert shown_prefix in _PREFIX_FACTOR
    with localcontext(WIDE):
        base_value = Decimal(repr(value) if isinstance(value, float) else value) * _PREFIX_FACTOR[prefix]
        # scaling happens exactly from 10,000 base units up
        assert (shown_prefix != "") == (abs(base_value) >= 10**4)
        # and the shown number is the base value rounded at the chosen scale
        scale = _PREFIX_FACTOR[shown_prefix]
        places = 4 if precision is None else precision
        error = abs(Decimal(number.replace(",", "")) * scale - base_value)
        assert error <= scale * Decimal("0.5").scaleb(-places)


@given(st.integers(min_value=1, max_value=99_999_999))
def test_heading_number_characters(n):
    cn = "[零一二三四五六七八九十百千万]+"
    assert re.fullmatch(cn + "、", heading_number(1, n))
    assert re.fullmatch("\uff08" + cn + "\uff09", heading_number(2, n))
    assert re.fullmatch(r"[0-9]+\.", heading_number(3, n))
    assert re.fullmatch("\uff08[0-9]+\uff09", heading_number(4, n))
    assert parse_cn(heading_number(1, n)[:-1]) == n
    assert heading_number(3, n) == f"{n}."


@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(min_value=-10**20, max_value=10**20),
                 st.decimals(allow_nan=False, allow_infinity=False, places=6)),
       st.sampled_from([None, 0, 1, 2, 3, 4]), st.booleans())
@example(2.675, 2, True)
@example(-0.00004, None, False)
@example(1e16, None, True)
@example(-1234567.891, 2, True)
@example(Decimal("1E+3"), 1, False)
def test_numbers_are_written_as_babels_zh_cn(value, precision, group):
    """fmt_number writes the rounded decimal as babel's zh_CN patterns (#,##0.00, 0.####, …) do."""
    from babel import Locale
    from babel.numbers import format_decimal, parse_pattern

    from reportgen.core import cnfmt

    d = cnfmt._dec(value)
    if d is None:
        return
    rounded = cnfmt._round(d, precision)
    fraction = "#" * 4 if precision is None else "0" * precision
    integer = "#,##0" if group else "0"
    pattern = parse_pattern(f"{integer}.{fraction}" if fraction else integer)
    with localcontext(cnfmt._CTX):
        want = format_decimal(rounded, format=pattern, locale=Locale.parse("zh_CN"))
    assert fmt_number(value, precision, group=group) == want
