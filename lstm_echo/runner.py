"""One experiment end to end: data, layers, initial weights, training, verdict.

Returns a `RunResult`, plain data that `report` renders; nothing here prints.
TensorFlow is imported only when training starts.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from lstm_echo import architectures, data
from lstm_echo.config import Experiment
from lstm_echo.initializers import initial_weights
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


def layer_rows(layers) -> list[dict]:
    """Per layer: name, type, output shape and parameter arithmetic."""
    rows = []
    for spec in layers:
        arithmetic = layer_arithmetic(spec)
        rows.append(
            {
                "name": spec.name,
                "type": spec.type_label,
                "output_shape": list(spec.output_shape),
                "formula": arithmetic.formula,
                "substituted": arithmetic.substituted,
                "params": arithmetic.params,
            }
        )
    return rows


def run(experiment: Experiment, on_progress=None) -> RunResult:
    started = time.perf_counter()
    framing = architectures.get(experiment.architecture)
    sequence = data.echo_sequence(experiment.length)
    x, y = framing.frame(sequence)
    layers = framing.layers(experiment.length, experiment.neurons)
    weights = [w[None] for w in initial_weights(layers, experiment.seed)]

    from lstm_echo import engine

    trained = engine.train(
        layers,
        x,
        y,
        weights,
        seeds=[experiment.seed],
        epochs=experiment.epochs,
        batch_size=experiment.batch_size,
        learning_rate=experiment.learning_rate,
        on_progress=on_progress,
    )
    history = trained.history[:, 0]
    if not np.isfinite(history).all():
        bad = int(np.argmin(np.isfinite(history))) + 1
        raise TrainingDiverged(f"the loss became {history[bad - 1]} at epoch {bad}; try a smaller --learning-rate")

    predicted = data.flatten(trained.predictions[0])
    rows = layer_rows(layers)
    return RunResult(
        experiment=experiment,
        layers=rows,
        total_params=sum(row["params"] for row in rows),
        inputs=sequence.tolist(),
        expected=data.flatten(y).tolist(),
        predictions=predicted.tolist(),
        loss_history=history.tolist(),
        final_loss=float(np.mean((predicted - data.flatten(y)) ** 2)),
        verdict=judge(data.flatten(y), predicted),
        timings={
            "compile_seconds": trained.compile_seconds,
            "train_seconds": trained.train_seconds,
            "total_seconds": time.perf_counter() - started,
        },
    )
