"""How many threads TensorFlow gives one operation, chosen before it starts.

TensorFlow splits an operation over every core by default. A small network's
steps are operations of a few thousand multiply-adds, for which handing work
to another thread costs more than it saves: `--length 10 --sequences 1000`
trains in 0.68-0.78 s on one thread against 0.93-0.98 s on the default pool
(2 cores). Larger products gain from the second core: 100 units for 5 models at
once train in 0.96 s on the pool against 1.40 s on one thread
(`bench/bench.py --threads` measures both). TensorFlow reads the setting once,
as it starts, so the first run of a process decides it.
"""

import os

from lstm_echo.cells import BY_KIND
from lstm_echo.config import InputError, shown

# Below this many multiply-adds in one step's product with the recurrent kernel, one thread.
ONE_THREAD_BELOW = 2**15
VARIABLE = "LSTM_ECHO_THREADS"  # a user's own choice: a number of threads, or "auto"
TENSORFLOW_VARIABLE = "TF_NUM_INTRAOP_THREADS"
MOST = 1024


def chosen() -> int | None:
    """LSTM_ECHO_THREADS read as an option is: None for auto (or unset), else a count."""
    value = os.environ.get(VARIABLE, "").strip()
    if value.lower() in ("", "auto"):
        return None
    if not value.isdigit() or not 1 <= int(value) <= MOST:
        raise InputError(f"Invalid value for {VARIABLE}: {shown(os.environ[VARIABLE])} (must be auto or 1 to {MOST})")
    return int(value)


def step_product(layers, models: int, batch_size: int) -> int:
    """Multiply-adds of the largest product of a state with a recurrent kernel, per step."""
    sizes = [spec.units * len(BY_KIND[spec.kind].gates) * spec.units for spec in layers if spec.recurrent]
    return models * batch_size * max(sizes, default=0)


def choose(layers, models: int, batch_size: int) -> None:
    """Set TensorFlow's threads per operation for this work, unless the user has set them
    (LSTM_ECHO_THREADS, or TensorFlow's own TF_NUM_INTRAOP_THREADS) or TensorFlow has started."""
    count = chosen()
    if count is not None:
        os.environ.setdefault(TENSORFLOW_VARIABLE, str(count))
    elif step_product(layers, models, batch_size) < ONE_THREAD_BELOW:
        os.environ.setdefault(TENSORFLOW_VARIABLE, "1")
