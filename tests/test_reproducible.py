"""Byte-reproducible builds: the same inputs give the same DOCX, PDF and manifest bytes on another
day and in another folder; the only date in the outputs is the document's (or SOURCE_DATE_EPOCH)."""

import datetime as dt
import io
import os
import re
import subprocess
import sys
import zipfile

import pdfplumber
import pytest
from pypdf import PdfReader

from conftest import reportgen, require_tool


def build(ws, *args, out=None, env=None, faketime=None):
    """The real CLI in a subprocess (under ``faketime`` if given); the output folder's files."""
    folder = out or ws / "output/2024"
    cmd = [sys.executable, "-m", "reportgen", "-C", str(ws), "build", "2024", "--out", str(folder), *args]
    if faketime:
        cmd = [require_tool("faketime"), faketime, *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr
    # run.json is the run's log for pipelines (timings, absolute paths), not an output
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != "run.json"}


def test_two_folders_two_dates_give_identical_bytes(tmp_path):
    faketime = require_tool("faketime")
    a, b = tmp_path / "first", tmp_path / "elsewhere/second"
    for ws in (a, b):
        assert reportgen("init", str(ws), "--sample").returncode == 0
    # the fake clock really reaches Python in the build's process
    clock = subprocess.run([faketime, "2031-05-05 10:00:00", "python3", "-c", "import time; print(time.time())"],
                           capture_output=True, text=True, check=True).stdout
    assert dt.datetime.fromtimestamp(float(clock), dt.timezone.utc).year == 2031
    first = build(a)
    second = build(b, faketime="2031-05-05 10:00:00")
    assert set(first) == set(second) and len(first) == 4 * 2 + 1  # 4 documents × (DOCX, PDF) + manifest.json
    for name in first:
        assert first[name] == second[name], f"{name} differs between the two builds"
    # no date of either build day inside: the PDF's and the DOCX's dates are the document's date
    pdf = next(v for k, v in first.items() if k.endswith(".pdf"))
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20240131"
    docx = next(v for k, v in first.items() if k.endswith(".docx"))
    core = zipfile.ZipFile(io.BytesIO(docx)).read("docProps/core.xml").decode()
    assert re.findall(r'W3CDTF">([^<]*)<', core) == ["2024-01-31T00:00:00Z"] * 2
    for info in zipfile.ZipFile(io.BytesIO(docx)).infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)


def test_source_date_epoch_sets_the_dates(workspace):
    epoch = "1700000000"   # 2023-11-14 22:13:20 UTC
    dated = build(workspace, env={"SOURCE_DATE_EPOCH": epoch})
    pdf = next(v for k, v in dated.items() if k.endswith(".pdf"))
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20231114221320Z"
    docx = next(v for k, v in dated.items() if k.endswith(".docx"))
    core = zipfile.ZipFile(io.BytesIO(docx)).read("docProps/core.xml").decode()
    assert re.findall(r'W3CDTF">([^<]*)<', core) == ["2023-11-14T00:00:00Z"] * 2
    bad = reportgen("-C", str(workspace), "build", "2024", env={"SOURCE_DATE_EPOCH": "明天"})
    assert bad.returncode == 1 and "SOURCE_DATE_EPOCH" in bad.stderr and "Traceback" not in bad.stderr


def test_weasyprint_tuning_changes_no_glyph(workspace, tmp_path):
    """The speed-ups of write/weasyprint_tuning.py: same pages, same glyphs at the same places."""
    tuned = build(workspace, "--format", "pdf", out=tmp_path / "tuned")
    plain = build(workspace, "--format", "pdf", out=tmp_path / "plain",
                  env={"REPORTGEN_WEASYPRINT_TUNING": "0"})
    name = next(k for k in tuned if k.endswith(".pdf"))

    def glyphs(data):
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return [[(c["text"], c["fontname"], round(c["x0"], 2), round(c["top"], 2)) for c in page.chars]
                    for page in pdf.pages]

    assert glyphs(tuned[name]) == glyphs(plain[name])
    # font files deflated at level 1 instead of 9 with zlib's run-length strategy
    # (weasyprint_tuning.FONT_ZLIB_LEVEL, FONT_ZLIB_STRATEGY): ≈7 % larger
    assert abs(len(tuned[name]) - len(plain[name])) < 0.09 * len(plain[name])


@pytest.mark.parametrize("script", ["import reportgen.write.weasyprint_tuning as t; print(t.apply())"])
def test_tuning_applies_to_this_weasyprint(script):
    """If a WeasyPrint upgrade changes the code the speed-ups were written for, they switch
    themselves off (the PDF stays right, only slower); this test says when that happened."""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ("{'lazy_font_blob': True, 'zlib_level': True, 'one_pass_subset': True, "
                           "'fast_percentages': True, 'empty_margin_boxes': True, 'shared_pango_context': True, "
                           "'glyph_loop': True, 'strut_key': True, 'xml_parse': True, 'normal_flow': True, "
                           "'kept_layout': True, 'svg_numbers': True, 'svg_get_child': True, "
                           "'matrix_product': True, 'short_draft': True, 'no_backgrounds': True, "
                           "'lazy_pseudo_styles': True, 'line_no_floats': True, 'break_memo': True, "
                           "'unused_margin_boxes': True, 'end_spacing_retry': True, 'computed_defaults': True, "
                           "'cascade_memo': True, 'stream_contexts': True, 'no_outlines': True, "
                           "'flat_descendants': True}")
