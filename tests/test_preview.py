"""`reportgen preview`: every document as the pages of its PDF, updated in the page when files change.

The browser tests drive a real headless chromium through its DevTools protocol: they open the
list page, follow its links, and read the pages' text layer (PDF.js draws each page on a
canvas with its text over it, transparent, selectable). After a change they read the DOM again
without navigating (a marker set in the page's JavaScript context survives), so the page
updated itself.
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

XLSX = Path("data/2024/lucheng/indicators.xlsx")
OPENING = ('{% extends "summary_plan.md.j2" %}\n{% block opening %}\n编辑改写的开头，新增高新技术企业'
           "{{ ind.hte_new }}。\n{% endblock %}\n")


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
    """`reportgen -C WS preview [YEAR] --port 0` in a subprocess; its URL read from its output."""

    def __init__(self, ws: Path, *args: str):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "reportgen", "-C", str(ws), "preview",
                                      "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env, cwd=REPO)
        self.lines: list[str] = []
        deadline = time.monotonic() + 90
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
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=60) as r:
            return r.read().decode("utf-8")

    def state(self) -> dict:
        return json.loads(self.get("/state"))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            rest, _err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rest, _err = self.proc.communicate()
        print("preview's output:\n" + "".join(self.lines) + (rest or ""))   # shown when a test fails


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

    def __init__(self, chromium: str, profile: Path, url: str, width: int = 1000, height: int = 1200):
        import websocket

        profile.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--window-size={width},{height}", f"--user-data-dir={profile}", "--remote-debugging-port=0", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        port = wait_for(lambda: port_file.is_file() and port_file.read_text().split("\n")[0], 30, what="DevTools port")
        pages = wait_for(lambda: [t for t in self._targets(port) if t["type"] == "page"], 30, what="page target")
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.command("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                     mobile=False)

    @staticmethod
    def _targets(port):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                return json.loads(r.read())
        except OSError:
            return []

    def command(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                return msg.get("result", {})

    def evaluate(self, expression: str):
        return self.command("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")

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


def loaded(browser: Browser, path: str) -> bool:
    """A new document (not the one marked stale before navigating) is at ``path`` and loaded."""
    return bool(browser.evaluate(f"!window.stale && location.pathname === {json.dumps(path)} "
                                 "&& document.readyState === 'complete'"))


def open_from_list(browser: Browser, list_url: str, href: str) -> None:
    """Go to the list page and click the link to one document, as an editor would."""
    browser.evaluate("window.stale = true")
    browser.command("Page.navigate", url=list_url)
    wait_for(lambda: loaded(browser, "/"), 30, what="the list page")
    browser.evaluate(f"window.stale = true; document.querySelector('a[href=\"{href}\"]').click()")
    wait_for(lambda: loaded(browser, href), 30, what=f"navigation to {href}")


def pages_drawn(browser: Browser) -> int:
    """How many pages the viewer shows with their text layer drawn."""
    return browser.evaluate("document.querySelectorAll('#pages .page[data-painted]').length "
                            "=== +document.body.dataset.pages && document.body.dataset.text === document.body.dataset.rev"
                            " && document.body.dataset.sources === document.body.dataset.rev"
                            " ? +document.body.dataset.pages : 0") or 0


def test_every_document_of_the_repository_workspace_as_pages_and_a_template_edit(tmp_path):
    """The repository's own workspace, as laid out (and linked) in the checkout."""
    chromium = require_tool("chromium")
    added = REPO / "templates" / "summary_plan.md.j2"
    assert not added.exists(), f"{added} must not exist before the test"
    server = PreviewServer(REPO)
    browser = Browser(chromium, tmp_path / "chromium-profile", server.url)
    try:
        links = wait_for(lambda: browser.evaluate(
            "document.readyState === 'complete' && [...document.querySelectorAll('main a')]"
            ".map(a => [a.getAttribute('href'), a.textContent])"), 60, what="the list page")
        state = server.state()
        # every document of every unit of every year is on the list page
        assert sorted(href for href, _t in links) == sorted(f"/doc/{k}" for k in state["docs"])
        assert len(links) >= 7 and sum("/lucheng/" in href for href, _t in links) >= 4
        for href, title in links:
            open_from_list(browser, server.url, href)
            n = wait_for(lambda: pages_drawn(browser), 90, what=f"the pages of {title}")
            text = browser.text()
            assert browser.evaluate("document.title") == title
            for page in range(1, n + 1):   # the page numbers, as text on the pages
                assert f"— {page} —" in text, (title, page)
            assert n >= 1 and "\u200b" not in text
        summary = next(href for href, title in links if "鹿城" in title and "工作总结和" in title)
        open_from_list(browser, server.url, summary)
        n = wait_for(lambda: pages_drawn(browser), 90, what="the summary's pages")
        # the text can be found (Ctrl-F) and selected
        assert browser.evaluate("window.find('全社会R&D经费支出增速')")
        assert "全社会R&D经费支出增速" in browser.evaluate("String(window.getSelection())")
        browser.evaluate("window.getSelection().removeAllRanges();"
                         "document.querySelectorAll('#pages .page')[2].scrollIntoView(); window.marker = 'kept'")
        top = browser.evaluate("scrollY")
        assert top > 2000
        rev = browser.evaluate("+document.body.dataset.rev")

        added.write_text(OPENING, "utf-8")
        started = time.monotonic()
        wait_for(lambda: "编辑改写的开头，新增高新技术企业44家。" in browser.text(), 10, step=0.1,
                 what="the edited opening within 10 seconds: " + repr(browser.evaluate(
                     "[document.body.dataset.rev, document.body.dataset.text, document.getElementById('status').textContent]"))
                 + repr({k: v["rev"] for k, v in server.state()["docs"].items()}))
        seen_after = time.monotonic() - started
        assert browser.evaluate("window.marker") == "kept"          # updated in place
        assert browser.evaluate("+document.body.dataset.rev") > rev
        assert abs(browser.evaluate("scrollY") - top) < 5           # the same page in view
        assert "全力构筑高能级平台矩阵" not in browser.text()
        print(f"template edit seen in the browser after {seen_after:.1f} s")
    finally:
        added.unlink(missing_ok=True)
        browser.close()
        server.stop()


