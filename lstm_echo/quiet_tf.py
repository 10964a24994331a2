"""TensorFlow, imported without its C++ start-up messages on the terminal.

TensorFlow's native logging announces at import that no GPU or CUDA driver is
present; on a CPU machine that is noise on every run. Its log level is read
too early for setting TF_CPP_MIN_LOG_LEVEL from Python to silence it, so
stderr is pointed at /dev/null for the import alone. A user who sets
TF_CPP_MIN_LOG_LEVEL themselves gets TensorFlow's own behaviour.
"""

import os
import sys


def import_tensorflow():
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        import tensorflow

        return tensorflow
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tensorflow


tf = import_tensorflow()
