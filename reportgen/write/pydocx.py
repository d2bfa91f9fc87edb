"""python-docx's internals, fenced: every use of a private python-docx API is here, each with a
fallback through the public API, and ``missing_internals()`` tells (in a test) when a new
python-docx release removes one. The DOCX writer imports nothing private from python-docx itself.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib

from docx.enum.style import WD_STYLE_TYPE

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# zlib level of a part, by its name's extension (others: zlib's default, 6).  An embedded font
# subset (≈250–360 KB of glyph data, new for each document's characters) at level 1: ≈8 ms
# instead of ≈20 ms a document, ≈6 % larger (+14 KB in a 330 KB DOCX; benchmarks/README.md).
ZIP_LEVELS = {"odttf": 1}


def zip_level(name: str) -> int:
    return ZIP_LEVELS.get(name.rpartition(".")[2].lower(), zlib.Z_DEFAULT_COMPRESSION)
_WRITER_STEPS = ("_write_content_types_stream", "_write_pkg_rels", "_write_parts")


def missing_internals() -> list[str]:
    """The private python-docx names this module relies on that the installed release lacks
    (each has a fallback: the output stays right, only slower)."""
    from docx.opc.part import Part
    from docx.opc.pkgwriter import PackageWriter
    from docx.parts.document import DocumentPart
    from docx.section import Section
    from docx.styles.style import StyleFactory  # noqa: F401  (import fails if it is gone)

    from docx.table import Table, _Cell, _Row
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

    missing = [f"PackageWriter.{s}" for s in _WRITER_STEPS if not hasattr(PackageWriter, s)]
    for proxy in (Paragraph, Run, Table, _Row, _Cell):
        if "_element" not in proxy.__init__.__code__.co_names:
            missing.append(f"{proxy.__name__}._element")
    if not hasattr(DocumentPart, "get_style_id"):
        missing.append("DocumentPart.get_style_id")
    if "_sectPr" not in Section.__init__.__code__.co_names:     # names the constructor assigns
        missing.append("Section._sectPr")
    if "_blob" not in Part.__init__.__code__.co_names:
        missing.append("Part._blob")
    from docx.opc.part import XmlPart

    if "_element" not in XmlPart.__init__.__code__.co_names:
        missing.append("XmlPart._element")
    from docx.comments import Comment

    if "_comment_elm" not in Comment.__init__.__code__.co_names:
        missing.append("Comment._comment_elm")
    return missing


def xml(proxy):
    """The oxml element behind a python-docx proxy (Paragraph, Run, Table, _Row, _Cell).

    python-docx keeps it as ``_element`` on every proxy (and as ``_p``/``_r``/``_tbl``/``_tr``/
    ``_tc``); its public ``element`` property exists only on some of them."""
    element = getattr(proxy, "_element", None)
    return element if element is not None else proxy.element


def set_comment_date(comment, when) -> None:
    """python-docx stamps a new comment (批注) with the clock; give it the document's date instead
    (reproducible bytes).  Without the internal, the clock's date stays."""
    element = getattr(comment, "_comment_elm", None)
    if element is not None:
        element.date = when


def memoize_style_ids(document) -> None:
    """python-docx looks for the default paragraph style (a scan of all ~160 styles) each time a
    paragraph's style is set; the answer cannot change while we write, so keep it: each style's
    id, and each kind's default style (one scan per kind and document, not one per style).
    (About a quarter of the DOCX time; benchmarks/README.md.)"""
    from docx.styles.style import BaseStyle

    part = document.part
    lookup = getattr(part, "get_style_id", None)
    if lookup is None:
        return
    ids: dict = {}
    defaults: dict = {}

    def style_id(style, kind):
        key = (getattr(style, "style_id", style), kind)
        if key not in ids:
            if isinstance(style, BaseStyle) and style.type == kind:
                # python-docx's rule (Styles._get_style_id_from_style): None for the default style
                if kind not in defaults:
                    defaults[kind] = document.styles.default(kind)
                ids[key] = None if style == defaults[kind] else style.style_id
            else:       # a name, or a style of another kind (python-docx raises the error)
                ids[key] = lookup(style, kind)
        return ids[key]

    part.get_style_id = style_id


def add_paragraph_style(document, name: str):
    """A new paragraph style, straight into the XML: python-docx's ``add_style`` scans every
    style for a duplicate name first (our names are new)."""
    try:
        from docx.styles.style import StyleFactory

        return StyleFactory(document.styles.element.add_style_of_type(name, WD_STYLE_TYPE.PARAGRAPH, False))
    except (ImportError, AttributeError):
        return document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)


def add_character_style(document, name: str):
    """A new character style, straight into the XML (as ``add_paragraph_style``)."""
    try:
        from docx.styles.style import StyleFactory

        return StyleFactory(document.styles.element.add_style_of_type(name, WD_STYLE_TYPE.CHARACTER, False))
    except (ImportError, AttributeError):
        return document.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)


def section_properties(section):
    """The ``w:sectPr`` element of a section."""
    sectpr = getattr(section, "_sectPr", None)
    if sectpr is None:
        sectpr = section.part.element.body.sectPr   # the document's last (only) section
    return sectpr


