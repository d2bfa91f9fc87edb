#!/usr/bin/env bash
# Replace the PDF.js files the preview ships (reportgen/app/static/pdfjs/) with those of the npm
# package pdfjs-dist VERSION. Needs npm; run from the repository root, then run tests/test_preview.py.
set -euo pipefail
version="${1:?usage: scripts/update-pdfjs.sh VERSION   (e.g. 6.5.438)}"
dest="reportgen/app/static/pdfjs"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "pdfjs-dist@$version" >/dev/null && tar xzf pdfjs-dist-*.tgz)
cp "$tmp/package/build/pdf.min.mjs" "$tmp/package/build/pdf.worker.min.mjs" "$tmp/package/LICENSE" "$dest/"
sed -i -E "s/pdfjs-dist [0-9][0-9.]*/pdfjs-dist $version/" "$dest/README.md"
echo "PDF.js $version in $dest"
