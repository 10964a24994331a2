"""The `lstm-echo` command: parse, validate, call, render.

Importing this module must stay light: TensorFlow loads only when something
trains (through the runner), so `--help`, `params`, `architectures` and every
input check answer at once.
"""

import contextlib
import csv
import errno
import functools
import importlib.metadata
import inspect
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, NoReturn, cast

import numpy as np
import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperGroup

from lstm_echo import (
    architectures,
    atomic,
    budget,
    compile_cache,
    config,
    grid,
    heatmaps,
    hints,
    inspection,
    merge,
    plot,
    progress,
    report,
    results_summary,
    rows,
    runner,
    saved_model,
    shards,
    sweep,
    sweep_plan,
)
from lstm_echo import seeds as seeds_module
from lstm_echo.layers import CELLS
from lstm_echo.results_file import ResultsFile, ResultsWriteError
from lstm_echo.verdict import judge

STARTED = time.perf_counter()
# BadParameter derives from the usage error class that Typer's parser raises for
# every bad command line (whether Typer bundles click or depends on it).
UsageError = cast(type[typer.BadParameter], typer.BadParameter.__base__)
INCOMPLETE = 3  # merge and status: a sharded sweep's plan holds runs no file has
NOT_ECHOED = 3
INTERRUPTED = 130


OUTPUT_ERRORS = (errno.EPIPE, errno.ENOSPC, errno.EFBIG, errno.EIO)


class Stopped(KeyboardInterrupt):
    """TERM, or HUP from a closed terminal or ssh session: the command stops as Ctrl-C stops it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def stop(signum: int, frame) -> None:
    raise Stopped(signum)


def stopping_signal(error: BaseException | None) -> int:
    """The signal behind an interruption (and the Abort Click makes of it): TERM or HUP, else Ctrl-C's INT."""
    while error is not None:
        if isinstance(error, Stopped):
            return error.signum
        error = error.__cause__ or error.__context__
    return signal.SIGINT


def stopped_word(signum: int) -> str:
    return "Interrupted" if signum == signal.SIGINT else f"Stopped by {signal.Signals(signum).name}"


class OutputFailed(Exception):
    """stdout could not be written: its reader left, or its disk is full."""


class FlagsLookLikeFlags:
    """Help that shows no value after a flag (Typer shows `<bool>`, so people type `--json true`), and no
    `<str>` after an argument whose name already says what it takes."""

    def get_params(self, ctx):
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False):
                param.metavar = ""
            if isinstance(param, TyperArgument):
                param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
        return params


