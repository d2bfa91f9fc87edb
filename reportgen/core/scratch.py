"""A run's scratch folder: temporary files that the processes of one run make — the command, the
workers' fork server, the workers, a side process — and that must not outlive the run.

WeasyPrint's ``FontConfiguration`` copies each ``@font-face`` file into a ``mkdtemp`` folder
(≈16 MB of faces a process) that only its ``__del__`` removes, which never runs in a forked worker
(it ends with ``os._exit``) and can fail at interpreter shutdown: every worker of a batch left its
faces in the system's temporary folder.  :func:`folder` makes a process's folder inside one root
per process tree; the process that made the root removes it, with everything its children put
there, when it exits.  A process makes the root before it forks (``root``), so that its children
find it in the environment.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

ENV = "REPORTGEN_SCRATCH"


def root() -> Path | None:
    """The process tree's scratch root: the one named in the environment, or a new one that this
    process removes when it exits (None when the temporary folder cannot be written)."""
    value = os.environ.get(ENV)
    if value and os.path.isdir(value):
        return Path(value)
    try:
        path = tempfile.mkdtemp(prefix="reportgen-")
    except OSError:
        return None
    os.environ[ENV] = path
    atexit.register(_remove, path, os.getpid())
    return Path(path)


def folder(prefix: str) -> Path:
    """A new folder of this process inside the tree's root (OSError when none can be made)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=root()))


def _remove(path: str, owner: int) -> None:
    if os.getpid() == owner:          # not in a child that inherited the handler
        shutil.rmtree(path, ignore_errors=True)
