"""The style definition: one file, profiles, workspace overrides — read by both writers."""

import zipfile

import pytest

from conftest import reportgen
from reportgen.core.errors import ReportgenError
from reportgen.write.style import load_style


def docx_xml(path, part="word/document.xml"):
    return zipfile.ZipFile(path).read(part).decode()


def test_builtin_style_matches_the_standard():
    s = load_style()
    assert (s.page.width_mm, s.page.height_mm) == (210, 297)
    assert s.type_area_mm == (156, 225)
    assert s.grid.lines * s.grid.line_pt <= 225 * 72 / 25.4          # 22 lines fit the 版心
    assert round(156 * 72 / 25.4 / (16 + s.grid.tracking_pt)) == 28   # 28 tracked 3号 characters fill a line


def test_unknown_profile_is_named(tmp_path):
    with pytest.raises(ReportgenError) as err:
        load_style(profiles=["nope"])
    assert "nope" in str(err.value) and "bold-headings" in str(err.value)


def test_workspace_override_is_validated(tmp_path):
    (tmp_path / "styles.yaml").write_text("grid: {line_pt: abc}\n", "utf-8")
    with pytest.raises(ReportgenError) as err:
        load_style(tmp_path / "styles.yaml")
    assert "grid.line_pt" in str(err.value)


def test_profiles_reach_both_writers(workspace):
    out = workspace / "output"
    reportgen("-C", str(workspace), "build", "2024", "--format", "docx", "--profile", "bold-headings",
              "--profile", "mirror-margins", "--profile", "model-b", "--out", str(out / "p"), check=True)
    path = next((out / "p").glob("*.docx"))
    styles = docx_xml(path, "word/styles.xml")
    h2 = styles[styles.index('w:styleId="公文二级标题"'):]
    h2 = h2[:h2.index("</w:style>")]
    assert "<w:b/>" in h2
    assert "<w:mirrorMargins/>" in docx_xml(path, "word/settings.xml")
    doc = docx_xml(path)
    assert 'w:top="1956"' in doc            # 34.5 mm (model B)
    assert 'w:linePitch="592"' in doc       # 29.6 pt
    reportgen("-C", str(workspace), "build", "2024", "--format", "docx", "--out", str(out / "a"), check=True)
    plain = docx_xml(next((out / "a").glob("*.docx")))
    assert 'w:top="2098"' in plain and 'w:linePitch="579"' in plain


def test_workspace_styles_yaml_changes_output(workspace):
    (workspace / "styles.yaml").write_text("elements:\n  title: {size_pt: 26}\n", "utf-8")
    reportgen("-C", str(workspace), "build", "2024", "--format", "docx", check=True)
    styles = docx_xml(next((workspace / "output").rglob("*.docx")), "word/styles.xml")
    title = styles[styles.index('w:styleId="公文标题"'):]
    assert '<w:sz w:val="52"/>' in title[:title.index("</w:style>")]
