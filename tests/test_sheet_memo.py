"""A workbook read before is not parsed again (read.tables.read_xlsx_remembered): the same
sheets, problems and warnings, in a process that never imports openpyxl; a changed workbook, a
changed limit or another language is read anew."""

import json
import os
import subprocess
import sys

from openpyxl import load_workbook

READ = r"""
import json, sys
from pathlib import Path
from reportgen.core.errors import ReportgenError
from reportgen.core.workspace import Workspace
from reportgen.read.load import load
try:
    data = load(Workspace(Path(sys.argv[1])), 2024, ["lucheng"])
    uy = data.units["lucheng"]
    out = {"indicators": uy.indicators.to_csv(), "targets": uy.targets.to_csv(),
           "warnings": [str(w) for w in data.warnings], "problems": []}
except ReportgenError as exc:
    out = {"problems": [str(p) for p in exc.problems]}
out["openpyxl"] = "openpyxl" in sys.modules
print(json.dumps(out, ensure_ascii=False))
"""


def _read(ws, cache, **env):
    proc = subprocess.run([sys.executable, "-c", READ, str(ws)], capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(cache), **env})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_workbook_read_before_gives_the_same_tables_and_warnings_without_openpyxl(workspace, tmp_path):
    book = workspace / "data/2024/lucheng/indicators.xlsx"
    wb = load_workbook(book)
    wb["指标"].row_dimensions[3].hidden = True          # a hidden row whose data are used: a warning
    wb.save(book)
    first = _read(workspace, tmp_path / "cache")
    assert first["openpyxl"] and first["warnings"] and not first["problems"]
    assert list((tmp_path / "cache/reportgen/sheets").glob("*.pickle"))
    second = _read(workspace, tmp_path / "cache")
    assert not second["openpyxl"]
    assert {k: v for k, v in second.items() if k != "openpyxl"} == {k: v for k, v in first.items() if k != "openpyxl"}
    # the same workbook under another language's messages is read anew
    english = _read(workspace, tmp_path / "cache", LANGUAGE="en")
    assert english["openpyxl"]


def test_a_changed_workbook_is_read_anew(workspace, tmp_path):
    cache = tmp_path / "cache"
    before = _read(workspace, cache)
    book = workspace / "data/2024/lucheng/indicators.xlsx"
    wb = load_workbook(book)
    ws = wb["指标"]
    header = [c.value for c in ws[1]]
    column = header.index(2023) + 1
    old = ws.cell(row=2, column=column).value
    ws.cell(row=2, column=column).value = (old or 0) + 1000
    wb.save(book)
    after = _read(workspace, cache)
    assert after["openpyxl"] and after["indicators"] != before["indicators"]


def test_problems_of_a_workbook_come_back_in_the_same_order(workspace, tmp_path):
    book = workspace / "data/2024/lucheng/indicators.xlsx"
    wb = load_workbook(book)
    ws = wb["指标"]
    column = [c.value for c in ws[1]].index(2023) + 1
    ws.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)   # across values: a problem
    wb.save(book)
    first = _read(workspace, tmp_path / "cache")
    second = _read(workspace, tmp_path / "cache")
    assert first["problems"] and second["problems"] == first["problems"] and not second["openpyxl"]


def test_the_memo_can_be_turned_off(workspace, tmp_path):
    cache = tmp_path / "cache"
    for _ in range(2):
        assert _read(workspace, cache, REPORTGEN_SHEET_CACHE="0")["openpyxl"]
    assert not list((cache / "reportgen/sheets").glob("*.pickle"))
