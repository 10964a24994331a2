"""`lstm-echo run ARCH`: train one architecture and show its model, predictions and verdict."""

import typer

from lstm_echo import api, architectures, hints, runner
from lstm_echo.api.outcomes import loss_plot
from lstm_echo.api.settings import checked_experiment, gather
from lstm_echo.backend import saved_model
from lstm_echo.cli import console
from lstm_echo.cli.app import NOT_ECHOED, wall_seconds
from lstm_echo.cli.console import fail, print_json, show
from lstm_echo.cli.options import (
    NO_OPTIONS,
    Arch,
    ConfigFile,
    Json,
    NoHint,
    PerSeed,
    Plot,
    ProgressMode,
    Quiet,
    RequireEcho,
    SaveModel,
    SettingOptions,
    checked_plot,
    with_setting_options,
)
from lstm_echo.cli.training import save_best, save_figure, training_reporter
from lstm_echo.rendering import progress, report
from lstm_echo.results import rows


@with_setting_options()
def command(
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
    settings, seed_list, origins = gather(config_file, {"architecture": architecture, **settings})
    experiment = checked_experiment(settings, origins, models=len(seed_list) if seed_list else 1)
    plot_file = checked_plot(plot_file)
    save_target = saved_model.check_path(save_model) if save_model is not None else None

    if not as_json:
        layer_table = runner.layer_rows(runner.network_layers(experiment))
        arch = architectures.get(experiment.architecture)
        data = report.data_line(arch, experiment)
        show(report.model_summary(report.settings_title(experiment, seed_list), layer_table, data))

    with progress.display(mode, console.stderr()) as display:
        callbacks = {**training_reporter(display, "", experiment), "test_curve": plot_file is not None}
        try:
            results = api.train(experiment, seed_list, **callbacks).results
        except runner.TrainingDiverged as error:
            fail(f"training diverged: {error}", code=1)

    trained_seconds = wall_seconds()
    hint = None
    if not seed_list and not as_json and not no_hint and not results[0].verdict.learned:
        with progress.display(mode, console.stderr()) as display:
            hint = hints.check(
                results[0], lambda e, option: runner.run(e, **training_reporter(display, f"hint: trying {option}", e))
            )
    if plot_file is not None:
        save_figure(plot_file, loss_plot(results, report.settings_title(experiment, seed_list), bool(seed_list)))
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
