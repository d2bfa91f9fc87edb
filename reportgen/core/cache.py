"""The per-user cache of reportgen (``$XDG_CACHE_HOME/reportgen`` or ``~/.cache/reportgen``):
what a machine computes once and keeps — pre-subset faces, face summaries, library probing, the
hashes of font files, compiled templates, DOCX skeletons of a style.  Deleting it only makes the next build slower.  What is
loaded from it as code (compiled templates) comes only from a folder :func:`private_dir` has
checked: this user's, not a link, writable by nobody else."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The cache folder (not made).  Raises RuntimeError where there is no home folder (a
    container's user without a passwd entry and no $HOME); :func:`private_dir` does not."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "reportgen", *parts)


def _owned(path: Path, strict: bool) -> bool:
    """A folder of this user's, not a link; ``strict``: writable by nobody else either."""
    st = path.lstat()
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not (strict and st.st_mode & 0o022)


def private_dir(*parts: str) -> Path | None:
    """The cache folder ``parts``, made if needed (mode 0700), or None when there is no usable
    one: no home folder, not writable (a read-only home, a folder made by root), or not safely
    this user's — the cache root or the folder a link, another user's, or writable by others
    (a shared ``$XDG_CACHE_HOME``).  Callers then work without the cache."""
    try:
        folder = cache_dir(*parts)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        root = cache_dir()
        # the root may have been made group-writable by a umask of 002 (a user's private group)
        if not (_owned(root, False) and _owned(folder, True) and os.access(folder, os.W_OK | os.X_OK)):
            return None
        return folder
    except (OSError, RuntimeError):
        return None


def replace_file(path: Path, data: bytes) -> bool:
    """Put ``data`` at ``path`` (a cache entry) whole or not at all: written to a new temporary
    file beside it (never through a planted link) and renamed over it.  False, with nothing left
    behind, when that fails (a full disk): the caller works it out again next time."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        return False


@functools.lru_cache(maxsize=1)
def source_digest() -> str:
    """sha256 over reportgen's own source files (their paths and bytes), once a process: the
    batch's manifest key (a changed program rebuilds) and part of the key of what the cache keeps
    of reportgen's own making, so a changed program never opens what another made."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def file_stamp(path: Path) -> tuple[int, int, int, int, int]:
    """What changes whenever a file is replaced or rewritten in any way: device, inode, size,
    modification and change times (no tool can set the change time back)."""
    st = path.stat()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


_HASHES = "files.json"
_HASHES_MAX = 512


def stable_file_sha256(path: Path) -> str:
    """sha256 of a file that rarely changes (a system font of 20 MB), remembered per machine by
    its device, inode, size, modification and change times: a file rewritten in any way gets a
    new change time (which no tool can set back), so it is hashed again."""
    key = str(path)
    stamp = list(file_stamp(path))
    folder = private_dir("hashes")
    if folder is None:                           # no usable cache: hashed every time
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    store = folder / _HASHES
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
    replace_file(store, json.dumps(known).encode("utf-8"))     # a full disk: hashed again next time
    return digest
