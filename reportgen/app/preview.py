"""``reportgen preview YEAR``: the documents as HTML on 127.0.0.1, rebuilt when a file changes.

The page is the PDF writer's own HTML and CSS (``writers/html.py`` with the fonts the PDF uses),
framed as a sheet of paper on screen. Three threads:

* the **main thread** builds: load → derive → render → parse → HTML, as ``reportgen build``
  does (so the template time limit, which needs the main thread, applies), first at start and
  then after every change;
* a **watcher** thread (watchfiles) waits for changes to the data, templates, styles and fonts
  of the workspace and hands them to the main thread;
* the **HTTP server** (threads of the standard library's ``ThreadingHTTPServer``) serves the
  latest pages and a Server-Sent Events stream ``/events`` that announces each new version; the
  page's small script then fetches itself again and swaps its content in place (the scroll
  position stays). When the data or a template is broken the page shows the messages instead,
  and the document again once it is fixed.
"""

from __future__ import annotations

import html as _html
import json
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlparse

from ..core.errors import Problem, ReportgenError
from ..core.i18n import _
from ..core.workspace import Workspace

HEARTBEAT_SECONDS = 15
WATCHED_FILES = ("styles.yaml", "reportgen.yaml")
WATCHED_FOLDERS = ("data", "templates", "fonts")
IGNORED_PREFIXES = ("~$", ".~lock", ".#")
IGNORED_SUFFIXES = (".part", ".tmp", ".swp", "~")

RELOAD_SCRIPT = """<script>
(function () {
  var version = +document.documentElement.dataset.version;
  function refresh() {
    fetch(location.href, {cache: "no-store"}).then(function (r) { return r.text(); }).then(function (text) {
      var page = new DOMParser().parseFromString(text, "text/html");
      document.title = page.title;
      document.head.innerHTML = page.head.innerHTML;
      document.body.innerHTML = page.body.innerHTML;
      version = +page.documentElement.dataset.version;
      document.documentElement.dataset.version = version;
    });
  }
  function listen() {
    var events = new EventSource("/events?v=" + version);
    events.onmessage = function (e) { if (+e.data !== version) { refresh(); } };
    events.onerror = function () { events.close(); setTimeout(listen, 1000); };
  }
  listen();
})();
</script>"""


@dataclass
class Page:
    unit: str
    title: str
    html: str = ""
    problems: list[Problem] = field(default_factory=list)


@dataclass
class State:
    """What the server shows: the pages of the latest build, numbered by version."""

    version: int = 0
    pages: dict[str, Page] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)   # problems that stop every unit
    fonts: dict[str, Path] = field(default_factory=dict)     # /font/N → a workspace font file
    changed: threading.Condition = field(default_factory=threading.Condition)
    stopping: bool = False

    def publish(self, pages: dict[str, Page], problems: list[Problem], fonts: dict[str, Path]) -> None:
        with self.changed:
            self.pages, self.problems, self.fonts = pages, problems, fonts
            self.version += 1
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


# ---------------------------------------------------------------- building the pages


def _screen_css(style) -> str:
    """On screen, the type area sits on a sheet of the page's size (numbers from the style)."""
    m = style.margins_mm
    width = style.page.width_mm - m.left - m.right
    return (f"<style>@media screen {{ html {{ background: #d9d9d9; }} "
            f"body {{ box-sizing: content-box; width: {width}mm; min-height: {style.page.height_mm - m.top - m.bottom}mm; "
            f"margin: 8mm auto; padding: {m.top}mm {m.right}mm {m.bottom}mm {m.left}mm; background: #fff; "
            f"box-shadow: 0 1px 6px rgba(0,0,0,.3); }} }}</style>")


def _frame(page_html: str, version: int, extra_head: str = "") -> str:
    page_html = page_html.replace("<html ", f'<html data-version="{version}" ', 1)
    page_html = page_html.replace("</head>", extra_head + "</head>", 1)
    return page_html.replace("</body>", RELOAD_SCRIPT + "\n</body>", 1)


