"""Batch builds: many units, worker processes, shards, failures that stay local, incremental
builds and the manifest, outputs that survive SIGKILL and concurrent builds."""

import hashlib
import json
import os
import pty
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO, reportgen, require_font
from reportgen.app.batch import Job, plan_jobs

NAMES = ["东城", "西城", "南湖", "北山", "中山", "江北", "海曙", "瓯海"]


def add_units(ws: Path, n: int) -> list[str]:
    """Copy the sample unit under new ids (unit01 …) with their own names: n more units."""
    units = yaml.safe_load((ws / "data/units.yaml").read_text("utf-8"))
    ids = []
    for i in range(1, n + 1):
        uid = f"unit{i:02d}"
        shutil.copytree(ws / "data/2024/lucheng", ws / "data/2024" / uid)
        units[uid] = {"name": f"{NAMES[i % len(NAMES)]}区科学技术局", "short_name": "区科技局"}
        ids.append(uid)
    (ws / "data/units.yaml").write_text(yaml.safe_dump(units, allow_unicode=True), "utf-8")
    return ["lucheng", *ids]


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".docx", ".pdf")}


def assert_complete(path: Path) -> None:
    """A DOCX is a complete zip; a PDF ends with its trailer."""
    data = path.read_bytes()
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None and "word/document.xml" in z.namelist()
    else:
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), path


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text("utf-8"))


# -- many units, worker processes, summary --------------------------------------------------------
def test_all_units_with_two_worker_processes(workspace, tmp_path):
    units = add_units(workspace, 2)
    proc = reportgen("-C", str(workspace), "build", "2024", "--all", "--jobs", "2", "--format", "docx")
    assert proc.returncode == 0, proc.stderr
    folder = workspace / "output/2024"
    built = outputs(folder)
    assert len(built) == 3
    assert proc.stdout.count("已生成") == 3                    # one plain line per document (not a terminal)
    table = proc.stdout[proc.stdout.index("单位"):]
    for uid in units:
        assert f"（{uid}）" in table
    assert "共 3 份文档（3 个文件）：生成 3 个" in table and "2 个进程" in table
    # the pool gives the same bytes as one process
    same = reportgen("-C", str(workspace), "build", "2024", "--format", "docx", "--out", str(tmp_path / "one"))
    assert same.returncode == 0, same.stderr
    assert outputs(tmp_path / "one") == built


def test_unit_selection(workspace):
    add_units(workspace, 2)
    folder = workspace / "output/2024"
    proc = reportgen("-C", str(workspace), "build", "2024", "--format", "docx", "--unit", "unit01,unit02")
    assert proc.returncode == 0, proc.stderr
    assert sorted(manifest(folder)["documents"]) == ["unit01", "unit02"]
    proc = reportgen("-C", str(workspace), "build", "2024", "--format", "docx", "--unit", "lucheng", "--unit", "unit01")
    assert proc.returncode == 0 and "已生成" in proc.stdout and proc.stdout.count("未变化，跳过") == 1
    assert sorted(manifest(folder)["documents"]) == ["lucheng", "unit01", "unit02"]
    proc = reportgen("-C", str(workspace), "build", "2024", "--unit", "nowhere")
    assert proc.returncode == 1 and "nowhere" in proc.stderr and "可用单位" in proc.stderr
    proc = reportgen("-C", str(workspace), "build", "2024", "--all", "--unit", "lucheng")
    assert proc.returncode == 2 and "--all" in proc.stderr


