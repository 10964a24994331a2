"""The memory a training run will need, estimated before it starts (numpy only).

A run that would not fit is refused up front, naming the option to lower,
instead of swapping for minutes or dying in TensorFlow. The estimate is
deliberately generous: per model it counts the weights and everything shaped
like them (gradients, two Adam slots, their updates, the float64 draft of the
initial weights), the activations the backward pass keeps for one minibatch,
the sample orders of one chunk of epochs, the loss history (a float32 in
the engine, a Python float in the result, text in JSON), and with `--sequences`
its predictions on the training and held-out data and their errors.
"""

import math
import os
from dataclasses import dataclass

from lstm_echo import architectures
from lstm_echo.cells import BY_KIND
from lstm_echo.config import Experiment, InputError
from lstm_echo.layers import LayerSpec
from lstm_echo.params import total_params

FLOAT = 4
COPIES_OF_WEIGHTS = 8
KEPT_PER_ACTIVATION = 3  # the value, its gradient and one XLA temporary
BYTES_PER_EPOCH = 64
# What TensorFlow, XLA and the process itself take before any array is made.
BASELINE = 1_500 * 2**20
# The engine trains a run's epochs in this many compiled calls, reporting progress
# between them; it lives here so that the estimate needs no TensorFlow.
PROGRESS_UPDATES = 50


class TooLarge(InputError):
    """A run that would not fit in memory; the message names the option to lower."""


@dataclass(frozen=True)
class Estimate:
    """Bytes per model, by the option that drives each part."""

    weights: int  # --neurons (and --layers)
    activations: int  # --length and --batch-size
    history: int  # --epochs
    data: int = 0  # --sequences and --test-sequences (and --length)

    @property
    def per_model(self) -> int:
        return self.weights + self.activations + self.history + self.data


def activation_values(spec: LayerSpec) -> int:
    """Numbers one sample leaves behind in a layer for the backward pass."""
    if spec.recurrent:
        return spec.steps * (len(BY_KIND[spec.kind].gates) + 2) * spec.units
    return spec.steps * spec.units


def estimate(experiment: Experiment, layers: list[LayerSpec]) -> Estimate:
    samples = architectures.get(experiment.architecture).samples(experiment.length, experiment.sequences or 1)
    values = ((experiment.sequences or 0) + (experiment.test_sequences or 0)) * experiment.length
    padded = math.ceil(samples / experiment.batch_size) * experiment.batch_size
    chunk = math.ceil(experiment.epochs / PROGRESS_UPDATES)
    return Estimate(
        weights=total_params(layers) * FLOAT * COPIES_OF_WEIGHTS,
        activations=experiment.batch_size * sum(map(activation_values, layers)) * FLOAT * KEPT_PER_ACTIVATION,
        history=experiment.epochs * BYTES_PER_EPOCH,
        # The sample orders of a chunk of epochs; per value, its float32 prediction,
        # then float64 errors, squares and checks while judged.
        data=chunk * padded * FLOAT + values * (FLOAT + 4 * 8),
    )


def machine_memory() -> int:
    """Bytes of memory this machine gives a process: its RAM, or a cgroup's limit if lower.

    Not what is free at this moment: that would refuse a small run on a busy
    machine, and make the same command pass or fail with the weather.
    """
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        with open("/sys/fs/cgroup/memory.max") as limit:
            memory = min(memory, int(limit.read()))
    except (OSError, ValueError):
        pass  # no cgroup v2 limit ("max"), or not Linux
    return memory


def gigabytes(size: float) -> str:
    return f"{size / 2**30:.1f} GB"


def check(experiment: Experiment, layers: list[LayerSpec], models: int, memory: int | None = None) -> None:
    """Raise TooLarge when `models` models of `experiment` would not fit in the machine's memory."""
    memory = machine_memory() if memory is None else memory
    room = memory - BASELINE
    need = estimate(experiment, layers)
    if models * need.per_model <= room:
        return
    value: int | str
    if need.per_model > room:
        part = max(("weights", "activations", "history", "data"), key=lambda name: getattr(need, name))
        option, value = {
            "weights": ("--neurons", experiment.neurons),
            "activations": ("--batch-size", experiment.batch_size)
            if experiment.batch_size > 1
            else ("--length", experiment.length),
            "history": ("--epochs", experiment.epochs),
            "data": ("--sequences", experiment.sequences or 0),
        }[part]
    else:
        option, value = "--seeds", f"{models:,} models"
    lower = f"{option} or --layers" if option == "--neurons" and experiment.layers > 1 else option
    raise TooLarge(
        f"Invalid value for {option}: {value} (the run would need about {gigabytes(models * need.per_model + BASELINE)} "
        f"of memory and this machine has {gigabytes(memory)}: lower {lower})"
    )


def check_connectivity(experiment: Experiment, layers: list[LayerSpec], models: int, memory: int | None = None) -> None:
    """Raise TooLarge when the connectivity of `models` networks would not fit: it runs a copy of the sequence
    per output step through each network, and keeps every activation for the backward pass."""
    memory = machine_memory() if memory is None else memory
    samples = architectures.get(experiment.architecture).samples(experiment.length)
    per_copy = samples * sum(map(activation_values, layers)) * FLOAT * KEPT_PER_ACTIVATION
    one = experiment.length * per_copy + estimate(experiment, layers).weights
    need = models * one
    if need + BASELINE <= memory:
        return
    option, value = ("--length", experiment.length) if one + BASELINE > memory else ("--seeds", f"{models:,} models")
    raise TooLarge(
        f"Invalid value for {option}: {value} (the connectivity would need about {gigabytes(need + BASELINE)} "
        f"of memory and this machine has {gigabytes(memory)}: lower {option})"
    )
