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
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

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


def F(text: str, unit: str = "", rule: str = "", **default):  # noqa: N802 — reads as a field declaration
    """A style key's description for editors (Chinese), its unit and the GB/T 9704-2012 clause
    it implements: ``reportgen style reference`` writes them into docs/styles-reference.md.
    ``default=`` makes the key optional."""
    return Field(description=text, json_schema_extra={"unit": unit, "rule": rule}, **default)


class Page(_Strict):
    """纸张（幅面）"""
    width_mm: float = F("纸张宽度", "毫米", "5.1 A4 纸 210×297 mm")
    height_mm: float = F("纸张高度", "毫米", "5.1 A4 纸 210×297 mm")
    header_distance_mm: float = F("DOCX 页眉距纸张上边缘（不设页眉，只影响页眉区）", "毫米", default=15)


class Margins(_Strict):
    """页边距：版心四周的白边"""
    top: float = F("天头（上白边）", "毫米", "5.2.1 天头 37 mm±1 mm")
    bottom: float = F("下白边", "毫米", "5.2.1 版心 225 mm 高：297−37−225＝35 mm")
    left: float = F("订口（左白边）", "毫米", "5.2.1 订口 28 mm±1 mm")
    right: float = F("右白边（切口）", "毫米", "5.2.1 版心 156 mm 宽：210−28−156＝26 mm")


class Grid(_Strict):
    """版心的行和字"""
    lines: int = F("每页行数", "行", "5.2.3 一般每面排 22 行")
    chars: int = F("每行字数", "字", "5.2.3 每行排 28 个字，并撑满版心")
    line_pt: float = F("行距（一行的高度）：22 行正好排满 225 mm 的版心", "磅", "5.2.3 22 行撑满版心")
    tracking_pt: float = F("3号字的字间距：28 个字正好排满 156 mm 的一行", "磅", "5.2.3 28 字撑满版心")


class FontEntry(_Strict):
    """DOCX 字体表（fontTable.xml）对一种正式字体的描述：收文方没有该字体时 Word 据此挑选替代字体"""
    alt_name: FontName | None = F("字体的另一个名称（如 SimHei）", default=None)
    panose: str = F("PANOSE 分类码（20 位十六进制）", pattern=r"^[0-9A-Fa-f]{20}$", default="00000000000000000000")
    charset: str = F("字符集（86 为 GB2312）", pattern=r"^[0-9A-Fa-f]{2}$", default="86")
    family: Literal["auto", "roman", "swiss", "modern", "script", "decorative"] = F(
        "字体族：roman 衬线，swiss 无衬线，modern 等宽，auto 未知", default="auto")
    pitch: Literal["default", "fixed", "variable"] = F("字宽：fixed 等宽，variable 不等宽", default="variable")


class FontRole(_Strict):
    """一种字体角色（如仿宋）"""
    official: FontName = F("DOCX 中写的正式字体名（收文方电脑上的字体）", "", "5.2.2、7.3 各要素的字体")
    substitutes: list[FontName] = F("生成 PDF 时依次查找的字体（先找工作区 fonts/ 文件夹，再找本机安装的字体）")
    weight: int = F("用替代字体时的字重（400 常规，700 加粗）", default=400)
    docx: FontEntry = F("DOCX 字体表中对这种正式字体的描述", default=FontEntry())


class Element(_Strict):
    """一种公文要素（标题、正文、一级标题……）的排版"""
    font: str = F("字体角色，fonts 下的一个名称")
    size_pt: float = F("字号（2号＝22 磅，3号＝16 磅，4号＝14 磅）", "磅", "7.3 各要素的字号")
    align: Literal["left", "center", "right", "justify"] = F(
        "对齐：left 左对齐，center 居中，right 右对齐，justify 两端对齐", default="justify")
    first_line_chars: float = F("首行缩进", "字", "7.3.3 每个自然段左空二字", default=0)
    tracking_pt: float | None = F("字间距；不写时：3号字用 grid.tracking_pt，其他字号为 0", "磅", default=None)
    line_pt: float | None = F("行距；不写时用 grid.line_pt", "磅", default=None)
    outline_level: int | None = F("DOCX 导航窗格中的大纲级别（0 为一级）；不写时不进大纲", default=None)


