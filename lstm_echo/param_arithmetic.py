"""Parameter arithmetic from layer specs (no TensorFlow).

Every recurrent cell has gate blocks; each block has, per unit, a weight from
every input, a weight from every unit (the recurrence) and a bias:

    LSTM       4 × ((inputs + 1) × units + units²)   input, forget, cell, output
    GRU        3 × ((inputs + 2) × units + units²)   update, reset, candidate; Keras'
                                                     reset_after=True keeps two biases
    SimpleRNN  (inputs + 1) × units + units²         one block
    Dense      inputs × units + units

TimeDistributed applies one Dense layer to every step, and a Dense layer given
a 3-D input does the same, so neither count depends on the number of steps.
RepeatVector copies its input and has no weights.
"""

from dataclasses import dataclass

from lstm_echo.cells import BY_KIND
from lstm_echo.layers import DENSE, REPEAT, LayerSpec


@dataclass(frozen=True)
class Arithmetic:
    formula: str
    substituted: str
    params: int


def layer_arithmetic(spec: LayerSpec) -> Arithmetic:
    i, u = spec.inputs, spec.units
    if spec.recurrent:
        cell = BY_KIND[spec.kind]
        return Arithmetic(cell.arithmetic(), cell.arithmetic(i, u), cell.params(i, u))
    if spec.kind == DENSE:
        return Arithmetic("inputs × units + units", f"{i} × {u} + {u}", i * u + u)
    assert spec.kind == REPEAT
    return Arithmetic("no weights: copies its input", "0", 0)


def total_params(layers: list[LayerSpec]) -> int:
    return sum(layer_arithmetic(spec).params for spec in layers)
