"""The PDF stage on every document of the sample workspace, warm, CPU seconds, in one process.

    .venv/bin/python benchmarks/pdf_docs.py [--rounds 3] [--only 8,9] [--repo PATH] [--profile]

``benchmarks/stages.py`` times one document (the 鹿城 summary-and-plan report, text only); the
sample workspace holds eleven PDF documents of six units and four years — tables, run-in
headings, charts, rare characters drawn from the full faces — whose costs differ.  This script
builds each year once (untimed, ``--format pdf --force --draft``) recording the HTML every PDF is
rendered from, then renders all of them again ``--rounds`` times in the same process and prints
per document the CPU seconds of WeasyPrint's layout (``HTML.render``) and of PDF writing
(``Document.write_pdf``: drawing, font subsetting, serialising, compressing), and the size.

A/B inside the process: each speed-up of ``write/weasyprint_tuning.py`` that promises WeasyPrint's
own bytes (the one-pass font subsetting, the empty page-margin boxes) is also run switched off
— WeasyPrint's function put back — document by document, alternating (on, off, off, on …), and the bytes of both are
compared.  ``--repo`` measures another checkout's code (run it on two worktrees).

Python's cyclic garbage collector is run (untimed) before each render: otherwise a full
collection (≈0.1 s with WeasyPrint, pandas and matplotlib loaded) lands inside whichever render
crosses its threshold, and since the allocations repeat round after round it lands on the same
documents each round and skews their medians.  Full collections cost a batch ≈10–20 ms a
document on top of the figures here.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, REPO, machine, median, table, versions  # noqa: E402

YEARS = (2021, 2023, 2024, 2026)
# speed-up → (module, attribute) that weasyprint_tuning replaced, ORIGINAL's key
SWITCHES = {
    "one_pass_subset": ("weasyprint.pdf.fonts", "Font._harfbuzz_subset"),
    "empty_margin_boxes": ("weasyprint.layout.page", "resolve_percentages"),
}


def _capture(ws: Path) -> list[tuple]:
    """Build every year of the workspace once; the write_pdf arguments of every PDF."""
    from click.testing import CliRunner

    import reportgen.write.pdf as pdf
    from reportgen.cli import main

    calls = []
    real = pdf.write_pdf

    def capture(html_text, allowed_roots=(), created=None):
        calls.append((html_text, tuple(allowed_roots), created))
        return real(html_text, allowed_roots, created)

    pdf.write_pdf = capture
    for year in YEARS:
        CliRunner().invoke(main, ["-C", str(ws), "build", str(year), "--format", "pdf", "--force", "--draft"],
                           catch_exceptions=False)
    pdf.write_pdf = real
    return calls


def _switch(name: str, on: bool) -> bool:
    """Put the speed-up ``name`` (on) or WeasyPrint's own function (off) in place."""
    import importlib

    from reportgen.write import weasyprint_tuning as tuning

    if name not in SWITCHES:        # the speed-ups that list what they replace (tuning.SWITCHES)
        if name not in getattr(tuning, "SWITCHES", {}):
            return False
        tuning.switch(name, on)
        return True
    module, attr = SWITCHES[name]
    key = {"one_pass_subset": "Font._harfbuzz_subset", "empty_margin_boxes": "layout.page.resolve_percentages"}[name]
    if key not in getattr(tuning, "ORIGINAL", {}):
        return False
    owner = importlib.import_module(module)
    if "." in attr:
        cls, attr = attr.split(".")
        owner = getattr(owner, cls)
    saved = _switch.installed.setdefault(name, getattr(owner, attr))
    setattr(owner, attr, saved if on else tuning.ORIGINAL[key])
    return True


_switch.installed = {}


