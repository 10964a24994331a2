"""`lstm-echo architectures`: the registry of architectures as a table."""

from typing import cast

from lstm_echo import (
    architectures,
    config,
    report,
)
from lstm_echo.cli.console import print_json, show
from lstm_echo.cli.options import Json, Length


def command(
    length: Length = None,
    as_json: Json = False,
):
    """List the architectures with their aliases, data shapes, layers and defaults."""
    steps = cast(int, config.DEFAULTS["length"]) if length is None else length
    descriptions = [report.describe(arch, steps) for arch in architectures.REGISTRY]
    if as_json:
        print_json(descriptions)
        return
    show(report.architectures_table(descriptions, steps))
