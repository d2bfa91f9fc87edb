"""`reportgen fonts` tells the truth with and without the open fonts; a workspace fonts/ folder
wins; a character no face covers is an error naming it, never an empty box."""

import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from conftest import reportgen, require_tool, require_font
from reportgen.write.fonts import resolve, system_families
from reportgen.write.style import load_style


@pytest.fixture
def no_fonts_env(tmp_path):
    """A fontconfig that sees no font at all: a machine without the open fonts."""
    conf = tmp_path / "empty-fonts.conf"
    (tmp_path / "none").mkdir()
    conf.write_text(f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "none"}</dir>'
                    f'<cachedir>{tmp_path / "cache"}</cachedir></fontconfig>', "utf-8")
    return {"FONTCONFIG_FILE": str(conf)}


def test_fonts_lists_each_role_with_its_face_and_coverage(workspace):
    proc = reportgen("-C", str(workspace), "fonts", "--year", "2024")
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
    expected = {role: r.face.family for role, r in resolve(load_style(), None).items()}
    for role, family in expected.items():
        assert family in lines[role], lines[role]
        assert "覆盖全部字符" in lines[role]
        assert "开源替代字体" in lines[role]   # this machine has no official faces
    # digits and Latin letters: the DOCX's Latin font, or its first installed stand-in
    require_font("Liberation Serif")                   # setup.sh installs Times New Roman's metric twin
    from reportgen.write.fonts import latin_face

    latin = latin_face(load_style())
    assert "Times New Roman" in lines["latin"] and str(latin.path) in lines["latin"], lines["latin"]


def test_without_open_fonts_pdf_fails_clearly_and_docx_still_builds(workspace, no_fonts_env):
    proc = reportgen("-C", str(workspace), "fonts", env=no_fonts_env)
    assert proc.returncode == 1
    assert proc.stdout.count("未找到") == 6          # the five roles and the Latin face
    latin = next(line for line in proc.stdout.splitlines() if line.startswith("latin"))
    assert "未找到" in latin and "中文字体" in latin
    pdf = reportgen("-C", str(workspace), "build", "2024", "--format", "pdf", env=no_fonts_env)
    assert pdf.returncode == 1 and "找不到可用字体" in pdf.stderr and "apt-get install" in pdf.stderr
    assert not list((workspace / "output").rglob("*.pdf"))
    docx = reportgen("-C", str(workspace), "build", "2024", "--format", "docx", env=no_fonts_env)
    assert docx.returncode == 0, docx.stderr
    assert len(list((workspace / "output").rglob("*.docx"))) == 1


def test_workspace_font_folder_comes_first(workspace, tmp_path):
    kai = require_font("AR PL KaitiM GB")
    font = TTFont(str(kai.path))
    for rec in font["name"].names:
        if rec.nameID in (1, 4, 16):
            rec.string = "楷体_GB2312"
    (workspace / "fonts").mkdir()
    font.save(str(workspace / "fonts" / "kaiti_gb2312.ttf"))
    proc = reportgen("-C", str(workspace), "fonts", "--year", "2024")
    line = next(line for line in proc.stdout.splitlines() if line.startswith("kaiti"))
    assert "楷体_GB2312（" in line and str(workspace / "fonts") in line and "正式字体" in line
    reportgen("-C", str(workspace), "build", "2024", "--format", "pdf", check=True)
    require_tool("pdffonts")
    pdf = next((workspace / "output").rglob("*工作总结和*.pdf"))
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "KaitiM" not in listing   # the workspace face replaced the system one


def test_uncovered_character_is_named_with_its_place(workspace):
    report = workspace / "data/2024/lucheng/report.yaml"
    report.write_text(report.read_text("utf-8").replace("创新平台提能造峰。", "创新平台提能造峰𓀀。"), "utf-8")
    proc = reportgen("-C", str(workspace), "build", "2024")
    assert proc.returncode == 1
    assert "“𓀀”（U+13000）" in proc.stderr and "二是创新平台" in proc.stderr
    # The documents holding the character are not written (the other documents of the unit are).
    assert not list((workspace / "output").rglob("*工作总结*.pdf"))


