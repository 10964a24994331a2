"""Did the network echo? Every step within a tolerance of its target.

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


def tolerance(expected) -> float:
    """0.05, or half the smallest gap between distinct targets when that is smaller."""
    # Targets are float32: round off their last bits so that 0.1 apart means 0.1 apart.
    targets = np.unique(np.round(np.asarray(expected, dtype=np.float64), 6))
    if targets.size < 2:
        return ONE_DECIMAL
    return min(ONE_DECIMAL, round(float(np.diff(targets).min()) / 2, 9))


@dataclass(frozen=True)
class Verdict:
    learned: bool  # every step within the tolerance: for the echo task, it echoed
    steps_correct: int
    steps: int
    max_error: float
    worst_step: int
    tolerance: float


def judge(expected, predicted) -> Verdict:
    errors = np.abs(np.asarray(expected, dtype=np.float64) - np.asarray(predicted, dtype=np.float64))
    within = tolerance(expected)
    correct = int(np.sum(errors < within))  # a NaN error is never within it
    worst = int(np.argmax(np.where(np.isnan(errors), np.inf, errors)))
    return Verdict(
        learned=correct == len(errors),
        steps_correct=correct,
        steps=len(errors),
        max_error=float(np.max(errors)),
        worst_step=worst,
        tolerance=within,
    )
