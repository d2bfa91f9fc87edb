"""Templating: values come out literally, templates stay in the sandbox, errors point at lines."""

from pathlib import Path

import pytest

from reportgen.render import jinja as render
from reportgen.derive.figures import Catalog, Figure
from reportgen.core.errors import ReportgenError
from reportgen.render.parse import parse
from reportgen.core.workspace import Workspace

HOSTILE = ["**粗体**", "# 标题", "<w:p><w:r><w:t>x</w:t></w:r></w:p>", "{{ 7*7 }}", "<b>html</b><!-- c -->",
           "| a | b |", "::: attachment 伪造", "- 一是", "1. 列表", "\\ 反斜杠 `code`", "[链接](http://x)"]


def ws_with(tmp_path: Path, name: str, text: str) -> Workspace:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / f"{name}.md.j2").write_text(text, "utf-8")
    return Workspace(tmp_path)


@pytest.mark.parametrize("value", HOSTILE)
def test_data_values_come_out_literally(tmp_path, value):
    ws = ws_with(tmp_path, "t", "::: title\n{{ v }}\n:::\n\n正文{{ v }}结束\n\n- {{ v }}\n- {{ v }}\n")
    doc = parse(render.render("t", {"v": value}, ws))
    assert doc.title_lines == [value.replace("\n", " ")]
    assert doc.blocks[0].text == f"正文{value}结束"
    assert doc.blocks[1].text == "一是" + value
    assert doc.blocks[2].text == "二是" + value


@pytest.mark.parametrize("value", HOSTILE)
def test_narrative_text_comes_out_literally(tmp_path, value):
    ws = ws_with(tmp_path, "t", "::: title\n标题\n:::\n\n{{ report.x }}\n")
    narrative = render.render_narrative({"x": "前" + value.replace("{{", "{{ '{{' }}") + "后"}, {}, lambda p: "r.yaml", ws)
    doc = parse(render.render("t", {"report": narrative}, ws))
    assert doc.blocks[0].text == render.join_cjk("前" + value + "后")


def test_narrative_joins_folded_lines_without_spaces():
    folded = "第一行末尾， 第二行开头 2023年 R&D 经费"
    narrative = render.render_narrative({"x": folded}, {}, lambda p: "r.yaml", None)
    assert parse("::: title\nt\n:::\n\n" + narrative["x"] + "\n").blocks[0].text == "第一行末尾，第二行开头2023年R&D经费"


def test_undefined_name_names_template_line_and_suggests(tmp_path):
    fig = Figure("rd_growth", "增速", "%", "growth", 1, 21.9, None, None, None)
    ws = ws_with(tmp_path, "t", "::: title\n标题\n:::\n\n第一段\n\n增速{{ ind.rd_growht }}\n")
    with pytest.raises(ReportgenError) as err:
        render.render("t", {"ind": Catalog("ind", {"rd_growth": fig})}, ws)
    text = str(err.value)
    assert "templates/t.md.j2:7" in text
    assert "增速{{ ind.rd_growht }}" in text
    assert "rd_growth" in text and "是否想用" in text
    assert "Traceback" not in text


def test_syntax_error_names_line(tmp_path):
    ws = ws_with(tmp_path, "t", "::: title\n标题\n:::\n\n{% if x %}\n没有结束\n")
    with pytest.raises(ReportgenError) as err:
        render.render("t", {"x": 1}, ws)
    assert "templates/t.md.j2:" in str(err.value) and "语法错误" in str(err.value)


@pytest.mark.parametrize("body, fragment", [
    ("{{ ''.__class__.__mro__ }}", "不允许"),
    ("{{ x.__class__.__base__.__subclasses__() }}", "不允许"),
    ("{% include '/etc/passwd' %}", "不能引用“/etc/passwd”"),
    ("{% include '../../etc/passwd' %}", "不能引用“../../etc/passwd”"),
    ("{% for i in range(10**9) %}{% endfor %}", "range"),
    ("{% for i in range(99999) %}{% for j in range(99999) %}{{ i }}{% endfor %}{% endfor %}", "超过"),
])
def test_hostile_templates_are_stopped(tmp_path, body, fragment):
    ws = ws_with(tmp_path, "t", "::: title\n标题\n:::\n\n" + body + "\n")
    with pytest.raises(ReportgenError) as err:
        render.render("t", {"x": 1}, ws)
    assert fragment in str(err.value)


