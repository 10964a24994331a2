"""Experiment: the one typed record of a run's settings, and TOML loading.

Settings come from the framing's defaults, then a config file, then the
command line; each later source overrides the earlier. Every value is checked
where it enters, so an error can name the file and key or the option.

    architecture = "many-to-many"   # or an alias: o2o, m2o, m2m
    length = 5                      # steps in the echo sequence
    neurons = 5                     # LSTM units (default: length)
    epochs = 1000                   # default: the framing's
    batch_size = 1                  # default: the framing's
    learning_rate = 0.001           # Adam
    seed = 0
    seeds = "0-19"                  # instead of seed: a count, a range or a list
"""

import math
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from lstm_echo import architectures, seeds


class ConfigError(ValueError):
    """A setting that cannot be used; its message is one line for the user."""


@dataclass(frozen=True)
class Experiment:
    architecture: str
    length: int
    neurons: int
    epochs: int
    batch_size: int
    learning_rate: float
    seed: int

    def to_dict(self) -> dict:
        return asdict(self)


# name -> (type, smallest allowed value); None as type means a framing name,
# "seeds" a set of seeds as `seeds.parse` reads it.
SETTINGS = {
    "architecture": (None, None),
    "length": (int, 1),
    "neurons": (int, 1),
    "epochs": (int, 1),
    "batch_size": (int, 1),
    "learning_rate": (float, 0.0),
    "seed": (int, 0),
    "seeds": ("seeds", None),
}
DEFAULTS = {"length": 5, "learning_rate": 0.001, "seed": 0}


def option(name: str) -> str:
    """The command-line spelling of a setting."""
    return "ARCH" if name == "architecture" else "--" + name.replace("_", "-")


def problem(name: str, value) -> str | None:
    """Why `value` is not a valid `name`, or None when it is."""
    kind, minimum = SETTINGS[name]
    if kind == "seeds":
        try:
            seeds.expand(value)
        except seeds.SeedsError as error:
            return str(error)
        return None
    if kind is None:
        if not isinstance(value, str):
            return "must be a string naming a framing"
        try:
            architectures.get(value)
        except architectures.UnknownArchitecture:
            return "must be one of " + ", ".join(architectures.names())
        return None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        return "must be an integer"
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "must be a number"
        if not math.isfinite(value) or value <= minimum:
            return f"must be a finite number above {minimum:g}"
        return None
    if value < minimum:
        return f"must be at least {minimum}"
    return None


def convert(name: str, text: str):
    """`text` as the type of setting `name`, or unchanged when it is not of that type."""
    kind = SETTINGS[name][0]
    try:
        return kind(text) if kind in (int, float) else text
    except ValueError:
        return text  # `problem` will say what type was expected


def parse_option(name: str, text: str):
    """The value of a command-line option, typed and checked; ConfigError names the option."""
    value = convert(name, text)
    reason = problem(name, value)
    if reason:
        raise ConfigError(f"Invalid value for {option(name)}: {text!r} ({reason})")
    return seeds.expand(value) if name == "seeds" else value


def read_toml(path: Path) -> dict:
    """The table in a TOML file; a missing or malformed file is a ConfigError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Invalid value for --config: {str(path)!r} (no such file)") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as error:
        raise ConfigError(f"Invalid value for --config: {str(path)!r} ({error.__class__.__name__})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def check_key(path: Path, key: str, value) -> None:
    if key not in SETTINGS:
        raise ConfigError(f"{path}: unknown key {key!r} (known keys: {', '.join(SETTINGS)})")
    reason = problem(key, value)
    if reason:
        raise ConfigError(f"{path}: key {key!r} {reason}, got {value!r}")


def load(path: Path) -> dict:
    """The settings a TOML file holds, each checked; errors name the file and key."""
    settings = read_toml(path)
    for key, value in settings.items():
        check_key(path, key, value)
    if "learning_rate" in settings:
        settings["learning_rate"] = float(settings["learning_rate"])
    if "seeds" in settings:
        settings["seeds"] = seeds.expand(settings["seeds"])
    return settings


def resolve(settings: dict) -> Experiment:
    """Fill what `settings` leaves open from the framing's defaults and check the whole.

    A `seeds` entry is not part of one experiment; the caller runs one per seed.
    """
    if settings.get("architecture") is None:
        raise ConfigError("Missing architecture: give ARCH (one-to-one, many-to-one, many-to-many) or a --config that names one")
    framing = architectures.get(settings["architecture"])
    values = {**DEFAULTS, **{k: v for k, v in settings.items() if v is not None and k != "seeds"}}
    length = values["length"]
    values.setdefault("neurons", length)
    values.setdefault("epochs", framing.default_epochs)
    values.setdefault("batch_size", framing.default_batch_size(length))
    values["architecture"] = framing.name
    samples = framing.samples(length)
    if values["batch_size"] > samples:
        raise ConfigError(
            f"Invalid value for --batch-size: {values['batch_size']} "
            f"({framing.name} at --length {length} has {samples} sample{'s' if samples > 1 else ''})"
        )
    return Experiment(**values)
