"""Standard streams a command can rely on, however it was started (no TensorFlow).

stdin closed (`<&-`)    /dev/null in its place, so no file the command opens lands on fd 0
stdout closed (`>&-`)   nothing the command prints could be seen: it says so and exits 1,
                        before any work (`>/dev/null` is the way to throw output away)
stderr closed (`2>&-`)  /dev/null in its place: the command runs, its messages unseen
stderr unwritable       (`2>/dev/full`, a terminal that hung up) a message that cannot be
                        written is dropped: it never changes the command's exit code
"""

import errno
import io
import os
import sys

CLOSED_STDOUT = "Error: standard output is closed, so nothing could be shown (use >/dev/null to discard it)"


class Forgiving(io.TextIOBase):
    """A text stream whose writes never raise: what cannot be written is dropped."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name):
        return getattr(self.stream, name)


def is_open(descriptor: int) -> bool:
    try:
        os.fstat(descriptor)
    except OSError as error:
        return error.errno != errno.EBADF
    return True


def reopen_as_null(descriptor: int) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    if null != descriptor:
        os.dup2(null, descriptor)
        os.close(null)


def prepare() -> None:
    """Make the three streams safe to use, or stop (exit 1) when stdout is closed."""
    if not is_open(0):
        reopen_as_null(0)
    if not is_open(2):
        reopen_as_null(2)
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stderr = Forgiving(sys.stderr)
    if not is_open(1):
        print(CLOSED_STDOUT, file=sys.stderr)
        sys.exit(1)
