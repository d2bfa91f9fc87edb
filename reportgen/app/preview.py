"""``reportgen preview [YEAR]``: every document as the pages of its PDF, rebuilt when a file changes.

The browser shows the PDF that ``reportgen build`` would write — the same page boxes, breaks and
"— 2 —" page numbers — drawn by PDF.js (shipped in ``static/pdfjs``, nothing is fetched from the
network): a canvas and a transparent text layer per page, so the text can be selected and
found with Ctrl-F. Three kinds of threads:

* the **main thread** builds (load → derive → render → parse, as ``reportgen build`` does, so the
  template time limit, which needs the main thread, applies): first the models of every document
  — cheap, and enough to list them and to know their problems — then the PDF of each document
  that a browser has open (an events stream is connected for it). Other PDFs are made when a
  page asks for them;
* a **watcher** thread (watchfiles) waits for changes to the files the documents are made of
  and hands them to the main thread. It watches the workspace folder and, wherever a data,
  templates or fonts folder or file is a link, the folder the link leads to — no assumption
  about how a workspace is laid out or linked;
* the **HTTP server** (threads of the standard library's ``ThreadingHTTPServer``) serves the list
  page ``/``, a page per document ``/doc/YEAR/UNIT/N``, its PDF ``/pdf/…`` and a Server-Sent
  Events stream ``/events`` per document that announces each new PDF and each problem. The
  page's script draws the new pages in place (the scroll position stays) and shows problems
  over the last good pages; once the files are fixed the problems go away.
"""

from __future__ import annotations

import hashlib
import html as _html
import json
import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlparse

from ..core.errors import Problem, ReportgenError
from ..core.i18n import _
from ..core.workspace import Workspace

HEARTBEAT_SECONDS = 15
PDF_WAIT_SECONDS = 120
WATCHED_FILES = ("styles.yaml", "reportgen.yaml")
WATCHED_FOLDERS = ("data", "templates", "fonts")
IGNORED_PREFIXES = ("~$", ".~lock", ".#", ".")
IGNORED_SUFFIXES = (".part", ".tmp", ".swp", "~")
STATIC_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css"}


@dataclass
class Doc:
    """One document of one unit and year, as the server shows it."""

    key: str                      # "2023/lucheng/2": year, unit, place in report.yaml's documents
    year: int
    unit: str
    unit_name: str
    template: str                 # "" for a unit with a single document
    title: str
    problems: list[Problem] = field(default_factory=list)
    pdf: bytes | None = None      # the last good PDF (kept while the document has problems)
    rev: int = 0                  # 1, 2, … each time ``pdf`` changes
    made_from: str = ""           # hash of the HTML the PDF was made from
    wanted: str = ""              # hash of the current model's HTML ("" while it has problems)
    model: object = None          # (document, style, date) to make the PDF from
    sources: tuple | None = None  # (rev, JSON of where each figure of that PDF comes from)

    @property
    def stale(self) -> bool:
        return bool(self.wanted) and self.wanted != self.made_from


