"""Throughput of a batch, side by side with LibreOffice converting the same DOCX files to PDF.

    .venv/bin/python benchmarks/throughput.py [--units 100] [--lo-files 50]

1. A temporary workspace with ``--units`` units (the sample unit copied under new ids).
2. ``reportgen build 2024 --force`` (DOCX and PDF of every unit) with ``--jobs 1`` and ``--jobs 2``,
   and PDF only with ``--jobs 2``: wall time of the whole command, as a scheduler sees it.
3. LibreOffice headless converting ``--lo-files`` of those DOCX files to PDF: one call with all of
   them, and two calls with half each, in parallel, each with its own private profile
   (``-env:UserInstallation``).  The profiles are created and warmed by a first conversion
   that is not timed.
4. A single ``reportgen build 2024`` from a cold shell (a new process), median of 3: of a one-unit
   workspace (one document: its PDF is written by a side process beside the DOCX) and of the
   sample's 鹿城 unit (four documents).

reportgen's per-machine caches are made first by one build that is not timed, as LibreOffice's
profiles are.  The last lines print the ratio of documents per second against LibreOffice's two
processes, taken in the same run.

``--rounds N`` (with ``--only j2,lo``) repeats the pair N times, interleaved — reportgen, then
LibreOffice, then LibreOffice, then reportgen … — and prints each pair's ratio and the median: on
a shared or virtual machine a single pair swings by ±15 %.  ``--before PATH`` adds, to each
round, the same build run by another checkout's code (``PATH/.venv/bin/python -m reportgen``,
on the same workspace), so a change is measured before and after in the same run as LibreOffice.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import compile_sources, machine, make_workspace, median, reportgen_cmd, table, versions  # noqa: E402


def timed(cmd: list[str], **kwargs) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - t


def row(label: str, n: int, wall: float) -> tuple:
    # Wall time only: the workers of `reportgen build --jobs N` are forked from a fork server that
    # the command does not wait for, so their CPU time is not in this process's RUSAGE_CHILDREN.
    return (label, n, f"{wall:.1f}", f"{n / wall:.2f}")


def soffice(profile: Path, outdir: Path, files: list[Path]) -> list[str]:
    return ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)]


def lo_setup(tmp: Path, ws: Path, count: int) -> tuple[list[Path], tuple[Path, Path]]:
    """``count`` of the workspace's DOCX files copied for LibreOffice, and its two private
    profiles, created and warmed by a first conversion (not timed)."""
    docx = sorted((ws / "output/2024").glob("*.docx"))[:count]
    src = tmp / "lo-in"
    src.mkdir()
    files = [Path(shutil.copy(p, src / f"{i:03d}.docx")) for i, p in enumerate(docx)]
    profiles = (tmp / "lo-profile-1", tmp / "lo-profile-2")
    for prof in profiles:
        timed(soffice(prof, tmp / "lo-warm", files[:1]))
    return files, profiles


def lo_two(outdir: Path, files: list[Path], profiles: tuple[Path, Path]) -> float:
    """Wall time of two LibreOffice processes converting half of ``files`` each, in parallel."""
    half = len(files) // 2
    t = time.perf_counter()
    procs = [subprocess.Popen(soffice(prof, outdir / str(i), part), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
             for i, (prof, part) in enumerate(((profiles[0], files[:half]), (profiles[1], files[half:])))]
    for p in procs:
        p.wait()
    wall = time.perf_counter() - t
    if any(p.returncode for p in procs) or len(list(outdir.rglob("*.pdf"))) != len(files):
        raise SystemExit(f"LibreOffice did not convert all {len(files)} files into {outdir}")
    return wall


def interleaved(tmp: Path, ws: Path, n: int, files: list[Path], profiles: tuple[Path, Path],
                rounds: int, before: Path | None) -> None:
    """``rounds`` rounds of reportgen --jobs 2 (and ``before``'s code) and LibreOffice's two
    processes, the order reversed every other round (A B, B A, …) so that neither always runs
    first; each round's documents/s and ratio, then the medians."""
    build = ("-C", str(ws), "build", "2024", "--force", "--jobs", "2")
    runners = {"reportgen": lambda: n / timed(reportgen_cmd(*build))}
    if before is not None:   # its own per-machine caches first, not timed
        timed(before_cmd(before, "-C", str(ws), "build", "2024", "--force", "--unit", "lucheng",
                         "--out", str(tmp / "warm-before")))
        runners["before"] = lambda: n / timed(before_cmd(before, *build))
    runners["LibreOffice"] = lambda: len(files) / lo_two(tmp / f"lo-round-{time.monotonic_ns()}", files, profiles)
    names = list(runners)
    results: dict[str, list[float]] = {k: [] for k in names}
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            results[name].append(runners[name]())
    lo = results["LibreOffice"]
    head = ["round"] + [f"{k} documents/s" for k in names] + [f"ratio {k}" for k in names if k != "LibreOffice"]
    body = []
    for r in range(rounds):
        body.append((r + 1, *(f"{results[k][r]:.2f}" for k in names),
                     *(f"{results[k][r] / lo[r]:.2f}" for k in names if k != "LibreOffice")))
    body.append(("median", *(f"{median(results[k]):.2f}" for k in names),
                 *(f"{median([a / b for a, b in zip(results[k], lo)]):.2f}" for k in names if k != "LibreOffice")))
    print(f"\n{rounds} interleaved rounds, {n} units (reportgen: DOCX + PDF, --jobs 2; "
          f"LibreOffice: {len(files)} DOCX→PDF, two processes)"
          + (f"; before = {before}" if before else "") + "\n")
    print(table(body, tuple(head)))
    print()


def before_cmd(checkout: Path, *args: str) -> list[str]:
    """``reportgen`` run by another checkout's code and virtualenv (``--before``)."""
    return [str(checkout / ".venv/bin/python"), "-m", "reportgen", *args]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--lo-files", type=int, default=50)
    ap.add_argument("--only", default="j1,j2,pdf,docx,lo,single",
                    help="comma-separated subset of: j1, j2, pdf, docx, lo, single")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat reportgen --jobs 2 and LibreOffice's two processes N times, interleaved")
    ap.add_argument("--before", type=Path, default=None,
                    help="a checkout (with its .venv) whose code is timed too, in each round")
    args = ap.parse_args()
    only = set(args.only.split(","))
    rounds = args.rounds > 1 or args.before is not None
    if rounds:
        only -= {"j2", "lo"}   # timed by the rounds below
    print(f"machine: {machine()}\nversions: {versions()}\n")
    rows = []
    rate: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ws = make_workspace(tmp, args.units)
        n = args.units
        # reportgen's per-machine caches (pre-subset faces, face summaries, library probing, its
        # modules' bytecode) made first and not timed, as LibreOffice's profiles are
        compile_sources()
        timed(reportgen_cmd("-C", str(ws), "build", "2024", "--force", "--unit", "lucheng", "--out", str(tmp / "warm")))
        for jobs in (j for j in (1, 2) if f"j{j}" in only):
            wall = timed(reportgen_cmd("-C", str(ws), "build", "2024", "--force", "--jobs", str(jobs)))
            rows.append(row(f"reportgen build, DOCX + PDF, --jobs {jobs}", n, wall))
            rate[f"j{jobs}"] = n / wall
        for fmt in (f for f in ("pdf", "docx") if f in only):
            wall = timed(reportgen_cmd("-C", str(ws), "build", "2024", "--force", "--jobs", "2", "--format", fmt))
            rows.append(row(f"reportgen build, {fmt.upper()} only, --jobs 2", n, wall))
            rate[fmt] = n / wall

        if "lo" not in only and not rounds:
            pass
        elif shutil.which("soffice"):
            if rounds:   # the DOCX files LibreOffice converts (not timed)
                timed(reportgen_cmd("-C", str(ws), "build", "2024", "--force", "--jobs", "2", "--format", "docx"))
            files, profiles = lo_setup(tmp, ws, args.lo_files)
            if "lo" in only:
                wall = timed(soffice(profiles[0], tmp / "lo-one", files))
                rows.append(row(f"LibreOffice DOCX→PDF, one call of {len(files)}", len(files), wall))
                wall = lo_two(tmp / "lo-two", files, profiles)
                rows.append(row(f"LibreOffice DOCX→PDF, two calls of {len(files) // 2} in parallel", len(files), wall))
                rate["lo"] = len(files) / wall
            if rounds:
                interleaved(tmp, ws, n, files, profiles, args.rounds, args.before)
        else:
            rows.append(("LibreOffice (soffice not installed)", "—", "—", "—"))

        if "single" in only:
            one = make_workspace(tmp / "one", 1)
            timed(reportgen_cmd("-C", str(one), "build", "2024", "--force"))     # its caches, not timed
            runs = [timed(reportgen_cmd("-C", str(one), "build", "2024", "--force")) for _ in range(3)]
            rows.append(("single `reportgen build 2024` of a one-unit workspace (1 document; cold shell, median of 3)",
                         1, f"{median(runs):.2f}", "—"))
            single = tmp / "single"
            subprocess.run(reportgen_cmd("init", str(single), "--sample"), check=True, capture_output=True)
            runs = [timed(reportgen_cmd("-C", str(single), "build", "2024", "--force", "--unit", "lucheng"))
                    for _ in range(3)]
            docs = len(list((single / "output/2024").glob("*.pdf")))
            rows.append((f"single `reportgen build 2024 --unit lucheng` ({docs} documents; cold shell, median of 3)",
                         docs, f"{median(runs):.2f}", "—"))
    if rows:
        print(table(rows, ("run", "documents", "wall time (s)", "documents/s")))
    if "lo" in rate:
        print()
        for key, label in (("j2", "DOCX + PDF"), ("pdf", "PDF only")):
            if key in rate:
                print(f"ratio, reportgen {label} (--jobs 2) ÷ LibreOffice DOCX→PDF (two processes), documents/s: "
                      f"{rate[key] / rate['lo']:.2f}")


if __name__ == "__main__":
    main()
