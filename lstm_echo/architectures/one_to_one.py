"""One-to-one: every step is a sample of its own; the network never sees a sequence.

X (length, 1, 1) -> LSTM(n) -> (None, n) -> Dense(1) -> (None, 1), y (length, 1)
"""

from lstm_echo import data
from lstm_echo.architectures.architecture import Architecture
from lstm_echo.layers import DENSE, LSTM, LayerSpec, recurrent_stack


def layers(length: int, neurons: int, cell: str = LSTM, depth: int = 1, features: int = 1) -> list[LayerSpec]:
    return [
        *recurrent_stack(cell, depth, neurons, steps=1, last_returns_sequences=False, inputs=features),
        LayerSpec(DENSE, units=1, inputs=neurons),
    ]


ARCHITECTURE = Architecture(
    name="one-to-one",
    aliases=("o2o",),
    description="length samples of one step each; one value in, one value out",
    frame=data.one_to_one,
    layers=layers,
    default_epochs=1000,
    position="Sample",
    default_batch_size=lambda length: length,
)
