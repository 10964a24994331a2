"""The console entry point: the command line loaded with the garbage collector paused.

Loading the command line imports numpy, Typer, rich and lstm-echo itself, objects
that all live as long as the process; Python's garbage collector walks them again
and again while the imports allocate. So it is paused for the imports, and they
are then frozen out of its later passes; what a command leaves behind is still
collected. (`quiet_tf` does the same for TensorFlow's import.)
"""

import gc

from lstm_echo import streams


def main() -> None:
    streams.prepare()
    gc.disable()
    try:
        from lstm_echo import cli
    finally:
        gc.freeze()
        gc.enable()
    cli.main()
