"""Provenance of every printed figure (issue 17): the model's spans, the review copy (批注), the
sources table, ``reportgen explain`` — checked against the sample's own files, read here
independently (openpyxl, csv, YAML lines, pdfplumber, LibreOffice)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from openpyxl.utils import column_index_from_string

from conftest import reportgen, require_tool
from reportgen.check import provenance
from reportgen.core.workspace import Workspace
from reportgen.model import MARK_CHARS
from reportgen.pipeline import document_for, document_templates, issue_date, load_year, render_outputs, \
    review_outputs, style_for


def _years(root: Path) -> list[int]:
    return sorted(int(p.name) for p in (root / "data").iterdir() if p.name.isdigit())


def _lucheng_year(root: Path) -> int:
    return next(int(p.parent.name) for p in (root / "data").glob("*/lucheng"))


@pytest.fixture(scope="session")
def prov_ws(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("provenance") / "ws"
    reportgen("init", str(ws), "--sample", check=True)
    return ws


@pytest.fixture(scope="session")
def sample_docs(prov_ws):
    """Every document of every sample unit and year: (year, unit, template, doc)."""
    ws = Workspace(prov_ws)
    out = []
    for year in _years(prov_ws):
        for uid, uy in load_year(ws, year).units.items():
            for template in document_templates(ws, uid, year):
                doc, _source = document_for(ws, uy, template or None)
                out.append((year, uid, template, doc))
    return out


# -- reading a cell address back, independently of reportgen -----------------------------------
def _read_cell(root: Path, address: str) -> str:
    """The value at ``data/…/indicators.xlsx 指标!F3``, ``….csv G2`` or ``….yaml:21`` (its line)."""
    m = re.fullmatch(r"(\S+\.xlsx) (.+)!([A-Z]+)(\d+)", address)
    if m:
        wb = openpyxl.load_workbook(root / m[1], data_only=True)
        return str(wb[m[2]][f"{m[3]}{m[4]}"].value)
    m = re.fullmatch(r"(\S+\.csv) ([A-Z]+)(\d+)", address)
    if m:
        raw = (root / m[1]).read_bytes()
        text = raw.decode("utf-8-sig") if not raw.startswith(b"\xff") else raw.decode("utf-16")
        rows = list(csv.reader(io.StringIO(text)))
        return rows[int(m[3]) - 1][column_index_from_string(m[2]) - 1]
    m = re.fullmatch(r"(\S+\.yaml):(\d+)", address)
    assert m, address
    return (root / m[1]).read_text("utf-8").splitlines()[int(m[2]) - 1]


def _same_number(a: str, b: str) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return False


def test_every_figure_names_real_cells(prov_ws, sample_docs):
    kinds = set()
    for year, uid, template, doc in sample_docs:
        figs = provenance.figures(doc)
        assert figs, (uid, template)
        for f in figs:
            s = f.source
            assert f.text and f.text in f.place.text
            if not re.search(r"\d", f.text):   # “—”: no value to read (a year without one)
                continue
            if s.name == "序时进度":       # computed from the plan's years alone
                assert "序时进度" in s.computation
                continue
            if s.name == "进度判断的容差":  # the rule 超前/正常/滞后 are judged by, stated as a rule
                assert "规则" in s.computation
                continue
            assert s.indicator and s.cells, (uid, template, f.text, s)
            for address, value in s.cells:
                assert address.startswith(f"data/"), address
                read = _read_cell(prov_ws, address)
                kinds.add(address.rsplit(".", 1)[1].split()[0].split(":")[0])
                if address.endswith(tuple("0123456789")) and ".yaml:" in address:
                    assert value in read, (address, value, read)      # the YAML line holds the value
                else:
                    assert _same_number(read, value), (address, value, read)
            assert s.printed_by, s
    assert {"xlsx", "csv", "yaml"} <= kinds


def test_template_and_narrative_lines_are_named(sample_docs):
    printed = {f.source.printed_by for *_x, doc in sample_docs for f in provenance.figures(doc)}
    assert any(re.search(r"report\.yaml:\d+（", p) for p in printed)        # a narrative line
    assert any(re.search(r"\.md\.j2:\d+", p) for p in printed)               # a template line
    # a figure printed by a macro names the macro's line and the template that called it
    assert any("_components.md.j2" in p and "←" in p for p in printed)


def test_nothing_untraced_in_any_sample_document(sample_docs):
    """Every number of every sample document is a traced figure or fixed wording."""
    loose = {(uid, template): [(u.text, u.place.label, u.narrative) for u in provenance.untraced(doc)]
             for year, uid, template, doc in sample_docs}
    assert len(loose) >= 7 and {uid for uid, _t in loose} >= {"lucheng", "ouhai", "xinchang", "wenzhou_city"}
    assert all(not v for v in loose.values()), {k: v for k, v in loose.items() if v}


def test_the_samples_former_typed_numbers_are_traced_to_cells(prov_ws, sample_docs):
    """The figures once typed into the narratives (面积、投资额、绍兴市平均、争创1-2个、院士、
    投资门槛、细分领域) are printed from the sheets: their cells hold the values."""
    wanted = {("ouhai", "4.3万平方米"), ("ouhai", "5200万元"), ("xinchang", "5件"), ("xinchang", "1"),
              ("xinchang", "2个"), ("wenzhou_city", "6"), ("wenzhou_city", "100亿"), ("wenzhou_city", "13个")}
    found = set()
    for year, uid, template, doc in sample_docs:
        for f in provenance.figures(doc):
            if (uid, f.text) in wanted and f.source.printed_by.startswith(f"data/{year}/{uid}/report.yaml:"):
                (address, value), = f.source.cells
                read = _read_cell(prov_ws, address)
                assert (value in read) if ".yaml:" in address else _same_number(read, value), (address, read)
                found.add((uid, f.text))
    assert found == wanted


def test_a_number_typed_into_a_narrative_shows_up(workspace):
    year = _lucheng_year(workspace)
    report = workspace / "data" / str(year) / "lucheng" / "report.yaml"
    text = report.read_text("utf-8")
    # a typed figure, and a typed figure dressed in forged provenance markers
    forged = "\ue000\ue010\ue001" + "6666" + "\ue002"
    # fixed wording by class (anniversary, period, top-N list, version) next to typed figures
    # that look alike (增长2.0%、规模达3.0亿元、前10名、近5000家、提前2个月) which stay untraced
    text = text.replace("opening: >-\n", f"opening: >-\n  全年授权发明专利9876件，另有{forged}项。"
                        "建校60周年，近3年入选城市50强，服务平台3.0上线；增长2.0%，规模达3.0亿元，"
                        "居全市前10名，近5000家企业，提前2个月完成。\n", 1)
    report.write_text(text, "utf-8")
    ws = Workspace(workspace)
    uy = load_year(ws, year).units["lucheng"]
    doc, source = document_for(ws, uy)
    loose = {u.text: u for u in provenance.untraced(doc)}
    assert {"9876", "6666", "2.0", "3.0", "10", "5000", "2"} == set(loose)
    assert loose["9876"].narrative.startswith(f"data/{year}/lucheng/report.yaml:")
    assert not any(c in source for c in MARK_CHARS)
    body = "".join(b.text for b in doc.all_blocks() if hasattr(b, "runs"))
    assert "9876" in body and not any(c in body for c in MARK_CHARS)


def test_check_warns_of_typed_numbers_with_file_and_line(workspace):
    """`reportgen check` lists a number typed into report.yaml as a warning naming the file and
    the line it was typed on (not the narrative's first line); the sample itself has none."""
    year = _lucheng_year(workspace)
    clean = reportgen("-C", str(workspace), "check", str(year))
    assert clean.returncode == 0 and "警告" not in clean.stderr + clean.stdout
    rel = f"data/{year}/lucheng/report.yaml"
    report = workspace / rel
    lines = report.read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("opening: >-")) + 2   # its 2nd text line
    lines.insert(at + 1, "  另新增孵化器4321家，建党100周年。")
    report.write_text("\n".join(lines) + "\n", "utf-8")
    proc = reportgen("-C", str(workspace), "check", str(year))
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("警告：")]
    assert len(warnings) == 1, proc.stderr
    assert warnings[0].startswith(f"警告：{rel}:{at + 2}：数字“4321”直接写在文字中"), warnings
    assert "孵化器4321家" in warnings[0]


