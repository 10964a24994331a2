"""`lstm-echo params [ARCH]...`: the parameter arithmetic of every layer, without TensorFlow."""

from lstm_echo import (
    api,
)
from lstm_echo.cli.console import print_json, show
from lstm_echo.cli.options import Archs, Cell, Json, Layers, Length, Neurons


def command(
    names: Archs = None,
    length: Length = None,
    neurons: Neurons = None,
    cell: Cell = None,
    layers: Layers = None,
    as_json: Json = False,
):
    """Show the parameter arithmetic of every layer, with these numbers filled in."""
    outcome = api.params(names, length=length, neurons=neurons, cell=cell, layers=layers)
    if as_json:
        print_json(outcome.layers)
        return
    for renderable in outcome.renderables():
        show(renderable)