class BlankLines(_Strict):
    """空行（每行一个网格行）"""
    after_title: int = F("标题与正文（或主送机关）之间的空行", "行", "7.3.2 标题下空一行")
    before_signature: int = F("正文与署名之间的空行", "行", "7.3.5.2 不加盖印章时正文下空一行")
    after_annex_label: int = F("“附件N”与附件标题之间的空行", "行", "7.3.7 附件标识在第一行，标题在第三行")
    after_table: int = F("表格之后的空行", "行", default=1)


class SignatureRule(_Strict):
    """署名和成文日期（不加盖印章）"""
    name_right_chars: float = F("署名右空", "字", "7.3.5.2 署名右空二字")
    date_shift_chars: float = F("成文日期首字比署名首字右移", "字", "7.3.5.2 日期首字比署名首字右移二字")
    min_date_right_chars: float = F("成文日期至少右空", "字", "7.3.5.2 署名长于日期时日期右空二字")


class StrokeOffset(_Strict):
    """页码一字线在页码行中的位置（实测值，一般不改）"""
    pdf: float = F("PDF 中一字线距页码行顶的距离占字号的比例", "字号的倍数")
    docx: float = F("DOCX（LibreOffice 页脚）中一字线距页码行顶的距离占字号的比例", "字号的倍数")


class PageNumber(_Strict):
    """页码"""
    format: PageNumberFormat = F("页码的样子，{n} 为页码数字", "", "7.5 数字左右各放一条一字线")
    outer_indent_chars: float = F("单页码居右、双页码居左空几个字", "字", "7.5 单页码居右空一字，双页码居左空一字")
    dash_below_type_area_mm: float = F("一字线距版心下边缘", "毫米", "7.5 一字线上距版心下边缘 7 mm")
    stroke_offset_em: StrokeOffset = F("一字线在页码行中的位置（实测值）")


class RedHeader(_Strict):
    """红头文件的版头"""
    mark_top_below_type_area_mm: float = F("发文机关标志上边缘距版心上边缘", "毫米", "7.2.4 上边缘至版心上边缘 35 mm")
    blank_lines_after_mark: int = F("发文机关标志下的空行", "行", "7.2.5 发文字号在发文机关标志下空二行")
    rule_below_number_mm: float = F("红色分隔线距发文字号", "毫米", "7.2.7 发文字号之下 4 mm 处印一条红色分隔线")
    rule_pt: float = F("红色分隔线的粗细（标准未规定，常用 1.5 磅）", "磅", "7.2.7")
    blank_lines_before_title: int = F("红色分隔线与标题之间的空行", "行", "7.3.1 标题在红色分隔线下空二行")


class Banji(_Strict):
    """版记"""
    thick_rule_mm: float = F("首条和末条分隔线的粗细", "毫米", "7.4.1 首条、末条分隔线粗 0.35 mm")
    thin_rule_mm: float = F("中间分隔线的粗细", "毫米", "7.4.1 中间分隔线粗 0.25 mm")
    side_indent_chars: float = F("版记各要素左右各空", "字", "7.4.2 左右各空一字")
    anchor_line_pt: float = F("DOCX 中浮动版记表格所锚定的段落的行高", "磅", default=1)


class TableStyle(_Strict):
    """表格"""
    cell_padding_pt: float = F("单元格内边距", "磅")
    border_pt: float = F("表格线粗细", "磅")
    max_column_chars: float = F("一列为容纳文字最多加宽到几个字，再多则折行", "字", default=14)


class Colors(_Strict):
    """颜色"""
    text: Color = F("文字颜色", "#RRGGBB", "5.2.4 文字一般为黑色")
    red: Color = F("红色（发文机关标志和红色分隔线）", "#RRGGBB", "6.2 红色")


