"""Did the network echo? Every step within a tolerance of its target.

On the one fixed sequence a run learned its task when every step is right.
On held-out data (`--sequences`) it is judged by its echo rate: the share of
test sequences with every step right; it learned the task when at least
LEARNED_ECHO_RATE of them are, a bar that a few hard sequences out of 100
do not move and a network that guesses never reaches.

The tolerance is 0.05 (what "right at one decimal" means for targets on the
one-decimal grid, such as the tutorial's lengths 5 and 10) or half the gap
between neighbouring target values, whichever is smaller, so that a
prediction judged correct is always closer to its own target than to any
other. Unlike rounding to one decimal, it never depends on where a target
sits: 0.25 or 0.05 are judged like 0.2.
"""

from dataclasses import dataclass

import numpy as np

ONE_DECIMAL = 0.05
LEARNED_ECHO_RATE = 0.95


def tolerance(expected) -> float:
    """0.05, or half the smallest gap between distinct targets when that is smaller."""
    # Targets are float32: round off their last bits so that 0.1 apart means 0.1 apart.
    targets = np.unique(np.round(np.asarray(expected, dtype=np.float64), 6))
    if targets.size < 2:
        return ONE_DECIMAL
    return min(ONE_DECIMAL, round(float(np.diff(targets).min()) / 2, 9))


@dataclass(frozen=True)
class Verdict:
    learned: bool  # the task was learned (see the module's note); for the echo task, it echoed
    steps_correct: int  # over every sequence judged
    steps: int
    max_error: float
    worst_step: int  # the step (within its sequence) of the largest error
    tolerance: float
    sequences: int = 1
    sequences_correct: int = 0  # with every step within the tolerance
    mse: float = 0.0

    @property
    def echo_rate(self) -> float:
        return self.sequences_correct / self.sequences


def judge(expected, predicted, within: float | None = None) -> Verdict:
    """The verdict on one sequence (a vector) or on many, (sequences, length); within the tolerance
    of `expected` unless `within` gives the one the network was trained and judged with."""
    expected = np.atleast_2d(np.asarray(expected, dtype=np.float64))
    predicted = np.asarray(predicted, dtype=np.float64).reshape(expected.shape)
    errors = np.abs(expected - predicted)
    within = tolerance(expected) if within is None else within
    right = errors < within  # a NaN error is never within it
    sequences_correct = int(np.sum(right.all(axis=1)))
    worst = int(np.argmax(np.where(np.isnan(errors), np.inf, errors)))
    sequences = expected.shape[0]
    learned = sequences_correct == 1 if sequences == 1 else sequences_correct / sequences >= LEARNED_ECHO_RATE
    return Verdict(
        learned=learned,
        steps_correct=int(np.sum(right)),
        steps=errors.size,
        max_error=float(np.max(errors)),
        worst_step=worst % expected.shape[1],
        tolerance=within,
        sequences=sequences,
        sequences_correct=sequences_correct,
        mse=float(np.mean(errors**2)),
    )
