"""The source text the WeasyPrint speed-ups check, remembered per machine.

``weasyprint_tuning``, ``weasyprint_memory`` and ``weasyprint_justify`` apply a change only when
WeasyPrint's (and pydyf's) functions have the exact source they were written for, read with
``inspect.getsource``: 39 functions, ≈0.03 s CPU in every process that writes PDF (the fork
server, the PDF side process, a one-process build) — most of it ``inspect``'s tokenizing of each
function's block.  :func:`getsource` returns the same text from the user's cache
(``weasyprint/sources.json``), kept with the sha256, size and modification time of every file it
was read from (and the Python version): a file whose bytes changed in any way (an upgrade of
WeasyPrint or pydyf, an edit, another file at that path) has its functions read again by
``inspect.getsource``, so a check refuses a changed WeasyPrint exactly as before.  Only functions
are remembered (what else is asked for is read every time); only in this user's own folder
(:func:`reportgen.core.cache.private_dir`: a planted text would switch a guard on); none, a
corrupt or foreign file: read every time, as before; ``REPORTGEN_WEASYPRINT_TUNING=0``: always.
A process hashes only the files it asks texts of (once each); the entries of another installation
(another checkout's virtualenv) are kept for it, the newest ``_FILES_MAX`` files.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
import threading
import types

_lock = threading.Lock()
_state: dict | None = None          # {"stamp", "files": {path: [size, mtime_ns, sha256]}, "sources", "dirty"}
_FILE = "sources.json"
_FILES_MAX = 128          # ≈15 files an installation of WeasyPrint and pydyf


def _stamp() -> list[str]:
    # no package versions: each text is kept with the exact bytes of its file, which any upgrade
    # changes (and asking importlib.metadata would cost ≈0.025 s, the import of WeasyPrint more)
    return [sys.version, sys.implementation.cache_tag]


def _file_id(path: str) -> list | None:
    """[size, mtime_ns, sha256] of ``path`` as it is now, or None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            digest = hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, digest]


def _load() -> dict:
    state = {"stamp": _stamp(), "files": {}, "sources": {}, "checked": {}, "dirty": False, "memo": None}
    from ..core.cache import private_dir

    folder = private_dir("weasyprint")
    if folder is None:
        return state
    state["memo"] = folder / _FILE
    try:
        data = json.loads(state["memo"].read_text("utf-8"))
        if data.get("stamp") != state["stamp"]:
            return state
        files, sources = data["files"], data["sources"]
        if not (isinstance(files, dict) and isinstance(sources, dict)):
            return state
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return state
    state["files"] = {path: known for path, known in files.items() if isinstance(known, list)}
    state["sources"] = {key: text for key, text in sources.items()
                        if isinstance(key, str) and isinstance(text, str) and key.split("\0", 1)[0] in state["files"]}
    return state


def _current(state: dict, path: str) -> bool:
    """Whether the texts kept for ``path`` are of its bytes now (hashed once a process, only the
    files asked for: another installation's entries cost nothing); stale ones are dropped."""
    ok = state["checked"].get(path)
    if ok is None:
        known = state["files"].get(path)
        ok = state["checked"][path] = known is not None and _file_id(path) == known
        if not ok and known is not None:
            del state["files"][path]
            state["sources"] = {k: v for k, v in state["sources"].items() if k.split("\0", 1)[0] != path}
            state["dirty"] = True
    return ok


def getsource(obj) -> str:
    """``inspect.getsource(obj)``, from the cache when the file it comes from is unchanged."""
    global _state
    func = inspect.unwrap(obj) if callable(obj) else obj
    if not isinstance(func, types.FunctionType) or os.environ.get("REPORTGEN_WEASYPRINT_TUNING", "1") == "0":
        return inspect.getsource(obj)
    code = func.__code__
    path = code.co_filename
    if not os.path.isabs(path):
        return inspect.getsource(obj)
    # inspect finds a function's text from its file's lines and its first line number alone
    key = f"{path}\0{code.co_firstlineno}"
    with _lock:
        if _state is None:
            _state = _load()
        text = _state["sources"].get(key) if _current(_state, path) else None
    if text is not None:
        return text
    before = _file_id(path)
    text = inspect.getsource(obj)
    if before is not None and _file_id(path) == before:       # not rewritten while it was read
        with _lock:
            known = _state["files"].get(path)
            if known is None or known == before:
                _state["files"][path] = before
                _state["checked"][path] = True
                _state["sources"][key] = text
                _state["dirty"] = True
    return text


def save() -> None:
    """Keep what was read since the last call (nothing to do when everything came from the cache);
    the files of other installations too, the newest ``_FILES_MAX``."""
    with _lock:
        if _state is None or not _state["dirty"] or _state["memo"] is None:
            return
        _state["dirty"] = False
        files = _state["files"]
        while len(files) > _FILES_MAX:                    # the oldest first (insertion order)
            gone = next(iter(files))
            del files[gone]
            _state["checked"].pop(gone, None)
            _state["sources"] = {k: v for k, v in _state["sources"].items() if k.split("\0", 1)[0] != gone}
        data = {"stamp": _state["stamp"], "files": dict(files), "sources": dict(_state["sources"])}
        memo = _state["memo"]
    from ..core.cache import replace_file

    replace_file(memo, json.dumps(data, ensure_ascii=False).encode("utf-8"))   # a full disk: read again next time
