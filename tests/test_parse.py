"""The source format → the document model."""

import pytest

from reportgen.core.errors import ReportgenError
from reportgen.model import Heading, PageBreak, Paragraph, Table
from reportgen.render.parse import parse

HEAD = "::: title\n某某区科学技术局\n\n2023年工作总结\n:::\n\n"


def headings(doc):
    return [b.text for b in doc.blocks if isinstance(b, Heading)]


def test_title_lines_and_heading_numbers_follow_levels():
    doc = parse(HEAD + "# 甲\n\n## 子一\n\n## 子二\n\n### 细目\n\n#### 更细\n\n# 乙\n\n## 子三\n")
    assert doc.title_lines == ["某某区科学技术局", "2023年工作总结"]
    assert headings(doc) == ["一、甲", "（一）子一", "（二）子二", "1.细目", "（1）更细", "二、乙", "（一）子三"]


def test_inserting_a_section_renumbers_the_rest():
    before = parse(HEAD + "# 甲\n\n# 乙\n\n# 丙\n")
    after = parse(HEAD + "# 甲\n\n# 新\n\n# 乙\n\n# 丙\n")
    assert headings(before) == ["一、甲", "二、乙", "三、丙"]
    assert headings(after) == ["一、甲", "二、新", "三、乙", "四、丙"]


def test_list_items_get_lead_ins_restarting_per_list():
    items = "\n".join(f"- 事项{i}。" for i in range(1, 12))
    doc = parse(HEAD + items + "\n\n正文。\n\n- 甲\n- 乙\n")
    paras = [b for b in doc.blocks if isinstance(b, Paragraph)]
    leads = [p.lead for p in paras]
    assert leads[:11] == ["一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是", "十是", "十一是"]
    assert paras[10].text == "十一是事项11。"
    assert leads[11:] == ["", "一是", "二是"]


def test_soft_line_breaks_join_chinese_without_spaces():
    doc = parse(HEAD + "第一行\n第二行\n")
    assert doc.blocks[0].text == "第一行第二行"


def test_table_with_merged_cells():
    src = HEAD + "| 指标 | 2020 | < |\n|--|--|--|\n| 甲 | 1 | 2 |\n| ^ | 3 | 4 |\n"
    doc = parse(src)
    (table,) = [b for b in doc.blocks if isinstance(b, Table)]
    assert table.rows[0][1].text == "2020" and table.rows[0][1].colspan == 2
    assert table.rows[1][0].rowspan == 2
    assert [c.text for c in table.rows[2]] == ["3", "4"]


def test_signature_note_attachment_and_page_break():
    src = HEAD + ("正文。\n\n***\n\n::: signature\n某某区科学技术局\n\n2024-01-31\n:::\n\n"
                  "::: note\n此件公开发布\n:::\n\n::: attachment 重点指标表\n附件正文。\n:::\n")
    doc = parse(src)
    assert any(isinstance(b, PageBreak) for b in doc.blocks)
    assert doc.signature.name == "某某区科学技术局"
    assert doc.signature.date == "2024年1月31日"
    assert doc.note == "此件公开发布"
    assert doc.attachments[0].label == "附件1" and doc.attachments[0].title == "重点指标表"
    assert doc.attachments[0].blocks[0].text == "附件正文。"


def test_escaped_markup_is_literal():
    doc = parse(HEAD + r"含有 \*\*星号\*\* 和 \# 井号 与 \<w:p\>" + "\n")
    assert doc.blocks[0].text == "含有 **星号** 和 # 井号 与 <w:p>"


@pytest.mark.parametrize("src, fragment", [
    ("# 只有正文\n", "没有标题"),
    (HEAD + "```\ncode\n```\n", "不支持"),
    (HEAD + "::: signature\n只有一行\n:::\n", "两行"),
    (HEAD + "::: signature\n某局\n\n2024年13月1日\n:::\n", "日期"),
    (HEAD + "- 甲\n  - 嵌套\n", "嵌套"),
])
def test_bad_source_is_reported_with_its_line(src, fragment):
    with pytest.raises(ReportgenError) as err:
        parse(src, origin="x.md")
    assert fragment in str(err.value)
