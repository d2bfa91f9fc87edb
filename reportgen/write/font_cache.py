"""Pre-subset faces: each face the PDF uses, cut once per machine to the common characters.

WeasyPrint subsets every embedded face for every document with HarfBuzz, keeping glyph ids;
the cost follows the highest glyph id used, 41 000–63 000 in a Noto CJK collection, not the
number of glyphs a report uses.  Here each face file is cut once to the characters of nearly every
report — the 3 755 hanzi of GB 2312 level one, GB 2312's punctuation and symbols (rows 1–9),
ASCII, Latin-1, general punctuation, CJK symbols and full-width forms — with glyph ids renumbered
(≈5 000 glyphs), hinting dropped and only the tables HarfBuzz, Pango and the PDF read (the
vertical-writing tables go).  A document's own subsetting then works on that small face.

The cut face keeps every table that decides the layout (cmap, advances, vertical metrics,
GSUB/GPOS with all their features), so the lines, positions and page breaks are those of the full
face.  It is used under a family name of its own (``<family> GB2312 <key>``) listed *before* the
full family in the CSS: a character outside the cut face (a rarer hanzi) is drawn from the full
face, per character, by Pango's fallback, as before.  The coverage check still reads the full
face (``fonts.face_facts``).

The cache (``~/.cache/reportgen/fonts/subsets``, or ``$XDG_CACHE_HOME``) is keyed by the source
file's sha256, the face index and ``SUBSET_VERSION``; a file's sha256 is remembered by path, size
and modification time, so a process only stats the file.  Entries are written atomically; when the
cache cannot be written or HarfBuzz's subsetter (uharfbuzz) is missing, the full face is used.
``REPORTGEN_FONT_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..core.cache import cache_dir as user_cache_dir

SUBSET_VERSION = 3
# Tables for vertical writing (and the signature) are not used by a horizontal report.
DROP_TABLES = ("vhea", "vmtx", "VORG", "DSIG")


def _gb2312(rows: range) -> set[int]:
    out = set()
    for hi in rows:
        for lo in range(0xA1, 0xFF):
            try:
                out.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return out


@functools.lru_cache(maxsize=1)
def common_characters() -> frozenset[int]:
    """The code points a pre-subset face keeps (those the face has)."""
    cps = _gb2312(range(0xB0, 0xD8))            # level one hanzi: rows 16–55
    cps |= _gb2312(range(0xA1, 0xAA))           # punctuation, digits, symbols: rows 1–9
    for a, b in ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF)):
        cps.update(range(a, b + 1))
    return frozenset(cps)


@dataclass(frozen=True)
class Subset:
    """A pre-subset face file and the CSS family it is registered under."""
    family: str
    path: Path


def enabled() -> bool:
    return os.environ.get("REPORTGEN_FONT_CACHE", "1") != "0"


def cache_dir() -> Path:
    return user_cache_dir("fonts", "subsets")


def _source_sha256(path: Path) -> str:
    """The file's sha256, remembered by path, size and modification time (one stat per process)."""
    st = path.stat()
    stamp = hashlib.sha256(f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:32]
    memo = cache_dir() / "sha256" / f"{stamp}.json"
    try:
        return json.loads(memo.read_text("utf-8"))["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    _write_atomic(memo, json.dumps({"path": str(path), "sha256": digest}).encode())
    return digest


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def cut(path: Path, index: int) -> bytes:
    """The face ``index`` of the file, cut to :func:`common_characters` with HarfBuzz."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(path)), index)
    spec = hb.SubsetInput()
    spec.sets(hb.SubsetInputSets.UNICODE).update(common_characters())
    for which in (hb.SubsetInputSets.LAYOUT_FEATURE_TAG,      # every feature: the same shaping
                  hb.SubsetInputSets.LAYOUT_SCRIPT_TAG,
                  hb.SubsetInputSets.NAME_LANG_ID):           # every language's names
        tags = spec.sets(which)
        tags.clear()
        tags.invert()                                       # the empty set inverted: all
    spec.sets(hb.SubsetInputSets.NAME_ID).update(range(0, 26))
    spec.sets(hb.SubsetInputSets.DROP_TABLE_TAG).update(int.from_bytes(t.encode(), "big") for t in DROP_TABLES)
    # CID == GID in a cut CID-keyed CFF: the shaper's glyph ids (the PDF's CIDs) then name the same
    # glyphs for every reader; with HarfBuzz's default (the original CIDs kept) PDF.js — Firefox's
    # viewer and the preview — looks the renumbered ids up as CIDs and draws wrong or no glyphs.
    spec.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.CFF_IDENTITY_CHARSET
    return hb.subset(face, spec).blob.data


@functools.lru_cache(maxsize=64)
def subset_file(path: Path, index: int) -> Path | None:
    """The cached pre-subset file of one face (built on first use), or None when unavailable."""
    if not enabled():
        return None
    try:
        digest = _source_sha256(path)
        stem = cache_dir() / f"{digest[:40]}-{index}-v{SUBSET_VERSION}"
        for entry in (stem.with_suffix(".otf"), stem.with_suffix(".ttf")):
            if entry.is_file():
                return entry
        data = cut(path, index)
        entry = stem.with_suffix(".otf" if data[:4] == b"OTTO" else ".ttf")
        _write_atomic(entry, data)
        return entry
    except (ImportError, OSError, RuntimeError, KeyError):
        # no uharfbuzz, no writable cache (no home folder …), a face HarfBuzz cannot cut
        return None


def family_subsets(family: str, faces: tuple[tuple[Path, int], ...]) -> tuple[str, tuple[Path, ...]] | None:
    """The CSS family name for the cut faces of one family (its regular face and its bold face,
    which must share a family so that bold text keeps its real bold face) and their files."""
    files = []
    for path, index in faces:
        f = subset_file(path, index)
        if f is None:
            return None
        files.append(f)
    key = hashlib.sha256("\0".join(f.name for f in files).encode()).hexdigest()[:6]
    return f"{family} GB2312 {key}", tuple(files)


def for_resolutions(resolutions) -> dict[str, tuple[str, tuple[Path, ...]]]:
    """Full family → (CSS family of its cut faces, their files), for every family the roles use.

    A system family's cut faces are its regular and its bold face (fontconfig's choice for
    weight 700); a workspace font file is one face.  A family whose faces cannot be cut is left
    out: the CSS then names the full family alone.
    """
    from .fonts import system_bold_faces, system_families

    if not enabled():
        return {}
    out: dict[str, tuple[str, tuple[Path, ...]]] = {}
    for res in resolutions.values():
        face = res.face
        if face is None or face.family in out:
            continue
        if face.workspace:
            faces = [(face.path, face.index)]
        else:
            faces = []
            for f in (system_families().get(face.family), system_bold_faces().get(face.family), face):
                if f is not None and (f.path, f.index) not in faces:
                    faces.append((f.path, f.index))
        found = family_subsets(face.family, tuple(faces))
        if found:
            out[face.family] = found
    return out