def test_failing_units_do_not_stop_the_others(workspace):
    add_units(workspace, 2)
    # unit01: a text in a numeric cell (fails while reading); unit02: a character no font has (fails
    # in the PDF writer, after its title is known)
    from openpyxl import load_workbook

    xlsx = workspace / "data/2024/unit01/indicators.xlsx"
    wb = load_workbook(xlsx)
    wb["指标"]["F3"] = "约30"
    wb.save(xlsx)
    report = workspace / "data/2024/unit02/report.yaml"
    report.write_text(report.read_text("utf-8").replace("创新平台提能造峰。", "创新平台提能造峰𓀀。"), "utf-8")

    proc = reportgen("-C", str(workspace), "build", "2024", "--jobs", "2")
    assert proc.returncode == 3           # partial: other documents were built
    err = proc.stderr
    assert "Traceback" not in err
    # unit, document and reason of each failure
    assert "西城区科学技术局（unit01）" in err and "data/2024/unit01/indicators.xlsx 指标!F3：“约30”不是数字" in err
    assert "南湖区科学技术局（unit02）" in err and "《南湖区科学技术局2023年工作总结和2024年工作思路》" in err
    assert "U+13000" in err
    assert "2 个单位失败（unit01、unit02" in err
    folder = workspace / "output/2024"
    names = sorted(outputs(folder))
    assert len(names) == 2 and all(n.startswith("鹿城区") for n in names)   # the good unit is built
    docs = manifest(folder)["documents"]
    assert sorted(k for k, d in docs.items() if d.get("outputs")) == ["lucheng"]
    assert sorted(k for k, d in docs.items() if d.get("failed")) == ["unit01", "unit02"]   # failures recorded
    rows = {line.split()[0]: line.split()[2:4] for line in proc.stdout.splitlines() if "（unit0" in line}
    assert rows == {"西城区科学技术局（unit01）": ["失败", "失败"], "南湖区科学技术局（unit02）": ["失败", "失败"]}
    assert "共 3 份文档（6 个文件）：生成 2 个，未变化跳过 0 个，失败 4 个" in proc.stdout


def test_shard_jobs_partition_the_work():
    from reportgen.app.batch import FORMAT_COST

    units = [f"u{i}" for i in range(7)]
    everything = plan_jobs(units, ("docx", "pdf"))
    assert len(everything) == 14
    for n in range(1, 6):
        shards = [plan_jobs(units, ("docx", "pdf"), (k, n)) for k in range(1, n + 1)]
        flat = [job for s in shards for job in s]
        assert sorted(flat) == everything and len(set(flat)) == len(flat)     # disjoint and complete
        loads = [sum(FORMAT_COST[j.format] for j in s) for s in shards]           # balanced by cost
        assert max(loads) - min(loads) <= max(FORMAT_COST.values())
    # deterministic: the same list whatever the order units were found in
    assert plan_jobs(list(reversed(units)), ("docx", "pdf"), (2, 3)) == plan_jobs(units, ("docx", "pdf"), (2, 3))
    assert plan_jobs(units, ("docx",), (1, 2)) == [Job("u0", "docx"), Job("u2", "docx"), Job("u4", "docx"),
                                                   Job("u6", "docx")]


def test_shards_on_the_command_line(workspace, tmp_path):
    add_units(workspace, 2)
    seen = {}
    for k in (1, 2):
        out = tmp_path / f"s{k}"
        proc = reportgen("-C", str(workspace), "build", "2024", "--format", "docx", "--shard", f"{k}/2",
                         "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        seen[k] = set(outputs(out))
    assert len(seen[1]) == 2 and len(seen[2]) == 1 and not seen[1] & seen[2]
    proc = reportgen("-C", str(workspace), "build", "2024", "--shard", "3/2")
    assert proc.returncode == 1 and "--shard" in proc.stderr and "K/N" in proc.stderr


@pytest.mark.parametrize("text", ["0/2", "3/2", "a/b", "2", "1/0", "-1/2"])
def test_bad_shards_are_refused(text):
    from reportgen.app.batch import parse_shard
    from reportgen.core.errors import ReportgenError

    with pytest.raises(ReportgenError, match="K/N"):
        parse_shard(text)
    assert parse_shard("2/3") == (2, 3) and parse_shard(None) is None


def test_progress_bar_on_a_terminal(workspace):
    """stderr on a terminal: a progress bar instead of the per-document lines."""
    master, slave = pty.openpty()
    proc = subprocess.run([sys.executable, "-m", "reportgen", "-C", str(workspace), "build", "2024",
                           "--format", "docx"], stdout=subprocess.PIPE, stderr=slave, text=True, timeout=120)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    err = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "生成文档" in err and "1/1" in err
    assert "已生成" not in proc.stdout and "共 1 份文档（1 个文件）：生成 1 个" in proc.stdout


# -- incremental builds and the manifest -------------------------------------------------------------
def test_unchanged_documents_are_skipped(workspace):
    folder = workspace / "output/2024"
    first = reportgen("-C", str(workspace), "build", "2024")
    assert first.returncode == 0, first.stderr
    stat = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir() if p.name != "run.json"}   # run.json: the record of each run

    again = reportgen("-C", str(workspace), "build", "2024")
    assert again.returncode == 0
    assert again.stdout.count("未变化，跳过") == 2 and "已生成" not in again.stdout
    assert "未变化跳过 2 个" in again.stdout
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir() if p.name != "run.json"} == stat

    def rebuilt(*args):
        proc = reportgen("-C", str(workspace), "build", "2024", "--format", "docx", *args)
        assert proc.returncode == 0, proc.stderr
        return "已生成" in proc.stdout

    assert rebuilt("--force")
    report = workspace / "data/2024/lucheng/report.yaml"
    report.write_text(report.read_text("utf-8") + "\n# 修改\n", "utf-8")                   # the data
    assert rebuilt() and not rebuilt()
    docx = next(folder.glob("*工作总结和*.docx"))
    docx.write_bytes(docx.read_bytes()[:1000])                                             # a damaged output
    assert rebuilt()
    assert_complete(docx)
    docx.unlink()                                                                          # a removed output
    assert rebuilt()


