"""Catalogue, class 8 — pipelines: the run record and --json, shards from the scheduler's
environment (the documented Kubernetes Indexed Job and Slurm array, simulated), shards balanced
by cost, manifest merge, and a manifest lock where flock does not work."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO, reportgen
from hostile_helpers import cli, fresh, unit_year

from reportgen.app.batch import Job, parse_shard, plan_jobs
from reportgen.cli import main
from reportgen.core.errors import ReportgenError

DOC = REPO / "docs" / "pipelines.md"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    ws = tmp_path_factory.mktemp("pipe") / "ws"
    reportgen("init", "--sample", str(ws), check=True)
    return ws


@pytest.fixture
def ws(sample, tmp_path):
    return fresh(sample, tmp_path)


def _documented(kind: str) -> list[str]:
    """The reportgen command of the documented example (yaml: Kubernetes, bash: Slurm)."""
    block = re.search(rf"```{kind}\n(.*?)```", DOC.read_text("utf-8"), re.S).group(1)
    if kind == "yaml":
        line = next(l for l in block.splitlines() if "command:" in l and "reportgen" in l)
        return json.loads(line.split("command:", 1)[1].strip())
    line = next(l for l in block.splitlines() if l.startswith("reportgen "))
    return shlex.split(line)


def _run_documented(ws: Path, argv: list[str], env: dict, out: Path):
    args = [a for a in argv[1:]]
    i = args.index("--out")
    args[i + 1] = str(out)
    args[1] = str(unit_year(ws))                                  # the sample's year
    if "--jobs" in args:
        args[args.index("--jobs") + 1] = "1"
    result = CliRunner().invoke(main, ["-C", str(ws), *args, "--format", "docx"], env=env, catch_exceptions=False)
    return result


def test_s01_documented_kubernetes_indexed_job_builds_disjoint_shards_that_merge(ws, tmp_path):
    argv = _documented("yaml")
    assert argv[:2] == ["reportgen", "build"] and "auto" in argv
    n = 2
    seen = {}
    for index in range(n):
        out = tmp_path / f"shard-{index}"
        result = _run_documented(ws, argv, {"JOB_COMPLETION_INDEX": str(index), "REPORTGEN_SHARDS": str(n)}, out)
        assert result.exit_code == 0, result.output
        record = json.loads((out / f"run-{index + 1}-of-{n}.json").read_text("utf-8"))
        assert record["shard"] == [index + 1, n] and record["exit_code"] == 0
        assert json.loads(result.stdout)["documents"] == record["documents"]     # --json: the same record on stdout
        for d in record["documents"]:
            assert d["status"] == "built" and Path(d["paths"]["docx"]).is_file()
            key = (d["unit"], d["template"])
            assert key not in seen, "two shards built the same document"
            seen[key] = index
    assert len(seen) == 4                                                      # the sample's four documents
    target = tmp_path / "manifest.json"
    code, out = cli(ws, "manifest", "merge", str(target), *(str(tmp_path / f"shard-{i}" / "manifest.json") for i in range(n)))
    assert code == 0, out
    assert len(json.loads(target.read_text("utf-8"))["documents"]) == 4


@pytest.mark.parametrize("first", [0, 1])
def test_s02_documented_slurm_array_maps_task_ids_to_shards(first):
    argv = _documented("bash")
    assert "auto" in argv
    n = 4
    got = [parse_shard("auto", {"SLURM_ARRAY_TASK_ID": str(first + i), "SLURM_ARRAY_TASK_COUNT": str(n),
                                "SLURM_ARRAY_TASK_MIN": str(first)}) for i in range(n)]
    assert got == [(k, n) for k in range(1, n + 1)]


@pytest.mark.parametrize("env, word", [({}, "JOB_COMPLETION_INDEX"), ({"JOB_COMPLETION_INDEX": "0"}, "completions"),
                                       ({"JOB_COMPLETION_INDEX": "5", "REPORTGEN_SHARDS": "4"}, "超出范围"),
                                       ({"SLURM_ARRAY_TASK_ID": "3"}, "SLURM_ARRAY_TASK_COUNT")])
def test_s03_shard_auto_without_a_usable_environment_is_named(env, word):
    with pytest.raises(ReportgenError) as info:
        parse_shard("auto", env)
    assert word in str(info.value)


def test_s04_auto_with_count_on_the_command_line():
    assert parse_shard("auto/3", {"JOB_COMPLETION_INDEX": "2"}) == (3, 3)


def test_s05_shards_are_balanced_by_cost_not_by_count():
    units = ["a", "b", "c", "d"]
    templates = {u: ["long", "news"] for u in units}
    costs = {(u, "long"): 6.0 for u in units} | {(u, "news"): 1.0 for u in units}
    shards = [plan_jobs(units, ("docx", "pdf"), (k, 2), templates, costs) for k in (1, 2)]
    loads = [sum({"docx": 1, "pdf": 4}[j.format] * costs[(j.unit, j.template)] for j in s) for s in shards]
    assert sorted(j for s in shards for j in s) == plan_jobs(units, ("docx", "pdf"), None, templates)
    assert max(loads) - min(loads) <= 4, loads            # within one (smallest PDF) job of even


def test_s06_merge_refuses_a_document_built_by_two_shards(ws, tmp_path):
    year = str(unit_year(ws))
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli(ws, "build", year, "--format", "docx", "--out", str(a))[0] == 0
    report = next((ws / "data" / year / "lucheng").glob("report.yaml"))
    report.write_text(report.read_text("utf-8").replace("今年以来", "本年度", 1), "utf-8")
    assert cli(ws, "build", year, "--format", "docx", "--out", str(b))[0] == 0
    code, out = cli(ws, "manifest", "merge", str(tmp_path / "m.json"), str(a / "manifest.json"), str(b / "manifest.json"))
    assert code == 1 and "lucheng" in out and str(a / "manifest.json") in out and not (tmp_path / "m.json").exists()


def test_s07_manifest_lock_works_where_flock_does_not(ws, monkeypatch):
    import errno
    import fcntl

    def no_flock(*_a, **_k):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_flock)
    code, out = cli(ws, "build", str(unit_year(ws)), "--format", "docx")
    assert code == 0, out
    folder = ws / "output" / str(unit_year(ws))
    assert json.loads((folder / "manifest.json").read_text("utf-8"))["documents"]
    assert not [p for p in folder.iterdir() if "lock" in p.name]


def test_s08_json_on_a_stopped_run_is_still_a_record(ws):
    result = CliRunner().invoke(main, ["-C", str(ws), "build", "1999", "--json"], catch_exceptions=False)
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert record["status"] == "failed" and record["problems"] and record["exit_code"] == 1


def test_s09_editing_one_unit_rebuilds_only_that_unit(ws):
    import shutil

    from hostile_helpers import one_document

    year = str(unit_year(ws))
    ydir = ws / "data" / year
    shutil.copytree(ydir / "lucheng", ydir / "lucheng2")
    units = ws / "data" / "units.yaml"
    units.write_text(units.read_text("utf-8") + "lucheng2:\n  name: 鹿城区科学技术局二\n  short_name: 二局\n", "utf-8")
    one_document(ws, "二局的文档", unit="lucheng2")
    code, out = cli(ws, "build", year, "--format", "docx")
    assert code == 0, out
    from openpyxl import load_workbook

    xlsx = ydir / "lucheng2" / "indicators.xlsx"          # the other unit's spreadsheet
    wb = load_workbook(xlsx)
    wb["指标"].column_dimensions["B"].width = 33.3         # an edit (its bytes change)
    wb.save(xlsx)
    code, out = cli(ws, "build", year, "--format", "docx", "--json")
    assert code == 0, out
    status = {(d["unit"], d["template"]): d["status"] for d in json.loads(
        (ws / "output" / year / "run.json").read_text("utf-8"))["documents"]}
    assert status[("lucheng2", "")] == "built"
    assert {s for (u, _t), s in status.items() if u == "lucheng"} == {"unchanged"}, status
