"""`lstm-echo sweep`: every combination of the settings given, once per seed, recorded and resumable;
one shard of it with --shard, its split with --plan."""

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from lstm_echo import api, config, grid, runner, shards, sweep_runner
from lstm_echo.api.outcomes import settings_plot
from lstm_echo.api.settings import given, one_seed_option
from lstm_echo.cli import console
from lstm_echo.cli.app import INVOKED, interrupted, stopped_word, stopping_signal, wall_seconds
from lstm_echo.cli.console import fail, print_json, show
from lstm_echo.cli.options import (
    NO_OPTIONS,
    Json,
    Plot,
    ProgressMode,
    Quiet,
    SettingOptions,
    checked_plot,
    with_setting_options,
    worker_count,
    worker_processes,
)
from lstm_echo.cli.training import save_figure
from lstm_echo.rendering import progress, report
from lstm_echo.results import rows, sweep_plan
from lstm_echo.results.results_file import ResultsFile, ResultsWriteError


@with_setting_options(listed=True)
def command(
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
    options = given(flags)
    if "seed" in options:
        options["seed"] = [options["seed"]]  # a list, as every sweep setting (and a file's seed) is
    plan_axes, seed_list, points = api.sweep_grid(config_file, options)
    workers = worker_processes(workers, points)
    api.check_sweep_memory(points, seed_list, workers)
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
    with results_file or contextlib.nullcontext(), progress.display(mode, console.stderr()) as display:
        bar = display.add_task("sweep", total=total, status="runs")
        varying = report.varying_axes([point.to_dict() for point in points])

        def on_phase(phase: str, point: config.Experiment) -> None:
            display.update(bar, description=f"sweep: {report.setting_label(point.to_dict(), varying)} ({phase})")

        try:
            outcome = sweep_runner.run(
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
        except (KeyboardInterrupt, Exception) as error:
            if out is None or not interrupted(error):
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
        drawn = (
            f"{len(outcome.curves)} of {len(points)} settings" if len(outcome.curves) < len(points) else "every setting"
        )
        save_figure(plot_file, settings_plot(outcome.curves, f"sweep of {total} runs: median loss over seeds, {drawn}"))
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
