"""Catalogue, class 3 — outputs: names checked before anything is written, a document's files
replaced together, every OS error named with its path and a hint, failures in the manifest.
Real obstacles (folders, a read-only and a full tmpfs mounted for the test)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hostile_helpers import cli, fresh, leftovers, one_document, unit_year
from conftest import reportgen


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    ws = tmp_path_factory.mktemp("out") / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    one_document(ws, "测试文档")
    return ws


@pytest.fixture
def ws(sample, tmp_path):
    return fresh(sample, tmp_path)


def _out(ws: Path) -> Path:
    return ws / "output" / str(unit_year(ws))


@pytest.fixture
def tmpfs(tmp_path):
    """A real, small tmpfs (needs mount rights: root in the test container)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mounted = []

    def mount(size: str = "256k", readonly: bool = False) -> Path:
        opts = f"size={size}" + (",ro" if readonly else "")
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(mnt)], capture_output=True, text=True)
        if proc.returncode != 0:
            if os.environ.get("CI") == "true":
                pytest.fail(f"cannot mount a tmpfs: {proc.stderr}")
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        mounted.append(mnt)
        return mnt

    yield mount
    for m in mounted:
        subprocess.run(["umount", "-l", str(m)], capture_output=True)


def test_o01_two_documents_with_one_title_name_each_other_and_overwrite_nothing(ws):
    year = unit_year(ws)
    ydir = ws / "data" / str(year)
    shutil.copytree(ydir / "lucheng", ydir / "lucheng2")
    units = ws / "data" / "units.yaml"
    units.write_text(units.read_text("utf-8") + "lucheng2:\n  name: 鹿城区科学技术局二\n  short_name: 二局\n", "utf-8")
    code, out = cli(ws, "build", str(year), "--format", "docx")
    assert code != 0
    assert "lucheng2" in out and "“lucheng”" in out and "同名" in out
    manifest = json.loads((_out(ws) / "manifest.json").read_text("utf-8"))
    assert manifest["documents"]["lucheng"]["outputs"]["docx"]["path"] == "测试文档.docx"
    assert "outputs" not in manifest["documents"]["lucheng2"] or not manifest["documents"]["lucheng2"]["outputs"]
    assert manifest["documents"]["lucheng2"]["failed"]["problems"]
    from docx import Document

    text = "\n".join(p.text for p in Document(_out(ws) / "测试文档.docx").paragraphs)
    assert "鹿城区科学技术局二" not in text           # the first document's file, untouched


def test_o02_a_folder_at_the_pdf_name_leaves_both_old_files(ws):
    year = unit_year(ws)
    code, out = cli(ws, "build", str(year))
    assert code == 0, out
    docx, pdf = _out(ws) / "测试文档.docx", _out(ws) / "测试文档.pdf"
    old_docx = docx.read_bytes()
    pdf.unlink()
    pdf.mkdir()
    (pdf / "keep").write_text("x")
    report = one_document(ws, "测试文档")
    report.write_text(report.read_text("utf-8").replace("今年以来", "本年度以来", 1), "utf-8")
    code, out = cli(ws, "build", str(year), "--force")
    assert code != 0 and "测试文档.pdf" in out and "文件夹" in out and "内部错误" not in out
    assert docx.read_bytes() == old_docx          # not a new DOCX beside the old PDF
    assert leftovers(_out(ws)) == []


def test_o03_write_together_rolls_back_every_file(tmp_path):
    from reportgen.core.errors import ReportgenError
    from reportgen.pipeline import write_together

    a, b, c = tmp_path / "a.docx", tmp_path / "a.pdf", tmp_path / "a（来源）.xlsx"
    a.write_bytes(b"old-a")
    c.write_bytes(b"old-c")
    b.mkdir()
    with pytest.raises(ReportgenError):
        write_together({a: b"new-a", c: b"new-c", b: b"new-b"})
    assert a.read_bytes() == b"old-a" and c.read_bytes() == b"old-c" and leftovers(tmp_path) == []