class Command(FlagsLookLikeFlags, TyperCommand):
    def collect_usage_pieces(self, ctx):
        """`lstm-echo predict [OPTIONS] MODEL [VALUES...]`: the usual convention, not Typer's `{MODEL}`."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.display_name_raw.removesuffix("...") + ("..." if param.nargs != 1 else "")
                pieces.append(name if param.required else f"[{name}]")
        return pieces


class OneLineErrors(FlagsLookLikeFlags, TyperGroup):
    """Usage errors as one line on stderr with exit code 2; Ctrl-C exits 130."""

    def invoke(self, ctx):
        try:
            compile_cache.switched_on()  # the environment is checked like an option
            return super().invoke(ctx)
        except config.InputError as error:  # every input check, whichever command made it
            fail(str(error))
        except OSError as error:
            if error.errno in OUTPUT_ERRORS:
                # Click would turn a broken pipe into exit code 1, which means a diverged run here.
                raise OutputFailed(error) from None
            raise

    def main(
        self, args=None, prog_name=None, complete_var=None, standalone_mode=True, windows_expand_args=True, **extra
    ):
        args = sys.argv[1:] if args is None else list(args)
        INVOKED.clear()
        INVOKED.extend(map(str, args))  # a sharded sweep records its command in its plan
        try:
            # Bare `lstm-echo` asks what the tool does: the help, and no error.
            code = super().main(args or ["--help"], prog_name, complete_var, False, windows_expand_args, **extra)
        except config.InputError as error:  # an option's parser refused its value
            fail(str(error))
        except UsageError as error:
            fail(error.format_message())
        except (typer.Abort, KeyboardInterrupt) as error:
            signum = stopping_signal(error)
            print(f"{stopped_word(signum)}.", file=sys.stderr)
            sys.exit(128 + signum)  # as a shell reports a command a signal ended: 130, 143, 129
        if code == INTERRUPTED:  # Typer turns Ctrl-C into this exit code, or into Abort
            print("Interrupted.", file=sys.stderr)
        sys.exit(code or 0)


app = typer.Typer(
    cls=OneLineErrors,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

MIN_WIDTH, MAX_WIDTH = 40, 1000
INVOKED: list[str] = []  # the arguments of the command being run


def usable_columns() -> bool:
    """Whether $COLUMNS is a width a table can be laid out in."""
    text = os.environ.get("COLUMNS", "")
    return text.isascii() and text.isdigit() and MIN_WIDTH <= int(text) <= MAX_WIDTH


if "COLUMNS" in os.environ and not usable_columns():
    # COLUMNS=0 would print nothing and COLUMNS=1 a character a line: ask the terminal instead.
    del os.environ["COLUMNS"]
stdout = Console()
stderr = Console(stderr=True)
if not stdout.is_terminal and "COLUMNS" not in os.environ:
    # Pipes and logs have no width of their own; rich's 80 would squeeze the wider tables.
    stdout.width = 120
INT, FLOAT = "INTEGER", "FLOAT"


def show(renderable) -> None:
    """Print to stdout; for pipes and files, without the spaces rich pads table lines with."""
    if stdout.is_terminal:
        stdout.print(renderable)
        return
    with stdout.capture() as captured:
        # A sentence is one line in a pipe (grep finds it whole), unless COLUMNS asks for a width.
        stdout.print(renderable, soft_wrap="COLUMNS" not in os.environ)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(code)


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


MAX_WORKERS = 256


def worker_count(value: str | int) -> int:
    text = str(value)  # Typer parses the default (1) too
    if not (text.strip().isascii() and text.strip().isdigit()) or not 1 <= int(text) <= MAX_WORKERS:
        raise config.InputError(f"Invalid value for --workers: {config.shown(text)} (a number, 1 to {MAX_WORKERS})")
    return int(text)


def worker_processes(asked: int, points: list) -> int:
    """--workers as it can be used: no more processes than program groups to share out, or than CPUs."""
    groups = len({shards.program_key(point) for point in points})
    usable = max(1, min(asked, groups, os.cpu_count() or 1))
    if usable < asked:
        print(
            f"Notice: --workers {asked}: {usable} (this sweep has {groups} compiled programs to share out and this machine {os.cpu_count()} CPUs)",
            file=sys.stderr,
        )
    return usable


def progress_mode(text: str) -> str:
    if text.lower() not in progress.MODES:
        raise config.InputError(
            f"Invalid value for --progress: {config.shown(text)} (must be one of {', '.join(progress.MODES)})"
        )
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


def show_version(asked: bool) -> None:
    if asked:
        print(f"lstm-echo {importlib.metadata.version('lstm-echo')}")
        raise typer.Exit()


@app.callback()
def options(
    version: Annotated[
        bool, typer.Option("--version", callback=show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
):
    """Train and compare the ways an LSTM can be framed to echo the sequence 0.0, 0.2, 0.4, ..."""


def given(options: Mapping[str, Any]) -> dict:
    """The options given on the command line (parsed and checked), without those left out."""
    return {name: value for name, value in options.items() if value is not None}


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


def one_seed_option(flags: dict) -> None:
    if flags.get("seed") is not None and flags.get("seeds") is not None:
        raise config.InputError(f"Invalid value for --seed: {flags['seed']} (give either --seed or --seeds, not both)")


def gather_settings(config_file: Path | None, flags: dict) -> tuple[dict, list[int] | None, dict[str, str]]:
    """Config file, then command line (`flags`, parsed).

    Returns the settings, the seed list (if any) and where each setting the
    file gave and the command line did not override came from, for errors.
    """
    one_seed_option(flags)
    options = given(flags)
    settings = config.load(config_file) if config_file is not None else {}
    origins = {name: str(config_file) for name in settings if name not in options}
    if "seed" in options:
        settings.pop("seeds", None)  # a seed on the command line overrides the file's seeds
    settings.update(options)
    return settings, settings.pop("seeds", None), origins


def checked_plot(path: Path | None) -> Path | None:
    """Checked before anything trains, so a bad path costs no training."""
    return plot.check(path) if path is not None else None


def checked_experiment(settings: dict, origins: dict[str, str], models: int = 1) -> config.Experiment:
    """The experiment `settings` describe, refused now if `models` of it would not fit in memory."""
    experiment = config.resolve(settings, origins)
    budget.check(experiment, runner.network_layers(experiment), models)
    return experiment


def save_plot(
    path: Path, curves: dict, title: str, learned=None, tests=None, words=("learned", "did not learn")
) -> None:
    try:
        plot.save(path, curves, title, learned, tests, words)
    except OSError as error:
        fail(f"could not write {path}: {error.strerror or error}", code=1)
    saved_picture(path)


def saved_picture(path: Path) -> None:
    """Said on stderr, so that --json's stdout stays one document."""
    print(f"Saved the picture to {path}", file=sys.stderr)


