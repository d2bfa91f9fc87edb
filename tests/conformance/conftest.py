"""Session fixtures: build the sample once, convert its DOCX with LibreOffice once, parse once.

The conformance suite needs external tools (LibreOffice, poppler-utils) and the open CJK fonts.
``require_tool`` skips when one is missing on a developer machine and fails under CI (CI=true),
so a CI image that lost a tool cannot turn the suite silently green.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .measure import DocxPackage, read_pdf

REPO_ROOT = Path(__file__).resolve().parents[2]
YEAR = "2024"
STEM = "鹿城区科学技术局2023年工作总结和2024年工作思路"


def require_tool(name: str) -> str:
    """Path of an external tool; pytest.fail under CI=true when missing, pytest.skip otherwise."""
    path = shutil.which(name)
    if path:
        return path
    msg = f"required tool {name!r} not found on PATH"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + " (CI=true: missing tools are failures)", pytrace=False)
    pytest.skip(msg)


def _reportgen_cmd() -> list[str]:
    """``python -m reportgen.cli`` (cli.py calls main() under __main__); else the console script."""
    probe = subprocess.run([sys.executable, "-m", "reportgen.cli", "--version"], capture_output=True, text=True)
    if probe.returncode == 0:
        return [sys.executable, "-m", "reportgen.cli"]
    script = Path(sys.executable).with_name("reportgen")
    if script.exists():
        return [str(script)]
    pytest.fail(f"cannot run reportgen: python -m reportgen.cli failed ({probe.stderr.strip()}) "
                f"and no console script next to {sys.executable}", pytrace=False)


@dataclass(frozen=True)
class Built:
    docx: Path
    pdf: Path
    out_dir: Path


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    out = tmp_path_factory.mktemp("build")
    cmd = _reportgen_cmd() + ["-C", str(REPO_ROOT), "build", YEAR, "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"build failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}", pytrace=False)
    docx, pdf = out / f"{STEM}.docx", out / f"{STEM}.pdf"
    missing = [p.name for p in (docx, pdf) if not p.exists()]
    if missing:
        pytest.fail(f"build did not write {missing}; folder has {sorted(p.name for p in out.iterdir())}",
                    pytrace=False)
    return Built(docx, pdf, out)


@pytest.fixture(scope="session")
def style():
    from reportgen.write.style import load_style

    return load_style()


@pytest.fixture(scope="session")
def font_resolution(pdf_resolution):
    """Role → the face a check expects (test classes for LibreOffice override it)."""
    return pdf_resolution


@pytest.fixture(scope="session")
def pdf_resolution(style):
    """Role → installed face the PDF uses (fonts.resolve with no workspace fonts folder)."""
    from reportgen.write.fonts import resolve

    res = resolve(style, None)
    missing = sorted(role for role, r in res.items() if r.face is None)
    if missing:
        msg = (f"no installed face for font roles {missing} "
               "(apt-get install fonts-noto-cjk fonts-arphic-gkai00mp)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return res


@pytest.fixture(scope="session")
def lo_pdf(built, tmp_path_factory, style) -> Path:
    """LibreOffice's PDF of the DOCX, rendered with the official-name → substitute mapping."""
    soffice = require_tool("soffice")
    from reportgen.write.fonts import fontconfig_aliases

    work = tmp_path_factory.mktemp("libreoffice")
    fc = work / "fonts.conf"
    fc.write_text(fontconfig_aliases(style, standalone=True), "utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(fc))
    cmd = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
           "--convert-to", "pdf", "--outdir", str(work / "pdf"), str(built.docx)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    pdf = work / "pdf" / f"{STEM}.pdf"
    if proc.returncode != 0 or not pdf.exists():
        pytest.fail(f"LibreOffice conversion failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}", pytrace=False)
    return pdf


# A recipient's Linux desktop (Kylin/UOS-like): the common open faces only — DejaVu, Liberation,
# Noto CJK Regular/Bold — no official Chinese fonts, no FandolFang, no Noto Black, and no reportgen
# font mapping.  Whatever the DOCX shows there in 仿宋/黑体/楷体/小标宋 comes from the fonts it embeds.
RECIPIENT_FONTS = ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSerif.ttf", "liberation2/LiberationSerif-Regular.ttf",
                   "liberation2/LiberationSerif-Bold.ttf", "liberation2/LiberationSans-Regular.ttf",
                   "noto/NotoSansCJK-Regular.ttc", "noto/NotoSansCJK-Bold.ttc",
                   "noto/NotoSerifCJK-Regular.ttc", "noto/NotoSerifCJK-Bold.ttc")