def _problems_html(title: str, problems: list[Problem], version: int) -> str:
    items = "\n".join(f"<li><pre>{_html.escape(str(p))}</pre></li>" for p in problems)
    hint = _("改好后保存文件，本页会自动更新。")
    return _frame(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>{_html.escape(title)}</title><style>body {{ font-family: sans-serif; margin: 2em; }} "
        "h1 { color: #b00; font-size: 1.4em; } pre { white-space: pre-wrap; font-size: 1.05em; } "
        "li { margin-bottom: 1em; }</style></head>\n"
        f"<body class=\"problems\"><h1>{_html.escape(title)}</h1>\n<ol>{items}</ol>\n"
        f"<p>{_html.escape(hint)}</p>\n</body></html>\n", version)


def build_pages(ws: Workspace, year: int, unit: str | None, profiles: tuple[str, ...]):
    """Build every unit's page; problems are kept per unit (or for all, when loading fails)."""
    from ..write import fonts as fontmod
    from ..pipeline import document_for, style_for
    from ..pipeline import load_year
    from ..write import html as html_writer

    fontmod.workspace_faces.cache_clear()  # fonts dropped into fonts/ count at once
    try:
        dataset = load_year(ws, year, [unit] if unit else None)
        style = style_for(ws, profiles)
        resolutions = fontmod.resolve(style, ws.fonts)
    except ReportgenError as exc:
        return {}, exc.problems, {}
    font_urls: dict[str, Path] = {}
    for res in resolutions.values():
        if res.face and res.face.workspace:
            font_urls.setdefault(res.face.path.as_uri(), res.face.path)
    served = {str(i): path for i, path in enumerate(font_urls.values())}
    pages: dict[str, Page] = {}
    for uid, uy in dataset.units.items():
        page = Page(uid, uy.unit.name)
        try:
            doc, _source = document_for(ws, uy)
            text = html_writer.html(doc, style, resolutions)
            for i, uri in enumerate(font_urls):
                text = text.replace(f'url("{uri}")', f'url("/font/{i}")')
            page.title, page.html = doc.title, text + _screen_css(style)
        except ReportgenError as exc:
            page.problems = exc.problems
        pages[uid] = page
    return pages, [], served


