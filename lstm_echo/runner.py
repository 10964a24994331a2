"""One experiment end to end: data, layers, initial weights, training, verdict.

Returns a `RunResult`, plain data that `report` renders; nothing here prints.
TensorFlow is imported only when training starts.
"""

import sys
import time
from dataclasses import dataclass, field, replace

import numpy as np

from lstm_echo import architectures, data, tasks
from lstm_echo.config import Experiment
from lstm_echo.initializers import initial_weights
from lstm_echo.layers import CELLS, LayerSpec
from lstm_echo.params import layer_arithmetic
from lstm_echo.verdict import Verdict, judge


class TrainingDiverged(RuntimeError):
    """The loss stopped being a finite number."""


@dataclass
class RunResult:
    experiment: Experiment
    layers: list[dict]
    total_params: int
    inputs: list[float]
    expected: list[float]
    predictions: list[float]
    loss_history: list[float]
    final_loss: float
    verdict: Verdict
    timings: dict = field(default_factory=dict)
    weights: list[np.ndarray] = field(default_factory=list)  # trained, in Keras' order


def network_layers(experiment: Experiment) -> list[LayerSpec]:
    """The layer specs of the network `experiment` trains."""
    arch = architectures.get(experiment.architecture)
    return arch.layers(experiment.length, experiment.neurons, CELLS[experiment.cell], experiment.layers)


def layer_rows(layers) -> list[dict]:
    """Per layer: name (numbered as Keras does: lstm, lstm_1, ...), type, output shape, arithmetic."""
    rows: list[dict] = []
    seen: dict[str, int] = {}
    for spec in layers:
        arithmetic = layer_arithmetic(spec)
        count = seen[spec.name] = seen.get(spec.name, -1) + 1
        rows.append(
            {
                "name": spec.name + (f"_{count}" if count else ""),
                "type": spec.type_label,
                "output_shape": list(spec.output_shape),
                "formula": arithmetic.formula,
                "substituted": arithmetic.substituted,
                "params": arithmetic.params,
            }
        )
    return rows


def run_seeds(experiment: Experiment, seeds: list[int], on_progress=None, on_phase=None) -> list[RunResult]:
    """Train one model per seed, all together in one compiled program; one result per seed.

    Model k starts from seed k's initial weights and shuffles with seed k's
    generator, so its result is the one a lone run of seed k gives.
    `on_phase` hears "starting TensorFlow", "compiling" and "training" as they begin.
    """
    on_phase = on_phase or (lambda phase: None)
    started = time.perf_counter()
    arch = architectures.get(experiment.architecture)
    inputs, targets = tasks.parse(experiment.task).data(experiment.length)
    x, y = arch.frame(inputs, targets)
    expected = data.flatten(y)
    layers = network_layers(experiment)
    weights = [np.stack(ws) for ws in zip(*(initial_weights(layers, seed) for seed in seeds))]

    if "lstm_echo.engine" not in sys.modules:
        on_phase("starting TensorFlow")
    from lstm_echo import engine

    on_phase("compiling")
    trained = engine.train(
        layers,
        x,
        y,
        weights,
        seeds=seeds,
        epochs=experiment.epochs,
        batch_size=experiment.batch_size,
        learning_rate=experiment.learning_rate,
        on_progress=on_progress,
        on_compiled=lambda: on_phase("training"),
    )
    rows = layer_rows(layers)
    timings = {
        "models_trained_together": len(seeds),
        "compile_seconds": trained.compile_seconds,
        "train_seconds": trained.train_seconds,
        "total_seconds": time.perf_counter() - started,
    }
    results = []
    for k, seed in enumerate(seeds):
        predicted = data.flatten(trained.predictions[k])
        results.append(
            RunResult(
                experiment=replace(experiment, seed=seed),
                layers=rows,
                total_params=sum(row["params"] for row in rows),
                inputs=inputs.tolist(),
                expected=expected.tolist(),
                predictions=predicted.tolist(),
                loss_history=trained.history[:, k].tolist(),
                final_loss=float(np.mean((predicted - expected) ** 2)),
                verdict=judge(expected, predicted),
                timings=timings,
                weights=[w[k] for w in trained.weights],
            )
        )
    return results


def run(experiment: Experiment, on_progress=None, on_phase=None) -> RunResult:
    """Train the one seed of `experiment`; raise TrainingDiverged if its loss blows up."""
    (result,) = run_seeds(experiment, [experiment.seed], on_progress, on_phase)
    history = np.asarray(result.loss_history)
    if not np.isfinite(history).all():
        epoch = int(np.argmin(np.isfinite(history)))
        raise TrainingDiverged(f"the loss became {history[epoch]} at epoch {epoch + 1}; try a smaller --learning-rate")
    return result