def test_title_stand_in_is_the_bold_face_weasyprint_draws(workspace):
    """小标宋's open stand-in is drawn in bold: `reportgen fonts` names the bold face's file."""
    res = resolve(load_style(), None)["xiaobiaosong"]
    if res.face.family == "方正小标宋简体":
        pytest.skip("the official 小标宋 face is installed")
    weight = TTFont(str(res.face.path), fontNumber=res.face.index, lazy=True)["OS/2"].usWeightClass
    assert weight >= 700, f"{res.face.path}#{res.face.index} has weight {weight}"
    proc = reportgen("-C", str(workspace), "fonts")
    line = next(line for line in proc.stdout.splitlines() if line.startswith("xiaobiaosong"))
    assert str(res.face.path) in line


def _facts_equal(a, b, sample: str) -> None:
    assert a.cmap == b.cmap
    assert a.missing == b.missing
    for cp in [ord(c) for c in sample] + sorted(a.cmap)[::97]:
        assert a.advance(cp) == b.advance(cp), hex(cp)


SAMPLE = "全社会R&D经费支出增速21.9%（全省第14名），“315”科技。— 1 —ab𓀀"


def test_font_facts_are_cached_between_runs(tmp_path, monkeypatch):
    """The cmap and advances come back from the user's cache equal to the font's own."""
    from reportgen.write import fonts

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    face = resolve(load_style(), None)["fangsong"].face
    direct = fonts._read_facts(face.path, face.index)
    fonts.face_facts.cache_clear()
    first = fonts.face_facts(face.path, face.index)           # read from the font, written to the cache
    entries = list((tmp_path / "reportgen" / "fonts").glob("*.json"))
    assert len(entries) == 1
    fonts.face_facts.cache_clear()
    calls = []
    real = fonts._read_facts
    monkeypatch.setattr(fonts, "_read_facts", lambda *a: calls.append(a) or real(*a))
    second = fonts.face_facts(face.path, face.index)          # from the cache: the font is not parsed
    assert calls == []
    _facts_equal(direct, first, SAMPLE)
    _facts_equal(direct, second, SAMPLE)
    # A damaged entry is rebuilt from the font, not trusted.
    entries[0].write_text('{"cmap": [[1, 2]', "utf-8")
    fonts.face_facts.cache_clear()
    third = fonts.face_facts(face.path, face.index)
    assert calls and third.cmap == direct.cmap
    fonts.face_facts.cache_clear()


@pytest.mark.parametrize("entry", [
    {"cmap": [[40, 50], [1, 2]], "default": 1.0, "widths": [], "missing": 1.0},        # ranges out of order
    {"cmap": [[1, 10], [5, 20]], "default": 1.0, "widths": [], "missing": 1.0},        # overlapping
    {"cmap": [[1, 10], [10, 20]], "default": 1.0, "widths": [], "missing": 1.0},       # touching
    {"cmap": [[5, 1]], "default": 1.0, "widths": [], "missing": 1.0},                  # a range backwards
    {"cmap": [[1, 2, 3]], "default": 1.0, "widths": [], "missing": 1.0},               # not a pair
    {"cmap": [[1, 2.5]], "default": 1.0, "widths": [], "missing": 1.0},                # not integers
    {"cmap": [["1", "2"]], "default": 1.0, "widths": [], "missing": 1.0},
    {"cmap": [3, 4], "default": 1.0, "widths": [], "missing": 1.0},                    # not ranges
    {"cmap": {"1": 2}, "default": 1.0, "widths": [], "missing": 1.0},
    {"cmap": [[1, 2]], "default": 1.0, "widths": [[9, 3, 0.5]], "missing": 1.0},       # a run backwards
    {"cmap": [[1, 2]], "default": 1.0, "widths": {"65": 0.5}, "missing": 1.0},         # version 1's widths
])
def test_a_cache_entry_that_is_not_sorted_ranges_and_runs_is_rebuilt(tmp_path, monkeypatch, entry):
    """The characters are looked up by bisection in the cached ranges: an entry whose ranges or
    width runs are not in order is read from the font again, not trusted."""
    import json

    from reportgen.write import fonts

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    face = resolve(load_style(), None)["fangsong"].face
    fonts.face_facts.cache_clear()
    fonts.face_facts(face.path, face.index)
    (cache,) = (tmp_path / "reportgen" / "fonts").glob("*.json")
    cache.write_text(json.dumps(entry), "utf-8")
    fonts.face_facts.cache_clear()
    again = fonts.face_facts(face.path, face.index)
    _facts_equal(fonts._read_facts(face.path, face.index), again, SAMPLE)
    assert json.loads(cache.read_text("utf-8")) != entry        # rewritten from the font
    fonts.face_facts.cache_clear()