@dataclass
class State:
    """What the server shows; ``version`` grows with every change, ``changed`` wakes the streams."""

    version: int = 0
    docs: dict[str, Doc] = field(default_factory=dict)
    problems: dict[int, list[Problem]] = field(default_factory=dict)  # year → problems stopping all its units
    open: dict[str, int] = field(default_factory=dict)                # key → browsers showing it
    changed: threading.Condition = field(default_factory=threading.Condition)
    stopping: bool = False

    def publish(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


# ---------------------------------------------------------------- building


def years_of(ws: Workspace, year: int | None) -> list[int]:
    if year is not None:
        return [year]
    if not ws.data.is_dir():
        return []
    return sorted(int(p.name) for p in ws.data.iterdir() if p.name.isdigit() and p.is_dir())


def build_models(ws: Workspace, state: State, years: list[int], unit: str | None,
                 profiles: tuple[str, ...], first: tuple[str, ...] = (), then=None) -> None:
    """Every document's model: its title and problems now, and what its PDF would be made from.

    The documents ``first`` (those open in a browser) are made before the others; ``then()`` is
    called as soon as they are in ``state``, so their new pages need not wait for the rest.
    """
    from ..pipeline import document_templates, documents, issue_date, load_year, style_for
    from ..write import fonts as fontmod
    from ..write import html as html_writer

    fontmod.workspace_faces.cache_clear()  # fonts dropped into fonts/ count at once
    docs: dict[str, Doc] = {}
    problems: dict[int, list[Problem]] = {}
    try:
        style = style_for(ws, profiles)
        resolutions = fontmod.resolve(style, ws.fonts)
    except ReportgenError as exc:
        style = None
        problems = {y: exc.problems for y in years}

    def make(key: str, year: int, dataset, uy, template: str) -> Doc:
        old = state.docs.get(key)
        doc = Doc(key, year, uy.unit.id, uy.unit.name, template, old.title if old else uy.unit.name)
        if old is not None:
            doc.pdf, doc.rev, doc.made_from = old.pdf, old.rev, old.made_from
        prepared = next(documents(ws, year, [uy.unit.id], [template], dataset=dataset))
        doc.problems = prepared.problems
        if prepared.document is not None:
            text = html_writer.html(prepared.document, style, resolutions)
            doc.title = prepared.document.title
            doc.wanted = hashlib.sha256(text.encode()).hexdigest()
            doc.model = (prepared.document, style, issue_date(uy))
        return doc

    first_years = {int(k.split("/")[0]) for k in first if k.split("/")[0].isdigit()}
    for year in sorted(years, key=lambda y: (y not in first_years, y)):
        if style is None:
            break
        try:
            dataset = load_year(ws, year, [unit] if unit else None)
        except ReportgenError as exc:
            problems[year] = exc.problems
            continue
        todo = [(f"{year}/{uid}/{n}", uy, template) for uid, uy in dataset.units.items()
                for n, template in enumerate(document_templates(ws, uid, year), 1)]
        todo.sort(key=lambda job: job[0] not in first)
        for key, uy, template in todo:
            if then is not None and key not in first:   # the open documents are made: show them
                with state.changed:
                    state.docs.update(docs)
                    state.problems.pop(year, None)   # this year loaded again
                then()
                then = None
            docs[key] = make(key, year, dataset, uy, template)
    # a year that failed to load keeps its documents (and their last good pages) with its problems
    for key, old in state.docs.items():
        if old.year in problems and key not in docs:
            old.problems, old.wanted = problems[old.year], ""
            docs[key] = old
    with state.changed:
        state.docs, state.problems = docs, problems


def build_pdf(ws: Workspace, doc: Doc) -> None:
    """Make the PDF of one document from its current model (problems stay with the document)."""
    from ..pipeline import render_outputs

    if not doc.stale:
        return
    model, style, date = doc.model
    wanted = doc.wanted
    try:
        pdf = render_outputs(model, style, ws, ("pdf",), date=date)["pdf"]
    except ReportgenError as exc:
        doc.problems = exc.problems
        return
    doc.pdf, doc.made_from, doc.rev = pdf, wanted, doc.rev + 1


# ---------------------------------------------------------------- pages


def _static(name: str) -> bytes | None:
    base = resources.files("reportgen.app").joinpath("static")
    parts = [p for p in name.split("/") if p]
    if not parts or any(p in ("..", ".") or p.startswith(".") for p in parts):
        return None
    target = base.joinpath(*parts)
    return target.read_bytes() if target.is_file() else None


def _shell(title: str, body: str, *, doc: str = "", script: str = "") -> str:
    data = f' data-doc="{_html.escape(doc)}"' if doc else ""
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{_html.escape(title)}</title><link rel=\"stylesheet\" href=\"/static/preview.css\">"
            f"</head>\n<body{data}>{body}{script}</body></html>\n")


def doc_status(state: State, doc: Doc) -> dict:
    problems = state.problems.get(doc.year) or doc.problems
    if problems:
        heading = _("有 {n} 个问题，下面是上次正确时的页面").format(n=len(problems)) if doc.pdf else \
            _("有 {n} 个问题，未能生成预览").format(n=len(problems))
        status = _("有问题")
    elif doc.stale or doc.pdf is None:
        heading, status = "", _("正在生成……")
    else:
        heading, status = "", _("已是最新（第 {rev} 版）").format(rev=doc.rev)
    return {"version": state.version, "rev": doc.rev, "title": doc.title, "status": status,
            "heading": heading, "problems": [str(p) for p in problems],
            "hint": _("改好后保存文件，本页会自动更新。")}


