"""The DOCX's fonts and properties as a recipient meets them (issue #13).

* Fonts live in the named styles: restyling 公文正文 in styles.xml changes the body in LibreOffice.
* The font table lists every face the document names (altName, PANOSE, charset 86, family);
  compatibilityMode 15; the properties name reportgen, the document's title, the unit, its date.
* The DOCX embeds subsets of the open stand-ins under the official names (ECMA-376 §17.8.1
  obfuscated fonts); LibreOffice on a desktop with neither the official fonts nor reportgen's
  mapping (conftest.recipient_fontconfig) then draws every role in its own face — the layout
  checks of test_pdf_layout.py run on that rendering too, plus "no Japanese fallback".

The de-obfuscation below is written from the standard, not taken from reportgen.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from . import test_docx_libreoffice as lo_checks
from .conftest import REPO_ROOT, STEM, YEAR, _reportgen_cmd, libreoffice_pdf
from .measure import NS, DocxPackage, families_of, pdffonts, read_pdf, w, wattr

OFFICIAL = {"xiaobiaosong": "方正小标宋简体", "fangsong": "仿宋_GB2312", "heiti": "黑体",
            "kaiti": "楷体_GB2312", "songti": "宋体"}
BODY_STYLE = "公文正文"
UNIT = "鹿城区科学技术局"
FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"


def _style_fonts(pkg: DocxPackage, style_id: str) -> dict[str, str]:
    """The rFonts attributes a paragraph style gives, through its basedOn chain."""
    out: dict[str, str] = {}
    for st in reversed(list(pkg._style_chain(style_id))):
        fonts = st.find("w:rPr/w:rFonts", NS)
        if fonts is not None:
            out.update({k.split("}")[-1]: v for k, v in fonts.attrib.items()})
    return out


def _style_id(pkg: DocxPackage, name: str) -> str:
    for st in pkg.styles.iterfind("w:style", NS):
        n = st.find("w:name", NS)
        if n is not None and wattr(n, "val") == name:
            return wattr(st, "styleId")
    raise AssertionError(f"no style named {name}")


# -- 1. fonts in styles -------------------------------------------------------------------------------
def test_runs_carry_no_fonts_styles_do(docx_pkg):
    """No run names a face itself; every paragraph's style (chain) names the East Asian and the
    Latin face — so a style change reaches every paragraph that uses it."""
    parts = {"word/document.xml": docx_pkg.document,
             **{f"footer[{k}]": docx_pkg.xml(p) for k, p in docx_pkg.footer_parts().items()}}
    direct, total = [], 0
    for name, root in parts.items():
        for r in root.iter(w("r")):
            total += 1
            if r.find("w:rPr/w:rFonts", NS) is not None:
                direct.append((name, "".join(t.text or "" for t in r.iter(w("t")))[:16]))
    assert total > 30, f"only {total} runs"   # the sample: 50 (adjacent plain runs are merged)
    assert not direct, f"{len(direct)} of {total} runs carry w:rFonts directly: {direct[:8]}"
    unnamed = []
    for root in parts.values():
        for p in root.iter(w("p")):
            if not DocxPackage.text(p).strip():
                continue
            fonts = _style_fonts(docx_pkg, DocxPackage.style_id(p) or "")
            if not fonts.get("eastAsia") or not fonts.get("ascii"):
                unnamed.append((DocxPackage.style_id(p), DocxPackage.text(p)[:12], fonts))
    assert not unnamed, f"paragraphs whose style names no East Asian/Latin face: {unnamed[:5]}"


def test_body_style_names_fangsong(docx_pkg):
    fonts = _style_fonts(docx_pkg, _style_id(docx_pkg, BODY_STYLE))
    assert fonts.get("eastAsia") == OFFICIAL["fangsong"], fonts
    assert fonts.get("ascii") == fonts.get("hAnsi") == "Times New Roman", fonts


# -- 2. font table, compatibility, properties --------------------------------------------------------
def test_font_table_lists_every_face_used(docx_pkg):
    used = set()
    for root in (docx_pkg.styles, docx_pkg.document):
        for el in root.iter(w("rFonts")):
            used |= {v for k, v in el.attrib.items() if k.split("}")[-1] in ("ascii", "hAnsi", "eastAsia", "cs")}
    table = {wattr(f, "name"): f for f in docx_pkg.xml("word/fontTable.xml").iterfind("w:font", NS)}
    assert set(OFFICIAL.values()) <= used, f"faces named in styles/document: {used}"
    assert used <= set(table), f"faces used but missing from the font table: {sorted(used - set(table))}"
    assert set(table) <= used, f"font table lists faces nothing uses: {sorted(set(table) - used)}"
    for name, f in table.items():
        panose = wattr(f.find("w:panose1", NS), "val", "")
        assert re.fullmatch(r"[0-9A-F]{20}", panose) and panose != "0" * 20, f"{name}: panose1 {panose!r}"
        assert wattr(f.find("w:family", NS), "val") in ("roman", "swiss", "modern", "script", "decorative", "auto")
        assert f.find("w:pitch", NS) is not None, f"{name}: no w:pitch"
        if name in OFFICIAL.values():
            assert wattr(f.find("w:charset", NS), "val") == "86", f"{name}: charset not GB2312 (86)"
            assert wattr(f.find("w:altName", NS), "val"), f"{name}: no w:altName"


def test_compatibility_mode_15(docx_pkg):
    settings = docx_pkg.xml("word/settings.xml")
    modes = [wattr(s, "val") for s in settings.iter(w("compatSetting")) if wattr(s, "name") == "compatibilityMode"]
    assert modes == ["15"], f"compatibilityMode {modes} (14 or less opens in 兼容模式)"


def test_properties_name_reportgen_title_unit_and_date(built):
    import reportgen

    z = zipfile.ZipFile(built.docx)
    app, core = z.read("docProps/app.xml").decode(), z.read("docProps/core.xml").decode()
    report = yaml.safe_load((REPO_ROOT / "data" / YEAR / "lucheng" / "report.yaml").read_text("utf-8"))
    date = str(report["date"])

    def tag(xml, name):
        m = re.search(rf"<(?:\w+:)?{name}(?: [^>]*)?>([^<]*)</(?:\w+:)?{name}>", xml)
        return m.group(1) if m else None

    assert tag(app, "Application") == "reportgen"
    major, minor, patch = (int(x) for x in reportgen.__version__.split(".")[:3])
    assert tag(app, "AppVersion") == f"{major}.{minor:02d}{patch:02d}", tag(app, "AppVersion")
    assert tag(app, "Company") == UNIT
    assert tag(core, "title") == STEM
    assert tag(core, "creator") == UNIT and tag(core, "lastModifiedBy") == UNIT
    assert tag(core, "created").startswith(date) and tag(core, "modified").startswith(date), core
    assert "python-docx" not in app + core and "Microsoft" not in app + core


# -- 3. embedded stand-ins ----------------------------------------------------------------------------
def test_every_role_embedded_under_its_official_name(embedded, docx_pkg, built):
    assert set(OFFICIAL.values()) <= set(embedded), f"embedded: {sorted(embedded)}"
    ct = zipfile.ZipFile(built.docx).read("[Content_Types].xml").decode()
    for name, (font, part, key) in embedded.items():
        families = {r.toUnicode() for r in font["name"].names if r.nameID == 1}
        assert families == {name}, f"{part}: family names {families}, want {name}"
        assert not font["OS/2"].fsType & 0x6, f"{part}: fsType {font['OS/2'].fsType} forbids editable embedding"
        assert part.endswith(".odttf") and "obfuscatedFont" in ct
        assert re.fullmatch(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", key), key


def test_embedded_subsets_cover_their_text(embedded, docx_pkg):
    """Every character of every paragraph set in an embedded face is in that face's subset."""
    missing = {}
    for p in docx_pkg.document.iter(w("p")):
        face = _style_fonts(docx_pkg, DocxPackage.style_id(p) or "").get("eastAsia")
        if face not in embedded:
            continue
        cmap = embedded[face][0].getBestCmap()
        for ch in DocxPackage.text(p):
            if not ch.isspace() and ord(ch) > 0x2000 and ord(ch) not in cmap:
                missing.setdefault(face, set()).add(ch)
    assert not missing, f"characters missing from embedded subsets: {missing}"