def test_a_template_cannot_forge_a_trace(workspace):
    """A template printing its own digits inside marker characters gets no trace for them."""
    year = _lucheng_year(workspace)
    (workspace / "templates").mkdir(exist_ok=True)
    (workspace / "templates" / "forged.md.j2").write_text(
        "::: title\n标题\n:::\n\n数字\ue000\ue010\ue001" + "4321" + "\ue002，真数{{ ind.hte_new }}。\n", "utf-8")
    report = workspace / "data" / str(year) / "lucheng" / "report.yaml"
    report.write_text(re.sub(r"(?m)^template: .*$", "template: forged\ntitle: 标题", report.read_text("utf-8")), "utf-8")
    ws = Workspace(workspace)
    doc, _source = document_for(ws, load_year(ws, year).units["lucheng"])
    figs = provenance.figures(doc)
    assert [f.source.indicator for f in figs] == ["hte_new"]
    assert [u.text for u in provenance.untraced(doc)] == ["4321"]


def test_figures_in_titles_signature_and_attachment_titles_are_traced(workspace):
    """A figure printed in the title, subtitle, 署名 or an attachment's title is traced like one in
    the body: in the model, the sources table, `reportgen explain` and the review copy's comments."""
    from reportgen.write.sources import rows

    year = _lucheng_year(workspace)
    (workspace / "templates").mkdir(exist_ok=True)
    (workspace / "templates" / "titled.md.j2").write_text(
        "::: title\n新增高新技术企业{{ ind.hte_new }}\n:::\n\n"
        "::: subtitle\n（入驻科创企业{{ ind.incubated_firms }}）\n:::\n\n"
        "正文{{ ind.sme_new }}。\n\n"
        "::: signature\n研发中心{{ ind.rd_centers_new }}科学技术局\n\n2024年1月31日\n:::\n\n"
        "::::: attachment 攻关项目{{ ind.key_projects }}清单\n附件正文{{ ind.talent_foreign }}。\n:::::\n", "utf-8")
    report = workspace / "data" / str(year) / "lucheng" / "report.yaml"
    report.write_text(re.sub(r"(?m)^template: .*$", "template: titled\ntitle: 标题", report.read_text("utf-8")), "utf-8")
    ws = Workspace(workspace)
    doc, _source = document_for(ws, load_year(ws, year).units["lucheng"])
    figs = provenance.figures(doc)
    assert [(f.place.label, f.source.indicator) for f in figs] == [
        ("标题", "hte_new"), ("副标题", "incubated_firms"), ("正文第1段", "sme_new"), ("署名", "rd_centers_new"),
        ("附件1标题", "key_projects"), ("附件1第1段", "talent_foreign")]
    assert not provenance.untraced(doc)
    book = openpyxl.load_workbook(workspace / f"data/{year}/lucheng/indicators.xlsx", data_only=True)["指标"]
    ids = {r[0].value: r for r in book.iter_rows(min_row=2)}
    for f in figs:
        (address, value), = f.source.cells
        assert address.endswith(f"指标!F{ids[f.source.indicator][0].row}") and _same_number(value, ids[f.source.indicator][5].value)
        assert f.text.startswith(str(ids[f.source.indicator][5].value)) and f.text in f.place.text
    table = rows(doc)
    assert [(r["位置"], r["状态"]) for r in table][:2] == [("标题", "已溯源"), ("副标题", "已溯源")]
    title_fig = figs[0]
    proc = reportgen("-C", str(workspace), "explain", str(year), f"企业{title_fig.text}", check=True)
    assert "标题：" in proc.stdout and title_fig.source.cells[0][0] in proc.stdout
    # the review copy: one comment per figure, titles and 署名 included
    reportgen("-C", str(workspace), "build", str(year), "--format", "docx", "--review", check=True)
    review = next((workspace / "output" / str(year)).glob("*（核对稿）.docx"))
    comments = list(docx.Document(str(review)).comments)
    assert len(comments) == len(figs)
    assert sorted(c.text.split("：", 1)[0] for c in comments) == sorted(f"指标 {f.source.indicator}" for f in figs)


