"""Catalogue, class 1 — confinement: nothing outside the workspace (or reportgen's own package)
is read, whatever a link, a style value or a URL says.  Each case failed on the code before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hostile_helpers import cli, fresh, unit_year
from conftest import reportgen

SECRET = "SECRET-OUTSIDE-THE-WORKSPACE"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    ws = tmp_path_factory.mktemp("conf") / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    return ws


@pytest.fixture
def ws(sample, tmp_path):
    return fresh(sample, tmp_path)


def _outside(tmp_path: Path, name: str, text: str = SECRET) -> Path:
    target = tmp_path / "elsewhere" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")
    return target


def _unit(ws: Path) -> Path:
    return ws / "data" / str(unit_year(ws)) / "lucheng"


def test_c01_style_colour_carrying_css_with_upper_case_file_url_is_refused(ws):
    (ws / "styles.yaml").write_text(
        'colors:\n  text: "#000; } @font-face { font-family: x; src: url(FILE:///etc/hostname) } p { color: #000"\n', "utf-8")
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "colors.text" in out and "不是颜色" in out


def test_c02_font_name_with_a_quote_is_refused(ws):
    (ws / "styles.yaml").write_text('fonts:\n  kaiti: {official: "楷体\\"; src: url(x)", substitutes: [KaiTi]}\n', "utf-8")
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "fonts.kaiti.official" in out and "不是字体名" in out


def test_c03_page_number_format_cannot_close_the_css_string(ws):
    (ws / "styles.yaml").write_text('page_number: {format: "x\\" } body { color: red } {n}"}\n', "utf-8")
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "page_number.format" in out


@pytest.mark.parametrize("url", ["FILE:///etc/hostname", "File:///etc/hostname", "http://127.0.0.1:9/x.png"])
def test_c04_pdf_writer_refuses_urls_outside_whatever_the_scheme_case(url, tmp_path):
    from reportgen.core.errors import ReportgenError
    from reportgen.write.pdf import write_pdf

    html = f'<html><body><p>x</p><img src="{url}"></body></html>'
    with pytest.raises(ReportgenError) as info:
        write_pdf(html, (tmp_path,))
    assert "已拒绝" in str(info.value)


def test_c05_pdf_writer_still_reads_data_urls_and_files_inside(tmp_path):
    from reportgen.write.pdf import write_pdf

    (tmp_path / "a.css").write_text("p { color: #123456 }", "utf-8")
    upper = "FILE:" + (tmp_path / "a.css").as_uri()[len("file:"):]
    pdf = write_pdf(f'<html><head><link rel="stylesheet" href="{upper}">'
                    '<link rel="stylesheet" href="data:text/css,p%7Bcolor:red%7D"></head><body><p>x</p></body></html>', (tmp_path,))
    assert pdf.startswith(b"%PDF")


def test_c06_templates_show_refuses_a_link_to_a_file_outside(ws, tmp_path):
    (ws / "templates").mkdir(exist_ok=True)
    (ws / "templates" / "evil.md.j2").symlink_to(_outside(tmp_path, "passwd"))
    code, out = cli(ws, "templates", "show", "evil")
    assert code != 0 and SECRET not in out and "templates/evil.md.j2" in out and "工作区之外" in out


def test_c07_templates_list_shows_no_text_from_outside(ws, tmp_path):
    (ws / "templates").mkdir(exist_ok=True)
    (ws / "templates" / "evil.md.j2").symlink_to(_outside(tmp_path, "x.md.j2", "{# " + SECRET + " #}"))
    code, out = cli(ws, "templates", "list")
    assert code == 0 and SECRET not in out


def test_c08_linked_report_yaml_is_refused(ws, tmp_path):
    report = _unit(ws) / "report.yaml"
    outside = _outside(tmp_path, "report.yaml", report.read_text("utf-8"))
    report.unlink()
    report.symlink_to(outside)
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "report.yaml" in out and "工作区之外" in out


def test_c09_linked_unit_folder_is_refused(ws, tmp_path):
    unit = _unit(ws)
    moved = tmp_path / "elsewhere" / "lucheng"
    shutil.move(str(unit), moved)
    unit.symlink_to(moved, target_is_directory=True)
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "工作区之外" in out


def test_c10_linked_indicator_spreadsheet_is_refused(ws, tmp_path):
    unit = _unit(ws)
    data = next(p for p in unit.iterdir() if p.name.startswith("indicators."))
    moved = tmp_path / "elsewhere" / data.name
    moved.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(data), moved)
    data.symlink_to(moved)
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and data.name in out and "工作区之外" in out


def test_c11_linked_units_yaml_is_refused(ws, tmp_path):
    units = ws / "data" / "units.yaml"
    outside = _outside(tmp_path, "units.yaml", units.read_text("utf-8"))
    units.unlink()
    units.symlink_to(outside)
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "units.yaml" in out and "工作区之外" in out


def test_c12_new_year_copies_no_link_target(ws, tmp_path):
    year = unit_year(ws)
    (_unit(ws) / "notes.txt").symlink_to(_outside(tmp_path, "notes.txt"))
    code, out = cli(ws, "new-year", str(year + 1), "--unit", "lucheng")
    assert code != 0 and "notes.txt" in out and "工作区之外" in out
    assert not (ws / "data" / str(year + 1) / "lucheng").exists()


def test_c13_linked_styles_yaml_is_refused(ws, tmp_path):
    (ws / "styles.yaml").symlink_to(_outside(tmp_path, "styles.yaml", "name: x\n"))
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code != 0 and "styles.yaml" in out and "工作区之外" in out


def test_c14_font_file_linked_from_outside_is_refused(ws, tmp_path):
    import glob

    system_font = sorted(glob.glob("/usr/share/fonts/**/*.ttf", recursive=True))[0]
    (ws / "fonts").mkdir(exist_ok=True)
    (ws / "fonts" / "linked.ttf").symlink_to(system_font)
    code, out = cli(ws, "fonts")
    assert code != 0 and "fonts/linked.ttf" in out and "工作区之外" in out


def test_c15_a_link_inside_the_workspace_is_fine(ws):
    unit = _unit(ws)
    report = unit / "report.yaml"
    keep = ws / "data" / "report-copy.yaml"
    shutil.move(str(report), keep)
    report.symlink_to(keep)
    code, out = cli(ws, "check", str(unit_year(ws)))
    assert code == 0, out


def test_c16_check_to_do_list_quotes_nothing_from_outside(ws, tmp_path):
    """`check` lists its to-dos before anything else: a report.yaml and a workbook linked from
    outside the workspace are refused there too — no text of theirs in the list."""
    from openpyxl import load_workbook

    from reportgen.app.xlsxform import FILL

    year = unit_year(ws)
    unit = _unit(ws)
    report = unit / "report.yaml"
    text = report.read_text("utf-8")
    assert "\nsummary:" in text
    # a narrative naming the year before the results year: the to-do list quotes such passages
    outside = _outside(tmp_path, "report.yaml", text.replace(
        "\nsummary:", f"\nnote_x: {year - 2}年{SECRET}的活动\nsummary:", 1))
    report.unlink()
    report.symlink_to(outside)
    # a workbook with a highlighted blank cell (a to-do) in a row named by the secret
    book = unit / "indicators.xlsx"
    wb = load_workbook(book)
    wb["指标"].append(["secret_row", SECRET, "家", "总量", 0, None])
    wb["指标"].cell(wb["指标"].max_row, 6).fill = FILL
    moved = tmp_path / "elsewhere" / "indicators.xlsx"
    wb.save(moved)
    book.unlink()
    book.symlink_to(moved)

    proc = reportgen("-C", str(ws), "check", str(year))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    assert "工作区之外" in proc.stderr and "report.yaml" in proc.stderr and "indicators.xlsx" in proc.stderr
