"""A catalogue of broken and hostile templates, each run through the real command line.

Each case puts an editor's ``templates/summary_plan.md.j2`` (and helper files) into a fresh
sample workspace and runs ``reportgen -C WS build 2024``: the build must stop with exit status
1, name the template file and line, quote the line and say what is wrong (with a hint where one
helps), show no Python traceback, and write no output file.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import single_document, reportgen, written_files

TEMPLATE = "templates/summary_plan.md.j2"
HEAD = '{% extends "summary_plan.md.j2" %}\n{% block opening %}\n'
TAIL = "{% endblock %}\n"


def opening(body: str) -> str:
    """A three-line editor's template replacing the opening paragraph with ``body`` (line 3)."""
    return HEAD + body + TAIL


# id → (files to write, fragments expected in the message, line "file:N" expected, extra env)
CASES = {
    # --- syntax errors
    "unclosed if": ({TEMPLATE: "{% if ind.hte_new %}\n新增{{ ind.hte_new }}\n"},
                    ["模板语法错误", "缺少 'elif'、'else'、'endif'"], f"{TEMPLATE}:", None),
    "unclosed print": ({TEMPLATE: opening("新增{{ ind.hte_new 家")}, ["模板语法错误"], f"{TEMPLATE}:3", None),
    "unknown filter": ({TEMPLATE: opening("{{ ind.hte_new.value | numbr }}")},
                       ["没有名为 'numbr' 的过滤器", "是否想用 'number'？", "{{ ind.hte_new.value | numbr }}"],
                       f"{TEMPLATE}:3", None),
    "unknown tag": ({TEMPLATE: opening("{% iff ind.hte_new %}x{% endif %}")},
                    ["不认识的标签 'iff'", "是否想用 'if'？"], f"{TEMPLATE}:3", None),
    "stray endfor": ({TEMPLATE: opening("正文{% endfor %}")}, ["多余的 'endfor'"], f"{TEMPLATE}:3", None),
    "block never closed": ({TEMPLATE: HEAD + "正文\n"}, ["模板语法错误", "'endblock'"], f"{TEMPLATE}:", None),
    # --- undefined names
    "undefined name": ({TEMPLATE: opening("{{ indd.hte_new }}")},
                       ["未定义的名称 'indd'", "是否想用 'ind'？", "{{ indd.hte_new }}"], f"{TEMPLATE}:3", None),
    "undefined indicator": ({TEMPLATE: opening("增速{{ ind.rd_growht }}")},
                            ["ind 中没有 'rd_growht'", "是否想用 'rd_growth'？", "增速{{ ind.rd_growht }}"],
                            f"{TEMPLATE}:3", None),
    "undefined report key": ({TEMPLATE: opening("{{ report.openning }}")},
                             ["没有 'openning'", "是否想用 'opening'？"], f"{TEMPLATE}:3", None),
    "missing parent template": ({TEMPLATE: '{% extends "summry_plan.md.j2" %}\n'},
                                ["找不到模板 summry_plan.md.j2"], f"{TEMPLATE}:1", None),
    # --- sandbox escapes
    "class mro": ({TEMPLATE: opening("{{ ''.__class__.__mro__ }}")},
                  ["不允许", "不能访问 str 的属性 '__class__'"], f"{TEMPLATE}:3", None),
    "subclasses": ({TEMPLATE: opening("{{ ind.__class__.__base__.__subclasses__() }}")},
                   ["不允许", "'__class__'"], f"{TEMPLATE}:3", None),
    "self dict": ({TEMPLATE: opening("{{ self.__dict__ }}")}, ["不允许", "'__dict__'"], f"{TEMPLATE}:3", None),
    "cycler globals": ({TEMPLATE: opening("{{ cycler.__init__.__globals__ }}")},
                       ["未定义的名称 'cycler'"], f"{TEMPLATE}:3", None),
    "lipsum": ({TEMPLATE: opening("{{ lipsum(100000) }}")}, ["未定义的名称 'lipsum'"], f"{TEMPLATE}:3", None),
    "namespace": ({TEMPLATE: opening("{% set ns = namespace(s='x') %}{{ ns.s }}")},
                  ["未定义的名称 'namespace'"], f"{TEMPLATE}:3", None),
    "attr filter": ({TEMPLATE: opening("{{ ind.hte_new | attr('__class__') }}")}, ["不允许"], f"{TEMPLATE}:3", None),
    "private attribute": ({TEMPLATE: opening("{{ ind._items }}")}, ["不允许", "'_items'"], f"{TEMPLATE}:3", None),
    # --- files outside the workspace
    "include absolute path": ({TEMPLATE: opening("{% include '/etc/passwd' %}")},
                              ["不能引用“/etc/passwd”", "templates/"], f"{TEMPLATE}:3", None),
    "include parent dir": ({TEMPLATE: opening("{% include '../../../../etc/passwd' %}")},
                           ["不能引用“../../../../etc/passwd”"], f"{TEMPLATE}:3", None),
    "import data file": ({TEMPLATE: opening("{% import 'data/2024/lucheng/report.yaml' as r %}")},
                         ["只能引用模板文件", ".md.j2"], f"{TEMPLATE}:3", None),
    "symlink out": ({TEMPLATE: opening("{% include 'passwd.md.j2' %}"), "templates/passwd.md.j2": Path("/etc/passwd")},
                    ["指向模板文件夹之外"], f"{TEMPLATE}:3", None),
    # --- exhausting the machine
    "huge string": ({TEMPLATE: opening("{{ 'x' * 10**9 }}")}, ["超过 1000000 个字符"], f"{TEMPLATE}:3", None),
    "huge power": ({TEMPLATE: opening("{{ 10**10**10 }}")}, ["幂运算", "过大"], f"{TEMPLATE}:3", None),
    "doubling string": ({TEMPLATE: opening("{% set s = 'x' * 1000000 %}{% set s = s ~ s %}{{ s }}")},
                        ["超过 1000000 个字符"], f"{TEMPLATE}:3", None),
    "huge range": ({TEMPLATE: opening("{% for i in range(10**9) %}{% endfor %}")},
                   ["range 的范围过大"], f"{TEMPLATE}:3", None),
    "nested loops": ({TEMPLATE: opening("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}")},
                     ["循环次数合计超过 1000000 次"], f"{TEMPLATE}:3", None),
    "huge output": ({TEMPLATE: opening("{% for i in range(99999) %}{{ '汉字' * 100 }}{% endfor %}")},
                    ["模板输出超过 2000000 个字符"], f"{TEMPLATE}：", None),
    "huge padding": ({TEMPLATE: opening("{{ 'x'.ljust(10**8) }}")}, ["100000000 过大"], f"{TEMPLATE}:3", None),
    "huge format width": ({TEMPLATE: opening("{{ '%0999999999d' % 1 }}")}, ["宽度或精度过大"], f"{TEMPLATE}:3", None),
    "macro recursion": ({TEMPLATE: opening("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")},
                        ["递归过深"], f"{TEMPLATE}:3", None),
    "include recursion": ({TEMPLATE: opening("{% include 'part.md.j2' %}"),
                           "templates/part.md.j2": "{% include 'part.md.j2' %}\n"},
                          ["递归过深"], "templates/part.md.j2:1", None),
    "endless loop over text": ({TEMPLATE: opening("{% for a in 'x' * 1000000 %}{% for b in 'y' * 1000000 %}"
                                                  "{% endfor %}{% endfor %}")},
                               ["模板运行超过 2 秒"], f"{TEMPLATE}:3", {"REPORTGEN_TEMPLATE_SECONDS": "2"}),
    # --- the narrative of report.yaml is a template too
    "narrative escape": ({"data/2024/lucheng/report.yaml": "+opening: \"{{ ''.__class__.__mro__ }}\""},
                         ["不允许"], "data/2024/lucheng/report.yaml:", None),
}


