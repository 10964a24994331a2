"""`lstm-echo status FILE`: per shard of a sharded sweep, the runs planned, recorded and missing."""

from pathlib import Path
from typing import Annotated

import typer

from lstm_echo import (
    api,
)
from lstm_echo.cli.app import INCOMPLETE
from lstm_echo.cli.console import print_json, show
from lstm_echo.cli.merge import say_missing
from lstm_echo.cli.options import Json


def command(
    out: Annotated[Path, typer.Argument(metavar="FILE", help="The --out of a sharded sweep (runs.jsonl).")],
    as_json: Json = False,
):
    """Per shard of a sharded sweep: runs planned, recorded and missing, from its plan and files (exit 3: some missing)."""
    found = api.status(out)
    if as_json:
        print_json({"plan": str(found.plan_path), "files": [str(f) for f in found.files], "shards": found.shards})
    else:
        show(found)
    if found.gaps:
        say_missing(found.plan, found.gaps)
        raise typer.Exit(INCOMPLETE)
