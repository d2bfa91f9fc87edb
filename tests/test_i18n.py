"""Messages follow the locale: Chinese for zh_CN, English otherwise; --help likewise."""

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import REPO, reportgen

LOCALE = REPO / "reportgen" / "core" / "locale"
NO_LANG = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "", "COLUMNS": "250"}


def lang(value: str, var: str = "LANG") -> dict:
    return {**NO_LANG, var: value}


@pytest.mark.parametrize("var", ["LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"])
def test_help_in_chinese_under_a_chinese_locale(var):
    out = "".join(reportgen("--help", env=lang("zh_CN.UTF-8", var), check=True).stdout.split())
    assert "用法：" in out and "显示本帮助并退出。" in out
    assert "工作区文件夹（默认：从当前文件夹向上查找）。" in out
    assert "在本机浏览器中按页预览文档" in out


@pytest.mark.parametrize("value", ["en_US.UTF-8", "C.UTF-8", "de_DE.UTF-8", ""])
def test_help_in_english_otherwise(value):
    out = " ".join(reportgen("--help", env=lang(value), check=True).stdout.split())
    assert "Usage:" in out and "Show this message and exit." in out
    assert "Workspace folder (default: found from the current folder)." in out
    assert "用法" not in out


def test_subcommand_help_follows_the_locale():
    zh = "".join(reportgen("templates", "copy", "--help", env=lang("zh_CN.UTF-8"), check=True).stdout.split())
    en = " ".join(reportgen("templates", "copy", "--help", env=lang("en_US.UTF-8"), check=True).stdout.split())
    assert "把内置模板NAME复制到工作区的templates/以便修改。" in zh
    assert "Copy the built-in template NAME into the workspace's templates/ to customise it." in en


def test_template_error_in_both_languages(workspace):
    (workspace / "templates" / "summary_plan.md.j2").write_text(
        '{% extends "summary_plan.md.j2" %}\n{% block opening %}\n{{ ind.rd_growht }}{% endblock %}\n', "utf-8")
    zh = reportgen("-C", str(workspace), "check", "2024", env=lang("zh_CN.UTF-8"))
    en = reportgen("-C", str(workspace), "check", "2024", env=lang("en_US.UTF-8"))
    assert zh.returncode == en.returncode == 1
    assert "templates/summary_plan.md.j2:3：ind 中没有 'rd_growht'" in zh.stderr
    assert "提示：是否想用 'rd_growth'？" in zh.stderr
    assert "templates/summary_plan.md.j2:3: ind has no 'rd_growht'" in en.stderr
    assert "Hint: did you mean 'rd_growth'?" in en.stderr
    assert "{{ ind.rd_growht }}" in zh.stderr and "{{ ind.rd_growht }}" in en.stderr


def _set_cell(path, sheet, cell, value):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def test_data_error_in_both_languages(workspace):
    """A data problem names the same file and cell in both languages; message and hint follow the locale."""
    xlsx = workspace / "data" / "2024" / "lucheng" / "indicators.xlsx"
    _set_cell(xlsx, "指标", "F3", "约30")
    _set_cell(xlsx, "指标", "D4", "比例")
    zh = reportgen("-C", str(workspace), "check", "2024", env=lang("zh_CN.UTF-8"))
    en = reportgen("-C", str(workspace), "check", "2024", env=lang("en_US.UTF-8"))
    assert zh.returncode == en.returncode == 1
    assert "错误：发现 2 个问题，未生成任何文件。" in zh.stderr
    assert "data/2024/lucheng/indicators.xlsx 指标!F3：“约30”不是数字" in zh.stderr
    assert "提示：只填数字：单位写在“单位”列，说明写在“说明”列；没有数据就留空" in zh.stderr
    assert "data/2024/lucheng/indicators.xlsx 指标!D4：类型“比例”无效" in zh.stderr
    assert "提示：类型填：总量、比重、增速、百分点、位次" in zh.stderr
    assert "Error: 2 problems found; no file was written." in en.stderr
    assert "data/2024/lucheng/indicators.xlsx 指标!F3: “约30” is not a number" in en.stderr
    assert ("Hint: numbers only: the unit goes in the column “单位”, remarks in “说明”; "
            "leave the cell empty when there is no data") in en.stderr
    assert "data/2024/lucheng/indicators.xlsx 指标!D4: invalid type “比例”" in en.stderr
    assert "Hint: the type (类型) is one of: 总量, 比重, 增速, 百分点, 位次" in en.stderr
    for chinese in ("不是数字", "无效", "提示", "只填数字", "、"):
        assert chinese not in en.stderr


