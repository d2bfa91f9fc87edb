"""Derived figures: changes, completion, five-year plan monitoring, ranks and shares across units.

Expected values are written from the seeds and by hand arithmetic, never copied from output.
Inputs go through the real reader (indicators.yaml in a temporary workspace).
"""

import doctest
import math
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.core import cnfmt
from reportgen.derive import figures as derive
from reportgen.read.load import load
from reportgen.core.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]


def make_ws(tmp_path: Path, year: int, units: dict[str, dict]) -> Workspace:
    """A workspace whose units' data are given as {unit: {"指标": [...], "目标": [...]}}."""
    (tmp_path / "reportgen.yaml").write_text("name: t\n", "utf-8")
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "units.yaml").write_text(
        "".join(f"{u}:\n  name: {u}科技局\n  short_name: {u}\n" for u in units), "utf-8")
    for u, tables in units.items():
        folder = data / str(year) / u
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "indicators.yaml").write_text(yaml.safe_dump(tables, allow_unicode=True, sort_keys=False), "utf-8")
        (folder / "report.yaml").write_text("date: 2024-01-31\n", "utf-8")
    return Workspace(tmp_path)


def row(i, name, unit, kind, **years):
    r = {"编号": i, "指标名称": name, "单位": unit, "类型": kind}
    r.update({int(y[1:]): v for y, v in years.items()})
    return r


# ------------------------------------------------------------------ changes against last year
CHANGES = [
    # id, unit, kind, 2022, 2023, expected value text, expected change
    ("hte", "家", "总量", 40, 44, "44家", "增长10.0%"),
    ("loans", "亿元", "总量", 80, 76.46, "76.46亿元", "下降4.4%"),
    ("same", "项", "总量", 8, 8, "8项", "持平"),
    ("zero_base", "家", "总量", 0, 5, "5家", "—"),
    ("neg_base", "万元", "总量", -20, 10, "10万元", "—"),
    ("no_prev", "家", "总量", None, 7, "7家", "—"),
    ("no_value", "家", "总量", 7, None, "—", "—"),
    ("share", "%", "比重", 1.85, 2.11, "2.11%", "提高0.26个百分点"),
    ("share_down", "%", "比重", 36.5, 35.25, "35.25%", "降低1.25个百分点"),
    ("rate", "%", "增速", 15.3, 21.9, "21.9%", "提高6.6个百分点"),
    ("rate_neg", "%", "增速", -3.0, -5.5, "-5.5%", "降低2.5个百分点"),
    ("pp", "个百分点", "百分点", 0.30, 0.26, "0.26个百分点", "降低0.04个百分点"),
    ("rank", "位", "位次", 31, 25, "25位", "上升6位"),
    ("rank_down", "位", "位次", 14, 19, "19位", "下降5位"),
    ("counts_big", "家", "总量", 12000, 12067, "12067家", "增长0.6%"),
    ("money", "元", "总量", 5000000000, 7646000000, "76.46亿元", "增长52.9%"),
]
PRECISION = {"share": 2, "share_down": 2, "rate": 1, "rate_neg": 1, "pp": 2, "loans": 2}


@pytest.fixture(scope="module")
def change_figs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("changes")
    rows = []
    for i, unit, kind, prev, cur, _, _ in CHANGES:
        r = row(i, f"指标{i}", unit, kind, y2022=prev, y2023=cur)
        if i in PRECISION:
            r["精度"] = PRECISION[i]
        rows.append(r)
    ws = make_ws(tmp, 2024, {"a": {"指标": rows}})
    return derive.figures(load(ws, 2024).units["a"])


@pytest.mark.parametrize("ind_id, text, change", [(c[0], c[5], c[6]) for c in CHANGES])
def test_change_golden(change_figs, ind_id, text, change):
    fig = change_figs[ind_id]
    assert str(fig) == text
    assert fig.change == change


