"""Grids of settings for sweeps: lists and ranges per option, and their cartesian product.

    ARCH m2o,m2m          two architectures
    --length 5,10,20      three lengths
    --neurons 4-6         4, 5 and 6 (integer options only; both ends included)
    --learning-rate 0.001,0.01
    --seeds 0-9           as `seeds.parse` reads it

A config file may hold the same grid: `length = [5, 10, 20]`, `neurons = "4-6"`
or a single value.
"""

import itertools
import math

from lstm_echo import architectures, config, seeds, tasks
from lstm_echo.config import Experiment, InputError, bad_value

MAX_VALUES = 10_000  # in one list or range
MAX_RUNS = 1_000_000  # settings × seeds in one sweep


class GridError(ValueError):
    """Why a list cannot be used, for the caller to name its source."""


def items(name: str, text: str) -> list:
    """`text` as a list of values of setting `name`."""
    values: list = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise GridError("an item of the list is empty")
        low, dash, high = item.partition("-")
        if low and dash and config.SETTINGS[name].kind is int:
            values.extend(number_range(name, item, low, high))
        else:
            values.append(checked(name, item, config.convert(name, item)))
        if len(values) > MAX_VALUES:
            raise GridError(f"more than {MAX_VALUES:,} values")
    return distinct(values)


def number_range(name: str, item: str, low: str, high: str) -> range:
    """`4-6` as 4, 5, 6; each end passes the setting's own check, so every value between does."""
    first, last = config.convert(name, low), config.convert(name, high)
    if not (isinstance(first, int) and isinstance(last, int)):
        raise GridError(f"{config.shown(item)} is not a range like 4-6")
    checked(name, low, first)
    checked(name, high, last)
    if last < first:
        raise GridError(f"the range {item} runs backwards")
    if last - first >= MAX_VALUES:
        raise GridError(f"more than {MAX_VALUES:,} values")
    return range(first, last + 1)


def checked(name: str, text: str, value):
    """`value` (typed as `text`) in its one spelling, if setting `name` accepts it."""
    reason = config.problem(name, value)
    if reason:
        raise GridError(f"{config.shown(text)} {reason}")
    return canonical(name, value)


def distinct(values: list) -> list:
    if len(set(values)) != len(values):
        raise GridError("a value is listed twice")
    return values


def canonical(name: str, value):
    """One spelling per value, so that aliases do not make duplicate runs."""
    if name == "architecture":
        return architectures.get(value).name
    if name == "task":
        return tasks.parse(value).label
    if name == "cell":
        return value.lower()
    return value


def parse_option(name: str, text: str) -> list:
    """A command-line list; InputError names the option and the value."""
    try:
        return seeds.parse(text) if name == "seeds" else items(name, text)
    except (GridError, seeds.SeedsError) as error:
        raise bad_value(config.option(name), repr(text), error) from None


def axis_from_file(name: str, value) -> list:
    """An axis as a config file writes it: one value, a list, or a string as on the command line."""
    if name == "seeds":
        return seeds.expand(value)
    if isinstance(value, str) and config.SETTINGS[name].kind is not str:
        return items(name, value)  # "4-6" or "5,10" for a number
    values = value if isinstance(value, list) else [value]
    if not values:
        raise GridError("is an empty list")
    if len(values) > MAX_VALUES:
        raise GridError(f"has more than {MAX_VALUES:,} values")
    for v in values:
        reason = config.problem(name, v)
        if reason:
            raise GridError(f"{reason}, got {config.shown(v)}")
    return distinct([float(v) if name == "learning_rate" else canonical(name, v) for v in values])


def load(path) -> dict:
    """A sweep's config file, where every key may hold a list: name -> list of values."""
    grid = {}
    for key, value in config.read_toml(path).items():
        if key not in config.SETTINGS:
            raise InputError(config.unknown_key(path, key))
        try:
            grid[key] = axis_from_file(key, value)
        except (GridError, seeds.SeedsError) as error:
            raise InputError(f"{path}: key {key!r} {error}") from None
    return grid


def points(grid: dict, seed_count: int = 1, origins: dict[str, str] | None = None) -> list[Experiment]:
    """One resolved experiment per point of the grid, seeds aside (the caller runs those).

    Points that resolve to the same experiment (the architecture's default spelled
    out, say) are kept once. A grid of more than MAX_RUNS runs is refused
    before any point is built.
    """
    if not grid.get("architecture"):
        raise InputError("Missing architecture: give ARCH or a --config that names one")
    axes = [name for name in config.AXES if grid.get(name)]
    runs = math.prod(len(grid[name]) for name in axes) * seed_count
    if runs > MAX_RUNS:
        raise InputError(f"The sweep has {runs:,} runs (settings × seeds); at most {MAX_RUNS:,}: shorten a list")
    combos = itertools.product(*(grid[name] for name in axes))
    return list(dict.fromkeys(config.resolve(dict(zip(axes, combo)), origins) for combo in combos))