class ChartStyle(_Strict):
    """图表（条形图：各项数值的百分比对照一条参考线，如目标进度对照序时进度）"""
    font: str = F("图中文字的字体角色", default="heiti")
    width_share: float = F("图宽占版心宽度的比例", default=1.0)
    base_height_mm: float = F("图的基本高度（坐标轴、图注）", "毫米", default=22)
    row_height_mm: float = F("每一项（每根条）增加的高度", "毫米", default=9)
    bar_height: float = F("条的粗细（占一项高度的比例）", default=0.6)
    headroom: float = F("条上方留给参考线说明的空间（项）", default=0.5)
    label_pt: float = F("项目名称和坐标轴说明的字号", "磅", default=10.5)
    value_pt: float = F("数值和刻度的字号", "磅", default=9)
    max_percent: float = F("条的最大长度（百分比，更长的截断，数值照印）", "%", default=150)
    png_dpi: int = F("DOCX 中图片的分辨率", "点/英寸", default=200)
    reference_color: Color = F("参考线（序时进度）的颜色", "#RRGGBB", default="#000000")
    target_color: Color = F("100% 线（目标）的颜色", "#RRGGBB", default="#808080")
    colors: dict[str, Color] = F("按状态的条的颜色（超前、正常、滞后，其余用 default）", "#RRGGBB",
                                 default={"超前": "#2F6F3E", "正常": "#4A6FA5", "滞后": "#B03A2E", "default": "#4A6FA5"})


class Style(_Strict):
    """版式"""
    name: str = F("版式的名称（只用于显示）")
    page: Page = F("纸张")
    margins_mm: Margins = F("页边距", "毫米", "5.2.1")
    mirror_margins: bool = F("双页的订口放在右边（对称页边距）", "true/false")
    grid: Grid = F("版心的行和字", "", "5.2.3")
    fonts: dict[str, FontRole] = F("字体角色：名称 → 正式字体和替代字体", "", "5.2.2、7.3")
    latin_font: FontName = F("DOCX 中数字和西文字母的字体")
    latin_substitutes: list[FontName] = F("PDF 中数字和西文字母依次查找的字体")
    latin_docx: FontEntry = F("DOCX 字体表中对西文字体的描述",
                              default=FontEntry(panose="02020603050405020304", charset="00", family="roman"))
    autospace_em: float = F("中文与相邻的数字、西文字母之间自动加的间距（Word、WPS 默认的“自动调整中文与西文/数字的间距”；"
                            "LibreOffice 总是加 0.2 em）；0 为不加", "em", default=0.2, ge=0, le=0.5)
    docx_embed_fonts: bool = F("在 DOCX 中嵌入开源替代字体的子集（以正式字体名命名），使没有正式字体的收文方也能"
                               "看出标题、正文、各级标题的字体区别；每份文档约增加 0.3 MB", "true/false", default=True)
    elements: dict[str, Element] = F("各公文要素的排版", "", "7.2～7.5")
    bold_headings: bool = F("标题加粗（标准不加粗，部分地方规定二、三级标题加粗）", "true/false")
    bold_weight: int = F("PDF 中加粗文字（标题、粗体）的字重", default=700)
    bold_heading_levels: list[int] = F("bold_headings 为 true 时加粗的标题级别")
    blank_lines: BlankLines = F("空行", "行")
    signature: SignatureRule = F("署名和成文日期", "字", "7.3.5.2")
    red_header: RedHeader = F("红头文件的版头", "", "7.2")
    banji: Banji = F("版记", "", "7.4")
    page_number: PageNumber = F("页码", "", "7.5")
    table: TableStyle = F("表格")
    colors: Colors = F("颜色", "", "5.2.4、6.2")
    chart: ChartStyle = F("图表（如规划各指标目标进度对照序时进度的条形图）", default=ChartStyle())

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


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema model that holds the key at ``loc`` (None for a free key such as a role name)."""
    model: type[BaseModel] | None = Style
    for part in loc[:-1]:
        if model is None:
            return None
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        elif getattr(ann, "__origin__", None) is dict:
            inner = ann.__args__[1]
            model = None if not (isinstance(inner, type) and issubclass(inner, BaseModel)) else inner
            # the next part is a free name (a role, an element): skip it
            idx = list(loc).index(part)
            if idx + 1 < len(loc) - 1:
                continue
            return None
        else:
            return None
    return model


def _suggest(name: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    if close:
        return _("是否想写“{name}”？").format(name=close[0])
    return _("可以写的项：{names}").format(names="、".join(choices))


def _style_message(err: dict) -> tuple[str, str]:
    """A validation error in the editor's words: what is wrong with the key, and how to fix it."""
    kind = err.get("type", "")
    loc = tuple(err.get("loc") or ())
    key = str(loc[-1]) if loc else ""
    value = str(err.get("input"))[:60]
    if kind == "extra_forbidden":
        model = _model_at(loc)
        names = list(model.model_fields) if model is not None else []
        return _("没有“{key}”这一项").format(key=key), _suggest(key, names) if names else ""
    if kind == "missing":
        return _("缺少“{key}”").format(key=key), _("参照 reportgen style show 的输出补上")
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        whole = kind.startswith("int")
        return (_("“{value}”不是{what}").format(value=value, what=_("整数") if whole else _("数字")),
                _("写成不带单位的数字，例如 37 或 28.95（单位见 docs/styles-reference.md）"))
    if kind in ("bool_parsing", "bool_type"):
        return _("“{value}”不是 true 或 false").format(value=value), _("写 true（是）或 false（否）")
    if kind == "literal_error":
        import re

        expected = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        return _("“{value}”不是可选的值").format(value=value), _("可选：{choices}").format(choices="、".join(expected))
    if kind in ("list_type",):
        return _("应为列表"), _("写成 [甲, 乙] 的形式")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("应为键值映射（下一级缩进的若干“键: 值”）"), _("参照 reportgen style show 的输出")
    if kind == "string_pattern_mismatch":
        field = str(loc[-1]) if loc else ""
        parent = str(loc[0]) if loc else ""
        if parent == "colors":
            return _("“{value}”不是颜色").format(value=value), _("写成 #RRGGBB，例如 \"#FF0000\"")
        if parent == "page_number" and field == "format":
            return _("“{value}”不是页码格式").format(value=value), _("写成含 {n} 的短文字，例如 \"— {n} —\"（不含引号、反斜杠、花括号）")
        return (_("“{value}”不是字体名").format(value=value),
                _("字体名不能含引号、反斜杠、分号、括号、冒号、斜杠或控制字符，最长 64 个字符"))
    if kind == "string_type":
        return _("应为文字"), ""
    return _("“{value}”不合要求").format(value=value), ""


