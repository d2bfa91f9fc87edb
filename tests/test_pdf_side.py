"""A one-document build writes its PDF in a second process beside the DOCX (app/pdf_side): the
same bytes as one process, the same messages when the PDF cannot be written, and ``--jobs 1``
keeps the build in one process."""

import json
import os

from conftest import reportgen, written_files


def _build(ws, out, *args, env=None):
    return reportgen("-C", str(ws), "build", "2024", "--out", str(out), *args, env=env)


def test_the_side_process_writes_the_same_bytes_as_one_process(workspace, tmp_path):
    if (os.cpu_count() or 1) < 2:
        import pytest

        pytest.skip("one core: no side process")
    side, alone = tmp_path / "side", tmp_path / "alone"
    for out, args in ((side, ()), (alone, ("--jobs", "1"))):
        proc = _build(workspace, out, *args)
        assert proc.returncode == 0, proc.stderr
    # two processes (the side process wrote the PDF), one with --jobs 1
    assert json.loads((side / "run.json").read_text("utf-8"))["jobs"] == 2
    assert json.loads((alone / "run.json").read_text("utf-8"))["jobs"] == 1
    a, b = written_files(side), written_files(alone)
    assert sorted(a) == sorted(b) and len(a) == 3          # DOCX, PDF, manifest.json
    for name in a:
        assert a[name] == b[name], f"{name} differs between the side process and one process"


def test_a_pdf_the_side_process_cannot_write_fails_as_in_one_process(workspace, tmp_path):
    """A character no face covers: the side process sends nothing back, the run's process finds
    the problem itself and says what one process says; no file of the document is written."""
    report = workspace / "data/2024/lucheng/report.yaml"
    report.write_text(report.read_text("utf-8").replace("创新平台提能造峰。", "创新平台提能造峰𓀀。"), "utf-8")
    side = _build(workspace, tmp_path / "side")
    alone = _build(workspace, tmp_path / "alone", "--jobs", "1")
    assert side.returncode == alone.returncode == 1
    assert "“𓀀”（U+13000）" in side.stderr
    assert side.stderr == alone.stderr
    assert not list((tmp_path / "side").rglob("*.pdf")) and not list((tmp_path / "side").rglob("*.docx"))


def test_a_pdf_only_build_uses_the_side_process_too(workspace, tmp_path):
    proc = _build(workspace, tmp_path / "pdf", "--format", "pdf")
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "pdf").glob("*.pdf"))) == 1
    assert json.loads((tmp_path / "pdf" / "run.json").read_text("utf-8"))["jobs"] == (2 if (os.cpu_count() or 1) >= 2 else 1)


def test_one_document_with_jobs_uses_the_side_process_not_the_fork_server(workspace, tmp_path):
    """-j 2 for one document: no worker is forked (the fork server is stopped), the PDF is
    written by the side process; the same bytes as one process."""
    if (os.cpu_count() or 1) < 2:
        import pytest

        pytest.skip("one core: no side process")
    jobs, alone = tmp_path / "jobs", tmp_path / "alone"
    for out, args in ((jobs, ("--jobs", "2")), (alone, ("--jobs", "1"))):
        proc = _build(workspace, out, *args)
        assert proc.returncode == 0, proc.stderr
    assert json.loads((jobs / "run.json").read_text("utf-8"))["jobs"] == 2
    a, b = written_files(jobs), written_files(alone)
    assert sorted(a) == sorted(b) and all(a[name] == b[name] for name in a)
