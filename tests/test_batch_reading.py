"""A batch worker reads the unit it builds (and the year's other units only when a template
compares units, then once per process): same documents as building each unit alone."""

import os
import re
import zipfile
from pathlib import Path

from conftest import reportgen
from reportgen.app import batch
from reportgen.core.workspace import Workspace
from reportgen.read import load
from test_pipeline import add_units


def _count_reads(monkeypatch) -> dict[str, int]:
    reads: dict[str, int] = {}
    real = load.read_indicators

    def counting(folder, *args, **kwargs):
        reads[folder.name] = reads.get(folder.name, 0) + 1
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(load, "read_indicators", counting)
    return reads


def test_a_worker_reads_only_the_units_it_builds(workspace, monkeypatch):
    add_units(workspace, 3)                                   # lucheng, unit01 … unit03
    reads = _count_reads(monkeypatch)
    result = batch.run(Workspace(workspace), 2024, formats=("docx",), units=("lucheng", "unit02"), jobs=1, force=True)
    assert not result.failed
    this_year = {u: n for u, n in reads.items() if u in ("lucheng", "unit01", "unit02", "unit03")}
    assert this_year == {"lucheng": 1, "unit02": 1}, reads


def _with_peer_rank(ws):
    for report in (ws / "data/2024").glob("*/report.yaml"):
        text = report.read_text("utf-8")
        text, n = re.subn(r"\{\{ ind\.media_reports \}\}", "{{ ind.media_reports }}（同类单位{{ ind.hte_new.peer_count }}个）",
                          text, count=1)
        assert n == 1
        report.write_text(text, "utf-8")


def _document_xml(folder):
    out = {}
    for p in sorted(folder.glob("*.docx")):
        with zipfile.ZipFile(p) as z:
            out[p.name] = z.read("word/document.xml").decode("utf-8")
    return out


def test_peers_read_once_per_process_give_the_documents_built_alone(workspace, tmp_path, monkeypatch):
    units = add_units(workspace, 2)
    _with_peer_rank(workspace)
    reads = _count_reads(monkeypatch)
    result = batch.run(Workspace(workspace), 2024, formats=("docx",), jobs=1, force=True, out_dir=tmp_path / "batch")
    assert not result.failed
    # each unit once for itself, and once more as a peer: the year is read once for all units
    assert {u: reads.get(u) for u in units} == {u: 2 for u in units}, reads
    batch_docs = _document_xml(tmp_path / "batch")
    assert len(batch_docs) == 3 and all("同类单位3个" in x for x in batch_docs.values())
    for unit in units:
        proc = reportgen("-C", str(workspace), "build", "2024", "--unit", unit, "--format", "docx",
                         "--force", "--out", str(tmp_path / unit))
        assert proc.returncode == 0, proc.stderr
        alone = _document_xml(tmp_path / unit)
        assert all(batch_docs[name] == xml for name, xml in alone.items()), unit


def test_long_runs_replace_their_workers_and_build_everything(workspace, tmp_path, monkeypatch):
    """Every WORKER_TASKS documents a worker is replaced by a fresh fork (a guard on memory);
    all documents are built, the same as by one process."""
    add_units(workspace, 4)                                   # 5 units
    monkeypatch.setattr(batch, "WORKER_TASKS", 1)
    result = batch.run(Workspace(workspace), 2024, formats=("docx",), jobs=2, force=True, out_dir=tmp_path / "pool")
    assert not result.failed and len(result.outcomes) == 5
    assert len({o.worker for o in result.outcomes}) == 5      # one document per worker: five workers
    alone = batch.run(Workspace(workspace), 2024, formats=("docx",), jobs=1, force=True, out_dir=tmp_path / "alone")
    assert _document_xml(tmp_path / "pool") == _document_xml(tmp_path / "alone")


def _fork_servers() -> list[int]:
    """This process's children that are multiprocessing fork servers (alive, not reaped)."""

    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and b"forkserver" in cmdline:
            found.append(int(proc.name))
    return found


def test_jobs_stop_the_fork_server_when_nothing_is_built(workspace, tmp_path):
    """With --jobs N the fork server starts before planning; a run that finds every document up
    to date ends it (it would go on importing for nothing), and a later run starts a new one."""
    ws = Workspace(workspace)
    add_units(workspace, 1)
    first = batch.run(ws, 2024, formats=("docx",), jobs=2, out_dir=tmp_path / "out")
    assert not first.failed and len(first.outcomes) == 2
    again = batch.run(ws, 2024, formats=("docx",), jobs=2, out_dir=tmp_path / "out")
    assert [o.skipped for o in again.outcomes] == [("docx",), ("docx",)]
    assert _fork_servers() == []
    third = batch.run(ws, 2024, formats=("docx",), jobs=2, force=True, out_dir=tmp_path / "out")
    assert not third.failed and len({o.worker for o in third.outcomes} - {os.getpid()}) >= 1


def test_a_batch_with_workers_leaves_no_temporary_files(workspace, tmp_path):
    """WeasyPrint copies the faces (≈16 MB) into a temporary folder per process that a forked
    worker never removed; they now live in the run's scratch folder, removed with the run."""
    add_units(workspace, 1)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = reportgen("-C", str(workspace), "build", "2024", "--jobs", "2", "--force", "--out", str(tmp_path / "out"),
                     env={"TMPDIR": str(tmp), "REPORTGEN_SCRATCH": ""})
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 2
    assert list(tmp.iterdir()) == []
