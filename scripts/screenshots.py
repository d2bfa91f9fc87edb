#!/usr/bin/env python3
"""Screenshots for docs/editors-guide.md, taken as an editor sees them, in headless Chromium.

    .venv/bin/python scripts/screenshots.py [OUT_DIR]      (default: docs/images)

In a fresh sample workspace (``reportgen init --sample``) it starts ``reportgen preview 2024``, opens the
list page and a document, breaks a figure in indicators.xlsx as an editor might (“约45”), takes
the error shown over the pages, fixes it, then runs ``reportgen build 2024`` and shows the PDF it
wrote (the result) with the same PDF.js the preview uses. Needs chromium and websocket-client
(``pip install -e '.[test]'``); it writes only OUT_DIR and a temporary folder.
"""

from __future__ import annotations

import base64
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 1000, 820
YEAR = "2024"


def wait_for(check, timeout=90.0, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


class Browser:
    """Headless chromium over the DevTools protocol."""

    def __init__(self, profile: Path):
        import websocket

        chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not chromium:
            raise SystemExit("chromium is needed (scripts/setup.sh --test installs it)")
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        port = wait_for(lambda: port_file.is_file() and port_file.read_text().split("\n")[0], 30, "chromium")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
            page = next(t for t in json.loads(r.read()) if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.command("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def command(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                return msg.get("result", {})

    def evaluate(self, expression: str):
        return self.command("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")

    def goto(self, url: str) -> None:
        self.evaluate("window.stale = true")
        self.command("Page.navigate", url=url)
        wait_for(lambda: self.evaluate("!window.stale && document.readyState === 'complete'"), 30, url)

    def pages_drawn(self) -> bool:
        return bool(self.evaluate("document.querySelectorAll('#pages .page[data-painted]').length > 0 && "
                                  "document.querySelectorAll('#pages .page[data-painted]').length === "
                                  "+document.body.dataset.pages"))

    def shot(self, path: Path) -> None:
        time.sleep(0.3)
        data = self.command("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")

    def close(self) -> None:
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(10)


def reportgen(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=REPO, text=True, check=True,
                          capture_output=True, env={"LANGUAGE": "zh_CN", "PATH": "/usr/bin:/bin"}, **kw)


def set_value(ws: Path, ind_id: str, value) -> None:
    from openpyxl import load_workbook

    path = ws / "data" / YEAR / "lucheng" / "indicators.xlsx"
    wb = load_workbook(path)
    sheet = wb["指标"]
    header = [c.value for c in sheet[1]]
    results = str(int(YEAR) - 1)   # the 2024 report's figures are those of 2023
    col = next(i for i, h in enumerate(header, 1) if str(h).removesuffix("年") == results)
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == ind_id)
    sheet.cell(row, col).value = value
    wb.save(path)


def serve_folder(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(folder))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


RESULT_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="preview.css"></head>
<body><div id="pages" style="display:flex;gap:16px;justify-content:center;padding:12px"></div>
<script type="module">
import * as pdfjs from "./pdf.min.mjs";
pdfjs.GlobalWorkerOptions.workerSrc = "./pdf.worker.min.mjs";
const pdf = await pdfjs.getDocument({url: "result.pdf"}).promise;
for (const n of [1, 2]) {
  const page = await pdf.getPage(n), vp = page.getViewport({scale: 0.78});
  const canvas = document.createElement("canvas");
  canvas.width = vp.width; canvas.height = vp.height; canvas.className = "page";
  document.getElementById("pages").appendChild(canvas);
  await page.render({canvas, viewport: vp}).promise;
}
document.body.dataset.done = "1";
</script></body></html>
"""


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reportgen-shots-") as tmp:
        tmp = Path(tmp)
        ws = tmp / "ws"
        reportgen("init", str(ws), "--sample")
        preview = subprocess.Popen([sys.executable, "-m", "reportgen", "-C", str(ws), "preview", YEAR, "--port", "0"],
                                   cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   env={"LANGUAGE": "zh_CN", "PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"})
        browser = None
        try:
            url = wait_for(lambda: (m := re.search(r"http://127\.0\.0\.1:\d+/", preview.stdout.readline())) and m.group(0),
                           120, "the preview")
            browser = Browser(tmp / "chromium")
            browser.goto(url)
            browser.shot(out / "preview-list.png")

            browser.goto(url + f"doc/{YEAR}/lucheng/1")
            wait_for(browser.pages_drawn, 120, "the pages")
            browser.shot(out / "preview-pages.png")

            browser.evaluate("(() => { const p = document.querySelectorAll('#pages .page')[0];"
                             " window.scrollTo(0, p.offsetTop + p.offsetHeight - 520); })()")   # a page break
            time.sleep(0.5)
            browser.shot(out / "preview-page-number.png")
            browser.evaluate("window.scrollTo(0, 0)")

            set_value(ws, "hte_new", "约45")
            wait_for(lambda: browser.evaluate("!!document.getElementById('problems')"), 60, "the problems")
            browser.shot(out / "preview-error.png")
            set_value(ws, "hte_new", 44)
            wait_for(lambda: browser.evaluate("!document.getElementById('problems')"), 60, "the recovery")
        finally:
            preview.terminate()
            preview.wait(10)

        reportgen("-C", str(ws), "build", YEAR, "--format", "pdf")
        pdf = next((ws / "output" / YEAR).glob("*工作总结和*.pdf"))
        site = tmp / "site"
        site.mkdir()
        static = REPO / "reportgen" / "app" / "static"
        for name in ("pdfjs/pdf.min.mjs", "pdfjs/pdf.worker.min.mjs", "preview.css"):
            shutil.copy(static / name, site / Path(name).name)
        shutil.copy(pdf, site / "result.pdf")
        (site / "index.html").write_text(RESULT_PAGE, "utf-8")
        server, site_url = serve_folder(site)
        try:
            browser.goto(site_url + "index.html")
            wait_for(lambda: browser.evaluate("document.body.dataset.done"), 60, "the result")
            browser.shot(out / "result-pdf.png")
        finally:
            server.shutdown()
            browser.close()


if __name__ == "__main__":
    main()
