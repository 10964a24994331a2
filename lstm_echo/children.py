"""Worker processes that never outlive the command that started them (Linux), for sweeps and reports.

A sweep's workers train for minutes. When the command is stopped (Ctrl-C, TERM, or
HUP from a closed ssh session), it stops its pool; when it is killed outright, the
kernel sends each worker SIGKILL (`PR_SET_PDEATHSIG`), so no worker goes on
training, or writes tracebacks on a terminal that is gone, for a parent that
cannot record its runs.
"""

import ctypes
import multiprocessing
import os
import signal
from multiprocessing.pool import Pool

PR_SET_PDEATHSIG = 1


def die_with(parent: int) -> None:
    """A worker's start: killed when its parent dies; Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the parent still stops its pool when it is stopped
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the request took effect


def pool(processes: int) -> Pool:
    """A pool of fresh interpreters ("spawn": safe whatever this process has imported) that die with it."""
    return multiprocessing.get_context("spawn").Pool(processes, initializer=die_with, initargs=(os.getpid(),))
