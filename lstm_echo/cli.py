"""The `lstm-echo` command: parse, validate, call, render.

Importing this module must stay light: TensorFlow loads only inside `run`,
through the runner, so `--help`, `params` and `architectures` answer at once.
"""

import json
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from lstm_echo import architectures, config, report


# BadParameter derives from the usage error class that Typer's parser raises for
# every bad command line (whether Typer bundles click or depends on it).
UsageError = typer.BadParameter.__base__


class OneLineErrors(TyperGroup):
    """Usage errors as one line on stderr with exit code 2; Ctrl-C exits 130."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except UsageError as error:
            fail(error.format_message())
        except (typer.Abort, KeyboardInterrupt):
            print("Interrupted.", file=sys.stderr)
            sys.exit(130)
        sys.exit(code or 0)


app = typer.Typer(
    cls=OneLineErrors,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Train and compare the ways an LSTM can be framed to echo the sequence 0.0, 0.2, 0.4, ...",
)
stdout = Console()
stderr = Console(stderr=True)
INT, FLOAT = "INTEGER", "FLOAT"


def fail(message: str, code: int = 2):
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(code)


def framing_or_fail(name: str):
    return architectures.get(parse_options({"architecture": name})["architecture"])


def print_json(document) -> None:
    """One line, so that a shell loop's output is JSON Lines."""
    print(json.dumps(document, ensure_ascii=False))


def progress_bar(enabled: bool) -> Progress:
    return Progress(
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("epochs  loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not enabled,
    )


def parse_options(flags: dict) -> dict:
    """Typed values of the options given on the command line; None ones are left out."""
    try:
        return {name: config.parse_option(name, text) for name, text in flags.items() if text is not None}
    except config.ConfigError as error:
        fail(str(error))


@app.command()
def run(
    architecture: Optional[str] = typer.Argument(None, metavar="ARCH", help="one-to-one (o2o), many-to-one (m2o) or many-to-many (m2m)"),
    length: Optional[str] = typer.Option(None, metavar=INT, help="Steps in the echo sequence (default 5)."),
    neurons: Optional[str] = typer.Option(None, metavar=INT, help="LSTM units (default: the length)."),
    epochs: Optional[str] = typer.Option(None, metavar=INT, help="Training epochs (default: the framing's)."),
    batch_size: Optional[str] = typer.Option(None, metavar=INT, help="Samples per update (default: the framing's)."),
    learning_rate: Optional[str] = typer.Option(None, metavar=FLOAT, help="Adam's learning rate (default 0.001)."),
    seed: Optional[str] = typer.Option(None, metavar=INT, help="Seed of the initial weights and shuffling (default 0)."),
    seeds: Optional[str] = typer.Option(None, metavar="SEEDS", help="Train once per seed, all together: 10 (0..9), 3,7,11 or 0-19."),
    per_seed: bool = typer.Option(False, "--per-seed", help="With --seeds: a row per seed (and loss histories in JSON)."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="TOML file of settings; options override it."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout and nothing else."),
):
    """Train one framing on the echo sequence and show what it learned."""
    given = parse_options({
        "architecture": architecture, "length": length, "neurons": neurons, "epochs": epochs,
        "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed, "seeds": seeds,
    })
    if "seed" in given and "seeds" in given:
        fail(f"Invalid value for --seeds: {seeds!r} (give either --seed or --seeds, not both)")
    try:
        settings = config.load(config_file) if config_file is not None else {}
        if "seed" in given:
            settings.pop("seeds", None)  # a seed on the command line overrides the file's seeds
        settings.update(given)
        seed_list = settings.pop("seeds", None)
        experiment = config.resolve(settings)
    except config.ConfigError as error:
        fail(str(error))

    from lstm_echo import runner

    if not as_json:
        e = experiment
        seeds_text = f"seeds {seeds_label(seed_list)}" if seed_list else f"seed {e.seed}"
        title = f"{e.architecture}: length {e.length}, neurons {e.neurons}, epochs {e.epochs}, batch {e.batch_size}, {seeds_text}"
        framing = architectures.get(e.architecture)
        stdout.print(report.model_summary(title, runner.layer_rows(framing.layers(e.length, e.neurons))))

    with progress_bar(enabled=not as_json and stderr.is_terminal) as progress:
        models = len(seed_list) if seed_list else 1
        task = progress.add_task("training", total=experiment.epochs, loss="-")

        def on_progress(done, total, losses):
            label = f"{float(np.median(losses)):.3g}" + (f" (median of {models})" if models > 1 else "")
            progress.update(task, completed=done, loss=label)

        if seed_list:
            results = runner.run_seeds(experiment, seed_list, on_progress=on_progress)
        else:
            try:
                result = runner.run(experiment, on_progress=on_progress)
            except runner.TrainingDiverged as error:
                fail(f"training diverged: {error}", code=1)

    if seed_list:
        if as_json:
            print_json(report.seeds_json(results, with_history=per_seed))
            return
        if per_seed:
            stdout.print(report.seeds_table(results))
        stdout.print(report.seeds_summary(results))
        return
    if as_json:
        print_json(report.run_json(result))
        return
    stdout.print(report.predictions_table(result))
    stdout.print(report.verdict_line(result))


def seeds_label(seed_list: list[int]) -> str:
    """`0-19` for a run of consecutive seeds, else the list."""
    if seed_list == list(range(seed_list[0], seed_list[0] + len(seed_list))) and len(seed_list) > 2:
        return f"{seed_list[0]}-{seed_list[-1]}"
    return ",".join(map(str, seed_list))


@app.command()
def params(
    names: Optional[list[str]] = typer.Argument(None, metavar="[ARCH]...", help="Framings to show (default: all)."),
    length: str = typer.Option("5", metavar=INT, help="Steps in the echo sequence."),
    neurons: Optional[str] = typer.Option(None, metavar=INT, help="LSTM units (default: the length)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout and nothing else."),
):
    """Show the parameter arithmetic of every layer, with these numbers filled in."""
    given = parse_options({"length": length, "neurons": neurons})
    length = given["length"]
    framings = [framing_or_fail(name) for name in names] if names else list(architectures.REGISTRY)
    units = given.get("neurons", length)
    if as_json:
        print_json([report.params_json(framing, length, units) for framing in framings])
        return
    for framing in framings:
        stdout.print(report.params_table(framing, length, units))
    stdout.print("LSTM: 4 gates × (a weight per input + a bias + a weight per unit), per unit.")
    stdout.print("Dense: a weight per input + a bias, per output.")
    stdout.print("TimeDistributed applies one Dense at every step: no weights of its own.")


@app.command("architectures")
def list_architectures(
    length: str = typer.Option("5", metavar=INT, help="Sequence length the shapes are shown at."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout and nothing else."),
):
    """List the framings with their aliases, data shapes, layers and defaults."""
    length = parse_options({"length": length})["length"]
    descriptions = [report.describe(framing, length) for framing in architectures.REGISTRY]
    if as_json:
        print_json(descriptions)
        return
    stdout.print(report.architectures_table(descriptions, length))


def main():
    app()