def set_part_blob(part, blob: bytes) -> None:
    """Replace the bytes of a part python-docx keeps as a blob (no XML part class of its own)."""
    if hasattr(part, "_blob"):
        part._blob = blob
    else:  # pragma: no cover — a release that renamed it: leave the part as it is
        return


def set_part_xml(part, blob: bytes) -> None:
    """Replace the content of a part, whether python-docx keeps it as XML or as a blob."""
    if hasattr(part, "_element"):
        from docx.oxml.parser import parse_xml

        part._element = parse_xml(blob)
    else:
        set_part_blob(part, blob)


def add_related_part(source, partname: str, content_type: str, blob: bytes, reltype: str) -> str:
    """A new part (e.g. an embedded font) related from ``source``; returns the relationship id.
    Public API: ``Part`` and ``Part.relate_to``."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    return source.relate_to(Part(PackURI(partname), content_type, blob, source.package), reltype)


# Compressed parts by content: a part whose bytes an earlier document of the process had (the
# styles, the theme, settings, footers, a font subset that did not change) is not compressed
# again.  Bounded by total size (the parts every document repeats are ≈0.1 MB; new subsets pass
# through), least recently used dropped first: a long batch's worker does not grow with it.
_DEFLATED: dict[tuple, tuple[int, bytes]] = {}
_DEFLATED_LIMIT = 2 * 1024 * 1024
_deflated_size = 0


def _deflate(blob: bytes, level: int) -> tuple[int, bytes]:
    """(CRC-32, raw deflate stream) of ``blob``, as zipfile writes an entry at ``level``."""
    global _deflated_size
    key = (hashlib.sha1(blob).digest(), len(blob), level)
    found = _DEFLATED.pop(key, None)
    if found is None:
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        found = (zlib.crc32(blob), c.compress(blob) + c.flush())
        _deflated_size += len(found[1])
        while _DEFLATED and _deflated_size > _DEFLATED_LIMIT:
            _deflated_size -= len(_DEFLATED.pop(next(iter(_DEFLATED)))[1])
    _DEFLATED[key] = found          # (re)inserted last: the least recently used go first
    return found


class _FixedZip:
    """python-docx's physical package writer: a zip with fixed entry times and attributes, byte
    for byte what ``zipfile`` writes for the same entries (``normalise_zip``), each part's
    compression reused when its bytes recur (``_deflate``)."""

    def __init__(self, buf, stored: bool = False):
        self._buf, self._central, self._stored = buf, [], stored
        t = FIXED_ZIP_TIME
        self._dos = ((t[3] << 11) | (t[4] << 5) | (t[5] // 2), ((t[0] - 1980) << 9) | (t[1] << 5) | t[2])

    def write(self, pack_uri, blob: bytes) -> None:
        name = pack_uri.membername.encode("ascii")     # part names are ASCII (zipfile: no UTF-8 flag)
        if self._stored:        # uncompressed (a package reopened in this process)
            crc, data, method = zlib.crc32(blob), blob, zipfile.ZIP_STORED
        else:
            (crc, data), method = _deflate(blob, zip_level(pack_uri.membername)), zipfile.ZIP_DEFLATED
        offset = self._buf.tell()
        head = struct.pack("<HHHHHLLLHH", 20, 0, method, *self._dos, crc, len(data), len(blob), len(name), 0)
        self._buf.write(b"PK\x03\x04" + head + name)
        self._buf.write(data)
        self._central.append(b"PK\x01\x02" + struct.pack("<BBH", 20, 3, 20) + head[2:]
                             + struct.pack("<HHHLL", 0, 0, 0, 0o644 << 16, offset) + name)

    def close(self) -> None:
        start = self._buf.tell()
        self._buf.write(b"".join(self._central))
        n, size = len(self._central), self._buf.tell() - start
        self._buf.write(b"PK\x05\x06" + struct.pack("<HHHHLLH", 0, 0, n, n, size, start, 0))


def package_bytes(document, *, public_only: bool = False, stored: bool = False) -> bytes:
    """The package as reproducible bytes, compressed once.

    python-docx's own save (``OpcPackage.save``) zips with the current time; rewriting that zip
    costs a second compression of every part. This writes the same entries in the same order with
    fixed times directly, through python-docx's PackageWriter steps; should those ever change (or
    with ``public_only``), it saves through the public API and normalises the zip (same bytes).
    ``stored``: without compression, for a package reopened in this process (python-docx reads it
    back the same).
    """
    from docx.opc.pkgwriter import PackageWriter

    if public_only or not all(hasattr(PackageWriter, s) for s in _WRITER_STEPS):
        buf = io.BytesIO()
        document.save(buf)
        return normalise_zip(buf.getvalue())
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    buf = io.BytesIO()
    phys = _FixedZip(buf, stored)
    PackageWriter._write_content_types_stream(phys, package.parts)
    PackageWriter._write_pkg_rels(phys, package.rels)
    PackageWriter._write_parts(phys, package.parts)
    phys.close()
    return buf.getvalue()


def normalise_zip(data: bytes) -> bytes:
    """Same inputs → same bytes: fixed entry times and attributes, original entry order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename), compresslevel=zip_level(info.filename))
    return out.getvalue()
