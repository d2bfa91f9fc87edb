"""The workers' fork server of ``reportgen build --jobs N`` starts before the command has imported
its own modules (``app.workers.start_early``), learns the workspace later from a file and warms
up with it; a command line it is not sure of leaves the start to ``cli.build``, as before."""

import json
import subprocess
import sys
import textwrap

import pytest

from conftest import reportgen, written_files
from reportgen.app.workers import build_argv


@pytest.mark.parametrize("args, plan", [
    (["build", "2024", "--jobs", "2"], (True, ())),
    (["-C", "ws", "build", "2024", "-j", "2", "--format", "pdf"], (True, ())),
    (["--workspace=ws", "--debug", "build", "2024", "--jobs=2", "--profile", "a", "--profile=b"], (True, ("a", "b"))),
    (["-Cws", "build", "2024", "-j3", "--format", "docx", "--force", "--unit", "a,b", "--shard", "1/2"], (False, ())),
    (["build", "2024", "--out", "out", "--all", "--json", "--review", "--draft", "--typed-figures", "warn",
      "--jobs", "2"], (True, ())),
])
def test_a_build_with_workers_is_recognised(args, plan):
    assert build_argv(args) == plan


@pytest.mark.parametrize("args", [
    ["build", "2024"],                          # --jobs 1 is the default: no workers
    ["build", "2024", "--jobs", "1"],
    ["build", "--help", "--jobs", "2"],
    ["-h", "build", "2024", "--jobs", "2"],
    ["check", "2024", "--jobs", "2"],
    ["build", "2024", "--jobs"],
    ["build", "2024", "--jobs", "two"],
    ["build", "2024", "--format", "rtf", "--jobs", "2"],
    ["--lang", "zh", "build", "2024", "--jobs", "2"],   # an option this reading does not know
    ["build", "2024", "--jobs", "2", "--colour"],
    [],
])
def test_anything_else_is_left_to_the_command(args):
    assert build_argv(args) is None


def test_jobs_0_means_one_worker_a_core():
    import os

    assert build_argv(["build", "2024", "--jobs", "0"]) == ((True, ()) if (os.cpu_count() or 1) > 1 else None)


