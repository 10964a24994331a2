"""What `inspect` finds inside trained networks, as plain data (the TensorFlow parts are in `probes`).

For one input sequence: every recurrent layer's gates, candidate, memory and
output at each step, with gate saturation as Karpathy, Johnson and Fei-Fei
(2015) count it (the share of values below 0.1 and above 0.9); and, asked
for, the connectivity matrix |d y_t / d x_s| with its source score: the share
of each output's gradient that falls on the input step the task copies.
"""

import numpy as np

from lstm_echo import architectures, runner, tasks
from lstm_echo.architectures.architecture import Architecture
from lstm_echo.cells import BY_KIND
from lstm_echo.config import Experiment
from lstm_echo.results.rows import float32_value

SATURATED_BELOW, SATURATED_ABOVE = 0.1, 0.9
DRAWN_LOOKED_AT = 16  # held-out sequences of a drawn task looked through for one to show


def listed(values) -> list:
    """An array as nested lists of its float32 values' shortest decimals (0.2, not 0.20000000298023224)."""
    array = np.asarray(values, dtype=np.float32)
    return [listed(row) for row in array] if array.ndim > 1 else [float32_value(v) for v in array]


def default_sequence(experiment: Experiment) -> np.ndarray:
    """The sequence to look at: the fixed training sequence, or the first held-out one (of a drawn task,
    the first that shows what the task asks for: `Task.instructive`)."""
    task = tasks.parse(experiment.task)
    if task.drawn:  # sequence i is drawn alone: the first held-out ones need none of the others
        drawn = task.draw(DRAWN_LOOKED_AT, experiment.length, experiment.data_seed, held_out=True)
        return next((sequence for sequence in drawn if task.instructive(sequence)), drawn[0])
    sets = runner.data_set(experiment)
    return (sets.train_inputs if sets.test_inputs is None else sets.test_inputs)[0]


def framed(arch: Architecture, sequence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One sequence as `arch` frames it, (samples, steps, 1), and the sequence step of each framed value."""
    x, _ = arch.frame(sequence[None], sequence[None])
    steps = np.arange(len(sequence), dtype=np.float64)[None]
    positions, _ = arch.frame(steps, steps)
    return x, positions.reshape(-1).astype(int)


def carries_memory(arch: Architecture, experiment: Experiment) -> bool:
    """Whether a recurrent state reaches from one step of the sequence to the next.

    One-to-one gives each step to its own sample, which starts from a zero state:
    its gates see that step's input alone, and its memory is never read again.
    """
    return arch.stateful or any(spec.recurrent and spec.steps > 1 for spec in runner.network_layers(experiment))


def saturation(kind: str, values: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Per sigmoid gate, the share of its (unit, step) values below 0.1 and above 0.9."""
    return {
        gate: {
            "below": float(np.mean(values[gate] < SATURATED_BELOW)),
            "above": float(np.mean(values[gate] > SATURATED_ABOVE)),
        }
        for gate in BY_KIND[kind].gates_shown
    }


def source_scores(matrices: np.ndarray, sources: list[int | None]) -> list[float] | None:
    """Per model, the share of each output's gradient on its source step, averaged over the outputs that have one.

    `matrices` (M, outputs, length). An output with no gradient at all used no input: it scores 0.
    None when no output has a single source step.
    """
    scored = [(t, s) for t, s in enumerate(sources) if s is not None]
    if not scored:
        return None
    scores = []
    for matrix in matrices:
        shares = [matrix[t, s] / matrix[t].sum() if matrix[t].sum() > 0 else 0.0 for t, s in scored]
        scores.append(float(np.mean(shares)))
    return scores


def connectivity(experiment: Experiment, weights: list[list[np.ndarray]], sequence: np.ndarray) -> dict:
    """The connectivity of one network per item of `weights` on `sequence`: the mean matrix, and the scores.

    A network whose training diverged has no finite gradient: it gets no score and stays out of the means.
    """
    from lstm_echo.backend import probes  # TensorFlow

    arch = architectures.get(experiment.architecture)
    x, positions = framed(arch, sequence)
    stacked = [np.stack(ws) for ws in zip(*weights)]
    matrices = probes.connectivity(runner.network_layers(experiment), stacked, x, positions)
    finite = np.isfinite(matrices).all(axis=(1, 2))
    sources = tasks.parse(experiment.task).sources(experiment.length)
    scores = source_scores(matrices, sources)
    kept = [score for score, ok in zip(scores or [], finite) if ok]
    return {
        "matrix": listed(matrices[finite].mean(axis=0)) if finite.any() else None,
        "sources": sources,
        "source_score": float(np.mean(kept)) if kept else None,
        "seed_scores": None if scores is None else [score if ok else None for score, ok in zip(scores, finite)],
    }


def inside(experiment: Experiment, weights: list[np.ndarray], sequence: np.ndarray) -> dict:
    """One network's outputs on `sequence`, and each recurrent layer's values at every step with their saturation."""
    from lstm_echo.backend import probes  # TensorFlow

    arch = architectures.get(experiment.architecture)
    layers = runner.network_layers(experiment)
    x, _ = framed(arch, sequence)
    outputs, values = probes.step_values(layers, weights, x)
    recurrent = [(spec, row) for spec, row in zip(layers, runner.layer_rows(layers)) if spec.recurrent]
    return {
        "predictions": listed(outputs),
        "recurrent_layers": [
            {
                "name": row["name"],
                "type": row["type"],
                "units": spec.units,
                "values": {name: listed(v) for name, v in layer_values.items()},
                "saturation": saturation(spec.kind, layer_values),
            }
            for (spec, row), layer_values in zip(recurrent, values)
        ],
    }


def inspect(
    experiment: Experiment,
    weights: list[list[np.ndarray]],
    seeds: list[int],
    shown: int,
    sequence: np.ndarray,
    with_connectivity: bool,
) -> dict:
    """What `inspect --json` prints: the gates of model `shown` (of `weights`, one per seed) and, asked, the
    connectivity of them all."""
    arch = architectures.get(experiment.architecture)
    task = tasks.parse(experiment.task)
    if task.ragged:  # its own steps: an architecture that frames such a task never reads the padding after them
        sequence = sequence[: task.own_length(sequence)]
    return {
        "settings": {**experiment.to_dict(), "seed": seeds[shown]},
        "seeds": seeds,
        "carries_memory": carries_memory(arch, experiment),
        "inputs": listed(sequence),
        "expected": listed(task.targets(sequence)),
        **inside(experiment, weights[shown], sequence),
        "connectivity": connectivity(experiment, weights, sequence) if with_connectivity else None,
    }