def list_page(state: State) -> str:
    by_year: dict[int, list[Doc]] = {}
    for d in state.docs.values():
        by_year.setdefault(d.year, []).append(d)
    parts = [f"<header><strong>{_html.escape(_('reportgen 预览'))}</strong>"
             f"<span class=\"status\">{_html.escape(_('保存文件后自动更新'))}</span></header>\n<main class=\"list\">"]
    for year in sorted(set(by_year) | set(state.problems)):
        parts.append(f"<h2>{_html.escape(_('{year} 年').format(year=year))}</h2>")
        if state.problems.get(year):
            items = "".join(f"<li><pre>{_html.escape(str(p))}</pre></li>" for p in state.problems[year])
            parts.append(f"<p class=\"bad\">{_html.escape(_('有 {n} 个问题：').format(n=len(state.problems[year])))}</p><ol class=\"bad\">{items}</ol>")
        rows = []
        unit_name = None
        for d in by_year.get(year, []):
            if d.unit_name != unit_name:
                if rows:
                    rows.append("</ul></li>")
                unit_name = d.unit_name
                rows.append(f"<li>{_html.escape(d.unit_name)}（{_html.escape(d.unit)}）<ul>")
            bad = f" <span class=\"bad\">— {_html.escape(_('有 {n} 个问题').format(n=len(d.problems)))}</span>" if d.problems else ""
            rows.append(f"<li><a href=\"/doc/{quote(d.key)}\">{_html.escape(d.title)}</a>{bad}</li>")
        if rows:
            rows.append("</ul></li>")
        parts.append("<ul>" + "".join(rows) + "</ul>")
    if not state.docs and not state.problems:
        parts.append(f"<p>{_html.escape(_('工作区的 data/ 下还没有任何年份的数据。'))}</p>")
    parts.append("</main>")
    reload_script = ("<script>(function(){var v=+document.body.dataset.version;function listen(){"
                     "var e=new EventSource('/events?v='+v);e.onmessage=function(m){if(+m.data!==v){location.reload();}};"
                     "e.onerror=function(){e.close();setTimeout(listen,1000);};}listen();})();</script>")
    return _shell(_("reportgen 预览"), "".join(parts), script=reload_script).replace(
        "<body>", f"<body data-version=\"{state.version}\">", 1)


def doc_page(doc: Doc) -> str:
    body = (f"<header><a href=\"/\">{_html.escape(_('← 全部文档'))}</a>"
            f"<strong id=\"title\">{_html.escape(doc.title)}</strong>"
            f"<span>{_html.escape(doc.unit_name)}</span><span class=\"status\" id=\"status\"></span></header>\n"
            "<div id=\"pages\"></div>\n")
    return _shell(doc.title, body, doc=doc.key, script="<script type=\"module\" src=\"/static/viewer.js\"></script>")


