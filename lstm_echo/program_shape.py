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

# The engine reports a run's progress this many times, after each chunk of its epochs.
PROGRESS_UPDATES = 50
# With nothing to report between chunks, a call trains as many chunks as keep its sample orders
# (the memory that grows with the chunk) within this many bytes a model.
UNREPORTED_ORDERS_BYTES = 4 * 2**20


def chunk(epochs: int) -> int:
    """The epochs between two progress reports: what one compiled call trains when they are shown."""
    return max(1, math.ceil(epochs / PROGRESS_UPDATES))


def unreported_chunk(epochs: int, padded_samples: int) -> int:
    """The epochs one compiled call can train when nothing is reported between chunks (no progress
    display, no held-out curve): whole chunks, so training stops where a reported run would; all
    PROGRESS_UPDATES of them, and so every epoch in one call, when their sample orders
    (`padded_samples` int32 an epoch) fit UNREPORTED_ORDERS_BYTES. Like `chunk`, it depends on the
    epochs only through `chunk`, so runs of 1 to 50 epochs share one program, 51 to 100 another, ..."""
    step = chunk(epochs)
    fits = max(1, UNREPORTED_ORDERS_BYTES // (step * padded_samples * 4))
    return step * min(PROGRESS_UPDATES, fits)


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