def test_a_fork_server_started_early_warms_up_with_the_workspace_named_later(workspace):
    """Started with no workspace (as ``start_early`` does), told the workspace by the second call
    (as ``cli.build`` does): the workers it forks hold the warm-up page's parsed stylesheet."""
    script = textwrap.dedent(f"""
        import json, sys
        from reportgen.app import workers

        PROBE = ("(len(__import__('reportgen.write.pdf', fromlist=['pdf'])._STYLE_CACHE),"
                 " __import__('reportgen.write.pdf', fromlist=['pdf'])._font_config.cache_info().currsize)")

        if __name__ == "__main__":
            workers.worker_context(True, None, (), late=True)
            late = workers._late["path"]
            told = late is not None and not late.exists()
            ctx = workers.worker_context(True, {str(workspace)!r}, ())
            told = told and json.loads(late.read_text("utf-8"))["workspace"] == {str(workspace)!r}
            with ctx.Pool(1) as pool:
                sheets, configs = pool.apply(eval, (PROBE,))
            print(json.dumps({{"told": told, "sheets": sheets, "configs": configs}}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"told": True, "sheets": 1, "configs": 1}


@pytest.mark.parametrize("pdf", [True, False])
def test_a_fork_server_told_the_year_makes_a_first_document_for_its_workers(workspace, pdf):
    """Told the year, the fork server makes a unit's document up to its DOCX (``worker_preload``):
    the workers it forks hold the DOCX skeleton of the run's style and the narrative checks'
    compiled patterns; a DOCX-only run's workers still import no WeasyPrint."""
    script = textwrap.dedent(f"""
        import json, sys
        from reportgen.app import workers

        PROBE = ("(len(__import__('reportgen.write.docx', fromlist=['docx'])._SKELETONS),"
                 " __import__('reportgen.check.consistency', fromlist=['c'])._pattern_of.cache_info().currsize,"
                 " 'weasyprint' in __import__('sys').modules,"
                 " __import__('reportgen.write.fonts', fromlist=['f'])._fc_list.cache_info().currsize,"
                 " len(__import__('reportgen.write.fonts', fromlist=['f'])._fc_list_ahead))")

        if __name__ == "__main__":
            ctx = workers.worker_context({pdf!r}, {str(workspace)!r}, (), year=2024)
            with ctx.Pool(1) as pool:
                skeletons, patterns, weasyprint, listed, ahead = pool.apply(eval, (PROBE,))
            print(json.dumps({{"skeletons": skeletons, "patterns": patterns > 0, "weasyprint": weasyprint,
                              "listed": listed, "ahead": ahead}}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    # the font listing (fc-list, started before the fork server's imports) is read, and no
    # process of it is left to the workers
    assert json.loads(proc.stdout) == {"skeletons": 1, "patterns": True, "weasyprint": pdf, "listed": 1, "ahead": 0}


def test_a_build_that_starts_its_fork_server_early_writes_the_same_files(full_workspace, tmp_path):
    """``python -m reportgen build --jobs 2`` (the fork server started early) and ``--jobs 1``."""
    outs = {}
    for name, jobs in (("early", "2"), ("alone", "1")):
        out = tmp_path / name
        proc = reportgen("-C", str(full_workspace), "build", "2024", "--out", str(out), "--jobs", jobs)
        assert proc.returncode == 0, proc.stderr
        assert json.loads((out / "run.json").read_text("utf-8"))["jobs"] == int(jobs)
        outs[name] = written_files(out)
    assert sorted(outs["early"]) == sorted(outs["alone"]) and len(outs["early"]) == 9   # 4 DOCX, 4 PDF, manifest
    for name, data in outs["early"].items():
        assert data == outs["alone"][name], f"{name} differs"


def test_the_plain_reading_knows_every_option_of_build_as_click_declares_it():
    """build_argv mirrors cli.build's options by hand: a flag read as taking a value (or the
    reverse) would swallow the next word. Each option of the click command, placed before
    ``--jobs 2``, must leave that reading intact; a new option build_argv does not know makes it
    give up (None), which is safe, but is caught here so the two are kept in step."""
    from reportgen.cli import main

    values = {"--format": "pdf", "--profile": "a", "--shard": "1/2", "--typed-figures": "warn"}
    for param in main.commands["build"].params:
        if param.param_type_name != "option":
            continue
        for opt in param.opts:
            if opt in ("-j", "--jobs"):
                continue
            given = [opt] if param.is_flag else [opt, values.get(opt, "x")]
            assert build_argv(["build", "2024", *given, "--jobs", "2"]) == (True, ("a",) if opt == "--profile" else ()), opt
    for param in main.params:           # the group's options before the command's name
        for opt in param.opts:
            if opt == "--version":
                continue
            given = [opt] if param.is_flag else [opt, "ws"]
            assert build_argv([*given, "build", "2024", "--jobs", "2"]) == (True, ()), opt


@pytest.mark.parametrize("asked, skeletons", [("lucheng", 1), (None, 0)])
def test_the_fork_servers_first_document_is_of_the_unit_the_run_asked_for(workspace, asked, skeletons):
    """``build --unit X`` warms its workers with X's document, not with the year's alphabetically
    first unit's: here that unit (``aaa``, a folder with no data) cannot be built, so a fork
    server that took it makes no DOCX skeleton, and one that took the asked-for unit makes one."""
    (workspace / "data/2024/aaa").mkdir()
    script = textwrap.dedent(f"""
        import json
        from reportgen.app import workers

        PROBE = "len(__import__('reportgen.write.docx', fromlist=['docx'])._SKELETONS)"

        if __name__ == "__main__":
            ctx = workers.worker_context(False, {str(workspace)!r}, (), year=2024, unit={asked!r})
            with ctx.Pool(1) as pool:
                print(json.dumps(pool.apply(eval, (PROBE,))))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == skeletons
