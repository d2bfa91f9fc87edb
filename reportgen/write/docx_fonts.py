"""Embedded fonts for the DOCX: subsets of the open stand-ins, named as the official faces.

A recipient without 仿宋_GB2312, 黑体, 楷体_GB2312, 方正小标宋简体 or 宋体 would see every role in one
fallback face (LibreOffice on Linux: Noto Sans CJK JP).  The DOCX therefore carries, for each role
drawn with an open stand-in, a subset of that face holding just the characters the role sets,
with the family renamed to the official name the styles use (PostScript name kept, so a PDF made
from it still says which face it is).  Word and LibreOffice load such fonts from the package:
ECMA-376 Part 1 §17.8.1 — an ``.odttf`` part whose first 32 bytes are XORed with the ``w:fontKey``
GUID, referenced by ``w:embedRegular`` in the font table.

Only faces that allow it are embedded (OS/2 ``fsType`` installable or editable), and only
stand-ins: a bureau's licensed official fonts stay out of the documents it sends.
"""

from __future__ import annotations

import functools
import hashlib
import io
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..core.cache import cache_dir, file_stamp, replace_file
from .fonts import Face, Resolution, system_families, workspace_faces
from .style import Style

SUBSET_VERSION = 3
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
# OS/2 fsType bits that forbid embedding for editing: restricted (0x2), preview & print (0x4).
_NO_EDIT_EMBEDDING = 0x0002 | 0x0004


@dataclass(frozen=True)
class Embedded:
    official: str        # the family name the styles use, and the name inside the subset
    data: bytes          # the subset font file (not yet obfuscated)
    key: str             # the w:fontKey GUID, "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}"
    source: str          # the stand-in's PostScript name

    @property
    def odttf(self) -> bytes:
        return obfuscate(self.data, self.key)


def obfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376 font obfuscation: XOR the first 32 bytes with the key's 16 bytes, the key read
    from its last hex pair to its first.  (Its own inverse.)"""
    digits = key.strip("{}").replace("-", "")
    key_bytes = bytes.fromhex(digits)[::-1]
    head = bytes(b ^ key_bytes[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def _cache_dir() -> Path:
    return cache_dir("docx-fonts")


def _fs_type(face: Face) -> int:
    from fontTools.ttLib import TTFont

    font = TTFont(str(face.path), fontNumber=face.index, lazy=True)
    return font["OS/2"].fsType if "OS/2" in font else 0


@functools.lru_cache(maxsize=32)
def allows_embedding(face: Face) -> bool:
    """OS/2 fsType installable (0) or editable (8): a DOCX is an editable document."""
    try:
        return not _fs_type(face) & _NO_EDIT_EMBEDDING
    except Exception:      # unreadable face: nothing to embed
        return False


def _cut(face: Face, chars: str):
    """The face cut to ``chars`` (every layout feature, every name, no hinting), as a TTFont.

    HarfBuzz's subsetter (uharfbuzz) takes a fraction of a second on a CJK face where
    fontTools' takes seconds; fontTools does the same when uharfbuzz is missing."""
    from fontTools.ttLib import TTFont

    try:
        import uharfbuzz as hb
    except ImportError:
        hb = None
    if hb is not None:
        spec = hb.SubsetInput()
        spec.sets(hb.SubsetInputSets.UNICODE).update(ord(ch) for ch in chars)
        for which in (hb.SubsetInputSets.LAYOUT_FEATURE_TAG, hb.SubsetInputSets.LAYOUT_SCRIPT_TAG,
                      hb.SubsetInputSets.NAME_LANG_ID):
            tags = spec.sets(which)
            tags.clear()
            tags.invert()                                     # the empty set inverted: all
        spec.sets(hb.SubsetInputSets.NAME_ID).update(range(0, 26))
        spec.sets(hb.SubsetInputSets.DROP_TABLE_TAG).add(int.from_bytes(b"DSIG", "big"))
        spec.flags = hb.SubsetFlags.NO_HINTING
        blob = hb.subset(hb.Face(hb.Blob.from_file_path(str(face.path)), face.index), spec)
        if blob is not None and blob.blob.data:
            return TTFont(io.BytesIO(blob.blob.data), recalcTimestamp=False)
    from fontTools import subset

    font = TTFont(str(face.path), fontNumber=face.index, recalcTimestamp=False, recalcBBoxes=True)
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.layout_features = ["*"]         # vert, locl … as the full face has them
    opts.notdef_outline = True
    opts.hinting = False
    opts.drop_tables += ["DSIG"]
    sub = subset.Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    return font


