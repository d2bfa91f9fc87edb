"""docs/report-yaml.md, generated from the report.yaml schema (``read/structure.py``) and the
built-in templates' declarations, so the reference cannot drift from what is checked.

``python -m reportgen.app.report_doc > docs/report-yaml.md`` rewrites it; a test compares.
"""

from __future__ import annotations

import typing
import yaml
from pydantic import BaseModel

from ..read import structure as st

MINIMAL = """\
template: summary
date: 2024-01-31
opening: 今年以来，{{ unit.short_name }}……
body:
  - title: "{{ year }}年工作总结"
    items:
      - 全年新增高新技术企业{{ ind.hte_new }}。
      - 技术合同成交额{{ ind.tech_trade }}，{{ ind.tech_trade.ranks.全市.居 }}。
"""

FULL = """\
template: summary_plan
date: 2024-01-31
opening: >-
  今年以来，{{ unit.short_name }}……
body:
  - title: "{{ year }}年工作总结"            # 一、
    sections:
      - title: 研发投入持续增长                # （一）标题与正文同段
        run_in: true
        text: >-
          规上工业企业研发费用{{ ind.ent_rd_exp }}，年度任务完成率{{ ind.ent_rd_exp.completion }}，
          {{ ind.ent_rd_exp.completion_ranks.全市.排名 }}；增速{{ ind.ent_rd_exp.growth_ranks.全市.排名 }}。
      - title: 创新生态持续优化
        run_in: true
        inline: true                          # 一是……二是……连成一段
        bold_lead: true                       # 每项首句加粗
        items:
          - 获批省科技特派团试点。……
          - 迭代升级科技政策。……
      - table: completion                     # 目标完成情况表放在这里
        after: 注：完成率＝本年实际值÷本年目标值。
  - title: 存在的问题和不足
    items: [……, ……]
  - title: "{{ next_year }}年工作思路"
    text: 力争高新技术产业增加值{{ t.hightech_va }}。
    sections:
      - title: 强化保障                       # （一）
        sections:
          - title: 组织保障                   # 1.
            sections:
              - title: 健全工作机制           # （1）
                text: ……
      - title: 聚焦主体培育
        lead: 实施科技企业“双倍增”行动。      # 加粗的引导句
        numbered: false                       # 各项不加“一是”
        items: [……, ……]
attachments:
  - title: 主要指标({{ year }}年, R&D)
    table:
      caption: ""
      header: [指标, "{{ year }}年", 比上年]
      rows:
        - [技术市场交易额, "{{ ind.tech_trade }}", "{{ ind.tech_trade.change }}"]
"""

KINDS = ("summary_plan", "summary", "plan", "half_year", "work_points", "plan_midterm", "plan_progress",
         "annual_plan", "five_year_plan", "news")

FIGURE_FORMS = [
    ("{{ ind.x }}", "本年数值和单位", "44家、19.1亿元（精度留空时按录入的小数位）"),
    ("{{ ind.x.decimals(1) }}", "此处按 1 位小数印出", "19.10 → 19.1亿元"),
    ("{{ ind.x.change }}", "比上年增减", "增长25.0%、提高0.34个百分点、上升3位"),
    ("{{ ind.x.times }}", "是上年的几倍", "2.3倍"),
    ("{{ ind.x.growth_times }}", "增长一倍以上时写“增长N倍”，否则同 change", "增长1.3倍"),
    ("{{ ind.x.doubling }}", "翻番", "翻一番、翻两番（不足两倍为“—”）"),
    ("{{ ind.x.completion }}", "完成率＝本年数值÷本年目标（任意大小）", "107%、172%"),
    ("{{ ind.x.target }}", "本年目标（半年报的全年目标）", "22亿元以上"),
    ("{{ ind.x.ranks.全市 }}", "数值的名次（列“排名范围/排名”或“全市排名”）", "全市第2名"),
    ("{{ ind.x.ranks.全市.排名 }}", "措辞“排名”", "全市排名第2"),
    ("{{ ind.x.ranks.全市.居 }}", "措辞“居”", "居全市第2位"),
    ("{{ ind.x.ranks.全省.位列 }}", "措辞“位列”", "位列全省第14"),
    ("{{ ind.x.ranks.全市.位居 }}", "措辞“位居”", "位居全市第2位"),
    ("{{ ind.x.ranks.全市.第 }}", "措辞“第”", "全市第2"),
    ("{{ ind.x.growth_ranks.全市.排名 }}", "增速的名次（列“增速全市排名”）", "全市排名第2"),
    ("{{ ind.x.completion_ranks.全市.排名 }}", "完成率的名次（列“完成率全市排名”）", "全市排名第2"),
    ("{{ ind.x.share_ranks.全省 }}", "占比的名次（列“占比全省排名”）", "全省第5名"),
    ("{{ t.x }}", "下一年目标和限定词", "15%以上"),
    ("{{ plan.time_progress }}", "五年规划的序时进度", "40%"),
    ("{{ plan.count(\"超前\") }}", "进度超前（正常、滞后）的指标项数", "6"),
    ("{{ plan.reached }}", "已提前实现规划目标的项数", "3"),
]


