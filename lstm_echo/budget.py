"""The memory a training run will need, estimated before it starts (numpy only).

A run that would not fit is refused up front, naming the option to lower,
instead of swapping for minutes or dying in TensorFlow. The estimate is
deliberately generous: per model it counts the weights and everything shaped
like them (gradients, two Adam slots, their updates, the float64 draft of the
initial weights), the activations the backward pass keeps for one minibatch,
the sample orders of one call's epochs, the loss history (a float32 in
the engine, a Python float in the result, text in JSON), and with `--sequences`
its predictions on the training and held-out data and their errors.
"""

import math
import os
from dataclasses import dataclass
from pathlib import Path

from lstm_echo import architectures, program_shape
from lstm_echo.cells import BY_KIND
from lstm_echo.config import Experiment, InputError, bad_value
from lstm_echo.layers import LayerSpec
from lstm_echo.param_arithmetic import total_params

FLOAT = 4
COPIES_OF_WEIGHTS = 8
KEPT_PER_ACTIVATION = 3  # the value, its gradient and one XLA temporary
BYTES_PER_EPOCH = 64
# What TensorFlow, XLA and the process itself take before any array is made; every
# process that trains (a sweep's workers too) takes it again.
BASELINE = 1_500 * 2**20
# The connectivity keeps, per copy of the sequence and step, about 27 values per unit and
# 250 more (measured from peak memory, 10 to 200 units, lengths 200 to 800), and its traced
# program about 80 MB whatever the size; counted generously.
CONNECTIVITY_KEPT = 5
CONNECTIVITY_PER_STEP = 256
CONNECTIVITY_PROGRAM = 128 * 2**20


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
    samples = program_shape.samples(experiment)
    values = ((experiment.sequences or 0) + (experiment.test_sequences or 0)) * experiment.steps
    padded = math.ceil(samples / experiment.batch_size) * experiment.batch_size
    rows = program_shape.call_epochs(1, padded, shuffled=True)  # a call's sample orders, at their largest
    return Estimate(
        weights=total_params(layers) * FLOAT * COPIES_OF_WEIGHTS,
        activations=experiment.batch_size * sum(map(activation_values, layers)) * FLOAT * KEPT_PER_ACTIVATION,
        history=experiment.epochs * BYTES_PER_EPOCH,
        # The sample orders of a call's epochs; per value, its float32 prediction,
        # then float64 errors, squares and checks while judged.
        data=rows * padded * FLOAT + values * (FLOAT + 4 * 8),
    )


CGROUP_LIMITS = ("memory.max", "memory.limit_in_bytes")  # cgroup v2, v1


def machine_memory(root: Path = Path("/sys/fs/cgroup"), membership: Path = Path("/proc/self/cgroup")) -> int:
    """Bytes of memory this machine gives a process: its RAM, or the lowest limit of the cgroups it is in
    (v2, or v1's memory controller, as many clusters run), if lower.

    Not what is free at this moment: that would refuse a small run on a busy
    machine, and make the same command pass or fail with the weather.
    """
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for folder in cgroup_folders(root, membership):
        for name in CGROUP_LIMITS:
            try:
                memory = min(memory, int((folder / name).read_text()))
            except (OSError, ValueError):
                continue  # no such limit here, or "max"
    return memory


def cgroup_folders(root: Path, membership: Path) -> list[Path]:
    """The folders of this process's memory cgroups and of those above them, v2 and v1."""
    places = [root, root / "memory"]
    try:
        lines = membership.read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        base = root if controllers == "" else root / "memory" if "memory" in controllers.split(",") else None
        if base is not None:
            inner = base / path.lstrip("/")
            places += [inner, *[p for p in inner.parents if p.is_relative_to(base)]]
    return places


def gigabytes(size: float) -> str:
    return f"{size / 2**30:.1f} GB"


def check(
    experiment: Experiment, layers: list[LayerSpec], models: int, memory: int | None = None, processes: int = 1
) -> None:
    """Raise TooLarge when `processes` processes, each training `models` models of `experiment`, would not fit
    in the machine's memory."""
    memory = machine_memory() if memory is None else memory
    room = memory - BASELINE
    need = estimate(experiment, layers)
    one_process = models * need.per_model + BASELINE
    if processes * one_process <= memory:
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
    elif one_process > memory:
        option, value = "--seeds", f"{models:,} models"
    else:
        option, value = "--workers", processes
    lower = f"{option} or --layers" if option == "--neurons" and experiment.layers > 1 else option
    raise bad_value(
        option,
        value,
        f"the run would need about {gigabytes(processes * one_process)} of memory and "
        f"this machine has {gigabytes(memory)}: lower {lower}",
        TooLarge,
    )


def connectivity_bytes(experiment: Experiment, layers: list[LayerSpec]) -> int:
    """What the connectivity of one network keeps: a copy of the sequence per output step, each with every
    activation kept for the backward pass."""
    samples = architectures.get(experiment.architecture).samples(experiment.steps)
    per_copy = samples * sum(map(activation_values, layers)) * FLOAT * CONNECTIVITY_KEPT
    per_copy += experiment.steps * CONNECTIVITY_PER_STEP * FLOAT
    return experiment.steps * per_copy + CONNECTIVITY_PROGRAM


def check_connectivity(experiment: Experiment, layers: list[LayerSpec], models: int, memory: int | None = None) -> None:
    """Raise TooLarge when the connectivity of `models` networks would not fit, with the training before it."""
    memory = machine_memory() if memory is None else memory
    one = connectivity_bytes(experiment, layers) + estimate(experiment, layers).per_model
    need = models * one
    if need + BASELINE <= memory:
        return
    option, value = ("--length", experiment.length) if one + BASELINE > memory else ("--seeds", f"{models:,} models")
    raise bad_value(
        option,
        value,
        f"the connectivity would need about {gigabytes(need + BASELINE)} of memory and "
        f"this machine has {gigabytes(memory)}: lower {option}",
        TooLarge,
    )