# Converted glyphs of this process, by (face, glyph name): a document's subset converts only the
# glyphs no earlier document of the process used.  The names of a cut CFF face are stable (the
# source's CIDs or glyph names: HarfBuzz keeps them), and a glyph's outline does not depend on
# which other glyphs a subset holds.  Bounded by the faces' glyph counts (a few hundred bytes each).
_CONVERTED: dict[tuple, "object"] = {}


@functools.lru_cache(maxsize=1)
def _converted_type():
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    class Converted(Glyph):
        """A converted glyph kept compiled: what saving a font reads of it — its bytes (compiled
        as ``TTFont.save`` compiles a fresh glyph, bounds recalculated), its header and its maxp
        counts — without its coordinates.  A font saved with it has the fresh glyph's bytes."""

        def expand(self, glyfTable):
            pass

        def compile(self, glyfTable, recalcBBoxes=True, *, boundsDone=None, optimizeSize=True):
            return self.compiled

        def getMaxpValues(self):
            return self.maxp_values

        def isComposite(self):
            return False

    return Converted


def _freeze(glyph, glyf):
    """A fresh simple glyph (from the pen) as a compact ``Converted`` one."""
    out = _converted_type()()
    out.compiled = glyph.compile(glyf, True)
    out.numberOfContours = glyph.numberOfContours
    if glyph.numberOfContours:
        out.xMin, out.yMin, out.xMax, out.yMax = glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax
        out.maxp_values = glyph.getMaxpValues()
    return out


# The converted glyphs are also kept per machine, one file per face (``<key>.glyphs`` in the
# DOCX-subset cache, keyed like the subsets): a new process — a worker, a single build after an
# edit — converts only glyphs no process converted before.  Records: name, compiled bytes, header
# and maxp counts; a damaged or foreign file is ignored (the glyphs are converted again).
_GLYPHS_MAGIC = b"reportgen converted glyphs 1\n"
_GLYPH_RECORD = struct.Struct("<IhhhhhHH")
_glyph_files_read: set = set()


def _face_key(face: Face) -> tuple | None:
    """The face as its file is now: a font file replaced in place (a workspace's fonts/, while a
    preview runs) is another face, whose glyphs are converted again."""
    try:
        return (face, *file_stamp(face.path))
    except OSError:
        return None


def _glyph_file(fk: tuple) -> Path | None:
    face, *stamp = fk
    try:
        key = hashlib.sha256(f"{SUBSET_VERSION}\0{_subsetters()}\0{face.path.resolve()}\0{face.index}\0"
                             f"{stamp}".encode()).hexdigest()[:40]
        return _cache_dir() / f"{key}.glyphs"
    except (OSError, RuntimeError, KeyError):
        return None


def _read_glyphs(fk: tuple) -> None:
    """This machine's converted glyphs of the face ``fk`` into ``_CONVERTED`` (once per process)."""
    if fk in _glyph_files_read:
        return
    _glyph_files_read.add(fk)
    path = _glyph_file(fk)
    try:
        blob = path.read_bytes() if path else b""
    except OSError:
        return
    if not blob.startswith(_GLYPHS_MAGIC):
        return
    found, pos = {}, len(_GLYPHS_MAGIC)
    try:
        while pos < len(blob):
            (n,) = struct.unpack_from("<H", blob, pos)
            name = blob[pos + 2:pos + 2 + n].decode("utf-8")
            pos += 2 + n
            size, contours, x0, y0, x1, y1, points, loops = _GLYPH_RECORD.unpack_from(blob, pos)
            pos += _GLYPH_RECORD.size
            data = blob[pos:pos + size]
            pos += size
            if len(data) != size:
                raise ValueError("truncated")
            glyph = _converted_type()()
            glyph.compiled, glyph.numberOfContours = data, contours
            if contours:
                glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax = x0, y0, x1, y1
                glyph.maxp_values = (points, loops)
            found[(fk, name)] = glyph
    except (struct.error, ValueError, UnicodeDecodeError):
        return
    for key, glyph in found.items():
        _CONVERTED.setdefault(key, glyph)


