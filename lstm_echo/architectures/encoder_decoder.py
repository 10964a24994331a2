"""Encoder-decoder: read the whole sequence into one state, then write a sequence from it.

X (1, length, 1) -> LSTM(n) -> (None, n) -> RepeatVector(length) -> (None, length, n)
  -> LSTM(n, return_sequences) -> (None, length, n)
  -> TimeDistributed(Dense(1)) -> (None, length, 1), y (1, length, 1)

The decoder sees only the encoder's summary, so every output can depend on
any input step: it learns `reverse` from what it read, where a step-by-step
architecture can only memorise the positions of the one sequence it trains on.
"""

from lstm_echo import data
from lstm_echo.architectures.architecture import Architecture
from lstm_echo.layers import DENSE, LSTM, REPEAT, LayerSpec, recurrent_stack


def layers(length: int, neurons: int, cell: str = LSTM, depth: int = 1) -> list[LayerSpec]:
    return [
        *recurrent_stack(cell, depth, neurons, steps=length, last_returns_sequences=False),
        LayerSpec(REPEAT, units=neurons, inputs=neurons, steps=length),
        *recurrent_stack(cell, depth, neurons, steps=length, last_returns_sequences=True, inputs=neurons),
        LayerSpec(DENSE, units=1, inputs=neurons, steps=length, time_distributed=True),
    ]


ARCHITECTURE = Architecture(
    name="encoder-decoder",
    aliases=("enc-dec",),
    description="one sample; an {cell} encoder's last state, repeated, feeds an {cell} decoder",
    frame=data.many_to_many,
    layers=layers,
    default_epochs=1000,
    default_batch_size=lambda length: 1,
)
