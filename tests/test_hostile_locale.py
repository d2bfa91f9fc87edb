"""Catalogue, class 7 — the same bytes under any locale: a face such as "AR PL KaitiM GB,
文鼎ＰＬ简中楷" has names in two languages and fontconfig picks by its default language, which
it takes from LANG/LC_ALL unless FC_LANG is set; reportgen fixes the language (write/pdf.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import reportgen
from hostile_helpers import one_document, unit_year


def _kai_installed() -> bool:
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    return "文鼎ＰＬ简中楷" in out or "AR PL KaitiM GB" in out


@pytest.mark.parametrize("other", ["zh_CN.UTF-8", "en_US.UTF-8"])
def test_l01_same_docx_and_pdf_under_any_locale(tmp_path, other):
    if not _kai_installed():
        if os.environ.get("CI") == "true":
            pytest.fail("the 楷体 stand-in (fonts-arphic-gkai00mp) is needed")
        pytest.skip("AR PL KaitiM GB not installed")
    ws = tmp_path / "ws"
    reportgen("init", "--sample", str(ws), check=True)
    one_document(ws, "区域测试")
    year = str(unit_year(ws))
    outputs = {}
    for lang in ("C.UTF-8", other):
        out = tmp_path / lang
        env = {k: v for k, v in os.environ.items() if k not in ("FC_LANG", "LANGUAGE")}
        env.update(LANG=lang, LC_ALL=lang, SOURCE_DATE_EPOCH="1706659200")
        proc = subprocess.run([sys.executable, "-m", "reportgen", "-C", str(ws), "build", year, "--out", str(out)],
                              env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        outputs[lang] = {p.suffix: p.read_bytes() for p in out.iterdir() if p.suffix in (".docx", ".pdf")}
    assert set(outputs["C.UTF-8"]) == {".docx", ".pdf"}
    assert outputs["C.UTF-8"][".docx"] == outputs[other][".docx"]
    assert outputs["C.UTF-8"][".pdf"] == outputs[other][".pdf"]
