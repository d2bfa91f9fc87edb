"""The DOCX writer (write/docx.py) in a long-lived process.

* Its per-process skeleton (``_Writer.prepared``): a document opened from the package ``setup``
  made once is byte for byte the document set up afresh — final copy, draft and 核对稿 alike —
  and no document leaves anything behind in it for the next.
* The 核对稿's comments (批注) carry the document's date, not the clock's: the same document
  written twice, a second apart, gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import time
import zipfile

import pytest

from conftest import REPO
from reportgen import pipeline
from reportgen.core.workspace import Workspace
from reportgen.read.load import load
from reportgen.write import docx


@pytest.fixture(scope="module")
def sample():
    ws = Workspace(REPO)
    style = pipeline.style_for(ws)
    docs = []
    for unit in ("lucheng", "ouhai"):
        uy = load(ws, 2024 if unit == "lucheng" else 2023, [unit]).units[unit]
        docs.append(pipeline.document_for(ws, uy)[0])
    # charts drawn with the chart role's face, as a build does (matplotlib's default face has no Chinese)
    from reportgen.write import fonts

    chart = fonts.resolve(style, ws.fonts).get(style.chart.font)
    return style, docs, (chart.face.path if chart and chart.face else None)


def _afresh(cls, style, review=False, chart_font=None):
    w = cls(style, review, chart_font)
    w.setup()
    return w


def test_skeleton_gives_the_bytes_of_a_fresh_setup(sample, monkeypatch):
    style, (doc, other), chart_font = sample
    date = dt.date(2024, 1, 31)
    variants = [(doc, False), (dataclasses.replace(doc, draft=True), False), (doc, True), (other, False)]
    docx._SKELETONS.clear()
    from_skeleton = [docx.write_docx(d, style, date=date, review=r, chart_font=chart_font) for d, r in variants]
    assert len(docx._SKELETONS) == 1
    # the same documents again, after the others used the skeleton: nothing carried over
    assert [docx.write_docx(d, style, date=date, review=r, chart_font=chart_font) for d, r in reversed(variants)] == from_skeleton[::-1]
    monkeypatch.setattr(docx._Writer, "prepared", classmethod(_afresh))
    afresh = [docx.write_docx(d, style, date=date, review=r, chart_font=chart_font) for d, r in variants]
    assert from_skeleton == afresh
    assert len(set(afresh)) == len(afresh)          # four different documents


def test_a_changed_style_gets_its_own_skeleton(sample):
    style, (doc, _), chart_font = sample
    date = dt.date(2024, 1, 31)
    before = docx.write_docx(doc, style, date=date, chart_font=chart_font)
    wider = style.model_copy(update={"mirror_margins": not style.mirror_margins})
    changed = docx.write_docx(doc, wider, date=date, chart_font=chart_font)
    assert changed != before and docx.write_docx(doc, style, date=date, chart_font=chart_font) == before


def test_review_comments_carry_the_documents_date(sample):
    style, (doc, _), chart_font = sample
    first = docx.write_docx(doc, style, date=dt.date(2024, 1, 31), review=True, chart_font=chart_font)
    time.sleep(1.1)
    assert docx.write_docx(doc, style, date=dt.date(2024, 1, 31), review=True, chart_font=chart_font) == first
    comments = zipfile.ZipFile(io.BytesIO(first)).read("word/comments.xml").decode()
    dates = set(re.findall(r'w:date="([^"]*)"', comments))
    assert dates == {"2024-01-31T00:00:00Z"}


def test_a_skeleton_is_kept_per_machine_and_opened_by_the_next_process(sample, tmp_path, monkeypatch):
    """A style's skeleton is kept in the user's cache: a process that has none in memory (the
    batch's fork server, a new command) opens the kept one instead of setting it up — the same
    bytes; a damaged file is set up again; a changed style gets a skeleton of its own."""
    style, (doc, other), chart_font = sample
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "cache/reportgen/docx-skeletons"
    date = dt.date(2024, 1, 31)

    def write(d, s=style, review=False):
        return docx.write_docx(d, s, date=date, review=review, chart_font=chart_font)

    docx._SKELETONS.clear()
    try:
        made = [write(doc), write(other), write(doc, review=True)]
        kept = list(folder.glob("*.skeleton"))
        assert len(kept) == 1

        def setup(self):
            raise AssertionError("set up again although a skeleton was kept")

        with monkeypatch.context() as m:
            m.setattr(docx._Writer, "setup", setup)
            docx._SKELETONS.clear()                     # as in a new process
            assert [write(doc), write(other), write(doc, review=True)] == made
        kept[0].write_bytes(kept[0].read_bytes()[:5000])    # damaged: set up again, kept again
        docx._SKELETONS.clear()
        assert write(other) == made[1]
        assert len(kept[0].read_bytes()) > 5000
        wider = style.model_copy(update={"mirror_margins": not style.mirror_margins})
        assert write(doc, wider) != made[0]
        assert len(list(folder.glob("*.skeleton"))) == 2
    finally:
        docx._SKELETONS.clear()