def test_changes_frame_is_vectorised_and_nan_where_undefined(tmp_path):
    ws = make_ws(tmp_path, 2024, {"a": {"指标": [row("x", "x", "家", "总量", y2022=0, y2023=5),
                                                  row("y", "y", "家", "总量", y2022=50, y2023=75)]}})
    frame = derive.changes(load(ws, 2024).units["a"])
    assert math.isnan(frame.at["x", "growth"])
    assert frame.at["y", "growth"] == pytest.approx(50.0)
    assert frame.at["x", "delta"] == 5


def test_history_and_value_of_earlier_years(tmp_path):
    ws = make_ws(tmp_path, 2021, {"a": {"指标": [row("r", "比重", "%", "比重", y2015=1.99, y2020=3.14)]}})
    fig = derive.figures(load(ws, 2021).units["a"])["r"]
    assert fig.at(2015) == "1.99%" and fig.at(2020) == "3.14%" and fig.at(2018) == "—"
    assert fig.years == [2015, 2020]


# ------------------------------------------------------------------ completion of this year's targets
COMPLETION = [
    # id, unit, kind, actual 2024, target 2024, qualifier, expected rate, expected status
    ("rd_growth", "%", "增速", 18, 15, "以上", "120.0%", "超额完成"),
    ("ratio", "%", "比重", 1.85, 1.85, "达到", "100.0%", "完成"),
    ("entities", "家", "总量", 180, 200, "超", "90.0%", "未完成"),
    ("trade", "亿元", "总量", 50.02, 50, "超过", "100.0%", "完成"),
    ("energy", "%", "比重", 2.3, 2.5, "以内", "92.0%", "完成"),
    ("energy_over", "%", "比重", 3.0, 2.5, "以下", "120.0%", "未完成"),
    ("missing", "家", "总量", None, 10, "以上", "—", "—"),
    ("zero_target", "项", "总量", 1, 0, "", "—", "超额完成"),
]


def test_completion_golden(tmp_path):
    ind = [row(i, f"指标{i}", u, k, y2024=a) for i, u, k, a, *_ in COMPLETION]
    tgt = [{"编号": i, "年份": 2024, "目标值": t, "限定词": q} for i, _, _, _, t, q, *_ in COMPLETION]
    ws = make_ws(tmp_path, 2025, {"a": {"指标": ind, "目标": tgt}})
    rows = {r["id"]: r for r in derive.completion(load(ws, 2025).units["a"])}
    for i, _, _, _, _, _, rate, status in COMPLETION:
        assert (rows[i]["rate"], rows[i]["status"]) == (rate, status), i
    assert rows["rd_growth"]["target"] == "15%以上" and rows["rd_growth"]["actual"] == "18%"
    assert rows["trade"]["target"] == "超过50亿元"


# ------------------------------------------------------------------ five-year plan (seed 001, 附件1)
# The seed's own table, transcribed: 指标, 单位, 2020年基数, 2025年目标, 年均增长[累计提高].
SEED_ANNEX = """\
rd_gdp_ratio|R&D经费占地区生产总值的比重|%|比重|3.14|3.5|左右|—
ent_rd_revenue_ratio|规上工业企业研究开发费支出占营业收入比重|%|比重|3.46|3.5||[0.04]
hightech_va_share|高新技术产业增加值占规模以上工业增加值比重|%|比重|36.5|55||[18.5]
researchers_per_10k|每万名就业人员中研发人员|人年|总量|158.67|285||12.4%
labor_productivity|全社会劳动生产率|万元/人|总量|13.3|25||13.5%
pct_applications|国际专利（PCT）申请量|件|总量|26|38||7.9%
digital_economy_va|数字经济增加值|亿元|总量|38.76|85||17%
hte_count|高新技术企业数量|家|总量|218|550||20.3%
sme_count|科技型中小企业数量|家|总量|1064|2000||13.5%
top_talents|顶尖人才和领军人才|人|总量||28||—
fiscal_st_share|本级财政科技拨款占经常性支出比重|%|比重|6.3|6|以上|—
hightech_investment_growth|高新技术产业投资增速|%|增速|3.1|10||[6.9]
hv_patents_per_10k|每万人高价值发明专利拥有量|件|总量|9.3|15||10%
tech_trade|技术（合同）交易总额|亿元|总量|11.5|15|以上|—"""
# The seed prints [18.53] for 36.5 → 55; 55 − 36.5 is 18.5 exactly (the seed's figure is inconsistent).
SEED_PRINTS_DIFFERENTLY = {"hightech_va_share": "[18.53]"}


