"""The editors' guide serves a non-programmer first: a YAML primer whose examples are valid
YAML, pictures made by scripts/screenshots.py, and the template internals in appendices."""

import re

from conftest import REPO

GUIDE = REPO / "docs" / "editors-guide.md"


def test_primer_examples_are_yaml_a_reader_can_copy():
    from reportgen.core import yamlio

    text = GUIDE.read_text("utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert len(blocks) >= 5
    for block in blocks:
        assert isinstance(yamlio.load(re.sub(r"(?m)^ {3}", "", block)), dict), block


def test_screenshots_exist_and_are_made_by_the_script():
    text = GUIDE.read_text("utf-8")
    images = re.findall(r"!\[[^\]]+\]\((images/[^)]+)\)", text)
    assert {"images/preview-list.png", "images/preview-pages.png", "images/preview-error.png",
            "images/result-pdf.png"} <= set(images)
    script = (REPO / "scripts" / "screenshots.py").read_text("utf-8")
    for image in images:
        path = REPO / "docs" / image
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image
        assert path.name in script, f"{image} is not made by scripts/screenshots.py"


def test_template_internals_are_in_the_appendix():
    text = GUIDE.read_text("utf-8")
    appendix = text.index("## 附录 A")
    for internal in ("urlencode", "striptags", "lipsum", "REPORTGEN_TEMPLATE_SECONDS", "forceescape"):
        assert text.index(internal) > appendix, internal
    for first in ("## 一、边改边看：预览", "## 二、五分钟学会 YAML", "## 五、出错时", "## 六、改版式：styles.yaml"):
        assert text.index(first) < appendix
    assert "(styles-reference.md)" in text