def test_o04_read_only_output_folder_is_named_not_an_internal_error(ws, tmpfs):
    mnt = tmpfs("256k", readonly=True)
    code, out = cli(ws, "build", str(unit_year(ws)), "--format", "docx", "--out", str(mnt))
    assert code != 0 and str(mnt) in out and "只读" in out and "内部错误" not in out


def test_o05_full_disk_names_the_file_and_leaves_nothing(ws, tmpfs):
    mnt = tmpfs("20k")
    code, out = cli(ws, "build", str(unit_year(ws)), "--format", "docx", "--out", str(mnt))
    assert code != 0 and "磁盘空间已满" in out and "内部错误" not in out
    assert not (mnt / "测试文档.docx").exists() and leftovers(mnt) == []


def test_o06_title_too_long_for_a_file_name(ws):
    one_document(ws, "长" * 90)
    code, out = cli(ws, "build", str(unit_year(ws)), "--format", "docx")
    assert code != 0 and "文件名过长" in out and "title" in out and "内部错误" not in out
    assert [p for p in _out(ws).iterdir() if p.suffix == ".docx"] == [] and leftovers(_out(ws)) == []


def test_o07_manifest_json_being_a_folder_stops_before_building(ws):
    (_out(ws) / "manifest.json").mkdir(parents=True)
    code, out = cli(ws, "build", str(unit_year(ws)), "--format", "docx")
    assert code != 0 and "manifest.json" in out and "内部错误" not in out
    assert not (_out(ws) / "测试文档.docx").exists()


def test_o08_manifest_records_a_failed_document(ws):
    year = unit_year(ws)
    assert cli(ws, "build", str(year), "--format", "docx")[0] == 0
    report = one_document(ws, "测试文档")
    report.write_text(report.read_text("utf-8").replace("{{ ind.media_reports }}", "{{ ind.no_such }}", 1), "utf-8")
    code, out = cli(ws, "build", str(year), "--format", "docx")
    assert code != 0
    entry = json.loads((_out(ws) / "manifest.json").read_text("utf-8"))["documents"]["lucheng"]
    assert "no_such" in " ".join(entry["failed"]["problems"])
    assert entry["outputs"]["docx"]["path"] == "测试文档.docx"      # the old, good file is still there
    assert cli(ws, "build", str(year), "--format", "docx")[0] != 0


def test_o09_output_path_through_a_file_is_named(ws):
    blocker = ws / "blocker"
    blocker.write_text("x")
    code, out = cli(ws, "build", str(unit_year(ws)), "--format", "docx", "--out", str(blocker / "sub"))
    assert code != 0 and "blocker" in out and "内部错误" not in out


def test_o10_a_build_killed_while_replacing_a_file_loses_nothing(tmp_path):
    """SIGKILL at the worst moment — the old file set aside, the new one not yet in place — and
    then the next build's clean-up of a dead build's leftovers: the good old file is still there."""
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    out.mkdir()
    target = out / "报告.docx"
    target.write_bytes(b"good old bytes")
    code = ("import os, signal, sys\n"
            "from pathlib import Path\n"
            "from reportgen import pipeline\n"
            f"target = {str(target)!r}\n"
            "def killed_when_placing(real):\n"
            "    def move(src, dst, *a, **k):\n"
            "        if str(dst) == target:                  # the new file about to take the name\n"
            "            os.kill(os.getpid(), signal.SIGKILL)\n"
            "        return real(src, dst, *a, **k)\n"
            "    return move\n"
            "os.replace, os.rename = killed_when_placing(os.replace), killed_when_placing(os.rename)\n"
            f"pipeline.write_together({{Path({str(target)!r}): b'new bytes'}})\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert target.read_bytes() == b"good old bytes"
    from reportgen.pipeline import clean_stale_temp_files

    clean_stale_temp_files(out)
    assert target.read_bytes() == b"good old bytes"
    assert sorted(p.name for p in out.iterdir()) == ["报告.docx"]