def print_json(document) -> None:
    """One line, so that a shell loop's output is JSON Lines; escaped where stdout is not UTF-8."""
    utf8 = (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"
    print(json.dumps(document, ensure_ascii=not utf8))


def training_reporter(display, label: str, experiment: config.Experiment):
    """Callbacks for the runner that move one bar over the epochs and name the phase."""
    prefix = f"{label}: " if label else f"{experiment.architecture}: "
    task = display.add_task(f"{prefix}starting", total=experiment.epochs, status="")

    def on_phase(phase: str) -> None:
        display.update(task, description=prefix + phase)

    def on_progress(done, total, losses):
        display.update(task, completed=done, status=f"loss {float(np.median(losses)):.3g}")

    return {"on_progress": on_progress, "on_phase": on_phase}


def chosen_architectures(names: list[str] | None) -> list:
    """The architectures named on the command line, in that order and each once, or all of them."""
    chosen = [architectures.get(name) for name in names or []]
    return list(dict.fromkeys(chosen)) or list(architectures.REGISTRY)


def save_best(target: saved_model.SaveTarget, results: list[runner.RunResult]) -> runner.RunResult:
    """Save the best of `results` as a Keras model; a write that fails leaves nothing behind (exit 1), and a file
    that appeared at the path while training is kept, the model saved beside it (exit 1)."""
    best = runner.best(results)
    try:
        saved_model.save(target, runner.network_layers(best.experiment), best.weights, best.experiment)
    except atomic.Conflict as conflict:
        fail(
            f"{conflict.target} appeared or changed while training, so it was left alone; the model was saved as {conflict.kept}",
            code=1,
        )
    except OSError as error:
        fail(f"could not write {target.path}: {error.strerror or error}", code=1)
    return best


def wall_seconds() -> float:
    """Seconds since the command started, TensorFlow's import included."""
    return time.perf_counter() - STARTED


@app.command(cls=Command)
@with_setting_options()
def run(
    architecture: Arch = None,
    settings: SettingOptions = NO_OPTIONS,
    per_seed: PerSeed = False,
    require_echo: RequireEcho = False,
    no_hint: NoHint = False,
    config_file: ConfigFile = None,
    plot_file: Plot = None,
    save_model: SaveModel = None,
    as_json: Json = False,
    quiet: Quiet = False,
    progress_mode: ProgressMode = "auto",
):
    """Train one architecture on the echo sequence (or another task) and show what it learned."""
    mode = "none" if quiet else progress_mode
    settings, seed_list, origins = gather_settings(config_file, {"architecture": architecture, **settings})
    experiment = checked_experiment(settings, origins, models=len(seed_list) if seed_list else 1)
    plot_file = checked_plot(plot_file)
    save_target = saved_model.check_path(save_model) if save_model is not None else None

    if not as_json:
        layer_table = runner.layer_rows(runner.network_layers(experiment))
        arch = architectures.get(experiment.architecture)
        data = report.data_line(arch, experiment)
        show(report.model_summary(report.settings_title(experiment, seed_list), layer_table, data))

    with progress.display(mode, stderr) as display:
        callbacks = {**training_reporter(display, "", experiment), "test_curve": plot_file is not None}
        if seed_list:
            results = runner.run_seeds(experiment, seed_list, **callbacks)
        else:
            try:
                results = [runner.run(experiment, **callbacks)]
            except runner.TrainingDiverged as error:
                fail(f"training diverged: {error}", code=1)

    trained_seconds = wall_seconds()
    hint = None
    if not seed_list and not as_json and not no_hint and not results[0].verdict.learned:
        with progress.display(mode, stderr) as display:
            hint = hints.check(
                results[0], lambda e, option: runner.run(e, **training_reporter(display, f"hint: trying {option}", e))
            )
    if plot_file is not None:
        curves = {f"seed {r.experiment.seed}": r.loss_history for r in results}
        learned = {f"seed {r.experiment.seed}": r.verdict.learned for r in results} if seed_list else None
        tests = {f"seed {r.experiment.seed}": (r.test_loss_epochs, r.test_loss_history) for r in results if r.test}
        title = report.settings_title(experiment, seed_list)
        save_plot(plot_file, curves, title, learned, tests, report.verdict_words(experiment.task))
    saved = save_best(save_target, results) if save_target is not None else None
    run_rows = [rows.run_row(r, with_history=per_seed or not seed_list) for r in results]
    summary = rows.aggregate(run_rows)
    if as_json:
        first = results[0]
        timings = {**first.timings, "wall_seconds": wall_seconds()}
        values = {name: [rows.float32_value(v) for v in getattr(first, name)] for name in ("inputs", "expected")}
        extra = {"saved_model": {"path": str(save_model), "seed": saved.experiment.seed}} if saved else {}
        print_json({**rows.document(run_rows), **values, "network": first.layers, "timings": timings, **extra})
    elif seed_list:
        if per_seed:
            show(report.seeds_table(run_rows))
        show(report.seeds_summary(summary[0], results, wall_seconds()))
    else:
        show(report.predictions_table(results[0]))
        show(report.verdict_line(results[0], trained_seconds, hint))
    if saved is not None and not as_json:
        show(report.saved_line(save_model, saved, several=len(results) > 1))
    if require_echo and not all(row["learned"] for row in run_rows):
        raise typer.Exit(NOT_ECHOED)


def with_source_scores(experiments: list, outcomes: list[list[runner.RunResult]], run_rows: list, summary: list):
    """Each run row gains its `source_score`, each summary row the mean over its seeds (`mean_source_score`),
    measured on the sequence `inspect` looks at."""
    per_seed: list[float | None] = []
    for e, results in zip(experiments, outcomes):
        conn = inspection.connectivity(e, [r.weights for r in results], inspection.default_sequence(e))
        per_seed += conn["seed_scores"] or [None] * len(results)
        next(s for s in summary if s["architecture"] == e.architecture)["mean_source_score"] = conn["source_score"]
    for row, score in zip(run_rows, per_seed):
        row["source_score"] = score


@app.command(cls=Command)
@with_setting_options()
def compare(
    names: Archs = None,
    settings: SettingOptions = NO_OPTIONS,
    per_seed: PerSeed = False,
    require_echo: RequireEcho = False,
    with_connectivity: Connectivity = False,
    config_file: ConfigFile = None,
    plot_file: Plot = None,
    as_json: Json = False,
    quiet: Quiet = False,
    progress_mode: ProgressMode = "auto",
):
    """Train several architectures (all, or those named) on the same settings and show them side by side."""
    mode = "none" if quiet else progress_mode
    chosen = chosen_architectures(names)
    settings, seed_list, origins = gather_settings(config_file, dict(settings))
    # Every architecture keeps its own default epochs and batch size unless they are given.
    models = len(seed_list) if seed_list else 1
    experiments = [checked_experiment({**settings, "architecture": f.name}, origins, models) for f in chosen]
    seed_list = seed_list or [experiments[0].seed]
    if with_connectivity:
        for e in experiments:
            budget.check_connectivity(e, runner.network_layers(e), len(seed_list))
    plot_file = checked_plot(plot_file)

    with progress.display(mode, stderr) as display:
        outcomes = [
            runner.run_seeds(
                e, seed_list, **training_reporter(display, e.architecture, e), test_curve=plot_file is not None
            )
            for e in experiments
        ]
    e = experiments[0]
    title = report.compare_title(e, seed_list, every=len(chosen) == len(architectures.REGISTRY))
    if plot_file is not None:
        curves = {
            r[0].experiment.architecture: seeds_module.median_curve([x.loss_history for x in r]) for r in outcomes
        }
        tests = {
            r[0].experiment.architecture: (
                r[0].test_loss_epochs,
                seeds_module.median_curve([x.test_loss_history for x in r]),
            )
            for r in outcomes
            if r[0].test is not None
        }
        save_plot(plot_file, curves, title + (" (median over seeds)" if len(seed_list) > 1 else ""), tests=tests)
    run_rows = [rows.run_row(result, with_history=per_seed) for results in outcomes for result in results]
    summary = rows.aggregate(run_rows)
    if with_connectivity:
        with_source_scores(experiments, outcomes, run_rows, summary)
    if as_json:
        print_json(rows.document(run_rows, summary, timings={"wall_seconds": wall_seconds()}))
    else:
        if per_seed:
            show(report.seeds_table(run_rows))
        show(report.compare_table(summary, run_rows, title=title))
        show(report.compare_takeaway(summary))
    if require_echo and not all(row["learned"] for row in run_rows):
        raise typer.Exit(NOT_ECHOED)


@app.command("sweep", cls=Command)
@with_setting_options(listed=True)
def sweep_command(
    # One word holding a list; parsed here, since Typer's help would show a parsed argument's type as <Any>.
    architecture: Annotated[
        str | None, typer.Argument(metavar="ARCH", help="An architecture, or a list: m2o,m2m.")
    ] = None,
    settings: SettingOptions = NO_OPTIONS,
    out: Annotated[
        Path | None, typer.Option(help="Record every run to FILE.jsonl or FILE.csv; re-running skips what it holds.")
    ] = None,
    per_seed: Annotated[
        bool, typer.Option("--per-seed", help="With --json: every run's row too, not only each setting's.")
    ] = False,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE.toml", help="TOML file whose keys may hold lists; options override it."),
    ] = None,
    shard: Annotated[
        shards.Shard | None,
        typer.Option(
            "--shard",
            metavar="K/N",
            parser=shards.parse,
            help="Run only shard K (from 0) of N, for a job array; with --out it writes FILE.d/K-of-N.jsonl "
            "and skips what FILE already holds.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            metavar="N",
            parser=worker_count,
            help="Train in N processes on this machine (each imports TensorFlow once); default 1.",
        ),
    ] = 1,
    plan: Annotated[
        int | None,
        typer.Option(
            "--plan", metavar="N", parser=shards.plan_count, help="Show how the sweep splits into N shards, and stop."
        ),
    ] = None,
    plot_file: Plot = None,
    keep_curves: Annotated[
        bool,
        typer.Option(
            "--keep-curves",
            help="Keep each run's loss curve in the --out file (.jsonl only), so that a resumed sweep's --plot draws "
            "every setting.",
        ),
    ] = False,
    as_json: Json = False,
    quiet: Quiet = False,
    progress_mode: ProgressMode = "auto",
):
    """Train every combination of the given settings, once per seed, in one process (or one shard of them)."""
    mode = "none" if quiet else progress_mode
    names = grid.parse_option("architecture", architecture) if architecture is not None else None
    flags = {"architecture": names, **settings}
    one_seed_option(flags)
    axes = grid.load(config_file) if config_file is not None else {}
    options = given(flags)
    if "seed" in options:
        options["seed"] = [options["seed"]]  # a list, as every sweep setting (and a file's seed) is
    origins = {name: str(config_file) for name in axes if name not in options}
    axes.update(options)
    seed_list = axes.pop("seeds", None) or axes.pop("seed", [0])
    plan_axes = dict(axes)
    points = grid.points(axes, len(seed_list), origins)
    workers = worker_processes(workers, points)
    for point in points:
        budget.check(point, runner.network_layers(point), len(seed_list), processes=workers)
    if plan is not None:
        table = shards.plan(points, len(seed_list), plan, runner.network_layers)
        if as_json:
            print_json(table)
        else:
            show(report.plan_table(table))
        return
    results_file = ResultsFile(out) if out is not None else None
    if keep_curves and (out is None or out.suffix.lower() != ".jsonl"):
        reason = "it needs --out FILE.jsonl" if out is None else "a .csv file has no column for a curve: use .jsonl"
        fail(f"Invalid value for --keep-curves: {reason}")
    plot_file = checked_plot(plot_file)
    merged: dict = {}
    if shard is not None:
        points = shards.split(points, len(seed_list), shard.count, runner.network_layers)[shard.index]
        if results_file is not None:
            merged = results_file.peek()  # runs already merged are not trained again
            out = shards.shard_path(results_file.path, shard)
            shards.make_folder(out)
            sweep_plan.settle(results_file.path, sweep_plan.Plan(shard.count, seed_list, plan_axes, list(INVOKED)))
            results_file = ResultsFile(out)
    recorded = {**merged, **(results_file.open() if results_file else {})}  # the last check: it may create the file

    total = len(points) * len(seed_list)
    with results_file or contextlib.nullcontext(), progress.display(mode, stderr) as display:
        bar = display.add_task("sweep", total=total, status="runs")
        varying = report.varying_axes([point.to_dict() for point in points])

        def on_phase(phase: str, point: config.Experiment) -> None:
            display.update(bar, description=f"sweep: {report.setting_label(point.to_dict(), varying)} ({phase})")

        try:
            outcome = sweep.run(
                points,
                seed_list,
                results_file,
                recorded,
                on_runs=lambda n: display.advance(bar, n),
                on_phase=on_phase,
                workers=workers,
                keep_curves=keep_curves,
            )
        except ResultsWriteError as error:
            fail(str(error), code=1)
        except KeyboardInterrupt as error:
            if out is None:
                raise
            signum = stopping_signal(error)
            print(
                f"{stopped_word(signum)}. {out} keeps every finished run; the same command resumes from there.",
                file=sys.stderr,
            )
            sys.exit(128 + signum)

    summary = rows.aggregate(outcome.rows)
    if plot_file is not None and not outcome.curves:
        print(
            f"Nothing was trained now and no curves were kept (sweep --keep-curves), so {plot_file} was not written.",
            file=sys.stderr,
        )
    elif plot_file is not None:
        varying = report.varying_axes([point.to_dict() for point, _ in outcome.curves])
        curves = {report.setting_label(point.to_dict(), varying): curve for point, curve in outcome.curves}
        drawn = (
            f"{len(outcome.curves)} of {len(points)} settings" if len(outcome.curves) < len(points) else "every setting"
        )
        save_plot(plot_file, curves, f"sweep of {total} runs: median loss over seeds, {drawn}")
    if as_json:
        extra = {"trained": outcome.trained, "skipped": outcome.skipped, "out": str(out) if out else None}
        print_json(
            rows.document(
                outcome.rows if per_seed else None, summary=summary, **extra, timings={"wall_seconds": wall_seconds()}
            )
        )
        return
    show(report.sweep_table(summary, runs=total))
    if results_file is not None:
        print(f"{out}: {outcome.trained} runs added, {outcome.skipped} skipped as already recorded")


