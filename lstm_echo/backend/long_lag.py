"""Training on the adding problem as the paper trains: fresh sequences, and a stop per model.

One XLA-compiled program runs a chunk of updates for M models at once. Each
update draws every model's next `batch` sequences inside the program
(`adding_problem.sequences`, keyed on the model's seed and the sequences'
indices), so no training sequence is ever kept. The network's output is read
at each sequence's own last step; the steps after a shorter sequence ends are
computed and never read, so they change neither the loss nor its gradient.

The paper's stopping rule, per model: training stops when the average
training error is below 0.01 and the 2,000 most recent sequences were all
right (absolute error below 0.04), each judged as it was trained on. When the
last 2,000 are right, each squared error is below 0.04² = 0.0016, so their
mean is below 0.01: the run of right sequences is the condition that binds,
and the program counts it. The update of the batch that completes the run is
not applied: a stopped model keeps the weights that were judged, and its
Adam state is frozen while the others train on.
"""

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from lstm_echo import initializers, reproduction
from lstm_echo.backend import adding_problem
from lstm_echo.backend.engine import adam
from lstm_echo.backend.network import forward
from lstm_echo.backend.quiet_tf import tf
from lstm_echo.tasks.adding import RIGHT_WITHIN, TEST_STREAM

RUNNING = -1  # `stopped_at` of a model still training
JUDGED_AT_ONCE = 256  # test sequences per call; 2,560 are ten calls

ProgressCallback = Callable[[int, int, np.ndarray], None]


def at_last_steps(specs, weights, inputs, lengths, differentiable: bool):
    """Every model's output at each sequence's own last step, (M, count)."""
    out, _ = forward(specs, weights, inputs, differentiable=differentiable)
    return tf.gather(out[..., 0], lengths - 1, batch_dims=2)


class Loop(NamedTuple):
    update: Any
    weights: list
    m: list
    v: list
    iteration: Any  # updates so far, as Adam counts them: the same for every model still training
    streak: Any  # (M,) training sequences right in a row, the most recent last
    stopped_at: Any  # (M,) training sequences seen at the stop, or RUNNING


def streak_after(streak, right):
    """The run of right sequences after a batch (M, B) judged in order: it restarts after the last wrong one."""
    batch = right.shape[1]
    wrong_at = tf.where(right, -1, tf.range(batch))
    last_wrong = tf.reduce_max(wrong_at, axis=1)
    return tf.where(last_wrong < 0, streak + batch, batch - 1 - last_wrong)


@functools.cache  # one per shape in a process: a second reproduction (a notebook, the tests) reuses it
def chunk_program(specs, minimum: int, paper: bool, batch: int):
    """A compiled function that runs up to `updates` updates of every model still training."""

    @tf.function(jit_compile=True, autograph=False)
    def run(weights, m, v, iteration, rate, seeds, seen, streak, stopped_at, updates):
        def body(loop: Loop) -> tuple[Loop]:
            indices = seen + loop.update * batch + tf.range(batch)
            data = adding_problem.sequences(minimum, seeds, indices, paper=paper)
            with tf.GradientTape() as tape:
                tape.watch(loop.weights)
                predicted = at_last_steps(specs, loop.weights, data.inputs, data.lengths, differentiable=True)
                errors = predicted - data.targets
                loss = tf.reduce_sum(tf.reduce_mean(tf.square(errors), axis=1))
            grads = tape.gradient(loss, loop.weights)
            running = loop.stopped_at == RUNNING
            streak = streak_after(loop.streak, adding_problem.right(predicted, data.targets))
            stops = running & (streak >= reproduction.RIGHT_IN_A_ROW)
            learns = running & ~stops
            iteration = loop.iteration + 1.0
            new = adam(loop.weights, grads, loop.m, loop.v, iteration, rate)
            weights, m, v = (
                [tf.where(tf.reshape(learns, [-1] + [1] * (w.shape.rank - 1)), n, w) for n, w in zip(*pair)]
                for pair in zip(new, (loop.weights, loop.m, loop.v))
            )
            stopped_at = tf.where(stops, seen + (loop.update + 1) * batch, loop.stopped_at)
            return (Loop(loop.update + 1, weights, m, v, iteration, streak, stopped_at),)

        start = Loop(0, weights, m, v, iteration, streak, stopped_at)
        going = lambda loop: (loop.update < updates) & tf.reduce_any(loop.stopped_at == RUNNING)  # noqa: E731
        (done,) = tf.while_loop(going, body, (start,))
        return done

    return run


@functools.cache
def judge_program(specs, minimum: int, paper: bool):
    """A compiled function: every model's outputs on JUDGED_AT_ONCE test sequences from `first`, and their targets."""

    @tf.function(jit_compile=True, autograph=False)
    def run(weights, seeds, first):
        indices = first + tf.range(JUDGED_AT_ONCE)
        data = adding_problem.sequences(minimum, seeds, indices, TEST_STREAM, paper)
        return at_last_steps(specs, weights, data.inputs, data.lengths, differentiable=False), data.targets

    return run


