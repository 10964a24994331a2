"""`lstm-echo architectures`: the registry of architectures as a table."""

from lstm_echo import api
from lstm_echo.cli.console import print_json, show
from lstm_echo.cli.options import Json, Length


def command(
    length: Length = None,
    as_json: Json = False,
):
    """List the architectures with their aliases, data shapes, layers and defaults."""
    listed = api.list_architectures(length)
    if as_json:
        print_json(listed.descriptions)
        return
    show(listed)
