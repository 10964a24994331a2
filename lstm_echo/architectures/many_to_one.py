"""Many-to-one: the whole sequence in, the whole sequence out as one vector.

X (1, length, 1) -> LSTM(n) -> (None, n) -> Dense(length) -> (None, length), y (1, length)

No TimeDistributed: the LSTM's last state is all the Dense layer sees, and it
needs a separate weight from every unit to every output step.
"""

from lstm_echo import data
from lstm_echo.architectures.architecture import Architecture
from lstm_echo.layers import DENSE, LSTM, LayerSpec, recurrent_stack


def layers(length: int, neurons: int, cell: str = LSTM, depth: int = 1, features: int = 1) -> list[LayerSpec]:
    return [
        *recurrent_stack(cell, depth, neurons, steps=length, last_returns_sequences=False, inputs=features),
        LayerSpec(DENSE, units=length, inputs=neurons),
    ]


ARCHITECTURE = Architecture(
    name="many-to-one",
    aliases=("m2o",),
    description="one sample; the last {cell} state feeds a Dense layer with one output per step",
    frame=data.many_to_one,
    layers=layers,
    causal=False,  # the Dense layer reads the state after the last padded step
    default_epochs=500,
    position="Output",
    default_batch_size=lambda length: 1,
)
