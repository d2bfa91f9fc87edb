"""The indicators spreadsheet as a form people fill: highlighted cells to fill, a frozen header,
column widths, dropdown lists (data validation), comments on the headers and a 填写说明 sheet.

Used by ``reportgen init --unit`` (a new, blank workbook) and ``reportgen new-year`` (last year's
workbook, carried over). Only the standard headers are annotated; a bureau's own headers
(data/columns.yaml) are recognised through the layout's renaming. Its texts are the file's
content, in Chinese whatever the locale (not messages), so the workbook is the same everywhere.
"""

from __future__ import annotations

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..core.cnfmt import QUALIFIERS
from ..read.load import KINDS, RANK_SCOPES, YEAR_RE

#: The colour of a cell to fill (Excel's light yellow "Note" fill); the tests find cells by it.
TO_FILL = "FFFFF2CC"
FILL = PatternFill("solid", fgColor=TO_FILL)
HEADER_FILL = PatternFill("solid", fgColor="FFD9E1F2")
INSTRUCTIONS_SHEET = "填写说明"
ROWS = 500          # how far down the dropdown lists reach
AUTHOR = "reportgen"

#: qualifiers in the order a person reads them (suffixes, then prefixes)
_READING_ORDER = ("以上", "以内", "左右", "以下", "超过", "超", "达到", "不低于", "不少于", "力争", "累计")
QUALIFIER_ORDER = tuple(q for q in _READING_ORDER if q in QUALIFIERS) + tuple(
    sorted(q for q in QUALIFIERS if q not in _READING_ORDER))   # every qualifier the reader accepts


def _header_notes() -> dict[str, str]:
    return {
        "id": ("编号：小写英文字母、数字和下划线，以字母开头，如 rd_growth。报告文字用 {{ ind.编号 }} 引用本行的数值。"),
        "name": ("指标名称：出现在表格和提示中的中文名称。"),
        "measure": ("单位：如 家、亿元、%、个百分点、位。类型为比重、增速时填 %。"),
        "kind": ("类型：" + "、".join(KINDS) + "（下拉选择）。决定数值的写法，如“增长15%”“提高0.3个百分点”。"),
        "precision": ("精度：保留的小数位数（0～4，下拉选择）。留空则按填写的数值。"),
        "year": ("这一年的数值：只填数字，不带单位；没有数据就留空。黄色单元格是本次报告要用、需要填写的数值。"),
        "rank_scope": ("排名范围：全国、全省、全市、全区、全县（下拉选择）。没有排名就留空。"),
        "rank": ("排名：名次，正整数，如 14。属于最新一年的数值。"),
        "note": ("说明：数据来源、口径等，不进入报告。"),
        "lower": ("下限：数值不应小于它（可选，用于发现录入错误）。"),
        "upper": ("上限：数值不应大于它（可选）。"),
        "aliases": ("别名：报告文字中对这个指标的其他叫法，用顿号分隔（可选）。"),
        "target_year": ("年份：目标所属的年份，如 {year}。"),
        "target": ("目标值：只填数字，单位与“指标”表相同。黄色单元格是需要设定的目标。"),
        "qualifier": ("限定词：以上、左右、力争……（下拉选择），报告中写成“15%以上”“力争15%”。可留空。"),
        "attribute": ("属性：预期性或约束性（五年规划用，可留空）。"),
        "method": ("测算：自动、年均增长、累计提高、不测算（五年规划用，可留空）。"),
    }


WIDTHS = {"id": 20, "name": 34, "measure": 10, "kind": 9, "precision": 7, "year": 12, "rank_scope": 10,
          "rank": 7, "note": 36, "lower": 8, "upper": 8, "aliases": 18, "target_year": 8, "target": 12,
          "qualifier": 10, "attribute": 9, "method": 10}


def _fields(header: list[str], names: dict[str, str], rename: dict[str, str] | None = None) -> dict[str, int]:
    """Field → column number (1-based) of the recognised headers; year columns as ``("year", Y)``."""
    rename = rename or {}
    out: dict = {}
    for i, h in enumerate(header, 1):
        h = rename.get(str(h).strip(), str(h).strip()) if h is not None else ""
        m = YEAR_RE.match(h)
        if m:
            out[("year", int(m.group(1)))] = i
        elif h in names:
            out.setdefault(names[h], i)
    return out


def _list_validation(sheet, values, column: int, first_row: int, title: str) -> None:
    dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle=title,
                        error=("请从下拉列表中选择：{values}").format(values=("、").join(values)))
    letter = get_column_letter(column)
    dv.add(f"{letter}{first_row}:{letter}{first_row + ROWS}")
    sheet.add_data_validation(dv)


