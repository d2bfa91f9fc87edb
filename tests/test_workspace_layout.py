"""The repository's root is a real workspace (no symbolic links) equal to the packaged sample,
and ``init --sample`` copies the packaged sample, which no command may write into."""

import filecmp
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, reportgen

SAMPLE = REPO / "reportgen" / "sample"


def tracked(*paths: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(REPO), "ls-files", "-s", "--", *paths], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    return out.stdout.splitlines()


def test_no_symbolic_link_in_the_repository():
    links = [line for line in tracked() if line.startswith("120000")]
    assert links == []


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_root_workspace_and_packaged_sample_agree():
    # what git tracks in the root workspace is exactly the packaged sample, byte for byte
    root = {line.split("\t", 1)[1] for line in tracked("data", "templates", "reportgen.yaml")}
    packaged = {line.split("\t", 1)[1].removeprefix("reportgen/sample/") for line in tracked("reportgen/sample")}
    assert root == packaged == files(SAMPLE)
    different = [f for f in sorted(packaged) if not filecmp.cmp(REPO / f, SAMPLE / f, shallow=False)]
    assert different == [], "edit both copies (or copy the root's files into reportgen/sample/)"


def test_init_sample_is_pristine_and_builds_the_2024_report(tmp_path):
    ws = tmp_path / "ws"
    proc = reportgen("init", str(ws), "--sample", check=True)
    assert "reportgen build 2024" in proc.stdout
    assert files(ws) == files(SAMPLE)
    assert all(filecmp.cmp(ws / f, SAMPLE / f, shallow=False) for f in files(SAMPLE))
    assert (ws / "output").is_dir()
    proc = reportgen("-C", str(ws), "build", "2022")          # a year the sample has no report of
    assert proc.returncode == 1
    years = sorted(p.name for p in (ws / "data").iterdir() if p.is_dir())
    assert "2024" in years and "2022" not in years
    assert f"data/2022：没有2022年报告的数据目录；本工作区有这些年份的报告：{'、'.join(years)}" in proc.stderr
    assert not (ws / "output" / "2022").exists()


def test_the_packaged_sample_is_not_a_workspace_to_write_into(tmp_path):
    before = files(SAMPLE)
    for args in (["-C", str(SAMPLE), "new-year", "2025"], ["-C", str(SAMPLE), "templates", "copy", "news"],
                 ["-C", str(SAMPLE / "data"), "build", "2024", "--format", "docx"]):
        proc = reportgen(*args)
        assert proc.returncode == 1, args
        assert "这是 reportgen 安装包自带的示例，不能在这里生成或修改文件" in proc.stderr
        assert "reportgen init 目录 --sample" in proc.stderr
    assert files(SAMPLE) == before


def test_the_root_workspace_builds_the_2024_report(tmp_path):
    """A clone's root is a workspace as it stands (output to a temporary folder here)."""
    out = tmp_path / "out"
    reportgen("-C", str(REPO), "build", "2024", "--format", "docx", "--out", str(out), check=True)
    names = sorted(p.name for p in out.glob("*.docx"))
    assert names == sorted(["鹿城区科学技术局2023年工作总结和2024年工作思路.docx", "鹿城区科学技术局2023年工作总结.docx",
                            "鹿城区科学技术局2024年工作思路.docx", "鹿城区科技创新呈现“高峰凸显、高原崛起”发展态势.docx"])
