"""How many threads TensorFlow runs operations on, chosen before it starts.

TensorFlow splits an operation over every core and runs operations from a pool
of threads by default. A small network's steps are operations of a few thousand
multiply-adds, for which handing work to another thread costs more than it
saves, and the pool's idle threads wait for work by spinning on the other core.
On this 2-core machine one thread of each kind trained `--length 400 --neurons
100 --epochs 200` in 0.97 s against 1.17 s on the default pools, and steadied
the time of each chunk of epochs (4.5 to 7 ms against 5 to 19 ms at length 100).
Products of a million multiply-adds a step gain from the second core again
(`bench/speed.py` measures one thread, two, and this choice). TensorFlow reads
the setting once, as it starts, so the first run of a process decides it.
"""

import os

from lstm_echo.cells import BY_KIND
from lstm_echo.config import bad_value, shown

# Below this many multiply-adds in one step's product with the recurrent kernel, one thread.
ONE_THREAD_BELOW = 2**18
VARIABLE = "LSTM_ECHO_THREADS"  # a user's own choice: a number of threads, or "auto"
TENSORFLOW_VARIABLE = "TF_NUM_INTRAOP_THREADS"  # threads one operation is split over
TENSORFLOW_POOL = "TF_NUM_INTEROP_THREADS"  # threads that run operations side by side
MOST = 1024


def chosen() -> int | None:
    """LSTM_ECHO_THREADS read as an option is: None for auto (or unset), else a count."""
    value = os.environ.get(VARIABLE, "").strip()
    if value.lower() in ("", "auto"):
        return None
    if not value.isdigit() or not 1 <= int(value) <= MOST:
        raise bad_value(VARIABLE, shown(os.environ[VARIABLE]), f"must be auto or 1 to {MOST}")
    return int(value)


def step_product(layers, models: int, batch_size: int) -> int:
    """Multiply-adds of the largest product of a state with a recurrent kernel, per step."""
    sizes = [spec.units * len(BY_KIND[spec.kind].gates) * spec.units for spec in layers if spec.recurrent]
    return models * batch_size * max(sizes, default=0)


def choose(layers, models: int, batch_size: int) -> None:
    """Set TensorFlow's threads per operation for this work, unless the user has set them
    (LSTM_ECHO_THREADS, or TensorFlow's own TF_NUM_INTRAOP_THREADS) or TensorFlow has started."""
    count = chosen()
    if count is None and step_product(layers, models, batch_size) < ONE_THREAD_BELOW:
        count = 1
    if count is not None:
        os.environ.setdefault(TENSORFLOW_VARIABLE, str(count))
        os.environ.setdefault(TENSORFLOW_POOL, str(count))
