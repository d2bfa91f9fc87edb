"""HTML+CSS → PDF with WeasyPrint: fonts embedded as subsets, no network access while rendering."""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
from pathlib import Path


# fontconfig takes its default language from FC_LANG, else LC_ALL/LC_CTYPE/LANG: under
# LANG=zh_CN.UTF-8 a face such as "AR PL KaitiM GB,文鼎ＰＬ简中楷" is named (and fallback fonts
# ordered) in Chinese, under C.UTF-8 in English, and the PDF's bytes differed.  The documents
# are Chinese whatever the machine's locale: fix the language before fontconfig starts.
FONTCONFIG_LANG = "zh-cn"


def fix_font_language() -> None:
    import os

    os.environ["FC_LANG"] = FONTCONFIG_LANG


def _fetcher(allowed_roots: tuple[Path, ...], refused: list[str]):
    """A URL fetcher that reads only data: URLs and local files under ``allowed_roots``.

    Schemes are compared case-insensitively (``FILE:`` is ``file:``); anything else — another
    scheme, a file outside the roots, a link leading out — is refused and recorded.
    """
    from urllib.parse import unquote, urlparse

    from weasyprint.urls import URLFetcher

    class WorkspaceFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            scheme = urlparse(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlparse(url).path)).resolve()
                if any(path.is_relative_to(root) for root in allowed_roots):
                    return super().fetch("file://" + url.split(":", 1)[1].removeprefix("//"), headers)
            refused.append(url)
            raise ValueError(f"reportgen reads no file outside the workspace: {url}")

    return WorkspaceFetcher(allowed_protocols={"file", "data"})


@functools.lru_cache(maxsize=1)
def _font_config():
    """One FontConfiguration per process, kept warm across documents."""
    fix_font_language()
    from . import weasyprint_tuning

    weasyprint_tuning.import_weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    from . import weasyprint_cdef, weasyprint_justify, weasyprint_memory

    weasyprint_cdef.c_types()       # the C types a PDF names, in one parse kept per machine

    weasyprint_memory.apply()       # first: WeasyPrint's own Layout.setup, which the tuning may replace
    weasyprint_tuning.apply()
    weasyprint_justify.apply()
    config = FontConfiguration()
    own_font_folder(config)
    return config


def own_font_folder(config=None) -> None:
    """Where WeasyPrint copies this process's ``@font-face`` files: a folder of the process's own
    in the run's scratch folder (``core.scratch``), removed with the run — WeasyPrint's own
    ``mkdtemp`` folder outlived every forked worker (16 MB each).  A worker forked from a process
    that made the configuration calls it again: faces it adds go to its own folder, not to one
    its siblings share."""
    from ..core import scratch

    config = config or _font_config()
    if hasattr(config, "_folder"):      # WeasyPrint's (53–70): made when the first face is added
        try:
            config._folder = scratch.folder("weasyprint-")
        except OSError:                 # WeasyPrint tries its own when it needs one (and says why not)
            pass


def write_pdf(html_text: str, allowed_roots: tuple[Path, ...] = (), created: str | None = None) -> bytes:
    """Render to PDF bytes; only files under ``allowed_roots`` (workspace, font files) are read.

    ``created`` (W3C date, e.g. ``2024-01-31T00:00:00Z``) becomes the PDF's creation and
    modification dates; the bytes depend on nothing else than the HTML and the fonts.
    """
    with fewer_collections():
        return _write_pdf(html_text, allowed_roots, created)


def _write_pdf(html_text: str, allowed_roots: tuple[Path, ...], created: str | None) -> bytes:
    font_config = _font_config()
    from weasyprint import HTML

    refused: list[str] = []
    roots = tuple(p.resolve() for p in allowed_roots)
    base_url = str(allowed_roots[0]) if allowed_roots else None
    html_text, stylesheets = _parsed_style(html_text, roots, base_url, refused)
    document = HTML(string=html_text, base_url=base_url, url_fetcher=_fetcher(roots, refused)
                    ).render(font_config=font_config, stylesheets=stylesheets)
    if refused:
        from ..core.errors import Problem, ReportgenError
        from ..core.i18n import _

        raise ReportgenError([Problem(_("PDF 的样式"), _("试图读取工作区之外的文件或网络地址 {url}，已拒绝").format(url=u[:200]),
                                      _("检查 styles.yaml 和 fonts/ 中的内容")) for u in refused])
    if created:
        document.metadata.created = document.metadata.modified = created
    return document.write_pdf(uncompressed_pdf=False)


