"""`lstm-echo report FILES...`: results files summarized as a sweep does, without TensorFlow."""

import csv
import sys
from pathlib import Path
from typing import Annotated

import typer

from lstm_echo.api.results import Summary
from lstm_echo.cli.console import print_json, show
from lstm_echo.cli.options import Json, checked_plot
from lstm_echo.cli.training import save_figure
from lstm_echo.rendering import report
from lstm_echo.results import results_summary


def command(
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
        save_figure(plot_file, Summary(table, groups, read, described, len(files)).plot())
    if as_json:
        print_json({"summary": table, "runs": read})
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(table[0]) if table else groups, lineterminator="\n")
        writer.writeheader()
        writer.writerows({name: report.spreadsheet_safe(value) for name, value in row.items()} for row in table)
    else:
        show(report.sweep_table(table, runs=sum(row["runs"] for row in table)))
