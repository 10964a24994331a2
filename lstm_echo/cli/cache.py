"""`lstm-echo cache`: the compile cache's folder and size, or --clear."""

from typing import Annotated

import typer

from lstm_echo import (
    compile_cache,
    config,
    report,
)
from lstm_echo.cli.console import fail, print_json, show
from lstm_echo.cli.options import Json


def command(
    clear: Annotated[bool, typer.Option("--clear", help="Remove the cached programs, compiled and traced.")] = False,
    as_json: Json = False,
):
    """Show (or clear) the compile cache, where trained shapes' programs (traced and XLA-compiled) are kept between runs."""
    folder = compile_cache.directory()
    problem = compile_cache.trust_problem(folder)
    if clear and problem:
        fail(
            f"Invalid value for LSTM_ECHO_CACHE_DIR: {config.shown(str(folder))} ({problem}; lstm-echo clears only a folder it can trust)"
        )
    removed = compile_cache.clear(folder) if clear else 0
    state = {
        "directory": None if folder is None else str(folder),
        "trusted": problem is None,
        "programs": len(compile_cache.compiled(folder)),
        "traced": len(compile_cache.traced(folder)),
        "bytes": compile_cache.size(folder),
        **({"removed": removed} if clear else {}),
    }
    if as_json:
        print_json(state)
        return
    show(report.cache_text(state, problem))