EXPLAIN_TOPICS = ("timedistributed", "vanishing")
VANISHING_LENGTH = 20  # long enough for the gradients to part ways


# Typer keeps the line breaks of a help paragraph after the first: each of those is one line here.
@app.command("explain", cls=Command)
def explain_command(
    topic: Annotated[str, typer.Argument(metavar="TOPIC", help="timedistributed or vanishing")],
    length: Annotated[
        int | None,
        setting_option(
            "length",
            help_text=f"Steps in the sequence (default 5 for timedistributed, {VANISHING_LENGTH} for vanishing).",
        ),
    ] = None,
    neurons: Annotated[
        int | None, setting_option("neurons", help_text="Units of each network (default the length).")
    ] = None,
    epochs: Annotated[
        int | None,
        setting_option("epochs", help_text="Training epochs of each network (default 1000, many-to-many's)."),
    ] = None,
    seed: Annotated[int | None, setting_option("seed", help_text="Seed of the initial weights (default 0).")] = None,
    plot_file: Annotated[
        Path | None,
        typer.Option(
            "--plot", metavar="FILE.png", help="vanishing: draw the gradients against the lag (.png, .svg or .pdf)."
        ),
    ] = None,
    as_json: Json = False,
):
    """Answer a question about the architectures by computing it: timedistributed or vanishing.

    timedistributed: trains many-to-many once and runs its weights through TimeDistributed(Dense) and a plain Dense, to show they are the same layer (same parameters, same outputs).

    vanishing: trains a SimpleRNN, a GRU and an LSTM many-to-many and measures how the last output's gradient fades with the lag, before and after training.
    """
    topic = topic.lower()
    if topic not in EXPLAIN_TOPICS:
        fail(f"Invalid value for TOPIC: {config.shown(topic)} (must be one of {', '.join(EXPLAIN_TOPICS)})")
    options = given({"length": length, "neurons": neurons, "epochs": epochs, "seed": seed})
    if topic == "vanishing":
        options.setdefault("length", VANISHING_LENGTH)
    # vanishing trains one network per cell; timedistributed one LSTM network.
    cells_trained = ("simple", "gru", "lstm") if topic == "vanishing" else ("lstm",)
    trained = [checked_experiment({**options, "architecture": "many-to-many", "cell": c}, {}) for c in cells_trained]
    if topic == "vanishing":  # each cell's gradients are a row of its connectivity
        for experiment in trained:
            budget.check_connectivity(experiment, runner.network_layers(experiment), 1)
    e = trained[-1]
    if plot_file is not None and topic != "vanishing":
        fail(f"Invalid value for --plot: {config.shown(str(plot_file))} (only explain vanishing draws a plot)")
    plot_file = checked_plot(plot_file)
    from lstm_echo import explain  # builds networks and trains them: TensorFlow

    if topic == "timedistributed":
        answer = explain.timedistributed(length=e.length, neurons=e.neurons, epochs=e.epochs, seed=e.seed)
    else:
        answer = explain.vanishing(length=e.length, neurons=e.neurons, epochs=e.epochs, seed=e.seed)
        if plot_file is not None:
            series = {
                f"{cell} {phase}": (list(range(e.length)), values[phase])
                for cell, values in answer["cells"].items()
                for phase in ("initial", "trained")
            }
            title = (
                f"How far back the last output's gradient reaches: length {e.length}, neurons {e.neurons}, "
                f"{e.epochs} epochs, seed {e.seed} (dashed: before training)"
            )
            plot.save_lines(plot_file, series, title, "lag (steps back from the last)", "|d y_last / d x|", log=True)
            saved_picture(plot_file)
    if as_json:
        print_json(answer)
        return
    show(report.timedistributed_report(answer) if topic == "timedistributed" else report.vanishing_report(answer))


