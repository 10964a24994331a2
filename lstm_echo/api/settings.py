"""Settings as the library and the command line take them: given values over a config file, checked
whole (each value, then the experiment they make, then the memory it needs) before anything trains."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lstm_echo import architectures, budget, config, runner, seeds, tasks
from lstm_echo.config import DEFAULTS, Experiment, bad_value


def given(options: Mapping[str, Any]) -> dict:
    """The settings given, without those left out (None)."""
    return {name: value for name, value in options.items() if value is not None}


def one_seed_option(flags: Mapping[str, Any]) -> None:
    if flags.get("seed") is not None and flags.get("seeds") is not None:
        raise bad_value("--seed", flags["seed"], "give either --seed or --seeds, not both")


def gather(config_file: str | Path | None, flags: Mapping[str, Any]) -> tuple[dict, list[int] | None, dict[str, str]]:
    """A config file's settings, then those given (`flags`, checked already), over them.

    Returns the settings, the seed list (if any) and where each setting the
    file gave and `flags` did not override came from, for errors.
    """
    one_seed_option(flags)
    options = given(flags)
    settings = config.load(Path(config_file)) if config_file is not None else {}
    origins = {name: str(config_file) for name in settings if name not in options}
    if "seed" in options:
        settings.pop("seeds", None)  # a seed given overrides the file's seeds
    settings.update(options)
    return settings, settings.pop("seeds", None), origins


def checked_experiment(settings: dict, origins: dict[str, str], models: int = 1) -> Experiment:
    """The experiment `settings` describe, refused now if `models` of it would not fit in memory."""
    experiment = config.resolve(settings, origins)
    budget.check(experiment, runner.network_layers(experiment), models)
    return experiment


def keywords(function: str, values: Mapping[str, Any]) -> dict:
    """Settings given to a function of the library (`length=10, seeds=20`), each checked as a config
    file's key is, the function named where a file would be: `run(): key 'length' ...`."""
    settings = {}
    for name, value in given(values).items():
        if isinstance(value, range):
            value = list(value)
        config.check_key(Path(f"{function}()"), name, value)
        settings[name] = float(value) if name == "learning_rate" else value
    if "seeds" in settings:
        settings["seeds"] = seeds.expand(settings["seeds"])
    return settings


MAX_WORKERS = 256  # processes a sweep may train in


def named(function: str, names) -> list[str]:
    """Architecture names given to a library function (one name or several), each checked."""
    listed = [names] if isinstance(names, str) else list(names or [])
    for name in listed:
        keywords(function, {"architecture": name})
    return listed


def ragged_task(text) -> bool:
    """Whether the task written `text` (None: the default) has sequences that end at different steps;
    False for a task that is not one, which the experiment's own check then refuses."""
    try:
        return tasks.parse(str(text or DEFAULTS["task"])).ragged
    except tasks.UnknownTask:
        return False


def chosen_architectures(names: list[str] | None) -> list[architectures.Architecture]:
    """The architectures named, in that order and each once, or all of them."""
    chosen = [architectures.get(name) for name in names or []]
    return list(dict.fromkeys(chosen)) or list(architectures.REGISTRY)