def _write_glyphs(fk: tuple) -> None:
    """Every glyph of the face ``fk`` this process has converted (or read), to the machine's file."""
    path = _glyph_file(fk)
    if path is None:
        return
    out = [_GLYPHS_MAGIC]
    for (f, name), g in sorted(((k, g) for k, g in _CONVERTED.items() if k[0] == fk), key=lambda kg: kg[0][1]):
        raw = name.encode("utf-8")
        bbox = (g.xMin, g.yMin, g.xMax, g.yMax) if g.numberOfContours else (0, 0, 0, 0)
        counts = g.maxp_values if g.numberOfContours > 0 else (0, 0)
        out += [struct.pack("<H", len(raw)), raw, _GLYPH_RECORD.pack(len(g.compiled), g.numberOfContours, *bbox, *counts),
                g.compiled]
    replace_file(path, b"".join(out))


def _truetype(font, face: Face | None = None) -> None:
    """CFF outlines → TrueType (quadratic, fontTools' cu2qu), in place.

    An embedded DOCX font is an "obfuscated TrueType" (.odttf); Word has long embedded only
    TrueType-outline fonts, so the CFF faces (Noto CJK, Fandol) are converted — LibreOffice reads
    either.  Costs ~10 % in size and ~1 ms a glyph (0.6 s for a 600-glyph 仿宋 subset): with
    ``face``, each glyph is converted once per machine (``_CONVERTED`` and the ``.glyphs``
    file), the same bytes."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    # Always: the glyph set loads hmtx/hhea (vmtx/vhea), which saving then recalculates — the
    # bytes must not depend on whether any glyph needed converting.
    glyph_set = font.getGlyphSet()
    converted = False
    fk = _face_key(face) if face is not None else None
    if fk is not None:
        _read_glyphs(fk)
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        glyph = _CONVERTED.get((fk, name)) if fk is not None else None
        if glyph is None:
            converted = True
            pen = TTGlyphPen(glyph_set)
            glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))   # within 1 unit of 1000
            glyph = pen.glyph()
            if fk is not None:
                glyph = _CONVERTED[(fk, name)] = _freeze(glyph, glyf)
        glyf.glyphs[name] = glyph
    if fk is not None and converted:       # glyphs converted here: keep them for other processes
        _write_glyphs(fk)
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font["glyf"], font["loca"] = glyf, newTable("loca")
    maxp = newTable("maxp")
    maxp.tableVersion, maxp.numGlyphs, maxp.maxZones = 0x00010000, len(order), 1
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0          # no glyph names (a CID face has none worth keeping)
    font.sfntVersion = "\x00\x01\x00\x00"


def _make_subset(face: Face, official: str, chars: str, reuse: bool = True) -> tuple[bytes, str]:
    """The subset's bytes and the stand-in's PostScript name; ``reuse=False``: every glyph
    converted afresh (the same bytes, slower)."""
    font = _cut(face, chars)
    name = font["name"]
    source = name.getDebugName(6) or face.family
    # The family becomes the official name (Regular); every other name record of the family goes.
    name.names = [r for r in name.names if r.nameID not in (1, 2, 4, 16, 17, 18, 21, 22)]
    for lang_id in (0x409, 0x804):
        name.setName(official, 1, 3, 1, lang_id)
        name.setName("Regular", 2, 3, 1, lang_id)
        name.setName(official, 4, 3, 1, lang_id)
    name.setName(f"reportgen subset of {source} as {official}", 3, 3, 1, 0x409)
    if "CFF " in font:
        # The CFF names of a Noto CJK collection say "jp" for every language (one CFF for all):
        # name the font and its FDArray dicts after the face's own PostScript name.
        cff = font["CFF "].cff
        old = cff.fontNames[0]
        cff.fontNames = [source]
        top = cff.topDictIndex[0]
        for fd in getattr(top, "FDArray", None) or []:
            fd_name = getattr(fd, "FontName", None)
            if fd_name and fd_name.startswith(old):
                fd.FontName = source + fd_name[len(old):]
    if "CFF " in font:
        _truetype(font, face if reuse else None)
    os2 = font["OS/2"]
    os2.usWeightClass = 400                               # the stand-in's weight is the role's look
    os2.fsSelection = (os2.fsSelection & ~0x0021) | 0x0040  # not bold/italic: REGULAR
    font["head"].macStyle = 0
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue(), source


@functools.lru_cache(maxsize=1)
def _subsetters() -> str:
    """The versions of the libraries that cut and convert a subset: part of its cache key, so a
    machine whose virtualenvs differ (or an upgrade) never reads another version's bytes."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for dist in ("uharfbuzz", "fonttools"):
        try:
            out.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            out.append(f"{dist} -")
    return ", ".join(out)


