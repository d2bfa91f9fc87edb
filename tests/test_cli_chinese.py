"""Every text click prints is Chinese in a Chinese run: messages, type names, defaults, ranges,
usage words and usage errors (reportgen/cli/zh.py and core/locale/zh/LC_MESSAGES/click.po)."""

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from babel.messages.pofile import read_po

from conftest import REPO, reportgen

CLICK_PO = REPO / "reportgen" / "core" / "locale" / "zh" / "LC_MESSAGES" / "click.po"
ZH = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8", "COLUMNS": "100"}
EN = {**ZH, "LANG": "en_US.UTF-8"}
# click's English words in help and errors (the names of our own arguments, YEAR, NAME …, are not)
ENGLISH = re.compile(r"\b(Usage|Options|Commands|OPTIONS|COMMAND|ARGS|INTEGER|TEXT|FLOAT|RANGE|"
                     r"BOOLEAN|default|Error|Got|unexpected|Missing|Invalid|required)\b")
COMMANDS = [[], ["build"], ["check"], ["new-year"], ["init"], ["fonts"], ["templates"], ["templates", "list"],
            ["templates", "show"], ["templates", "copy"], ["preview"]]


def test_every_message_of_the_installed_click_has_a_chinese_translation(tmp_path):
    """Read click's own source (as installed) for its messages: a new click release that adds
    one makes this fail until click.po translates it."""
    pot = tmp_path / "click.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-k", "_", "-k", "ngettext:1,2",
                    "--no-location", "-o", str(pot), str(Path(click.__file__).parent)], check=True, capture_output=True)
    with pot.open("rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with CLICK_PO.open("rb") as fh:
        catalog = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(fh) if m.id}
    assert wanted - set(catalog) == set()
    for msgid in wanted:
        string = catalog[msgid].string
        text = string if isinstance(string, str) else string[0]
        assert text and not re.search(r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}|%\([a-z]+\)s|Windows|Bash|UUID", "", text)), msgid


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "main")
def test_help_has_no_english_word_of_click(command):
    out = reportgen(*command, "--help", env=ZH, check=True).stdout
    assert out.startswith("用法：python -m reportgen")
    assert not ENGLISH.search(out), ENGLISH.search(out)
    if command:   # the descriptions line up on screen (a Chinese character is two columns wide)
        from reportgen.cli.zh import width

        starts = {width(m.group(1)) + len(m.group(2)) for line in out.splitlines()
                  if (m := re.match(r"^(\s+-\S.*?)(\s{2,})(\S.*)$", line))}
        assert len(starts) == 1, out


def test_types_defaults_and_ranges_in_chinese():
    out = "".join(reportgen("build", "--help", env=ZH, check=True).stdout.split())   # lines unwrapped
    assert "-j,--jobs整数" in out and "[默认：1；不小于0]" in out
    assert "--profile文字" in out and "--out文件夹" in out and "[默认：all]" in out
    assert "选项：" in out and "用法：python-mreportgenbuild[选项]YEAR" in out
    main = "".join(reportgen("--help", env=ZH, check=True).stdout.split())
    assert "用法：python-mreportgen[选项]命令[参数]..." in main and "命令：" in main


@pytest.mark.parametrize("args, message", [
    (["build", "2024", "extra"], "错误：多余的参数（extra）"),
    (["build", "x"], "错误：'YEAR' 的值无效：'x' 不是有效的整数。"),
    (["build", "-j", "-1", "2024"], "错误：'-j' / '--jobs' 的值无效：-1 超出范围（不小于\u00a00）。"),
    (["build", "--format", "odt", "2024"], "错误：'--format' 的值无效：'odt' 不是 'docx', 'pdf', 'all' 之一。"),
    (["preview", "--hlp"], "错误：没有选项 '--hlp'。 （是否想用：'--help'？）"),
    (["build", "--jobs"], "错误：选项 '--jobs' 需要 1 个值。"),
    (["build"], "错误：缺少参数 'YEAR'。"),
])
def test_usage_errors_in_chinese(args, message):
    out = reportgen(*args, env=ZH)
    assert out.returncode == 2
    assert message in out.stderr
    assert not ENGLISH.search(out.stderr), out.stderr


def test_english_run_keeps_clicks_english():
    out = " ".join(reportgen("build", "--help", env=EN, check=True).stdout.split())
    assert "-j, --jobs INTEGER RANGE" in out and "[default: 1; x>=0]" in out
    assert "Usage: python -m reportgen build [OPTIONS] YEAR" in out
    err = reportgen("build", "2024", "extra", env=EN).stderr
    assert "Got unexpected extra argument (extra)" in err
