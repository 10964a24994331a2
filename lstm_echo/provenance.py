"""Where and with what a run was made: recorded on every results line, never part of its key.

Versions come from the installed packages' metadata and the CPU from the
operating system, so nothing here imports TensorFlow.
"""

import functools
import importlib.metadata
import platform
import socket
from datetime import UTC, datetime

FIELDS = ("lstm_echo", "tensorflow", "keras", "numpy", "python", "host", "cpu", "finished")
PACKAGES = {"lstm_echo": "lstm-echo", "tensorflow": "tensorflow", "keras": "keras", "numpy": "numpy"}


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    """The CPU's model name as the OS reports it (Linux), else the platform's best guess."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


@functools.cache
def machine() -> dict:
    """Everything but the time: the same for every run of this process."""
    return {
        **{field: version(package) for field, package in PACKAGES.items()},
        "python": platform.python_version(),
        "host": socket.gethostname(),
        "cpu": cpu_model(),
    }


def now() -> str:
    """The time a run finished, in UTC, to the second (ISO 8601)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def stamp(finished: str) -> dict:
    return {**machine(), "finished": finished}
