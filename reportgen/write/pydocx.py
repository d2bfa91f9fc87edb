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
    from docx.opc.part import PartFactory

    if not isinstance(getattr(PartFactory, "part_type_for", None), dict):
        missing.append("PartFactory.part_type_for")
    if not hasattr(DocumentPart, "_styles_part"):
        missing.append("DocumentPart._styles_part")
    try:
        from docx.oxml.styles import styleId_from_name  # noqa: F401
    except ImportError:
        missing.append("styleId_from_name")
    from docx.comments import Comment

    if "_comment_elm" not in Comment.__init__.__code__.co_names:
        missing.append("Comment._comment_elm")
    if not isinstance(getattr(Table, "_cells", None), property):
        missing.append("Table._cells")
    return missing


def table_cells(table):
    """The cells of ``table``'s layout grid, row by row — the list ``table.cell(r, c)`` builds
    anew at each call (a walk of every cell: quadratic in a table's size) — or None where this
    python-docx lacks it (then ``table.cell``). Valid until a merge changes the grid."""
    from docx.table import Table

    return table._cells if isinstance(getattr(Table, "_cells", None), property) else None


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
        if style is None:       # python-docx's answer, without reading the styles (a table's)
            return None
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
# Parts whose bytes object recurs (``recurring``: a skeleton's parts, the cached styles): their
# compression key kept with the object, so they are not hashed again for every document.
_RECURRING: dict[int, list] = {}    # id(bytes) → [bytes, key or None], the last 64


def recurring(blob: bytes) -> bytes:
    """Mark ``blob`` as a part's bytes the process will write again, the same object (returned)."""
    if len(blob) >= 4096 and id(blob) not in _RECURRING:
        _RECURRING[id(blob)] = [blob, None]
        while len(_RECURRING) > 64:
            del _RECURRING[next(iter(_RECURRING))]
    return blob


def _deflate(blob: bytes, level: int) -> tuple[int, bytes]:
    """(CRC-32, raw deflate stream) of ``blob``, as zipfile writes an entry at ``level``."""
    global _deflated_size
    mark = _RECURRING.get(id(blob))
    if mark is not None and mark[0] is blob and mark[1] is not None and mark[1][2] == level:
        key = mark[1]
    else:
        key = (hashlib.sha1(blob).digest(), len(blob), level)
        if mark is not None and mark[0] is blob:
            mark[1] = key
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


# -- documents opened from a skeleton (write/docx.py ``_Writer.prepared``) ----------------------
# A skeleton's styles part (≈0.35 MB: python-docx's ~160 styles and ours) was parsed and
# serialised again for every document, though a document only ever appends character styles to
# it (``_Writer._punct_style``): about half the DOCX time.  Opened through ``open_skeleton``, it
# stays the skeleton's bytes until something reads its XML (then it is parsed, as before), and
# the writer may hand it finished bytes (``set_styles_blob``).

def _lazy_styles_class():
    from docx.opc.oxml import serialize_part_xml
    from docx.oxml.parser import parse_xml
    from docx.parts.styles import StylesPart

    class LazyStylesPart(StylesPart):
        """A styles part that keeps its bytes until its XML is asked for."""

        _source: bytes | None = None
        _parsed = None

        def _get_element(self):
            if self._parsed is None and self._source is not None:
                self._parsed = parse_xml(self._source)
                self._source = None
            return self._parsed

        def _set_element(self, element) -> None:
            self._parsed, self._source = element, None

        _element = property(_get_element, _set_element)

        @property
        def blob(self):
            return self._source if self._source is not None else serialize_part_xml(self._parsed)

        @classmethod
        def load(cls, partname, content_type, blob, package):
            part = cls(partname, content_type, None, package)
            part._source = blob
            return part

    return LazyStylesPart


_LAZY: list = []
# python-docx's reading of a skeleton (its zip, content types and relationships parsed; each
# part's bytes), kept per skeleton: a document is unmarshalled from it, its unchanged parts the
# same bytes objects every time (``_deflate`` then knows them without hashing them).
_READERS: list = []             # [(skeleton bytes, PackageReader)], the last four


def _reader_for(blob: bytes):
    from docx.opc.pkgreader import PackageReader

    for known, reader in _READERS:
        if known is blob:
            return reader
    reader = PackageReader.from_file(io.BytesIO(blob))
    for _name, _type, _rel, part in reader.iter_sparts():
        recurring(part)
    _READERS.append((blob, reader))
    del _READERS[:-4]
    return reader


def _unmarshal(blob: bytes):
    """python-docx's ``Document(stream)`` (``Package.open``) from the kept reading of ``blob``."""
    from docx.opc.package import Unmarshaller
    from docx.opc.part import PartFactory
    from docx.package import Package

    package = Package()
    Unmarshaller.unmarshal(_reader_for(blob), package, PartFactory)
    return package.main_document_part.document