def test_error_over_the_last_good_pages_and_recovery(workspace, tmp_path):
    chromium = require_tool("chromium")
    server = PreviewServer(workspace, "2024")
    browser = Browser(chromium, tmp_path / "chromium-profile", server.url + "doc/2024/lucheng/1")
    try:
        n = wait_for(lambda: pages_drawn(browser), 90, what="the pages")
        assert "44家" in browser.text() and "— 2 —" in browser.text()
        browser.evaluate("document.querySelectorAll('#pages .page')[1].scrollIntoView(); window.marker = 'kept'")
        top = browser.evaluate("scrollY")
        assert top > 1000

        set_indicator(workspace, "hte_new", 2023, "约45")
        problem = wait_for(lambda: browser.evaluate("document.getElementById('problems')?.innerText"), 30,
                           what="the problems")
        assert "indicators.xlsx" in problem and "约45" in problem and "不是数字" in problem
        # the last good pages stay under the problems
        assert pages_drawn(browser) == n and "44家" in browser.text() and "— 2 —" in browser.text()
        assert browser.evaluate("getComputedStyle(document.getElementById('problems')).position") == "fixed"

        set_indicator(workspace, "hte_new", 2023, 46)
        wait_for(lambda: "46家" in browser.text() and not browser.evaluate("!!document.getElementById('problems')"),
                 30, what="recovery after fixing the data")
        assert "44家" not in browser.text()
        assert browser.evaluate("window.marker") == "kept"
        assert abs(browser.evaluate("scrollY") - top) < 5   # recovery keeps the page in view

        template = workspace / "templates" / "summary_plan.md.j2"
        template.write_text(OPENING.replace("ind.hte_new", "ind.hte_nwe"), "utf-8")
        problem = wait_for(lambda: browser.evaluate("document.getElementById('problems')?.innerText"), 30,
                           what="the template error")
        assert "templates/summary_plan.md.j2:3" in problem and "hte_new" in problem
        assert "46家" in browser.text()
        template.unlink()
        wait_for(lambda: not browser.evaluate("!!document.getElementById('problems')"), 30, what="recovery")
    finally:
        browser.close()
        server.stop()


