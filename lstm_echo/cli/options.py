"""The options the commands share, each built from the settings' one description in `config`,
and how a command gathers them with a config file into checked settings."""

import functools
import inspect
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import typer

from lstm_echo import config, grid, program_shape
from lstm_echo.api.settings import MAX_WORKERS
from lstm_echo.rendering import plot, progress

INT, FLOAT = "INTEGER", "FLOAT"


def setting_parser(name: str, listed: bool = False) -> Callable[[str], Any]:
    """The parser of a setting's option: the typed, checked value (a list for a sweep), or an InputError."""

    def parse(text: str):
        return grid.parse_option(name, text) if listed else config.parse_option(name, text)

    return parse


def setting_option(name: str, listed: bool = False, help_text: str | None = None) -> Any:
    """A setting's option, spelled, shown, explained and parsed from its one description in config;
    `help_text` for a command whose default differs from the setting's."""
    s = config.SETTINGS[name]
    metavar = "LIST" if listed else {int: INT, float: FLOAT}.get(s.kind, name.upper())
    return typer.Option(
        config.option(name),
        *s.aliases,
        metavar=metavar,
        help=help_text or s.help_text(listed),
        parser=setting_parser(name, listed),
    )


# Options shared by the commands that train; each is parsed and checked by config.
Arch = Annotated[
    str | None,
    typer.Argument(
        metavar="ARCH",
        help="An architecture: one-to-one (o2o), many-to-one (m2o), many-to-many (m2m), ... (see `lstm-echo architectures`).",
        parser=setting_parser("architecture"),
    ),
]
Archs = Annotated[
    list[str] | None,
    typer.Argument(metavar="ARCH", help="Architectures (default: all).", parser=setting_parser("architecture")),
]
Length = Annotated[int | None, setting_option("length")]
Neurons = Annotated[int | None, setting_option("neurons")]
Epochs = Annotated[int | None, setting_option("epochs")]
Cell = Annotated[str | None, setting_option("cell")]
Layers = Annotated[int | None, setting_option("layers")]
Seed = Annotated[int | None, setting_option("seed")]
ConfigFile = Annotated[
    Path | None, typer.Option("--config", metavar="FILE.toml", help="TOML file of settings; options override it.")
]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display (as --progress none).")]


def worker_count(value: str | int) -> int:
    text = str(value)  # Typer parses the default (1) too
    if not (text.strip().isascii() and text.strip().isdigit()) or not 1 <= int(text) <= MAX_WORKERS:
        raise config.bad_value("--workers", config.shown(text), f"a number, 1 to {MAX_WORKERS}")
    return int(text)


def worker_processes(asked: int, points: list) -> int:
    """--workers as it can be used: no more processes than program groups to share out, or than CPUs."""
    groups = len({program_shape.key(point) for point in points})
    usable = max(1, min(asked, groups, os.cpu_count() or 1))
    if usable < asked:
        print(
            f"Notice: --workers {asked}: {usable} (this sweep has {groups} compiled programs to share out and this machine {os.cpu_count()} CPUs)",
            file=sys.stderr,
        )
    return usable


def progress_mode(text: str) -> str:
    if text.lower() not in progress.MODES:
        raise config.bad_value("--progress", config.shown(text), f"must be one of {', '.join(progress.MODES)}")
    return text.lower()


ProgressMode = Annotated[
    str,
    typer.Option(
        "--progress",
        metavar="MODE",
        parser=progress_mode,
        help="On stderr: auto (a bar on a terminal, even with --json), lines (a line per phase or setting, for logs) or none.",
    ),
]
PerSeed = Annotated[bool, typer.Option("--per-seed", help="With --seeds: a row per seed (and loss histories in JSON).")]
RequireEcho = Annotated[
    bool, typer.Option("--require-echo", help="Exit 3 unless the run (every seed) learns its task.")
]
NoHint = Annotated[
    bool,
    typer.Option(
        "--no-hint", help="After a miss, skip the hint's tries (retraining this seed with one change at a time)."
    ),
]
Plot = Annotated[
    Path | None,
    typer.Option(
        "--plot",
        metavar="FILE.png",
        help="Save the loss curves (.png, .svg or .pdf; needs the plot extra); held-out loss dashed.",
    ),
]
Connectivity = Annotated[
    bool,
    typer.Option(
        "--connectivity",
        help="Also |d y_t / d x_s| for every output t and input step s, and the share on the task's source step.",
    ),
]
SaveModel = Annotated[
    Path | None,
    typer.Option(
        "--save-model",
        metavar="FILE.keras",
        help="Save the trained network as a Keras model, for `lstm-echo predict` or keras.saving.load_model "
        "(with --seeds: the best seed, by held-out echo rate, else by loss).",
    ),
]


# What `with_setting_options` hands a command: {setting: its parsed value, or None}.
SettingOptions = Mapping[str, Any]
NO_OPTIONS: SettingOptions = MappingProxyType({})


def with_setting_options(listed: bool = False):
    """Give a command an option for every setting but the architecture, from the settings' one description.

    Typer reads the options from the signature, so the `settings` parameter is
    replaced there by one option per setting; the command receives them
    together as `settings`. `listed`: a sweep's options, which take lists.
    """

    def decorate(command):
        names = [name for name in config.SETTINGS if name != "architecture"]
        options = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[Any, setting_option(name, listed and config.SETTINGS[name].axis)],
            )
            for name in names
        ]
        signature = inspect.signature(command)
        parameters = []
        for parameter in signature.parameters.values():
            parameters.extend(
                options if parameter.name == "settings" else [parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY)]
            )

        @functools.wraps(command)
        def with_settings(**arguments):
            return command(settings={name: arguments.pop(name) for name in names}, **arguments)

        with_settings.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        return with_settings

    return decorate


def checked_plot(path: Path | None) -> Path | None:
    """Checked before anything trains, so a bad path costs no training."""
    return plot.check(path) if path is not None else None
