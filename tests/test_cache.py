"""The per-machine cache (core/cache.py) and what a build does when nothing changed."""

from __future__ import annotations

import os

from conftest import reportgen

from reportgen.core.cache import stable_file_sha256


def test_a_remembered_hash_is_the_files_hash_and_follows_every_rewrite(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    font = tmp_path / "face.otf"
    font.write_bytes(b"A" * 4096)
    import hashlib

    assert stable_file_sha256(font) == hashlib.sha256(b"A" * 4096).hexdigest()
    assert (tmp_path / "cache/reportgen/hashes/files.json").is_file()
    assert stable_file_sha256(font) == hashlib.sha256(b"A" * 4096).hexdigest()      # from the cache
    # rewritten in place with the same size, its modification time set back: the change time moves
    st = font.stat()
    with open(font, "r+b") as fh:
        fh.write(b"B")
    os.utime(font, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert stable_file_sha256(font) == hashlib.sha256(b"B" + b"A" * 4095).hexdigest()


def test_a_broken_cache_file_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    store = tmp_path / "cache/reportgen/hashes/files.json"
    store.parent.mkdir(parents=True)
    store.write_text("[1, 2", "utf-8")
    font = tmp_path / "face.otf"
    font.write_bytes(b"x")
    import hashlib

    assert stable_file_sha256(font) == hashlib.sha256(b"x").hexdigest()


def test_an_up_to_date_build_reads_no_data_and_loads_no_writer(workspace):
    """Nothing changed: the build compares hashes and stops; it imports neither the readers
    (pandas, openpyxl) nor the writers (WeasyPrint, python-docx)."""
    import subprocess
    import sys

    reportgen("-C", str(workspace), "build", "2024", check=True)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "reportgen", "-C", str(workspace), "build", "2024"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "跳过" in proc.stdout + proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "reportgen.app.batch" in imported            # the check sees imports at all
    heavy = sorted(imported & {"pandas", "openpyxl", "weasyprint", "docx", "reportgen.read.load", "reportgen.derive.figures"})
    assert not heavy, heavy
