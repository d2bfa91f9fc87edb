"""Many documents in one run: the job list, sharding, a process pool, incremental builds, the
manifest and the summary.

A *job* is one (unit, format) pair of a report year (data/YEAR/).  ``--shard K/N`` keeps a deterministic
1/N of the jobs, so K = 1…N machines (Kubernetes indexed jobs, Slurm arrays, Airflow tasks) build
disjoint parts of the same year.  The jobs of one unit that a run keeps are built together (the
data are read and the document rendered once for both formats).

Each job has a *key*: the sha256 of everything its output depends on — the unit's data files,
units.yaml, the workspace settings, the effective style, the templates (workspace and built-in),
reportgen's version and code, the writer's library versions and, for the PDF, the font files.
A job whose key and output file match ``manifest.json`` is not rebuilt ("未变化，跳过") unless
``--force``.  The manifest (``<out>/manifest.json``) lists inputs and outputs with sha256 and size,
the versions and the font files used; it is deterministic (sorted keys, no wall-clock time) and
updated under a lock, so concurrent builds into one folder merge their entries.

With ``--jobs N`` (N > 1) the work runs in N worker processes forked from a fork server that imports
the pipeline, python-docx and WeasyPrint once (``worker_preload``; ``reportgen build`` starts it
before it imports anything heavy itself, ``workers``, so the two import and plan side by side); each worker keeps one FontConfiguration warm for all its documents and reads the units it
builds (the year's other units once, when a template compares units).  A failing unit
never stops the others; the run's exit status says whether any failed.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import hashlib
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

from .. import __version__
from ..pipeline import FORMATS, REVIEW_FILES, clean_stale_temp_files, output_datetime, safe_filename, style_for
from ..core.errors import Problem, ReportgenError
from ..core.i18n import _
from ..core.workspace import Workspace
from .workers import stop_fork_server, worker_context

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
FORMAT_LABEL = {"docx": "DOCX", "pdf": "PDF"}


# -- jobs and shards ------------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Job:
    unit: str
    format: str
    template: str = ""      # one of several documents of the unit (report.yaml documents:), "" = the only one


def doc_key(unit: str, template: str = "") -> str:
    """The manifest's key of a document: the unit, or unit/template when a unit makes several."""
    return f"{unit}/{template}" if template else unit


def shard_from_environment(env=None, count: int | None = None) -> tuple[int, int]:
    """``--shard auto``: this task's shard from the scheduler's environment.

    * Kubernetes Indexed Job: ``JOB_COMPLETION_INDEX`` (0-based) and the job's completions, which
      the pod does not see by itself: set ``REPORTGEN_SHARDS`` (or ``JOB_COMPLETIONS``) to
      ``.spec.completions`` in the pod template, or write ``--shard auto/N``;
    * Slurm job array: ``SLURM_ARRAY_TASK_ID`` and ``SLURM_ARRAY_TASK_COUNT`` (the ids counted
      from ``SLURM_ARRAY_TASK_MIN``, so ``--array=1-8`` and ``--array=0-7`` both work).
    """
    env = os.environ if env is None else env

    def number(name: str) -> int | None:
        value = (env.get(name) or "").strip()
        return int(value) if value.isdigit() else None

    hint = _("Kubernetes 索引任务：设置 REPORTGEN_SHARDS 为 completions，或写 --shard auto/N；"
             "Slurm 作业数组：sbatch --array=1-N（自动读取 SLURM_ARRAY_TASK_ID、SLURM_ARRAY_TASK_COUNT）")
    if number("SLURM_ARRAY_TASK_ID") is not None:
        task, n = number("SLURM_ARRAY_TASK_ID"), count or number("SLURM_ARRAY_TASK_COUNT")
        first = number("SLURM_ARRAY_TASK_MIN")
        first = first if first is not None else (1 if n and task == n else 0) if task else 0
        if not n:
            raise ReportgenError(Problem("--shard auto", _("有 SLURM_ARRAY_TASK_ID 但没有 SLURM_ARRAY_TASK_COUNT"), hint))
        k = task - first + 1
    elif number("JOB_COMPLETION_INDEX") is not None:
        k = number("JOB_COMPLETION_INDEX") + 1
        n = count or number("REPORTGEN_SHARDS") or number("JOB_COMPLETIONS")
        if not n:
            raise ReportgenError(Problem("--shard auto", _("有 JOB_COMPLETION_INDEX 但不知道任务总数（completions）"), hint))
    else:
        raise ReportgenError(Problem("--shard auto", _("环境中没有 JOB_COMPLETION_INDEX 或 SLURM_ARRAY_TASK_ID"), hint))
    if not 1 <= k <= n:
        raise ReportgenError(Problem("--shard auto", _("分片 {k}/{n} 超出范围").format(k=k, n=n), hint))
    return k, n


def parse_shard(text: str | None, env=None) -> tuple[int, int] | None:
    """``K/N`` → (K, N) with 1 ≤ K ≤ N; ``auto`` or ``auto/N`` from the scheduler's environment."""
    if text is None:
        return None
    if text.strip().lower().startswith("auto"):
        rest = text.strip()[4:]
        count = int(rest[1:]) if rest.startswith("/") and rest[1:].isdigit() and int(rest[1:]) > 0 else None
        if rest and count is None:
            raise ReportgenError(Problem("--shard", _("“{text}”不是有效的分片").format(text=text), _("写成 auto 或 auto/N")))
        return shard_from_environment(env, count)
    k, sep, n = text.partition("/")
    if sep and k.strip().isdigit() and n.strip().isdigit():
        k_i, n_i = int(k), int(n)
        if 1 <= k_i <= n_i:
            return k_i, n_i
    raise ReportgenError(Problem("--shard", _("“{text}”不是有效的分片").format(text=text),
                                 _("写成 K/N，1 ≤ K ≤ N，例如 --shard 1/4（Kubernetes 索引任务用 $((JOB_COMPLETION_INDEX+1))/N）")))