def recipient_fontconfig(work: Path) -> Path:
    """A fontconfig file that sees only RECIPIENT_FONTS (links in ``work/fonts``) and the system's
    rules (conf.d), not the user's configuration nor any reportgen mapping."""
    fonts = work / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    found = []
    for rel in RECIPIENT_FONTS:
        hits = sorted(Path("/usr/share/fonts").glob(f"*/{rel}"))
        if hits:
            # Hard links or copies: LibreOffice shows boxes for faces fontconfig found through a
            # symbolic link (measured: LibreOffice 7.4, body in DejaVu Sans with .notdef glyphs).
            try:
                os.link(hits[0], fonts / hits[0].name)
            except OSError:
                shutil.copy2(hits[0], fonts / hits[0].name)
            found.append(hits[0].name)
    if not any("CJK" in f for f in found):
        pytest.fail(f"no Noto CJK faces under /usr/share/fonts for the recipient set (found {found})", pytrace=False)
    conf = work / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    f"  <dir>{fonts}</dir>\n  <cachedir>{work / 'fc-cache'}</cachedir>\n"
                    '  <include ignore_missing="yes">/etc/fonts/conf.d</include>\n</fontconfig>\n', "utf-8")
    return conf


def libreoffice_pdf(docx: Path, work: Path, fontconfig: Path) -> Path:
    """``soffice --headless --convert-to pdf`` under a private profile, HOME and fontconfig."""
    soffice = require_tool("soffice")
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, FONTCONFIG_FILE=str(fontconfig), HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    cmd = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
           "--convert-to", "pdf", "--outdir", str(work / "pdf"), str(docx)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    pdf = work / "pdf" / f"{docx.stem}.pdf"
    if proc.returncode != 0 or not pdf.exists():
        pytest.fail(f"LibreOffice conversion failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}", pytrace=False)
    return pdf


@pytest.fixture(scope="session")
def recipient_fc(tmp_path_factory) -> Path:
    return recipient_fontconfig(tmp_path_factory.mktemp("recipient"))


@pytest.fixture(scope="session")
def lo_recipient_pdf(built, tmp_path_factory, recipient_fc) -> Path:
    """LibreOffice's PDF of the DOCX on the recipient's desktop (no official fonts, no mapping)."""
    return libreoffice_pdf(built.docx, tmp_path_factory.mktemp("lo-recipient"), recipient_fc)


@pytest.fixture(scope="session")
def lo_recipient_pages(lo_recipient_pdf):
    return read_pdf(lo_recipient_pdf)


@pytest.fixture(scope="session")
def poppler():
    require_tool("pdftoppm")
    require_tool("pdffonts")


@pytest.fixture(scope="session")
def wp_pages(built):
    return read_pdf(built.pdf)


@pytest.fixture(scope="session")
def lo_pages(lo_pdf):
    return read_pdf(lo_pdf)


@pytest.fixture(scope="session")
def docx_pkg(built) -> DocxPackage:
    return DocxPackage(built.docx)


@pytest.fixture(scope="session")
def embedded(docx_pkg) -> dict:
    """The fonts the DOCX embeds: font-table name → (TTFont, part name, fontKey)."""
    return docx_pkg.embedded_fonts()


@pytest.fixture(scope="session")
def embedded_resolution(pdf_resolution, embedded, style):
    """Role → Resolution whose face is the stand-in embedded in the DOCX for that role (its family
    found from the subset's PostScript name); LibreOffice draws the DOCX with these."""
    import dataclasses

    from reportgen.write.fonts import Face

    from .measure import families_of

    out = {}
    for role, res in pdf_resolution.items():
        if res.official not in embedded:
            out[role] = res
            continue
        ps = embedded[res.official][0]["name"].getDebugName(6)
        fams = families_of(ps) & set(style.fonts[role].substitutes)
        if not fams:
            pytest.fail(f"{role}: embedded face {ps} is none of {style.fonts[role].substitutes}", pytrace=False)
        out[role] = dataclasses.replace(res, face=Face(sorted(fams)[0], Path(ps)))
    return out
