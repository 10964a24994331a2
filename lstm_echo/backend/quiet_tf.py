"""TensorFlow, imported without its start-up messages on the terminal, and without Keras.

TensorFlow's native logging announces at import that no GPU or CUDA driver is
present; on a CPU machine that is noise on every run, and setting
TF_CPP_MIN_LOG_LEVEL from Python comes too late to silence it. So stderr is
pointed at /dev/null for the import alone; errors raised by the import still
reach the user as Python exceptions. The persistent compile cache is switched
on here, before TensorFlow starts (see `compile_cache`).

TensorFlow imports Keras as it starts, when Keras is installed, though only the
Keras reference model, a saved `.keras` file and `explain` use it: 0.16 s of
CPU of every process that trains (3.60 s against 3.76 s for the import, eight
runs each). So Keras is hidden for TensorFlow's import (TensorFlow expects it
may be missing), and `keras_model` imports it where it is used. Keras in turn
imports matplotlib at once when it is installed, for image-plotting helpers
lstm-echo never calls: about 0.9 s more. matplotlib is hidden for both imports
(Keras then leaves those helpers unset); `plot` imports it for real when it
draws.

TensorFlow's import makes millions of Python objects, and the garbage collector's
full passes over them cost about 0.25 s of the import and more after it. They
are all kept for the life of the process, so the collector is off while it
imports, and `gc.freeze` then leaves them out of every later pass.
"""

import contextlib
import gc
import os
import sys

from lstm_echo.backend import compile_cache

PLOTTING = ("matplotlib", "matplotlib.pyplot")


@contextlib.contextmanager
def kept_out(names: tuple[str, ...]):
    """Imports of `names` fail as if they were not installed, and the collector is paused; afterwards
    both are as they were, and what was imported meanwhile is frozen out of the collector's passes."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import` raises ImportError, which both expect
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
        if collecting:
            gc.freeze()
            gc.enable()


def import_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    compile_cache.enable()  # TensorFlow reads where its compile cache lives once, as it starts
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        with kept_out(("keras", *PLOTTING)):
            import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    # Each compiled program is one tf.function per shape, made from the same Python
    # code; TensorFlow's "frequent retracing" warning mistakes a sweep's many
    # shapes for a bug, so only its errors are shown.
    tensorflow.get_logger().setLevel("ERROR")
    return tensorflow


tf = import_tensorflow()
