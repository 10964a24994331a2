"""`lstm-echo explain TOPIC`: a question about the architectures, answered by training and measuring."""

from pathlib import Path
from typing import Annotated

import typer

from lstm_echo import (
    config,
)
from lstm_echo.api.settings import given
from lstm_echo.api.tools import VANISHING_LENGTH, explain_experiments, explain_trained
from lstm_echo.cli.console import print_json, show
from lstm_echo.cli.options import Json, checked_plot, setting_option
from lstm_echo.cli.training import save_figure


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
    options = given({"length": length, "neurons": neurons, "epochs": epochs, "seed": seed})
    e = explain_experiments(topic, options)[-1]
    if plot_file is not None and topic != "vanishing":
        raise config.bad_value("--plot", config.shown(str(plot_file)), "only explain vanishing draws a plot")
    plot_file = checked_plot(plot_file)
    answer = explain_trained(topic, e)
    if plot_file is not None:
        save_figure(plot_file, answer.plot())
    if as_json:
        print_json(answer.answer)
        return
    show(answer)
