"""Stateful one-to-one: one step per batch, in order, with the LSTM's state carried over.

X (length, 1, 1) -> LSTM(n, stateful) -> (1, n) -> Dense(1) -> (1, 1), y (length, 1)

The same network as one-to-one, but the state after step t is where step t + 1
starts (reset where a sequence starts), so earlier inputs can reach later
outputs. Each batch is one step, though, and backpropagation stops at the
batch's edge, as in Keras: no gradient ever says what the state should keep.
On the one fixed sequence it learns `delay:K` all the same (seed 0 at 1000
epochs, by fitting that one sequence); on held-out sequences it learned neither
delay:1 nor delay:2 in any of 10 seeds (see the README's held-out findings).
"""

from lstm_echo import data
from lstm_echo.architectures.architecture import Architecture
from lstm_echo.layers import DENSE, LSTM, LayerSpec, recurrent_stack


def layers(length: int, neurons: int, cell: str = LSTM, depth: int = 1, features: int = 1) -> list[LayerSpec]:
    return [
        *recurrent_stack(
            cell, depth, neurons, steps=1, last_returns_sequences=False, stateful=True, batch=1, inputs=features
        ),
        LayerSpec(DENSE, units=1, inputs=neurons, batch=1),
    ]


ARCHITECTURE = Architecture(
    name="stateful",
    aliases=("o2o-stateful",),
    description="one-to-one fed one step per batch, in order, keeping the {cell} state between steps",
    frame=data.one_to_one,
    layers=layers,
    default_epochs=1000,
    position="Sample",
    default_batch_size=lambda length: 1,
    stateful=True,
)
