"""`lstm-echo compare [ARCH]...`: several architectures on the same settings, side by side."""

import typer

from lstm_echo import api, budget, inspection, runner
from lstm_echo.api.outcomes import median_plot
from lstm_echo.cli import console
from lstm_echo.cli.app import NOT_ECHOED, wall_seconds
from lstm_echo.cli.console import print_json, show
from lstm_echo.cli.options import (
    NO_OPTIONS,
    Archs,
    ConfigFile,
    Connectivity,
    Json,
    PerSeed,
    Plot,
    ProgressMode,
    Quiet,
    RequireEcho,
    SettingOptions,
    checked_plot,
    with_setting_options,
)
from lstm_echo.cli.training import save_figure, training_reporter
from lstm_echo.rendering import progress, report
from lstm_echo.results import rows


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


@with_setting_options()
def command(
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
    experiments, seed_list = api.compare_experiments(names, config_file, dict(settings))
    if with_connectivity:
        for e in experiments:
            budget.check_connectivity(e, runner.network_layers(e), len(seed_list))
    plot_file = checked_plot(plot_file)

    with progress.display(mode, console.stderr()) as display:
        outcomes = [
            api.train(
                e, seed_list, **training_reporter(display, e.architecture, e), test_curve=plot_file is not None
            ).results
            for e in experiments
        ]
    e = experiments[0]
    title = api.compare_title(experiments, seed_list)
    if plot_file is not None:
        save_figure(plot_file, median_plot(outcomes, title))
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