@functools.lru_cache(maxsize=16)
def subset(face: Face, official: str, chars: str) -> Embedded:
    """The renamed subset of ``face`` holding ``chars``; kept in the user's cache between runs
    (keyed by the face file's path, size and modification time, the name, the characters and
    the versions of uharfbuzz and fontTools)."""
    try:
        st = face.path.stat()
        key = hashlib.sha256(f"{SUBSET_VERSION}\0{_subsetters()}\0{face.path.resolve()}\0{face.index}\0"
                             f"{st.st_size}\0{st.st_mtime_ns}\0{official}\0{chars}".encode()).hexdigest()[:40]
        cache = _cache_dir() / f"{key}.font"
    except (OSError, RuntimeError, KeyError):
        cache = None
    data = source = None
    if cache is not None:
        try:
            blob = cache.read_bytes()
            head, _, data = blob.partition(b"\n")
            source = head.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            data = None
    if not data:
        data, source = _make_subset(face, official, chars)
        if cache is not None:
            replace_file(cache, source.encode("utf-8") + b"\n" + data)
    # A key from the bytes themselves: the same subset always gets the same key (reproducible).
    guid = uuid.UUID(bytes=hashlib.sha256(b"reportgen-font-key\0" + data).digest()[:16])
    return Embedded(official, data, "{" + str(guid).upper() + "}", source)


def embedding_face(style: Style, role: str, res: Resolution, fonts_dir: Path | None = None) -> Face | None:
    """The face to embed for ``role``: the PDF's stand-in when its licence flags allow editable
    embedding, else the next stand-in of the role's chain that does (AR PL KaitiM GB is marked
    preview & print only; AR PL UKai CN, same design family, is installable).  None for an
    official face (never embedded) or when no stand-in may be embedded."""
    if res.face is None or not res.substitute:
        return None
    if allows_embedding(res.face):
        return res.face
    ws_faces = dict(workspace_faces(fonts_dir)) if fonts_dir else {}
    system = system_families()
    chain = style.fonts[role].substitutes
    start = chain.index(res.face.family) + 1 if res.face.family in chain else 0
    for name in chain[start:]:
        face = ws_faces.get(name) or system.get(name)
        if face is not None and name != res.official and allows_embedding(face):
            return face
    return None


def embeddings(style: Style, resolutions: dict[str, Resolution], texts: dict[str, str],
               fonts_dir: Path | None = None) -> list[Embedded]:
    """One embedded subset per role drawn with an open stand-in that allows embedding.

    ``texts``: role → every character set in that role (the subset holds these, digits, space).
    """
    out = []
    for role, res in resolutions.items():
        face = embedding_face(style, role, res, fonts_dir)
        if face is None:
            continue
        chars = "".join(sorted((set(texts.get(role, "")) | set("0123456789 ")) - set("\t\n")))
        out.append(subset(face, res.official, chars))
    return out