def _num(text):
    return None if text == "" else (float(text) if "." in text else int(text))


def annex_workspace(tmp_path, year=2021, actual=None):   # the 2021 report (base year 2020)
    ind, tgt = [], []
    for line in SEED_ANNEX.splitlines():
        i, name, unit, kind, base, target, q, _ = line.split("|")
        years = {"y2020": _num(base)}
        for y, values in (actual or {}).items():
            years[f"y{y}"] = values.get(i)
        ind.append(row(i, name, unit, kind, **years))
        tgt.append({"编号": i, "年份": 2025, "目标值": _num(target), "限定词": q, "属性": "预期性"})
    return make_ws(tmp_path, year, {"ouhai": {"指标": ind, "目标": tgt}})


def test_plan_annex_reproduces_the_seed(tmp_path):
    plan = derive.default_plan(load(annex_workspace(tmp_path), 2021).units["ouhai"])
    assert (plan.base_year, plan.target_year, plan.has_progress) == (2020, 2025, False)
    got = {r.id: (r.base_text, r.target_text, r.growth_text) for r in plan.rows}
    for line in SEED_ANNEX.splitlines():
        i, _, _, _, base, target, q, growth = line.split("|")
        assert got[i] == (base or "—", target + q, growth), i
    assert list(got) == [line.split("|")[0] for line in SEED_ANNEX.splitlines()], "seed order kept"


def test_seed_annex_inconsistency_is_the_seeds(tmp_path):
    """The seed's [18.53] is not 55 − 36.5; the tool prints the arithmetic."""
    assert Decimal("55") - Decimal("36.5") == Decimal("18.5")
    plan = derive.default_plan(load(annex_workspace(tmp_path), 2021).units["ouhai"])
    row_ = next(r for r in plan.rows if r.id == "hightech_va_share")
    assert row_.growth_text == "[18.5]" != SEED_PRINTS_DIFFERENTLY["hightech_va_share"]


def test_plan_progress_golden(tmp_path):
    actual = {2021: {"hte_count": 300, "sme_count": 1300, "hightech_va_share": 42.1, "fiscal_st_share": 6.1,
                     "tech_trade": 11, "rd_gdp_ratio": 3.2, "top_talents": 5},
              2022: {"hte_count": 380, "sme_count": 1400, "hightech_va_share": 45.5, "fiscal_st_share": 5.8,
                     "tech_trade": 14, "rd_gdp_ratio": 3.3, "top_talents": 9, "digital_economy_va": 50}}
    uy = load(annex_workspace(tmp_path, 2023, actual), 2023).units["ouhai"]
    plan = derive.default_plan(uy)
    assert plan.actual_years == (2021, 2022) and plan.time_progress == "40%"
    rows = {r.id: r for r in plan.rows}
    # hand arithmetic: (380−218)/(550−218) = 48.8%; 序时进度 40% → 8.8 points ahead → 超前
    assert (rows["hte_count"].progress_text, rows["hte_count"].status) == ("48.8%", "超前")
    # (1400−1064)/(2000−1064) = 35.9% → 4.1 points behind, within 5 → 正常
    assert (rows["sme_count"].progress_text, rows["sme_count"].status) == ("35.9%", "正常")
    # (45.5−36.5)/(55−36.5) = 48.6% → 超前; cumulative so far [9]
    assert (rows["hightech_va_share"].progress_text, rows["hightech_va_share"].status) == ("48.6%", "超前")
    assert rows["hightech_va_share"].actual_growth_text == "[9]"
    # (50−38.76)/(85−38.76) = 24.3% → 15.7 behind → 滞后; CAGR so far (50/38.76)^(1/2)−1 = 13.6%
    assert (rows["digital_economy_va"].progress_text, rows["digital_economy_va"].status) == ("24.3%", "滞后")
    assert rows["digital_economy_va"].actual_growth_text == "13.6%"
    # 6以上 from 6.3 is a floor already met: 5.8 breaks it → 滞后, no progress share
    assert (rows["fiscal_st_share"].progress_text, rows["fiscal_st_share"].status) == ("—", "滞后")
    # 15以上 from 11.5: (14−11.5)/(15−11.5) = 71.4% → 超前
    assert (rows["tech_trade"].progress_text, rows["tech_trade"].status) == ("71.4%", "超前")
    # no base: nothing to measure against
    assert (rows["top_talents"].progress_text, rows["top_talents"].status) == ("—", "—")
    # no value this year
    assert (rows["pct_applications"].latest_text, rows["pct_applications"].status) == ("—", "—")
    assert [v for _, v in rows["hte_count"].values] == ["300", "380"]
    assert plan.counts() == {"超前": 3, "正常": 2, "滞后": 2}


