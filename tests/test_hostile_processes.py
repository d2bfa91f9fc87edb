"""Catalogue, class 4 — processes, with real signals: workers end with their parent (even on
SIGKILL), Ctrl-C stops the run within a second, writes nothing more and records what finished;
SIGTERM is handled the same way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostile_helpers import fresh, unit_year
from conftest import reportgen


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample with eight units (copies of 鹿城): enough DOCX work that a signal lands mid-run."""
    import shutil

    ws = tmp_path_factory.mktemp("proc") / "ws"
    reportgen("init", "--sample", str(ws), check=True)
    ydir = ws / "data" / str(unit_year(ws))
    units = ws / "data" / "units.yaml"
    text = units.read_text("utf-8")
    for i in range(2, 9):
        shutil.copytree(ydir / "lucheng", ydir / f"lucheng{i}")
        text += f"lucheng{i}:\n  name: 鹿城区科学技术局{i}\n  short_name: 区科技局\n"
    units.write_text(text, "utf-8")
    return ws


@pytest.fixture
def ws(sample, tmp_path):
    return fresh(sample, tmp_path)


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")), 0)
        if ppid == pid and b"resource_tracker" not in cmd:
            out.append(int(entry.name))
    return out


def _descendants(pid: int) -> list[int]:
    """Children and their children (the workers may be forked from a fork server)."""
    out, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        out += kids
        todo += kids
    return out


def _alive(pid: int) -> bool:
    try:
        state = next(l for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("State:"))
    except (OSError, StopIteration):
        return False
    return state.split()[1] not in ("Z", "X")


def _start_build(ws: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "reportgen", "-C", str(ws), "build", str(unit_year(ws)),
                             "--force", "--jobs", "2", "--format", "docx", *extra], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_workers(proc: subprocess.Popen, timeout: float = 60) -> list[int]:
    """The workers, once the first document is written (so they are at work on the next ones)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            pytest.fail("the build ended before a document was written: " + proc.stderr.read())
        if "已生成" in line:
            kids = _descendants(proc.pid)
            assert kids
            return kids
    pytest.fail("no document was written")


def _files(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} if folder.is_dir() else {}


def test_p01_sigkill_of_build_ends_its_workers(ws):
    proc = _start_build(ws)
    workers = _wait_for_workers(proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    alive = [w for w in workers if _alive(w)]
    for w in alive:
        os.kill(w, signal.SIGKILL)
    assert not alive, "workers outlived their parent"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_p02_interrupt_stops_within_a_second_and_records_what_finished(ws, signum):
    out = ws / "output" / str(unit_year(ws))
    proc = _start_build(ws)
    workers = _wait_for_workers(proc)
    os.killpg(proc.pid, signum) if signum == signal.SIGINT else os.kill(proc.pid, signum)   # Ctrl-C hits the group
    sent = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=10)        # returns once the process has exited
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    took = time.monotonic() - sent
    assert took < 1.0, f"took {took:.2f} s"
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "已中断" in stderr
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)
    record = json.loads((out / "run.json").read_text("utf-8"))
    assert record["status"] == "interrupted" and record["exit_code"] == 130
    statuses = {d["status"] for d in record["documents"]}
    assert "interrupted" in statuses
    for d in record["documents"]:                     # what finished is on disk, complete
        for path in d["paths"].values():
            assert Path(path).stat().st_size > 1000
    before = _files(out)
    time.sleep(1.5)
    assert _files(out) == before, "files were written after the run stopped"
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_p03_exit_codes_are_distinct(ws, tmp_path):
    from hostile_helpers import cli

    year = str(unit_year(ws))
    report = ws / "data" / year / "lucheng2" / "report.yaml"
    report.write_text(report.read_text("utf-8").replace("{{ ind.media_reports }}", "{{ ind.no_such }}", 1), "utf-8")
    code, out = cli(ws, "build", year, "--format", "docx", "--unit", "lucheng,lucheng2")
    assert code == 3, out                                                                     # partial
    code, out = cli(ws, "build", year, "--format", "docx", "--unit", "lucheng2")
    assert code == 1, out                                                                     # input
    assert reportgen("-C", str(ws), "build", "--format", "odt", year).returncode == 2            # usage
    assert reportgen("-C", str(ws), "build", "1999").returncode == 1                             # data
    assert reportgen("-C", str(tmp_path / "nowhere"), "build", year).returncode in (1, 2)