# ---------------------------------------------------------------- serving


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format, *args):  # noqa: A002 — quiet: the terminal shows rebuilds only
        pass

    def _send(self, body: bytes, ctype: str, status: int = 200, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _not_found(self):
        return self._send(_("没有这个页面").encode(), "text/plain; charset=utf-8", HTTPStatus.NOT_FOUND)

    def _refused(self) -> bool:
        """Answer only requests addressed to this server itself: a Host header naming another
        name (DNS rebinding: a web page whose domain now resolves to 127.0.0.1) or an Origin of
        another site (a page elsewhere opening the event stream or fetching a draft) gets 403.
        Returns True when the request was refused."""
        allowed = self.server.allowed_hosts()
        host = (self.headers.get("Host") or "").strip().lower()
        origin = (self.headers.get("Origin") or "").strip().lower()
        bad = host not in allowed or (origin and origin not in {f"http://{h}" for h in allowed})
        if bad:
            self._send(_("拒绝：这个预览只回答发给 {address} 的请求").format(address=sorted(allowed)[0]).encode(),
                       "text/plain; charset=utf-8", HTTPStatus.FORBIDDEN)
        return bool(bad)

    def do_GET(self):  # noqa: N802 — http.server's naming
        if self._refused():
            return None
        url = urlparse(self.path)
        state = self.server.state
        path = unquote(url.path)
        query = parse_qs(url.query)
        if path == "/events":
            return self._events(query.get("doc", [""])[0], query.get("v", ["-1"])[0])
        if path == "/state":
            body = {"version": state.version,
                    "docs": {k: {"title": d.title, "rev": d.rev, "problems": [str(x) for x in d.problems]}
                             for k, d in state.docs.items()},
                    "problems": {str(y): [str(x) for x in ps] for y, ps in state.problems.items()},
                    "open": {k: n for k, n in state.open.items() if n > 0}}
            return self._send(json.dumps(body, ensure_ascii=False).encode(), "application/json; charset=utf-8")
        if path.startswith("/static/"):
            data = _static(path.removeprefix("/static/"))
            if data is None:
                return self._not_found()
            return self._send(data, STATIC_TYPES.get(Path(path).suffix, "application/octet-stream"),
                              headers={"Cache-Control": "max-age=3600"} if "/pdfjs/" in path else None)
        if path == "/":
            return self._send(list_page(state).encode(), "text/html; charset=utf-8")
        if path.startswith("/doc/"):
            doc = state.docs.get(path.removeprefix("/doc/"))
            if doc is None:
                return self._not_found()
            return self._send(doc_page(doc).encode(), "text/html; charset=utf-8")
        if path.startswith("/pdf/"):
            return self._pdf(path.removeprefix("/pdf/"))
        if path.startswith("/sources/"):
            return self._sources(path.removeprefix("/sources/"))
        return self._not_found()

    def _sources(self, key: str):
        """Where each figure of the shown PDF comes from: [{page, text, title}] (the viewer puts
        ``title`` on the text-layer span holding the figure, shown on hover)."""
        doc = self.server.state.docs.get(key)
        if doc is None or doc.pdf is None or doc.model is None:
            return self._not_found()
        if doc.sources is None or doc.sources[0] != doc.rev:
            from ..write.sources import rows

            found = [{"page": r["页码"], "text": r["印出文字"], "indicator": r["指标"],
                      "title": (f"指标 {r['指标']}：{r['来源单元格']}（{r['计算']}）" if r["状态"] == "已溯源"
                                else _("未溯源：直接写在文字中的数字")) + (f"\n{r['写入位置']}" if r["写入位置"] else "")}
                     for r in rows(doc.model[0], doc.pdf) if r["页码"]]
            doc.sources = (doc.rev, json.dumps(found, ensure_ascii=False).encode())
        return self._send(doc.sources[1], "application/json; charset=utf-8",
                          headers={"X-Reportgen-Rev": str(doc.sources[0])})

    def _pdf(self, key: str):
        state = self.server.state
        doc = state.docs.get(key)
        if doc is None:
            return self._not_found()
        if doc.pdf is None:  # not made yet: ask the main thread, wait for it
            self.server.jobs.put(("pdf", key))
            with state.changed:
                state.changed.wait_for(lambda: state.stopping or (state.docs.get(key) or doc).pdf is not None
                                       or bool((state.docs.get(key) or doc).problems), timeout=PDF_WAIT_SECONDS)
            doc = state.docs.get(key) or doc
        if doc.pdf is None:
            return self._send(_("这份文档还没有可显示的页面").encode(), "text/plain; charset=utf-8",
                              HTTPStatus.SERVICE_UNAVAILABLE)
        return self._send(doc.pdf, "application/pdf", headers={"X-Reportgen-Rev": str(doc.rev)})

    def _events(self, key: str, seen_text: str) -> None:
        state = self.server.state
        if key and key not in state.docs:
            return self._not_found()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if key:
            with state.changed:
                state.open[key] = state.open.get(key, 0) + 1
            self.server.jobs.put(("pdf", key))
        try:
            seen = int(seen_text) if seen_text.lstrip("-").isdigit() else -1
            last = None
            while True:
                with state.changed:
                    state.changed.wait_for(lambda: state.version != seen or state.stopping, timeout=HEARTBEAT_SECONDS)
                    version, stopping = state.version, state.stopping
                    doc = state.docs.get(key) if key else None
                    message = json.dumps(doc_status(state, doc), ensure_ascii=False) if doc else str(version)
                if stopping:
                    return
                if version != seen and message != last:
                    self.wfile.write(f"data: {message}\n\n".encode())
                    last = message
                else:
                    self.wfile.write(b": keep-alive\n\n")
                seen = version
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        finally:
            if key:
                with state.changed:
                    state.open[key] = state.open.get(key, 1) - 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, state: State, jobs: queue.Queue):
        super().__init__(address, _Handler)
        self.state = state
        self.jobs = jobs

    def allowed_hosts(self) -> set[str]:
        """The Host values that name this server: its address and port (and localhost's names
        when it listens on a loopback address)."""
        host, port = self.server_address[:2]
        names = {str(host)}
        if str(host) in ("127.0.0.1", "::1", "localhost"):
            names |= {"127.0.0.1", "localhost", "[::1]"}
        return {f"{n}:{port}" for n in names}

    def handle_error(self, request, client_address):
        """A browser that closes the connection (a reload, a closed tab) is no error: no
        traceback; anything else is one line on the terminal, and the server goes on."""
        import sys as _sys

        exc = _sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        print(_("预览：一个请求出错（{error}），已忽略").format(error=f"{type(exc).__name__}: {exc}"), file=_sys.stderr)


