"""Parameter arithmetic from layer specs (no TensorFlow).

An LSTM layer has four gates (input, forget, cell, output). Each gate has a
weight from every input and a bias per unit, plus a recurrent weight from
every unit to every unit:

    LSTM   4 × ((inputs + 1) × units + units²)
    Dense  inputs × units + units

TimeDistributed applies one Dense layer to every step, so it adds no weights
of its own: the count does not depend on the number of steps.
"""

from dataclasses import dataclass

from lstm_echo.layers import LSTM, LayerSpec


@dataclass(frozen=True)
class Arithmetic:
    formula: str
    substituted: str
    params: int


def layer_arithmetic(spec: LayerSpec) -> Arithmetic:
    i, u = spec.inputs, spec.units
    if spec.kind == LSTM:
        return Arithmetic(
            formula="4 × ((inputs + 1) × units + units²)",
            substituted=f"4 × (({i} + 1) × {u} + {u}²)",
            params=4 * ((i + 1) * u + u * u),
        )
    return Arithmetic(
        formula="inputs × units + units",
        substituted=f"{i} × {u} + {u}",
        params=i * u + u,
    )


def total_params(layers: list[LayerSpec]) -> int:
    return sum(layer_arithmetic(spec).params for spec in layers)