# Python's cyclic garbage collector during a render: a young-generation collection after this many
# net allocations instead of 700.  A render allocates millions of short-lived objects; with the
# default, hundreds of collections a document promote the render's still-live objects to the
# oldest generation, whose growth then triggers full collections — each scanning the whole heap
# (WeasyPrint, pandas, matplotlib …, ≈0.1–0.2 s) every few documents.  Measured in one process
# holding those modules, the sample's 11 documents × 4 rounds: 15 → 3 full collections, 0.211 →
# 0.195 s CPU a document, the same peak memory (193 MB; with the collector off during a render it
# was 212 MB).  The threshold returns to its value when the last render in the process ends.
RENDER_GC_THRESHOLD = 50_000
_gc_lock = threading.Lock()
_gc_state = {"depth": 0, "saved": None}


@contextlib.contextmanager
def fewer_collections():
    """Raise the collector's young-generation threshold for the time of a render (nested and
    concurrent renders share one raise; a threshold already higher, or 0, is left alone)."""
    with _gc_lock:
        if _gc_state["depth"] == 0:
            saved = gc.get_threshold()
            if 0 < saved[0] < RENDER_GC_THRESHOLD:
                gc.set_threshold(RENDER_GC_THRESHOLD, *saved[1:])
                _gc_state["saved"] = saved
        _gc_state["depth"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["depth"] -= 1
            if _gc_state["depth"] == 0 and _gc_state["saved"] is not None:
                gc.set_threshold(*_gc_state["saved"])
                _gc_state["saved"] = None


_STYLE_CACHE: dict[tuple, object] = {}


def _parsed_style(html_text: str, roots: tuple[Path, ...], base_url: str | None, refused: list[str]):
    """The document's one ``<style>`` element as a parsed WeasyPrint stylesheet, kept for the next
    documents (a batch's documents share the style: ≈9 ms of CSS parsing each).  The HTML without
    that element and the stylesheet render as the HTML with it did (it is the only author style).
    A stylesheet whose parsing refused a URL is not kept, so every document reports it."""
    start, end = html_text.find("<style>"), html_text.find("</style>")
    if start < 0 or end < start or html_text.find("<style>", start + 1) >= 0:
        return html_text, None
    css_text = html_text[start + len("<style>"):end]
    key = (css_text, roots, base_url)
    sheet = _STYLE_CACHE.get(key)
    if sheet is None:
        from weasyprint import CSS

        before = len(refused)
        sheet = CSS(string=css_text, base_url=base_url, url_fetcher=_fetcher(roots, refused),
                    font_config=_font_config())
        if len(refused) == before:
            if len(_STYLE_CACHE) >= 8:
                _STYLE_CACHE.clear()
            _STYLE_CACHE[key] = sheet
    return html_text[:start] + html_text[end + len("</style>"):], [sheet]


def _w3c(stamp) -> str | None:
    import datetime as _dt

    if stamp is None:
        return None
    if isinstance(stamp, _dt.datetime):
        return stamp.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return stamp.isoformat()


def write(doc, target) -> bytes:
    """The registry's entry (``reportgen.write.WRITERS``): HTML from the flow, then WeasyPrint."""
    from . import font_cache, fonts
    from . import html as html_writer

    subsets = font_cache.for_resolutions(target.fonts)
    roots = (*target.roots, font_cache.cache_dir()) if subsets else target.roots
    # the Latin face's files (html.css names them for digits and Latin letters)
    latin = fonts.latin_face(target.style)
    if latin is not None:
        roots += tuple(f.path for f in (latin, fonts.system_bold_faces().get(latin.family)) if f is not None)
    return write_pdf(html_writer.html(doc, target.style, target.fonts, subsets=subsets), roots,
                     created=_w3c(target.stamp))
