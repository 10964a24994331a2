"""One trained model's result: plain data that the runner returns and every table, row and hint reads."""

from dataclasses import dataclass, field

import numpy as np

from lstm_echo.config import Experiment
from lstm_echo.verdict import Verdict


@dataclass
class RunResult:
    """One trained model. `inputs`, `expected` and `predictions` are the sequences shown:
    the fixed one, or the first SHOWN_SEQUENCES held-out ones, one after another (of a task
    with targets at some steps only, `expected` and `predictions` hold those steps alone)."""

    experiment: Experiment
    layers: list[dict]
    total_params: int
    inputs: list[float]
    expected: list[float]
    predictions: list[float]
    loss_history: list[float]
    final_loss: float  # the mean squared error on the training data, once trained
    train: Verdict
    test: Verdict | None  # on the held-out sequences, with --sequences
    timings: dict = field(default_factory=dict)
    weights: list[np.ndarray] = field(default_factory=list)  # trained, in Keras' order
    finished: str = ""  # when training ended, UTC (ISO 8601)
    test_loss_history: list[float] = field(default_factory=list)  # held-out loss after each chunk of epochs
    test_loss_epochs: list[int] = field(default_factory=list)  # the epoch of each

    @property
    def verdict(self) -> Verdict:
        """What the run is judged by: the held-out sequences when there are some."""
        return self.test or self.train