def test_plan_methods_can_be_forced(tmp_path):
    ind = [row("a", "甲", "亿元", "总量", y2020=11.5), row("b", "乙", "%", "比重", y2020=3.14)]
    tgt = [{"编号": "a", "年份": 2025, "目标值": 15, "限定词": "以上", "测算": "年均增长"},
           {"编号": "b", "年份": 2025, "目标值": 3.5, "限定词": "左右", "测算": "累计提高"}]
    uy = load(make_ws(tmp_path, 2021, {"u": {"指标": ind, "目标": tgt}}), 2021).units["u"]
    rows = {r.id: r.growth_text for r in derive.default_plan(uy).rows}
    assert rows == {"a": "5.5%", "b": "[0.36]"}   # (15/11.5)^(1/5)−1 = 5.46%; 3.5 − 3.14


def test_no_plan_without_five_year_targets(tmp_path):
    ws = make_ws(tmp_path, 2024, {"u": {"指标": [row("a", "甲", "家", "总量", y2023=1)],
                                       "目标": [{"编号": "a", "年份": 2024, "目标值": 2}]}})
    assert derive.default_plan(load(ws, 2024).units["u"]) is None


# ------------------------------------------------------------------ ranks and shares across units
def test_ranks_and_shares_across_units(tmp_path):
    units = {
        "a": {"指标": [row("hte", "高企", "家", "总量", y2023=50), row("rank", "位次", "位", "位次", y2023=3),
                       row("ratio", "比重", "%", "比重", y2023=3.1)]},
        "b": {"指标": [row("hte", "高企", "家", "总量", y2023=30), row("rank", "位次", "位", "位次", y2023=1),
                       row("ratio", "比重", "%", "比重", y2023=2.2)]},
        "c": {"指标": [row("hte", "高企", "家", "总量", y2023=20), row("rank", "位次", "位", "位次", y2023=7),
                       row("only_c", "独有", "家", "总量", y2023=9)]},
    }
    ws = make_ws(tmp_path, 2024, units)
    figs = {u: derive.figures(uy) for u, uy in load(ws, 2024).units.items()}
    assert [figs[u]["hte"].peer_rank for u in "abc"] == [1, 2, 3]
    assert [figs[u]["hte"].share_text for u in "abc"] == ["50.0%", "30.0%", "20.0%"]
    assert [figs[u]["rank"].peer_rank for u in "abc"] == [2, 1, 3]      # 位次: smaller is better
    assert figs["a"]["rank"].share_text == "—"                        # shares only for amounts
    assert figs["a"]["ratio"].peer_rank == 1 and figs["a"]["ratio"].peer_count == 2
    assert figs["c"]["only_c"].peer_rank is None and figs["c"]["only_c"].peer_rank_text == ""
    assert figs["b"]["hte"].peer_rank_text == "第2名"
    # one unit loaded alone still ranks among all units of the year
    alone = derive.figures(load(ws, 2024, ["b"]).units["b"])
    assert alone["hte"].peer_rank == 2 and alone["hte"].share_text == "30.0%"