# -- the review copy ------------------------------------------------------------------------------
def _expected_rd_growth(root: Path, year: int) -> str:
    """“指标 rd_growth：…indicators.xlsx 指标!F3 = 21.9” worked out from the workbook itself
    (the value of the results year: the latest year column of the sheet)."""
    rel = f"data/{year}/lucheng/indicators.xlsx"
    sheet = openpyxl.load_workbook(root / rel, data_only=True)["指标"]
    header = [c.value for c in sheet[1]]
    years = {i: int(str(h).rstrip("年")) for i, h in enumerate(header) if re.fullmatch(r"\d{4}年?", str(h))}
    col = max(years, key=years.get)
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("编号")].value == "rd_growth")
    cell = row[col]
    return f"指标 rd_growth：{rel} 指标!{cell.coordinate} = {cell.value}（增速，保留1位）"


@pytest.fixture(scope="session")
def review_build(prov_ws):
    """lucheng's documents as DOCX, built before and after a --review build (the real CLI)."""
    year = _lucheng_year(prov_ws)
    folder = prov_ws / "output" / str(year)
    reportgen("-C", str(prov_ws), "build", str(year), "--unit", "lucheng", "--format", "docx", check=True)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.docx")}
    proc = reportgen("-C", str(prov_ws), "build", str(year), "--unit", "lucheng", "--format", "docx", "--review",
                     check=True)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.docx")
             if "（核对稿）" not in p.name}
    return year, folder, before, after, proc.stdout