def open_skeleton(blob: bytes):
    """A python-docx Document opened from ``blob`` (a package this process saved, kept by the
    caller), its styles part left unparsed until read (see above).  Without the internals:
    ``docx.Document``."""
    from docx import Document

    try:
        from docx.opc.constants import CONTENT_TYPE as CT
        from docx.opc.part import PartFactory, XmlPart

        if "_element" not in XmlPart.__init__.__code__.co_names:
            raise AttributeError("XmlPart._element")
        if not _LAZY:
            _LAZY.append(_lazy_styles_class())
        table = PartFactory.part_type_for
        kept = table.get(CT.WML_STYLES)
    except (ImportError, AttributeError):
        return Document(io.BytesIO(blob))
    table[CT.WML_STYLES] = _LAZY[0]
    try:
        try:
            return _unmarshal(blob)
        except (ImportError, AttributeError):   # pragma: no cover — python-docx's reading changed
            return Document(io.BytesIO(blob))
    finally:
        if kept is None:
            table.pop(CT.WML_STYLES, None)
        else:
            table[CT.WML_STYLES] = kept


def _styles_part(document):
    part = getattr(document.part, "_styles_part", None)
    if part is None:                # pragma: no cover — a release without it: find it by name
        part = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/styles.xml")
    return part


def styles_parsed(document) -> bool:
    """Whether the document's styles part holds parsed XML (not bytes kept by ``open_skeleton``)."""
    part = _styles_part(document)
    return not (_LAZY and isinstance(part, _LAZY[0]) and part._source is not None)


def styles_blob(document) -> bytes:
    """The bytes the document's styles part will be written as."""
    return _styles_part(document).blob


def set_styles_blob(document, blob: bytes) -> None:
    """Replace an unparsed styles part (``styles_parsed`` is False) by ``blob``."""
    part = _styles_part(document)
    if _LAZY and isinstance(part, _LAZY[0]):
        part._source, part._parsed = recurring(blob), None
    else:
        set_part_xml(part, blob)


def style_id_from_name(name: str) -> str:
    """The id python-docx gives a new style named ``name`` (``add_style_of_type``)."""
    try:
        from docx.oxml.styles import styleId_from_name
    except ImportError:             # pragma: no cover — its rule: no spaces
        return name.replace(" ", "")
    return styleId_from_name(name)


# -- paragraphs and runs with known style ids ----------------------------------------------------
# python-docx's ``add_paragraph(style=…)``/``add_run(style=…)`` look a style up by name or compare
# it with the kind's default style (an xpath over all styles, and the styles part parsed); the
# writer knows its style ids and sets them directly, the same XML.

def add_paragraph(container, style_id: str | None = None):
    """A new paragraph at the end of ``container`` (document, cell …), its ``w:pStyle`` ``style_id``."""
    p = container.add_paragraph()
    if style_id is not None:
        set_paragraph_style(p, style_id)
    return p


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def set_paragraph_style(p, style_id: str) -> None:
    """``w:pPr/w:pStyle`` of paragraph ``p`` (python-docx's ``Paragraph.style`` for a style it
    would not take as the default).  A paragraph without properties gets them straight from
    lxml (python-docx looks for each of ~35 later siblings of ``w:pStyle`` first)."""
    from lxml import etree

    el = xml(p)
    if len(el) == 0 or el[0].tag != _W + "pPr":       # w:pPr is a paragraph's first child
        ppr = etree.SubElement(el, _W + "pPr")     # python-docx's classes: the tree's parser's
        el.insert(0, ppr)
        etree.SubElement(ppr, _W + "pStyle").set(_W + "val", style_id)
    else:
        el.style = style_id


def add_run(p, text: str = "", style_id: str | None = None):
    """A new run at the end of paragraph ``p``: ``text`` (tabs and line breaks as python-docx
    writes them) and character style ``style_id`` — python-docx's ``add_run(text, style)``
    without its per-character loop and style lookup."""
    from docx.text.run import Run
    from lxml import etree

    r = etree.SubElement(xml(p), _W + "r")      # python-docx's classes: the tree's parser's
    if style_id:
        etree.SubElement(etree.SubElement(r, _W + "rPr"), _W + "rStyle").set(_W + "val", style_id)
    run = Run(r, p)
    if text:
        if "\t" not in text and "\n" not in text and "\r" not in text:
            t = etree.SubElement(r, _W + "t")   # python-docx's appender's one w:t (CT_R.add_t)
            t.text = text
            if len(text.strip()) < len(text):
                t.set(_XML_SPACE, "preserve")
        else:
            run.text = text
    return run


def last_character(p) -> str:
    """The last character of paragraph ``p``'s text (python-docx's ``p.text[-1:]``), reading
    only its last runs."""
    from docx.oxml.ns import qn

    tags = (qn("w:r"), qn("w:hyperlink"))
    for child in reversed(xml(p)):
        if child.tag in tags:
            text = child.text
            if text:
                return text[-1]
    return ""