# ---------------------------------------------------------------- serving


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format, *args):  # noqa: A002 — quiet: the terminal shows rebuilds only
        pass

    def _send(self, body: bytes, ctype: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 — http.server's naming
        url = urlparse(self.path)
        state = self.server.state
        if url.path == "/events":
            return self._events(parse_qs(url.query).get("v", ["0"])[0])
        if url.path == "/state":
            body = {"version": state.version,
                    "units": {u: {"title": p.title, "problems": [str(x) for x in p.problems]} for u, p in state.pages.items()},
                    "problems": [str(x) for x in state.problems]}
            return self._send(json.dumps(body, ensure_ascii=False).encode(), "application/json; charset=utf-8")
        if url.path.startswith("/font/"):
            path = state.fonts.get(url.path.removeprefix("/font/"))
            if path is None:
                return self._send(b"", "text/plain", HTTPStatus.NOT_FOUND)
            return self._send(path.read_bytes(), "font/ttf" if path.suffix.lower() == ".ttf" else "font/otf")
        if url.path == "/":
            return self._send(self._index().encode(), "text/html; charset=utf-8")
        if url.path.startswith("/unit/"):
            page = state.pages.get(unquote(url.path.removeprefix("/unit/")))
            if page is not None:
                return self._send(self._page(page).encode(), "text/html; charset=utf-8")
        return self._send(_("没有这个页面").encode(), "text/plain; charset=utf-8", HTTPStatus.NOT_FOUND)

    def _page(self, page: Page) -> str:
        state = self.server.state
        if state.problems:
            return _problems_html(_("有 {n} 个问题，未能生成预览").format(n=len(state.problems)), state.problems, state.version)
        if page.problems:
            return _problems_html(_("{unit}：有 {n} 个问题，未能生成预览").format(unit=page.title, n=len(page.problems)),
                                  page.problems, state.version)
        return _frame(page.html, state.version)

    def _index(self) -> str:
        state = self.server.state
        pages = list(state.pages.values())
        if state.problems or len(pages) == 1:
            return self._page(pages[0] if pages else Page("", ""))
        links = "\n".join(f'<li><a href="/unit/{quote(p.unit)}">{_html.escape(p.title)}</a>'
                          + (f" — {_html.escape(_('有 {n} 个问题').format(n=len(p.problems)))}" if p.problems else "")
                          + "</li>" for p in pages)
        return _frame("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                      f"<title>reportgen</title></head>\n<body><ul>{links}</ul>\n</body></html>\n", state.version)

    def _events(self, seen_text: str) -> None:
        state = self.server.state
        try:
            seen = int(seen_text)
        except ValueError:
            seen = -1
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            while True:
                with state.changed:
                    state.changed.wait_for(lambda: state.version != seen or state.stopping, timeout=HEARTBEAT_SECONDS)
                    version, stopping = state.version, state.stopping
                if stopping:
                    return
                if version != seen:
                    self.wfile.write(f"data: {version}\n\n".encode())
                    seen = version
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, state: State):
        super().__init__(address, _Handler)
        self.state = state


# ---------------------------------------------------------------- watching


def watch_filter(ws: Workspace):
    """Only what a document is made of: data, templates, fonts, the style and workspace files."""
    root = ws.root.resolve()

    def accept(change, path: str) -> bool:
        p = Path(path)
        if p.name.startswith(IGNORED_PREFIXES) or p.name.endswith(IGNORED_SUFFIXES) or "__pycache__" in p.parts:
            return False
        try:
            rel = p.resolve().relative_to(root)
        except ValueError:
            return False
        return bool(rel.parts and rel.parts[0] in WATCHED_FOLDERS) or str(rel) in WATCHED_FILES

    return accept


def _watch(ws: Workspace, changes: queue.Queue, stop: threading.Event, ready: threading.Event) -> None:
    import watchfiles

    # An empty batch after each quiet 200 ms: the first one says the watcher is in place.
    for batch in watchfiles.watch(ws.root, watch_filter=watch_filter(ws), stop_event=stop, debounce=200,
                                  step=50, rust_timeout=200, yield_on_timeout=True, raise_interrupt=False):
        ready.set()
        if batch:
            changes.put(batch)


def serve(ws: Workspace, year: int, *, port: int = 8000, unit: str | None = None,
          profiles: tuple[str, ...] = (), echo=print, host: str = "127.0.0.1") -> None:
    """Build, serve and rebuild on every change until interrupted (Ctrl+C)."""
    from ..render import jinja as render

    state = State()
    try:
        server = _Server((host, port), state)
    except OSError as exc:
        raise ReportgenError(Problem(f"{host}:{port}", _("无法在这个端口启动预览：{reason}").format(reason=exc.strerror),
                                     _("换一个端口：reportgen preview 年份 --port 8001"))) from None

    def rebuild(reason: str) -> None:
        started = time.perf_counter()
        render.reset()
        try:
            pages, problems, fonts = build_pages(ws, year, unit, profiles)
        except Exception as exc:  # a bug of ours: show it on the page, keep serving
            pages, fonts = {}, {}
            problems = [Problem("", _("内部错误：{error}").format(error=f"{type(exc).__name__}: {exc}"),
                                traceback.format_exc(limit=3))]
        state.publish(pages, problems, fonts)
        failed = problems + [p for page in pages.values() for p in page.problems]
        if failed:
            echo(_("{reason}：有 {n} 个问题，页面上显示了问题所在").format(reason=reason, n=len(failed)))
            for p in failed:
                echo(f"  {p}")
        else:
            echo(_("{reason}：已更新 {n} 份文档（{s:.1f} 秒）").format(reason=reason, n=len(pages),
                                                                s=time.perf_counter() - started))

    rebuild(_("启动"))
    stop = threading.Event()
    changes: queue.Queue = queue.Queue()
    ready = threading.Event()
    threading.Thread(target=_watch, args=(ws, changes, stop, ready), name="reportgen-watch", daemon=True).start()
    ready.wait(10)  # announce the address only once changes are seen
    threading.Thread(target=server.serve_forever, name="reportgen-http", daemon=True).start()
    echo(_("预览地址：http://{host}:{port}/ （修改数据、模板或样式后页面自动更新；按 Ctrl+C 停止）").format(
        host=host, port=server.server_address[1]))
    try:
        while True:
            try:
                batch = changes.get(timeout=0.5)
            except queue.Empty:
                continue
            while not changes.empty():
                batch |= changes.get_nowait()
            names = sorted({ws.rel(Path(p)) for _c, p in batch})
            rebuild(_("已修改 {files}").format(files="、".join(names[:3]) + ("…" if len(names) > 3 else "")))
    except KeyboardInterrupt:
        echo(_("预览已停止。"))
    finally:
        stop.set()
        state.stop()
        server.shutdown()
        server.server_close()
