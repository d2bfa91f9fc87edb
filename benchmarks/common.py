"""Shared helpers of the benchmark scripts: workspaces with many units, tables, the machine."""

from __future__ import annotations

import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def reportgen_cmd(*args: str) -> list[str]:
    return [PYTHON, "-m", "reportgen", *args]


def compile_sources() -> None:
    """reportgen's own modules compiled to bytecode (``scripts/setup.sh`` does it once): in an
    editable install under PYTHONDONTWRITEBYTECODE=1 every new process would compile them again."""
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "reportgen")], check=True, capture_output=True)


def make_workspace(folder: Path, units: int) -> Path:
    """A new workspace (``reportgen init``) whose data/2024 holds ``units`` units: the sample
    unit and copies of it under new ids (u001 …) and names."""
    ws = folder / "ws"
    subprocess.run(reportgen_cmd("init", str(ws), "--sample"), check=True, capture_output=True)
    names = yaml.safe_load((ws / "data/units.yaml").read_text("utf-8"))
    src = ws / "data/2024/lucheng"
    # One document per unit (the summary-and-plan report): drop the sample's documents: list.
    report = src / "report.yaml"
    report.write_text(re.sub(r"(?ms)^documents:\n(?:  .*?\n)+", "", report.read_text("utf-8")), "utf-8")
    digits = "〇一二三四五六七八九"
    for i in range(1, units):
        uid = f"u{i:03d}"
        shutil.copytree(src, ws / "data/2024" / uid)
        label = "".join(digits[int(d)] for d in str(i))
        names[uid] = {"name": f"第{label}区科学技术局", "short_name": "区科技局"}
    (ws / "data/units.yaml").write_text(yaml.safe_dump(names, allow_unicode=True), "utf-8")
    return ws


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0
    return (f"{os.cpu_count()} CPUs ({cpu or platform.processor()}){mem}; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}; load average {load:.2f} at start")


def versions() -> str:
    from importlib.metadata import version

    out = []
    for dist in ("weasyprint", "pydyf", "python-docx"):
        out.append(f"{dist} {version(dist)}")
    try:
        lo = subprocess.run(["soffice", "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
        out.append(lo.split("\n")[0][:40])
    except (OSError, subprocess.SubprocessError):
        pass
    return ", ".join(out)


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def table(rows: list[tuple], header: tuple) -> str:
    """A Markdown table (readable as text too)."""
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(header))]

    def line(r):
        return "| " + " | ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths)) + " |"

    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
                     + [line(r) for r in cells[1:]])


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
