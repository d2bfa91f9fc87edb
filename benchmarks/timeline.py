"""Where the time of a `reportgen build --jobs N --force` goes, process by process.

Runs the build of an N-unit workspace (``common.make_workspace``) once, with

* the command started under a *child subreaper* (Linux ``prctl(PR_SET_CHILD_SUBREAPER)``): the
  fork server and its workers, which the command itself never waits for, are reaped here, so the
  whole run's CPU (user + system of every process) is known — ``time`` sees only the command's;
* a tracing ``sitecustomize`` on ``PYTHONPATH`` that stamps, in every process, the wall clock and
  the process's CPU at the command's phases (planning done, pool started, manifest), the fork
  server's preload done, and each worker's documents (``batch.run_task``).

It prints the whole run's wall and CPU, the command's and the fork server's share, each worker's
first document against its others, the CPU of the documents themselves, and what is left: the
batch's own cost.  Linux only.  One run: repeat it, or compare two checkouts with ``--repo``.

    .venv/bin/python benchmarks/timeline.py --units 100 [--jobs 2] [--repo PATH] [--format pdf]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, REPO, compile_sources, machine, make_workspace  # noqa: E402

TRACER = r'''
import os, sys, time, functools, importlib.abc, importlib.util
LOG = os.environ["TIMELINE_LOG"]

def log(event):
    with open(LOG, "a") as fh:
        fh.write(f"{time.time():.4f} {os.getpid()} {time.process_time():.4f} {event}\n")

log("start")

def patch(module):
    if module.__name__ == "reportgen.app.worker_preload":
        log("preloaded")
        return
    real = module.run_task
    @functools.wraps(real)         # pickled by its name, reportgen.app.batch.run_task
    def run_task(task, *a, **k):
        log("doc+")
        try:
            return real(task, *a, **k)
        finally:
            log("doc-")
    module.run_task = run_task
    for name in ("_run_pool", "merge_manifest", "_init_worker"):
        f = getattr(module, name)
        @functools.wraps(f)
        def wrap(*a, f=f, name=name, **k):
            log(name + "+")
            try:
                return f(*a, **k)
            finally:
                log(name + "-")
        setattr(module, name, wrap)

class Finder(importlib.abc.MetaPathFinder):
    NAMES = ("reportgen.app.batch", "reportgen.app.worker_preload")
    def find_spec(self, name, path, target=None):
        if name not in self.NAMES:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None:
            return None
        loader = spec.loader
        class Loader(importlib.abc.Loader):
            def create_module(self, spec):
                return loader.create_module(spec)
            def exec_module(self, module):
                loader.exec_module(module)
                patch(module)
        spec.loader = Loader()
        return spec

sys.meta_path.insert(0, Finder())
import atexit
atexit.register(lambda: log("exit"))
'''


def run(ws: Path, jobs: int, repo: Path | None, extra: list[str]) -> tuple[float, float, Path]:
    tracer = Path(tempfile.mkdtemp(prefix="timeline-"))
    (tracer / "sitecustomize.py").write_text(TRACER, "utf-8")
    log = tracer / "events.log"
    env = {**os.environ, "TIMELINE_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(tracer)] + ([str(repo)] if repo else []))}
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)          # PR_SET_CHILD_SUBREAPER: orphans come to us
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.chdir(tracer)             # not a checkout's folder: `python -m` puts the current folder first
        out = os.open(tracer / "build.log", os.O_WRONLY | os.O_CREAT, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.execve(PYTHON, [PYTHON, "-m", "reportgen", "-C", str(ws), "build", "2024", "--jobs", str(jobs),
                           "--force", *extra], env)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        print((tracer / "build.log").read_text("utf-8")[-3000:])
    while True:                                      # the fork server and anything else left
        try:
            os.wait()
        except ChildProcessError:
            break
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, log


def report(wall: float, cpu: float, log: Path, jobs: int) -> None:
    rows = [line.split(None, 3) for line in log.read_text().splitlines()]
    events = [(float(t), int(p), float(c), e) for t, p, c, e in rows]
    t0 = min(e[0] for e in events)
    procs: dict[int, list] = {}
    for e in events:
        procs.setdefault(e[1], []).append(e)
    main = events[0][1]
    server = next((p for p, es in procs.items() if any(e[3] == "preloaded" for e in es)), None)
    workers = {p: es for p, es in procs.items() if any(e[3] == "doc+" for e in es) and p != main}

    def at(pid, name):
        return next(((e[0] - t0, e[2]) for e in procs.get(pid, []) if e[3] == name), (float("nan"), float("nan")))

    print(f"whole run: wall {wall:.2f} s, CPU {cpu:.2f} s (user + system of every process); "
          f"{jobs} cores × wall − CPU = {jobs * wall - cpu:.2f} core-seconds not used by this run")
    last = procs[main][-1]
    print(f"command: pool started at {at(main, '_run_pool+')[0]:.2f} s (CPU {at(main, '_run_pool+')[1]:.2f} s), "
          f"pool done at {at(main, '_run_pool-')[0]:.2f} s, exit at {last[0] - t0:.2f} s; CPU {last[2]:.2f} s")
    if server:
        t, c = at(server, "preloaded")
        print(f"fork server: started at {procs[server][0][0] - t0:.2f} s, ready at {t:.2f} s (CPU {c:.2f} s)")
    doc_cpu = 0.0
    for pid, es in sorted(workers.items(), key=lambda kv: kv[1][0][0]):
        starts = [e for e in es if e[3] == "doc+"]
        ends = [e for e in es if e[3] == "doc-"]
        cpus = [b[2] - a[2] for a, b in zip(starts, ends)]
        doc_cpu += sum(cpus)
        rest = statistics.mean(cpus[1:]) if len(cpus) > 1 else float("nan")
        init = next((e for e in es if e[3] == "_init_worker+"), starts[0])
        print(f"worker {pid}: started at {init[0] - t0:.2f} s, {len(cpus)} documents, first from "
              f"{starts[0][0] - t0:.2f} s, last done at {ends[-1][0] - t0:.2f} s; CPU at its start "
              f"{init[2]:.3f} s, before the first document {starts[0][2]:.3f} s, first document "
              f"{cpus[0]:.3f} s, the others {rest:.3f} s each; CPU {es[-1][2]:.2f} s")
    n = sum(len([e for e in es if e[3] == "doc-"]) for es in workers.values())
    if n:
        print(f"documents: {n}, {doc_cpu:.2f} s CPU in batch.run_task ({doc_cpu / n:.3f} s each); "
              f"the rest of the run: {cpu - doc_cpu:.2f} s CPU")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repo", type=Path, default=None, help="run another checkout's reportgen (PYTHONPATH)")
    ap.add_argument("--workspace", type=Path, default=None, help="an existing workspace instead of a new one")
    ap.add_argument("--format", default=None, help="docx or pdf (default: both)")
    args = ap.parse_args()
    compile_sources()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        ws = args.workspace or make_workspace(Path(tmp), args.units)
        extra = ["--out", str(Path(tmp) / "out")] + (["--format", args.format] if args.format else [])
        wall, cpu, log = run(ws, args.jobs, args.repo, extra)
        report(wall, cpu, log, args.jobs)
    print(f"reportgen: {args.repo or REPO}")


if __name__ == "__main__":
    main()