@pytest.fixture(scope="module")
def unembedded_docx(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("no-embed")
    cmd = _reportgen_cmd() + ["-C", str(REPO_ROOT), "build", YEAR, "--format", "docx", "--profile",
                              "no-embedded-fonts", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out / f"{STEM}.docx"


def test_embedding_is_optional_and_its_cost(built, unembedded_docx):
    """The profile no-embedded-fonts leaves the fonts out; with them the file stays < 1 MB."""
    names = zipfile.ZipFile(unembedded_docx).namelist()
    assert not [n for n in names if n.startswith("word/fonts/")], names
    with_fonts, without = built.docx.stat().st_size, unembedded_docx.stat().st_size
    assert without < with_fonts < 1_000_000, (with_fonts, without)
    print(f"DOCX {with_fonts} bytes with embedded fonts, {without} without", file=sys.stderr)


# -- 3. LibreOffice on the recipient's desktop --------------------------------------------------------
class TestLibreOfficeRecipient(lo_checks.TestLibreOfficePdf):
    """The GB/T 9704 page checks on LibreOffice's rendering without official fonts or mapping;
    each role's face is the stand-in embedded in the DOCX."""

    producer = "LibreOffice (recipient: no official fonts, no mapping)"

    @pytest.fixture(scope="class")
    @classmethod
    def pages(cls, lo_recipient_pages):
        return lo_recipient_pages

    @pytest.fixture(scope="class")
    @classmethod
    def pdf_path(cls, lo_recipient_pdf):
        return lo_recipient_pdf

    def test_no_japanese_faces(self, pdf_path, poppler):
        names = [r["name"] for r in pdffonts(pdf_path)]
        jp = [n for n in names if "jp" in n.lower() or "VKana" in n]
        assert not jp, f"{self.producer}: Japanese fallback faces {jp} (all: {names})"

    def test_roles_in_distinct_faces(self, pages, font_resolution):
        """Title, body, 一级 and 二级 headings: four different faces on the page."""
        def fonts_of(pred):
            return {c["fontname"] for p in pages for ln in p.lines if pred(ln.text)
                    for c in ln.chars if not c["text"].isascii() and c["text"].strip()}
        title = {c["fontname"] for c in pages[0].lines[0].chars if not c["text"].isascii()}   # 1st line
        h1 = fonts_of(lambda t: re.match(r"^[一二三四五六七八九十]+、", t))
        h2 = fonts_of(lambda t: re.match(r"^（[一二三四五六七八九十]+）", t))
        body = fonts_of(lambda t: t.startswith("今年以来"))
        groups = {"title": title, "heading1": h1, "heading2": h2, "body": body}
        assert all(groups.values()), groups
        for a in groups:
            for b in groups:
                if a < b:
                    assert not groups[a] & groups[b], f"{a} and {b} share faces {groups[a] & groups[b]}"


def test_restyling_the_body_style_changes_the_body(built, tmp_path, recipient_fc, lo_recipient_pages):
    """Change the East Asian face of 公文正文 in styles.xml only (to the recipient's Noto Sans CJK
    SC); LibreOffice then shows the body in it instead of the embedded 仿宋 stand-in."""
    pkg = DocxPackage(built.docx)
    sid = _style_id(pkg, BODY_STYLE)
    z = zipfile.ZipFile(built.docx)
    styles = z.read("word/styles.xml").decode()
    m = re.search(rf'<w:style [^>]*w:styleId="{re.escape(sid)}".*?</w:style>', styles, re.S)
    new_style = re.sub(r'w:eastAsia="[^"]*"', 'w:eastAsia="Noto Sans CJK SC"', m.group(0), count=1)
    assert new_style != m.group(0)
    edited = tmp_path / f"{STEM}.docx"
    with zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == "word/styles.xml":
                data = styles.replace(m.group(0), new_style).encode()
            out.writestr(info, data)
    pages = read_pdf(libreoffice_pdf(edited, tmp_path / "lo", recipient_fc))

    def body_fonts(pp):
        return {c["fontname"] for p in pp for ln in p.lines if ln.text.startswith("今年以来")
                for c in ln.chars if not c["text"].isascii()}
    before, after = body_fonts(lo_recipient_pages), body_fonts(pages)
    assert before and after
    assert not before & after, f"body faces unchanged by the style edit: {before}"
    assert all("Noto Sans CJK SC" in families_of(f) for f in after), f"after editing styles.xml: {after}"


# -- 4. 仿宋 and the heaviest serif in the PDF ---------------------------------------------------------
FANGSONG_FAMILIES = {"仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312", "FandolFang", "Zhuque Fangsong (technical preview)"}


def _installed(pattern: str) -> list[str]:
    out = subprocess.run(["fc-list", pattern, "family", "style"], capture_output=True, text=True).stdout
    return out.splitlines()


def test_pdf_body_in_a_fangsong_face(wp_pages, poppler):
    """The PDF's 正文 is set in a 仿宋 design (FandolFang from scripts/setup.sh), not the 宋体 Noto Serif."""
    fonts = {c["fontname"] for p in wp_pages for ln in p.lines if ln.text.startswith("今年以来")
             for c in ln.chars if not c["text"].isascii()}
    assert fonts, "no body line found"
    for name in fonts:
        fams = families_of(name)
        assert fams & FANGSONG_FAMILIES, (f"body set in {name} ({sorted(fams)}), not a 仿宋 face; "
                                          "run scripts/setup.sh (FandolFang from texlive-lang-chinese)")


def test_pdf_title_in_the_heaviest_serif(wp_pages, poppler):
    """The title (小标宋 stand-in) uses the heaviest installed Noto Serif CJK weight: Black with
    fonts-noto-cjk-extra (setup.sh installs it), else Bold."""
    black = any("Black" in ln for ln in _installed("Noto Serif CJK SC"))
    assert black, "Noto Serif CJK SC Black not installed (fonts-noto-cjk-extra, scripts/setup.sh)"
    names = {c["fontname"] for c in wp_pages[0].lines[0].chars if not c["text"].isascii()}
    assert names and all(("Heavy" in n or "Black" in n) and "Noto Serif CJK SC" in families_of(n) for n in names), names