def discover_units(ws: Workspace, year: int, only: tuple[str, ...] = ()) -> list[str]:
    """The unit folders of data/YEAR (all of them, or the ones asked for), sorted."""
    from ..pipeline import load_year

    ydir = ws.year_dir(year)
    found = sorted(p.name for p in ydir.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if ydir.is_dir() else []
    if not found or any(u not in found for u in only):
        load_year(ws, year, list(only) or None)   # raises the reader's own message (missing folder, unit …)
        raise ReportgenError(Problem(ws.rel(ydir), _("{year}年的数据目录中没有单位子目录").format(year=year)))
    return [u for u in found if u in only] if only else found


FORMAT_COST = {"docx": 1.0, "pdf": 4.0}     # relative time of a format (benchmarks/README: PDF ≈ 4 × DOCX)


def plan_jobs(units: list[str], formats: tuple[str, ...], shard: tuple[int, int] | None = None,
              templates: dict[str, list[str]] | None = None,
              costs: dict[tuple[str, str], float] | None = None) -> list[Job]:
    """All (unit, format[, template]) jobs, or shard K of N of them, balanced by cost.

    A job's cost is its format's weight (``FORMAT_COST``) times the document's size factor
    (``costs``: from its report.yaml and template, see :func:`document_costs`; 1 when unknown).
    Jobs are taken from the costliest down and each goes to the shard with the least work so far
    (ties: the lowest K) — the classic longest-processing-time rule, within one job's cost of the
    best split.  The plan depends only on the sorted ids, formats and input sizes, never on the
    machine or the run, so N machines compute the same split and build disjoint parts.
    """
    templates = templates or {}
    costs = costs or {}
    jobs = [Job(u, f, t) for f in FORMATS if f in formats for u in sorted(units) for t in templates.get(u, [""])]
    if shard is None:
        return sorted(jobs)
    k, n = shard
    order = {f: i for i, f in enumerate(FORMATS)}
    ranked = sorted(jobs, key=lambda j: (-job_cost(j, costs), order[j.format], j.unit, j.template))
    load = [0.0] * n
    mine = []
    for job in ranked:
        target = min(range(n), key=lambda i: (load[i], i))
        load[target] += job_cost(job, costs)
        if target == k - 1:
            mine.append(job)
    return sorted(mine)


def job_cost(job: Job, costs: dict[tuple[str, str], float]) -> float:
    return FORMAT_COST.get(job.format, 1.0) * costs.get((job.unit, job.template), 1.0)


def document_costs(ws: Workspace, year: int, templates: dict[str, list[str]]) -> dict[tuple[str, str], float]:
    """A document's size factor for shard balancing: 1 + its report.yaml and template in units
    of 8 KB (a long narrative or template takes longer to lay out), rounded so that a stray
    byte does not move work between machines."""
    from ..render.jinja import builtin_templates_dir, template_file_name

    out = {}
    for unit, names in templates.items():
        try:
            report = (ws.year_dir(year) / unit / "report.yaml").stat().st_size
        except OSError:
            report = 0
        for name in names:
            size = 0
            if name:
                for folder in (ws.templates, builtin_templates_dir()):
                    path = folder / template_file_name(name)
                    if path.is_file():
                        size = path.stat().st_size
                        break
            out[(unit, name)] = round(1 + (report + size) / 8192, 1)
    return out


# -- fingerprints -----------------------------------------------------------------------------------
def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.lru_cache(maxsize=256)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def file_record(path: Path) -> dict:
    st = path.stat()
    return {"sha256": _file_hash(str(path), st.st_size, st.st_mtime_ns), "size": st.st_size}


def _font_record(path: Path) -> dict:
    """A font file's record, its hash remembered per machine (core.cache): the faces are large
    (20 MB) and never change between builds; a workspace font is hashed again when it changes."""
    from ..core.cache import stable_file_sha256

    return {"sha256": stable_file_sha256(path), "size": path.stat().st_size}


def _files_under(folder: Path) -> list[Path]:
    """Input files under a folder: hidden files and Office lock files (~$…) are not inputs."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.startswith((".", "~$")) for part in p.relative_to(folder).parts)
                  and p.suffix not in (".pyc",))


def _package_dir() -> Path:
    return Path(str(resources.files("reportgen")))


def code_digest() -> str:
    """sha256 over reportgen's own source: a changed program rebuilds even without a new version
    (``core.cache.source_digest``, once a process, shared with what the cache keys by it)."""
    from ..core.cache import source_digest

    return source_digest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "未安装"


def generator_versions() -> dict:
    return {"reportgen": __version__, "reportgen_code_sha256": code_digest(),
            "python-docx": _version("python-docx"), "weasyprint": _version("weasyprint"),
            "pydyf": _version("pydyf"), "fonttools": _version("fonttools"), "uharfbuzz": _version("uharfbuzz")}


def font_files(ws: Workspace, style) -> dict[str, dict]:
    """The font files the PDF uses (reportgen.fonts.resolve, plus the bold file of each family,
    which bold text and the 小标宋 stand-in use): path → sha256, size, roles."""
    from ..write.fonts import bold_files, latin_face, resolve, system_bold_faces

    out: dict[str, dict] = {}
    latin = latin_face(style)           # digits and Latin letters in the PDF
    if latin is not None:
        out[str(latin.path)] = {**_font_record(latin.path), "roles": ["latin"]}
        bold = system_bold_faces().get(latin.family)     # the file the PDF draws bold Latin with
        if bold and bold.path != latin.path:
            out[str(bold.path)] = {**_font_record(bold.path), "roles": ["latin（粗体）"]}
    resolved = sorted(resolve(style, ws.fonts).items())
    # the file fontconfig picks for each family's bold weight (fc-match, remembered per machine)
    bolds = bold_files(res.face.family for _, res in resolved if res.face is not None and not res.face.workspace)
    for role, res in resolved:
        if res.face is None:
            out.setdefault(f"（缺失）{role}", {"roles": []})["roles"].append(role)
            continue
        paths = [res.face.path]
        if not res.face.workspace:
            bold = bolds.get(res.face.family)
            if bold and Path(bold) != res.face.path:
                paths.append(Path(bold))
        for path in paths:
            label = ws.rel(path) if res.face.workspace else str(path)
            if label not in out:
                out[label] = {**_font_record(path), "roles": []}
            out[label]["roles"].append(role if path == res.face.path else f"{role}（粗体）")
    return out


@dataclass
class Fingerprint:
    """What every job of a run shares, hashed once per run."""

    ws: Workspace
    year: int
    formats: tuple[str, ...]
    inputs: dict[str, dict]            # workspace-level input files (relative label → record)
    generator: dict
    fonts: dict[str, dict]
    style_sha256: str
    source_date: str | None
    docx_fonts: bool = False           # the DOCX embeds stand-in faces (style.docx_embed_fonts)
    _peers: dict | None = field(default=None, repr=False, compare=False)
    _own: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, ws: Workspace, year: int, style, formats: tuple[str, ...]) -> "Fingerprint":
        inputs: dict[str, dict] = {}
        for path in (ws.data / "units.yaml", ws.root / "reportgen.yaml", ws.styles):
            if path.is_file():
                inputs[ws.rel(path)] = file_record(path)
        for path in _files_under(ws.templates):
            inputs[ws.rel(path)] = file_record(path)
        pkg = _package_dir()
        for label, sub in (("templates", "render/templates"), ("styles", "write/styles")):   # the built-in ones
            for path in _files_under(pkg / sub):
                inputs[f"<reportgen>/{label}/{path.relative_to(pkg / sub)}"] = file_record(path)
        stamp = output_datetime(None)
        return cls(ws, year, formats, inputs, generator_versions(),
                   font_files(ws, style) if "pdf" in formats or style.docx_embed_fonts else {},
                   _digest(style.model_dump_json().encode()), stamp.isoformat() if stamp else None,
                   style.docx_embed_fonts)

    def unit_inputs(self, unit: str, peers: bool = True) -> dict[str, dict]:
        """The files the document of ``unit`` is made from: what the reader says it reads for
        the unit-year (its folder, earlier years, the other units' data for ranks across units),
        and every file of the unit's own folder.  The unit's own files are listed and recorded once
        a run (``_own_records``): a document planned with its peers and built without them (no
        template compared units) is keyed again from the same records, not from a second listing."""
        out = dict(self._own_records(unit))
        if peers:                        # with the year's other units' data files, listed once a run
            for peer, records in self._peer_records().items():
                if peer != unit:
                    out.update(records)
        return out

    def _own_records(self, unit: str) -> dict[str, dict]:
        """The unit's own input files (its folder, what the reader reads for the unit-year) with
        their records, listed once per run and unit."""
        own = self._own.get(unit)
        if own is None:
            from ..read.files import own_inputs_of

            paths = set(_files_under(self.ws.year_dir(self.year) / unit))
            paths.update(own_inputs_of(self.ws, self.year, unit))
            own = self._own[unit] = {self.ws.rel(path): file_record(path) for path in sorted(paths)}
        return own

    def _peer_records(self) -> dict[str, dict[str, dict]]:
        """Each unit's data files as a peer (read.files.peer_inputs_of) with their records, once
        per run: a year of N units is listed and hashed in N steps, not N × N."""
        if self._peers is None:
            from ..read.files import peer_inputs_of

            self._peers = {unit: {self.ws.rel(p): file_record(p) for p in files}
                           for unit, files in peer_inputs_of(self.ws, self.year).items()}
        return self._peers

    def key(self, unit: str, fmt: str, unit_inputs: dict[str, dict], template: str = "") -> str:
        g = self.generator
        engine = {"docx": {"python-docx": g["python-docx"],
                           "fonts": self.fonts if self.docx_fonts else {}},   # the embedded subsets
                  "pdf": {"weasyprint": g["weasyprint"], "pydyf": g["pydyf"], "fonts": self.fonts,
                          "tuning": os.environ.get("REPORTGEN_WEASYPRINT_TUNING", "1"),
                          # the pre-subset faces (write/font_cache) are cut by HarfBuzz
                          "font_cache": [os.environ.get("REPORTGEN_FONT_CACHE", "1"), g.get("uharfbuzz")]}}[fmt]
        doc = {"unit": unit, "template": template, "year": self.year, "format": fmt, "inputs": self.inputs,
               "unit_inputs": unit_inputs, "style": self.style_sha256, "source_date": self.source_date,
               "reportgen": [g["reportgen"], g["reportgen_code_sha256"]], "engine": engine}
        return _digest(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode())


# -- the manifest -------------------------------------------------------------------------------------
def read_manifest(out_dir: Path) -> dict:
    try:
        data = json.loads((out_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("manifest_version") == MANIFEST_VERSION else {}


def dump_manifest(data: dict) -> bytes:
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


class _FolderLock:
    """An exclusive lock on the output folder: flock on the directory itself (no extra file) where
    there is fcntl; on Windows, msvcrt's lock on a hidden ``.reportgen.lock`` file in it (released
    by the system if the process dies); elsewhere that file created exclusively."""

    LOCK_NAME = ".reportgen.lock"
    STALE_SECONDS = 600

    def __init__(self, folder: Path):
        self.folder = folder
        self.kind = ""

    def __enter__(self):
        try:
            import fcntl                 # POSIX only: imported here, so that Windows can import batch
        except ImportError:
            return self._enter_portable()
        self.kind = "flock"
        self.fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except OSError:                  # no flock on this file system (some NFS/SMB mounts): the lock file
            os.close(self.fd)
            self.kind = ""
            return self._enter_portable()
        return self

    def _enter_portable(self):
        path = self.folder / self.LOCK_NAME
        try:
            import msvcrt
        except ImportError:
            msvcrt = None
        if msvcrt is not None:
            self.kind = "msvcrt"
            self.fh = open(path, "a+b")
            self.fh.seek(0)
            while True:
                try:
                    msvcrt.locking(self.fh.fileno(), msvcrt.LK_LOCK, 1)   # retries for ~10 s, then raises
                    return self
                except OSError:
                    continue
        self.kind = "file"
        while True:
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                return self
            except FileExistsError:
                try:
                    if time.time() - path.stat().st_mtime > self.STALE_SECONDS:   # left by a killed build
                        path.unlink()
                except FileNotFoundError:
                    pass
                time.sleep(0.05)

    def __exit__(self, *exc):
        if self.kind == "flock":
            import fcntl

            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
        elif self.kind == "msvcrt":
            import msvcrt

            self.fh.seek(0)
            msvcrt.locking(self.fh.fileno(), msvcrt.LK_UNLCK, 1)
            self.fh.close()
        else:
            try:
                (self.folder / self.LOCK_NAME).unlink()
            except FileNotFoundError:
                pass


def merge_manifest(out_dir: Path, fp: Fingerprint, outcomes: list["Outcome"]) -> bool:
    """Record this run's outputs in the manifest (read–merge–write under the folder lock).

    Entries of other units and formats (other shards, earlier runs) are kept while their file
    exists.  The file is rewritten only when its content changes; returns whether it was.
    """
    from ..pipeline import write_atomic

    if not out_dir.is_dir():
        return False
    with _FolderLock(out_dir):
        old = read_manifest(out_dir)
        docs: dict = json.loads(json.dumps(old.get("documents") or {}))
        for oc in outcomes:
            key = doc_key(oc.unit, oc.template)
            if oc.failed:           # the last build of this document failed: say so (old files stay)
                entry = docs.setdefault(key, {"outputs": {}})
                entry.update(unit=oc.unit, failed={"formats": sorted(oc.formats), "problems": oc.problems})
                if oc.template:
                    entry["template"] = oc.template
                continue
            if not oc.records:
                continue
            entry = docs.setdefault(key, {"outputs": {}})
            entry.pop("failed", None)
            if oc.title:
                entry.update(unit=oc.unit, name=oc.name, title=oc.title)
                if oc.template:
                    entry["template"] = oc.template
            entry["inputs"] = oc.inputs
            if oc.keys:                      # built now (not skipped): what it read
                entry["reads_peers"] = oc.reads_peers
            entry.setdefault("outputs", {}).update(oc.records)
            if oc.extra_records:
                entry["review_files"] = oc.extra_records
            elif oc.keys:                    # rebuilt without --review: its review files are gone or stale
                entry.pop("review_files", None)
        for unit in list(docs):
            outputs = docs[unit].get("outputs") or {}
            for fmt in list(outputs):
                if not (out_dir / outputs[fmt].get("path", "")).is_file():
                    del outputs[fmt]
            if not outputs and "failed" not in docs[unit]:
                del docs[unit]
        if not old and not any(oc.records for oc in outcomes):
            return False             # nothing built and no manifest yet: a failed first build writes nothing
        new = {"manifest_version": MANIFEST_VERSION, "year": fp.year, "generator": fp.generator,
               "fonts": fp.fonts if "pdf" in fp.formats else old.get("fonts", {}),
               "inputs": fp.inputs, "source_date_epoch": fp.source_date, "documents": docs}
        if new == old:
            return False
        try:
            write_atomic(out_dir / MANIFEST, dump_manifest(new))
        except ReportgenError as exc:
            raise ReportgenError([Problem(p.where, p.message + _("（manifest.json 未更新，文档已写出）"), p.hint)
                                  for p in exc.problems]) from None
        return True


def merge_manifests(paths: list[Path]) -> dict:
    """One manifest from the manifests of several shards (``reportgen manifest merge``).

    The shards must be of one year and one generator (same reportgen code, same libraries) and
    must have read the same workspace inputs; their documents are united.  A document in two
    shards with different outputs, or anything else that does not agree, is an error naming
    both files — never a silent choice."""
    problems: list[Problem] = []
    merged: dict = {}
    origin: dict[str, str] = {}
    for path in paths:
        shown = str(path)
        try:
            data = json.loads(Path(path).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(Problem(shown, _("无法读取清单：{reason}").format(reason=getattr(exc, "strerror", None) or exc)))
            continue
        if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
            problems.append(Problem(shown, _("不是 reportgen 的 manifest.json（或版本不同）")))
            continue
        if not merged:
            merged = {k: v for k, v in data.items() if k != "documents"}
            merged["documents"] = {}
            first = shown
        else:
            for key in ("year", "generator", "inputs", "source_date_epoch"):
                if data.get(key) != merged.get(key):
                    problems.append(Problem(shown, _("与 {first} 的 {key} 不同，不能合并").format(first=first, key=key),
                                            _("各分片须用同一版本的 reportgen、同一份工作区生成")))
            fonts = dict(merged.get("fonts") or {})
            for label, rec in (data.get("fonts") or {}).items():
                if label in fonts and fonts[label] != rec:
                    problems.append(Problem(shown, _("字体 {font} 与 {first} 中的不同").format(font=label, first=first)))
                fonts.setdefault(label, rec)
            merged["fonts"] = fonts
        for key, entry in (data.get("documents") or {}).items():
            have = merged["documents"].get(key)
            if have is not None and have.get("outputs") and entry.get("outputs") and have["outputs"] != entry["outputs"]:
                problems.append(Problem(shown, _("文档 {doc} 在 {other} 中也有，输出不同").format(doc=key, other=origin[key]),
                                        _("每个文档只应由一个分片生成：检查各分片的 --shard 是否为同一个 N")))
                continue
            if have is None or (entry.get("outputs") and not have.get("outputs")):
                merged["documents"][key] = entry
                origin[key] = shown
    if problems:
        raise ReportgenError(problems)
    if not merged:
        raise ReportgenError(Problem("manifest merge", _("没有可合并的清单")))
    return merged


# -- one task: the jobs of one unit ---------------------------------------------------------------
@dataclass
class Task:
    root: str
    year: int
    unit: str
    formats: tuple[str, ...]
    keys: dict[str, str]
    out_dir: str
    profiles: tuple[str, ...]
    debug: bool = False
    run_id: str = ""                     # what a process may keep between the tasks of one run
    read_year: bool = False              # several units: their peers read once per process
    template: str = ""                   # which of the unit's documents ("" = the only one)
    review: bool = False                 # also the 核对稿 and the sources table
    draft: bool = False                  # missing figures become 【待填】 marks instead of stopping
    typed_figures: str = "error"         # a typed number the sheet contradicts: error / warn


@dataclass
class Outcome:
    unit: str
    formats: tuple[str, ...]
    template: str = ""                   # which of the unit's documents ("" = the only one)
    name: str = ""                       # the unit's full name (全称), when known
    title: str | None = None             # the document's title, when it got that far
    records: dict[str, dict] = field(default_factory=dict)   # format → manifest record
    skipped: tuple[str, ...] = ()
    inputs: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    draft: bool = False                  # a draft (build --draft): its files end in （草稿）
    pending: list[str] = field(default_factory=list)   # the draft's missing figures (cell：indicator)
    warnings: list[str] = field(default_factory=list)     # what the layout could not do (title breaks)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    worker: int = 0                      # pid of the process that built it
    rss_kb: int = 0                      # that process's memory after it (resident, and peak so far)
    peak_rss_kb: int = 0
    extras: dict[str, str] = field(default_factory=dict)   # 核对稿, 来源表: kind → file name
    extra_records: dict[str, dict] = field(default_factory=dict)   # kind → {path, sha256} for the manifest
    reads_peers: bool = True             # the document read other units' data (ranks, shares)
    data: dict[str, bytes] = field(default_factory=dict, repr=False)   # rendered, not yet written
    keys: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def failed(self) -> bool:
        return bool(self.problems)


@functools.lru_cache(maxsize=1)
def _style(root: str, profiles: tuple[str, ...], run_id: str):
    return style_for(Workspace(Path(root)), profiles)


def run_task(task: Task, side=None) -> Outcome:
    """Load, render and write one unit's documents; every failure becomes the outcome's problems.

    ``side`` (``pdf_side.PdfSide``): the process that writes the PDF while this one writes the DOCX."""
    from ..pipeline import documents, issue_date, layout_warnings, load_year, render_outputs, review_outputs

    started = time.perf_counter()
    oc = Outcome(task.unit, task.formats, template=task.template)
    ws = Workspace(Path(task.root))
    t = time.perf_counter()
    uy = None
    try:
        style = _style(task.root, task.profiles, task.run_id)
        data = load_year(ws, task.year, [task.unit])       # this unit only: peers when a template asks
        uy = data.units[task.unit]
        if task.read_year:
            uy.peers = _shared_peers(uy, task.root, task.run_id)
        oc.warnings = [str(w) for w in data.warnings if f"/{task.unit}/" in w.where]
        oc.name = uy.unit.name
        oc.stages["load"] = time.perf_counter() - t
        t = time.perf_counter()
        this = next(documents(ws, task.year, [task.unit], [task.template], dataset=data, draft=task.draft,
                              typed_figures=task.typed_figures))
        oc.warnings += [str(w) for w in this.warnings]
        if this.document is None:
            raise ReportgenError(this.problems)
        doc, source = this.document, this.source
        oc.title = doc.title
        oc.warnings += layout_warnings(doc, style)
        oc.stages["document"] = time.perf_counter() - t
        data = {}
        if side is not None and "pdf" in task.formats:
            side.submit(doc, style, task.root, issue_date(uy))
        for fmt in task.formats:            # one writer at a time, to time each
            t = time.perf_counter()
            if fmt == "pdf" and side is not None:
                pdf = side.result()         # None: not made there (a problem is found again here)
                if pdf is not None:
                    data["pdf"], oc.stages[fmt] = pdf, side.seconds
                    continue
            data.update(render_outputs(doc, style, ws, (fmt,), date=issue_date(uy)))
            oc.stages[fmt] = time.perf_counter() - t
        if task.review:
            t = time.perf_counter()
            data.update(review_outputs(doc, style, ws, issue_date(uy), data.get("pdf")))
            oc.stages["review"] = time.perf_counter() - t
        oc.data, oc.keys = data, dict(task.keys)   # written by the run (commit_outcome): names checked first
        oc.reads_peers = bool(getattr(uy.peers, "were_read", True))   # did a template compare units?
        oc.draft, oc.pending = doc.draft, list(doc.pending)
    except ReportgenError as exc:
        oc.problems = [str(p) for p in exc.problems]
    except Exception as exc:  # a bug of ours: the other units go on; the traceback with --debug
        detail = traceback.format_exc() if task.debug else _("加 --debug 重新运行可看到详细信息，请把它报告给维护者。")
        oc.problems = [_("内部错误：{error}").format(error=f"{type(exc).__name__}: {exc}") + f"\n    {detail}"]
    finally:
        if uy is not None:
            from ..derive.figures import release

            release(uy)
    oc.seconds = time.perf_counter() - started
    oc.worker, (oc.rss_kb, oc.peak_rss_kb) = os.getpid(), _memory_kb()
    return oc


def review_file_records(documents: dict) -> dict[str, str]:
    """File name → sha256 of every 核对稿 and 来源表 the manifest's documents record."""
    recorded = {}
    for entry in documents.values():
        for rec in (entry.get("review_files") or {}).values():
            recorded[rec.get("path")] = rec.get("sha256")
    return recorded


def _drop_stale_review_files(oc: Outcome, out_dir: Path, stem: str, recorded: dict[str, str] | None = None) -> None:
    """A rebuilt document's old 核对稿 and 来源表 no longer match its inputs: remove them — but
    only the bytes this tool wrote (their sha256 is in the manifest; ``recorded``, read once a
    run, or the manifest now). A copy a reviewer opened and saved (comments answered in
    Word/WPS), or a file of the user's that happens to bear the name, is kept, with a warning
    that it is out of date."""
    if recorded is None:
        recorded = review_file_records(read_manifest(out_dir).get("documents") or {})
    for suffix in REVIEW_FILES.values():
        stale = out_dir / (stem + suffix)
        if not stale.is_file() or stale.is_symlink():
            continue
        try:
            ours = recorded.get(stale.name) == hashlib.sha256(stale.read_bytes()).hexdigest()
        except OSError:
            ours = False
        if ours:
            stale.unlink()
        else:
            oc.warnings.append(str(Problem(str(stale), _("与重新生成的文档不再一致（输入已变），且不是 reportgen 写出的原样文件，未删除"),
                                           _("核对完后自行删除，或用 build --review 重新生成核对稿"))))


def commit_outcome(oc: Outcome, out_dir: Path, claimed: dict[str, str], recorded: dict[str, str] | None = None) -> None:
    """Write a built document's files — all or none — after checking their names.

    ``claimed`` maps each file name written by this run (or recorded in the manifest for another
    document whose file still exists) to that document's key: a second document wanting the same
    name fails, naming both, and writes nothing.  OS errors (read-only folder, full disk, a name
    too long, a folder in the way) become the document's problems with the path and a hint.
    ``recorded``: the review files the manifest records (``review_file_records``), read once a run.
    """
    from ..pipeline import output_paths, write_together

    data, oc.data = oc.data, {}
    if oc.failed or not data:
        return
    me = doc_key(oc.unit, oc.template)
    t = time.perf_counter()
    # a draft's files say so in their name: …（草稿）.docx never passes for the final one
    name = (oc.title or "") + ("（草稿）" if oc.draft else "")
    files = output_paths(name, data, out_dir)
    for fmt, path in files.items():
        other = claimed.get(path.name)
        if other is not None and other != me:
            oc.problems.append(str(Problem(str(path), _("文档“{me}”与文档“{other}”的输出同名（标题相同），未写入").format(me=me, other=other),
                                           _("在 report.yaml 中用 title 给两份文档不同的标题"))))
    if oc.problems:
        return
    try:
        write_together({path: data[fmt] for fmt, path in files.items()})
    except ReportgenError as exc:
        oc.problems = [str(p) for p in exc.problems]
        return
    if "review" not in data:   # a review copy made from earlier inputs would no longer match
        _drop_stale_review_files(oc, out_dir, safe_filename(name), recorded)
    for fmt, path in files.items():
        claimed[path.name] = me
        if fmt not in oc.keys:
            oc.extras[fmt] = path.name
            oc.extra_records[fmt] = {"path": path.name, "sha256": hashlib.sha256(data[fmt]).hexdigest()}
            continue
        oc.records[fmt] = {"path": path.name, "sha256": hashlib.sha256(data[fmt]).hexdigest(),
                           "size": len(data[fmt]), "key": oc.keys[fmt]}
        if oc.draft:
            oc.records[fmt].update(draft=True, pending=list(oc.pending))
    oc.stages["write"] = time.perf_counter() - t


def _memory_kb() -> tuple[int, int]:
    """(resident now, peak) of this process in KiB (0, 0 where there is no ``resource``: Windows)."""
    try:
        import resource
    except ImportError:
        return 0, 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024, peak
    except (OSError, ValueError, IndexError):
        return peak, peak


def _shared_peers(uy, root: str, run_id: str):
    """The unit's peers (the year's other units, for ranks and shares across units), read on first
    use and then once per process and run for all the units it builds: a template that never
    compares units reads nothing more than its unit."""
    from ..read.load import LazyUnits

    unit = uy.unit.id
    return LazyUnits({unit: uy}, lambda: {k: v for k, v in _year_peers(root, uy.report_year, run_id).items() if k != unit})


@functools.lru_cache(maxsize=1)
def _year_peers(root: str, year: int, run_id: str):
    from ..read.load import year_peers

    return year_peers(Workspace(Path(root)), year)


def _die_with_parent() -> None:
    """End this worker when its parent (the run's process, or the fork server, which itself ends
    with the run's process) ends, however it ends: see ``worker_tie``."""
    from .worker_tie import tie_to_parent

    tie_to_parent()


def _init_worker(need_pdf: bool, tie: bool = False) -> None:
    """A worker's start: tie it to its parent, leave Ctrl-C to the parent (which stops the
    workers itself), import WeasyPrint and make the FontConfiguration it keeps for all its documents."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if tie:
        _die_with_parent()
    if need_pdf:
        from ..write.pdf import _font_config, own_font_folder

        if _font_config.cache_info().currsize:   # made in the fork server: faces this worker adds go to its own folder
            own_font_folder()
        else:
            _font_config()


# -- the run --------------------------------------------------------------------------------------------
@dataclass
class RunResult:
    outcomes: list[Outcome]
    seconds: float
    out_dir: Path
    manifest_written: bool
    jobs: int
    interrupted: list[Outcome] = field(default_factory=list)   # Ctrl-C: documents not finished
    shard: tuple[int, int] | None = None
    year: int = 0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def exit_code(self) -> int:
        from ..core.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL

        if self.interrupted:
            return EXIT_INTERRUPTED
        if not self.failed:
            return EXIT_OK
        return EXIT_PARTIAL if any(not o.failed for o in self.outcomes) else EXIT_INPUT


class Interrupted(Exception):
    """Ctrl-C (SIGINT) or SIGTERM during a run; carries what finished."""

    def __init__(self, result: RunResult):
        super().__init__("interrupted")
        self.result = result


def run(ws: Workspace, year: int, *, formats: tuple[str, ...] = FORMATS, units: tuple[str, ...] = (),
        jobs: int = 1, shard: tuple[int, int] | None = None, force: bool = False,
        out_dir: Path | None = None, profiles: tuple[str, ...] = (), debug: bool = False,
        on_outcome=None, on_start=None, review: bool = False, draft: bool = False,
        typed_figures: str = "error", pdf_side: bool = False) -> RunResult:
    """Build the selected documents of the report of year ``year``; see the module's docstring.

    ``pdf_side``: a run of one document may write its PDF in a second process beside the DOCX
    (``pdf_side``; what ``reportgen build`` does unless ``--jobs 1`` is given)."""
    started = time.perf_counter()
    if jobs > 1:          # the workers' fork server imports while this process plans the jobs
        ctx = worker_context("pdf" in formats, str(ws.root), tuple(profiles), year=year,
                             unit=units[0] if units else None)
    out_dir = (Path(out_dir) if out_dir else ws.output / str(year)).absolute()
    style = style_for(ws, profiles)                      # a bad style or profile stops the run here
    from ..pipeline import document_templates

    found = discover_units(ws, year, units)
    planned = {u: document_templates(ws, u, year) for u in found}
    selected = plan_jobs(found, formats, shard, planned, document_costs(ws, year, planned) if shard else None)
    fp = Fingerprint.of(ws, year, style, formats)
    preflight(out_dir)
    clean_stale_temp_files(out_dir)
    manifest = read_manifest(out_dir).get("documents", {})

    tasks: list[Task] = []
    skipped: list[Outcome] = []
    by_doc: dict[tuple[str, str], list[str]] = {}
    inputs_cache: dict[tuple[str, bool], dict] = {}

    def inputs_of(unit: str, peers: bool = True) -> dict:
        if (unit, peers) not in inputs_cache:
            inputs_cache[(unit, peers)] = fp.unit_inputs(unit, peers)
        return inputs_cache[(unit, peers)]

    def key_of(unit: str, fmt: str, inputs: dict, template: str) -> str:
        key = fp.key(unit, fmt, inputs, template)
        # a draft is another output: a later final build must not take it as up to date
        return _digest(f"{key}\0draft".encode()) if draft else key

    names = _unit_names(ws)
    for job in selected:
        by_doc.setdefault((job.unit, job.template), []).append(job.format)
    for (unit, template), fmts in by_doc.items():
        entry = manifest.get(doc_key(unit, template)) or {}
        # A document whose last build read no other unit (no rank or share across units) depends
        # on its own unit's files only: another unit's edit does not rebuild it.
        inputs = inputs_of(unit, bool(entry.get("reads_peers", True)))
        keys = {f: key_of(unit, f, inputs, template) for f in fmts}
        fresh = [] if force or review else [f for f in fmts if _unchanged(out_dir, (entry.get("outputs") or {}).get(f), keys[f])]
        if fresh:
            skipped.append(Outcome(unit, tuple(fresh), template, name=names.get(unit, ""), title=entry.get("title"),
                                   records={f: entry["outputs"][f] for f in fresh}, skipped=tuple(fresh),
                                   inputs=inputs))
        todo = tuple(f for f in FORMATS if f in fmts and f not in fresh)
        if todo:
            tasks.append(Task(str(ws.root), year, unit, todo, {f: keys[f] for f in todo}, str(out_dir),
                              tuple(profiles), debug, template=template, review=review, draft=draft,
                              typed_figures=typed_figures))

    if jobs > 1 and len(tasks) <= 1:      # all up to date, or one document (built here, its PDF by a
        stop_fork_server()                # side process forked from here): no worker will be forked
    run_id = f"{os.getpid()}-{time.time_ns()}"
    for task in tasks:
        task.run_id, task.read_year = run_id, len(tasks) > 1
    total = sum(len(o.skipped) for o in skipped) + sum(len(t.formats) for t in tasks)
    if on_start:
        on_start(total)
    outcomes: list[Outcome] = []

    claimed = _claimed_names(out_dir, manifest)
    recorded = review_file_records(manifest)      # read once a run, not once a document

    def done(oc: Outcome) -> None:
        if oc.keys and not oc.failed:     # built: keyed by what this build really read
            oc.inputs = inputs_of(oc.unit, oc.reads_peers)
            oc.keys = {f: key_of(oc.unit, f, oc.inputs, oc.template) for f in oc.keys}
        elif not oc.inputs:
            oc.inputs = inputs_of(oc.unit)
        oc.name = oc.name or names.get(oc.unit, "")
        commit_outcome(oc, out_dir, claimed, recorded)
        outcomes.append(oc)
        if on_outcome:
            on_outcome(oc, out_dir)

    for oc in skipped:
        done(oc)
    workers = max(1, min(jobs, len(tasks)))
    finished: set[int] = set()
    side = None
    if pdf_side and len(tasks) == 1 and "pdf" in tasks[0].formats and not review:
        from .pdf_side import PdfSide

        side = PdfSide.start(style, str(ws.root))
    try:
        with _terminate_as_interrupt():
            if workers == 1:
                for i, task in enumerate(tasks):
                    done(run_task(task, side))
                    finished.add(i)
            else:
                _run_pool(ctx, tasks, workers, done, finished)
    except KeyboardInterrupt:
        # Stop at once: the workers are gone, nothing more is written (they never write; the
        # document being committed was written whole or rolled back); record what finished.
        if side is not None:
            side.kill()
        left = [Outcome(t.unit, t.formats, t.template, name=names.get(t.unit, ""),
                        problems=[_("已中断：该文档未生成（原有文件保持不变）")])
                for i, t in enumerate(tasks) if i not in finished]
        try:
            written = merge_manifest(out_dir, fp, outcomes)
        except ReportgenError:
            written = False
        outcomes.sort(key=lambda o: (o.unit, o.template, o.formats))
        result = RunResult(outcomes, time.perf_counter() - started, out_dir, written, workers, left, shard, year)
        write_run_record(result)
        raise Interrupted(result) from None
    finally:
        if side is not None:
            side.close()
    written = merge_manifest(out_dir, fp, outcomes)
    outcomes.sort(key=lambda o: (o.unit, o.template, o.formats))
    processes = workers + (side is not None and side.used)
    result = RunResult(outcomes, time.perf_counter() - started, out_dir, written, processes, [], shard, year)
    write_run_record(result)
    return result


WORKER_TASKS = 1000     # documents a worker builds before a fresh fork replaces it (a guard; see _run_pool)


def _run_pool(ctx, tasks: list[Task], workers: int, done, finished: set[int]) -> None:
    """The tasks in rounds of ``WORKER_TASKS`` per worker, each round in a new pool forked from
    the warm fork server.  A worker's memory is flat once WeasyPrint's per-layout leak is stopped
    (``write.weasyprint_memory``: 175–176 MB from its 50th to its 250th document, as with
    replacement after 100); the replacement stays as a guard against growth in documents not
    measured, rare enough to cost little (each costs ≈0.5 s CPU: a first document's warm-up and
    a round's tail; benchmarks/README.md).  (Not the executor's ``max_tasks_per_child``: on Python 3.11–3.13 it can stop
    scheduling, CPython gh-115634.)"""
    size = workers * WORKER_TASKS
    for start in range(0, len(tasks), size):
        _run_round(ctx, tasks, range(start, min(start + size, len(tasks))), workers, done, finished)


def _run_round(ctx, tasks: list[Task], indices: range, workers: int, done, finished: set[int]) -> None:
    need_pdf = any("pdf" in t.formats for t in tasks)
    pool = cf.ProcessPoolExecutor(min(workers, len(indices)), mp_context=ctx, initializer=_init_worker,
                                  initargs=(need_pdf, True))
    try:
        futures = {pool.submit(run_task, tasks[i]): i for i in indices}
        for fut in cf.as_completed(futures):
            i = futures[fut]
            task = tasks[i]
            try:
                oc = fut.result()
            except Exception as exc:  # the worker died (killed, out of memory …)
                oc = Outcome(task.unit, task.formats, task.template,
                             problems=[_("工作进程意外退出（{error}），该单位未生成").format(error=type(exc).__name__)
                                       + "\n    " + _("提示：") + _("检查内存是否不足，或减少 --jobs 后重新运行")])
            done(oc)
            finished.add(i)
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):   # no waiting for running documents
            try:
                proc.kill()
            except (OSError, AttributeError):
                pass
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM (a scheduler stopping the job) handled as Ctrl-C: stop, record what finished."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


# -- the run record (run.json) ---------------------------------------------------------------------
RUN_RECORD_VERSION = 1


def run_record_name(shard: tuple[int, int] | None) -> str:
    return f"run-{shard[0]}-of-{shard[1]}.json" if shard else "run.json"


def run_record(result: RunResult) -> dict:
    """What a pipeline reads: each document's status, reason, timings and paths, and the exit code."""
    docs = []
    for oc in [*result.outcomes, *result.interrupted]:
        status = ("interrupted" if oc in result.interrupted else "failed" if oc.failed
                  else "unchanged" if oc.skipped and not set(oc.records) - set(oc.skipped) else "built")
        docs.append({"unit": oc.unit, "template": oc.template, "title": oc.title, "formats": list(oc.formats),
                     "status": status, "reasons": list(oc.problems), "warnings": list(getattr(oc, "warnings", []) or []),
                     "seconds": round(oc.seconds, 3), "stages": {k: round(v, 3) for k, v in oc.stages.items()},
                     "paths": {f: str(result.out_dir / r["path"]) for f, r in sorted(oc.records.items())},
                     "extras": {k: str(result.out_dir / v) for k, v in sorted(oc.extras.items())}})
    docs.sort(key=lambda d: (d["unit"], d["template"], d["formats"]))
    counts: dict[str, int] = {}
    for d in docs:
        counts[d["status"]] = counts.get(d["status"], 0) + 1
    return {"run_record_version": RUN_RECORD_VERSION, "year": result.year,
            "shard": list(result.shard) if result.shard else None, "exit_code": result.exit_code,
            "status": {0: "ok", 1: "failed", 3: "partial", 130: "interrupted"}.get(result.exit_code, "failed"),
            "counts": counts, "seconds": round(result.seconds, 3), "jobs": result.jobs,
            "manifest": str(result.out_dir / MANIFEST), "documents": docs}


def write_run_record(result: RunResult) -> None:
    from ..pipeline import write_atomic

    try:
        write_atomic(result.out_dir / run_record_name(result.shard),
                     (json.dumps(run_record(result), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    except ReportgenError:
        pass              # the run's own messages already name a folder that cannot be written


def preflight(out_dir: Path) -> None:
    """Before anything is built: the output folder exists (or is made), can be written, and its
    manifest.json, if any, is a file — each failure named with its path and a hint."""
    import tempfile

    from ..pipeline import os_problem

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".reportgen-probe~", suffix=".part", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ReportgenError(os_problem(exc, out_dir)) from None
    manifest = out_dir / MANIFEST
    if (manifest.exists() or manifest.is_symlink()) and not manifest.is_file():
        raise ReportgenError(Problem(str(manifest), _("manifest.json 应为文件，这里却是文件夹或失效的链接"),
                                     _("把它改名或移走；reportgen 会重新写出 manifest.json")))


def _claimed_names(out_dir: Path, manifest: dict) -> dict[str, str]:
    """File name → document key for every output the manifest records and that still exists."""
    out: dict[str, str] = {}
    for key, entry in sorted(manifest.items()):
        for rec in (entry.get("outputs") or {}).values():
            name = rec.get("path", "")
            if name and (out_dir / name).is_file():
                out.setdefault(name, key)
    return out


def _unit_names(ws: Workspace) -> dict[str, str]:
    """Unit id → full name, for messages: units.yaml's ``name:`` entries as written, read without
    the reader (its problems are the reader's to report, in the build of each unit)."""
    import yaml

    from ..core import yamlio

    try:
        data = yamlio.load(ws.read_text(ws.data / "units.yaml"))
    except (OSError, ReportgenError, yaml.YAMLError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(uid): info["name"].strip() for uid, info in data.items()
            if isinstance(info, dict) and isinstance(info.get("name"), str) and info["name"].strip()}


def _unchanged(out_dir: Path, record: dict | None, key: str) -> bool:
    if not record or record.get("key") != key:
        return False
    path = out_dir / record.get("path", "")
    try:
        return path.is_file() and file_record(path) == {"sha256": record.get("sha256"), "size": record.get("size")}
    except OSError:
        return False


# -- what the user sees -----------------------------------------------------------------------------
def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _truncate(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    while _width(text) > width - 1:
        text = text[:-1]
    return text + "…"


def _kb(size: int) -> str:
    return f"{size / 1024:.0f} KB"


def unit_label(oc: Outcome) -> str:
    return f"{oc.name}（{oc.unit}）" if oc.name else oc.unit


def document_label(oc: Outcome) -> str:
    fmts = _("、").join(FORMAT_LABEL[f] for f in oc.formats)
    if oc.title:
        return f"《{oc.title}》{fmts}"
    if oc.template:
        return _("模板 {template} 的{formats}（文档未能生成）").format(template=oc.template, formats=fmts)
    return _("{formats}（文档未能生成）").format(formats=fmts)


def failure_text(oc: Outcome, seen: dict | None = None) -> str:
    """The failure of one document; with ``seen``, a unit's problem already reported for another
    of its documents (bad data fails them all alike) is not repeated."""
    if seen is not None:
        key = (oc.unit, tuple(str(p) for p in oc.problems))
        if key in seen:
            return _("失败：{unit} {document}：原因同上。").format(unit=unit_label(oc), document=document_label(oc))
        seen[key] = True
    n = len(oc.problems)
    head = _("失败：{unit} {document}：").format(unit=unit_label(oc), document=document_label(oc))
    head += _("发现 {n} 个问题，该文档未写出任何文件。").format(n=n) if n > 1 else _("该文档未写出任何文件。")
    return "\n".join([head] + [f"  {p}" for p in oc.problems])


def outcome_lines(oc: Outcome, out_dir: Path) -> list[str]:
    """One plain line per document (format) of an outcome."""
    if oc.failed:
        return []
    lines = [_("警告：{unit} {document}：{warning}").format(unit=unit_label(oc), document=document_label(oc), warning=w)
             for w in oc.warnings]
    for fmt in FORMATS:
        rec = oc.records.get(fmt)
        if rec is None:
            continue
        path = out_dir / rec["path"]
        if fmt in oc.skipped:
            lines.append(_("未变化，跳过 {path}").format(path=path))
        elif rec.get("draft"):
            lines.append(_("已生成草稿 {path}（{size}；{n} 个数据待填）").format(
                path=path, size=_kb(rec["size"]), n=len(rec.get("pending") or ())))
        else:
            lines.append(_("已生成 {path}（{size}）").format(path=path, size=_kb(rec["size"])))
    for name in oc.extras.values():
        lines.append(_("已生成 {path}").format(path=out_dir / name))
    return lines


def summary_table(result: RunResult) -> str:
    rows = [(_("单位"), _("文档"), "DOCX", "PDF", _("用时"))]
    by_unit: dict[tuple[str, str], list[Outcome]] = {}
    for oc in result.outcomes:
        by_unit.setdefault((oc.unit, oc.template), []).append(oc)
    n_built = n_skipped = n_failed = 0
    for (unit, _template), ocs in sorted(by_unit.items()):
        name = next((o.name for o in ocs if o.name), "")
        title = next((o.title for o in ocs if o.title), _template or "—")
        cells = {}
        for oc in ocs:
            for fmt in oc.formats:
                if oc.failed:
                    cells[fmt] = _("失败")
                    n_failed += 1
                elif fmt in oc.skipped:
                    cells[fmt] = _("未变化")
                    n_skipped += 1
                elif fmt in oc.records:
                    cells[fmt] = _kb(oc.records[fmt]["size"])
                    n_built += 1
        seconds = sum(o.seconds for o in ocs if not o.skipped)
        label = f"{name}（{unit}）" if name else unit
        title = _truncate(title, 60)
        rows.append((label, title, cells.get("docx", "—"), cells.get("pdf", "—"),
                     _("{seconds} 秒").format(seconds=f"{seconds:.1f}") if seconds else "—"))
    widths = [max(_width(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("─" * w for w in widths))
    files = n_built + n_skipped + n_failed
    rate = _("，{rate} 个文件/秒").format(rate=f"{n_built / result.seconds:.1f}") if n_built and result.seconds else ""
    lines.append(_("共 {docs} 份文档（{files} 个文件）：生成 {built} 个，未变化跳过 {skipped} 个，失败 {failed} 个；"
                   "{jobs} 个进程，用时 {seconds} 秒{rate}。").format(
        docs=len(by_unit), files=files, built=n_built, skipped=n_skipped, failed=n_failed, jobs=result.jobs,
        seconds=f"{result.seconds:.1f}", rate=rate))
    return "\n".join(lines)


def run_cli(ws: Workspace, year: int, *, formats, units, jobs, shard, force, out_dir, profiles, debug,
            review: bool = False, as_json: bool = False, draft: bool = False, typed_figures: str = "error",
            pdf_side: bool = False) -> int:
    """``reportgen build``: progress bar on a terminal, one line per document otherwise, failures
    as they happen (stderr), the summary table at the end; returns the exit status."""
    import click
    import gc

    bar = None
    tty = sys.stderr.isatty()
    seen: dict = {}

    def on_start(total: int) -> None:
        nonlocal bar
        if tty and total:
            bar = click.progressbar(length=total, label=_("生成文档"), file=sys.stderr, show_pos=True,
                                    show_eta=True, width=30)
            bar.__enter__()

    def on_outcome(oc: Outcome, folder: Path) -> None:
        if not gc.isenabled():      # ``reportgen build`` starts without the collector: back on now,
            gc.freeze()             # the start-up's objects out of its sight
            gc.enable()
        if oc.failed:
            if bar:
                click.echo("", err=True)
            click.secho(failure_text(oc, seen), fg="red", err=True)
        elif not bar:
            for line in outcome_lines(oc, folder):
                click.echo(line, err=as_json)
        if bar:
            bar.update(len(oc.formats))

    human = sys.stderr if as_json else None       # --json: stdout carries the run record only
    if as_json:
        _echo = click.echo

        def echo_err(message=None, *a, **k):
            k["err"] = True
            return _echo(message, *a, **k)
        click_echo = echo_err
    else:
        click_echo = click.echo
    interrupted = None
    try:
        result = run(ws, year, formats=formats, units=units, jobs=jobs, shard=shard, force=force,
                     out_dir=out_dir, profiles=profiles, debug=debug, on_outcome=on_outcome, on_start=on_start,
                     review=review, draft=draft, typed_figures=typed_figures, pdf_side=pdf_side)
    except Interrupted as exc:
        result = interrupted = exc.result
    finally:
        if bar:
            bar.__exit__(None, None, None)
    if as_json:
        sys.stdout.write(json.dumps(run_record(result), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        sys.stdout.flush()
    if interrupted is not None:
        if result.outcomes:
            click_echo(summary_table(result), file=human)
        click.secho(_("已中断：{done} 份文档已完成并记录，{left} 份未生成（原有文件保持不变）。").format(
            done=len(result.outcomes), left=len(result.interrupted)), fg="red", err=True)
        return result.exit_code
    if not result.outcomes:
        click_echo(_("分片 {k}/{n} 没有分到任务。").format(k=shard[0], n=shard[1]) if shard else _("没有要生成的文档。"))
        return 0
    click_echo(summary_table(result))
    if result.failed:
        units_failed = sorted({o.unit for o in result.failed})
        click.secho(_("错误：{n} 个单位失败（{units}，原因见上），这些单位原有的文件保持不变。").format(
            n=len(units_failed), units=_("、").join(units_failed)), fg="red", err=True)
    return result.exit_code
