"""`reportgen templates list|show|copy`: what an editor starts from."""

from pathlib import Path

from conftest import REPO, reportgen

BUILTIN = REPO / "reportgen" / "render" / "templates"


def test_list_shows_builtins_with_source_and_description(workspace):
    out = reportgen("-C", str(workspace), "templates", "list", check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("summary_plan "))
    assert "内置" in line and "年度工作总结和下一年工作思路（鹿城区科技局样式）。" in line
    for path in BUILTIN.glob("*.md.j2"):
        assert path.name.removesuffix(".md.j2") in out


def test_list_marks_a_workspace_override(workspace):
    (workspace / "templates" / "summary_plan.md.j2").write_text("{#- 我的版本 -#}\n正文\n", "utf-8")
    (workspace / "templates" / "mine.md.j2").write_text("{#- 我自己的模板。第二句。 -#}\n正文\n", "utf-8")
    out = reportgen("-C", str(workspace), "templates", "list", check=True).stdout
    lines = out.splitlines()
    assert any(l.startswith("summary_plan") and "工作区（覆盖内置）" in l and "我的版本" in l for l in lines)
    assert any(l.startswith("summary_plan") and "内置（已被工作区覆盖）" in l for l in lines)
    assert any(l.startswith("mine") and "工作区" in l and l.rstrip().endswith("我自己的模板。") for l in lines)


def test_show_prints_the_template_in_effect(workspace):
    builtin = (BUILTIN / "summary_plan.md.j2").read_text("utf-8")
    assert reportgen("-C", str(workspace), "templates", "show", "summary_plan", check=True).stdout == builtin
    (workspace / "templates" / "summary_plan.md.j2").write_text("正文\n", "utf-8")
    assert reportgen("-C", str(workspace), "templates", "show", "summary_plan", check=True).stdout == "正文\n"
    assert reportgen("-C", str(workspace), "templates", "show", "builtin/summary_plan", check=True).stdout == builtin


def test_copy_never_overwrites(workspace):
    target = workspace / "templates" / "summary_plan.md.j2"
    out = reportgen("-C", str(workspace), "templates", "copy", "summary_plan", check=True).stdout
    assert "templates/summary_plan.md.j2" in out
    assert target.read_text("utf-8") == (BUILTIN / "summary_plan.md.j2").read_text("utf-8")
    target.write_text("编辑过的\n", "utf-8")
    again = reportgen("-C", str(workspace), "templates", "copy", "summary_plan")
    assert again.returncode == 1 and "文件已存在，未做任何改动" in again.stderr
    assert target.read_text("utf-8") == "编辑过的\n"


def test_copy_extend_lists_the_blocks_and_builds_unchanged(workspace):
    reportgen("-C", str(workspace), "templates", "copy", "summary_plan", "--extend", check=True)
    text = (workspace / "templates" / "summary_plan.md.j2").read_text("utf-8")
    assert '{% extends "summary_plan.md.j2" %}' in text
    for block in ("title", "opening", "summary", "plan", "signature"):
        assert f"{{% block {block} %}}" in text
    out = reportgen("-C", str(workspace), "check", "2024", check=True).stdout
    assert "检查通过" in out


def test_unknown_name_suggests_the_close_one(workspace):
    proc = reportgen("-C", str(workspace), "templates", "copy", "sumary_plan")
    assert proc.returncode == 1
    assert "sumary_plan：没有这个模板" in proc.stderr and "是否想用 'summary_plan'？" in proc.stderr
    assert not (workspace / "templates" / "sumary_plan.md.j2").exists()


def test_list_works_outside_a_workspace(tmp_path):
    out = reportgen("templates", "list", cwd=tmp_path, check=True).stdout
    assert "summary_plan" in out and "内置" in out


def test_editors_guide_covers_every_filter_variable_and_block():
    from reportgen.render import jinja as render

    guide = (REPO / "docs" / "editors-guide.md").read_text("utf-8")
    for name in render.make_env(None).filters:
        assert f"`{name}" in guide, f"filter {name} is not in docs/editors-guide.md"
    for var in ("unit", "year", "next_year", "ind", "t", "report", "doc", "completion"):
        assert f"| `{var}` |" in guide
    for block in render.template_blocks((BUILTIN / "summary_plan.md.j2").read_text("utf-8")):
        assert f"`{block}`" in guide


def test_guide_three_line_example_builds(workspace):
    import re

    guide = (REPO / "docs" / "editors-guide.md").read_text("utf-8")
    example = re.search(r"```\n(\{% extends \"summary_plan.md.j2\" %\}\n.*?)```", guide, re.S).group(1)
    assert len(example.strip().splitlines()) == 3
    (workspace / "templates" / "summary_plan.md.j2").write_text(example, "utf-8")
    out = reportgen("-C", str(workspace), "check", "2024", check=True).stdout
    assert "检查通过" in out
