#!/usr/bin/env bash
# Set up reportgen on Debian 12 (run as root, or with sudo available):
#   system packages (CJK fonts, Pango/HarfBuzz for WeasyPrint, python3-venv), a virtual
#   environment in .venv, and the package itself in editable mode.
#   --test  also installs what the test suite uses: LibreOffice (the real DOCX client),
#           poppler-utils (pdftoppm, pdffonts), chromium (the preview test's browser), faketime
#           and the Python test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

packages=(
  python3-venv python3-pip
  fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0
  fonts-noto-cjk fonts-noto-cjk-extra fonts-arphic-gkai00mp fonts-arphic-ukai fonts-liberation2
)
# fonts-noto-cjk-extra: the Black weight of Noto Serif CJK, the 小标宋 stand-in (134 MB download).
if [ "$want_test" = 1 ]; then
  packages+=(poppler-utils libreoffice-writer-nogui chromium faketime)
  # Calc: scripts/january_screenshots.py renders the indicators spreadsheet for docs/january-guide.md
  packages+=(libreoffice-calc-nogui)
fi

if command -v apt-get >/dev/null 2>&1 && [ "${REPORTGEN_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "==> apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# FandolFang, an open 仿宋 (GPL with font exception): Debian carries it only inside
# texlive-lang-chinese; the one OTF is taken out of the .deb (no TeX installed) into the fonts folder.
install_fandol() {
  local dest tmp deb
  if [ "$(id -u)" = 0 ]; then dest=/usr/local/share/fonts/reportgen-fandol; else dest="$HOME/.local/share/fonts/reportgen-fandol"; fi
  [ -f "$dest/FandolFang-Regular.otf" ] && return 0
  command -v apt-get >/dev/null 2>&1 || { echo "==> no apt-get: put FandolFang-Regular.otf in $dest yourself"; return 0; }
  tmp=$(mktemp -d)
  echo "==> FandolFang from texlive-lang-chinese (apt-get download, dpkg-deb -x) → $dest"
  if ! (cd "$tmp" && chmod 777 . && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1) \
     && ! { [ "$(id -u)" = 0 ] && apt-get update -qq && (cd "$tmp" && apt-get download -qq texlive-lang-chinese >/dev/null); }; then
    echo "==> could not download texlive-lang-chinese (run 'sudo apt-get update' and try again);"
    echo "    the PDF body falls back to Noto Serif CJK until FandolFang-Regular.otf is in $dest"
    rm -rf "$tmp"
    return 0
  fi
  deb=$(ls "$tmp"/texlive-lang-chinese_*.deb)
  dpkg-deb -x "$deb" "$tmp/x"
  mkdir -p "$dest"
  install -m 0644 "$tmp"/x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf "$dest/"
  install -m 0644 "$tmp"/x/usr/share/doc/texlive-doc/fonts/fandol/README "$dest/README.fandol"
  install -m 0644 "$tmp"/x/usr/share/doc/texlive-doc/fonts/fandol/COPYING.gz "$dest/COPYING.fandol.gz"
  rm -rf "$tmp"
  fc-cache -f "$dest" >/dev/null 2>&1 || true
}
if [ "${REPORTGEN_SKIP_APT:-0}" != 1 ]; then
  install_fandol
fi

# Debian's own python3, the one python3-venv above belongs to (built with PGO and LTO), unless
# PYTHON names another: where a python3 of pyenv or the like comes first on the PATH, it is often
# built without them and runs reportgen ≈20 % slower (benchmarks/README.md, fourth day).
python=${PYTHON:-}
if [ -z "$python" ]; then
  python=python3
  if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python=/usr/bin/python3
  fi
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> $python -m venv .venv"
  "$python" -m venv .venv
fi
extra=""
[ "$want_test" = 1 ] && extra="[test]"
echo "==> pip install -e .$extra"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".$extra"
# pip compiles a regular install's modules, not an editable one's: compile them now, or every run
# under PYTHONDONTWRITEBYTECODE=1 compiles reportgen's sources again (≈0.13 s of a cold build)
.venv/bin/python -m compileall -q reportgen >/dev/null
echo "==> ready: .venv/bin/reportgen"
