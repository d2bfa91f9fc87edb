"""Two measured speed-ups of WeasyPrint's PDF writing, applied once per process.

Profiling a warm render of the 鹿城 report (benchmarks/README.md) showed two costs that buy
nothing for our documents:

* **Whole font files copied into memory.**  For every face it meets, WeasyPrint's ``Font``
  copies the face's entire blob into Python bytes (the Noto CJK collections are 19–26 MB each,
  about 80 MB per document, ~50 ms), and with HarfBuzz subsetting immediately replaces that copy
  by the subset without reading it.  Here the copy is made lazily, on first access, so it is made
  only when WeasyPrint really needs the whole file (subsetting disabled or failed, variable or
  colour fonts).  The PDF bytes are identical.
* **zlib level 9.**  pydyf compresses every stream at level 9; for our subset fonts level 6 is
  ~25 ms faster per document and the file ~0.3 % larger.  The output is still deterministic.

Both are guarded: they are applied only when the WeasyPrint/pydyf code has the exact shape they
were written for, otherwise WeasyPrint runs untouched.  ``REPORTGEN_WEASYPRINT_TUNING=0`` turns
them off (an escape hatch for a WeasyPrint upgrade; the test suite compares both ways).
"""

from __future__ import annotations

import inspect
import os
import threading
import zlib

ZLIB_LEVEL = 6
_applied: dict[str, bool] | None = None
_lock = threading.Lock()


def apply() -> dict[str, bool]:
    """Apply the speed-ups (once); returns which ones are active."""
    global _applied
    with _lock:
        if _applied is None:
            if os.environ.get("REPORTGEN_WEASYPRINT_TUNING", "1") == "0":
                _applied = {"lazy_font_blob": False, "zlib_level": False}
            else:
                _applied = {"lazy_font_blob": _lazy_font_blob(), "zlib_level": _zlib_level()}
        return dict(_applied)


_PENDING = object()


def _lazy_font_blob() -> bool:
    try:
        from weasyprint.pdf import fonts as wpf
        source = inspect.getsource(wpf.Font.__init__)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    if "self.file_content = get_hb_object_data(self.hb_face)" not in source or "file_content" in vars(wpf.Font):
        return False
    real_get = wpf.get_hb_object_data
    real_init = wpf.Font.__init__
    state = threading.local()

    def get_hb_object_data(hb_object, ot_color=None, glyph=None):
        if getattr(state, "in_init", False) and ot_color is None:
            state.in_init = False          # only the first call of Font.__init__: the whole face
            return _PENDING
        return real_get(hb_object, ot_color, glyph)

    def __init__(self, *args, **kwargs):
        state.in_init = True
        try:
            real_init(self, *args, **kwargs)
        finally:
            state.in_init = False

    class FileContent:
        """``Font.file_content``: the whole face, read from HarfBuzz when first needed."""

        def __get__(self, font, owner=None):
            if font is None:
                return self
            data = font.__dict__.get("_reportgen_file_content", _PENDING)
            if data is _PENDING:
                data = real_get(font.hb_face)
                font.__dict__["_reportgen_file_content"] = data
            return data

        def __set__(self, font, value):
            font.__dict__["_reportgen_file_content"] = value

    wpf.get_hb_object_data = get_hb_object_data
    wpf.Font.__init__ = __init__
    wpf.Font.file_content = FileContent()
    return True


class _Zlib:
    """The ``zlib`` module as pydyf sees it: ``compressobj(level=9)`` compresses at ZLIB_LEVEL."""

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level=-1, *args, **kwargs):
        return zlib.compressobj(ZLIB_LEVEL if level == 9 else level, *args, **kwargs)

    @staticmethod
    def compress(data, /, level=-1, **kwargs):
        return zlib.compress(data, ZLIB_LEVEL if level == 9 else level, **kwargs)


def _zlib_level() -> bool:
    try:
        import pydyf
        source = inspect.getsource(pydyf.Stream.data.fget)
    except (ImportError, AttributeError, OSError, TypeError):
        return False
    if "zlib.compressobj(level=9)" not in source or getattr(pydyf, "zlib", None) is not zlib:
        return False
    pydyf.zlib = _Zlib()
    return True


def import_weasyprint() -> None:
    """Import WeasyPrint with its library probing remembered between processes.

    WeasyPrint opens its C libraries by trying several names each (``libgobject-2.0-0``,
    ``gobject-2.0-0``, ``gobject-2.0`` …); every name that is not a file name makes cffi call
    ``ctypes.util.find_library``, which runs ``ldconfig``/``gcc`` — 22 probes, ≈0.3–0.5 s of each
    new process.  Their answers are kept in the user's cache (``find_library.json``), valid while
    the system's library cache (``/etc/ld.so.cache``) is unchanged; an answer that no longer loads
    makes the import run again without the kept answers.
    """
    import sys

    if "weasyprint.text.ffi" in sys.modules or os.environ.get("REPORTGEN_WEASYPRINT_TUNING", "1") == "0":
        import weasyprint.text.ffi  # noqa: F401
        return
    import ctypes.util
    import json
    from pathlib import Path

    try:
        st = os.stat("/etc/ld.so.cache")
        stamp = f"{sys.platform} {st.st_size} {st.st_mtime_ns}"
    except OSError:
        stamp = None
    memo_file = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reportgen" / "find_library.json"
    memo: dict[str, str | None] = {}
    if stamp:
        try:
            data = json.loads(memo_file.read_text("utf-8"))
            if data.get("stamp") == stamp:
                memo = dict(data["found"])
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            pass
    real = ctypes.util.find_library
    asked: dict[str, str | None] = {}

    def find_library(name):
        if name not in memo:
            memo[name] = real(name)
        asked[name] = memo[name]
        return memo[name]

    ctypes.util.find_library = find_library
    try:
        try:
            import weasyprint.text.ffi  # noqa: F401
        except OSError:
            if not memo:
                raise
            for name in [m for m in list(sys.modules) if m == "weasyprint" or m.startswith("weasyprint.")]:
                del sys.modules[name]
            memo.clear()
            import weasyprint.text.ffi  # noqa: F401
    finally:
        ctypes.util.find_library = real
    if stamp and asked and _memo_changed(memo_file, stamp, asked):
        try:
            memo_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = memo_file.with_name(f"{memo_file.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"stamp": stamp, "found": dict(sorted(asked.items()))}), "utf-8")
            os.replace(tmp, memo_file)
        except OSError:
            pass


def _memo_changed(memo_file, stamp: str, asked: dict) -> bool:
    import json

    try:
        data = json.loads(memo_file.read_text("utf-8"))
        return data.get("stamp") != stamp or data.get("found") != dict(sorted(asked.items()))
    except (OSError, ValueError, RuntimeError):
        return True
