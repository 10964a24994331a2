"""`lstm-echo reproduce adding`: the LSTM paper's adding problem, trained to its stopping rule, its table beside ours."""

from pathlib import Path
from typing import Annotated, Any

import typer

from lstm_echo import api, reproduction
from lstm_echo.api import reproductions
from lstm_echo.cli import console
from lstm_echo.cli.app import wall_seconds
from lstm_echo.cli.console import print_json, show
from lstm_echo.cli.options import Json, ProgressMode, Quiet, checked_plot
from lstm_echo.cli.training import save_figure
from lstm_echo.rendering import progress

D = reproduction.DEFAULTS


def option(name: str, help_text: str, metavar: str) -> object:
    return typer.Option(name, help=help_text, metavar=metavar)


def command(
    problem: Annotated[str, typer.Argument(metavar="PROBLEM", help="The experiment: adding.")],
    length: Annotated[str, option("--length", "T, the shortest sequence.", "INTEGER")] = str(D.length),
    seeds: Annotated[str, option("--seeds", "Models, one per seed: a count (10), or 0-9, or 3,7.", "SEEDS")] = "10",
    cell: Annotated[
        str, option("--cell", "Cells, a row each: lstm, gru, simple, or several (lstm,gru,simple).", "LIST")
    ] = "lstm",
    neurons: Annotated[str, option("--neurons", "Units per cell (the paper: four cells).", "INTEGER")] = str(D.neurons),
    batch_size: Annotated[str, option("--batch-size", "Fresh sequences per update (the paper: 1).", "INTEGER")] = str(
        D.batch_size
    ),
    learning_rate: Annotated[str, option("--learning-rate", "Adam's learning rate.", "FLOAT")] = str(D.learning_rate),
    forget_bias: Annotated[
        str,
        option(
            "--forget-bias",
            "The LSTM forget gate's starting bias: open by default, as the paper's LSTM had no forget gate "
            "(Keras starts at 1).",
            "FLOAT",
        ),
    ] = str(D.forget_bias),
    max_sequences: Annotated[
        str, option("--max-sequences", "Training sequences a model may see before it counts as not stopped.", "INTEGER")
    ] = str(D.max_sequences),
    variant: Annotated[
        str,
        option("--variant", "paper (1997), or fixed: the later fixed-length version judged against always 1.", "NAME"),
    ] = D.variant,
    plot_file: Annotated[
        Path | None,
        typer.Option("--plot", metavar="FILE.png", help="Save the held-out error against sequences seen, per cell."),
    ] = None,
    memory_file: Annotated[
        Path | None,
        typer.Option(
            "--memory",
            metavar="FILE.png",
            help="Save how the first cell's first stopped seed holds X1 across the lag: a test sequence, each unit's memory.",
        ),
    ] = None,
    as_json: Json = False,
    quiet: Quiet = False,
    progress_mode: ProgressMode = "auto",
):
    """Reproduce the LSTM paper's adding problem: fresh sequences until each seed stops by the paper's rule."""
    plot_file, memory_file = checked_plot(plot_file), checked_plot(memory_file)
    values = dict(length=length, seeds=seeds, cell=cell, neurons=neurons, batch_size=batch_size)
    values |= dict(learning_rate=learning_rate, forget_bias=forget_bias, max_sequences=max_sequences, variant=variant)
    reproductions.check(problem, **values)  # every option, before TensorFlow starts
    with progress.display("none" if quiet else progress_mode, console.stderr()) as display:
        bars: dict[str, Any] = {}

        def on_progress(name: str, seen: int, budget: int, stopped) -> None:
            if name not in bars:
                bars[name] = display.add_task(f"{name}: training", total=budget, status="")
            display.update(bars[name], completed=seen, status=f"{int((stopped >= 0).sum())} of {len(stopped)} stopped")

        outcome = api.reproduce(problem, **values, curve=plot_file is not None, on_progress=on_progress)
    if plot_file is not None:
        save_figure(plot_file, outcome.plot())
    if memory_file is not None:
        save_figure(memory_file, outcome.memory_plot())
    if as_json:
        print_json({"runs": outcome.rows, "summary": outcome.summary, "timings": {"wall_seconds": wall_seconds()}})
        return
    for renderable in outcome.renderables():
        show(renderable)
