"""The official components of the macro library, used from a workspace template."""

from pathlib import Path

from conftest import reportgen

TEMPLATE = """{#- 工作要点（工作区的新种类）。
    默认标题："{{ unit.name }}\\n{{ next_year }}年工作要点" -#}
{% import "_components.md.j2" as c %}
{{ c.title(["鹿城区科学技术局", "2024年工作要点"]) }}

{{ c.targets_paragraph(t, ["rd_growth", "tech_trade"]) }}

{% call c.attachment("2024年主要目标") %}
{{ c.targets_table(t) }}
{% endcall %}
"""


def test_targets_paragraph_and_attachment(workspace):
    import docx

    (workspace / "templates" / "points.md.j2").write_text(TEMPLATE, "utf-8")
    report = workspace / "data/2024/lucheng/report.yaml"
    report.write_text(report.read_text("utf-8").replace("template: summary_plan", "template: points"), "utf-8")
    reportgen("-C", str(workspace), "build", "2024", check=True)
    path = next((workspace / "output/2024").glob("*.docx"))
    paras = [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]
    assert "主要目标是：全社会R&D经费增长15%以上；技术交易总额超50亿元。" in paras
    label = paras.index("附件1")
    assert paras[label + 1] == "2024年主要目标"
    assert "序号" in [c.text for t in docx.Document(str(path)).tables for c in t.rows[0].cells]
