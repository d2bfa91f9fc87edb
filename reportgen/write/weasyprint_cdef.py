"""WeasyPrint's C declarations parsed once per machine instead of at every import.

``weasyprint/text/ffi.py`` hands cffi ≈16 000 characters of C declarations (``ffi.cdef``); cffi
has pycparser parse them at every import: ≈0.025 s CPU in every process that writes PDF (the fork
server, the PDF side process, a one-process build).  While WeasyPrint is imported
(:func:`weasyprint_tuning.import_weasyprint`), cffi's parsing step (``Parser._parse``: the
declarations and the type names already declared in → pycparser's syntax tree, the macros and the
source) is answered from the user's cache (``weasyprint/cdef-*.pickle``, ≈0.003 s to load), keyed by
the sha256 of exactly what it depends on (the declarations and the type names) and the Python,
cffi and pycparser versions; cffi builds its types from that tree as always — the same ``ffi``,
the same libraries.  Guarded: only while cffi's ``_parse`` has the shape this was written for
(checked on its source), only from this user's own folder (:func:`core.cache.private_dir`: the
file is unpickled), and anything unexpected — no such folder, a file that does not load — parses
as cffi does.  ``REPORTGEN_WEASYPRINT_TUNING=0`` leaves cffi alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import sys

from . import weasyprint_sources

# the lines of cffi's Parser._parse that make its answer depend on nothing but its input and the
# type names already declared (cffi 1.15–2.1)
_SHAPE = ("csource, macros = _preprocess(csource)", "for name in sorted(self._declarations):",
          "ast = _get_parser().parse(fullcsource)", "return ast, macros, csource")


def _key(parser, csource: str) -> str:
    import cffi
    import pycparser

    typedefs = sorted(name for name in parser._declarations if name.startswith("typedef "))
    text = "\0".join([sys.version, cffi.__version__, pycparser.__version__, csource, *typedefs])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@contextlib.contextmanager
def remembered():
    """While this runs, cffi's parsing of C declarations comes from (and goes to) the cache."""
    try:
        from cffi import cparser

        real = cparser.Parser._parse
        source = weasyprint_sources.getsource(real)
    except (ImportError, AttributeError, OSError, TypeError):
        yield
        return
    from ..core.cache import private_dir, replace_file

    folder = private_dir("weasyprint")
    if folder is None or not all(line in source for line in _SHAPE) or cparser.Parser.__dict__.get("_parse") is not real:
        yield
        return

    def _parse(self, csource):
        try:
            path = folder / f"cdef-{_key(self, csource)}.pickle"
        except Exception:  # noqa: BLE001  (an odd argument: cffi's own path says what is wrong)
            return real(self, csource)
        try:
            found = pickle.loads(path.read_bytes())
            if isinstance(found, tuple) and len(found) == 3:
                return found
        except FileNotFoundError:
            pass
        except Exception:  # noqa: BLE001  (a truncated or foreign file: parsed again and replaced)
            pass
        result = real(self, csource)
        try:
            data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001  (a tree that does not pickle: parsed every time)
            return result
        replace_file(path, data)
        return result

    cparser.Parser._parse = _parse
    try:
        yield
    finally:
        cparser.Parser._parse = real


#: the C types WeasyPrint (and ``write.weasyprint_tuning``) name in ``ffi.new``/``ffi.cast``/``ffi.sizeof``
#: while writing a PDF; cffi parses each one the first time it is named
C_TYPES = ("PangoGlyphInfo", "PangoGlyph", "PangoGlyphGeometry", "gint", "PangoFcFontMap *", "FcChar8 **", "FcResult *",
           "char[]", "char[4]", "PangoRectangle *", "PangoLogAttr[]", "unsigned int *", "hb_tag_t[100]", "hb_codepoint_t[]",
           "hb_codepoint_t[11]")     # WeasyPrint's own subsetting (a face with tables ours leaves to it): the 11 tables it drops


