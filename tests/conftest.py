import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"

# The tests read the messages in Chinese, whatever the machine's locale (tests/test_i18n.py
# checks English explicitly). LANGUAGE comes first in gettext's order of variables.
os.environ["LANGUAGE"] = "zh_CN"


def reportgen(*args, cwd=None, env=None, check=False):
    """Run the real command line in a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"reportgen {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


RUN_LOG = re.compile(r"run(-\d+-of-\d+)?\.json")


def written_files(folder: Path) -> dict[str, bytes]:
    """The files a build left in an output folder (relative path → bytes), without the run's
    log for pipelines (run.json: timings and statuses, written for failed runs too)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not RUN_LOG.fullmatch(p.name)}


def under_ci() -> bool:
    """CI=true (any case): what a test needs must be there, a missing tool fails."""
    return os.environ.get("CI", "").strip().lower() == "true"


def require_font(family: str):
    """An installed font family the test needs: fails under CI (setup.sh installs it), else skips."""
    from reportgen.write.fonts import system_families

    face = system_families().get(family)
    if face is None:
        if under_ci():
            pytest.fail(f"font {family} is required under CI but is not installed (scripts/setup.sh installs it)")
        pytest.skip(f"font {family} not installed")
    return face


def require_tool(name: str) -> str:
    """A test needing an external tool fails under CI=true when it is missing, else skips."""
    path = shutil.which(name)
    if path is None:
        if under_ci():
            pytest.fail(f"{name} is required under CI but is not installed")
        pytest.skip(f"{name} not installed")
    return path


def single_document(ws: Path) -> Path:
    """Make the 鹿城 unit yield its one main document (drop report.yaml's documents: list), so
    that a test about one document's errors sees exactly that document."""
    import re

    report = ws / "data/2024/lucheng/report.yaml"
    text = re.sub(r"(?ms)^documents:\n(?:  .*?\n)+", "", report.read_text("utf-8"))
    report.write_text(text, "utf-8")
    return ws


@pytest.fixture
def workspace(tmp_path):
    """A fresh sample workspace made by `reportgen init`, its 鹿城 unit making one document."""
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    return single_document(ws)


@pytest.fixture
def full_workspace(tmp_path):
    """The sample workspace exactly as `reportgen init` makes it (鹿城 makes four documents)."""
    ws = tmp_path / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    return ws


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """The sample built once per session with the real CLI: (docx path, pdf path)."""
    out = tmp_path_factory.mktemp("sample")
    ws = out / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    reportgen("-C", str(ws), "build", "2024", check=True)
    folder = ws / "output" / "2024"
    return next(folder.glob("*工作总结和*.docx")), next(folder.glob("*工作总结和*.pdf"))


def _big_bytes(value) -> bool:
    if isinstance(value, (bytes, bytearray)):
        return len(value) > 4096
    if isinstance(value, dict):
        return any(_big_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_big_bytes(v) for v in value)
    return False


def _summary(value) -> str:
    import hashlib

    if isinstance(value, (bytes, bytearray)):
        return f"{len(value)} bytes, sha256 {hashlib.sha256(value).hexdigest()[:16]}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_summary(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_summary(v) for v in value) + "]"
    return repr(value)[:200]


def pytest_assertrepr_compare(op, left, right):
    """Comparing whole DOCX/PDF files: name sizes and hashes instead of pytest's difflib, which
    takes many minutes on a few hundred KB of bytes."""
    if op == "==" and (_big_bytes(left) or _big_bytes(right)):
        return [f"outputs differ: {_summary(left)}", f"         != {_summary(right)}"]
