"""Experiment: the one typed record of a run's settings, and TOML loading.

Settings come from the architecture's defaults, then a config file, then the
command line; each later source overrides the earlier. Every value is checked
where it enters, so an error can name the file and key or the option.

    architecture = "many-to-many"   # or an alias: o2o, m2o, m2m, ...
    task = "echo"                   # echo, reverse, delay:K or adding (lstm_echo/tasks/)
    cell = "lstm"                   # lstm, gru or simple (lstm_echo/cells.py)
    layers = 1                      # stacked recurrent layers
    length = 5                      # steps in the sequence
    neurons = 5                     # units per recurrent layer (default: length)
    epochs = 1000                   # default: the architecture's
    batch_size = 1                  # default: the architecture's
    learning_rate = 0.001           # Adam
    seed = 0
    seeds = "0-19"                  # instead of seed: a count, a range or a list
    sequences = 1000                # random training sequences instead of the fixed one
    test_sequences = 100            # held out, with sequences
    data_seed = 0                   # seeds the sequences, apart from the weights
"""

import difflib
import math
import os
import re
import stat
import tomllib
import typing
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, cast

from lstm_echo import architectures, seeds, tasks
from lstm_echo.errors import Error
from lstm_echo.layers import CELLS


class InputError(Error):
    """Input that cannot be used (an option, a config file or key, an output path, a size);
    its message is one line for the user, naming where the value came from.

    Not a ValueError: the command-line parser would catch that and replace the message."""


def bad_value(where: str, value: object, reason: object, kind: type[InputError] = InputError) -> InputError:
    """The one line for a value that cannot be used, wherever it was checked: `where` names it as the
    user wrote it (`--plot`, `FILES`, `LSTM_ECHO_CACHE`), `value` as the message shows it (mostly `shown`)."""
    return kind(f"Invalid value for {where}: {value} ({reason})")


WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: int() also takes '٣' and '5_000'
DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(inf|infinity|nan)", re.IGNORECASE)
SHOWN_CHARACTERS = 100


def shown(value) -> str:
    """A value as the user gave it (quoted if text), cut short when it would flood the line."""
    text = repr(value)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[:SHOWN_CHARACTERS]}… ({len(text)} characters)"


def whole_number(minimum: int, maximum: int) -> Callable:
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer"
        if value < minimum:
            return f"must be at least {minimum}"
        return f"must be at most {maximum:,}" if value > maximum else None

    return check


FLOAT32_MAX = 3.4028234663852886e38  # a setting the engine holds as float32 must fit one


def positive_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "must be a number"
    if not (math.isfinite(value) and value > 0):
        return "must be a finite number above 0"
    return None if value <= FLOAT32_MAX else f"must be at most {FLOAT32_MAX:.4g} (float32's largest)"


def architecture_check(value):
    if not isinstance(value, str):
        return "must be a string naming an architecture"
    try:
        architectures.get(value)
    except architectures.UnknownArchitecture:
        hint = did_you_mean(value, architectures.names())
        if hint:
            return "is not an architecture" + hint
        return (
            "must be one of "
            + ", ".join(a.name for a in architectures.REGISTRY)
            + " or an alias (lstm-echo architectures)"
        )
    return None