def _annotate_header(sheet, header_row: int, cols: dict, notes: dict[str, str]) -> None:
    for key, col in cols.items():
        field = "year" if isinstance(key, tuple) else key
        cell = sheet.cell(header_row, col)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        note = notes.get(field)
        if note and cell.comment is None:
            cell.comment = Comment(note, AUTHOR, width=320, height=110)
        letter = get_column_letter(col)
        if letter not in sheet.column_dimensions or not sheet.column_dimensions[letter].width:
            sheet.column_dimensions[letter].width = WIDTHS.get(field, 12)   # a width the user set is kept
    sheet.freeze_panes = sheet.cell(header_row + 1, 3 if cols.get("name") == 2 else 2)


def guide_indicators(sheet, header_row: int = 1, rename: dict[str, str] | None = None) -> dict:
    """Dropdowns, comments, widths and frozen panes on a 指标 sheet; returns the column map."""
    from ..read.load import INDICATOR_HEADERS

    header = [c.value for c in sheet[header_row]]
    cols = _fields(header, INDICATOR_HEADERS, rename)
    _annotate_header(sheet, header_row, cols, _header_notes())
    first = header_row + 1
    if "kind" in cols:
        _list_validation(sheet, list(KINDS), cols["kind"], first, ("类型"))
    if "precision" in cols:
        _list_validation(sheet, ["0", "1", "2", "3", "4"], cols["precision"], first, ("精度"))
    if "rank_scope" in cols:
        _list_validation(sheet, list(RANK_SCOPES), cols["rank_scope"], first, ("排名范围"))
    return cols


def guide_targets(sheet, header_row: int = 1, rename: dict[str, str] | None = None, year: int | None = None) -> dict:
    """The same for a 目标 sheet."""
    from ..read.load import ATTRIBUTES, PLAN_METHODS, TARGET_HEADERS

    header = [c.value for c in sheet[header_row]]
    names = {h: ("target_year" if f == "year" else f) for h, f in TARGET_HEADERS.items()}
    cols = _fields(header, names, rename)
    notes = _header_notes()
    notes["target_year"] = notes["target_year"].format(year=year or "")
    _annotate_header(sheet, header_row, cols, notes)
    first = header_row + 1
    if "qualifier" in cols:
        _list_validation(sheet, list(QUALIFIER_ORDER), cols["qualifier"], first, ("限定词"))
    if "attribute" in cols:
        _list_validation(sheet, list(ATTRIBUTES), cols["attribute"], first, ("属性"))
    if "method" in cols:
        _list_validation(sheet, list(PLAN_METHODS), cols["method"], first, ("测算"))
    return cols


def to_fill(cell) -> None:
    """Mark a cell as one to fill."""
    cell.fill = FILL


def is_to_fill(cell) -> bool:
    return cell.fill is not None and cell.fill.fgColor is not None and cell.fill.fgColor.rgb == TO_FILL


def instructions(wb, report_year: int, results_year: int) -> None:
    """A 填写说明 sheet (replaced if present), placed last."""
    if INSTRUCTIONS_SHEET in wb.sheetnames:
        del wb[INSTRUCTIONS_SHEET]
    sheet = wb.create_sheet(INSTRUCTIONS_SHEET)
    lines = [
        ("{report}年报告的指标表：总结{results}年、谋划{report}年").format(report=report_year, results=results_year),
        "",
        ("1. 只填黄色单元格：“指标”表中 {results} 年的数值，“目标”表中 {report} 年的目标值。其余单元格可按需修改。").format(
            results=results_year, report=report_year),
        ("2. 数值只填数字，不带单位、不带“约”“%”；单位写在“单位”列，说明写在“说明”列。没有数据的单元格留空。"),
        ("3. 类型、精度、排名范围、限定词从下拉列表中选择。把鼠标停在表头上可看到每一列的说明。"),
        ("4. 增加指标：在“指标”表末尾加一行，编号用小写英文字母、数字和下划线（如 patents_new），报告文字中写 {{ ind.patents_new }}。"),
        ("5. 不要合并单元格，不要改工作表名和表头；可以调整列宽、颜色。"),
        ("6. 填好后运行：reportgen check {report}（检查并列出还要填写的内容），再运行：reportgen build {report}。").format(
            report=report_year),
    ]
    for i, line in enumerate(lines, 1):
        cell = sheet.cell(i, 1, line or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 110