def _type(annotation) -> str:
    names = {str: "文字", bool: "true/false", int: "整数", type(None): ""}
    if annotation in names:
        return names[annotation]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return "、".join(str(a) for a in args)
    if origin is list:
        return f"列表（{_type(args[0])}）"
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " 或 ".join(t for t in (_type(a) for a in args) if t)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation.__name__
    return "任意"


def _model_table(model: type[BaseModel]) -> list[str]:
    out = [f"### {model.__name__}", "", (model.__doc__ or "").strip(), "",
           "| 键 | 类型 | 默认 | 说明 |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        default = "" if field.is_required() else ("" if field.default in (None, "") else str(field.default).lower())
        required = "（必填）" if field.is_required() else ""
        out.append(f"| `{name}` | {_type(field.annotation)} | {default} | {required}{field.description or ''} |")
    return out + [""]


def _kinds() -> list[str]:
    from ..render.jinja import builtin_templates_dir, declared_title, describe

    out = ["| 种类（template） | 说明 | 默认标题 |", "|---|---|---|"]
    for kind in KINDS:
        text = (builtin_templates_dir() / f"{kind}.md.j2").read_text("utf-8")
        title = (declared_title(text) or "").replace("\n", " / ")
        out.append(f"| `{kind}` | {describe(text)} | {title} |")
    return out


def reference() -> str:
    lines = [
        "# report.yaml 参考",
        "",
        "<!-- 本文件由 `python -m reportgen.app.report_doc > docs/report-yaml.md` 生成（read/structure.py 的 schema），",
        "     请勿手改；tests/test_structure_kinds.py 检查它与 schema 一致。 -->",
        "",
        "report.yaml 放在 `data/年份/单位/` 中，写文档的种类、成文日期和文字部分。文字中的数字一律引用指标表",
        "（`{{ ind.编号 }}`、`{{ t.编号 }}`），不直接手写。正文的结构（各级标题、段落、列表、表和图的位置、附件）",
        "写在 `body` 和 `attachments` 中，内置模板按它排版，不需要改写模板。",
        "",
        "## 最简示例",
        "",
        "```yaml",
        MINIMAL.rstrip(),
        "```",
        "",
        "## 完整示例",
        "",
        "```yaml",
        FULL.rstrip(),
        "```",
        "",
        "## 文档种类",
        "",
        *_kinds(),
        "",
        "未知的种类是错误；新种类（工作区 templates/ 中的新模板）在模板开头的注释中写一行",
        "`默认标题：\"{{ unit.name }}\\n{{ year }}年……\"`，否则 report.yaml 必须写 title。",
        "",
        "## 各键",
        "",
        "层级由嵌套决定：body 的节为“一、”，其 sections 为“（一）”，再下一级为“1.”，最多到“（1）”。",
        "一项的列表不加“一是”。节中的内容依次为：段落（text）、列表（items）、图（chart）、表（table）、",
        "表后段落（after）、下一级的节（sections）。",
        "",
    ]
    for model in (st.Structure, st.Section, st.Item, st.TableSpec, st.Attachment, st.PlanPart):
        lines += _model_table(model)
    lines += ["## 内置表和图", "", "| 名称 | 内容 |", "|---|---|"]
    lines += [f"| `table: {k}` | {v} |" for k, v in st.BUILTIN_TABLES.items()]
    lines += [f"| `chart: {k}` | {v} |" for k, v in st.BUILTIN_CHARTS.items()]
    lines += ["", "## 文字中引用数据的写法", "", "| 写法 | 含义 | 例 |", "|---|---|---|"]
    lines += [f"| `{a}` | {b} | {c} |" for a, b, c in FIGURE_FORMS]
    lines += ["", "指标表的“类型”：总量、比重、增速、百分点、位次、完成率（百分数，可大于100）。",
              "排名列：`排名范围`+`排名`，或每个范围一列 `全国排名`、`全省排名`、`全市排名`、`绍兴排名`……；",
              "增速、完成率、占比的名次写在 `增速全市排名`、`完成率全市排名`、`占比全省排名` 等列。",
              "文中用到的名次，它的格空着（或只写了“—”“待填”）时，和空着的数值一样：检查和生成都指出这一格，"
              "草稿标成【待填】；文中没用到的空格不影响生成。指标表根本没有的范围（如没有“全省排名”列却写 "
              "`ranks.全省`）是模板写错了，报错指出模板的行。", ""]
    return "\n".join(lines)


def examples() -> list[dict]:
    """The examples above as data (the test validates them against the schema)."""
    return [yaml.safe_load(MINIMAL), yaml.safe_load(FULL)]


def main() -> None:
    print(reference(), end="")


if __name__ == "__main__":
    main()