def did_you_mean(value, choices) -> str:
    """`; did you mean 'x'?` for the closest of `choices`, or nothing."""
    close = difflib.get_close_matches(str(value).lower(), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def cell_check(value):
    if isinstance(value, str) and value.lower() in CELLS:
        return None
    return "must be one of " + ", ".join(CELLS) + did_you_mean(value, CELLS)


def task_check(value):
    if not isinstance(value, str):
        return f"must be a string: {tasks.spellings()}"
    try:
        tasks.parse(value)
    except tasks.UnknownTask as error:
        return str(error)
    return None


def seeds_check(value):
    try:
        seeds.expand(value)
    except seeds.SeedsError as error:
        return str(error)
    return None


@dataclass(frozen=True)
class Setting:
    """All there is to say about one setting, said once: the command line, config files,
    sweeps, tables and help all read it from here."""

    name: str
    kind: type  # what a command-line value converts to
    check: Callable[[object], str | None]  # why a value is wrong, or None
    help: str  # the option's help, without its default
    label: str  # the column header in tables
    default: object = None  # None: the architecture or another setting decides
    default_text: str = ""  # the default as the help states it
    axis: bool = True  # a sweep may vary it
    aliases: tuple[str, ...] = ()  # other spellings on the command line

    def help_text(self, listed: bool = False) -> str:
        """The option's help; `listed` for a sweep, where it takes a list (or a range of whole numbers)."""
        text = self.help + (", as a list" + (" or range" if self.kind is int else "") if listed else "")
        default = self.default_text or self.default
        return f"{text} (default {default})." if default is not None else f"{text}."


def described(**description) -> Any:
    """A field of Experiment together with its description (see `Setting`)."""
    return field(metadata=description)


MAX_SEQUENCES = 1_000_000  # per set; the memory check refuses what would not fit anyway
TEST_SEQUENCES = 100
# With a data set, many samples per epoch: minibatches of this size, and fewer epochs.
DATA_BATCH_SIZE, DATA_EPOCHS = 32, 100


# The largest whole numbers are far past what a lesson or a sweep needs, and small
# enough that the arrays a run builds fit in memory (each run's memory is then
# estimated in `budget`).
@dataclass(frozen=True)
class Experiment:
    """Every setting of one training run: one architecture, one seed."""

    architecture: str = described(
        check=architecture_check,
        label="Architecture",
        help="An architecture: one-to-one (o2o), many-to-one (m2o), many-to-many (m2m), ...",
    )
    task: str = described(
        check=task_check,
        label="Task",
        default="echo",
        help="; ".join(f"{kind.spelling}: {kind.help}" for kind in tasks.REGISTRY),
    )
    cell: str = described(check=cell_check, label="Cell", default="lstm", help="Recurrent cell: " + ", ".join(CELLS))
    layers: int = described(check=whole_number(1, 100), label="Layers", default=1, help="Stacked recurrent layers")
    length: int = described(check=whole_number(1, 10_000), label="Length", default=5, help="Steps in the sequence")
    neurons: int = described(
        check=whole_number(1, 10_000),
        label="Neurons",
        default_text="the length",
        help="Units per recurrent layer",
        aliases=("--units",),
    )
    epochs: int = described(
        check=whole_number(1, 1_000_000),
        label="Epochs",
        default_text=f"the architecture's; {DATA_EPOCHS} with --sequences",
        help="Training epochs",
    )
    batch_size: int = described(
        check=whole_number(1, 1_000_000),
        label="Batch",
        default_text=f"the architecture's; {DATA_BATCH_SIZE} with --sequences",
        help="Samples per update",
    )
    learning_rate: float = described(
        check=positive_number, label="LR", default=0.001, help="Adam's learning rate", aliases=("--lr",)
    )
    seed: int = described(
        check=whole_number(0, seeds.MAX_SEED),
        label="Seed",
        default=0,
        axis=False,
        help="Seed of the initial weights and shuffling",
    )
    sequences: int | None = described(
        check=whole_number(1, MAX_SEQUENCES),
        label="Sequences",
        default_text="none: the one fixed sequence",
        help="Train on this many random sequences of values 0.0-0.9 and judge on held-out ones",
    )
    test_sequences: int | None = described(
        check=whole_number(1, MAX_SEQUENCES),
        label="Test",
        default_text=f"{TEST_SEQUENCES} with --sequences",
        help="Held-out sequences the verdict is judged on, none of them trained on",
    )
    data_seed: int = described(
        check=whole_number(0, seeds.MAX_SEED),
        label="Data seed",
        default=0,
        help="Seed of the random sequences (every model seed sees the same data)",
    )

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def steps(self) -> int:
        """The steps of each sequence as the network sees it: the length, or the longest one a drawn task pads to."""
        return tasks.parse(self.task).padded_length(self.length)


def value_type(annotation) -> type:
    """`int` for `int` and for `int | None` (a setting that may be left to a default)."""
    return cast(type, next((t for t in typing.get_args(annotation) if t is not type(None)), annotation))


SEEDS = Setting(
    "seeds",
    str,
    seeds_check,
    label="Seeds",
    axis=False,
    help="Train once per seed, all together: a count (10: seeds 0-9), one seed (7,), a list (3,7,11) or a range (0-19)",
)
SETTINGS: dict[str, Setting] = {
    **{f.name: Setting(f.name, value_type(f.type), **f.metadata) for f in fields(Experiment)},
    SEEDS.name: SEEDS,
}
DEFAULTS = {name: s.default for name, s in SETTINGS.items() if s.default is not None}
# Settings that may stay unset (typed `X | None`): without --sequences, no data set.
LEFT_OPEN = {f.name: None for f in fields(Experiment) if type(None) in typing.get_args(f.type)}
AXES = tuple(name for name, s in SETTINGS.items() if s.axis)  # what a sweep may vary, in table order


def option(name: str) -> str:
    """The command-line spelling of a setting."""
    return "ARCH" if name == "architecture" else "--" + name.replace("_", "-")


def problem(name: str, value) -> str | None:
    """Why `value` is not a valid `name`, or None when it is."""
    return SETTINGS[name].check(value)


def convert(name: str, text: str):
    """`text` as the type of setting `name`, or unchanged when it is not of that type.

    `problem` then says what type was expected, or that a number is out of range.
    """
    kind, number = SETTINGS[name].kind, text.strip()
    if kind is int and WHOLE_NUMBER.fullmatch(number):
        # Past a hundred digits the exact value does not matter (it is out of range),
        # and Python refuses to convert strings of thousands of digits.
        if len(number) > 100:
            return -(10**100) if number.startswith("-") else 10**100
        return int(number)
    if kind is float and DECIMAL.fullmatch(number):
        return float(number)
    return text


def parse_option(name: str, text: str):
    """The value of a command-line option, typed and checked; InputError names the option."""
    value = convert(name, text)
    reason = problem(name, value)
    if reason:
        raise invalid(name, text, reason)
    return seeds.expand(value) if name == "seeds" else value


def regular_file(path: Path, option: str) -> os.stat_result:
    """What `os.stat` says of a file to read, once it is a regular file; else an InputError naming `option`
    and saying what the path is instead."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise bad_value(option, shown(str(path)), "no such file") from None
    except OSError as error:
        raise bad_value(option, shown(str(path)), error.strerror or error) from None
    if not stat.S_ISREG(info.st_mode):
        what = "is a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise bad_value(option, shown(str(path)), what)
    return info


def read_toml(path: Path) -> dict:
    """The table in a TOML file; a missing or malformed file is a InputError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise bad_value("--config", shown(str(path)), "no such file") from None
    except UnicodeDecodeError:
        raise bad_value("--config", shown(str(path)), "not UTF-8 text") from None
    except OSError as error:  # a folder, no permission, a name too long, a symlink loop...
        raise bad_value("--config", shown(str(path)), error.strerror or error) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: not valid TOML: {error}") from None


def unknown_key(path: Path, key: str) -> str:
    spelled = key.lower().replace("-", "_")
    hint = f"; did you mean {spelled!r}?" if spelled in SETTINGS else did_you_mean(spelled, SETTINGS)
    return f"{path}: unknown key {shown(key)}{hint or ' (known keys: ' + ', '.join(SETTINGS) + ')'}"


def invalid(name: str, value, reason: str, origins: dict[str, str] | None = None) -> InputError:
    """The error for a bad value, naming where it came from: a config file's key, or the option."""
    source = (origins or {}).get(name)
    if source is not None:
        return InputError(f"{source}: key {name!r} {reason}, got {shown(value)}")
    return bad_value(option(name), shown(value), reason)


def check_key(path: Path, key: str, value) -> None:
    if key not in SETTINGS:
        raise InputError(unknown_key(path, key))
    reason = problem(key, value)
    if reason:
        raise invalid(key, value, reason, {key: str(path)})


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


DATA_SETTINGS = ("sequences", "test_sequences", "data_seed")


def inert(settings: dict) -> set[str]:
    """The settings that change nothing in this run: those of a data set, when it trains on the fixed sequence."""
    return set(DATA_SETTINGS) if settings.get("sequences") is None else set()


def distinct_sequences(length: int) -> int:
    """How many different sequences of `length` values the one-decimal grid makes (10 per step)."""
    return 10 ** min(length, 20)  # past 20 steps, far more than MAX_SEQUENCES either way


def check_data_set(values: dict, task: tasks.Task, origins: dict[str, str] | None) -> None:
    """Give a data set its held-out size, and refuse one the grid cannot make of distinct sequences."""
    values.setdefault("test_sequences", TEST_SEQUENCES)
    length, wanted = values["length"], values["sequences"] + values["test_sequences"]
    if not task.drawn and wanted > distinct_sequences(length):
        raise invalid(
            "sequences",
            values["sequences"],
            f"at length {length} there are only {distinct_sequences(length):,} distinct sequences, "
            f"fewer than {values['sequences']:,} to train on and {values['test_sequences']:,} held out",
            origins,
        )


def check_task(values: dict, task: tasks.Task, arch: architectures.Architecture, origins) -> None:
    """Refuse a task this length, data or architecture cannot set."""
    reason = task.check(values["length"])
    # Each reason reads after "--task: 'adding' (" and after "key 'task' " alike.
    if task.drawn and "sequences" not in values:
        reason = "needs --sequences N (a config's `sequences`): its sequences are random draws, with no fixed one"
    if task.ragged and not arch.causal:
        reason = (
            f"cannot be framed by {arch.name}, which reads the whole padded sequence before its outputs, "
            f"while {task.name}'s sequences end at different steps: frame it step by step (many-to-many)"
        )
    if reason:
        raise invalid("task", task.label, reason, origins)


def resolve(settings: dict, origins: dict[str, str] | None = None) -> Experiment:
    """Fill what `settings` leaves open from the architecture's defaults and check the whole.

    A `seeds` entry is not part of one experiment; the caller runs one per seed.
    `origins` names the config file of each setting that came from one, so that
    a check spanning settings blames the file's key rather than an option.
    """
    if settings.get("architecture") is None:
        raise InputError(
            f"Missing architecture: give ARCH ({', '.join(a.name for a in architectures.REGISTRY)}) or a --config that names one"
        )
    arch = architectures.get(settings["architecture"])
    values = {**DEFAULTS, **{k: v for k, v in settings.items() if v is not None and k != "seeds"}}
    length = values["length"]
    values.setdefault("neurons", length)
    values["architecture"] = arch.name
    task = tasks.parse(values["task"])
    values["task"] = task.label
    check_task(values, task, arch, origins)
    steps = task.padded_length(length)
    if "sequences" in values:
        check_data_set(values, task, origins)
        samples = arch.samples(steps, values["sequences"])
        values.setdefault("epochs", DATA_EPOCHS)
        values.setdefault("batch_size", 1 if arch.stateful else min(DATA_BATCH_SIZE, samples))
    elif "test_sequences" in values:
        raise invalid("test_sequences", values["test_sequences"], "it needs --sequences", origins)
    values.setdefault("epochs", arch.default_epochs)
    values.setdefault("batch_size", arch.default_batch_size(length))
    values["cell"] = values["cell"].lower()
    batch = values["batch_size"]
    if arch.stateful and batch != 1:
        raise invalid("batch_size", batch, f"{arch.name} feeds one step per batch: it must be 1", origins)
    samples = arch.samples(steps, values.get("sequences", 1))
    if batch > samples:
        plural = "s" if samples > 1 else ""
        raise invalid("batch_size", batch, f"{arch.name} at length {length} has {samples} sample{plural}", origins)
    return Experiment(**{**LEFT_OPEN, **values})
