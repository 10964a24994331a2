"""`lstm-echo inspect ARCH|MODEL.keras`: the gates, memory and connectivity of a trained network."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from lstm_echo import api, architectures, inspection, runner
from lstm_echo.api.outcomes import Inspection
from lstm_echo.api.settings import given
from lstm_echo.cli import console
from lstm_echo.cli.console import fail, print_json, show
from lstm_echo.cli.options import (
    NO_OPTIONS,
    ConfigFile,
    Connectivity,
    Json,
    ProgressMode,
    Quiet,
    SettingOptions,
    checked_plot,
    setting_parser,
    with_setting_options,
)
from lstm_echo.cli.predict import warn_off_grid
from lstm_echo.cli.training import save_figure, training_reporter
from lstm_echo.rendering import heatmaps, progress, report

SEQUENCE_DEFAULT = "the training sequence, or the first held-out one with --sequences"


@with_setting_options()
def command(
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
    model = api.model_path(target)
    if model is None and target is not None:
        settings = {**settings, "architecture": setting_parser("architecture")(target)}
    plan = api.inspect_plan(model, given(settings), sequence_text, with_connectivity, config_file, "--input")
    experiment, seed_list = plan.experiment, plan.seed_list
    if plan.texts is not None:
        warn_off_grid(plan.texts, plan.sequence, experiment)
    plot_file = checked_plot(plot_file)
    arch = architectures.get(experiment.architecture)
    if not inspection.carries_memory(arch, experiment):
        print(f"Note: {heatmaps.memory_note(arch.name)}.", file=sys.stderr)

    if model is None and not as_json:
        layer_table = runner.layer_rows(runner.network_layers(experiment))
        summary = report.model_summary(
            report.settings_title(experiment, seed_list if len(seed_list) > 1 else None),
            layer_table,
            report.data_line(arch, experiment),
        )
        show(summary)
    with progress.display(mode, console.stderr()) as display:
        try:
            callbacks = training_reporter(display, "", experiment) if model is None else {}
            answer = api.inspect_trained(plan, **callbacks)
        except runner.TrainingDiverged as error:
            fail(f"training diverged: {error}", code=1)
    inspected = Inspection(answer)
    if plot_file is not None:
        save_figure(plot_file, inspected.plot())
    if as_json:
        print_json(answer)
        return
    show(inspected)
