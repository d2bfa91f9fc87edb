"""Imported first in the workers' fork server (``set_forkserver_preload``): the fork server ends
when the run's process ends, however it ends (SIGKILL included).

Linux's parent-death signal (prctl PR_SET_PDEATHSIG) kills it with its parent; elsewhere a
thread watches the parent's pid.  Each worker ties itself to the fork server the same way
(``batch._die_with_parent``), so a killed ``reportgen build`` leaves no worker running.
"""

from __future__ import annotations

import os
import signal
import threading
import time


def tie_to_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    parent = os.getppid()
    if parent == 1:                  # orphaned already
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(1)

    threading.Thread(target=watch, name="reportgen-parent-watch", daemon=True).start()


tie_to_parent()
