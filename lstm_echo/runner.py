"""One experiment end to end: data, layers, initial weights, training, verdict.

Returns a `RunResult`, plain data that `report` renders; nothing here prints.
TensorFlow is imported only when training starts.
"""

import sys
import time
from dataclasses import dataclass, replace
from typing import cast

import numpy as np

from lstm_echo import architectures, data, provenance, tasks, threads
from lstm_echo.config import Experiment
from lstm_echo.errors import Error
from lstm_echo.initializers import initial_weights
from lstm_echo.layers import CELLS, LayerSpec
from lstm_echo.param_arithmetic import layer_arithmetic
from lstm_echo.run_result import RunResult
from lstm_echo.verdict import judge, tolerance


class TrainingDiverged(Error, RuntimeError):
    """The loss stopped being a finite number."""


SHOWN_SEQUENCES = 3  # of a held-out set, in reports and rows


@dataclass(frozen=True)
class DataSet:
    """The sequences of one experiment: inputs (sequences, steps[, features]), targets (sequences, steps),
    and, for a task with targets at some steps only, which (`Task.judged`; None: every step)."""

    train_inputs: np.ndarray
    train_targets: np.ndarray
    test_inputs: np.ndarray | None
    test_targets: np.ndarray | None
    train_judged: np.ndarray | None = None
    test_judged: np.ndarray | None = None


def data_set(experiment: Experiment) -> DataSet:
    """The fixed sequence, or random training and held-out sequences; the task's targets for each."""
    task = tasks.parse(experiment.task)
    if experiment.sequences is None:
        inputs = data.echo_sequence(experiment.length)[None]
        return DataSet(inputs, task.targets(inputs), None, None)
    count, test_count, seed = experiment.sequences, cast(int, experiment.test_sequences), experiment.data_seed
    if task.drawn:
        train = task.draw(count, experiment.length, seed, held_out=False)
        test = task.draw(test_count, experiment.length, seed, held_out=True)
    else:
        train, test = data.held_out(count, test_count, experiment.length, seed)
    return DataSet(train, task.targets(train), test, task.targets(test), task.judged(train), task.judged(test))


def trained_tolerance(experiment: Experiment) -> float:
    """The tolerance `experiment` was judged with: the task's own, that of its fixed sequence's targets,
    or that of the one-decimal grid its random sequences are drawn from. A typed sequence is judged
    with it too, so that an off-grid value does not tighten every step."""
    task = tasks.parse(experiment.task)
    if task.within is not None:
        return task.within
    if experiment.sequences is None:
        return tolerance(task.targets(data.echo_sequence(experiment.length)[None]))
    return tolerance(np.arange(data.GRID_VALUES) / data.GRID_VALUES)


def judged_values(values: np.ndarray, judged: np.ndarray | None) -> np.ndarray:
    """(sequences, steps) -> the values of the steps with a target, (sequences, judged per sequence)."""
    return values if judged is None else values[judged].reshape(len(values), -1)


def network_layers(experiment: Experiment) -> list[LayerSpec]:
    """The layer specs of the network `experiment` trains."""
    arch = architectures.get(experiment.architecture)
    features = tasks.parse(experiment.task).features
    return arch.layers(experiment.steps, experiment.neurons, CELLS[experiment.cell], experiment.layers, features)


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


