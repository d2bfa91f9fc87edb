"""Several documents from one unit's data: report.yaml's documents: list."""

import json

from conftest import reportgen

TITLES = {"鹿城区科学技术局2023年工作总结和2024年工作思路", "鹿城区科学技术局2023年工作总结",
          "鹿城区科学技术局2024年工作思路", "鹿城区科技创新呈现“高峰凸显、高原崛起”发展态势"}


def test_sample_unit_builds_each_listed_document(full_workspace):
    proc = reportgen("-C", str(full_workspace), "build", "2024", check=True)
    out = full_workspace / "output/2024"
    assert {p.stem for p in out.glob("*.docx")} == TITLES
    assert {p.stem for p in out.glob("*.pdf")} == TITLES
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert {d["title"] for d in manifest["documents"].values()} == TITLES
    assert set(manifest["documents"]) == {"lucheng/summary_plan", "lucheng/summary", "lucheng/plan", "lucheng/news"}
    again = reportgen("-C", str(full_workspace), "build", "2024", check=True)
    assert again.stdout.count("未变化，跳过") == 8 and "已生成" not in again.stdout
    assert "共 4 份文档（8 个文件）" in proc.stdout


def test_one_broken_document_fails_alone(full_workspace):
    tpl = full_workspace / "templates" / "news.md.j2"
    tpl.write_text("::: title\n新闻\n:::\n\n{{ nope }}\n", "utf-8")
    proc = reportgen("-C", str(full_workspace), "build", "2024")
    assert proc.returncode == 3           # partial: other documents were built
    assert "templates/news.md.j2:5" in proc.stderr and "nope" in proc.stderr
    out = full_workspace / "output/2024"
    assert {p.stem for p in out.glob("*.pdf")} == TITLES - {"鹿城区科技创新呈现“高峰凸显、高原崛起”发展态势"}


def test_documents_list_errors_name_the_line(full_workspace):
    report = full_workspace / "data/2024/lucheng/report.yaml"
    report.write_text(report.read_text("utf-8").replace("  - template: summary\n", "  - titel: x\n"), "utf-8")
    proc = reportgen("-C", str(full_workspace), "build", "2024")
    assert proc.returncode == 1 and "report.yaml:" in proc.stderr and "没有写 template" in proc.stderr