def test_a_blank_cell_of_a_rank_column_is_a_named_gap_reached_by_its_scope(tmp_path):
    hte = {**row("hte", "高企", "家", "总量", y2023=50), "全市排名": 2, "完成率全市排名": None}
    sme = {**row("sme", "科小", "家", "总量", y2023=80), "完成率全市排名": "待填"}
    top = {**row("top", "位次", "位", "位次", y2023=3), "排名范围": "全省", "排名": None}
    ws = make_ws(tmp_path, 2024, {"a": {"指标": [hte, sme, top]}})
    figs = derive.figures(load(ws, 2024).units["a"])
    f = "data/2024/a/indicators.yaml"
    # given ranks print; a blank one is false, not listed, and printed it is a gap naming its cell
    assert str(figs["hte"].ranks["全市"]) == "全市第2名"
    blank = figs["hte"].completion_ranks["全市"]
    assert not blank and blank.number is None
    assert "全市" not in figs["hte"].completion_ranks and list(figs["hte"].completion_ranks) == []
    assert str(blank.排名) == "—"                       # outside a document: “—”, never None or “”
    with derive.collecting_gaps() as gaps:
        for scope_ranks, text in ((figs["hte"].completion_ranks, "完成率全市排名"),
                                  (figs["sme"].ranks, "全市排名"),          # the row leaves 全市排名 out
                                  (figs["sme"].completion_ranks, "完成率全市排名"),   # 待填
                                  (figs["top"].ranks, "排名")):             # 排名范围 全省, 排名 blank
            scope = "全省" if text == "排名" else "全市"
            printed = str(scope_ranks[scope].位居)
            g = gaps.used(printed)[0]
            assert g.what == text and g.cell.startswith(f + ":"), g
    assert [g.cell for g in gaps.items] == [f"{f}:{n}" for n in (8, 9, 14, 21)]   # the row where a key is left out
    # the 排名范围/排名 pair's blank 排名 is the same to-do item as rank_text's
    with derive.collecting_gaps() as gaps:
        assert gaps.used(str(figs["top"].rank_text))[0] == gaps.used(str(figs["top"].ranks["全省"]))[0]


# ------------------------------------------------------------------ formatting of values
@pytest.mark.parametrize("value, unit, kind, precision, expected", [
    (12067, "家", "amount", 0, "12067家"),        # counts keep their unit, no separators (seed 003)
    (14.1, "万人", "amount", 1, "14.1万人"),
    (141000, "人", "amount", None, "141000人"),
    (508, "万元", "amount", 0, "508万元"),
    (76460, "万元", "amount", 2, "7.65亿元"),     # money scales to 亿
    (339700, "平方米", "amount", 2, "33.97万平方米"),
    (25, "万元/人", "amount", 1, "25.0万元/人"),
    (158.67, "人年", "amount", 2, "158.67人年"),
    (36.5, "%", "ratio", 1, "36.5%"),
    (0.26, "个百分点", "pp", 2, "0.26个百分点"),
    (25, "位", "rank", 0, "25位"),
    (None, "家", "amount", 0, "—"),
    (float("nan"), "%", "ratio", 1, "—"),
])
def test_format_value(value, unit, kind, precision, expected):
    assert derive.format_value(value, kind, unit, precision) == expected


finite_or_missing = st.one_of(st.none(), st.just(0), st.just(float("nan")),
                              st.floats(min_value=-1e9, max_value=1e9))