def _check_names(data: dict, builtin: dict, label: str, lines: dict[tuple, int]) -> list[Problem]:
    """Element names are those the writers know (a misspelt one would silently do nothing), and
    an element's font is one of the roles."""
    problems = []
    known = list((builtin.get("elements") or {}))
    for name in (data.get("elements") or {}):
        if name not in known:
            problems.append(Problem(_where(label, ("elements", name), lines), _("没有“{key}”这一项").format(key=name),
                                    _suggest(str(name), known)))
    roles = list((data.get("fonts") or {}))
    for name, element in (data.get("elements") or {}).items():
        font = element.get("font") if isinstance(element, dict) else None
        if font is not None and font not in roles:
            problems.append(Problem(_where(label, ("elements", name, "font"), lines),
                                    _("没有名为“{name}”的字体角色").format(name=font),
                                    _suggest(str(font), roles)))
    return problems


BUILTIN_LABEL = "reportgen/write/styles/gbt9704.yaml"


def style_layers(workspace_style: Path | None = None,
                 profiles: list[str] | tuple[str, ...] = ()) -> list[tuple[str, dict]]:
    """The layers of the style, in the order they apply: (label, values) of the built-in style,
    the workspace's styles.yaml, then each named profile."""
    builtin = _read_yaml(None, builtin_style_text(), BUILTIN_LABEL)
    layers = [(BUILTIN_LABEL, builtin)]
    if workspace_style is not None and (workspace_style.exists() or workspace_style.is_symlink()):
        label = workspace_style.name
        text = read_input_text(workspace_style, workspace_style.parent, label)   # UTF-8, in the workspace
        layers.append((label, _read_yaml(workspace_style, text, label)))
    available: dict = {}
    for _label, values in layers:
        available = _deep_merge(available, values.get("profiles") or {})
    for name in profiles:
        if name not in available:
            raise ReportgenError(Problem("--profile", _("没有名为“{name}”的版式方案").format(name=name),
                                         _("可用方案：{names}").format(names=_("、").join(sorted(available)))))
        layers.append((_("版式方案 {name}").format(name=name), available[name]))
    return layers


