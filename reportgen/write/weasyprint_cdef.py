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
import pickle
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