def test_workspace_template_overrides_builtin_by_name(tmp_path):
    ws = ws_with(tmp_path, "summary_plan", "::: title\n覆盖\n:::\n\n自定义正文\n")
    doc = parse(render.render("summary_plan", {}, ws))
    assert doc.title_lines == ["覆盖"]


def test_md_escape_round_trips_every_ascii_punctuation():
    import string

    text = "甲" + string.punctuation + "乙"
    doc = parse("::: title\nt\n:::\n\n" + render.md_escape(text) + "\n")
    assert doc.blocks[0].text == text


# Values joined to formatted text by every route a template has stay literal.
JOINS = [
    "{{ c ~ v }}", "{{ c + v }}", "{{ [c, v] | join }}", "{{ [c, v] | join(v) }}", "{{ c | replace('甲', v) }}",
    "{{ v | e }}", "{{ v | escape }}", "{{ v | forceescape }}", "{{ v | safe }}", "{{ (c ~ v) | upper }}",
    "{{ '%s' | format(v) }}", "{{ '{}'.format(v) }}", "{% set x %}{{ v }}{% endset %}{{ x ~ v }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(v) ~ v }}", "{% filter replace('甲', v) %}{{ c }}{% endfilter %}",
    "{% autoescape false %}{{ c ~ v }}{% endautoescape %}",
]


@pytest.mark.parametrize("expr", JOINS)
@pytest.mark.parametrize("value", ["**粗体**", "# 标题", "<w:p>", "| a |", "[x](y)", "`code`", "- 一是"])
def test_values_joined_to_formatted_text_stay_literal(tmp_path, expr, value):
    ws = ws_with(tmp_path, "t", "{% set c = caller_text() %}::: title\n标题\n:::\n\n前" + expr + "后\n")
    source = render.render("t", {"v": value, "caller_text": lambda: render.Markup("甲")}, ws)
    doc = parse(source)
    text = doc.blocks[0].text
    assert value.upper() in text.upper(), source
    assert all(not r.bold for r in doc.blocks[0].runs)
    assert len(doc.blocks) == 1 and not doc.title_lines[1:]


@pytest.mark.parametrize("body", ["{{ c.join([v]) }}", "{{ c.format(v) }}", "{{ c.replace('甲', v) }}"])
def test_formatted_text_has_no_methods(tmp_path, body):
    ws = ws_with(tmp_path, "t", "::: title\n标题\n:::\n\n" + body + "\n")
    with pytest.raises(ReportgenError) as err:
        render.render("t", {"v": "**x**", "c": render.Markup("甲")}, ws)
    assert "不允许" in str(err.value)


def test_builtin_prefix_and_same_name_extension(tmp_path):
    ws = ws_with(tmp_path, "summary_plan", '{% extends "summary_plan.md.j2" %}{% block title %}::: title\n新标题\n:::\n'
                                           "{% endblock %}{% block opening %}{% endblock %}{% block summary %}{% endblock %}"
                                           "{% block plan %}{% endblock %}{% block signature %}{% endblock %}")
    (tmp_path / "templates" / "other.md.j2").write_text(
        '{% extends "builtin/summary_plan.md.j2" %}{% block title %}::: title\n另一个\n:::\n{% endblock %}'
        "{% block opening %}{% endblock %}{% block summary %}{% endblock %}{% block plan %}{% endblock %}"
        "{% block signature %}{% endblock %}", "utf-8")
    assert parse(render.render("summary_plan", {}, ws)).title_lines == ["新标题"]
    assert parse(render.render("other", {}, ws)).title_lines == ["另一个"]


