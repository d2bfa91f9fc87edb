"""The PDF writer reads nothing outside the workspace and never touches the network."""

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
