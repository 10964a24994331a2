"""What decides a run's compiled training program, said once and without TensorFlow.

The engine traces and compiles one program per shape: the network's layers, the
samples, the batch, and the chunk of epochs it trains between two progress
reports. Runs of the same shape share a program (a sweep groups them so, the
memory estimate counts a chunk's sample orders); here is how each is computed
from a run's settings.
"""

import math

from lstm_echo import architectures, tasks
from lstm_echo.config import Experiment

# The engine trains a run's epochs in this many compiled calls, reporting progress between them.
PROGRESS_UPDATES = 50


def chunk(epochs: int) -> int:
    """The epochs one compiled call trains."""
    return max(1, math.ceil(epochs / PROGRESS_UPDATES))


def samples(experiment: Experiment) -> int:
    """The samples of its training data, as its architecture frames the sequences."""
    return architectures.get(experiment.architecture).samples(experiment.steps, experiment.sequences or 1)


def key(experiment: Experiment) -> tuple:
    """What decides its compiled training program: every shape in it (its seeds count too, and a
    sweep gives every point the same seeds)."""
    e = experiment
    task = tasks.parse(e.task)  # its values per step, and whether only some steps have a target
    shapes = (e.architecture, e.cell, e.layers, e.steps, task.features, task.drawn, e.neurons, e.batch_size)
    return (*shapes, samples(e), e.test_sequences, chunk(e.epochs))
