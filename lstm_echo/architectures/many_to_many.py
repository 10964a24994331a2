"""Many-to-many: the LSTM returns every step and one shared Dense reads each of them.

X (1, length, 1) -> LSTM(n, return_sequences) -> (None, length, n)
  -> TimeDistributed(Dense(1)) -> (None, length, 1), y (1, length, 1)
"""

from lstm_echo import data
from lstm_echo.architectures.architecture import Architecture
from lstm_echo.layers import DENSE, LSTM, LayerSpec, recurrent_stack


def layers(length: int, neurons: int, cell: str = LSTM, depth: int = 1, features: int = 1) -> list[LayerSpec]:
    return [
        *recurrent_stack(cell, depth, neurons, steps=length, last_returns_sequences=True, inputs=features),
        LayerSpec(DENSE, units=1, inputs=neurons, steps=length, time_distributed=True),
    ]


ARCHITECTURE = Architecture(
    name="many-to-many",
    aliases=("m2m",),
    description="one sample; the {cell} returns every step into TimeDistributed(Dense(1))",
    frame=data.many_to_many,
    layers=layers,
    default_epochs=1000,
    default_batch_size=lambda length: 1,
)