def warn_off_grid(texts: list[str], inputs: np.ndarray, experiment: config.Experiment) -> None:
    """Values a model trained on random sequences never saw: a warning, since seeing it fail there is a lesson too."""
    unseen = saved_model.off_grid(inputs) if experiment.sequences is not None else []
    if unseen:
        print(
            f"Warning: {', '.join(texts[i] for i in unseen)} not on the grid 0.0, 0.1, ..., 0.9 the model was trained on",
            file=sys.stderr,
        )


SEQUENCE_DEFAULT = "the training sequence, or the first held-out one with --sequences"


@app.command("inspect", cls=Command)
@with_setting_options()
def inspect_command(
    target: Annotated[
        str | None,
        typer.Argument(
            metavar="ARCH|MODEL.keras",
            help="An architecture to train as `run` does, or a model saved by run --save-model.",
        ),
    ] = None,
    settings: SettingOptions = NO_OPTIONS,
    sequence_text: Annotated[
        str | None,
        typer.Option(
            "--input",
            metavar="VALUES",
            help=f"The sequence to look at, separated by commas or spaces (default: {SEQUENCE_DEFAULT}).",
        ),
    ] = None,
    with_connectivity: Connectivity = False,
    config_file: ConfigFile = None,
    plot_file: Annotated[
        Path | None,
        typer.Option(
            "--plot", metavar="FILE.png", help="Draw the heatmaps (.png, .svg or .pdf; needs the plot extra)."
        ),
    ] = None,
    as_json: Json = False,
    quiet: Quiet = False,
    progress_mode: ProgressMode = "auto",
):
    """Look inside a trained network: every step's gates and memory, and which input each output used."""
    mode = "none" if quiet else progress_mode
    model = Path(target) if target is not None and saved_model.is_model_name(Path(target)) else None
    seed_list: list[int]
    if model is not None:
        typed = {**given(settings), **({"config": config_file} if config_file is not None else {})}
        if typed:
            name, value = next(iter(typed.items()))
            option = f"--{name.replace('_', '-')}"
            fail(
                f"Invalid value for {option}: {config.shown(str(value))} ({model} is trained already; its settings come from it)"
            )
        experiment = saved_model.metadata(model)["experiment"]
        seed_list = [experiment.seed]
    else:
        architecture = setting_parser("architecture")(target) if target is not None else None
        flags, seeds_given, origins = gather_settings(config_file, {"architecture": architecture, **settings})
        experiment = checked_experiment(flags, origins, models=len(seeds_given) if seeds_given else 1)
        seed_list = seeds_given or [experiment.seed]
    if sequence_text is not None:
        taker = str(model) if model is not None else f"--length {experiment.length}"
        texts = sequence_text.replace(",", " ").split()
        sequence = saved_model.parse_values(texts, experiment.length, "--input", taker)
        warn_off_grid(texts, sequence, experiment)
    else:
        sequence = inspection.default_sequence(experiment)
    if with_connectivity:
        budget.check_connectivity(experiment, runner.network_layers(experiment), len(seed_list))
    plot_file = checked_plot(plot_file)
    arch = architectures.get(experiment.architecture)
    if not inspection.carries_memory(arch, experiment):
        print(f"Note: {heatmaps.memory_note(arch.name)}.", file=sys.stderr)

    if model is not None:
        weights, shown = [saved_model.weights(model, experiment, runner.network_layers(experiment))], 0
    else:
        if not as_json:
            layer_table = runner.layer_rows(runner.network_layers(experiment))
            summary = report.model_summary(
                report.settings_title(experiment, seed_list if len(seed_list) > 1 else None),
                layer_table,
                report.data_line(arch, experiment),
            )
            show(summary)
        with progress.display(mode, stderr) as display:
            results = runner.run_seeds(experiment, seed_list, **training_reporter(display, "", experiment))
        best = runner.best(results)
        if not np.isfinite(best.final_loss):
            fail("training diverged: the loss stopped being a number; try a smaller --learning-rate", code=1)
        weights, shown = [r.weights for r in results], results.index(best)
    answer = inspection.inspect(experiment, weights, seed_list, shown, sequence, with_connectivity)
    if model is not None:
        answer["model"] = str(model)
    if plot_file is not None:
        title = f"{experiment.architecture} on {experiment.task}, seed {answer['settings']['seed']}"
        try:
            plot.save_heatmaps(plot_file, heatmaps.plot_panels(answer), title)
            saved_picture(plot_file)
        except OSError as error:
            fail(f"could not write {plot_file}: {error.strerror or error}", code=1)
    if as_json:
        print_json(answer)
        return
    show(heatmaps.inspect_report(answer))


