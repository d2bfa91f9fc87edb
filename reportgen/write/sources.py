"""The sources table (来源表) next to a document: one row per printed figure, as an .xlsx.

A reviewer opens it in Excel or WPS and sorts or filters it (the header row has an autofilter):
page, the text as printed, value, indicator, the cells it was read from, the computation and
the template or report.yaml line that printed it. Numbers that no figure covers and that are not
fixed wording (see :mod:`reportgen.check.provenance`) are listed too, marked 未溯源, so a figure
typed into a narrative cannot hide.

Why .xlsx and not CSV: the bureau's staff open files with Excel/WPS, which read a UTF-8 CSV as
garbled text unless it has a BOM and cannot keep a filter in it; an .xlsx opens correctly, keeps
the filter and column widths. The bytes are reproducible (fixed timestamps, fixed zip entry times).

Page numbers come from the PDF when it is built: the figures are found in the PDF's page text in
reading order (pypdf), so the page is the one the reader sees.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile

from ..check.provenance import Figure, entries
from ..model import Document
from .pydocx import normalise_zip

HEADERS = ("页码", "位置", "印出文字", "数值", "指标", "指标名称", "来源单元格", "计算", "写入位置", "上下文", "状态")
WIDTHS = (6, 18, 14, 10, 22, 26, 48, 40, 44, 40, 8)
FIXED_TIME = _dt.datetime(2000, 1, 1)
_SPACE = re.compile(r"\s+")


def rows(doc: Document, pdf: bytes | None = None) -> list[dict]:
    """The table's rows in reading order: every figure and every untraced number."""
    items = entries(doc)
    pages = page_numbers(pdf, items) if pdf else [None] * len(items)
    out = []
    for item, page in zip(items, pages):
        if isinstance(item, Figure):
            s = item.source
            out.append({"页码": page, "位置": item.place.label, "印出文字": item.text, "数值": s.value,
                        "指标": s.indicator, "指标名称": s.name,
                        "来源单元格": "；".join(f"{a} = {v}" if v != "" else a for a, v in s.cells),
                        "计算": s.computation, "写入位置": s.printed_by, "上下文": item.context, "状态": "已溯源"})
        else:
            out.append({"页码": page, "位置": item.place.label, "印出文字": item.text, "数值": item.text,
                        "指标": "", "指标名称": "", "来源单元格": "", "计算": "",
                        "写入位置": item.narrative, "上下文": item.context, "状态": "未溯源"})
    return out


def page_numbers(pdf: bytes, items: list) -> list[int | None]:
    """The page of each item: its text searched in the PDF's text from the previous item on."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    text = ""
    starts = []
    for page in reader.pages:
        starts.append(len(text))
        text += _SPACE.sub("", page.extract_text() or "")
    out: list[int | None] = []
    cursor = 0
    for item in items:
        t = item.place.text
        after = _SPACE.sub("", t[item.start:item.start + len(item.text) + 8])
        alone = _SPACE.sub("", item.text)
        at = -1
        for needle in (after, alone):
            if needle:
                at = text.find(needle, cursor)
                if at >= 0:
                    break
        if at < 0:
            out.append(None)
            continue
        cursor = at + len(alone)
        out.append(max(i for i, s in enumerate(starts) if s <= at) + 1)
    return out


def sources_xlsx(doc: Document, pdf: bytes | None = None) -> bytes:
    """The sources table of ``doc`` as reproducible .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "来源"
    ws.append(list(HEADERS))
    for r in rows(doc, pdf):
        ws.append([r[h] for h in HEADERS])
    for i, w in enumerate(WIDTHS, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = w
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.properties.creator = "reportgen"
    wb.properties.title = doc.title + "（来源）"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    # openpyxl's save() stamps the time of saving into docProps/core.xml; its writer, used
    # directly, keeps the fixed times set above. The zip's entry times are then fixed like the
    # DOCX's (one normalisation for every zip the writers make).
    from openpyxl.writer.excel import ExcelWriter

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return normalise_zip(buf.getvalue())
