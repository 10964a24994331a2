"""The input sequence and the array shapes each architecture trains on (numpy only).

    echo_sequence(5)          -> [0.0, 0.2, 0.4, 0.6, 0.8]
    one_to_one(x, y)    X (5, 1, 1)   y (5, 1)      five samples of one step
    many_to_one(x, y)   X (1, 5, 1)   y (1, 5)      one sample, a vector out
    many_to_many(x, y)  X (1, 5, 1)   y (1, 5, 1)   one sample, a value per step

`x` and `y` are the inputs and targets, one value per step (see `tasks`).
"""

import numpy as np


def echo_sequence(length: int) -> np.ndarray:
    """`i / length` for `i` in `0 .. length-1`, as float32."""
    if length < 1:
        raise ValueError(f"length must be at least 1. Received: length={length}")
    return (np.arange(length, dtype=np.float64) / length).astype(np.float32)


def one_to_one(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.reshape(len(x), 1, 1), y.reshape(len(y), 1)


def many_to_one(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.reshape(1, len(x), 1), y.reshape(1, len(y))


def many_to_many(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.reshape(1, len(x), 1), y.reshape(1, len(y), 1)


def flatten(predictions: np.ndarray) -> np.ndarray:
    """Predictions shaped like an architecture's y, back to one value per step.

    Every architecture keeps the steps in order along its flattened y, so a plain
    row-major ravel recovers the sequence.
    """
    return np.asarray(predictions).reshape(-1)