def test_review_leaves_the_final_copy_byte_identical(review_build):
    year, folder, before, after, _out = review_build
    assert len(before) == 4 and before == after
    for name in before:
        with zipfile.ZipFile(folder / name) as z:
            assert "word/comments.xml" not in z.namelist()


def test_a_rebuild_without_review_removes_the_old_review_copy(workspace):
    year = _lucheng_year(workspace)
    folder = workspace / "output" / str(year)
    reportgen("-C", str(workspace), "build", str(year), "--format", "docx", "--review", check=True)
    assert len(list(folder.glob("*（核对稿）.docx"))) == len(list(folder.glob("*（来源）.xlsx"))) == 1
    reportgen("-C", str(workspace), "build", str(year), "--format", "docx", "--force", check=True)
    assert not list(folder.glob("*（核对稿）.docx")) and not list(folder.glob("*（来源）.xlsx"))
    assert len(list(folder.glob("*.docx"))) == 1


def test_review_copy_has_a_comment_on_every_figure(prov_ws, review_build, sample_docs):
    year, folder, _b, _a, out = review_build
    review = next(folder.glob("*工作总结和*（核对稿）.docx"))
    final = Path(str(review).replace("（核对稿）", ""))
    with zipfile.ZipFile(review) as z, zipfile.ZipFile(final) as f:
        # the final copy's parts (fonts, styles, properties) plus the comments
        assert set(f.namelist()) < set(z.namelist()) and "word/comments.xml" in z.namelist()
        for name in f.namelist():
            if name not in ("word/document.xml", "[Content_Types].xml", "word/_rels/document.xml.rels"):
                assert z.read(name) == f.read(name), name
    assert "（核对稿）.docx" in out and "（来源）.xlsx" in out
    comments = list(docx.Document(str(review)).comments)
    doc = next(d for y, u, t, d in sample_docs if u == "lucheng" and t == "summary_plan")
    assert len(comments) == len(provenance.figures(doc)) > 30
    texts = [c.text for c in comments]
    assert any(t.startswith(_expected_rd_growth(prov_ws, year)) for t in texts), texts[:5]
    assert all(c.author == "reportgen" for c in comments)
    # every comment is anchored on exactly the figure it explains
    body = docx.Document(str(review)).element.body
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    assert len(body.findall(".//w:commentRangeStart", ns)) == len(comments)


