"""Sets of seeds: how they are written, and what a batch of seeded runs adds up to.

"10"        seeds 0 .. 9 (a count)
"7,"        the seed 7 alone
"3,7,11"    exactly these
"0-19"      0 .. 19, both ends included; items combine: "0-4,10"
"""

import math
import statistics
import warnings
from dataclasses import dataclass

import numpy as np

MAX_SEED = 2**32 - 1
# A seed drives independent random streams, numbered so that none moves another.
WEIGHTS_STREAM, SHUFFLE_STREAM, DATA_STREAM = 0, 1, 2
MAX_SEEDS = 100_000  # models in one run: each keeps its own weights, Adam state and loss history


class SeedsError(ValueError):
    """Why a seed set cannot be used, for the caller to name its source."""


def generator(seed: int, stream: int) -> np.random.Generator:
    """Seed `seed`'s generator for one stream (initial weights, minibatch shuffling)."""
    return np.random.default_rng([seed, stream])


def is_number(text: str) -> bool:
    """ASCII digits only, and few enough to convert: '²'.isdigit() is true too."""
    return text.isascii() and text.isdigit() and len(text) <= 20


def first_n(count: int) -> list[int]:
    if count < 1:
        raise SeedsError("a count of seeds must be at least 1")
    if count > MAX_SEEDS:
        raise SeedsError(f"at most {MAX_SEEDS:,} seeds")
    return list(range(count))


def parse(text: str) -> list[int]:
    text = text.strip()
    if is_number(text):
        return first_n(int(text))
    if text.endswith(",") and is_number(text[:-1]):
        return parse_list(text[:-1])  # `7,`: the seed 7 alone, not seven seeds
    return parse_list(text)


def parse_list(text: str) -> list[int]:
    ranges = []
    for item in text.split(","):
        low, dash, high = item.strip().partition("-")
        if not is_number(low) or (dash and not is_number(high)):
            raise SeedsError(f"{item.strip()[:20]!r} is not a seed or a range like 0-19")
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise SeedsError(f"the range {item.strip()} runs backwards")
        if last > MAX_SEED:
            raise SeedsError(f"a seed is at most {MAX_SEED}")
        ranges.append(range(first, last + 1))
    if sum(map(len, ranges)) > MAX_SEEDS:  # counted before a list is built
        raise SeedsError(f"at most {MAX_SEEDS:,} seeds")
    seeds = [seed for r in ranges for seed in r]
    if len(set(seeds)) != len(seeds):
        raise SeedsError("a seed is listed twice")
    return seeds


def expand(value) -> list[int]:
    """Seeds from a config value: a count, a string as for `parse`, or a list of seeds."""
    if isinstance(value, bool):
        raise SeedsError('must be a count, a string like "0-19" or a list of seeds')
    if isinstance(value, int):
        return first_n(value)
    if isinstance(value, str):
        return parse(value)
    if (
        isinstance(value, list)
        and value
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value)
    ):
        if len(value) > MAX_SEEDS:
            raise SeedsError(f"at most {MAX_SEEDS:,} seeds")
        return parse_list(",".join(map(str, value)))  # [7] is the seed 7, not seven seeds
    raise SeedsError('must be a count, a string like "0-19" or a non-empty list of seeds')


@dataclass(frozen=True)
class Summary:
    runs: int
    learned: int
    diverged: int
    median_final_loss: float | None  # over the runs whose loss stayed finite
    worst_final_loss: float | None

    @property
    def learned_rate(self) -> float:
        return self.learned / self.runs


def summarize(learned: list[bool], final_losses: list[float | None]) -> Summary:
    """Convergence over seeded runs; a loss that is None or not finite counts as diverged."""
    losses = [loss for loss in final_losses if loss is not None and math.isfinite(loss)]
    return Summary(
        runs=len(learned),
        learned=sum(map(bool, learned)),
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


def share_interval(learned: int, runs: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95% by default) of a share `learned / runs`: honest at 0/20 and 20/20 too."""
    share = learned / runs
    centre = (share + z * z / (2 * runs)) / (1 + z * z / runs)
    half = z * math.sqrt(share * (1 - share) / runs + z * z / (4 * runs * runs)) / (1 + z * z / runs)
    return max(0.0, centre - half), min(1.0, centre + half)