# ---------------------------------------------------------------- watching


def linked_targets(ws: Workspace) -> list[Path]:
    """Where the workspace's links lead: a data, templates or fonts folder, a year or unit folder,
    or a single file may be a link to somewhere else (the repository's own sample was laid out
    like that). A folder is given as itself, a file as itself."""
    targets: list[Path] = []
    candidates = [ws.root / name for name in (*WATCHED_FOLDERS, *WATCHED_FILES)]
    seen_dirs = set()
    while candidates:
        p = candidates.pop()
        if p.is_symlink():
            target = p.resolve()
            if target not in targets:
                targets.append(target)
        if p.is_dir():
            real = p.resolve()
            if real in seen_dirs:
                continue
            seen_dirs.add(real)
            try:
                candidates.extend(p.iterdir())
            except OSError:
                continue
    return targets


def watched_roots(ws: Workspace) -> list[Path]:
    """The folders to watch: the workspace, and those its links lead to outside it."""
    root = ws.root.resolve()
    roots = [root]
    for target in linked_targets(ws):
        folder = target if target.is_dir() else target.parent
        if not any(folder.is_relative_to(r) for r in roots):
            roots.append(folder)
    return roots


def watch_filter(ws: Workspace, targets: list[Path] | None = None):
    """Only what a document is made of: data, templates, fonts, the style and workspace files.

    A change is judged by where it is inside the workspace, or by the link of the workspace
    that leads to it (as the watcher may report the link's target, not the link).
    """
    root = ws.root.resolve()
    targets = linked_targets(ws) if targets is None else targets

    def accept(change, path: str) -> bool:
        p = Path(path)
        if p.name.startswith(IGNORED_PREFIXES) or p.name.endswith(IGNORED_SUFFIXES) or "__pycache__" in p.parts:
            return False
        if any(p == t or p.is_relative_to(t) for t in targets):
            return True
        for base in (ws.root, root):
            try:
                rel = p.relative_to(base)
            except ValueError:
                continue
            return bool(rel.parts and rel.parts[0] in WATCHED_FOLDERS) or str(rel) in WATCHED_FILES
        return False

    return accept


def _watch(ws: Workspace, roots: list[Path], changes: queue.Queue, stop: threading.Event,
           ready: threading.Event) -> None:
    import watchfiles

    # An empty batch after each quiet 100 ms: the first one says the watcher is in place.
    for batch in watchfiles.watch(*roots, watch_filter=watch_filter(ws), stop_event=stop, debounce=100,
                                  step=50, rust_timeout=200, yield_on_timeout=True, raise_interrupt=False):
        ready.set()
        if batch:
            changes.put(("change", batch))