def test_a_workspace_whose_folders_are_links(full_workspace):
    """data/ and templates/ are links to folders in another place of the workspace (as the
    repository's own sample was laid out: data -> reportgen/sample/data); edits made there, through
    the folders the links lead to, update the preview. (Links out of the workspace are refused.)"""
    elsewhere = full_workspace / "sample"
    elsewhere.mkdir()
    for name in ("data", "templates"):
        (full_workspace / name).rename(elsewhere / name)
        (full_workspace / name).symlink_to(Path("sample") / name)
    server = PreviewServer(full_workspace, "2024")
    try:
        first = server.state()
        assert len(first["docs"]) == 4 and not any(d["problems"] for d in first["docs"].values())
        report = elsewhere / "data/2024/lucheng/report.yaml"
        good = report.read_text("utf-8")
        report.write_text(good.replace("date:", "date: [", 1), "utf-8")
        broken = wait_for(lambda: (s := server.state())["problems"] and s, 20, what="the broken report.yaml")
        assert "report.yaml" in json.dumps(broken, ensure_ascii=False)
        report.write_text(good, "utf-8")
        wait_for(lambda: not server.state()["problems"], 20, what="recovery")
        (elsewhere / "templates" / "summary_plan.md.j2").write_text(OPENING.replace("hte_new", "hte_nwe"), "utf-8")
        wait_for(lambda: "hte_nwe" in json.dumps(server.state()["docs"]["2024/lucheng/1"]["problems"]), 20,
                 what="the template edit in the linked templates folder")
    finally:
        server.stop()


def test_pdf_served_is_the_built_pdf(workspace, tmp_path):
    """The pages shown are those of the PDF `reportgen build` writes (same bytes)."""
    from conftest import reportgen

    reportgen("-C", str(workspace), "build", "2024", "--format", "pdf", check=True)
    built = next((workspace / "output" / "2024").glob("*.pdf")).read_bytes()
    server = PreviewServer(workspace, "2024")
    try:
        with urllib.request.urlopen(server.url + "pdf/2024/lucheng/1", timeout=60) as r:
            served = r.read()
        assert served == built
    finally:
        server.stop()


def test_ignores_output_and_office_lock_files(workspace):
    from reportgen.app.preview import watch_filter
    from reportgen.core.workspace import Workspace

    accept = watch_filter(Workspace(workspace))
    assert accept(None, str(workspace / XLSX))
    assert accept(None, str(workspace / "templates" / "x.md.j2"))
    assert accept(None, str(workspace / "styles.yaml"))
    assert not accept(None, str(workspace / "output" / "2024" / "x.pdf"))
    assert not accept(None, str(workspace / "data" / "2024" / "lucheng" / "~$indicators.xlsx"))
    assert not accept(None, str(workspace / "data" / "2024" / "lucheng" / ".~lock.indicators.xlsx#"))


def test_pdfjs_draws_every_glyph_poppler_draws(workspace, tmp_path):
    """The preview's PDF.js draws the same ink as poppler on a page: the fonts in the PDF are read
    alike by both (a CID-keyed face whose CIDs are not its glyph ids drew most characters blank)."""
    chromium = require_tool("chromium")
    pdftoppm = require_tool("pdftoppm")
    from PIL import Image

    server = PreviewServer(workspace, "2024")
    browser = Browser(chromium, tmp_path / "chromium-profile", server.url + "doc/2024/lucheng/1")
    try:
        wait_for(lambda: pages_drawn(browser), 90, what="the pages")
        size = browser.evaluate("[document.querySelector('#pages canvas').width, document.querySelector('#pages canvas').height]")
        ink_pdfjs = browser.evaluate(
            "(() => { const c = document.querySelector('#pages canvas');"
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
            " for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 384) n++; return n; })()")
        pdf = tmp_path / "shown.pdf"
        with urllib.request.urlopen(server.url + "pdf/2024/lucheng/1", timeout=60) as r:
            pdf.write_bytes(r.read())
        subprocess.run([pdftoppm, "-f", "1", "-l", "1", "-scale-to-x", str(size[0]), "-scale-to-y", str(size[1]),
                        "-png", str(pdf), str(tmp_path / "poppler")], check=True)
        page = Image.open(next(tmp_path.glob("poppler*.png"))).convert("L")
        ink_poppler = sum(page.histogram()[:128])
        assert ink_poppler > 10000
        assert 0.8 < ink_pdfjs / ink_poppler < 1.25, (ink_pdfjs, ink_poppler)
    finally:
        browser.close()
        server.stop()
