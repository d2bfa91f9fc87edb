"""HTML+CSS → PDF with WeasyPrint: fonts embedded as subsets, no network access while rendering."""

from __future__ import annotations

import functools
from pathlib import Path


def _fetcher(allowed_roots: tuple[Path, ...]):
    """A URL fetcher that reads only local files under ``allowed_roots`` and data: URLs."""
    from urllib.parse import unquote, urlparse

    from weasyprint.urls import URLFetcher

    class WorkspaceFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(unquote(urlparse(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in allowed_roots):
                    raise ValueError(f"reportgen reads no file outside the workspace: {url}")
            return super().fetch(url, headers)

    return WorkspaceFetcher(allowed_protocols={"file", "data"})


@functools.lru_cache(maxsize=1)
def _font_config():
    """One FontConfiguration per process, kept warm across documents."""
    from weasyprint.text.fonts import FontConfiguration

    from . import weasyprint_justify
    from . import weasyprint_tuning

    weasyprint_tuning.apply()
    weasyprint_justify.apply()
    return FontConfiguration()


def write_pdf(html_text: str, allowed_roots: tuple[Path, ...] = (), created: str | None = None) -> bytes:
    """Render to PDF bytes; only files under ``allowed_roots`` (workspace, font files) are read.

    ``created`` (W3C date, e.g. ``2024-01-31T00:00:00Z``) becomes the PDF's creation and
    modification dates; the bytes depend on nothing else than the HTML and the fonts.
    """
    from weasyprint import HTML

    font_config = _font_config()
    document = HTML(string=html_text, base_url=str(allowed_roots[0]) if allowed_roots else None,
                    url_fetcher=_fetcher(tuple(p.resolve() for p in allowed_roots))
                    ).render(font_config=font_config)
    if created:
        document.metadata.created = document.metadata.modified = created
    return document.write_pdf(uncompressed_pdf=False)


def _w3c(stamp) -> str | None:
    import datetime as _dt

    if stamp is None:
        return None
    if isinstance(stamp, _dt.datetime):
        return stamp.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return stamp.isoformat()


def write(doc, target) -> bytes:
    """The registry's entry (``reportgen.write.WRITERS``): HTML from the flow, then WeasyPrint."""
    from . import html as html_writer

    return write_pdf(html_writer.html(doc, target.style, target.fonts), target.roots, created=_w3c(target.stamp))