def test_review_comments_show_in_libreoffice(review_build, tmp_path):
    soffice = require_tool("soffice")
    year, folder, *_rest = review_build
    review = next(folder.glob("*工作总结（核对稿）.docx"))
    src = tmp_path / "review.docx"
    shutil.copy(review, src)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "odt",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / "review.odt") as z:
        content = z.read("content.xml").decode("utf-8")
    annotations = re.findall(r"<office:annotation[ >].*?</office:annotation>", content, re.S)
    assert len(annotations) == len(list(docx.Document(str(review)).comments)) > 10
    assert any("indicators.xlsx 指标!" in a for a in annotations)


# -- the sources table ----------------------------------------------------------------------------
def test_sources_table_lists_every_figure_with_its_page(prov_ws, sample_docs):
    import pdfplumber

    ws = Workspace(prov_ws)
    year = _lucheng_year(prov_ws)
    uy = load_year(ws, year).units["lucheng"]
    doc = next(d for y, u, t, d in sample_docs if u == "lucheng" and t == "summary_plan")
    style = style_for(ws)
    pdf = render_outputs(doc, style, ws, ("pdf",), date=issue_date(uy))["pdf"]
    data = review_outputs(doc, style, ws, issue_date(uy), pdf)
    book = openpyxl.load_workbook(io.BytesIO(data["sources"]))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("页码", "位置", "印出文字")
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{len(rows)}"
    col = {h: i for i, h in enumerate(header)}
    traced = [r for r in body if r[col["状态"]] == "已溯源"]
    assert len(traced) == len(provenance.figures(doc))
    assert all(r[col["来源单元格"]] and r[col["指标"]] for r in traced)
    with pdfplumber.open(io.BytesIO(pdf)) as pdf_doc:
        pages = ["".join((p.extract_text() or "").split()) for p in pdf_doc.pages]
    last = 0
    for r in body:
        page = r[col["页码"]]
        assert isinstance(page, int) and 1 <= page <= len(pages), r
        assert page >= last                        # reading order
        last = page
        assert "".join(r[col["印出文字"]].split()) in pages[page - 1], r
    # the same bytes every time
    assert review_outputs(doc, style, ws, issue_date(uy), pdf)["sources"] == data["sources"]


# -- explain --------------------------------------------------------------------------------------
def test_explain_answers_for_each_sample_kind(prov_ws, sample_docs):
    done = set()
    for year, uid, template, doc in sample_docs:
        if uid in done:
            continue
        done.add(uid)
        fig = next(f for f in provenance.figures(doc) if f.source.cells and len(f.text) > 2)
        proc = reportgen("-C", str(prov_ws), "explain", str(year), "--unit", uid, fig.text, check=True)
        assert f"指标 {fig.source.indicator}" in proc.stdout
        assert fig.source.cells[0][0] in proc.stdout
        assert proc.stdout.count(" ← ") >= 1
    assert done >= {"lucheng", "ouhai", "xinchang", "wenzhou_city"}


def test_explain_without_a_match_fails_with_a_hint(prov_ws):
    year = _lucheng_year(prov_ws)
    proc = reportgen("-C", str(prov_ws), "explain", str(year), "987654321")
    assert proc.returncode == 1
    assert "987654321" in proc.stderr and "内部错误" not in proc.stderr


# -- the preview ----------------------------------------------------------------------------------
def test_preview_shows_a_figures_source_on_hover(workspace, tmp_path):
    """The preview's text layer carries each figure's source as the title of its span."""
    import json

    from test_preview import Browser, PreviewServer, pages_drawn, wait_for

    chromium = require_tool("chromium")
    year = _lucheng_year(workspace)
    server = PreviewServer(workspace, str(year))
    browser = None
    try:
        browser = Browser(chromium, tmp_path / "chromium-profile", server.url + f"doc/{year}/lucheng/1")
        wait_for(lambda: pages_drawn(browser), 90, what="the pages")
        titles = wait_for(lambda: browser.evaluate(
            "[...document.querySelectorAll('.textLayer span.rg-src')].map(s => s.title)"), 30,
            what="figures marked with their sources")
        rows = json.loads(server.get(f"/sources/{year}/lucheng/1"))
        assert rows and all(isinstance(r["page"], int) for r in rows)
        assert any("指标 rd_growth：" in t and f"data/{year}/lucheng/indicators.xlsx 指标!" in t for t in titles), titles[:3]
        assert len(titles) >= 10
    finally:
        if browser is not None:
            browser.close()
        server.stop()


