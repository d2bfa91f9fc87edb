"""The PDF writer parses a document's <style> once and reuses it for the next documents
(write/pdf._parsed_style): the same bytes as the inline style, and a refused URL is still
reported for every document."""

import pytest

from reportgen.core.errors import ReportgenError
from reportgen.write import pdf

HTML = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>t</title><style>\n'
        '@page { size: 100mm 60mm; margin: 10mm } body { font-size: 14pt; color: #c00 } b { font-weight: 700 }'
        '\n</style></head><body><p>科技创新<b>高质量</b>发展 2024</p></body></html>\n')


def test_cached_style_gives_the_bytes_of_the_inline_style(tmp_path, monkeypatch):
    pdf._STYLE_CACHE.clear()
    first = pdf.write_pdf(HTML, (tmp_path,), created="2024-01-31")
    again = pdf.write_pdf(HTML, (tmp_path,), created="2024-01-31")        # from the cache
    assert len(pdf._STYLE_CACHE) == 1
    monkeypatch.setattr(pdf, "_parsed_style", lambda html, roots, base, refused: (html, None))
    inline = pdf.write_pdf(HTML, (tmp_path,), created="2024-01-31")
    assert first == again == inline


def test_a_refused_url_is_reported_for_every_document(tmp_path):
    outside = tmp_path / "outside.css"
    outside.write_text("p { color: red }", "utf-8")
    ws = tmp_path / "ws"
    ws.mkdir()
    html = HTML.replace("@page", f'@import url("{outside.as_uri()}"); @page')
    pdf._STYLE_CACHE.clear()
    for _ in range(2):
        with pytest.raises(ReportgenError, match="outside.css"):
            pdf.write_pdf(html, (ws,))
    assert not pdf._STYLE_CACHE
