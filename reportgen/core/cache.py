"""The per-user cache of reportgen (``$XDG_CACHE_HOME/reportgen`` or ``~/.cache/reportgen``):
what a machine computes once and keeps — pre-subset faces, face summaries, library probing, the
hashes of font files.  Nothing in it is an input: deleting it only makes the next build slower."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "reportgen", *parts)


_HASHES = "file-hashes.json"
_HASHES_MAX = 512


def stable_file_sha256(path: Path) -> str:
    """sha256 of a file that rarely changes (a system font of 20 MB), remembered per machine by
    its device, inode, size, modification and change times: a file rewritten in any way gets a
    new change time (which no tool can set back), so it is hashed again."""
    st = path.stat()
    key = str(path)
    stamp = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    store = cache_dir(_HASHES)
    try:
        known = json.loads(store.read_text("utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    entry = known.get(key)
    if isinstance(entry, dict) and entry.get("stamp") == stamp and isinstance(entry.get("sha256"), str):
        return entry["sha256"]
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    known.pop(key, None)
    known[key] = {"stamp": stamp, "sha256": digest}
    while len(known) > _HASHES_MAX:              # the oldest entries first (insertion order)
        known.pop(next(iter(known)))
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=store.parent, prefix=".file-hashes.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(known, fh)
        os.replace(tmp, store)
    except OSError:                              # a read-only home: hashed again next time
        pass
    return digest
