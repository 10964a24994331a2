"""`lstm-echo merge FILES... --into FILE`: one results file from many, checked against a sweep's plan."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from lstm_echo import api
from lstm_echo.cli.app import INCOMPLETE
from lstm_echo.cli.console import print_json
from lstm_echo.cli.options import Json
from lstm_echo.rendering import report
from lstm_echo.results import rows, sweep_plan


def command(
    files: Annotated[list[Path], typer.Argument(metavar="FILES...", help="Results files (.jsonl or .csv) to merge.")],
    into: Annotated[
        Path, typer.Option("--into", metavar="FILE", help="The merged file (.jsonl or .csv); its own runs are kept.")
    ],
    as_json: Json = False,
):
    """Merge results files (a sweep's shards, say) into one: whole or not at all, each run once; with the plan
    a sharded sweep leaves beside its shards, say which shards are missing runs (exit 3)."""
    done = api.merge(files, into)
    merged = done.outcome
    for run in merged.conflicts[:CONFLICTS_SHOWN]:
        settings = ", ".join(f"{name} {value}" for name, value in zip(rows.SETTING_COLUMNS, run) if value is not None)
        fields = ", ".join(merged.differing.get(run, [])) or "results"
        print(f"Conflict: {settings}: the files disagree on {fields}; the first kept", file=sys.stderr)
    if len(merged.versions) > 1:
        made = "; ".join(f"lstm-echo {a}, TensorFlow {b}, Keras {c}" for a, b, c in sorted(merged.versions))
        print(f"Warning: the runs were made by different versions: {made}", file=sys.stderr)
    if as_json:
        conflicts = [
            {**dict(zip(rows.SETTING_COLUMNS, run)), "differing": merged.differing.get(run, [])}
            for run in merged.conflicts
        ]
        document = {"into": str(into), "runs": merged.runs, "duplicates": merged.duplicates, "conflicts": conflicts}
        if done.plan:
            document["missing"] = done.missing
        print_json(document)
    else:
        print(done.line)
    if done.plan and done.gaps:
        say_missing(done.plan, done.gaps)
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


CONFLICTS_SHOWN = 10  # on stderr; --json lists them all
