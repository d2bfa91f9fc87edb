"""Catalogue, class 2 — the preview under hostile requests, with a real HTTP client against the
real `reportgen preview` process: DNS rebinding (a foreign Host), a foreign Origin on the event
stream, clients that reset their connections (no traceback, the server goes on)."""

from __future__ import annotations

import http.client
import socket
import struct
import time
from urllib.parse import urlparse

import pytest

from conftest import reportgen
from hostile_helpers import one_document
from test_preview import PreviewServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ws = tmp_path_factory.mktemp("preview") / "ws"
    reportgen("init", "--sample", str(ws), check=True)
    one_document(ws, "预览测试")
    srv = PreviewServer(ws)
    yield srv
    srv.stop()


def _request(server, path: str, headers: dict, read: int | None = None):
    u = urlparse(server.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.putrequest("GET", path, skip_host=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read(read) if read else resp.read()
    conn.close()
    return resp.status, body


def _own_host(server) -> str:
    return urlparse(server.url).netloc


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.nip.io:{port}", ""])
def test_v01_a_foreign_host_header_gets_nothing(server, host):
    port = urlparse(server.url).port
    headers = {"Host": host.format(port=port)} if host else {}
    for path in ("/", "/state", "/events"):
        status, body = _request(server, path, headers, read=2000)
        assert status == 403, (path, status)
        assert "预览测试".encode() not in body and b"lucheng" not in body


def test_v02_its_own_address_is_served(server):
    status, body = _request(server, "/state", {"Host": _own_host(server)})
    assert status == 200 and b"lucheng" in body
    port = urlparse(server.url).port
    assert _request(server, "/state", {"Host": f"localhost:{port}"})[0] == 200


def test_v03_event_stream_refuses_a_foreign_origin(server):
    status, _body = _request(server, "/events?doc=x", {"Host": _own_host(server), "Origin": "http://evil.example"}, read=100)
    assert status == 403


def test_v04_event_stream_accepts_its_own_origin(server):
    status, body = _request(server, "/events?v=-1",
                            {"Host": _own_host(server), "Origin": f"http://{_own_host(server)}"}, read=5)
    assert status == 200


def test_v05_reset_connections_print_no_traceback_and_the_server_goes_on(server):
    u = urlparse(server.url)
    for path in ("/events?v=-1", "/state", "/"):
        for _ in range(5):
            s = socket.create_connection((u.hostname, u.port))
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\n\r\n".encode())
            time.sleep(0.05)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))   # RST, not FIN
            s.close()
    s = socket.create_connection((u.hostname, u.port))       # half a request, then reset
    s.sendall(b"GET /state HT")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    time.sleep(1.0)
    assert _request(server, "/state", {"Host": u.netloc})[0] == 200
    import os
    import select

    out = ""
    while select.select([server.proc.stdout], [], [], 0.2)[0]:
        chunk = os.read(server.proc.stdout.fileno(), 65536).decode("utf-8", "replace")
        if not chunk:
            break
        out += chunk
    server.lines.append(out)
    assert "Traceback" not in out and "ConnectionResetError" not in out and "BrokenPipe" not in out, out