@app.command(cls=Command)
def params(
    names: Archs = None,
    length: Length = None,
    neurons: Neurons = None,
    cell: Cell = None,
    layers: Layers = None,
    as_json: Json = False,
):
    """Show the parameter arithmetic of every layer, with these numbers filled in."""
    values = {**config.DEFAULTS, **given({"length": length, "neurons": neurons, "cell": cell, "layers": layers})}
    kind, depth = CELLS[values["cell"].lower()], values["layers"]
    chosen = chosen_architectures(names)
    steps = values["length"]
    units = values.get("neurons", steps)
    if as_json:
        print_json([report.params_json(arch, steps, units, kind, depth) for arch in chosen])
        return
    for arch in chosen:
        show(report.params_table(arch, steps, units, kind, depth))
    show(report.params_notes(kind))


@app.command("architectures", cls=Command)
def list_architectures(
    length: Length = None,
    as_json: Json = False,
):
    """List the architectures with their aliases, data shapes, layers and defaults."""
    steps = cast(int, config.DEFAULTS["length"]) if length is None else length
    descriptions = [report.describe(arch, steps) for arch in architectures.REGISTRY]
    if as_json:
        print_json(descriptions)
        return
    show(report.architectures_table(descriptions, steps))


@app.command(cls=Command, context_settings={"ignore_unknown_options": True})
def predict(
    model: Annotated[Path, typer.Argument(metavar="MODEL", help="A FILE.keras written by run --save-model.")],
    values: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="VALUES...",
            help="The input sequence, one value per step, separated by spaces or commas (0.0 to 0.9 for a model "
            "trained on --sequences).",
        ),
    ] = None,
    as_json: Json = False,
):
    """Run a saved model on a sequence you type; it knows its architecture, task and length."""
    experiment = saved_model.metadata(model)["experiment"]
    texts = " ".join(values or []).replace(",", " ").split()
    inputs = saved_model.parse_values(texts, experiment.length)
    warn_off_grid(texts, inputs, experiment)
    targets, predictions = saved_model.predict(model, experiment, runner.network_layers(experiment), inputs)
    verdict = judge(targets, predictions, runner.trained_tolerance(experiment))
    if as_json:
        print_json(
            {
                "model": str(model),
                **{name: getattr(experiment, name) for name in ("architecture", "task", "cell", "length", "seed")},
                "inputs": [rows.float32_value(v) for v in inputs],
                "expected": [rows.float32_value(v) for v in targets],
                "predictions": [rows.float32_value(v) for v in predictions],
                "learned": verdict.learned,
                "steps_correct": verdict.steps_correct,
                "tolerance": verdict.tolerance,
            }
        )
        return
    show(report.predict_report(model, experiment, inputs, targets, predictions, verdict))


