"""Sets of seeds: how they are written, and what a batch of seeded runs adds up to.

    "10"        seeds 0 .. 9 (a count)
    "3,7,11"    exactly these
    "0-19"      0 .. 19, both ends included; items combine: "0-4,10"
"""

import math
import statistics
import warnings
from dataclasses import dataclass

import numpy as np


class SeedsError(ValueError):
    """Why a seed set cannot be used, for the caller to name its source."""


def first_n(count: int) -> list[int]:
    if count < 1:
        raise SeedsError("a count of seeds must be at least 1")
    return list(range(count))


def parse(text: str) -> list[int]:
    text = text.strip()
    if text.isdigit():
        return first_n(int(text))
    seeds = []
    for item in text.split(","):
        low, dash, high = item.strip().partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise SeedsError(f"{item.strip()!r} is not a seed or a range like 0-19")
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise SeedsError(f"the range {item.strip()} runs backwards")
        seeds.extend(range(first, last + 1))
    if len(set(seeds)) != len(seeds):
        raise SeedsError("a seed is listed twice")
    return seeds


def expand(value) -> list[int]:
    """Seeds from a config value: a count, a string as for `parse`, or a list of seeds."""
    if isinstance(value, bool):
        raise SeedsError("must be a count, a string like \"0-19\" or a list of seeds")
    if isinstance(value, int):
        return first_n(value)
    if isinstance(value, str):
        return parse(value)
    if isinstance(value, list) and value and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value):
        return parse(",".join(map(str, value)))
    raise SeedsError("must be a count, a string like \"0-19\" or a non-empty list of seeds")


@dataclass(frozen=True)
class Summary:
    runs: int
    echoed: int
    diverged: int
    median_final_loss: float | None  # over the runs whose loss stayed finite
    worst_final_loss: float | None

    @property
    def echo_rate(self) -> float:
        return self.echoed / self.runs


def summarize(echoed: list[bool], final_losses: list[float | None]) -> Summary:
    """Convergence over seeded runs; a loss that is None or not finite counts as diverged."""
    losses = [loss for loss in final_losses if loss is not None and math.isfinite(loss)]
    return Summary(
        runs=len(echoed),
        echoed=sum(bool(e) for e in echoed),
        diverged=len(final_losses) - len(losses),
        median_final_loss=statistics.median(losses) if losses else None,
        worst_final_loss=max(losses) if losses else None,
    )


def median_curve(histories: list[list[float]]) -> list[float]:
    """The median loss per epoch over seeds, leaving out seeds whose loss is no longer finite."""
    values = np.array(histories, dtype=np.float64)
    values[~np.isfinite(values)] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an epoch where every seed diverged
        return np.nanmedian(values, axis=0).tolist()
