"""The PDF writer reads nothing outside the workspace and never touches the network; table cells keep their alignment."""

import http.server
import threading

import pytest

from reportgen.core.errors import ReportgenError

from reportgen.write.pdf import write_pdf


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_no_network_and_no_files_outside_the_workspace(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        outside = tmp_path / "outside.css"
        outside.write_text("p { color: red }", "utf-8")
        ws = tmp_path / "ws"
        ws.mkdir()
        (ws / "inside.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "utf-8")
        html = (f'<html lang="zh-CN"><head><link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">'
                f'<link rel="stylesheet" href="{outside.as_uri()}"></head><body>'
                f'<img src="http://127.0.0.1:{port}/b.png"><img src="inside.svg"><p>测试</p></body></html>')
        # Every reference outside the workspace is refused and named; nothing is fetched.
        with pytest.raises(ReportgenError) as refused:
            write_pdf(html, (ws,))
        said = "\n".join(str(p) for p in refused.value.problems)
        assert f"http://127.0.0.1:{port}/a.css" in said and outside.as_uri() in said, said
        assert _Recorder.hits == []
        # What lies inside the workspace is read.
        pdf = write_pdf('<html lang="zh-CN"><body><img src="inside.svg"><p>测试</p></body></html>', (ws,))
        assert pdf.startswith(b"%PDF")
        assert _Recorder.hits == []
    finally:
        server.shutdown()


def test_table_cells_keep_their_alignment(tmp_path):
    """A cell's alignment (a class rule of the document's CSS) places its text: left at the left
    padding, centred in the cell, right at the right padding."""
    import io

    import pdfplumber

    from reportgen.core.workspace import Workspace
    from reportgen.model import Cell, Document, Run, Table
    from reportgen.pipeline import render_outputs
    from reportgen.write.style import load_style

    table = Table([[Cell([Run("项目")], align="center")], [Cell([Run("左")], align="left")],
                   [Cell([Run("中")], align="center")], [Cell([Run("右")], align="right")]])
    pdf = render_outputs(Document(title_lines=["表格"], blocks=[table]), load_style(), Workspace(tmp_path),
                         ("pdf",))["pdf"]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        chars = {c["text"]: c for c in page.chars}
        verticals = sorted({round(e["x0"], 1) for e in page.edges if e["orientation"] == "v"})
    left, right = verticals[0], verticals[-1]
    assert right - left > 300                                   # the table's outer borders
    pad_left, pad_right = chars["左"]["x0"] - left, right - chars["右"]["x1"]
    assert 0 < pad_left < 12 and abs(pad_left - pad_right) < 1.5, (pad_left, pad_right)
    centre = (chars["中"]["x0"] + chars["中"]["x1"]) / 2
    assert abs(centre - (left + right) / 2) < 1.5, (centre, left, right)


def test_a_render_raises_the_collectors_threshold_and_puts_it_back(tmp_path):
    """write_pdf runs with fewer young-generation collections (pdf.fewer_collections): raised for
    nested renders once, back to the process's value afterwards — after a refused document too —
    and a threshold the process set higher (or 0, collector off) is left alone."""
    import gc

    from reportgen.write import pdf

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with pdf.fewer_collections():
            assert gc.get_threshold() == (pdf.RENDER_GC_THRESHOLD, 10, 10)
            with pdf.fewer_collections():
                assert gc.get_threshold()[0] == pdf.RENDER_GC_THRESHOLD
            assert gc.get_threshold()[0] == pdf.RENDER_GC_THRESHOLD     # the outer render goes on
        assert gc.get_threshold() == (700, 10, 10)
        html = '<html><body><img src="file:///etc/hostname"><p>测试</p></body></html>'
        with pytest.raises(ReportgenError):
            write_pdf(html, (tmp_path,))
        assert write_pdf("<p>测试</p>", (tmp_path,))[:5] == b"%PDF-"
        assert gc.get_threshold() == (700, 10, 10)
        for own in ((10 * pdf.RENDER_GC_THRESHOLD, 10, 10), (0, 10, 10)):
            gc.set_threshold(*own)
            with pdf.fewer_collections():
                assert gc.get_threshold() == own
            assert gc.get_threshold() == own
    finally:
        gc.set_threshold(*before)


def test_chinese_western_gap_in_the_line_and_at_its_start(tmp_path):
    """The 0.2 em between a Chinese character and a digit (span.latin.asl / .as margins of the
    Latin run): inside a line 年|2023 and 2023|年 are 0.2 em apart (3.2 pt on 3号 text); a Latin
    run that starts a line starts it at the 版心's left edge, its gap dropped, as a gap at a line
    end hangs."""
    import io

    import pdfplumber

    from reportgen.core.workspace import Workspace
    from reportgen.model import Document, Paragraph, Run
    from reportgen.pipeline import render_outputs
    from reportgen.write.style import load_style

    style = load_style()
    text = "科" * 26 + "2023年度创新2024年"     # 26 characters fill the indented first line
    pdf = render_outputs(Document(title_lines=["间距"], blocks=[Paragraph([Run(text)]), Paragraph([Run("科" * 30)])]),
                         style, Workspace(tmp_path), ("pdf",))["pdf"]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = doc.pages[0].chars
    body = [c for c in chars if c["size"] > 15]
    first = next(i for i, c in enumerate(body) if c["text"] == "2")
    two, three, nian = body[first], body[first + 3], body[first + 4]
    second_para_line2 = [c for c in body if c["text"] == "科"][-2]      # a line start of the other paragraph
    left = min(c["x0"] for c in body if abs(c["top"] - second_para_line2["top"]) < 1)
    assert abs(two["x0"] - left) < 0.05, (two["x0"], left)
    assert body[first - 1]["top"] < two["top"] - 20                     # 科 on the line before
    gap = style.autospace_em * style.elements["body"].size_pt
    assert abs(nian["x0"] - three["x1"] - gap) < 0.05, nian["x0"] - three["x1"]
    du, four = body[first + 5], body[first + 8]
    before = body[first + 7]                                            # 新|2024
    assert before["text"] == "新" and four["text"] == "2" and du["text"] == "度"
    assert abs(four["x0"] - before["x1"] - gap) < 0.05, four["x0"] - before["x1"]