@pytest.fixture(scope="module")
def base_workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("hostile") / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    return single_document(ws)


def place(ws: Path, files: dict) -> None:
    for rel, content in files.items():
        path = ws / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            path.symlink_to(content)
        elif content.startswith("+"):  # replace one top-level key of a YAML file
            key = content[1:].split(":")[0]
            lines = path.read_text("utf-8").splitlines()
            start = next(i for i, line in enumerate(lines) if line.startswith(key + ":"))
            end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i][0].isspace()), len(lines))
            path.write_text("\n".join([*lines[:start], content[1:], *lines[end:]]) + "\n", "utf-8")
        else:
            path.write_text(content, "utf-8")


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_template_is_stopped_with_its_line(base_workspace, tmp_path, case):
    files, fragments, where, env = CASES[case]
    ws = tmp_path / "ws"
    shutil.copytree(base_workspace, ws, symlinks=True)
    place(ws, files)
    proc = reportgen("-C", str(ws), "build", "2024", env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert where in out, out
    for fragment in fragments:
        assert fragment in out, out
    assert "Traceback" not in out and "jinja2" not in out, out
    outputs = ws / "output"
    assert not written_files(outputs), out


def test_catalogue_has_at_least_twenty_cases():
    assert len(CASES) >= 20


def test_debug_shows_the_traceback(base_workspace, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(base_workspace, ws, symlinks=True)
    place(ws, {TEMPLATE: opening("{{ indd.hte_new }}")})
    proc = reportgen("-C", str(ws), "--debug", "check", "2024")
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


def test_the_three_line_template_changes_the_docx_and_pdf(base_workspace, tmp_path):
    """The editor's path: copy --extend, keep three lines, build: the opening is theirs."""
    import docx
    import pdfplumber

    ws = tmp_path / "ws"
    shutil.copytree(base_workspace, ws, symlinks=True)
    proc = reportgen("-C", str(ws), "templates", "copy", "summary_plan", "--extend", check=True)
    assert "templates/summary_plan.md.j2" in proc.stdout
    (ws / TEMPLATE).write_text(opening("今年，{{ unit.short_name }}新增高新技术企业{{ ind.hte_new }}。**不是粗体**"),
                               "utf-8")
    assert len((ws / TEMPLATE).read_text("utf-8").strip().splitlines()) == 3  # extends, block, text + endblock
    reportgen("-C", str(ws), "build", "2024", check=True)
    docx_path = next((ws / "output" / "2024").glob("*工作总结和*.docx"))
    paragraphs = [p.text for p in docx.Document(docx_path).paragraphs]
    assert "今年，区科技局新增高新技术企业44家。**不是粗体**" not in paragraphs  # template text is markup
    assert "今年，区科技局新增高新技术企业44家。不是粗体" in paragraphs
    assert not any("全力构筑高能级平台矩阵" in p for p in paragraphs)
    assert any(p.startswith("一是综合实力持续攀升") for p in paragraphs)  # the rest is inherited
    with pdfplumber.open(next((ws / "output" / "2024").glob("*工作总结和*.pdf"))) as pdf:
        first = re.sub(r"\s", "", pdf.pages[0].extract_text())     # 44 家: the 0.2 em read as a space
    assert "今年，区科技局新增高新技术企业44家。" in first
