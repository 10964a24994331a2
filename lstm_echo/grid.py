"""Grids of settings for sweeps: lists and ranges per option, and their cartesian product.

    ARCH m2o,m2m          two framings
    --length 5,10,20      three lengths
    --neurons 4-6         4, 5 and 6 (integer options only; both ends included)
    --learning-rate 0.001,0.01
    --seeds 0-9           as `seeds.parse` reads it

A config file may hold the same grid: `length = [5, 10, 20]`, `neurons = "4-6"`
or a single value.
"""

import itertools

from lstm_echo import architectures, config, seeds, tasks
from lstm_echo.config import ConfigError, Experiment

# The settings a sweep varies, in the order its tables and files list them.
AXES = ("architecture", "task", "cell", "layers", "length", "neurons", "epochs", "batch_size", "learning_rate")


class GridError(ValueError):
    """Why a list cannot be used, for the caller to name its source."""


def items(name: str, text: str) -> list:
    """`text` as a list of values of setting `name`."""
    values = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise GridError("an item of the list is empty")
        low, dash, high = item.partition("-")
        if dash and config.SETTINGS[name][0] is int:
            if not (low.isdigit() and high.isdigit()):
                raise GridError(f"{item!r} is not a range like 4-6")
            if int(high) < int(low):
                raise GridError(f"the range {item} runs backwards")
            values.extend(range(int(low), int(high) + 1))
            continue
        value = config.convert(name, item)
        reason = config.problem(name, value)
        if reason:
            raise GridError(f"{item!r} {reason}")
        values.append(canonical(name, value))
    if len(set(values)) != len(values):
        raise GridError("a value is listed twice")
    return values


def canonical(name: str, value):
    """One spelling per value, so that aliases do not make duplicate runs."""
    if name == "architecture":
        return architectures.get(value).name
    if name == "task":
        return tasks.parse(value).label
    return value


def parse_option(name: str, text: str) -> list:
    """A command-line list; ConfigError names the option and the value."""
    try:
        return seeds.parse(text) if name == "seeds" else items(name, text)
    except (GridError, seeds.SeedsError) as error:
        raise ConfigError(f"Invalid value for {config.option(name)}: {text!r} ({error})") from None


def axis_from_file(name: str, value) -> list:
    """An axis as a config file writes it: one value, a list, or a string as on the command line."""
    if name == "seeds":
        return seeds.expand(value)
    if isinstance(value, str) and config.SETTINGS[name][0] is not str:
        return items(name, value)  # "4-6" or "5,10" for a number
    values = value if isinstance(value, list) else [value]
    if not values:
        raise GridError("is an empty list")
    for v in values:
        reason = config.problem(name, v)
        if reason:
            raise GridError(f"{reason}, got {v!r}")
    return [float(v) if name == "learning_rate" else canonical(name, v) for v in values]


def load(path) -> dict:
    """A sweep's config file, where every key may hold a list: name -> list of values."""
    grid = {}
    for key, value in config.read_toml(path).items():
        if key not in config.SETTINGS:
            raise ConfigError(f"{path}: unknown key {key!r} (known keys: {', '.join(config.SETTINGS)})")
        try:
            grid[key] = axis_from_file(key, value)
        except (GridError, seeds.SeedsError) as error:
            raise ConfigError(f"{path}: key {key!r} {error}") from None
    return grid


def points(grid: dict) -> list[Experiment]:
    """One resolved experiment per point of the grid, seeds aside (the caller runs those)."""
    if not grid.get("architecture"):
        raise ConfigError("Missing architecture: give ARCH or a --config that names one")
    axes = [name for name in AXES if grid.get(name)]
    combos = itertools.product(*(grid[name] for name in axes))
    return [config.resolve(dict(zip(axes, combo))) for combo in combos]
