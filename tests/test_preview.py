"""`reportgen preview`: the documents as HTML on 127.0.0.1, updated in the page when files change.

The main test drives a real headless chromium through its DevTools protocol: it loads the page
once and reads the DOM again after each change, without navigating (a marker set in the page's
JavaScript context survives), so the page updated itself.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import REPO, require_tool

XLSX = Path("data/2023/lucheng/indicators.xlsx")


def set_indicator(ws: Path, ind_id: str, year: int, value) -> None:
    """Set one indicator's value for one year in the 指标 sheet, as an editor would in Excel."""
    wb = load_workbook(ws / XLSX)
    sheet = wb["指标"]
    header = [c.value for c in sheet[1]]
    col = next(i for i, h in enumerate(header, 1) if str(h).removesuffix("年") == str(year))
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == ind_id)
    sheet.cell(row, col).value = value
    wb.save(ws / XLSX)


class PreviewServer:
    """`reportgen -C WS preview 2023 --port 0` in a subprocess; its URL read from its output."""

    def __init__(self, ws: Path, *args: str):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "reportgen", "-C", str(ws), "preview", "2023",
                                      "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env, cwd=REPO)
        self.lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.url = m.group(0)
                return
        self.stop()
        raise AssertionError("preview did not start:\n" + "".join(self.lines))

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=10) as r:
            return r.read().decode("utf-8")

    def state(self) -> dict:
        return json.loads(self.get("/state"))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def wait_for(check, timeout=30.0, step=0.2, what=""):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}; last value: {last!r}")


class Browser:
    """A long-lived headless chromium, driven over the DevTools protocol (websocket-client)."""

    def __init__(self, chromium: str, profile: Path, url: str):
        import websocket

        profile.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        port = wait_for(lambda: port_file.is_file() and port_file.read_text().split("\n")[0], 30, what="DevTools port")
        pages = wait_for(lambda: [t for t in self._targets(port) if t["type"] == "page"], 30, what="page target")
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0

    @staticmethod
    def _targets(port):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                return json.loads(r.read())
        except OSError:
            return []

    def evaluate(self, expression: str):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": "Runtime.evaluate",
                                 "params": {"expression": expression, "returnByValue": True}}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                return msg.get("result", {}).get("result", {}).get("value")

    def text(self) -> str:
        return self.evaluate("document.readyState === 'complete' ? document.body.innerText : ''") or ""

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def preview(workspace):
    server = PreviewServer(workspace)
    yield server
    server.stop()


def test_page_in_headless_chromium_follows_data_template_and_error(workspace, preview, tmp_path):
    chromium = require_tool("chromium")
    browser = Browser(chromium, tmp_path / "chromium-profile", preview.url)
    try:
        text = wait_for(lambda: "44家" in browser.text() and browser.text(), 60, what="44家 in the page")
        assert "鹿城区科学技术局" in text and "一、2023年重点工作完成情况" in text
        # The page uses the PDF's CSS: the body font and the GB/T 9704 sizes from the style.
        assert browser.evaluate("getComputedStyle(document.querySelector('p.title')).fontSize") == "29.3333px"  # 22pt
        browser.evaluate("window.loadedOnce = 'yes'")

        set_indicator(workspace, "hte_new", 2023, 45)
        wait_for(lambda: "45家" in browser.text(), 30, what="45家 after changing indicators.xlsx")
        assert "44家" not in browser.text()
        assert browser.evaluate("window.loadedOnce") == "yes"  # updated in place, never navigated

        set_indicator(workspace, "hte_new", 2023, "约45")
        problem = wait_for(lambda: "不是数字" in browser.text() and browser.text(), 30, what="the error page")
        assert "indicators.xlsx" in problem and "约45" in problem

        set_indicator(workspace, "hte_new", 2023, 46)
        wait_for(lambda: "46家" in browser.text(), 30, what="recovery after fixing the data")

        (workspace / "templates" / "summary_plan.md.j2").write_text(
            '{% extends "summary_plan.md.j2" %}\n{% block opening %}\n编辑改写的开头，新增高新技术企业{{ ind.hte_new }}。\n'
            "{% endblock %}\n", "utf-8")
        wait_for(lambda: "编辑改写的开头，新增高新技术企业46家。" in browser.text(), 30, what="the new opening")
        assert "全力构筑高能级平台矩阵" not in browser.text()  # the built-in opening was replaced
        assert "一、2023年重点工作完成情况" in browser.text()    # the rest is inherited
        assert browser.evaluate("window.loadedOnce") == "yes"
    finally:
        browser.close()


def test_event_stream_announces_each_rebuild(workspace, preview):
    first = preview.state()["version"]
    assert "44家" in preview.get("/")
    with urllib.request.urlopen(preview.url + f"events?v={first}", timeout=30) as stream:
        set_indicator(workspace, "hte_new", 2023, 45)
        line = stream.readline().decode()
        while not line.startswith("data:"):
            line = stream.readline().decode()
    assert int(line.split(":")[1]) > first
    assert "45家" in preview.get("/")


def test_broken_template_shows_its_line_and_recovers(workspace, preview):
    template = workspace / "templates" / "summary_plan.md.j2"
    template.write_text('{% extends "summary_plan.md.j2" %}\n{% block opening %}\n{{ ind.hte_nwe }}\n{% endblock %}\n',
                        "utf-8")
    page = wait_for(lambda: "hte_nwe" in preview.get("/") and preview.get("/"), 30, what="the template error")
    assert "templates/summary_plan.md.j2:3" in page and "是否想用 &#x27;hte_new&#x27;" in page
    template.unlink()
    wait_for(lambda: "44家" in preview.get("/"), 30, what="the document again")


def test_page_is_the_pdf_html_with_the_same_css(workspace, preview):
    from reportgen.write import fonts
    from reportgen.pipeline import document_for, style_for
    from reportgen.read.load import load
    from reportgen.core.workspace import Workspace
    from reportgen.write import html

    ws = Workspace(workspace)
    style = style_for(ws)
    uy = next(iter(load(ws, 2023).units.values()))
    expected_css = html.css(style, fonts.resolve(style, ws.fonts))
    page = preview.get("/")
    assert expected_css in page
    doc, _ = document_for(ws, uy)
    assert f"<title>{doc.title}</title>" in page


def test_ignores_output_and_office_lock_files(workspace):
    from reportgen.app.preview import watch_filter
    from reportgen.core.workspace import Workspace

    accept = watch_filter(Workspace(workspace))
    assert accept(None, str(workspace / XLSX))
    assert accept(None, str(workspace / "templates" / "x.md.j2"))
    assert accept(None, str(workspace / "styles.yaml"))
    assert not accept(None, str(workspace / "output" / "2023" / "x.pdf"))
    assert not accept(None, str(workspace / "data" / "2023" / "lucheng" / "~$indicators.xlsx"))
    assert not accept(None, str(workspace / "data" / "2023" / "lucheng" / ".~lock.indicators.xlsx#"))
