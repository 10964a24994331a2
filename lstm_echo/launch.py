"""The `lstm-echo` entry point: a command that will train starts importing TensorFlow at once, on a second
thread, while this one imports, parses and checks the command line.

TensorFlow's import takes about 3 s, much of it loading native libraries
outside Python's lock; the command line takes a few tenths of a second more
before it needs TensorFlow. Overlapped, a run costs that much less
(`bench/startup.py`). The command imports `quiet_tf` where it needs it, which
waits for the import under way; if the import failed, it fails again there,
where the error is reported.

`quiet_tf` hides TensorFlow's start-up messages by pointing file descriptor 2
at /dev/null while it imports. With the import on another thread, this
thread's own output (a one-line input error, the progress display) must not
vanish with them, so `sys.stderr` first moves to a duplicate of the real
stderr, which that redirect leaves alone. Commands that never train (and
`sweep`, whose workers are separate processes that inherit descriptor 2) keep
the plain start.
"""

import os
import sys
import threading

TRAINING_COMMANDS = ("run", "compare", "inspect", "explain", "predict")
NOT_TRAINING_FLAGS = ("-h", "--help", "--version")


def will_train(arguments: list[str]) -> bool:
    command = next((a for a in arguments if not a.startswith("-")), None)
    return command in TRAINING_COMMANDS and not any(a in NOT_TRAINING_FLAGS for a in arguments)


def import_tensorflow() -> None:
    try:
        import lstm_echo.quiet_tf  # noqa: F401
    except BaseException:
        pass  # imported again by the command, which reports the error


def start_tensorflow() -> None:
    """Move this thread's stderr off descriptor 2, then import TensorFlow on a daemon thread."""
    sys.stderr.flush()
    stream = sys.stderr
    sys.stderr = os.fdopen(os.dup(2), "w", encoding=stream.encoding, errors=stream.errors, buffering=1)
    threading.Thread(target=import_tensorflow, name="import tensorflow", daemon=True).start()


def main() -> None:
    if will_train(sys.argv[1:]):
        start_tensorflow()
    from lstm_echo.cli import main as command_line

    command_line()