@app.command("report", cls=Command)
def report_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILES...", help="Results files (.jsonl or .csv).")],
    by: Annotated[
        str | None,
        typer.Option(
            "--by", metavar="SETTINGS", help="Group by these settings: length,neurons (default: all but seed)."
        ),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", metavar="SETTING=VALUES", help="Keep only these runs: architecture=m2m, length=5-10."),
    ] = None,
    plot_file: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            metavar="FILE.png",
            help="Draw the share of runs that learned against the first --by (.png, .svg or .pdf).",
        ),
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the rows as CSV on stdout.")] = False,
    as_json: Json = False,
):
    """Summarize results files as sweep does, without TensorFlow and without training."""
    groups = results_summary.parse_by(by)
    accepted = results_summary.parse_where(where or [])
    plot_file = checked_plot(plot_file)
    table, read, described = results_summary.summarize(files, groups, accepted)
    if plot_file is not None:
        series: dict[str, list[tuple]] = {}
        for row in table:
            label = ", ".join(f"{name} {row[name]}" for name in groups[1:])
            series.setdefault(label, []).append((row[groups[0]], row["runs_learned"], row["runs"]))
        title = report.report_plot_title(described, read, len(files))
        plot.save_rates(plot_file, series, title, groups[0])
        saved_picture(plot_file)
    if as_json:
        print_json({"summary": table, "runs": read})
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(table[0]) if table else groups, lineterminator="\n")
        writer.writeheader()
        writer.writerows({name: report.spreadsheet_safe(value) for name, value in row.items()} for row in table)
    else:
        show(report.sweep_table(table, runs=sum(row["runs"] for row in table)))