class _Watcher:
    """The watcher thread; started again when the links of the workspace change."""

    def __init__(self, ws: Workspace, jobs: queue.Queue):
        self.ws, self.jobs, self.roots = ws, jobs, None
        self.stop_event = threading.Event()

    def refresh(self) -> None:
        roots = watched_roots(self.ws)
        if (roots, linked_targets(self.ws)) == self.roots:
            return
        self.stop_event.set()
        self.stop_event, self.roots = threading.Event(), (roots, linked_targets(self.ws))
        ready = threading.Event()
        threading.Thread(target=_watch, args=(self.ws, roots, self.jobs, self.stop_event, ready),
                         name="reportgen-watch", daemon=True).start()
        ready.wait(10)  # announce the address only once changes are seen

    def stop(self) -> None:
        self.stop_event.set()


def serve(ws: Workspace, year: int | None, *, port: int = 8000, unit: str | None = None,
          profiles: tuple[str, ...] = (), echo=print, host: str = "127.0.0.1") -> None:
    """Build, serve and rebuild on every change until interrupted (Ctrl+C)."""
    from ..render import jinja as render

    state = State()
    jobs: queue.Queue = queue.Queue()
    try:
        server = _Server((host, port), state, jobs)
    except OSError as exc:
        raise ReportgenError(Problem(f"{host}:{port}", _("无法在这个端口启动预览：{reason}").format(reason=exc.strerror),
                                     _("换一个端口：reportgen preview 年份 --port 8001"))) from None
    years = years_of(ws, year)

    def report(reason: str, started: float) -> None:
        failed = [p for ps in state.problems.values() for p in ps] + \
                 [p for d in state.docs.values() if d.year not in state.problems for p in d.problems]
        if failed:
            echo(_("{reason}：有 {n} 个问题，页面上显示了问题所在").format(reason=reason, n=len(failed)))
            for p in failed:
                echo(f"  {p}")
        else:
            echo(_("{reason}：已更新 {n} 份文档（{s:.1f} 秒）").format(reason=reason, n=len(state.docs),
                                                                s=time.perf_counter() - started))

    def guarded(step, *args) -> bool:
        try:
            step(*args)
            return True
        except Exception as exc:  # a bug of ours: show it on the pages, keep serving
            problem = Problem("", _("内部错误：{error}").format(error=f"{type(exc).__name__}: {exc}"),
                              traceback.format_exc(limit=3))
            with state.changed:
                state.problems = {y: [problem] for y in years}
            return False

    def make_pdfs(keys) -> None:
        for key in keys:
            doc = state.docs.get(key)
            if doc is not None and doc.stale and not state.problems.get(doc.year):
                if guarded(build_pdf, ws, doc):
                    state.publish()

    def rebuild(reason: str) -> None:
        started = time.perf_counter()
        render.reset()
        shown = tuple(k for k, n in state.open.items() if n > 0)
        first: list[float] = []

        def open_ones() -> None:
            make_pdfs(shown)
            first.append(time.perf_counter() - started)

        guarded(build_models, ws, state, years, unit, profiles, shown, open_ones)
        state.publish()
        make_pdfs(shown)
        report(reason, started)
        if shown and first:
            echo("  " + _("打开着的文档 {s:.1f} 秒后已更新").format(s=first[0]))

    rebuild(_("启动"))
    watcher = _Watcher(ws, jobs)
    watcher.refresh()
    threading.Thread(target=server.serve_forever, name="reportgen-http", daemon=True).start()
    echo(_("预览地址：http://{host}:{port}/ （修改数据、模板或样式后页面自动更新；按 Ctrl+C 停止）").format(
        host=host, port=server.server_address[1]))
    try:
        while True:
            try:
                job = jobs.get(timeout=0.5)
            except queue.Empty:
                continue
            batch, wanted = set(), []
            while True:
                kind, payload = job
                if kind == "change":
                    batch |= payload
                else:
                    wanted.append(payload)
                try:
                    job = jobs.get_nowait()
                except queue.Empty:
                    break
            if batch:
                names = sorted({ws.rel(Path(p)) for _c, p in batch})
                rebuild(_("已修改 {files}").format(files="、".join(names[:3]) + ("…" if len(names) > 3 else "")))
                watcher.refresh()
            make_pdfs(dict.fromkeys(wanted))
    except KeyboardInterrupt:
        echo(_("预览已停止。"))
    finally:
        watcher.stop()
        state.stop()
        server.shutdown()
        server.server_close()