def merged(layers: list[tuple[str, dict]]) -> dict:
    data: dict = {}
    for _label, values in layers:
        data = _deep_merge(data, {k: v for k, v in values.items() if k != "profiles"})
    return data


def _key_lines(text: str) -> dict[tuple, int]:
    """The line (1-based) of every key path of a YAML mapping, for messages."""
    import yaml as _yaml

    lines: dict[tuple, int] = {}

    def walk(node, path: tuple) -> None:
        if isinstance(node, _yaml.MappingNode):
            for key, value in node.value:
                here = path + (str(key.value),)
                lines[here] = key.start_mark.line + 1
                walk(value, here)

    try:
        walk(yamlio.compose(text), ())
    except Exception:  # noqa: BLE001 — a line number is a courtesy; the error itself is reported
        pass
    return lines


def _where(label: str, path: tuple, lines: dict[tuple, int]) -> str:
    """``styles.yaml:4 margins_mm.lft``: the deepest key of the path written in the file."""
    keys = tuple(str(p) for p in path)
    for n in range(len(keys), 0, -1):
        if keys[:n] in lines:
            return f"{label}:{lines[keys[:n]]} {'.'.join(keys)}"
    return f"{label} {'.'.join(keys)}"


def load_style(workspace_style: Path | None = None, profiles: list[str] | tuple[str, ...] = ()) -> Style:
    """Built-in style, then the workspace's overrides, then each named profile."""
    layers = style_layers(workspace_style, profiles)
    has_file = workspace_style is not None and (workspace_style.exists() or workspace_style.is_symlink())
    label = workspace_style.name if has_file else "styles.yaml"
    lines = _key_lines(read_input_text(workspace_style, workspace_style.parent, label)) if has_file else {}
    data = merged(layers)
    problems = _check_names(data, layers[0][1], label, lines)
    try:
        style = Style.model_validate(data)
    except ValidationError as exc:
        known = set(layers[0][1].get("elements") or {})
        unknown = {("elements", str(n)) for n in (data.get("elements") or {}) if n not in known}
        problems += [Problem(_where(label, err["loc"], lines), *_style_message(err))
                     for err in exc.errors() if tuple(str(p) for p in err["loc"][:2]) not in unknown]
    if problems:
        import re

        def line_of(p: Problem) -> int:
            m = re.match(r"[^ ]*:(\d+) ", p.where)
            return int(m.group(1)) if m else 0
        raise ReportgenError(sorted(problems, key=line_of)) from None   # in the order of the file
    return style


# ---------------------------------------------------------------- for editors


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if value is None:
        return "（不写）"
    if isinstance(value, str) and (not value or value != value.strip() or any(c in value for c in ":#{}[],&*!|>'\"%@`")):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def _sources(layers: list[tuple[str, dict]]) -> dict[tuple, str]:
    """For every key path, the label of the last layer that set it."""
    out: dict[tuple, str] = {}

    def walk(values: dict, path: tuple, label: str) -> None:
        for k, v in values.items():
            if not path and k == "profiles":
                continue
            if isinstance(v, dict):
                walk(v, path + (k,), label)
            else:
                out[path + (k,)] = label
    for label, values in layers:
        walk(values, (), label)
    return out


