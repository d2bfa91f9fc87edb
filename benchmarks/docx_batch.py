"""The DOCX stage in a batch of *different* units, CPU seconds per document, in one process.

    .venv/bin/python benchmarks/docx_batch.py [--units 16] [--runs 3] [--repo PATH] [--before PATH] [--profile]

Every unit is the sample unit under a different name (温州/金华 districts and counties: the title,
主送, 署名 and body print it), so each document sets characters the others do not and the
embedded font subsets (``write/docx_fonts.py``) differ per document: a memo that only hits on
identical documents does not help here.  Each run is a fresh process with a fresh DOCX-subset
cache (``$XDG_CACHE_HOME/reportgen/docx-fonts``; the other per-machine caches are shared), which
writes the batch twice:

* **new text**: every document's character sets seen for the first time on this machine (a new
  year's reports, or any edit that adds a character): nothing from the disk cache;
* **rebuild**: the same documents again in the same process (``build --force`` of unchanged
  data in a long-lived process; a new process would read the subsets from the disk cache);
* **new process**: the new-text batch again in a second process whose subsets were deleted from
  the cache, the machine's other DOCX caches (converted glyphs) kept: its first document is a
  worker's or a single build's first document with characters not built before.

The first document of a process is reported apart (cold: python-docx's template, the fonts'
resolution, the glyphs converted); the figure is the median of the later ones, over ``--runs``
processes.
``--repo`` measures another checkout's code; ``--before PATH`` runs A/B pairs (PATH's code, then
``--repo``'s, alternately) and prints both, before → after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, REPO, machine, make_workspace, median, table  # noqa: E402

NAMES = ["龙湾区", "瓯海区", "洞头区", "永嘉县", "平阳县", "苍南县", "文成县", "泰顺县", "瑞安市", "乐清市",
         "龙港市", "婺城区", "金东区", "兰溪市", "义乌市", "东阳市", "永康市", "浦江县", "武义县", "磐安县",
         "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县", "越城区", "椒江区", "黄岩区", "路桥区", "临海市"]


def distinct_workspace(folder: Path, units: int) -> Path:
    """``make_workspace`` with every unit under a different district's name."""
    import yaml

    ws = make_workspace(folder, units)
    path = ws / "data/units.yaml"
    names = yaml.safe_load(path.read_text("utf-8"))
    ids = sorted(u for u in names if (ws / "data/2024" / u).is_dir())
    for i, uid in enumerate(ids):
        place = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else "第二")
        names[uid] = {**names[uid], "name": f"{place}科学技术局", "short_name": place[-1] + "科技局"}
    path.write_text(yaml.safe_dump(names, allow_unicode=True), "utf-8")
    return ws


def _child(ws: Path, profile: bool) -> None:
    from reportgen import pipeline as build
    from reportgen.core.workspace import Workspace
    from reportgen.read.load import load

    wsp = Workspace(ws)
    style = build.style_for(wsp)
    units = sorted(p.name for p in (ws / "data/2024").iterdir() if p.is_dir())
    docs = []
    for u in units:
        uy = load(wsp, 2024, [u]).units[u]
        doc, _ = build.document_for(wsp, uy)
        docs.append((doc, build.issue_date(uy)))
    import reportgen

    out = {"module": reportgen.__file__}
    prof = None
    for phase in ("new", "rebuild"):
        times, sizes = [], []
        if profile and phase == "new":
            import cProfile

            prof = cProfile.Profile()
        for i, (doc, date) in enumerate(docs):
            if prof and i == 1:
                prof.enable()
            t = time.process_time()
            data = build.render_outputs(doc, style, wsp, ("docx",), date=date)["docx"]
            times.append(time.process_time() - t)
            sizes.append(len(data))
        if prof:
            prof.disable()
            import io
            import pstats

            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(30)
            print(s.getvalue(), file=sys.stderr)
            prof = None
        out[phase] = {"times": times, "sizes": sizes}
    print(json.dumps(out))


def measure(ws: Path, repo: Path, profile: bool) -> dict:
    home_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    with tempfile.TemporaryDirectory() as cache:
        # the machine's other caches (face facts, pre-subset faces, catalogs) shared; docx-fonts fresh
        (Path(cache) / "reportgen").mkdir()
        for entry in (home_cache / "reportgen").glob("*"):
            if entry.name != "docx-fonts":
                (Path(cache) / "reportgen" / entry.name).symlink_to(entry)
        env = {**os.environ, "XDG_CACHE_HOME": cache, "PYTHONPATH": str(repo)}
        cmd = [PYTHON, __file__, "--child", str(ws)] + (["--profile"] if profile else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True, cwd=repo)
        if profile:
            print(proc.stderr)
        out = json.loads(proc.stdout)
        for subset in (Path(cache) / "reportgen" / "docx-fonts").glob("*.font"):
            subset.unlink()
        again = subprocess.run(cmd[:4], capture_output=True, text=True, env=env, check=True, cwd=repo)
        out["second"] = json.loads(again.stdout)["new"]
        return out


PHASES = (("new", "new text (subsets not on disk)"), ("rebuild", "rebuild (same process)"),
          ("second", "new text, new process (subsets deleted, other caches kept)"))


def _commit(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()


def _summary(results: list[dict], phase: str) -> tuple[float, float, float]:
    """(first document, median of the others, median DOCX size in KB) over the runs."""
    return (median([r[phase]["times"][0] for r in results]),
            median([t for r in results for t in r[phase]["times"][1:]]),
            median([s for r in results for s in r[phase]["sizes"]]) / 1024)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repo", type=Path, default=REPO, help="the checkout whose reportgen is measured")
    ap.add_argument("--before", type=Path, help="another checkout (the code before): A/B pairs, A = it, B = --repo")
    ap.add_argument("--profile", action="store_true", help="cProfile of the first run's new-text batch")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        _child(Path(args.child), args.profile)
        return
    repo = args.repo.resolve()
    before = args.before.resolve() if args.before else None
    with tempfile.TemporaryDirectory() as tmp:
        ws = distinct_workspace(Path(tmp), args.units)
        results, results_a = [], []
        for r in range(args.runs):               # A B A B …: the machine's drift hits both alike
            if before:
                results_a.append(measure(ws, before, False))
            results.append(measure(ws, repo, args.profile and r == 0))
    print(f"machine: {machine()}\ncode: {results[0]['module']} at {_commit(repo)}")
    if before:
        print(f"before: {results_a[0]['module']} at {_commit(before)}")
    print(f"\nDOCX stage (render_outputs, docx only), {args.units} different units × {args.runs} processes"
          f"{' each, alternately' if before else ''}, CPU seconds per document\n")
    rows = []
    for phase, label in PHASES:
        cold, warm, size = _summary(results, phase)
        if before:
            cold_a, warm_a, size_a = _summary(results_a, phase)
            rows.append((label, f"{cold_a:.3f} → {cold:.3f}", f"{warm_a:.3f} → {warm:.3f}", f"{size_a:.0f} → {size:.0f}"))
        else:
            rows.append((label, f"{cold:.3f}", f"{warm:.3f}", f"{size:.0f}"))
    print(table(rows, ("batch", "first document (s)", "median of the others (s)", "DOCX size (KB, median)")))


if __name__ == "__main__":
    main()
