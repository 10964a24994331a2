"""Did the network echo? Judged the way a reader checks a printout: at one decimal."""

from dataclasses import dataclass

import numpy as np


def one_decimal(value: float) -> str:
    """`value` printed with one decimal; `-0.0` reads as `0.0`."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


@dataclass(frozen=True)
class Verdict:
    echoed: bool
    steps_correct: int
    steps: int
    max_error: float


def judge(expected: np.ndarray, predicted: np.ndarray) -> Verdict:
    correct = sum(one_decimal(e) == one_decimal(p) for e, p in zip(expected, predicted))
    errors = np.abs(np.asarray(expected, dtype=np.float64) - np.asarray(predicted, dtype=np.float64))
    return Verdict(
        echoed=correct == len(expected),
        steps_correct=int(correct),
        steps=len(expected),
        max_error=float(errors.max()),
    )
