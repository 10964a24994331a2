"""Encoder-decoder: read the whole sequence into one state, then write a sequence from it.

X (1, length, 1) -> LSTM(n) -> (None, n) -> RepeatVector(length) -> (None, length, n)
  -> LSTM(n, return_sequences) -> (None, length, n)
  -> TimeDistributed(Dense(1)) -> (None, length, 1), y (1, length, 1)

The decoder sees only the encoder's summary, so every output can depend on
any input step, which `reverse` needs and a step-by-step architecture cannot
have. The price is squeezing the whole sequence into one state: it learns
`reverse` of the one fixed sequence (seed 0 at length 5), but on held-out
sequences of length 10 at 100 epochs it learned no task in any of 10 seeds
(see the README's held-out findings).
"""

from lstm_echo import data
from lstm_echo.architectures.architecture import Architecture
from lstm_echo.layers import DENSE, LSTM, REPEAT, LayerSpec, recurrent_stack


def layers(length: int, neurons: int, cell: str = LSTM, depth: int = 1, features: int = 1) -> list[LayerSpec]:
    return [
        *recurrent_stack(cell, depth, neurons, steps=length, last_returns_sequences=False, inputs=features),
        LayerSpec(REPEAT, units=neurons, inputs=neurons, steps=length),
        *recurrent_stack(cell, depth, neurons, steps=length, last_returns_sequences=True, inputs=neurons),
        LayerSpec(DENSE, units=1, inputs=neurons, steps=length, time_distributed=True),
    ]


ARCHITECTURE = Architecture(
    name="encoder-decoder",
    aliases=("enc-dec",),
    description="one sample; the {cell} encoder's last state, repeated, feeds the {cell} decoder",
    frame=data.many_to_many,
    layers=layers,
    causal=False,  # the decoder starts from the state after the last padded step
    default_epochs=1000,
    default_batch_size=lambda length: 1,
)
