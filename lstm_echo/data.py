"""The input sequences and the array shapes each architecture trains on (numpy only).

By default a run trains on one fixed sequence, `i / length`:

    echo_sequence(5)          -> [0.0, 0.2, 0.4, 0.6, 0.8]

With `--sequences N` it trains on N random sequences of values on the
one-decimal grid 0.0, 0.1, ..., 0.9 and is judged on others held out
(`held_out`). Either way the inputs are (sequences, length) (one sequence
may be given as a vector) and each architecture frames them:

    one_to_one(x, y)    X (N * length, 1, 1)   y (N * length, 1)   a sample per step
    many_to_one(x, y)   X (N, length, 1)       y (N, length)       a sample per sequence, a vector out
    many_to_many(x, y)  X (N, length, 1)       y (N, length, 1)    a sample per sequence, a value per step

`x` and `y` are the inputs and targets, one value per step (see `tasks`).
A task with several values per step (`adding`: a value and a marker) gives x
as (N, length, features), and the last axis of X holds them.
"""

import numpy as np

from lstm_echo.seeds import DATA_STREAM, generator

GRID_VALUES = 10  # 0.0, 0.1, ..., 0.9


def echo_sequence(length: int) -> np.ndarray:
    """`i / length` for `i` in `0 .. length-1`, as float32."""
    if length < 1:
        raise ValueError(f"length must be at least 1. Received: length={length}")
    return (np.arange(length, dtype=np.float64) / length).astype(np.float32)


def distinct_rows(rng: np.random.Generator, count: int, length: int) -> np.ndarray:
    """`count` different rows of `length` grid digits (0-9), in the order they were drawn.

    Draws in rounds and keeps each row's first appearance, so a set that is
    nearly the whole grid (length 2, 190 of 100 rows) still ends.
    """
    rows = np.empty((0, length), dtype=np.int8)
    while len(rows) < count:
        drawn = rng.integers(0, GRID_VALUES, size=(2 * (count - len(rows)) + 16, length), dtype=np.int8)
        merged = np.concatenate([rows, drawn])
        _, first = np.unique(merged, axis=0, return_index=True)
        rows = merged[np.sort(first)]
    return rows[:count]


def held_out(sequences: int, test_sequences: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test): random sequences on the one-decimal grid, no test sequence among the training ones.

    The caller has checked that the grid holds that many distinct sequences.
    """
    digits = distinct_rows(generator(seed, DATA_STREAM), sequences + test_sequences, length)
    values = (digits / GRID_VALUES).astype(np.float32)
    return values[:sequences], values[sequences:]


def with_features(x: np.ndarray) -> np.ndarray:
    """(N, length, features): one value per step becomes one feature; a task's several values are kept."""
    x = np.atleast_2d(x)
    return x if x.ndim == 3 else x[..., None]


def one_to_one(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = with_features(x)
    return x.reshape(-1, 1, x.shape[-1]), y.reshape(-1, 1)


def many_to_one(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return with_features(x), np.atleast_2d(y).copy()


def many_to_many(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return with_features(x), np.atleast_2d(y)[..., None]


def flatten(predictions: np.ndarray) -> np.ndarray:
    """Predictions shaped like an architecture's y, back to one value per step, sequence after sequence."""
    return np.asarray(predictions).reshape(-1)


def per_sequence(predictions: np.ndarray, length: int) -> np.ndarray:
    """Predictions shaped like an architecture's y, back to (sequences, length).

    Every architecture keeps the steps in order along its flattened y, so a plain
    row-major reshape recovers the sequences.
    """
    return np.asarray(predictions).reshape(-1, length)
