"""Catalogue, classes 5 and 6 — bounds (YAML aliases, file and cell sizes, template output
checked while it grows, one time budget per document) and every exception raised inside a
template or a narrative string reported at its file and line."""

from __future__ import annotations

import os
import time

import pytest
import yaml

from hostile_helpers import cli, fresh, unit_year
from conftest import reportgen

from reportgen.core.errors import ReportgenError


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    ws = tmp_path_factory.mktemp("bounds") / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    return ws


@pytest.fixture
def ws(sample, tmp_path):
    return fresh(sample, tmp_path)


def _report(ws):
    return ws / "data" / str(unit_year(ws)) / "lucheng" / "report.yaml"


def _narrative(text: str, ctx: dict | None = None):
    """Render one narrative string as report.yaml's opening (line 9) would be."""
    from reportgen.render import jinja

    return jinja.render_narrative(text, ctx or {}, lambda path: "data/2024/lucheng/report.yaml:9（opening）", None)


def _problem(text: str, ctx: dict | None = None) -> str:
    with pytest.raises(ReportgenError) as info:
        _narrative(text, ctx)
    out = str(info.value)
    assert out.startswith("data/2024/lucheng/report.yaml:9") and "内部错误" not in out
    return out


BOMB = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join('*' + chr(97 + i) for _ in range(10))}]\n" for i in range(8))


# -- class 5: bounds -----------------------------------------------------------------------------
def test_b01_yaml_alias_bomb_is_refused_before_it_expands():
    from reportgen.core import yamlio

    started = time.perf_counter()
    with pytest.raises(yaml.YAMLError) as info:
        yamlio.load(BOMB)
    assert time.perf_counter() - started < 1 and "别名" in str(info.value.problem)


def test_b02_alias_bomb_in_report_yaml_is_named_with_its_line(ws):
    report = _report(ws)
    report.write_text(report.read_text("utf-8") + "\n" + BOMB.replace("a:", "zz_a:", 1), "utf-8")
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "report.yaml:" in out and "别名" in out


def test_b03_recursive_alias_is_refused():
    from reportgen.core import yamlio

    with pytest.raises(yaml.YAMLError):
        yamlio.load("a: &a [1, *a]\n")


def test_b04_plain_anchors_still_work():
    from reportgen.core import yamlio

    assert yamlio.load("x: &r [1, 2]\ny: *r\n") == {"x": [1, 2], "y": [1, 2]}


def test_b05_a_huge_csv_cell_is_named_with_its_row(ws):
    unit = _report(ws).parent
    for p in unit.glob("indicators.*"):
        p.unlink()
    (unit / "indicators.csv").write_text("编号,指标名称,单位,年份,数值\nx," + "长" * 40_000 + ",家,2024,1\n", "utf-8")
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "indicators.csv" in out and "第2行" in out and "超过上限" in out


def test_b06_an_input_file_over_the_size_limit_is_refused(ws, monkeypatch):
    from reportgen.core import workspace

    monkeypatch.setattr(workspace, "MAX_INPUT_BYTES", 1000)
    with pytest.raises(ReportgenError) as info:
        workspace.read_input(_report(ws), ws, "report.yaml", limit=workspace.MAX_INPUT_BYTES)
    assert "MB" in str(info.value) or "超过" in str(info.value)


def test_b07_an_xlsx_that_unpacks_too_large_is_refused(ws, monkeypatch):
    from reportgen.read import tables

    monkeypatch.setattr(tables, "MAX_XLSX_UNPACKED", 10_000)
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "indicators.xlsx" in out and "解压后" in out


@pytest.mark.parametrize("expr, word", [
    ('{{ ("{:>900000}" * 50).format(*range(50)) }}', "宽度或精度"),
    ('{{ ("%900000s" * 50) % ((1,) * 50) }}', "宽度或精度"),
    ('{{ ("\t" * 900000).expandtabs(900) }}', "expandtabs"),
    ('{{ ("x" * 900000)|join("y" * 10) }}', "join"),
    ('{{ ("x\n" * 400000)|indent(100) }}', "indent"),
    ('{{ ("x" * 900000)|wordwrap(1, true, "y" * 100) }}', "wordwrap"),
])
def test_b08_template_values_are_bounded_before_they_are_built(expr, word):
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = _problem(expr)
    assert word in out
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000   # KiB: never built


@pytest.mark.parametrize("setting", ["0", "-1", "nan", "inf", "1e9", "abc"])
def test_b09_no_setting_switches_the_time_budget_off(setting, monkeypatch):
    from reportgen.render import jinja

    monkeypatch.setenv("REPORTGEN_TEMPLATE_SECONDS", setting)
    assert 0 < jinja._seconds() <= jinja.MAX_SECONDS


def test_b10_the_time_budget_is_per_document_not_per_string(monkeypatch):
    from reportgen.render import jinja

    monkeypatch.setenv("REPORTGEN_TEMPLATE_SECONDS", "0.5")
    slow = "{% for i in range(20000) %}{{ i|string|length }}{% endfor %}"
    started = time.perf_counter()
    jinja.render_narrative(slow, {}, lambda p: "report.yaml:9", None)
    assert time.perf_counter() - started < 0.4          # one string alone is well inside the budget
    started = time.perf_counter()
    with pytest.raises(ReportgenError) as info:
        with jinja.document_budget():
            for _ in range(40):               # forty strings, each well under 0.5 s alone
                jinja.render_narrative(slow, {}, lambda p: "report.yaml:9", None)
    assert "秒" in str(info.value) and time.perf_counter() - started < 3


# -- class 6: every exception at its file and line -------------------------------------------------
@pytest.mark.parametrize("expr, word", [
    ('{{ "{x}".format() }}', "'x'"),
    ('{{ "%(a)s" % {} }}', "'a'"),
    ('{{ "abcdef"|truncate(1) }}', "truncate"),
    ('{{ "x".encode("nope") }}', "nope"),
    ('{{ 1' + "1" * 4000 + ' }}', "4001 位"),
    ('{{ 1' + "1" * 4000 + '|number }}', "数字"),
    ('{{ "\x07" }}', "U+0007"),
    ("a\x1bb", "U+001B"),
    ("a\x00b", "U+0000"),
    ("a\ufffdb", "U+FFFD"),
    ('{{ v }}', "U+0007"),
])
def test_e01_exception_inside_a_narrative_is_placed(expr, word):
    out = _problem(expr, {"v": "坏\x07值"})
    assert word in out, out


def test_e02_exception_inside_a_template_names_file_and_line(ws):
    (ws / "templates").mkdir(exist_ok=True)
    (ws / "templates" / "summary_plan.md.j2").write_text(
        '{% extends "summary_plan.md.j2" %}\n{% block opening %}\n{{ "{missing}".format() }}\n{% endblock %}\n', "utf-8")
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "templates/summary_plan.md.j2:3" in out and "'missing'" in out and "内部错误" not in out


def test_e03_gbk_styles_yaml_is_named(ws):
    (ws / "styles.yaml").write_bytes("name: 测试样式\n".encode("gbk"))
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "styles.yaml:1" in out and "UTF-8" in out and "内部错误" not in out


def test_e04_gbk_reportgen_yaml_is_named(ws):
    cfg = ws / "reportgen.yaml"
    cfg.write_bytes(cfg.read_text("utf-8").encode("gbk"))
    code, out = cli(ws, "build", str(unit_year(ws)), "--format", "docx")
    assert code != 0 and "reportgen.yaml:" in out and "UTF-8" in out and "内部错误" not in out