def run_seeds(
    experiment: Experiment, seeds: list[int], on_progress=None, on_phase=None, test_curve: bool = False
) -> list[RunResult]:
    """Train one model per seed, all together in one compiled program; one result per seed.

    Model k starts from seed k's initial weights and shuffles with seed k's
    generator, so its result is the one a lone run of seed k gives.
    `on_phase` hears "starting TensorFlow", "compiling" and "training" as they begin.
    `test_curve`: measure the held-out loss as training goes (a forward pass over the held-out
    set after every chunk of epochs), for a picture.
    """
    on_phase = on_phase or (lambda phase: None)
    started = time.perf_counter()
    arch = architectures.get(experiment.architecture)
    within = tasks.parse(experiment.task).within
    sets = data_set(experiment)
    x, y = arch.frame(sets.train_inputs, sets.train_targets)
    x_test, y_test = (
        (None, None) if sets.test_inputs is None else arch.frame(sets.test_inputs, cast(np.ndarray, sets.test_targets))
    )
    y_judged, y_test_judged = (
        (None, None)
        if sets.train_judged is None
        else (
            framed_mask(arch, sets.train_inputs, sets.train_judged),
            framed_mask(arch, sets.test_inputs, sets.test_judged),
        )
    )
    layers = network_layers(experiment)
    weights = [np.stack(ws) for ws in zip(*(initial_weights(layers, seed) for seed in seeds))]

    if "lstm_echo.backend.engine" not in sys.modules:
        on_phase("starting TensorFlow")
        threads.choose(layers, len(seeds), experiment.batch_size)
    from lstm_echo.backend import engine

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
        sequence_steps=arch.samples(experiment.steps),
        x_test=x_test,
        y_test=y_test if test_curve else None,
        y_judged=y_judged,
        y_test_judged=y_test_judged,
    )
    rows = layer_rows(layers)
    timings = {
        "models_trained_together": len(seeds),
        "compile_seconds": trained.compile_seconds,
        "compile_cache": trained.compile_cache,
        "train_seconds": trained.train_seconds,
        "total_seconds": time.perf_counter() - started,
    }
    train_expected = judged_values(sets.train_targets, sets.train_judged)
    test_expected = None if sets.test_targets is None else judged_values(sets.test_targets, sets.test_judged)
    shown_inputs, shown_targets = (
        (sets.train_inputs, train_expected)
        if sets.test_inputs is None
        else (sets.test_inputs[:SHOWN_SEQUENCES], cast(np.ndarray, test_expected)[:SHOWN_SEQUENCES])
    )
    finished = provenance.now()
    results = []
    for k, seed in enumerate(seeds):
        trained_on = judged_values(data.per_sequence(trained.predictions[k], experiment.steps), sets.train_judged)
        train = judge(train_expected, trained_on, within)
        test = None
        shown = trained_on
        if trained.test_predictions is not None:
            predicted = data.per_sequence(trained.test_predictions[k], experiment.steps)
            held_out = judged_values(predicted, sets.test_judged)
            test, shown = judge(test_expected, held_out, within), held_out[:SHOWN_SEQUENCES]
        results.append(
            RunResult(
                experiment=replace(experiment, seed=seed),
                layers=rows,
                total_params=sum(row["params"] for row in rows),
                inputs=shown_inputs.reshape(-1).tolist(),
                expected=shown_targets.reshape(-1).tolist(),
                predictions=shown.reshape(-1).tolist(),
                loss_history=trained.history[:, k].tolist(),
                final_loss=train.mse,
                train=train,
                test=test,
                timings=timings,
                weights=[w[k] for w in trained.weights],
                finished=finished,
                test_loss_history=[] if trained.test_history is None else trained.test_history[:, k].tolist(),
                test_loss_epochs=trained.test_epochs,
            )
        )
    return results


def framed_mask(arch, inputs, judged) -> np.ndarray:
    """Which values of the architecture's y have a target, as 1.0 and 0.0 in y's shape."""
    return arch.frame(inputs, judged.astype(np.float32))[1]


def best(results: list[RunResult]) -> RunResult:
    """The seed that did best: learned first, then the higher held-out echo rate, then the lower error."""

    def score(result: RunResult) -> tuple:
        v = result.verdict
        mse = v.mse if np.isfinite(v.mse) else np.inf
        return (v.learned, v.echo_rate, -mse)

    return max(results, key=score)


def run(experiment: Experiment, on_progress=None, on_phase=None, test_curve: bool = False) -> RunResult:
    """Train the one seed of `experiment`; raise TrainingDiverged if its loss blows up."""
    (result,) = run_seeds(experiment, [experiment.seed], on_progress, on_phase, test_curve)
    history = np.asarray(result.loss_history)
    if not np.isfinite(history).all():
        epoch = int(np.argmin(np.isfinite(history)))
        raise TrainingDiverged(f"the loss became {history[epoch]} at epoch {epoch + 1}; try a smaller --learning-rate")
    return result
