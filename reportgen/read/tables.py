"""Raw tables from a bureau's files, every cell with the address a user can open.

Three sources give the same thing, a :class:`Sheet` (a header and numbered rows):

* ``.xlsx`` (openpyxl): cells are named ``indicators.xlsx 指标!C12``;
* ``.csv`` (pandas; UTF-8, UTF-8 with BOM or GB18030 as saved by Excel/WPS): ``indicators.csv C12``;
* ``.yaml``: a list of rows under a key (``指标:``/``目标:``), each row a mapping from header to
  value; cells are named by file and line, ``indicators.yaml:14``.

An optional column mapping (``data/columns.yaml``, or ``columns.yaml`` in a unit's folder, which
wins) lets a bureau keep its own sheet names, header row and header names::

    指标:
      工作表: 科技指标        # the sheet holding the indicators (default 指标)
      表头行: 2              # the header row (default 1); rows above it are a title, ignored
      列:                    # the bureau's header → the standard header
        指标代码: 编号
        计量单位: 单位
    目标:
      工作表: 年度目标
      列: {代码: 编号}

Nothing here knows what an indicator is: :mod:`reportgen.load` validates the rows.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
import yaml

from ..core import yamlio
from ..core.errors import ProblemList, ReportgenError
from ..core.i18n import _
from ..core.workspace import read_input

MAX_CELL_CHARS = 32_767              # Excel's own limit for one cell
MAX_XLSX_UNPACKED = 64 * 1024 * 1024 # a workbook's parts together, unzipped (a zip bomb stops here)


def get_column_letter(index: int) -> str:
    """Excel's column name of a 1-based column number (1 → A, 27 → AA), as openpyxl's
    ``get_column_letter`` (not imported for it: openpyxl's import costs ≈70 ms)."""
    if not 1 <= index <= 18278:
        raise ValueError(f"Invalid column index {index}")
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _read(path: Path, rel: str, problems: ProblemList) -> bytes | None:
    """The file's bytes, size-limited; its problem reported (None) when it cannot be read."""
    try:
        return read_input(path, None, rel)
    except ReportgenError as exc:
        problems.problems.extend(exc.problems)
        return None


def _long_cells(label: str, rows, header_row: int, problems: ProblemList, letters: bool) -> bool:
    """Report every cell over MAX_CELL_CHARS (a figure or a name, never a book); True if any."""
    found = False
    for number, row in rows:
        for i, v in enumerate(row):
            if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                col = get_column_letter(i + 1) if letters else _("第{n}列").format(n=i + 1)
                where = f"{label}!{col}{number}" if letters else f"{label} " + _("第{row}行{col}").format(row=number, col=col)
                problems.add(where, _("单元格有 {n} 个字符，超过上限 {m}").format(n=len(v), m=MAX_CELL_CHARS),
                             _("单元格只填一个数值或简短文字；长文字写在 report.yaml 中"))
                found = True
    return found


def blank(v) -> bool:
    """An empty cell: None, NaN or white space only."""
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


# -- cells as people see them ---------------------------------------------------------------------
#: Texts people type into a cell whose figure is not known yet: the cell counts as blank (missing).
STAND_INS = frozenset({"—", "——", "－", "-", "--", "–", "/", "／", "…", "……", "待填", "待定", "暂无", "无",
                       "未知", "空", "n/a", "na", "nan", "none", "null", "tbd", "?", "？", "#n/a"})


#: Columns that describe a row rather than hold its own figure: staff merge such a cell down several
#: rows (one 类型 for a block of indicators) and Excel shows its value in each; every other column
#: (years, 排名, 目标值, 编号, 指标名称, 别名 …) holds one value per row and may not be merged.
SHAREABLE = frozenset({"单位", "类型", "精度", "排名范围", "下限", "上限", "说明", "备注", "年份", "限定词", "属性", "测算"})

#: Texts that say a figure does not exist by nature (a base year the indicator was not yet counted
#: in): not a missing value to fill in. A table prints “—” for it; running text cannot print it.
NOT_COLLECTED = frozenset({"未统计", "不统计", "不适用", "无此项"})


def not_collected(v) -> bool:
    """A text saying the figure was not collected (未统计、不适用): printed as “—” in a table."""
    return isinstance(v, str) and unicodedata.normalize("NFKC", v).strip() in NOT_COLLECTED


def stand_in(v) -> bool:
    """A text that stands for a missing figure (— 待填 N/A 暂无 …)."""
    return isinstance(v, str) and unicodedata.normalize("NFKC", v).strip().lower() in STAND_INS


@dataclass(frozen=True)
class CellFormat:
    """What Excel/WPS showed for a numeric cell: its number format, decimals and percent sign."""

    code: str               # the number format, e.g. "0.0%", "#,##0.00", "General"
    places: int | None      # decimals the format shows (None: General, as typed)
    percent: bool = False   # the value was divided by 100 when typed (0.219 shown as 21.9%)


_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def cell_format(code: str | None) -> CellFormat:
    """Decimals and percent of an Excel number format (its first section, for positive numbers)."""
    code = code or "General"
    section = _QUOTED.sub("", code.split(";")[0])
    if section.strip().lower() in ("general", "") or not re.search(r"[0#?]", section):
        return CellFormat(code, None, "%" in section)
    m = re.search(r"\.([0#?]*)", section)
    places = len(m.group(1).replace("#", "").replace("?", "")) if m else 0
    return CellFormat(code, places, "%" in section)


def general_places(v: float) -> int:
    """Decimals Excel's General format shows for ``v`` (up to 10 significant digits)."""
    text = f"{float(v):.10g}"
    if "e" in text:
        text = format(Decimal(text), "f")
    return len(text.split(".")[1]) if "." in text else 0


def number_text(v) -> tuple[Decimal, int, bool] | None:
    """A number stored as text, as a person typed it: (value, decimals, had a percent sign), or None.

    Full-width digits (２１．９), thousands separators (1,234.5 / １，２３４), spaces and a trailing
    % are accepted.
    """
    s = unicodedata.normalize("NFKC", str(v)).strip().replace(" ", "")
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        return None
    d = Decimal(s)
    places = len(s.split(".")[1]) if "." in s else 0
    return d, places, percent


@dataclass
class Sheet:
    """Cells of one table with their addresses kept for messages.

    ``rows`` holds (row number, values) with values aligned to ``header``. For spreadsheets the
    row number is the Excel/CSV row; for YAML ``lines`` maps (row number, column) to the line of
    that value, and ``row_lines`` the line where the row starts.
    """

    label: str                     # "data/2024/lucheng/indicators.xlsx 指标", or the file for CSV/YAML
    header: list[str]
    rows: list[tuple[int, list]]
    sep: str = "!"
    header_row: int = 1
    lines: dict[tuple[int, int], int] | None = None
    row_lines: dict[int, int] = field(default_factory=dict)
    #: spreadsheets: (row, column) → the number format of numeric cells (percent cells hold the
    #: number shown, 21.9 for a stored 0.219), the formula of cells whose result was never saved
    formats: dict[tuple[int, int], CellFormat] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    hidden: bool = False

    def where(self, row: int, col: int) -> str:
        if self.lines is not None:
            line = self.lines.get((row, col)) or self.row_lines.get(row, 0)
            return f"{self.label}:{line}"
        return f"{self.label}{self.sep}{get_column_letter(col + 1)}{row}"

    def header_where(self, col: int) -> str:
        if self.lines is not None:  # YAML: the first row using that key
            lines = sorted(line for (_, c), line in self.lines.items() if c == col)
            return f"{self.label}:{lines[0]}" if lines else self.label
        return self.where(self.header_row, col)


# -- the column mapping ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TableLayout:
    """Where one table sits in a bureau's workbook and what its headers are called."""

    sheet: str
    header_row: int = 1
    rename: tuple[tuple[str, str], ...] = ()   # (bureau's header, standard header)
    source: str = ""                           # the mapping file, for messages


DEFAULT_SHEETS = {"指标": "指标", "目标": "目标"}
_LAYOUT_KEYS = {"工作表": "sheet", "表头行": "header_row", "列": "columns"}


def read_layouts(paths: list[Path], rel, standard: dict[str, set[str]], problems: ProblemList) -> dict[str, TableLayout]:
    """The layout of the 指标 and 目标 tables: defaults, overridden by each mapping file in turn.

    ``standard`` names the standard headers of each table, to check the mapping's targets.
    """
    layouts = {name: TableLayout(sheet) for name, sheet in DEFAULT_SHEETS.items()}
    for path in paths:
        if not path.is_file():
            continue
        shown = rel(path)
        data, node = _yaml_document(path, shown, problems)
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.add(shown, _("顶层应为“指标:”和“目标:”两项"), _("参照 reportgen 文档中的 columns.yaml 示例"))
            continue
        keys = _key_lines(node)
        for table, spec in data.items():
            where = f"{shown}:{keys.get(table, 0)}"
            if table not in DEFAULT_SHEETS:
                problems.add(where, _("未知的表“{table}”").format(table=table), _("可用：指标、目标"))
                continue
            if not isinstance(spec, dict):
                problems.add(where, _("“{table}”下应写 工作表、表头行、列").format(table=table),
                             _("例如：\n    工作表: 科技指标\n    列: {指标代码: 编号}"))
                continue
            unknown = [k for k in spec if k not in _LAYOUT_KEYS]
            if unknown:
                problems.add(where, _("“{table}”下有未知的键：{keys}").format(table=table, keys=_("、").join(map(str, unknown))),
                             _("可用：工作表、表头行、列"))
            sheet = str(spec.get("工作表") or layouts[table].sheet)
            header_row = spec.get("表头行", 1)
            if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
                problems.add(where, _("“{table}”的表头行“{value}”无效").format(table=table, value=header_row),
                             _("填正整数，如 2"))
                header_row = 1
            columns = spec.get("列") or {}
            if not isinstance(columns, dict):
                problems.add(where, _("“{table}”的“列”应为 本单位表头: 标准表头 的映射").format(table=table),
                             _("例如：列: {指标代码: 编号}"))
                columns = {}
            rename = []
            for own, std in columns.items():
                if str(std) not in standard[table] and not (table == "指标" and re.fullmatch(r"\d{4}年?", str(std))):
                    problems.add(where, _("“{table}”的列映射“{own}: {std}”中，“{std}”不是标准表头").format(
                                     table=table, own=own, std=std),
                                 (_("标准表头：{headers}，以及年份（如 2023）") if table == "指标" else _("标准表头：{headers}"))
                                 .format(headers=_("、").join(sorted(standard[table]))))
                    continue
                rename.append((str(own).strip(), str(std)))
            layouts[table] = TableLayout(sheet, header_row, tuple(rename), shown)
    return layouts


def _apply_rename(header: list[str], layout: TableLayout | None) -> list[str]:
    if layout is None or not layout.rename:
        return header
    names = dict(layout.rename)
    return [names.get(h, h) for h in header]


# -- xlsx -----------------------------------------------------------------------------------------
_OPENED = "opened"          # book_cache's mark of a workbook whose sheets came from the memo
SHEETS_KEPT = 256           # sheets remembered per machine (the oldest go first)


def _sheet_key(raw: bytes, rel: str, layout: "TableLayout", required: bool) -> str:
    """What one sheet read from a workbook depends on: the workbook's bytes, its name in the
    messages, the layout, this module's code and limits, openpyxl's version and the messages'
    language."""
    h = hashlib.sha256(_reader_digest())
    for part in (rel.encode(), repr(layout).encode(), repr(required).encode(),
                 repr((MAX_XLSX_UNPACKED, MAX_CELL_CHARS)).encode(),
                 _("第{n}列").encode(), _("缺少工作表“{sheet}”（现有：{sheets}）").encode(), raw):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _reader_digest() -> bytes:
    """This module's code and the problems' (what a pickled Sheet and Problem are made of) and
    openpyxl's version: read once a process, not once a workbook (the limits are read each time)."""
    from importlib import metadata

    from ..core import errors

    try:
        version = metadata.version("openpyxl")
    except metadata.PackageNotFoundError:
        version = ""
    h = hashlib.sha256()
    for part in (Path(__file__).read_bytes(), Path(errors.__file__).read_bytes(), version.encode()):
        h.update(hashlib.sha256(part).digest())
    return h.digest()


def read_xlsx_remembered(path: Path, rel: str, layout: "TableLayout", problems: ProblemList, required: bool,
                         book_cache: dict) -> "Sheet | None":
    """:func:`read_xlsx`, its sheet and the problems and warnings it found remembered per machine
    (``~/.cache/reportgen/sheets``) under :func:`_sheet_key`: a workbook read before — a build
    after a change of the narrative, a template or the style — needs neither openpyxl (≈70 ms to
    import) nor a parse.  The same sheet, the same messages in the same order. ``REPORTGEN_SHEET_CACHE=0``
    turns it off."""
    import pickle

    from ..core.cache import private_dir, replace_file

    folder = private_dir("sheets") if os.environ.get("REPORTGEN_SHEET_CACHE", "1") != "0" else None
    raw = _read(path, rel, ProblemList()) if folder is not None else None    # its problem: read_xlsx's
    if raw is None:
        if book_cache.get(path) == _OPENED:
            del book_cache[path]
        return read_xlsx(path, rel, layout, problems, required, book_cache)
    key = _sheet_key(raw, rel, layout, required)
    store = folder / f"{key[:40]}.pickle"
    try:
        with open(store, "rb") as fh:
            sheet, found, warned, opened = pickle.load(fh)
        if not isinstance(found, list) or not isinstance(warned, list):
            raise ValueError
    except Exception:   # noqa: BLE001 — not remembered (or unreadable): read it
        if book_cache.get(path) == _OPENED:
            del book_cache[path]
        n_found, n_warned = len(problems.problems), len(problems.warnings)
        sheet = read_xlsx(path, rel, layout, problems, required, book_cache)
        found, warned = problems.problems[n_found:], problems.warnings[n_warned:]
        opened = book_cache.get(path) is not None
        try:
            data = pickle.dumps((sheet, list(found), list(warned), opened), protocol=pickle.HIGHEST_PROTOCOL)
            if not replace_file(store, data):
                return sheet
            kept = sorted(folder.glob("*.pickle"), key=lambda f: f.stat().st_mtime_ns)
            for old in kept[:-SHEETS_KEPT]:
                old.unlink(missing_ok=True)
        except Exception:   # noqa: BLE001 — a full disk, an unpicklable value: read again next time
            pass
        return sheet
    problems.problems.extend(found)
    for w in warned:
        problems.warn(w.where, w.message, w.hint)
    if opened and path not in book_cache:
        book_cache[path] = _OPENED
    return sheet


def read_xlsx(path: Path, rel: str, layout: TableLayout, problems: ProblemList, required: bool,
              book_cache: dict | None = None) -> Sheet | None:
    """One sheet of a workbook. A merged cell in the data area is read as Excel shows it — its
    top-left value in every cell of the range — when the range lies within one column that
    describes the rows alike (类型, 单位, 说明 …: :data:`SHAREABLE`); a merge across value cells
    (years, ranks, targets, ids, names) or across columns is reported, naming the range."""
    cache = book_cache if book_cache is not None else {}
    if path not in cache:
        raw = _read(path, rel, problems)
        try:
            if raw is None:
                raise _Unreadable
            import zipfile

            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                unpacked = sum(i.file_size for i in zf.infolist())
            if unpacked > MAX_XLSX_UNPACKED:
                problems.add(rel, _("工作簿解压后有 {mb} MB，超过上限 {m} MB").format(
                    mb=unpacked // 2**20, m=MAX_XLSX_UNPACKED // 2**20), _("检查是否放错了文件；数据文件通常只有几十 KB"))
                raise _Unreadable
            from openpyxl import load_workbook

            cache[path] = load_workbook(io.BytesIO(raw), data_only=True)
            cache[(path, "raw")] = raw      # for a second look at formulas whose result was never saved
        except _Unreadable:
            cache[path] = None
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            cache[path] = None
            problems.add(rel, _("无法作为 Excel 文件打开（{error}）").format(error=type(exc).__name__),
                         _("用 Excel/WPS 另存为 .xlsx 格式"))
    wb = cache[path]
    if wb is None:
        return None
    sheet = layout.sheet
    if sheet not in wb.sheetnames:
        if required:
            problems.add(rel, _("缺少工作表“{sheet}”（现有：{sheets}）").format(sheet=sheet, sheets=_("、").join(wb.sheetnames)),
                         (_("把数据所在的工作表重命名为“{sheet}”") if layout.source
                          else _("把数据所在的工作表重命名为“{sheet}”，或在 data/columns.yaml 中写明工作表名")).format(sheet=sheet))
        return None
    ws = wb[sheet]
    label = f"{rel} {sheet}"
    hr = layout.header_row
    grid = [list(r) for r in ws.iter_rows()]
    values = [[c.value for c in r] for r in grid]
    if len(values) < hr or all(blank(v) for v in values[hr - 1]):
        problems.add(f"{label}!A{hr}", _("工作表是空的或第一行没有表头") if hr == 1 else _("第{row}行（表头行）是空的").format(row=hr),
                     _("表头行填写：编号、指标名称、单位……"))
        return None
    header = _apply_rename(["" if blank(v) else str(v).strip() for v in values[hr - 1]], layout)
    width = len(header)
    # merged cells: (row, column) → the top-left cell whose value Excel shows there
    shown_from: dict[tuple[int, int], object] = {}
    for rng in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
        if rng.max_row <= hr:
            continue                          # a merged title above (or in) the header row is fine
        names = [header[c - 1] if c - 1 < width and header[c - 1] else get_column_letter(c)
                 for c in range(rng.min_col, rng.max_col + 1)]
        hint = _("取消合并，并在每个单元格中填入各自的值")
        if rng.min_row <= hr:
            problems.add(f"{label}!{rng.coord}", _("数据区域内有合并单元格，与表头行合并在一起"), hint)
        elif rng.min_col != rng.max_col:
            problems.add(f"{label}!{rng.coord}", _("数据区域内有合并单元格，横跨“{first}”到“{last}”几列（不同年份或不同项目的"
                                                   "值不能共用一个单元格）").format(first=names[0], last=names[-1]), hint)
        elif names[0] not in SHAREABLE:
            problems.add(f"{label}!{rng.coord}", _("数据区域内有合并单元格，跨了几行的“{column}”（每行的“{column}”各不相同，"
                                                   "不能共用一个单元格；只有“单位”“类型”等说明性的列可以合并）").format(
                                                       column=names[0]), hint)
        else:
            top = ws.cell(row=rng.min_row, column=rng.min_col)
            for r in range(rng.min_row + 1, rng.max_row + 1):
                shown_from[(r, rng.min_col - 1)] = top
    formats: dict[tuple[int, int], CellFormat] = {}
    rows = []
    uncached: list[tuple[int, int]] = []
    for i, cells in enumerate(grid[hr:]):
        rownum = i + hr + 1
        row = []
        for c, cell in enumerate(cells):
            cell = shown_from.get((rownum, c), cell)
            v = cell.value
            if isinstance(v, bool):
                pass
            elif isinstance(v, (int, float)) and cell.data_type == "n":
                fmt = cell_format(cell.number_format)
                if fmt.percent:     # stored 0.219 under 0.0%: the person typed and saw 21.9
                    v = float(Decimal(repr(v)) * 100)
                formats[(rownum, c)] = fmt
            elif v is None and c < width:
                uncached.append((rownum, c))
            row.append(v)
        if all(blank(v) for v in row):
            continue
        rows.append((rownum, (row + [None] * (width - len(row)))[:max(width, len(row))]))
    kept = {r for r, _row in rows}
    formulas = _uncached_formulas(path, cache, sheet, [(r, c) for r, c in uncached if r in kept]) if uncached else {}
    hidden_rows = {r for r in kept if ws.row_dimensions[r].hidden}
    hidden_columns = {c for c in range(width)
                      if ws.column_dimensions[get_column_letter(c + 1)].hidden}
    if _long_cells(label, rows, hr, problems, letters=True):
        return None
    if ws.sheet_state != "visible":
        problems.warn(label, _("工作表“{sheet}”是隐藏的，其中的数据照常使用").format(sheet=sheet),
                      _("确认这张隐藏的工作表就是要用的数据；在 Excel/WPS 中右击工作表标签 →“取消隐藏”可查看"))
    for r in sorted(hidden_rows):
        problems.warn(f"{label}!A{r}", _("第{row}行是隐藏的，其中的数据照常使用").format(row=r),
                      _("确认该行数据应当使用；不用的行请删除，而不是隐藏"))
    for c in sorted(hidden_columns):
        if header[c]:
            problems.warn(f"{label}!{get_column_letter(c + 1)}{hr}",
                          _("“{header}”列是隐藏的，其中的数据照常使用").format(header=header[c]),
                          _("确认该列数据应当使用；不用的列请删除，而不是隐藏"))
    return Sheet(label, header, rows, header_row=hr, formats=formats, formulas=formulas,
                 hidden_rows=hidden_rows, hidden_columns=hidden_columns, hidden=ws.sheet_state != "visible")


_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _has_formulas(raw: bytes) -> bool:
    """Whether any worksheet of the workbook has a formula element (``<f>``), read from the
    worksheets' XML without a second parse of the workbook."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return any(_FORMULA_ELEMENT.search(zf.read(name)) for name in zf.namelist()
                       if name.startswith("xl/worksheets/") and name.endswith(".xml"))
    except Exception:  # noqa: BLE001 — it opened a moment ago; let openpyxl look again
        return True


def _uncached_formulas(path: Path, cache: dict, sheet: str, cells: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """Which empty-looking cells hold a formula whose result was never saved (files written by
    scripts, or by some tools, keep the formula alone): opened once more, formulas this time."""
    key = (path, "formulas")
    if key not in cache and not _has_formulas(cache[(path, "raw")]):
        cache[key] = None           # no sheet holds a formula: the empty cells are empty
    if key not in cache:
        try:
            from openpyxl import load_workbook

            cache[key] = load_workbook(io.BytesIO(cache[(path, "raw")]), data_only=False)
        except Exception:  # noqa: BLE001 — opened fine a moment ago; without formulas, nothing to add
            cache[key] = None
    wb = cache[key]
    if wb is None or sheet not in wb.sheetnames:
        return {}
    ws = wb[sheet]
    out = {}
    for r, c in cells:
        v = ws.cell(row=r, column=c + 1).value
        text = getattr(v, "text", v)    # array formulas are objects with .text
        if isinstance(text, str) and text.startswith("="):
            out[(r, c)] = text
    return out


# -- csv ------------------------------------------------------------------------------------------
class _Unreadable(Exception):
    pass


def read_csv(path: Path, rel: str, layout: TableLayout | None, problems: ProblemList) -> Sheet | None:
    raw = _read(path, rel, problems)
    if raw is None:
        return None
    text = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        problems.add(rel, _("文件编码无法识别"), _("用 UTF-8 编码另存此 CSV 文件"))
        return None
    if not text.strip():
        problems.add(rel, _("文件是空的"), _("第一行填写表头：编号、指标名称、单位……"))
        return None
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=None, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        problems.add(rel, _("CSV 格式错误（{error}）").format(error=str(exc).strip()),
                     _("检查每行的逗号个数是否与表头一致；含逗号的文字加英文双引号"))
        return None
    hr = layout.header_row if layout else 1
    if len(df) < hr:
        problems.add(rel, _("文件不足{rows}行，找不到表头行").format(rows=hr), _("表头行填写：编号、指标名称、单位……"))
        return None
    header = _apply_rename([str(v).strip() for v in df.iloc[hr - 1]], layout)
    rows = [(i + hr + 1, [None if v == "" else v for v in row]) for i, row in
            enumerate(df.iloc[hr:].itertuples(index=False)) if any(v != "" for v in row)]
    if _long_cells(rel, rows, hr, problems, letters=False):
        return None
    return Sheet(rel, header, rows, sep=" ", header_row=hr)


# -- yaml -----------------------------------------------------------------------------------------
def _yaml_document(path: Path, shown: str, problems: ProblemList):
    """(data, root node) of a YAML file, or (None, None) after reporting why not."""
    raw = _read(path, shown, problems)
    if raw is None:
        return None, None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add(shown, _("文件不是 UTF-8 编码"), _("用 UTF-8 编码另存此文件"))
        return None, None
    try:
        data, node = yamlio.parse(text)
    except yaml.YAMLError as exc:
        problems.problems.append(yamlio.syntax_problem(exc, shown))
        return None, None
    if data is None:
        problems.add(shown, _("文件是空的"))
        return None, None
    return data, node


def _key_lines(node) -> dict:
    """Top-level key → line (1-based) of a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    out = {}
    for k, _value in node.value:
        try:
            key = yamlio.load(k.value) if k.tag.endswith(":int") else k.value
        except yaml.YAMLError:
            key = k.value
        out[key] = k.start_mark.line + 1
    return out


def read_yaml_tables(path: Path, rel: str, names: tuple[str, ...], problems: ProblemList) -> dict[str, Sheet]:
    """The tables ``names`` (e.g. 指标, 目标) of a YAML file, each a list of row mappings."""
    data, node = _yaml_document(path, rel, problems)
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.add(rel, _("顶层应为“指标:”和“目标:”两个列表"), _("参照示例工作区的 indicators.yaml"))
        return {}
    keys = _key_lines(node)
    unknown = [k for k in data if k not in names]
    for k in unknown:
        problems.add(f"{rel}:{keys.get(k, 0)}", _("未知的键“{key}”").format(key=k),
                     _("可用：{values}").format(values=_("、").join(names)))
    nodes = {k.value: v for k, v in node.value}
    out: dict[str, Sheet] = {}
    for name in names:
        if name not in data:
            continue
        items, seq = data[name], nodes.get(name)
        if items is None:
            items = []
        if not isinstance(items, list) or not isinstance(seq, (yaml.SequenceNode, yaml.ScalarNode)):
            problems.add(f"{rel}:{keys.get(name, 0)}", _("“{name}”应为列表，每项一行（以“- ”开头）").format(name=name),
                         _("例如：\n  - {编号: hte_count, 指标名称: 高新技术企业数量, 单位: 家, 类型: 总量, 2020: 218}"))
            continue
        header: list[str] = []
        rows_raw: list[tuple[int, dict, dict]] = []
        for i, item in enumerate(items):
            item_node = seq.value[i] if isinstance(seq, yaml.SequenceNode) else None
            start = item_node.start_mark.line + 1 if item_node is not None else keys.get(name, 0)
            if not isinstance(item, dict):
                problems.add(f"{rel}:{start}", _("“{name}”的第{n}项不是“表头: 值”的映射").format(name=name, n=i + 1),
                             _("每项写成 {编号: …, 指标名称: …, 单位: …}"))
                continue
            lines = {}
            if isinstance(item_node, yaml.MappingNode):
                for k, _value in item_node.value:
                    lines[k.value] = k.start_mark.line + 1
            cells = {}
            for k, v in item.items():
                h = str(k).strip()
                if h not in header:
                    header.append(h)
                cells[h] = v
            rows_raw.append((start, cells, {str(k): lines.get(str(k), start) for k in item}))
        rows, cell_lines, row_lines = [], {}, {}
        for n, (start, cells, lines) in enumerate(rows_raw, 1):
            rows.append((n, [cells.get(h) for h in header]))
            row_lines[n] = start
            for c, h in enumerate(header):
                if h in lines:
                    cell_lines[(n, c)] = lines[h]
        out[name] = Sheet(rel, header, rows, lines=cell_lines, row_lines=row_lines)
    return out
