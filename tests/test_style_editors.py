"""styles.yaml for editors: a Chinese reference generated from the schema, Chinese errors that
name the key and suggest the right one, and `reportgen style show` with the effective values."""

import re

from pydantic import BaseModel

from conftest import REPO, reportgen

ZH = {"LANGUAGE": "zh_CN"}


def _keys(model: type[BaseModel], prefix: str = ""):
    for name, field in model.model_fields.items():
        yield f"{prefix}{name}", field
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _keys(ann, f"{prefix}{name}.")


def test_reference_in_docs_is_generated_from_the_schema_and_up_to_date():
    out = reportgen("style", "reference", env=ZH, check=True).stdout
    assert (REPO / "docs" / "styles-reference.md").read_text("utf-8") == out, \
        "docs/styles-reference.md is stale: run reportgen style reference > docs/styles-reference.md"


def test_every_key_has_a_chinese_description_and_is_in_the_reference():
    from reportgen.write.style import Element, FontRole, Style

    text = (REPO / "docs" / "styles-reference.md").read_text("utf-8")
    keys = list(_keys(Style)) + [(f"fonts.角色.{k}", f) for k, f in _keys(FontRole)] + \
        [(f"elements.要素.{k}", f) for k, f in _keys(Element)]
    assert len(keys) > 60
    for key, field in keys:
        assert field.description and any("\u4e00" <= ch <= "\u9fff" for ch in field.description), key
        assert f"| `{key}` | {field.description}" in text, key
    # units, built-in values and the clauses of the standard are in the rows
    assert "| `margins_mm.top` | 天头（上白边） | 毫米 | `37` | 5.2.1 天头 37 mm±1 mm |" in text
    assert "| `page_number.dash_below_type_area_mm` | 一字线距版心下边缘 | 毫米 | `7` | 7.5 一字线上距版心下边缘 7 mm |" in text
    assert "| `body` | 正文 | fangsong | 16 | justify | 2 |" in text
    assert "| `model-b` |" in text


def test_typos_in_styles_yaml_give_chinese_errors_with_the_right_key(workspace):
    (workspace / "styles.yaml").write_text(
        "margin_mm:\n  top: 35\nmargins_mm:\n  lft: 30\n  top: 三十\nelements:\n  bodyy: {size_pt: 16}\n"
        "  body: {font: fangsongg, align: centre}\nbold_headings: 是\n", "utf-8")
    for command in (["check", "2024"], ["style", "show"]):
        out = reportgen("-C", str(workspace), *command, env=ZH)
        assert out.returncode == 1, out.stdout
        err = out.stderr
        assert "styles.yaml:1 margin_mm：没有“margin_mm”这一项" in err and "是否想写“margins_mm”？" in err
        assert "styles.yaml:4 margins_mm.lft：没有“lft”这一项" in err and "是否想写“left”？" in err
        assert "styles.yaml:5 margins_mm.top：“三十”不是数字" in err
        assert "styles.yaml:7 elements.bodyy：没有“bodyy”这一项" in err and "是否想写“body”？" in err
        assert "styles.yaml:8 elements.body.font：没有名为“fangsongg”的字体角色" in err
        assert "可选：left、center、right、justify" in err
        assert "styles.yaml:9 bold_headings：“是”不是 true 或 false" in err
        assert "Extra inputs" not in err and "Input should" not in err and "Field required" not in err
        assert err.count("styles.yaml") == 7          # every problem once, nothing about bodyy's missing font
        lines = [int(n) for n in re.findall(r"styles\.yaml:(\d+) ", err)]
        assert lines == sorted(lines)                 # in the order of the file


def test_style_show_prints_the_effective_values_and_where_they_come_from(workspace):
    (workspace / "styles.yaml").write_text("margins_mm:\n  top: 35\ngrid:\n  line_pt: 29\n", "utf-8")
    out = reportgen("-C", str(workspace), "style", "show", "--profile", "bold-headings", "--profile", "model-b",
                    env=ZH, check=True).stdout
    lines = out.splitlines()
    assert "依次叠加 styles.yaml、版式方案 bold-headings、版式方案 model-b" in lines[0]
    assert "  top: 34.5   # 版式方案 model-b" in lines            # the later layer wins
    assert "  line_pt: 29.6   # 版式方案 model-b" in lines
    assert "bold_headings: true   # 版式方案 bold-headings" in lines
    assert "  left: 28   # 版式方案 model-b" in lines
    assert "  width_mm: 210" in lines and "  tracking_pt: -0.25" in lines   # built-in values, unmarked
    plain = reportgen("-C", str(workspace), "style", "show", env=ZH, check=True).stdout.splitlines()
    assert "  top: 35   # styles.yaml" in plain and "  line_pt: 29   # styles.yaml" in plain
    assert "bold_headings: false" in plain
    # what it prints is the style the writers use
    from reportgen.core.workspace import Workspace
    from reportgen.pipeline import style_for

    style = style_for(Workspace(workspace))
    assert style.margins_mm.top == 35 and style.grid.line_pt == 29