def test_what_the_incremental_key_depends_on(workspace, monkeypatch):
    """The key of a document changes with each of its inputs (and only the PDF's with the fonts)."""
    from reportgen.app.batch import Fingerprint
    from reportgen.pipeline import style_for
    from reportgen.core.workspace import Workspace

    ws = Workspace(workspace)

    def keys(profiles=()):
        fp = Fingerprint.of(ws, 2024, style_for(ws, profiles), ("docx", "pdf"))
        inputs = fp.unit_inputs("lucheng")
        return fp.key("lucheng", "docx", inputs), fp.key("lucheng", "pdf", inputs)

    base = keys()
    assert keys() == base                                                   # stable
    assert keys(("bold-headings",)) != base                                 # a profile
    changes = [
        lambda: (workspace / "templates/extra.md.j2").write_text("{# 未使用 #}\n", "utf-8"),   # a template
        lambda: (workspace / "styles.yaml").write_text("elements:\n  title: {size_pt: 22}\n", "utf-8"),
        lambda: (workspace / "data/units.yaml").write_text(
            (workspace / "data/units.yaml").read_text("utf-8") + "\n# 注释\n", "utf-8"),
        lambda: (workspace / "data/2024/lucheng/notes.txt").write_text("附注", "utf-8"),  # any file of the unit
        lambda: (workspace / "data/2023/lucheng").mkdir(parents=True) or shutil.copy(     # earlier years' values
            workspace / "data/2024/lucheng/indicators.xlsx", workspace / "data/2023/lucheng/indicators.xlsx"),
        lambda: monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000"),
    ]
    changes.append(lambda: add_units(workspace, 1))    # the reader compares units (ranks, shares): another unit's data
    for change in changes:
        before = keys()
        change()
        after = keys()
        assert after[0] != before[0] and after[1] != before[1], change
    # an Office lock file is not an input
    before = keys()
    (workspace / "data/2024/lucheng/~$indicators.xlsx").write_bytes(b"lock")
    assert keys() == before
    # a font file in the workspace's fonts/ folder: the PDF depends on fonts, and so does the DOCX
    # that embeds stand-in faces (the default); without embedded fonts only the PDF does
    from reportgen.write.fonts import system_families, workspace_faces

    kai = require_font("AR PL KaitiM GB")
    plain = ("no-embedded-fonts",)
    before_plain = keys(plain)
    (workspace / "fonts").mkdir()
    shutil.copy(kai.path, workspace / "fonts/kai.ttf")
    workspace_faces.cache_clear()     # fonts.py caches the folder's faces per process; a build is one process
    after, after_plain = keys(), keys(plain)
    assert after[0] != before[0] and after[1] != before[1]
    assert after_plain[0] == before_plain[0] and after_plain[1] != before_plain[1]


