"""Many-to-many without the wrapper: a plain Dense(1) on the LSTM's 3-D output.

X (1, length, 1) -> LSTM(n, return_sequences) -> (None, length, n)
  -> Dense(1) -> (None, length, 1), y (1, length, 1)

Keras' Dense applies its kernel along the last axis of any input, so this is
the same network as TimeDistributed(Dense(1)): the same n + 1 parameters and,
given the same weights, the same outputs (`lstm-echo explain timedistributed`).
"""

from lstm_echo import data
from lstm_echo.architectures.architecture import Architecture
from lstm_echo.layers import DENSE, LSTM, LayerSpec, recurrent_stack


def layers(length: int, neurons: int, cell: str = LSTM, depth: int = 1, features: int = 1) -> list[LayerSpec]:
    return [
        *recurrent_stack(cell, depth, neurons, steps=length, last_returns_sequences=True, inputs=features),
        LayerSpec(DENSE, units=1, inputs=neurons, steps=length, sequence_input=True),
    ]


ARCHITECTURE = Architecture(
    name="many-to-many-dense",
    aliases=("m2m-dense",),
    description="one sample; the {cell} returns every step into a plain Dense(1)",
    frame=data.many_to_many,
    layers=layers,
    default_epochs=1000,
    default_batch_size=lambda length: 1,
)
