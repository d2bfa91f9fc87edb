"""Every command of docs/january-guide.md, run as written, in order, in a fresh folder; the
spreadsheet filled where the guide says so, with the guide's own example numbers, the way a
person fills the yellow cells."""

import re
import shlex
import sys

import docx

from conftest import REPO, reportgen

GUIDE = REPO / "docs" / "january-guide.md"


def _screenshots_script():
    """scripts/january_screenshots.py: the one reading of the guide's example numbers and the one
    way of filling the yellow cells, shared by the screenshots and this test."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("january_screenshots", REPO / "scripts/january_screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_script = _screenshots_script()
example_numbers, fill = _script.example_numbers, _script.fill


def steps(text: str):
    """("cmd", line) for each command of the sh blocks and ("fill", None) at the fill marker, in order."""
    out = []
    for block in re.finditer(r"```sh\n(.*?)```|<!-- guide-test: (\w+) -->", text, re.S):
        if block.group(2):
            out.append((block.group(2), None))
            continue
        for line in block.group(1).splitlines():
            if line.strip():
                out.append(("cmd", line))
    return out


def test_every_command_of_the_january_guide_runs_as_written(tmp_path):
    text = GUIDE.read_text("utf-8")
    values, targets = example_numbers()
    assert len(values) == 6 and len(targets) == 5
    cwd = tmp_path
    ran = []
    for kind, line in steps(text):
        if kind == "fill":
            fill(cwd / "data/2025/pingyang/indicators.xlsx", values, targets)
            continue
        command, _, comment = line.partition("#")
        args = shlex.split(command)
        if args[0] == "cd":
            cwd = cwd / args[1]
            assert cwd.is_dir(), line
            continue
        assert args[0] == "reportgen", line
        proc = reportgen(*args[1:], cwd=cwd)
        expected = 1 if "退出码为 1" in comment else 0
        assert proc.returncode == expected, f"{line}\n{proc.stdout}\n{proc.stderr}"
        ran.append((line.strip(), proc))
    commands = [c for c, _ in ran]
    assert commands[0] == "reportgen init 平阳 --unit 平阳县科学技术局 --year 2025"
    assert len(commands) == 7 and commands[-1].startswith("reportgen check 2026")
    # what the guide says each step shows
    before, after = ran[1][1], ran[2][1]
    assert "要填写的数值（6）" in before.stdout and "要设定的目标（5）" in before.stdout
    assert "数据和模板检查通过" in after.stdout
    out = cwd / "output/2025"
    name = "平阳县科学技术局2024年工作总结和2025年工作思路"
    assert (out / f"{name}.docx").is_file() and (out / f"{name}.pdf").is_file()
    body = "".join(p.text for p in docx.Document(str(out / f"{name}.docx")).paragraphs)
    assert "全年新增高新技术企业52家" in body and "新增高新技术企业60家以上" in body
    last = ran[-1][1]
    assert "要填写的数值（6）" in last.stdout and "要设定的目标（5）" in last.stdout
    assert (cwd / "data/2026/pingyang/indicators.xlsx").is_file()


def test_the_guides_screenshots_are_made_by_the_script(tmp_path):
    """scripts/january_screenshots.py makes the guide's two pictures: the spreadsheet with its
    yellow cells (LibreOffice Calc headless) and the first page of the PDF (pdftoppm)."""
    import subprocess

    from PIL import Image

    from conftest import require_tool

    require_tool("soffice")
    require_tool("pdftoppm")
    proc = subprocess.run([sys.executable, str(REPO / "scripts/january_screenshots.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    text = GUIDE.read_text("utf-8")
    for name in ("january-sheet.png", "january-pdf.png"):
        assert f"](images/{name})" in text and (REPO / "docs/images" / name).is_file()
    sheet = Image.open(tmp_path / "january-sheet.png").convert("RGB")
    yellow = sum(1 for r, g, b in getattr(sheet, "get_flattened_data", sheet.getdata)() if r > 245 and 235 <= g <= 246 and 195 <= b <= 210)
    assert yellow > 2000, yellow                  # the cells to fill show as yellow
    page = Image.open(tmp_path / "january-pdf.png")
    assert 0.68 < page.width / page.height < 0.73   # an A4 page
