#!/usr/bin/env python3
"""Side-by-side pages for docs/internals.md: the PDF reportgen writes, next to its DOCX as
LibreOffice shows it on a recipient's desktop (open fonts only, no reportgen font mapping — the
conformance suite's ``recipient_fontconfig``).

    .venv/bin/python scripts/parity_pages.py [OUT_DIR]      (default: docs/images)

Builds the repository's sample (2024: 鹿城, 2021: 瓯海) into a temporary folder, converts each
DOCX with LibreOffice headless under a private profile and fontconfig, renders the pages with
pdftoppm at 60 dpi and puts them side by side (Pillow): page 1 of 鹿城's summary-and-plan
report and the table page of 瓯海's 十四五 annex.  Needs LibreOffice and poppler
(``scripts/setup.sh --test``); it writes only OUT_DIR and a temporary folder.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from tests.conformance.conftest import libreoffice_pdf, recipient_fontconfig  # noqa: E402  (the suite's own)

PAGES = [  # (year, document, page, image name)
    ("2024", "鹿城区科学技术局2023年工作总结和2024年工作思路", 1, "parity-lucheng-p1.png"),
    ("2021", "瓯海区科学技术发展“十四五”规划", 10, "parity-ouhai-p10-table.png"),
]


def render(pdf: Path, page: int, out: Path):
    from PIL import Image

    stem = out.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(stem)], check=True)
    return Image.open(f"{stem}.png").convert("RGB")


def main() -> None:
    from PIL import Image, ImageDraw

    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "images"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fc = recipient_fontconfig(tmp / "recipient")
        built: dict[str, Path] = {}
        for year, stem, page, name in PAGES:
            if year not in built:
                built[year] = tmp / f"out-{year}"
                subprocess.run([sys.executable, "-m", "reportgen", "-C", str(REPO), "build", year,
                                "--out", str(built[year])], check=True, capture_output=True)
            docx, pdf = built[year] / f"{stem}.docx", built[year] / f"{stem}.pdf"
            lo = libreoffice_pdf(docx, tmp / f"lo-{year}-{page}", fc)
            left, right = render(pdf, page, tmp / f"wp-{page}"), render(lo, page, tmp / f"lo-{page}")
            width, height = left.width + right.width + 20, max(left.height, right.height) + 24
            sheet = Image.new("RGB", (width, height), "white")
            sheet.paste(left, (0, 24))
            sheet.paste(right, (left.width + 20, 24))
            draw = ImageDraw.Draw(sheet)
            draw.text((6, 6), "PDF (reportgen, WeasyPrint)", fill="black")
            draw.text((left.width + 26, 6), "DOCX in LibreOffice 7.4, recipient desktop (no mapping)", fill="black")
            sheet.save(out_dir / name, optimize=True)
            print(out_dir / name)


if __name__ == "__main__":
    main()