def test_manifest_lists_inputs_outputs_versions_and_fonts(sample_build):
    folder = sample_build[0].parent
    workspace = folder.parents[1]
    text = (folder / "manifest.json").read_text("utf-8")
    m = json.loads(text)
    assert text == json.dumps(m, sort_keys=True, ensure_ascii=False, indent=2) + "\n"   # deterministic form
    doc = m["documents"]["lucheng/summary_plan"]   # the sample unit lists four documents
    for name, rec in doc["inputs"].items():
        data = (workspace / name).read_bytes()
        assert rec == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert {"data/2024/lucheng/indicators.xlsx", "data/2024/lucheng/report.yaml"} <= set(doc["inputs"])
    assert "data/units.yaml" in m["inputs"] and "reportgen.yaml" in m["inputs"]
    assert any(k.startswith("<reportgen>/templates/") for k in m["inputs"])
    for fmt in ("docx", "pdf"):
        rec = doc["outputs"][fmt]
        data = (folder / rec["path"]).read_bytes()
        assert rec["sha256"] == hashlib.sha256(data).hexdigest() and rec["size"] == len(data)
        assert len(rec["key"]) == 64
    gen = m["generator"]
    from importlib.metadata import version

    from reportgen import __version__
    assert gen["reportgen"] == __version__
    assert gen["weasyprint"] == version("weasyprint") and gen["python-docx"] == version("python-docx")
    assert m["fonts"], "the PDF's font files are listed"
    for path, rec in m["fonts"].items():
        data = Path(path).read_bytes()
        assert rec["sha256"] == hashlib.sha256(data).hexdigest() and rec["size"] == len(data) and rec["roles"]
    roles = {r for rec in m["fonts"].values() for r in rec["roles"]}
    assert {"fangsong", "heiti", "kaiti", "xiaobiaosong", "songti"} <= roles
    assert not any(k in text for k in ("mtime", "created_at", "timestamp"))


# -- atomic outputs: SIGKILL and concurrent builds ---------------------------------------------------
def test_sigkill_mid_batch_leaves_no_partial_file(workspace):
    add_units(workspace, 2)
    folder = workspace / "output/2024"
    first = reportgen("-C", str(workspace), "build", "2024", "--jobs", "2")
    assert first.returncode == 0, first.stderr
    good = outputs(folder)
    assert len(good) == 6
    good_manifest = (folder / "manifest.json").read_bytes()

    proc = subprocess.Popen([sys.executable, "-m", "reportgen", "-C", str(workspace), "build", "2024",
                             "--jobs", "2", "--force"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    line = proc.stdout.readline()                  # the first document is written: the batch is under way
    assert line.startswith("已生成".encode()), line + proc.stderr.read()
    os.killpg(proc.pid, signal.SIGKILL)            # the main process and its workers
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # every file under a final name is complete, and (same inputs) the same as the good one
    assert outputs(folder) == good
    for path in folder.iterdir():
        if not path.name.startswith("."):
            assert path.name in good or path.name in ("manifest.json", "run.json")
    assert (folder / "manifest.json").read_bytes() == good_manifest
    # temporary files never carry a final name; those of the killed build are removed by the next one
    stale = folder / f".x.pdf~{socket.gethostname()}~{2 ** 22 + 7}~abc.part"   # a pid that is not running
    stale.write_bytes(b"%PDF-1.7 half")
    alive = folder / f".y.pdf~{socket.gethostname()}~{os.getpid()}~abc.part"   # a build still running
    alive.write_bytes(b"%PDF-1.7 half")
    after = reportgen("-C", str(workspace), "build", "2024")
    assert after.returncode == 0, after.stderr
    assert outputs(folder) == good
    leftovers = [p.name for p in folder.glob(".*.part")]
    assert leftovers == [alive.name]
    for path in folder.glob("*.*"):
        if path.suffix in (".docx", ".pdf"):
            assert_complete(path)


def test_concurrent_builds_into_one_folder(workspace, tmp_path):
    add_units(workspace, 1)
    ref = reportgen("-C", str(workspace), "build", "2024", "--out", str(tmp_path / "ref"))
    assert ref.returncode == 0, ref.stderr
    expected = outputs(tmp_path / "ref")
    runs = [["--force"], ["--shard", "1/2"], ["--shard", "2/2"]]
    procs = [subprocess.Popen([sys.executable, "-m", "reportgen", "-C", str(workspace), "build", "2024", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for args in runs]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    folder = workspace / "output/2024"
    assert outputs(folder) == expected
    assert not list(folder.glob(".*.part"))
    m = manifest(folder)
    assert sorted(m["documents"]) == ["lucheng", "unit01"]
    for entry in m["documents"].values():
        assert set(entry["outputs"]) == {"docx", "pdf"}
        for rec in entry["outputs"].values():
            assert hashlib.sha256((folder / rec["path"]).read_bytes()).hexdigest() == rec["sha256"]
