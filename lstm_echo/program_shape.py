"""What decides a run's compiled training program, said once and without TensorFlow.

The engine traces and compiles one program per shape: the network's layers, the
samples, the batch and the models trained together. A run's epochs are not part
of it: a call trains up to `call_epochs` epochs, however many the run has and
whether or not its progress is shown, so runs of any length share a program (a
sweep groups them so, the memory estimate counts a call's sample orders); here
is how each is computed from a run's settings.
"""

import math

from lstm_echo import architectures, tasks
from lstm_echo.config import Experiment

# The engine reports a run's progress this many times, after each chunk of its epochs.
PROGRESS_UPDATES = 50
# A call's sample orders and losses (what grows with its epochs) stay within this many bytes, for
# all its models together, and it trains at most MOST_CALL_EPOCHS epochs. A call costs 0.1 to 0.5 ms
# beyond its epochs (`bench/call_cost.py`), so a few calls a run cost little; but past 128 epochs
# one model's losses pass 512 bytes, and a call of the tutorial's network then costs twice as much
# (`bench/speed.py --one W1 --side shown`, 50 calls: 0.012 to 0.013 s at 128, 0.017 to 0.024 s at
# 129 and 256, 0.019 to 0.037 s at 1,024).
CALL_BYTES = 2**20
MOST_CALL_EPOCHS = 128


def chunk(epochs: int) -> int:
    """The epochs between two progress reports (and held-out losses, and checks for divergence)."""
    return max(1, math.ceil(epochs / PROGRESS_UPDATES))


def call_epochs(models: int, padded_samples: int, shuffled: bool) -> int:
    """The most epochs one compiled call trains, a shape of its program: each epoch keeps a loss per
    model and, when its batches are shuffled, an order of the `padded_samples` (int32) per model."""
    per_epoch = models * 4 * (1 + (padded_samples if shuffled else 0))
    return max(1, min(MOST_CALL_EPOCHS, CALL_BYTES // per_epoch))


def samples(experiment: Experiment) -> int:
    """The samples of its training data, as its architecture frames the sequences."""
    return architectures.get(experiment.architecture).samples(experiment.steps, experiment.sequences or 1)


def key(experiment: Experiment) -> tuple:
    """What decides its compiled programs: every shape in them (its seeds count too, and a sweep
    gives every point the same seeds). Not its epochs: runs of any length share a program."""
    e = experiment
    task = tasks.parse(e.task)  # its values per step, and whether only some steps have a target
    shapes = (e.architecture, e.cell, e.layers, e.steps, task.features, task.drawn, e.neurons, e.batch_size)
    return (*shapes, samples(e), e.test_sequences)