def judged(program, weights, seeds, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Outputs and targets (M, count) on the first `count` test sequences, a block at a time (a held-out set
    of 2,560 sequences of 1,100 steps would not be small all at once)."""
    blocks = [program(weights, seeds, tf.constant(first)) for first in range(0, count, JUDGED_AT_ONCE)]
    outputs, targets = (np.concatenate([block[k].numpy() for block in blocks], axis=1)[:, :count] for k in (0, 1))
    return outputs, targets


@dataclass
class Stopped:
    weights: list[np.ndarray]  # Keras order, each with a leading model axis
    stopped_at: np.ndarray  # (M,) training sequences seen at the stop, or RUNNING
    sequences_seen: int  # by the models still training at the end
    wrong: np.ndarray  # (M,) test sequences of reproduction.TEST_SEQUENCES not right
    test_mse: np.ndarray  # (M,)
    curve_mse: np.ndarray | None  # (chunks, M): held-out mean squared error after each chunk
    curve_seen: list[int]  # the sequences seen at each row of it
    compile_seconds: float
    train_seconds: float


def train(
    kind: str,
    units: int,
    minimum: int,
    *,
    seeds: list[int],
    batch: int,
    learning_rate: float,
    max_sequences: int,
    paper: bool = True,
    chunk_sequences: int = 8192,
    curve: bool = False,
    forget_bias: float = 1.0,
    initial: list[np.ndarray] | None = None,
    on_progress: ProgressCallback | None = None,
) -> Stopped:
    """Train len(seeds) models until each stops by the paper's rule or `max_sequences` are seen.

    `initial`: every model's first weights, stacked on axis 0 (default: Keras' initialisers, per seed).
    """
    specs = reproduction.layers(kind, units, minimum, paper)
    if initial is None:
        per_seed = [initializers.initial_weights(list(specs), s, forget_bias) for s in seeds]
        initial = [np.stack(w) for w in zip(*per_seed)]
    weights = [tf.constant(w, tf.float32) for w in initial]
    m = [tf.zeros_like(w) for w in weights]
    v = [tf.zeros_like(w) for w in weights]
    models = len(seeds)
    seed_t = tf.constant(np.array(seeds, dtype=np.uint32))
    iteration = tf.constant(0.0)
    streak = tf.zeros([models], tf.int32)
    stopped_at = tf.fill([models], RUNNING)
    rate = tf.constant(learning_rate, tf.float32)
    updates_per_chunk = max(1, chunk_sequences // batch)
    total_updates = max_sequences // batch

    started = time.perf_counter()
    run = chunk_program(specs, minimum, paper, batch)
    judge = judge_program(specs, minimum, paper)
    done = run(weights, m, v, iteration, rate, seed_t, tf.constant(0), streak, stopped_at, tf.constant(0))  # compiles
    judge(weights, seed_t, tf.constant(0))
    discarded()
    compile_seconds = time.perf_counter() - started

    started = time.perf_counter()
    curve_rows, seen_rows, updates_done = [], [], 0
    while updates_done < total_updates and (done.stopped_at.numpy() == RUNNING).any():
        n = min(updates_per_chunk, total_updates - updates_done)
        seen = tf.constant(updates_done * batch)
        done = run(
            done.weights,
            done.m,
            done.v,
            done.iteration,
            rate,
            seed_t,
            seen,
            done.streak,
            done.stopped_at,
            tf.constant(n),
        )
        updates_done += int(done.update)
        seen_rows.append(updates_done * batch)
        if curve:
            predicted, targets = judged(judge, done.weights, seed_t, reproduction.CURVE_SEQUENCES)
            curve_rows.append(np.mean(np.square(predicted - targets), axis=1))
        if on_progress is not None:
            on_progress(updates_done * batch, total_updates * batch, done.stopped_at.numpy())
    train_seconds = time.perf_counter() - started

    predicted, targets = judged(judge, done.weights, seed_t, reproduction.TEST_SEQUENCES)
    return Stopped(
        weights=[w.numpy() for w in done.weights],
        stopped_at=done.stopped_at.numpy(),
        sequences_seen=updates_done * batch,
        wrong=np.sum(np.abs(predicted - targets) >= RIGHT_WITHIN, axis=1),
        test_mse=np.mean(np.square(predicted - targets), axis=1),
        curve_mse=np.array(curve_rows) if curve else None,
        curve_seen=seen_rows,
        compile_seconds=compile_seconds,
        train_seconds=train_seconds,
    )


def memory(kind: str, units: int, minimum: int, paper: bool, weights: list[np.ndarray], seed: int, index: int) -> dict:
    """One model (`weights` without a model axis) on test sequence `index` of `seed`: its pairs, its length, and
    every step's values of its cell (`inspect`'s names: "cell state", "output", the gates)."""
    specs = reproduction.layers(kind, units, minimum, paper)
    data = adding_problem.sequences(minimum, [seed], [index], TEST_STREAM, paper)
    length = int(data.lengths[0, 0])
    shaped = [tf.constant(w[None], tf.float32) for w in weights]
    out, _, kept = forward(specs, shaped, data.inputs[:, :, :length], keep_values=True, differentiable=False)
    return {
        "pairs": data.inputs.numpy()[0, 0, :length],
        "target": float(data.targets[0, 0]),
        "output": float(out[0, 0, length - 1, 0]),
        "values": {name: v.numpy()[0, 0] for name, v in kept[0].items()},  # (length, units) each
    }


def discarded() -> None:
    """Drop what XLA just compiled from the compile cache's staging folder: these programs are not recorded,
    and a file left there would be given to the engine's next record."""
    from lstm_echo.backend import compile_cache

    if compile_cache.active is not None:
        compile_cache.discard()
