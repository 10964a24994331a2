"""The adding problem's sequences: the long-lag experiment of Hochreiter & Schmidhuber (1997).

Each step is a pair (a value, a marker). The paper's version, for a minimal length T:

- the length is drawn uniformly from T to T + T/10;
- values are uniform in [-1, 1];
- exactly two pairs are marked 1: one of the first ten, then one of the first
  T/2 - 1 not yet marked; the first and the last pair are otherwise marked -1
  and all others 0;
- the one target, at the last step, is 0.5 + (X1 + X2) / 4, X1 and X2 the two
  marked values, except that the first pair's value counts as 0 when it is marked.

The later fixed-length version (Le, Jaitly & Hinton 2015; Arjovsky, Shah & Bengio
2016) has T steps, values uniform in [0, 1], one pair marked 1 in each half,
all others 0, and the sum of the two marked values as its target.

Sequence i of seed s comes from a generator of its own, keyed on (s, the data
stream, i): any sequence can be made again alone, without the ones before it.
Sequences are padded with zeros after their length.
"""

from typing import NamedTuple

import numpy as np

from lstm_echo.seeds import DATA_STREAM

FEATURES = 2  # a value and a marker per step
RIGHT_WITHIN = 0.04  # the paper's test: a sequence is right when its absolute error is below this
FIXED_BASELINE = 1 / 6  # mean squared error of always answering 1 in the fixed version: the sum's variance


class Sequences(NamedTuple):
    inputs: np.ndarray  # (count, longest, 2): value and marker per step, zeros after a sequence ends
    lengths: np.ndarray  # (count,)
    targets: np.ndarray  # (count,): the target at each sequence's last step


def longest(minimum: int, paper: bool = True) -> int:
    """The longest sequence a minimal length gives."""
    return minimum + minimum // 10 if paper else minimum


def paper_sequence(rng: np.random.Generator, minimum: int) -> tuple[np.ndarray, float]:
    """One sequence of the paper's version: (pairs (length, 2), target)."""
    length = int(rng.integers(minimum, minimum + minimum // 10, endpoint=True))
    pairs = np.zeros((length, FEATURES))
    pairs[:, 0] = rng.uniform(-1.0, 1.0, length)
    pairs[0, 1] = pairs[-1, 1] = -1.0
    first = int(rng.integers(0, 10))
    second = int(rng.choice(np.setdiff1d(np.arange(minimum // 2 - 1), [first])))
    pairs[[first, second], 1] = 1.0
    counted = [pairs[k, 0] if k > 0 else 0.0 for k in (first, second)]
    return pairs, 0.5 + sum(counted) / 4


def fixed_sequence(rng: np.random.Generator, length: int) -> tuple[np.ndarray, float]:
    """One sequence of the fixed-length version: (pairs (length, 2), target)."""
    pairs = np.zeros((length, FEATURES))
    pairs[:, 0] = rng.uniform(0.0, 1.0, length)
    half = length // 2
    marked = [int(rng.integers(0, half)), int(rng.integers(half, length))]
    pairs[marked, 1] = 1.0
    return pairs, float(pairs[marked, 0].sum())


def sequences(minimum: int, count: int, seed: int, first: int = 0, paper: bool = True) -> Sequences:
    """Sequences `first` to `first + count - 1` of `seed`."""
    if minimum < (22 if paper else 2):
        # The paper's second marker falls among the first T/2 - 1 pairs, apart from the first ten.
        raise ValueError(f"the adding problem needs a length of at least {22 if paper else 2}, got {minimum}")
    make = paper_sequence if paper else fixed_sequence
    inputs = np.zeros((count, longest(minimum, paper), FEATURES), dtype=np.float32)
    lengths = np.zeros(count, dtype=np.int64)
    targets = np.zeros(count, dtype=np.float32)
    for k in range(count):
        pairs, target = make(np.random.default_rng([seed, DATA_STREAM, first + k]), minimum)
        inputs[k, : len(pairs)] = pairs
        lengths[k], targets[k] = len(pairs), target
    return Sequences(inputs, lengths, targets)


def right(predicted, targets) -> np.ndarray:
    """Which sequences the paper counts as right: absolute error below 0.04."""
    return np.abs(np.asarray(predicted) - np.asarray(targets)) < RIGHT_WITHIN
