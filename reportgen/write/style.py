"""The style definition: every layout number, read by both writers.

The built-in ``styles/gbt9704.yaml`` is merged with a workspace's ``styles.yaml`` (if any) and
with the chosen profiles; the result is validated once and handed to the writers.
"""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from ..core import yamlio
from ..core.errors import Problem, ReportgenError
from ..core.i18n import _
from ..core.workspace import read_input_text

PT_PER_MM = 72 / 25.4
TWIPS_PER_PT = 20


# Style values that reach the PDF's CSS are typed, so none reaches it unparsed: a colour is a hex
# colour, a font name is a name (no quote, backslash, brace, semicolon, parenthesis, colon,
# slash or control character: nothing that could end the CSS string or open a url()).
Color = Annotated[str, StringConstraints(pattern=r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")]
FontName = Annotated[str, StringConstraints(pattern=r'^[^"\\;{}()<>:/\x00-\x1f\x7f]{1,64}$', strip_whitespace=True)]
PageNumberFormat = Annotated[str, StringConstraints(pattern=r'^[^"\\{}\x00-\x1f\x7f]{0,8}\{n\}[^"\\{}\x00-\x1f\x7f]{0,8}$')]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Page(_Strict):
    width_mm: float
    height_mm: float
    header_distance_mm: float = 15     # DOCX header distance from the top edge (no header is set)


class Margins(_Strict):
    top: float
    bottom: float
    left: float
    right: float


class Grid(_Strict):
    lines: int
    chars: int
    line_pt: float
    tracking_pt: float


class FontRole(_Strict):
    official: FontName
    substitutes: list[FontName]
    weight: int = 400


class Element(_Strict):
    font: str
    size_pt: float
    align: Literal["left", "center", "right", "justify"] = "justify"
    first_line_chars: float = 0
    tracking_pt: float | None = None   # None: the grid's tracking on 3号 text, 0 otherwise
    line_pt: float | None = None       # None: the grid's line pitch
    outline_level: int | None = None


class BlankLines(_Strict):
    after_title: int
    before_signature: int
    after_annex_label: int
    after_table: int = 1


class SignatureRule(_Strict):
    name_right_chars: float
    date_shift_chars: float
    min_date_right_chars: float


class StrokeOffset(_Strict):
    pdf: float
    docx: float


class PageNumber(_Strict):
    format: PageNumberFormat
    outer_indent_chars: float
    dash_below_type_area_mm: float
    stroke_offset_em: StrokeOffset


class RedHeader(_Strict):
    mark_top_below_type_area_mm: float
    blank_lines_after_mark: int
    rule_below_number_mm: float
    rule_pt: float
    blank_lines_before_title: int


class Banji(_Strict):
    thick_rule_mm: float
    thin_rule_mm: float
    side_indent_chars: float
    anchor_line_pt: float = 1          # the DOCX paragraph a floating 版记 table is anchored to


class TableStyle(_Strict):
    cell_padding_pt: float
    border_pt: float
    max_column_chars: float = 14       # widest a column grows for its text before it wraps


class Colors(_Strict):
    text: Color
    red: Color


class Style(_Strict):
    name: str
    page: Page
    margins_mm: Margins
    mirror_margins: bool
    grid: Grid
    fonts: dict[str, FontRole]
    latin_font: FontName
    latin_substitutes: list[FontName]
    elements: dict[str, Element]
    bold_headings: bool
    bold_weight: int = 700             # the weight of bold text (headings, bold runs) in the PDF
    bold_heading_levels: list[int]
    blank_lines: BlankLines
    signature: SignatureRule
    red_header: RedHeader
    banji: Banji
    page_number: PageNumber
    table: TableStyle
    colors: Colors

    # -- derived values, computed here so that no writer repeats the arithmetic --------------
    @property
    def type_area_mm(self) -> tuple[float, float]:
        m = self.margins_mm
        return self.page.width_mm - m.left - m.right, self.page.height_mm - m.top - m.bottom

    def el(self, name: str) -> Element:
        return self.elements[name]

    def tracking(self, name: str) -> float:
        """Character spacing in pt for an element: explicit, else the grid's on 3号 text."""
        e = self.elements[name]
        if e.tracking_pt is not None:
            return e.tracking_pt
        return self.grid.tracking_pt if e.size_pt == self.elements["body"].size_pt else 0.0

    def line_pt(self, name: str) -> float:
        e = self.elements[name]
        return e.line_pt if e.line_pt is not None else self.grid.line_pt

    def char_pt(self, name: str = "body") -> float:
        """Width of one character cell of an element (size plus tracking)."""
        return self.elements[name].size_pt + self.tracking(name)

    def table_capacity_chars(self) -> float:
        """How many table-cell characters (with their padding share) fit across the 版心."""
        cell = self.elements["table_cell"]
        return self.type_area_mm[0] * PT_PER_MM / (cell.size_pt + self.tracking("table_cell")) - 1

    def heading_bold(self, level: int) -> bool:
        return self.bold_headings and level in self.bold_heading_levels

    def page_number_line_top_mm(self, writer: Literal["pdf", "docx"]) -> float:
        """Top of the page-number line, from the page top, so its 一字线 lands 7 mm below the 版心."""
        size_mm = self.elements["page_number"].size_pt / PT_PER_MM
        stroke_y = self.page.height_mm - self.margins_mm.bottom + self.page_number.dash_below_type_area_mm
        return stroke_y - getattr(self.page_number.stroke_offset_em, writer) * size_mm


def _deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_yaml(path: Path | None, text: str, label: str) -> dict:
    try:
        data = yamlio.load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{label}:{mark.line + 1}" if mark else label
        raise ReportgenError(Problem(where, _("YAML 格式错误：{problem}").format(problem=getattr(exc, 'problem', exc)),
                                     _("检查缩进和冒号后的空格"))) from None
    if not isinstance(data, dict):
        raise ReportgenError(Problem(label, _("样式文件的顶层应为键值映射")))
    return data


def builtin_style_text() -> str:
    return resources.files("reportgen").joinpath("write", "styles", "gbt9704.yaml").read_text("utf-8")


def _style_message(err: dict) -> tuple[str, str]:
    """A validation error in the editor's words (the typed values that reach the PDF's CSS)."""
    if err.get("type") != "string_pattern_mismatch":
        return err["msg"], ""
    value = str(err.get("input"))[:60]
    field = str(err["loc"][-1]) if err["loc"] else ""
    parent = str(err["loc"][0]) if err["loc"] else ""
    if parent == "colors":
        return _("“{value}”不是颜色").format(value=value), _("写成 #RRGGBB，例如 \"#FF0000\"")
    if parent == "page_number" and field == "format":
        return _("“{value}”不是页码格式").format(value=value), _("写成含 {n} 的短文字，例如 \"— {n} —\"（不含引号、反斜杠、花括号）")
    return (_("“{value}”不是字体名").format(value=value),
            _("字体名不能含引号、反斜杠、分号、括号、冒号、斜杠或控制字符，最长 64 个字符"))


def load_style(workspace_style: Path | None = None, profiles: list[str] | tuple[str, ...] = ()) -> Style:
    """Built-in style, then the workspace's overrides, then each named profile."""
    data = _read_yaml(None, builtin_style_text(), "reportgen/write/styles/gbt9704.yaml")
    label = "styles.yaml"
    if workspace_style is not None and (workspace_style.exists() or workspace_style.is_symlink()):
        label = workspace_style.name
        text = read_input_text(workspace_style, workspace_style.parent, label)   # UTF-8, in the workspace
        data = _deep_merge(data, _read_yaml(workspace_style, text, label))
    available = data.pop("profiles", {}) or {}
    for name in profiles:
        if name not in available:
            raise ReportgenError(Problem("--profile", _("没有名为“{name}”的版式方案").format(name=name),
                                         _("可用方案：{names}").format(names=_("、").join(sorted(available)))))
        data = _deep_merge(data, available[name])
    try:
        return Style.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(f"{label} {'.'.join(str(p) for p in err['loc'])}", *_style_message(err))
                    for err in exc.errors()]
        raise ReportgenError(problems) from None