def test_new_year_report_follows_the_locale(workspace):
    zh = reportgen("-C", str(workspace), "new-year", "2025", env=lang("zh_CN.UTF-8"), check=True)
    assert "已新建 data/2025/lucheng/：指标" in zh.stdout and "2024年数值待填写" in zh.stdout
    again = reportgen("-C", str(workspace), "new-year", "2025", env=lang("en_US.UTF-8"))
    assert again.returncode == 1
    assert "data/2025/lucheng: already exists; nothing was changed (new-year never overwrites a folder)" \
        in again.stderr
    assert "Hint: to start again, move or rename data/2025/lucheng first" in again.stderr
    (workspace / "data" / "2025").rename(workspace / "data" / "2025.zh")
    en = reportgen("-C", str(workspace), "new-year", "2025", env=lang("en_US.UTF-8"), check=True)
    assert "Created data/2025/lucheng/: " in en.stdout and "values of 2024 to be filled in" in en.stdout
    assert "已新建" not in en.stdout


def test_click_errors_in_chinese():
    out = reportgen("templates", "nosuch", env=lang("zh_CN.UTF-8"))
    assert out.returncode == 2
    assert "没有命令 'nosuch'。" in out.stderr and "错误：" in out.stderr


def test_catalog_is_complete_and_its_placeholders_match():
    """Every message of the code is in the English catalog, with the same {placeholders}."""
    import re

    with (LOCALE / "en" / "LC_MESSAGES" / "reportgen.po").open("rb") as fh:
        catalog = read_po(fh)
    with (LOCALE / "reportgen.pot").open("rb") as fh:
        template = read_po(fh)
    ids = {m.id for m in template if m.id}
    assert ids <= {m.id for m in catalog if m.id}
    for m in catalog:
        if m.id:
            assert m.string, f"untranslated: {m.id}"
            assert set(re.findall(r"\{[a-z_]*", m.id)) == set(re.findall(r"\{[a-z_]*", m.string)), m.id


def test_pot_is_up_to_date(tmp_path):
    """The catalog template matches the messages in the code (re-run pybabel extract if not)."""
    pybabel = shutil.which("pybabel", path=str(Path(__import__("sys").executable).parent))
    assert pybabel
    import subprocess

    out = tmp_path / "fresh.pot"
    subprocess.run([pybabel, "extract", "-F", str(LOCALE / "babel.cfg"), "-k", "N_", "--add-location", "file",
                    "-o", str(out), "."], cwd=REPO, check=True, capture_output=True)
    with out.open("rb") as fh:
        fresh = {m.id for m in read_po(fh) if m.id}
    with (LOCALE / "reportgen.pot").open("rb") as fh:
        stored = {m.id for m in read_po(fh) if m.id}
    assert fresh - stored == set(), "messages missing from reportgen.pot: run pybabel extract and update"


def test_stale_mo_is_recompiled_into_the_cache(tmp_path, monkeypatch):
    """A .po newer than its .mo (a translator's edit) is compiled on first use, not ignored."""
    from reportgen.core import i18n

    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    shutil.copytree(LOCALE, tmp_path / "locale")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    po = tmp_path / "locale" / "en" / "LC_MESSAGES" / "reportgen.po"
    po.write_text(po.read_text("utf-8").replace('msgstr "no such template"', 'msgstr "no template of that name"'),
                  "utf-8")
    found = i18n.compiled("en", "reportgen")
    assert found is not None and found.is_relative_to(tmp_path / "cache")
    import gettext

    with found.open("rb") as fh:
        assert gettext.GNUTranslations(fh).gettext("没有这个模板") == "no template of that name"


def test_language_detection(monkeypatch):
    from reportgen.core import i18n

    for var in i18n.LANG_VARS:
        monkeypatch.delenv(var, raising=False)
    assert i18n.language() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.language() == "zh"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")  # LC_ALL wins over LANG
    assert i18n.language() == "en"
    monkeypatch.setenv("LANGUAGE", "zh_TW:en")   # LANGUAGE wins over both
    assert i18n.language() == "zh"


def test_build_report_follows_the_locale(workspace):
    """The per-document lines, the summary table and its totals of `reportgen build` follow the locale."""
    en = reportgen("-C", str(workspace), "build", "2024", "--format", "docx", env=lang("en_US.UTF-8"), check=True)
    assert "Wrote " in en.stdout and " document(s), 1 file(s): " in en.stdout and "Unit" in en.stdout
    for chinese in ("已生成", "单位", "份文档", "秒"):
        assert chinese not in en.stdout
    zh = reportgen("-C", str(workspace), "build", "2024", "--format", "docx", "--force",
                   env=lang("zh_CN.UTF-8"), check=True)
    assert "已生成 " in zh.stdout and "份文档（1 个文件）：生成" in zh.stdout
    assert "Wrote" not in zh.stdout
