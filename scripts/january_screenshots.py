#!/usr/bin/env python3
"""Screenshots for docs/january-guide.md, made from the guide's own steps and example numbers.

    .venv/bin/python scripts/january_screenshots.py [OUT_DIR]      (default: docs/images)

In a temporary folder it runs ``reportgen init 平阳 --unit 平阳县科学技术局 --year 2025`` and
renders the new indicators spreadsheet (its 指标 and 目标 sheets, the yellow cells to fill) with
LibreOffice Calc headless (xlsx → PDF, on a copy set to print one landscape page per sheet with
grid lines and headings) and pdftoppm; then fills the yellow cells with the numbers of the
guide's example table, runs ``reportgen build 2025`` and renders the first page of the PDF.
Writes OUT_DIR/january-sheet.png and OUT_DIR/january-pdf.png only. Needs libreoffice-calc-nogui
and poppler-utils (``scripts/setup.sh --test``) and Pillow.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "january-guide.md"


def reportgen(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=cwd, check=True, capture_output=True)


def example_numbers() -> tuple[dict, dict]:
    """The guide's table of example numbers: {id: value of 2024}, {id: target for 2025}."""
    def number(s: str):
        return float(s) if "." in s else int(s)

    values, targets = {}, {}
    text = GUIDE.read_text("utf-8")
    for row in re.finditer(r"(?m)^\| ([a-z_]+) \| [^|]+ \|\s*([\d.]*)\s*\|\s*([\d.]*)\s*\|$", text):
        if row.group(2):
            values[row.group(1)] = number(row.group(2))
        if row.group(3):
            targets[row.group(1)] = number(row.group(3))
    return values, targets


def fill(workbook: Path, values: dict, targets: dict) -> None:
    """Fill every yellow cell (the cells ``reportgen`` marks to fill) with the guide's numbers."""
    from openpyxl import load_workbook

    from reportgen.app.xlsxform import is_to_fill

    wb = load_workbook(workbook)
    for sheet, numbers in ((wb["指标"], values), (wb["目标"], targets)):
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if is_to_fill(cell) and cell.value is None:
                    cell.value = numbers[row[0].value]
    wb.save(workbook)


def trimmed(png: Path, margin: int = 12):
    from PIL import Image, ImageChops

    image = Image.open(png).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box:
        image = image.crop((max(0, box[0] - margin), max(0, box[1] - margin),
                            min(image.width, box[2] + margin), min(image.height, box[3] + margin)))
    return image


def sheet_picture(xlsx: Path, work: Path, out: Path) -> None:
    from openpyxl import load_workbook
    from openpyxl.worksheet.properties import PageSetupProperties
    from PIL import Image

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("LibreOffice (libreoffice-calc-nogui) is needed: bash scripts/setup.sh --test")
    wb = load_workbook(xlsx)                 # a copy laid out for printing; the workspace's file is untouched
    del wb["填写说明"]
    for sheet in wb.worksheets:
        sheet.page_setup.orientation = "landscape"
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.page_setup.fitToWidth = sheet.page_setup.fitToHeight = 1
        sheet.print_options.gridLines = sheet.print_options.headings = True
    copy = work / "sheet.xlsx"
    wb.save(copy)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation={(work / 'lo').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(work), str(copy)], check=True, capture_output=True,
                   timeout=300)
    subprocess.run(["pdftoppm", "-r", "130", "-png", str(work / "sheet.pdf"), str(work / "sheet")], check=True)
    pages = [trimmed(p) for p in sorted(work.glob("sheet-*.png"))]
    width = max(p.width for p in pages)
    canvas = Image.new("RGB", (width, sum(p.height for p in pages) + 24 * (len(pages) - 1)), "white")
    y = 0
    for page in pages:
        canvas.paste(page, (0, y))
        y += page.height + 24
    canvas.save(out, optimize=True)


def pdf_picture(pdf: Path, work: Path, out: Path) -> None:
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "70", "-png", str(pdf), str(work / "page")], check=True)
    page = next(work.glob("page-*.png"))
    from PIL import Image

    Image.open(page).convert("RGB").save(out, optimize=True)


def main() -> None:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "images"
    out_dir.mkdir(parents=True, exist_ok=True)
    values, targets = example_numbers()
    with tempfile.TemporaryDirectory(prefix="january-") as tmp:
        work = Path(tmp)
        reportgen("init", "平阳", "--unit", "平阳县科学技术局", "--year", "2025", cwd=work)
        ws = work / "平阳"
        xlsx = ws / "data/2025/pingyang/indicators.xlsx"
        sheet_picture(xlsx, work, out_dir / "january-sheet.png")
        fill(xlsx, values, targets)
        reportgen("build", "2025", "--format", "pdf", cwd=ws)
        pdf_picture(next((ws / "output/2025").glob("*.pdf")), work, out_dir / "january-pdf.png")
    for name in ("january-sheet.png", "january-pdf.png"):
        print(out_dir / name)


if __name__ == "__main__":
    main()