def _child(ws: Path, rounds: int, only: list[int] | None, profile: bool) -> None:
    import weasyprint
    from weasyprint.document import Document as WeasyDocument

    import reportgen.write.pdf as pdf

    calls = _capture(ws)
    titles = [h[h.find("<title>") + 7:h.find("</title>")] for h, _, _ in calls]
    picked = only if only is not None else list(range(len(calls)))
    timings = {"layout": 0.0, "write": 0.0}

    def timed(label, fn):
        def wrapper(*args, **kwargs):
            t = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[label] += time.process_time() - t
        return wrapper

    weasyprint.HTML.render = timed("layout", weasyprint.HTML.render)
    WeasyDocument.write_pdf = timed("write", WeasyDocument.write_pdf)
    from reportgen.write import weasyprint_tuning as tuning

    pdf._font_config()
    names = [*SWITCHES, *getattr(tuning, "SWITCHES", {})]
    configs = ["tuned"] + [f"without {n}" for n in names if _switch(n, True)]
    results: dict[str, dict[int, list]] = {c: {i: [] for i in picked} for c in configs}
    sizes: dict[str, dict[int, tuple]] = {c: {} for c in configs}
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    for r in range(rounds + 1):                     # round 0 warms up, uncounted
        for i in picked:
            order = configs[r % len(configs):] + configs[:r % len(configs)]     # A B, B A …
            for config in order:
                for name in names:
                    if f"without {name}" in configs:
                        _switch(name, config != f"without {name}")
                gc.collect()        # untimed: no full collection lands inside one render
                timings.update(layout=0.0, write=0.0)
                if prof and r == rounds and config == "tuned":
                    prof.enable()
                t = time.process_time()
                data = pdf.write_pdf(*calls[i])
                total = time.process_time() - t
                if prof:
                    prof.disable()
                if r:
                    results[config][i].append((total, timings["layout"], timings["write"]))
                sizes[config][i] = (len(data), hashlib.sha256(data).hexdigest())
    if prof:
        import io
        import pstats

        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue(), file=sys.stderr)
    print(json.dumps({"titles": titles, "results": results, "sizes": sizes}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", help="comma-separated document numbers (as printed)")
    ap.add_argument("--repo", default=str(REPO), help="the checkout whose reportgen is measured")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--child")
    args = ap.parse_args()
    only = [int(x) for x in args.only.split(",")] if args.only else None
    if args.child:
        _child(Path(args.child), args.rounds, only, args.profile)
        return

    print(f"machine: {machine()}\nversions: {versions()}\nrepo: {args.repo}\n")
    env = {**os.environ, "PYTHONPATH": args.repo}
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        subprocess.run([PYTHON, "-m", "reportgen", "init", str(ws), "--sample"], check=True, capture_output=True, env=env)
        cmd = [PYTHON, __file__, "--child", str(ws), "--rounds", str(args.rounds)]
        if args.only:
            cmd += ["--only", args.only]
        if args.profile:
            cmd.append("--profile")
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode:
            sys.exit(proc.stderr)
        if args.profile:
            print(proc.stderr)
    out = json.loads(proc.stdout)
    tuned = out["results"]["tuned"]
    rows = []
    for i, runs in tuned.items():
        size, _ = out["sizes"]["tuned"][i]
        rows.append((i, out["titles"][int(i)][:28], f"{median([x[0] for x in runs]):.3f}",
                     f"{median([x[1] for x in runs]):.3f}", f"{median([x[2] for x in runs]):.3f}", f"{size / 1024:.0f}"))
    n = len(tuned)
    rows.append(("", "mean of the documents", *(f"{sum(median([x[k] for x in r]) for r in tuned.values()) / n:.3f}"
                                             for k in range(3)),
                 f"{sum(s for s, _ in out['sizes']['tuned'].values()) / n / 1024:.0f}"))
    print(f"PDF stage, warm, CPU seconds per document (median of {args.rounds} rounds in one process)\n")
    print(table(rows, ("#", "document", "pdf (s)", "layout (s)", "write (s)", "KB")))
    ab = []
    for config, res in out["results"].items():
        if config == "tuned":
            continue
        same = all(out["sizes"][config][i] == out["sizes"]["tuned"][i] for i in res)
        for k, label in ((0, "pdf"), (1, "layout"), (2, "write")):
            a = sum(median([x[k] for x in r]) for r in tuned.values()) / n
            b = sum(median([x[k] for x in r]) for r in res.values()) / n
            ab.append((config, label, f"{b:.4f}", f"{a:.4f}", f"{a - b:+.4f}", "yes" if same else "NO"))
    if ab:
        print("\nEach speed-up against WeasyPrint's own function, alternating rounds in the same process "
              "(mean of the documents' medians)\n")
        print(table(ab, ("run", "stage", "without (s)", "with (s)", "difference (s)", "same bytes")))


if __name__ == "__main__":
    main()
