"""What an architecture declares: its names, data shapes, layers and defaults."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from lstm_echo.layers import LayerSpec


class LayerBuilder(Protocol):
    def __call__(
        self, length: int, neurons: int, cell: str = ..., depth: int = ..., features: int = ...
    ) -> list[LayerSpec]: ...


@dataclass(frozen=True)
class Architecture:
    """One way of framing a sequence problem for a recurrent network.

    frame: (inputs, targets), (sequences, length[, features]) and (sequences, length) -> (X, y)
        in this architecture's shapes.
    layers: (length, neurons, cell, depth, features) -> the layer specs, with `depth`
        stacked recurrent layers of kind `cell` where the architecture has one,
        and `features` values per step in.
    default_batch_size: length -> the batch size the architecture trains with by default.
    stateful: samples are fed in order, one per batch, and the recurrent state
        carries from each step of a sequence to the next (reset between sequences).
    description: one line on the architecture; `{cell}` stands for the recurrent
        layer's class (LSTM, GRU, SimpleRNN).
    position: what one value of the flattened y is, as the predictions table
        names its rows: a time step, a sample of one step, or an output unit.
    causal: each output reads the inputs up to its own step only, so the padding
        after a shorter sequence's end never reaches the output at its last step;
        an architecture that reads the whole padded sequence first cannot frame
        a task whose sequences end at different steps (`adding`).
    """

    name: str
    aliases: tuple[str, ...]
    description: str
    frame: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    layers: LayerBuilder
    default_epochs: int
    default_batch_size: Callable[[int], int]
    stateful: bool = False
    position: str = "Step"
    causal: bool = True

    def samples(self, length: int, sequences: int = 1) -> int:
        """How many training samples `sequences` sequences of this length make."""
        zeros = np.zeros((1, length), dtype=np.float32)
        return self.frame(zeros, zeros)[0].shape[0] * sequences
