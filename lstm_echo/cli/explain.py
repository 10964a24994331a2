"""`lstm-echo explain TOPIC`: a question about the architectures, answered by training and measuring."""

from pathlib import Path
from typing import Annotated

import typer

from lstm_echo import (
    budget,
    config,
    plot,
    report,
    runner,
)
from lstm_echo.api.settings import checked_experiment, given
from lstm_echo.cli.console import fail, print_json, saved_picture, show
from lstm_echo.cli.options import Json, checked_plot, setting_option

EXPLAIN_TOPICS = ("timedistributed", "vanishing")
VANISHING_LENGTH = 20  # long enough for the gradients to part ways


# Typer keeps the line breaks of a help paragraph after the first: each of those is one line here.
def command(
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
