"""Shared set-up for the hostile/faulty-input catalogue (tests/test_hostile_*.py).

One sample workspace is made per session with the real `reportgen init`; each case works on a
copy (a copy takes milliseconds, `init` in a subprocess about a second).  Commands run in
process through click's runner unless a case needs a real process (signals, the preview).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from reportgen.cli import main


def unit_year(ws: Path, unit: str = "lucheng") -> int:
    """The data year of the sample's 鹿城 unit (whatever year folder the sample uses)."""
    return max(int(p.name) for p in (ws / "data").iterdir() if p.name.isdigit() and (p / unit).is_dir())


def fresh(template: Path, tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(template, ws, symlinks=True)
    return ws


def cli(ws: Path, *args: str):
    """Run `reportgen -C ws ARGS` in process; (exit code, stdout+stderr)."""
    result = CliRunner().invoke(main, ["-C", str(ws), *args], catch_exceptions=False)
    return result.exit_code, result.output


def one_document(ws: Path, title: str | None = None, unit: str = "lucheng") -> Path:
    """Make the unit's report.yaml ask for its one main document (optionally with ``title``)."""
    import re

    report = ws / "data" / str(unit_year(ws, unit)) / unit / "report.yaml"
    text = re.sub(r"(?ms)^documents:\n(?:  .*?\n)+", "", report.read_text("utf-8"))
    text = re.sub(r"(?m)^title:.*\n", "", text)
    if title is not None:
        text = f"title: {title}\n" + text
    report.write_text(text, "utf-8")
    return report


def leftovers(folder: Path) -> list[str]:
    """Hidden temporary files left in an output folder."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part")) if folder.is_dir() else []
