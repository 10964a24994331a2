"""What a framing declares: its names, data shapes, layers and defaults."""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from lstm_echo.layers import LayerSpec


@dataclass(frozen=True)
class Architecture:
    """One way of framing the echo problem for an LSTM.

    frame: the echo sequence -> (X, y) in this framing's shapes.
    layers: (length, neurons) -> the layer specs of the network.
    default_batch_size: length -> the batch size the tutorial used.
    """

    name: str
    aliases: tuple[str, ...]
    description: str
    frame: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    layers: Callable[[int, int], list[LayerSpec]]
    default_epochs: int
    default_batch_size: Callable[[int], int]

    def samples(self, length: int) -> int:
        """How many training samples the data set holds at this length."""
        x, _ = self.frame(np.zeros(length, dtype=np.float32))
        return x.shape[0]