def test_code_points_are_the_face_characters():
    from reportgen.write.fonts import CodePoints

    cps = {0x20, 0x21, 0x22, 0x41, 0x4E00, 0x4E01, 0x9FA5}
    points = CodePoints.of(cps)
    assert points.ranges() == [[0x20, 0x22], [0x41, 0x41], [0x4E00, 0x4E01], [0x9FA5, 0x9FA5]]
    assert list(points) == sorted(cps) and len(points) == len(cps)
    assert all(cp in points for cp in cps)
    assert not any(cp in points for cp in (0, 0x1F, 0x23, 0x40, 0x42, 0x4DFF, 0x4E02, 0x9FA6, 0x10FFFF))
    assert points == frozenset(cps) and points == CodePoints(points.ranges())
    assert points != frozenset(cps - {0x41}) and points != CodePoints([[0x20, 0x22]])
    assert 0x20 not in CodePoints([])


def test_bold_files_are_fc_match_answers_remembered_per_fontconfig_state(tmp_path, monkeypatch):
    """The bold file of each family (the manifest's font records) is what fc-match says; it is
    remembered per machine, and asked again when fontconfig's configuration is another."""
    from reportgen.write import fonts

    fc_match = require_tool("fc-match")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    families = sorted({r.face.family for r in resolve(load_style(), None).values() if r.face})
    direct = {f: subprocess.run([fc_match, "-f", "%{file}", f"{f}:weight=bold"], capture_output=True,
                                text=True).stdout.strip() or None for f in families}
    assert fonts.bold_files(families) == direct
    memo = tmp_path / "cache/reportgen/fonts/bold-files.json"
    import json

    stored = json.loads(memo.read_text("utf-8"))
    (state, answers), = stored.items()
    assert answers == direct
    answers[families[0]] = "/remembered/answer.ttf"       # the memo is what a second call reads
    memo.write_text(json.dumps({state: answers}), "utf-8")
    assert fonts.bold_files(families)[families[0]] == "/remembered/answer.ttf"
    conf = tmp_path / "fonts.conf"                          # the same configuration, read from elsewhere
    conf.write_text(Path("/etc/fonts/fonts.conf").read_text("utf-8"), "utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    again = {f: subprocess.run([fc_match, "-f", "%{file}", f"{f}:weight=bold"], capture_output=True,
                               text=True).stdout.strip() or None for f in families}
    assert fonts.bold_files(families) == again and again[families[0]] != "/remembered/answer.ttf"


def test_fc_list_started_ahead_is_read_as_its_own_run():
    """``start_fc_list`` (the fork server calls it before its imports) runs the listing in the
    background; ``_fc_list`` then reads that process's answer — the same rows as running
    ``fc-list`` itself — and leaves no process behind."""
    require_tool("fc-list")
    from reportgen.write import fonts

    fonts._fc_list.cache_clear()
    try:
        own = fonts._fc_list()
        assert own                                       # the test machine has fonts
        fonts._fc_list.cache_clear()
        fonts.start_fc_list()
        assert len(fonts._fc_list_ahead) == 1
        proc = fonts._fc_list_ahead[0]
        fonts.start_fc_list()                            # one at a time
        assert fonts._fc_list_ahead == [proc]
        assert fonts._fc_list() == own
        assert not fonts._fc_list_ahead and proc.returncode == 0
        fonts.start_fc_list()                            # the listing is known: nothing started
        assert not fonts._fc_list_ahead
    finally:
        fonts._fc_list.cache_clear()
        fonts._fc_list_ahead.clear()