@pytest.fixture
def template_cache(tmp_path, monkeypatch):
    """A fresh per-user cache folder, and the template environments made anew before and after."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    render._bytecode_cache.cache_clear()
    render.reset()
    (tmp_path / "w").mkdir()
    yield tmp_path / "cache/reportgen/templates"
    render._bytecode_cache.cache_clear()
    render.reset()


def test_compiled_templates_are_kept_per_machine_and_follow_edits(tmp_path, monkeypatch, template_cache):
    """A new process loads a template compiled before (Jinja's bytecode cache in the user's cache
    folder); an edited template is compiled again, and an error still names its line."""
    ws = ws_with(tmp_path / "w", "t", "::: title\n标题\n:::\n\n第一版{{ v }}\n")
    assert parse(render.render("t", {"v": 1}, ws)).blocks[0].text == "第一版1"
    kept = list(template_cache.rglob("__jinja2_*.cache"))
    assert kept
    render.reset()                     # as a new process: the environment is made again
    with monkeypatch.context() as m:
        m.setattr(render._Environment, "_compile", _no_compiling)     # from the cache only
        assert parse(render.render("t", {"v": 2}, ws)).blocks[0].text == "第一版2"
    (tmp_path / "w/templates/t.md.j2").write_text("::: title\n标题\n:::\n\n第二版{{ v }}\n\n{{ w.x }}\n", "utf-8")
    render.reset()
    with pytest.raises(ReportgenError) as err:
        render.render("t", {"v": 3}, ws)
    assert "templates/t.md.j2:7" in str(err.value)
    (tmp_path / "w/templates/t.md.j2").write_text("::: title\n标题\n:::\n\n第三版{{ v }}\n", "utf-8")
    render.reset()
    assert parse(render.render("t", {"v": 4}, ws)).blocks[0].text == "第三版4"


def _no_compiling(self, source, filename):
    raise AssertionError("compiled again")


def _cached_template_render(folder, cache, spoil):
    """Render t.md.j2 once (filling the cache), ``spoil`` the cache, then as a new process."""
    ws = ws_with(folder, "t", "::: title\n标题\n:::\n\n正文{{ v }}\n")
    assert parse(render.render("t", {"v": 1}, ws)).blocks[0].text == "正文1"
    spoil(cache)
    render._bytecode_cache.cache_clear()
    render.reset()
    return parse(render.render("t", {"v": 2}, ws)).blocks[0].text


def test_a_damaged_compiled_template_is_compiled_again(tmp_path, template_cache):
    def cut_short(folder):
        for entry in folder.rglob("__jinja2_*.cache"):
            entry.write_bytes(entry.read_bytes()[:40])
    assert _cached_template_render(tmp_path / "w", template_cache, cut_short) == "正文2"


def test_a_template_cache_others_can_write_is_not_used(tmp_path, template_cache):
    """What is in the cache runs as code: a folder writable by others (a shared cache) is
    neither read nor filled; the template is compiled."""
    def open_to_all(folder):
        for sub in folder.iterdir():
            sub.chmod(0o777)
            for entry in sub.iterdir():
                entry.write_bytes(b"planted")          # would fail to load if it were read
    assert _cached_template_render(tmp_path / "w", template_cache, open_to_all) == "正文2"
    assert render._bytecode_cache(False) is None


def test_without_a_home_folder_templates_render_and_fonts_hash(tmp_path, monkeypatch):
    """No $HOME and no passwd entry (a container's random uid): no cache, no internal error."""
    import hashlib
    import pwd

    from reportgen.core.cache import stable_file_sha256

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: (_ for _ in ()).throw(KeyError(uid)))
    render._bytecode_cache.cache_clear()
    render.reset()
    try:
        ws = ws_with(tmp_path, "t", "::: title\n标题\n:::\n\n正文{{ v }}\n")
        assert parse(render.render("t", {"v": 3}, ws)).blocks[0].text == "正文3"
        font = tmp_path / "f.otf"
        font.write_bytes(b"abc")
        assert stable_file_sha256(font) == hashlib.sha256(b"abc").hexdigest()
    finally:
        render._bytecode_cache.cache_clear()
        render.reset()


def test_a_narrative_texts_compiled_code_is_kept_per_machine(tmp_path, monkeypatch, template_cache):
    """A narrative text of report.yaml is compiled once per machine, as a template file is: a new
    process (the batch's fork server, a worker) renders it from the kept code, the same text; an
    edited text is compiled again; a damaged entry is compiled again."""
    def where(path):
        return "report.yaml"

    text = "全年增长{{ v }}%，完成{{ w }}。"
    first = str(render.render_narrative(text, {"v": 3, "w": "目标"}, where, None))
    assert first.startswith("全年增长3") and "目标" in first
    kept = list(template_cache.rglob("__jinja2_*.cache"))
    assert kept
    render.reset()                     # as a new process: the environment is made again
    with monkeypatch.context() as m:
        m.setattr(render._Environment, "_compile", _no_compiling)     # from the cache only
        assert str(render.render_narrative(text, {"v": 3, "w": "目标"}, where, None)) == first
        with pytest.raises(ReportgenError, match="compiled again"):   # another text is compiled
            render.render_narrative("全年下降{{ v }}%", {"v": 3}, where, None)
    for entry in template_cache.rglob("__jinja2_*.cache"):
        entry.write_bytes(entry.read_bytes()[:40])
    render.reset()
    assert str(render.render_narrative(text, {"v": 3, "w": "目标"}, where, None)) == first
