"""adding: the LSTM paper's adding problem as a task of run, compare, sweep and inspect (numpy only).

Each step is a pair (a value in [-1, 1], a marker); a sequence is T to T + T/10
steps long, zeros after its end. Two pairs are marked 1, one of the first ten
and one of the first T/2 - 1; the first and last pairs are otherwise marked -1.
The one target, at each sequence's own last step, is 0.5 + (X1 + X2) / 4, the
first pair's value counting 0 when it is marked (Hochreiter & Schmidhuber 1997).
A sequence is right when that output is within 0.04.

The sequences are those `reproduce adding` trains on: the same counter-based
hash (`backend.adding_problem` computes it inside a compiled program, and a
test holds the two bit for bit alike), keyed on --data-seed, so sequence i of
data seed s is sequence i that `reproduce`'s seed s trains on. Here they are a
fixed set of --sequences, judged on --test-sequences drawn from the test stream.
"""

from dataclasses import dataclass

import numpy as np

from lstm_echo.tasks.task import Task

TRAINING_STREAM, TEST_STREAM = 0xADD0, 0xADD1  # the sequences a model trains on, and those it is judged on
LENGTH_SLOT, FIRST_SLOT, SECOND_SLOT, VALUE_SLOTS = 0, 1, 2, 3  # which random number decides what
RIGHT_WITHIN = 0.04  # the paper's test: a sequence is right when its absolute error is below this
VALUE, MARKER = 0, 1  # the two features of a step


def shortest(paper: bool) -> int:
    """The shortest minimal length: the paper's second marker falls among the first T/2 - 1 pairs, apart from the first."""
    return 22 if paper else 2


def longest(minimum: int, paper: bool) -> int:
    """The longest sequence a minimal length gives: the paper's lengths run from T to T + T/10."""
    return minimum + minimum // 10 if paper else minimum


def mixed(x: np.ndarray) -> np.ndarray:
    """Wellons' `lowbias32` in uint32 arithmetic, which wraps as the compiled program's does."""
    x = np.asarray(x, dtype=np.uint32)
    x = (x ^ (x >> np.uint32(16))) * np.uint32(0x7FEB352D)
    x = (x ^ (x >> np.uint32(15))) * np.uint32(0x846CA68B)
    return x ^ (x >> np.uint32(16))


def uniform(keys: np.ndarray, slot) -> np.ndarray:
    """A float32 in [0, 1) on a 2^-24 grid per key, for one slot."""
    bits = mixed(keys ^ np.asarray(slot, dtype=np.uint32))
    return (bits >> np.uint32(8)).astype(np.float32) * np.float32(2.0**-24)


def below(keys: np.ndarray, slot: int, count: int) -> np.ndarray:
    """A whole number uniform in 0 .. count - 1 per key."""
    return np.minimum(np.floor(uniform(keys, slot) * np.float32(count)).astype(np.int32), count - 1)


def paper_sequences(minimum: int, seed: int, count: int, stream: int) -> np.ndarray:
    """Sequences 0 .. count - 1 of `seed` in `stream`, (count, longest, 2), zeros after each one's end."""
    per_seed = mixed(mixed(np.array([stream], np.uint32)) ^ np.uint32(seed))
    keys = mixed(per_seed ^ np.arange(count, dtype=np.uint32))
    positions = np.arange(longest(minimum, True))
    draws = uniform(keys[:, None], VALUE_SLOTS + positions.astype(np.uint32))
    lengths = minimum + below(keys, LENGTH_SLOT, minimum // 10 + 1)
    first = below(keys, FIRST_SLOT, 10)
    drawn = below(keys, SECOND_SLOT, minimum // 2 - 2)  # among the first T/2 - 1, apart from `first`
    second = drawn + (drawn >= first)
    inside = positions < lengths[:, None]
    marked = (positions == first[:, None]) | (positions == second[:, None])
    ends = (positions == 0) | (positions == lengths[:, None] - 1)
    markers = np.where(marked, np.float32(1), np.where(ends, np.float32(-1), np.float32(0)))
    values = np.float32(2) * draws - np.float32(1)
    return np.stack([np.where(inside, values, 0), np.where(inside, markers, 0)], axis=-1).astype(np.float32)


def own_lengths(inputs: np.ndarray) -> np.ndarray:
    """The steps of each sequence (..., steps, 2) before its padding: its last pair is the last marked -1
    (the second mark is never the last pair)."""
    markers = np.asarray(inputs)[..., MARKER]
    return markers.shape[-1] - np.argmax(markers[..., ::-1] == -1, axis=-1)


@dataclass(frozen=True)
class Adding(Task):
    name = "adding"
    spelling = "adding"
    help = "at each sequence's last step, 0.5 + (X1 + X2)/4 of the two marked values (the LSTM paper's adding problem)"
    features = 2
    drawn = True
    within = RIGHT_WITHIN
    ragged = True

    def padded_length(self, length: int) -> int:
        return longest(length, True)

    def check(self, length: int) -> str | None:
        least = shortest(True)
        return None if length >= least else f"needs a length of at least {least}, the paper's shortest"

    def sources(self, length: int) -> list[int | None]:
        return [None] * self.padded_length(length)  # its one target adds two steps; it copies none

    def formula(self) -> str:
        return "0.5 + (X1 + X2)/4 at the last step"

    def draw(self, count: int, length: int, seed: int, held_out: bool) -> np.ndarray:
        return paper_sequences(length, seed, count, TEST_STREAM if held_out else TRAINING_STREAM)

    def own_length(self, inputs: np.ndarray) -> int:
        return int(own_lengths(inputs))

    def judged(self, inputs: np.ndarray) -> np.ndarray:  # never None: one step of each sequence
        """Each sequence's own last step."""
        steps = np.asarray(inputs).shape[-2]
        return np.arange(steps) == (own_lengths(inputs) - 1)[..., None]

    def targets(self, inputs: np.ndarray) -> np.ndarray:
        inputs = np.asarray(inputs, dtype=np.float32)
        values, markers = inputs[..., VALUE], inputs[..., MARKER]
        counted = (markers == 1) & (np.arange(markers.shape[-1]) > 0)  # the first pair counts 0 when marked
        sums = np.sum(np.where(counted, values, np.float32(0)), axis=-1, dtype=np.float32)
        target = np.asarray(np.float32(0.5) + sums / np.float32(4))
        return np.where(self.judged(inputs), target[..., None], np.float32(0)).astype(np.float32)

    def instructive(self, inputs: np.ndarray) -> bool:
        """Both marks count: a first pair marked 1 counts 0, and leaves only X2 to carry across the lag."""
        return bool(np.asarray(inputs)[0, MARKER] != 1)

    def marked(self, inputs: np.ndarray) -> str:
        """`0: -0.83 (counts 0), 8: -0.18`: one sequence's marked steps and values."""
        steps = np.flatnonzero(np.asarray(inputs)[:, MARKER] == 1)
        return ", ".join(f"{t}: {inputs[t, VALUE]:.2f}" + (" (counts 0)" if t == 0 else "") for t in steps)