def test_tracing_changes_no_byte_of_the_final_outputs(prov_ws, sample_docs, monkeypatch):
    """The same documents rendered with tracing switched off give the same DOCX (every sample
    document) and PDF (one) bytes: the markers and spans never reach a final output."""
    from contextlib import contextmanager

    from reportgen.render import jinja

    ws = Workspace(prov_ws)
    style = style_for(ws)
    traced = {(y, u, t): d for y, u, t, d in sample_docs}   # a unit may report in several years

    @contextmanager
    def off(_ws):
        yield None

    monkeypatch.setattr(jinja, "tracing", off)
    checked = 0
    for year in _years(prov_ws):
        for uid, uy in load_year(ws, year).units.items():
            for template in document_templates(ws, uid, year):
                plain, _source = document_for(ws, uy, template or None)
                assert not provenance.figures(plain)
                formats = ("docx", "pdf") if (uid, template) == ("lucheng", "summary") else ("docx",)
                a = render_outputs(plain, style, ws, formats, date=issue_date(uy))
                b = render_outputs(traced[(year, uid, template)], style, ws, formats, date=issue_date(uy))
                digest = lambda out: {f: hashlib.sha256(data).hexdigest() for f, data in out.items()}  # noqa: E731
                assert digest(a) == digest(b), (year, uid, template)   # hashes: a diff of PDF bytes takes minutes
                checked += 1
    assert checked == len(sample_docs) >= 7


def test_a_review_copy_saved_by_a_reviewer_is_never_deleted(workspace):
    """A 核对稿 the reviewer opened and saved (its bytes are no longer the ones reportgen wrote)
    is kept when the document is rebuilt without --review, and the build says it is out of date."""
    year = _lucheng_year(workspace)
    folder = workspace / "output" / str(year)
    reportgen("-C", str(workspace), "build", str(year), "--format", "docx", "--review", check=True)
    review = next(folder.glob("*（核对稿）.docx"))
    from docx import Document

    annotated = Document(str(review))
    annotated.add_paragraph("审核意见：第3段数字已核对。")
    annotated.save(str(review))
    saved = review.read_bytes()
    proc = reportgen("-C", str(workspace), "build", str(year), "--format", "docx", "--force", check=True)
    assert review.read_bytes() == saved
    assert "未删除" in proc.stdout + proc.stderr
    assert not list(folder.glob("*（来源）.xlsx"))     # the untouched sources table is removed


def test_a_drafts_review_copy_and_sources_table_name_a_missing_figure_without_internal_marks(full_workspace):
    """A draft's missing figure is carried through rendering as a private-use token; the review
    copy and the sources table are read by people, so no such character may reach them (the
    sources table once printed 单位换算 个→<token> for a blank amount)."""
    year = _lucheng_year(full_workspace)
    book_path = full_workspace / "data" / str(year) / "lucheng" / "indicators.xlsx"
    book = openpyxl.load_workbook(book_path)
    sheet = book["指标"]
    header = [c.value for c in sheet[1]]
    col = next(i for i, h in enumerate(header) if h and str(year - 1) in str(h)) + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == "入驻科创企业")
    sheet.cell(row, col).value = None
    book.save(book_path)
    reportgen("-C", str(full_workspace), "build", str(year), "--unit", "lucheng", "--format", "docx",
              "--draft", "--review", check=True)
    folder = full_workspace / "output" / str(year)
    private = re.compile("[\ue000-\uf8ff]")
    tables = list(folder.glob("*（来源）.xlsx"))
    assert tables
    blank_rows = 0
    for path in tables:
        for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True):
            text = " ".join(str(v) for v in r if v is not None)
            assert not private.search(text), (path.name, text)
            blank_rows += "入驻科创企业" in text and "指标!" in text
    assert blank_rows          # the blank figure is listed, with its cell
    for path in folder.glob("*（核对稿）.docx"):
        for c in docx.Document(str(path)).comments:
            assert not private.search(c.text), (path.name, c.text)