@app.command("merge", cls=Command)
def merge_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILES...", help="Results files (.jsonl or .csv) to merge.")],
    into: Annotated[
        Path, typer.Option("--into", metavar="FILE", help="The merged file (.jsonl or .csv); its own runs are kept.")
    ],
    as_json: Json = False,
):
    """Merge results files (a sweep's shards, say) into one: whole or not at all, each run once; with the plan
    a sharded sweep leaves beside its shards, say which shards are missing runs (exit 3)."""
    found = sweep_plan.find(files)  # a plan that is not one is refused before anything is written
    merged = merge.merge(files, into, found[1].keys() if found else ())
    for run in merged.conflicts[:CONFLICTS_SHOWN]:
        settings = ", ".join(f"{name} {value}" for name, value in zip(rows.SETTING_COLUMNS, run) if value is not None)
        fields = ", ".join(merged.differing.get(run, [])) or "results"
        print(f"Conflict: {settings}: the files disagree on {fields}; the first kept", file=sys.stderr)
    if len(merged.versions) > 1:
        made = "; ".join(f"lstm-echo {a}, TensorFlow {b}, Keras {c}" for a, b, c in sorted(merged.versions))
        print(f"Warning: the runs were made by different versions: {made}", file=sys.stderr)
    plan = found[1] if found else None
    gaps = sweep_plan.missing(plan.shard_keys(), lambda key: merge.digest(key) in merged.keys) if plan else {}
    if as_json:
        conflicts = [
            {**dict(zip(rows.SETTING_COLUMNS, run)), "differing": merged.differing.get(run, [])}
            for run in merged.conflicts
        ]
        document = {"into": str(into), "runs": merged.runs, "duplicates": merged.duplicates, "conflicts": conflicts}
        if plan:
            document["missing"] = [{"shard": k, "runs": len(keys)} for k, keys in gaps.items()]
        print_json(document)
    else:
        print(
            f"{into}: {report.plural(merged.runs, 'run')} from {report.plural(len(files), 'file')}; "
            f"{merged.duplicates} duplicates dropped, {len(merged.conflicts)} conflicts (the first kept)"
        )
    if plan and gaps:
        say_missing(plan, gaps)
        raise typer.Exit(INCOMPLETE)


def say_missing(plan: sweep_plan.Plan, gaps: dict[int, list[tuple]]) -> None:
    """On stderr: which shards miss how many runs, and the commands that re-run them."""
    runs = sum(map(len, gaps.values()))
    verb = "misses" if len(gaps) == 1 else "miss"
    print(
        f"Incomplete: {report.plural(len(gaps), 'shard')} of {plan.shards} {verb} {report.plural(runs, 'run')} "
        f"(shard {','.join(map(str, gaps))}). Re-run, then merge again:",
        file=sys.stderr,
    )
    for line in plan.rerun_lines(list(gaps)):
        print(f"  {line}", file=sys.stderr)


@app.command("status", cls=Command)
def status_command(
    out: Annotated[Path, typer.Argument(metavar="FILE", help="The --out of a sharded sweep (runs.jsonl).")],
    as_json: Json = False,
):
    """Per shard of a sharded sweep: runs planned, recorded and missing, from its plan and files (exit 3: some missing)."""
    path = sweep_plan.path_for(out)
    if not path.exists():
        fail(f"Invalid value for FILE: {config.shown(str(out))} (no {path}: was it swept with --shard K/N --out FILE?)")
    plan = sweep_plan.read(path)
    recorded: set[tuple] = set()
    files = [out] if out.exists() else []
    files += sorted(path.parent.glob(f"*-of-{plan.shards}{out.suffix}"))
    for file in files:
        recorded |= ResultsFile(file, "FILE").peek().keys()
    planned = plan.shard_keys()
    gaps = sweep_plan.missing(planned, recorded.__contains__)
    table = [
        {
            "shard": k,
            "planned": len(keys),
            "recorded": len(keys) - len(gaps.get(k, [])),
            "missing": len(gaps.get(k, [])),
        }
        for k, keys in enumerate(planned)
    ]
    if as_json:
        print_json({"plan": str(path), "files": [str(f) for f in files], "shards": table})
    else:
        show(report.status_table(table, plan.shards, len(files)))
    if gaps:
        say_missing(plan, gaps)
        raise typer.Exit(INCOMPLETE)


CONFLICTS_SHOWN = 10  # on stderr; --json lists them all


@app.command("cache", cls=Command)
def cache_command(
    clear: Annotated[bool, typer.Option("--clear", help="Remove the cached programs, compiled and traced.")] = False,
    as_json: Json = False,
):
    """Show (or clear) the compile cache, where trained shapes' programs (traced and XLA-compiled) are kept between runs."""
    folder = compile_cache.directory()
    problem = compile_cache.trust_problem(folder)
    if clear and problem:
        fail(
            f"Invalid value for LSTM_ECHO_CACHE_DIR: {config.shown(str(folder))} ({problem}; lstm-echo clears only a folder it can trust)"
        )
    removed = compile_cache.clear(folder) if clear else 0
    state = {
        "directory": None if folder is None else str(folder),
        "trusted": problem is None,
        "programs": len(compile_cache.compiled(folder)),
        "traced": len(compile_cache.traced(folder)),
        "bytes": compile_cache.size(folder),
        **({"removed": removed} if clear else {}),
    }
    if as_json:
        print_json(state)
        return
    show(report.cache_text(state, problem))


SIGPIPE_EXIT = 128 + 13  # what a shell reports for a process ended by SIGPIPE


def main():
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    # A terminal or log that cannot show ×, ² or █ gets a stand-in, not a traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        try:
            app()
        finally:
            sys.stdout.flush()
    except (OutputFailed, OSError) as failure:
        error = failure.args[0] if isinstance(failure, OutputFailed) else failure
        if not isinstance(error, OSError) or error.errno not in OUTPUT_ERRORS:
            raise
        # Keep Python from failing again when it flushes stdout on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if error.errno == errno.EPIPE:
            sys.exit(SIGPIPE_EXIT)  # the reader left (`| head`): stop quietly, as Unix tools do
        print(f"Error: could not write the output: {error.strerror}", file=sys.stderr)
        sys.exit(1)