def c_types(names=C_TYPES) -> None:
    """Parse WeasyPrint's C types (``C_TYPES``) in one go, into the table cffi looks them up in.

    cffi parses a C type named for the first time with pycparser, behind a preamble declaring
    every type of WeasyPrint's definitions: ≈2.7 ms a type, ≈0.04 s CPU for the ones a first PDF
    names.  One declaration with all of them as parameters is parsed once (≈0.004 s); each
    parameter's type then goes through the same steps as in cffi's own lookup
    (``FFI._typeof_locked``), so the entries are the very objects cffi would make.  Anything
    unexpected (another cffi, a name WeasyPrint no longer defines) leaves the table as it was:
    cffi parses those types on first use, as before.  That one parse is kept per machine as
    WeasyPrint's declarations are (``remembered``, keyed by the declaration and every type name
    it may use): ≈0.3 ms to load instead of ≈3 ms.  Called by every process that
    writes a PDF (``write.pdf``'s font configuration), which then also makes the sized arrays of
    WeasyPrint's own subsetting without parsing them (``_SizedArrays``)."""
    try:
        from weasyprint.text.ffi import ffi

        todo = [name for name in names if name not in ffi._parsed_types]
        parser = ffi._parser
        kept = remembered() if os.environ.get("REPORTGEN_WEASYPRINT_TUNING", "1") != "0" else contextlib.nullcontext()
        with ffi._lock, kept:
            if not todo:
                raise LookupError("nothing to parse")
            ast, macros = parser._parse("void __dummy(\n%s\n);" % ",\n".join(todo))[:2]
            params = ast.ext[-1].type.args.params
            if macros or len(params) != len(todo) or any(type(node).__name__ == "ID" for node in params):
                raise LookupError("an unknown name: cffi's own lookup says which")
            made = {}
            for name, node in zip(todo, params):
                tp = parser._get_type_and_quals(node.type)[0]
                function = tp.is_raw_function
                if function:
                    tp = tp.as_function_pointer()
                made[name] = (ffi._get_cached_btype(tp), function)
            for name, entry in made.items():
                ffi._parsed_types.setdefault(name, entry)
    except LookupError:
        pass
    except Exception:  # noqa: BLE001  (cffi's internals differ: it parses each type itself)
        pass
    if os.environ.get("REPORTGEN_WEASYPRINT_TUNING", "1") != "0":
        _sized_arrays()


# ``hb_codepoint_t[N]``: the arrays WeasyPrint's own subsetting makes (``Font._harfbuzz_subset``:
# the glyphs kept, N = the highest used id + 1, different from one document to the next)
_SIZED = re.compile(r"(hb_codepoint_t)\[(0|[1-9][0-9]{0,8})\]\Z")


class _SizedArrays(dict):
    """cffi's table of the C types it has parsed (``FFI._parsed_types``) that makes a
    ``hb_codepoint_t[N]`` not in it without pycparser: each new N was a parse (≈2.5 ms, behind
    the preamble of every type name), a few a batch worker's documents; here, as in cffi's own
    lookup (``FFI._typeof_locked`` → ``Parser.parse_type``: an ``ArrayType`` of the typedef's
    declared type and the length N), the array type of the item's declared type and N, from
    cffi's own cache of array types — the very object cffi would make (tested)."""

    __slots__ = ("_ffi", "_item")

    def __missing__(self, cdecl):
        found = _SIZED.match(cdecl) if isinstance(cdecl, str) else None
        if found is None:
            raise KeyError(cdecl)
        from cffi import model

        with self._ffi._lock:
            entry = dict.get(self, cdecl)
            if entry is None:
                entry = (self._ffi._get_cached_btype(model.ArrayType(self._item, int(found.group(2)))), False)
                self[cdecl] = entry
        return entry


def _sized_arrays() -> None:
    """Put ``_SizedArrays`` in place of WeasyPrint's ``ffi._parsed_types`` (once a process);
    anything unexpected (another cffi, no such typedef) leaves cffi's own table."""
    try:
        from cffi import model
        from weasyprint.text.ffi import ffi

        with ffi._lock:
            table = ffi._parsed_types
            if type(table) is not dict:
                return
            item = ffi._parser._declarations["typedef hb_codepoint_t"][0]
            if not isinstance(item, model.BaseTypeByIdentity) or not hasattr(ffi, "_get_cached_btype"):
                return
            sized = _SizedArrays(table)
            sized._ffi, sized._item = ffi, item
            ffi._parsed_types = sized
    except Exception:  # noqa: BLE001  (cffi's internals differ: it parses each type itself)
        pass