@settings(max_examples=200, deadline=None)
@given(cur=finite_or_missing, prev=finite_or_missing, kind=st.sampled_from(["amount", "ratio", "growth", "pp", "rank"]))
def test_figure_texts_never_show_nan_or_inf(cur, prev, kind):
    if kind == "rank":
        cur = None if cur is None or not math.isfinite(cur) or cur < 1 else int(cur) or 1
        prev = None if prev is None or not math.isfinite(prev) or prev < 1 else int(prev) or 1
    fig = derive.Figure("x", "指标", {"ratio": "%", "growth": "%", "pp": "个百分点", "rank": "位"}.get(kind, "万元"),
                        kind, 1, cur, prev, None, None)
    for text in (str(fig), fig.change, fig.number, cnfmt.fmt_percent(fig.growth)):
        assert "nan" not in text.lower() and "inf" not in text.lower(), text


@settings(max_examples=100, deadline=None)
@given(base=finite_or_missing, target=finite_or_missing)
def test_plan_texts_never_show_nan_or_inf(base, target):
    for text in (cnfmt.fmt_annual_growth(base, target, 5), cnfmt.fmt_cumulative_pp(base, target, None)):
        assert "nan" not in text.lower() and "inf" not in text.lower(), text


def test_formatting_library_examples_hold():
    """Every filter's docstring example (the editors' documentation) is true."""
    failures, tried = doctest.testmod(cnfmt, verbose=False)
    assert tried >= 30 and failures == 0


def test_every_template_filter_is_documented_with_an_example():
    from reportgen.render import jinja as render

    for name, fn in render._filters().items():
        target = {"rank": cnfmt.rank_phrase, "qualify": cnfmt.qualify, "date": cnfmt.fmt_date}.get(name, fn)
        doc = getattr(target, "__doc__", "") or ""
        assert ">>>" in doc, f"filter {name} has no example in its docstring"


# ------------------------------------------------------------------ ranks across units of different results years
def _copy_sample(tmp_path: Path) -> Path:
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(REPO / "data", ws / "data")
    shutil.copy(REPO / "reportgen.yaml", ws / "reportgen.yaml")
    return ws


def test_peers_are_compared_at_the_asking_units_results_year(tmp_path):
    """data/2021: ouhai sums up 2020, wenzhou_city 2021 (results_year: 2021). A rank compares the
    units' values of one year — the asking unit's results year — never 2020 with 2021."""
    ws = _copy_sample(tmp_path)
    csv = ws / "data/2021/wenzhou_city/indicators.csv"
    text = csv.read_text("utf-8")
    assert "hte_count,高新技术企业数,家,总量,0,,2404," in text
    # the city's own 2020 count (as a 2020 column value) is the one to compare with ouhai's 2020 figure
    csv.write_text(text.replace("hte_count,高新技术企业数,家,总量,0,,2404,", "hte_count,高新技术企业数,家,总量,0,300,2404,"),
                   "utf-8")
    units = load(Workspace(ws), 2021).units
    assert (units["ouhai"].year, units["wenzhou_city"].year) == (2020, 2021)
    ouhai = derive.figures(units["ouhai"])
    city = derive.figures(units["wenzhou_city"])
    # ouhai 2020: 218 against the city's 2020: 300 → 2nd of 2, share 218/518
    assert (ouhai["hte_count"].peer_rank, ouhai["hte_count"].peer_count) == (2, 2)
    assert ouhai["hte_count"].share_text == "42.1%"
    # the city's 2021 figure: no other unit has a 2021 value → not ranked (not 1st of 2 against 2020 figures)
    assert (city["hte_count"].peer_rank, city["hte_count"].peer_count) == (None, 1)
    assert city["hte_count"].peer_rank_text == "" and city["hte_count"].share_text == "—"
    # sme_count: ouhai has 2020 only, the city 2021 only → neither is ranked
    assert derive.figures(units["ouhai"])["sme_count"].peer_rank is None
    assert city["sme_count"].peer_rank is None
