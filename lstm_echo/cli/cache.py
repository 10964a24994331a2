"""`lstm-echo cache`: the compile cache's folder and size, or --clear."""

from typing import Annotated

import typer

from lstm_echo import (
    api,
)
from lstm_echo.cli.console import print_json, show
from lstm_echo.cli.options import Json


def command(
    clear: Annotated[bool, typer.Option("--clear", help="Remove the cached programs, compiled and traced.")] = False,
    as_json: Json = False,
):
    """Show (or clear) the compile cache, where trained shapes' programs (traced and XLA-compiled) are kept between runs."""
    state = api.cache(clear)
    if as_json:
        print_json(state.state)
        return
    show(state)
