"""`lstm-echo status FILE`: per shard of a sharded sweep, the runs planned, recorded and missing."""

from pathlib import Path
from typing import Annotated

import typer

from lstm_echo import (
    config,
    report,
    sweep_plan,
)
from lstm_echo.cli.app import INCOMPLETE
from lstm_echo.cli.console import fail, print_json, show
from lstm_echo.cli.merge import say_missing
from lstm_echo.cli.options import Json
from lstm_echo.results_file import ResultsFile


def command(
    out: Annotated[Path, typer.Argument(metavar="FILE", help="The --out of a sharded sweep (runs.jsonl).")],
    as_json: Json = False,
):
    """Per shard of a sharded sweep: runs planned, recorded and missing, from its plan and files (exit 3: some missing)."""
    path = sweep_plan.path_for(out)
    if not path.exists():
        fail(f"Invalid value for FILE: {config.shown(str(out))} (no {path}: was it swept with --shard K/N --out FILE?)")
    plan = sweep_plan.read(path)
    recorded: set[tuple] = set()
    files = [out] if out.exists() else []
    files += sorted(path.parent.glob(f"*-of-{plan.shards}{out.suffix}"))
    for file in files:
        recorded |= ResultsFile(file, "FILE").peek().keys()
    planned = plan.shard_keys()
    gaps = sweep_plan.missing(planned, recorded.__contains__)
    table = [
        {
            "shard": k,
            "planned": len(keys),
            "recorded": len(keys) - len(gaps.get(k, [])),
            "missing": len(gaps.get(k, [])),
        }
        for k, keys in enumerate(planned)
    ]
    if as_json:
        print_json({"plan": str(path), "files": [str(f) for f in files], "shards": table})
    else:
        show(report.status_table(table, plan.shards, len(files)))
    if gaps:
        say_missing(plan, gaps)
        raise typer.Exit(INCOMPLETE)