def show(layers: list[tuple[str, dict]]) -> str:
    """The effective style as YAML, each value not from the built-in style marked with where
    it comes from (``# styles.yaml``, ``# 版式方案 bold-headings``)."""
    style = Style.model_validate(merged(layers))
    values = style.model_dump()
    sources = _sources(layers)
    lines = [_("# 生效的版式：内置 GB/T 9704 样式，依次叠加 {layers}").format(
        layers="、".join(label for label, _v in layers[1:]) or _("（无）"))]

    def walk(d: dict, path: tuple, indent: int) -> None:
        for k, v in d.items():
            here = path + (k,)
            pad = "  " * indent
            if isinstance(v, dict):
                lines.append(f"{pad}{k}:")
                walk(v, here, indent + 1)
                continue
            src = sources.get(here, BUILTIN_LABEL)
            note = "" if src == BUILTIN_LABEL else f"   # {src}"
            text = _fmt(v) if v is not None else "null"
            lines.append(f"{pad}{k}: {text}{note}")
    walk(values, (), 0)
    return "\n".join(lines) + "\n"


def reference() -> str:
    """docs/styles-reference.md: every key of styles.yaml from the schema, with its unit, the
    built-in value and the GB/T 9704-2012 clause it implements (``reportgen style reference``)."""
    builtin = _read_yaml(None, builtin_style_text(), BUILTIN_LABEL)
    out = ["# styles.yaml 参考（版式设置）", "",
           _REFERENCE_INTRO, ""]

    def rows(model: type[BaseModel], values: dict, prefix: str) -> list[str]:
        found = []
        for name, field in model.model_fields.items():
            extra = field.json_schema_extra or {}
            ann = field.annotation
            key = f"{prefix}{name}"
            value = values.get(name) if isinstance(values, dict) else None
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                found.append(f"| `{key}` | {field.description}（下一级见“{ann.__doc__}”） | {extra.get('unit', '')} | | {extra.get('rule', '')} |")
                continue
            shown = "" if isinstance(value, dict) else _fmt(value) if name in (values or {}) else _fmt(field.default) \
                if not field.is_required() else ""
            if getattr(ann, "__origin__", None) is dict:
                shown = "见下"
            found.append(f"| `{key}` | {field.description} | {extra.get('unit', '')} | `{shown}` | {extra.get('rule', '')} |"
                         .replace("``", ""))
        return found

    head = ["| 键 | 含义 | 单位 | 内置值 | GB/T 9704—2012 |", "|---|---|---|---|---|"]
    out += ["## 第一层", ""] + head + rows(Style, builtin, "") + [""]
    for name, field in Style.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += [f"## {name}：{ann.__doc__}", ""] + head + rows(ann, builtin.get(name) or {}, f"{name}.")
            for sub, sf in ann.model_fields.items():
                sann = sf.annotation
                if isinstance(sann, type) and issubclass(sann, BaseModel):
                    out += rows(sann, (builtin.get(name) or {}).get(sub) or {}, f"{name}.{sub}.")
            out.append("")
    roles = builtin.get("fonts") or {}
    out += [f"## fonts：{FontRole.__doc__}", "", _ROLES_INTRO, ""] + head + rows(FontRole, {}, "fonts.角色.")
    for sub, sf in FontRole.model_fields.items():
        if isinstance(sf.annotation, type) and issubclass(sf.annotation, BaseModel):
            out += rows(sf.annotation, {}, f"fonts.角色.{sub}.")
    out += [""]
    out += ["| 角色 | official | substitutes | weight |", "|---|---|---|---|"]
    out += [f"| `{r}` | {v.get('official')} | {_fmt(v.get('substitutes'))} | {v.get('weight', 400)} |" for r, v in roles.items()]
    out += ["", f"## elements：{Element.__doc__}", "", _ELEMENTS_INTRO, ""] + head + rows(Element, {}, "elements.要素.")
    out += ["", "| 要素 | 含义 | font | size_pt | align | first_line_chars | tracking_pt | line_pt | GB/T 9704—2012 |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name, e in (builtin.get("elements") or {}).items():
        label, rule = ELEMENT_NAMES.get(name, ("", ""))
        out.append(f"| `{name}` | {label} | {e.get('font')} | {_fmt(e.get('size_pt'))} | "
                   f"{e.get('align', 'justify')} | {_fmt(e.get('first_line_chars', 0))} | {_fmt(e.get('tracking_pt'))} | "
                   f"{_fmt(e.get('line_pt'))} | {rule} |")
    profiles = builtin.get("profiles") or {}
    out += ["", "## profiles：版式方案", "", _PROFILES_INTRO, "", "| 方案 | 改动 |", "|---|---|"]
    out += [f"| `{p}` | `{_flat(v)}` |" for p, v in profiles.items()]
    return "\n".join(out) + "\n"


def _flat(d: dict, prefix: str = "") -> str:
    parts = []
    for k, v in d.items():
        if isinstance(v, dict):
            parts.append(_flat(v, f"{prefix}{k}."))
        else:
            parts.append(f"{prefix}{k}: {_fmt(v)}")
    return "; ".join(parts)


ELEMENT_NAMES = {   # element → (what it is, the GB/T 9704-2012 rule for it)
    "title": ("标题", "7.3.1 2号小标宋体，居中"),
    "subtitle": ("副标题", "（标准未规定）3号楷体，居中"),
    "recipient": ("主送机关", "7.3.2 3号仿宋体，顶格"),
    "body": ("正文", "5.2.2、7.3.3 3号仿宋体，左空二字"),
    "heading1": ("一级标题（一、）", "7.3.3 黑体"),
    "heading2": ("二级标题（（一））", "7.3.3 楷体"),
    "heading3": ("三级标题（1.）", "7.3.3 仿宋体"),
    "heading4": ("四级标题（（1））", "7.3.3 仿宋体"),
    "signature": ("署名", "7.3.5.2 右空二字"),
    "date": ("成文日期", "7.3.5.2 首字比署名首字右移二字"),
    "note": ("附注", "7.3.6 居左空二字加圆括号"),
    "annex_label": ("附件标识（附件1）", "7.3.7 3号黑体，顶格，第一行"),
    "annex_title": ("附件标题", "7.3.7 在版心第三行居中"),
    "table_header": ("表头", "（标准未规定）黑体"),
    "table_cell": ("表格内文字", "（标准未规定）字号可适当调整"),
    "table_caption": ("表题", "（标准未规定）"),
    "page_number": ("页码", "7.5 4号半角宋体阿拉伯数字"),
    "red_mark": ("发文机关标志（红头）", "7.2.4 小标宋体，红色，居中"),
    "doc_number": ("发文字号", "7.2.5 3号仿宋体，居中"),
    "banji": ("版记", "7.4 4号仿宋体"),
}

_REFERENCE_INTRO = """\
本页由 `reportgen style reference` 按样式的定义（`reportgen/write/style.py`）生成，请勿手改。

工作区根目录下的 `styles.yaml` 只需写要改的项，其余沿用内置的 GB/T 9704—2012 版式
（`reportgen/write/styles/gbt9704.yaml`）。例如把页边距的天头改为 35 毫米、标题加粗：

```yaml
margins_mm:
  top: 35
bold_headings: true
```

`reportgen style show` 显示叠加 styles.yaml 和版式方案之后实际生效的全部数值（并标出哪些值来自
styles.yaml 或方案）；写错键名、写了不是数字的值时，`reportgen check`、`build` 和 `preview` 会
指出文件、键和改法。长度单位见“单位”一栏：毫米、磅（1 磅＝1/72 英寸≈0.353 毫米）、字（该要素
一个字的宽度）、行（一个网格行）。字号：2号＝22 磅，3号＝16 磅，4号＝14 磅，小四＝12 磅。"""

_ROLES_INTRO = """\
每个字体角色有一个名称（如 `fangsong`），各要素用 `font:` 指向它。DOCX 里写正式字体名，收文方的
Windows 电脑上有这些字体；PDF 按 substitutes 的顺序使用找到的第一个字体（先找工作区 `fonts/`）。"""

_ELEMENTS_INTRO = """\
每个要素（如 `body` 正文）一组设置；只写要改的项即可，例如 `elements: {heading1: {size_pt: 16}}`。
要素名只能是下表中的名称。"""

_PROFILES_INTRO = """\
方案是一组预先写好的改动，在 reportgen.yaml 中用 `style: {profiles: [bold-headings]}` 或在命令行
用 `--profile bold-headings` 选用；styles.yaml 里也可以在 `profiles:` 下定义自己的方案。"""
