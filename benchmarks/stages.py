"""Per-document time of each stage (load, derive, render, parse, DOCX, PDF), cold and warm.

    .venv/bin/python benchmarks/stages.py [--runs 3] [--docs 12] [--profile]

*Cold* is the first document in a fresh process (after the imports, which are listed on their
own); *warm* the median of the later documents of the same process.  Each configuration runs in
``--runs`` fresh processes.  Times are the process's CPU seconds (``time.process_time``): every
stage runs in one thread, so this is its cost, and it holds on a machine shared with other work
(wall time there mostly measures the neighbours).  Rows:

* the stages of the pipeline as ``reportgen build`` runs them (PDF split into HTML, WeasyPrint
  layout and PDF writing — font subsetting, serialisation, compression);
* the PDF without the speed-ups of ``reportgen/write/weasyprint_tuning.py``
  (``REPORTGEN_WEASYPRINT_TUNING=0``);
* the PDF without the pre-subset faces of ``reportgen/write/font_cache.py``
  (``REPORTGEN_FONT_CACHE=0``);
* the DOCX with the change proposed for ``reportgen/write/docx.py`` (python-docx's
  ``add_style`` scans every style's name to refuse duplicates; the writer's names are unique by
  construction, so ``StyleFactory(styles.element.add_style_of_type(...))`` does the same without
  the scan) — applied here at run time, only to measure it.

``--profile`` prints the top functions (cProfile, cumulative) of the warm PDF and DOCX stages.
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
from common import PYTHON, machine, make_workspace, median, table, versions  # noqa: E402

STAGES = ["load", "derive", "render", "parse", "docx", "pdf", "pdf: html", "pdf: layout", "pdf: write"]


def _child(ws: Path, docs: int, docx_proposal: bool, profile: bool) -> None:
    """In a fresh process: time every stage of ``docs`` documents; print JSON."""
    t0 = time.process_time()
    import weasyprint  # noqa: F401  (the imports a build pays, timed apart)
    from weasyprint.document import Document as WeasyDocument

    from reportgen import pipeline as build
    from reportgen.derive import figures as derive
    from reportgen.render import parse
    from reportgen.render import jinja as render
    from reportgen.read.load import load
    from reportgen.core.workspace import Workspace
    from reportgen.write import html as html_writer
    imports = time.process_time() - t0

    if docx_proposal:
        from docx.styles.style import StyleFactory
        from docx.styles.styles import Styles

        Styles.add_style = lambda self, name, style_type, builtin=False: StyleFactory(
            self._element.add_style_of_type(name, style_type, builtin))

    timings: dict[str, float] = {}
    depth = {"n": 0}

    def timed(label, fn):
        def wrapper(*args, **kwargs):
            if depth["n"]:
                return fn(*args, **kwargs)
            depth["n"] += 1
            t = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[label] = timings.get(label, 0.0) + time.process_time() - t
                depth["n"] -= 1
        return wrapper

    derive.context = timed("derive", derive.context)
    render.render_narrative = timed("render", render.render_narrative)
    render.render = timed("render", render.render)
    parse.parse = timed("parse", parse.parse)
    html_writer.html = timed("pdf: html", html_writer.html)
    weasyprint.HTML.render = timed("pdf: layout", weasyprint.HTML.render)
    WeasyDocument.write_pdf = timed("pdf: write", WeasyDocument.write_pdf)

    wsp = Workspace(ws)
    style = build.style_for(wsp)
    runs = []
    prof = None
    for i in range(docs):
        timings.clear()
        t = time.process_time()
        uy = load(wsp, 2024, ["lucheng"]).units["lucheng"]
        timings["load"] = time.process_time() - t
        doc, _ = build.document_for(wsp, uy)
        date = build.issue_date(uy)
        if profile and i == docs - 1:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        for fmt in ("docx", "pdf"):
            t = time.process_time()
            build.render_outputs(doc, style, wsp, (fmt,), date=date)
            timings[fmt] = time.process_time() - t
        if prof:
            prof.disable()
        runs.append(dict(timings))
    if prof:
        import io
        import pstats

        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue(), file=sys.stderr)
    print(json.dumps({"imports": imports, "runs": runs}))


def measure(ws: Path, runs: int, docs: int, env: dict | None = None, docx_proposal=False, profile=False):
    results = []
    for r in range(runs):
        cmd = [PYTHON, __file__, "--child", str(ws), "--docs", str(docs)]
        if docx_proposal:
            cmd.append("--docx-proposal")
        if profile and r == 0:
            cmd.append("--profile")
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=True)
        if profile and r == 0:
            print(proc.stderr)
        results.append(json.loads(proc.stdout))
    cold = {s: median([r["runs"][0].get(s, 0) for r in results]) for s in STAGES}
    warm = {s: median([x.get(s, 0) for r in results for x in r["runs"][2:]]) for s in STAGES}
    return median([r["imports"] for r in results]), cold, warm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--docs", type=int, default=12)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--child")
    ap.add_argument("--docx-proposal", action="store_true")
    args = ap.parse_args()
    if args.child:
        _child(Path(args.child), args.docs, args.docx_proposal, args.profile)
        return

    print(f"machine: {machine()}\nversions: {versions()}\n")
    with tempfile.TemporaryDirectory() as tmp:
        ws = make_workspace(Path(tmp), 1)
        imports, cold, warm = measure(ws, args.runs, args.docs, profile=args.profile)
        _, cold_off, warm_off = measure(ws, args.runs, args.docs, env={"REPORTGEN_WEASYPRINT_TUNING": "0"})
        _, cold_nc, warm_nc = measure(ws, args.runs, args.docs, env={"REPORTGEN_FONT_CACHE": "0"})
        _, cold_prop, warm_prop = measure(ws, args.runs, args.docs, docx_proposal=True)
    rows = [("imports (reportgen, pandas, WeasyPrint …)", f"{imports:.3f}", "—")]
    for s in STAGES:
        rows.append((s, f"{cold[s]:.3f}", f"{warm[s]:.3f}"))
        if s == "pdf: write":   # the rest of the PDF stage: font resolution and the coverage check
            rest = [d["pdf"] - d["pdf: html"] - d["pdf: layout"] - d["pdf: write"] for d in (cold, warm)]
            rows.append(("pdf: fonts (resolve, coverage check)", f"{rest[0]:.3f}", f"{rest[1]:.3f}"))
    total = sum(warm[s] for s in ("load", "derive", "render", "parse", "docx", "pdf"))
    rows.append(("one document, DOCX + PDF (sum of stages)",
                 f"{sum(cold[s] for s in ('load', 'derive', 'render', 'parse', 'docx', 'pdf')):.3f}", f"{total:.3f}"))
    rows.append(("pdf without weasyprint_tuning", f"{cold_off['pdf']:.3f}", f"{warm_off['pdf']:.3f}"))
    rows.append(("pdf: write without weasyprint_tuning", f"{cold_off['pdf: write']:.3f}", f"{warm_off['pdf: write']:.3f}"))
    rows.append(("pdf without the pre-subset faces (REPORTGEN_FONT_CACHE=0)", f"{cold_nc['pdf']:.3f}", f"{warm_nc['pdf']:.3f}"))
    rows.append(("pdf: write without the pre-subset faces", f"{cold_nc['pdf: write']:.3f}", f"{warm_nc['pdf: write']:.3f}"))
    rows.append(("docx with the proposed add_style change", f"{cold_prop['docx']:.3f}", f"{warm_prop['docx']:.3f}"))
    print(f"鹿城 sample report, CPU seconds per document (median of {args.runs} processes × {args.docs} documents)\n")
    print(table(rows, ("stage", "cold (s)", "warm (s)")))


if __name__ == "__main__":
    main()
