"""The compiled training loop: Adam on mean squared error, many epochs per call.

One XLA-compiled program runs a chunk of epochs (a while loop over epochs, and
inside it over minibatches), for M independent models at once: every weight
and Adam slot carries a leading model axis, and each model's loss depends on
its own weights only, so the gradient of the summed loss is each model's own
gradient. Between chunks control returns to Python for progress and the
held-out loss. Training stops once every model's loss is no longer finite,
checked after each of the 50 chunks a run is reported in. The program itself
checks it at those epochs, so a call can train any number of epochs up to its
size (`program_shape.call_epochs`), which does not depend on the run's: with
nothing to report (no progress display, no held-out curve) a call trains as many
epochs as it can, as a call costs 0.1 to 0.5 ms beyond its epochs
(`bench/call_cost.py`), and a run of any length, shown or not, uses the same
program.

Minibatches smaller than the data set are reshuffled every epoch, as Keras'
`fit` does, from a generator of each model's own seed; a last, smaller batch
is padded and masked so every step has the same shape. A task with targets at
some steps only (`adding`: each sequence's last) gives a 0/1 weight per value of
y, and the loss is the mean over the weighted values. A network with stateful
layers instead takes its samples in order, and each batch starts from the
state the previous one ended in, as a Keras stateful layer does; the state is
zeroed where a new sequence starts (with one sequence: at each epoch).
"""

import collections
import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from lstm_echo import program_shape
from lstm_echo.backend import traced_programs
from lstm_echo.backend.network import forward
from lstm_echo.backend.quiet_tf import tf
from lstm_echo.cells import BY_KIND
from lstm_echo.layers import LayerSpec
from lstm_echo.sample_orders import epoch_orders, in_order
from lstm_echo.seeds import SHUFFLE_STREAM, generator

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7  # Keras' Adam defaults

ProgressCallback = Callable[[int, int, np.ndarray], None]


class AdamState(NamedTuple):
    """What Adam carries from one update to the next."""

    weights: list  # Keras order, each with a leading model axis
    m: list  # first-moment estimates, shaped like the weights
    v: list  # second-moment estimates
    iteration: Any  # updates so far


class BatchLoop(NamedTuple):
    """The loop over one epoch's minibatches."""

    step: Any
    adam: AdamState
    epoch_total: Any  # (M,) the epoch's loss so far, summed over its samples
    states: list  # per stateful layer, the state the next batch starts from


class EpochLoop(NamedTuple):
    """The loop over a chunk's epochs."""

    epoch: Any
    adam: AdamState
    history: Any  # (call_epochs, M) each epoch's mean loss


@dataclass
class Trained:
    weights: list[np.ndarray]  # Keras order, each with a leading model axis
    history: np.ndarray  # (epochs_run, M): each epoch's loss, averaged over its samples
    predictions: np.ndarray  # (M, *y.shape) on the data in its original order
    test_predictions: np.ndarray | None  # (M, *y_test.shape) on the held-out data, if any
    test_history: np.ndarray | None  # (chunks run, M): the held-out loss after each chunk of epochs
    test_epochs: list[int]  # the epoch each row of test_history was measured after
    epochs_run: int
    compile_seconds: float
    train_seconds: float
    compile_cache: str  # "hit": loaded from the persistent cache; "miss": traced or compiled (and saved); "off"


def adam(weights, grads, m, v, iteration, learning_rate):
    """Keras' Adam update; `iteration` counts this step from 1."""
    alpha = learning_rate * tf.sqrt(1.0 - BETA_2**iteration) / (1.0 - BETA_1**iteration)
    m = [m_ + (g - m_) * (1.0 - BETA_1) for m_, g in zip(m, grads)]
    v = [v_ + (tf.square(g) - v_) * (1.0 - BETA_2) for v_, g in zip(v, grads)]
    weights = [w - alpha * m_ / (tf.sqrt(v_) + EPSILON) for w, m_, v_ in zip(weights, m, v)]
    return weights, m, v


def is_stateful(layers) -> bool:
    return any(spec.stateful for spec in layers)


def zero_states(layers, models, batch_size: int) -> list[tuple]:
    """A zero state per stateful layer: as many tensors as its cell carries ((h, c) for an LSTM)."""
    states = []
    for spec in layers:
        if spec.stateful:
            zeros = tf.zeros(tf.stack([models, batch_size, spec.units]))
            states.append((zeros,) * BY_KIND[spec.kind].states)
    return states


def compiled_chunk(
    layers: tuple[LayerSpec, ...], samples: int, batch_size: int, call_epochs: int, sequence_steps: int, judged: int = 0
):
    """A compiled function that trains for up to `call_epochs` epochs per call. Traced once per
    program key by `traced_programs`, which keeps the graph; the function itself is not kept.
    Its `orders` hold a row per epoch, or one row that every epoch takes (samples in order).

    `sequence_steps`: for stateful layers, the samples of one sequence; the state restarts after them.
    `judged`: 0 when every value of y has a target; else how many do, and `y_judged` marks them.
    """
    steps = math.ceil(samples / batch_size)
    in_data_values = np.arange(steps * batch_size) < samples
    stateful = is_stateful(layers)

    @tf.function(jit_compile=True, autograph=False)
    def run(weights, m, v, iteration, learning_rate, x, y, y_judged, orders, epochs, phase, every):
        models = tf.shape(orders)[0]
        rows = orders.shape[1]
        in_data = tf.constant(in_data_values, dtype=tf.float32)  # made inside: a traced program captures nothing

        def train_epoch(loop: EpochLoop) -> tuple[EpochLoop]:
            def train_batch(batch: BatchLoop) -> tuple[BatchLoop]:
                adam_state = batch.adam
                row = loop.epoch if rows > 1 else 0
                idx = tf.squeeze(tf.slice(orders, [0, row, batch.step * batch_size], [-1, 1, batch_size]), 1)
                mask = tf.slice(in_data, [batch.step * batch_size], [batch_size])
                x_batch, y_batch = tf.gather(x, idx), tf.gather(y, idx)
                states = batch.states
                if stateful:
                    fresh = tf.equal(tf.math.floormod(batch.step * batch_size, sequence_steps), 0)
                    states = [tuple(tf.where(fresh, tf.zeros_like(t), t) for t in state) for state in states]
                with tf.GradientTape() as tape:
                    tape.watch(adam_state.weights)
                    out, finals = forward(layers, adam_state.weights, x_batch, states if stateful else None)
                    per_value = tf.stack([models, batch_size, -1])
                    errors = tf.reshape(tf.square(out - y_batch), per_value)
                    if judged:
                        # The mean over the batch's values that have a target; none: no loss.
                        weight = tf.reshape(tf.gather(y_judged, idx), per_value) * mask[None, :, None]
                        counted = tf.reduce_sum(weight, axis=[1, 2])
                        loss = tf.reduce_sum(errors * weight, axis=[1, 2]) / tf.maximum(counted, 1.0)
                    else:
                        per_sample = tf.reduce_mean(errors, axis=-1)
                        loss = tf.reduce_sum(per_sample * mask, axis=1) / tf.reduce_sum(mask)
                        counted = tf.reduce_sum(mask)
                    summed = tf.reduce_sum(loss)
                grads = tape.gradient(summed, adam_state.weights)
                iteration = adam_state.iteration + 1.0
                weights, m, v = adam(adam_state.weights, grads, adam_state.m, adam_state.v, iteration, learning_rate)
                if stateful:
                    # The next batch starts where this one ended; no gradient flows back across batches.
                    states = [tuple(tf.stop_gradient(t) for t in final) for final in finals]
                total = batch.epoch_total + loss * counted
                return (BatchLoop(batch.step + 1, AdamState(weights, m, v, iteration), total, states),)

            first = BatchLoop(0, loop.adam, tf.zeros([models]), zero_states(layers, models, batch_size))
            (done,) = tf.while_loop(lambda batch: batch.step < steps, train_batch, (first,))
            history = tf.tensor_scatter_nd_update(
                loop.history, [[loop.epoch]], [done.epoch_total / (judged or samples)]
            )
            return (EpochLoop(loop.epoch + 1, done.adam, history),)

        def going(loop: EpochLoop):
            # At the end of each reported chunk of `every` epochs (the call began `phase` epochs into
            # one), stop once no model's loss is finite.
            at_end = tf.equal(tf.math.floormod(phase + loop.epoch, every), 0)
            reported = tf.logical_and(loop.epoch > 0, at_end)
            last = tf.gather(loop.history, tf.maximum(loop.epoch - 1, 0))
            diverged = tf.logical_and(reported, tf.logical_not(tf.reduce_any(tf.math.is_finite(last))))
            return tf.logical_and(loop.epoch < epochs, tf.logical_not(diverged))

        first = EpochLoop(0, AdamState(weights, m, v, iteration), tf.zeros(tf.stack([call_epochs, models])))
        (done,) = tf.while_loop(going, train_epoch, (first,))
        return done.adam.weights, done.adam.m, done.adam.v, done.adam.iteration, done.history, done.epoch

    return run


def shared_forward(layers: tuple[LayerSpec, ...]):
    """The forward pass of every model on the same `x`."""

    def run(weights, x, states):
        models = tf.shape(weights[0])[0]
        shared = tf.broadcast_to(x[None], tf.concat([[models], tf.shape(x)], 0))
        return forward(layers, weights, shared, states if states else None, differentiable=False)

    return run


@functools.cache
def compiled_forward(layers: tuple[LayerSpec, ...]):
    return tf.function(shared_forward(layers), reduce_retracing=True, autograph=False)


# Up to this many recurrent steps in all, running the forward pass op by op is faster than tracing
# it first (about 0.1 s): the tutorial's runs predict without a trace (their data, then any held-out
# data). A shape predicted more often in one process (seeds, a sweep, a notebook, a held-out curve)
# is traced, once, and each prediction after takes a third of the time or less.
EAGER_STEPS = 64
EAGER_PREDICTIONS = 2
predictions: collections.Counter[tuple[LayerSpec, ...]] = collections.Counter()


def predict(layers: tuple[LayerSpec, ...], weights, x, sequence_steps: int | None = None) -> Any:  # a tf.Tensor
    """Every model's output on `x`, (M, samples, ...).

    A stateful network sees each sequence's `sequence_steps` samples in order,
    from a zero state; the sequences are independent, so they run side by side.
    """
    stateful = is_stateful(layers)
    steps = sequence_steps or x.shape[0]
    recurrent_steps = sum(spec.steps for spec in layers if spec.recurrent) * (steps if stateful else 1)
    shape = tuple(layers)
    predictions[shape] += 1
    eager = recurrent_steps <= EAGER_STEPS and predictions[shape] <= EAGER_PREDICTIONS
    run = shared_forward(shape) if eager else compiled_forward(shape)
    if not stateful:
        return run(weights, x, [])[0]
    streams = tf.reshape(x, (-1, steps, *x.shape[1:]))  # (sequences, steps, 1, 1)
    states, outputs = zero_states(layers, tf.shape(weights[0])[0], streams.shape[0]), []
    for t in range(steps):
        out, states = run(weights, streams[:, t], states)
        outputs.append(out)
    per_stream = tf.stack(outputs, axis=2)  # (M, sequences, steps, ...)
    return tf.reshape(per_stream, tf.concat([tf.shape(per_stream)[:1], [-1], tf.shape(per_stream)[3:]], 0))


def compiled(settings: tuple, arguments) -> tuple[traced_programs.Program | traced_programs.Traced, str]:
    """The training program for `settings` (compiled_chunk's arguments) and these argument shapes,
    traced or loaded (`traced_programs`), then compiled or loaded from XLA's cache by one call
    that trains nothing; and whether the cache served it (`traced_programs.settle`)."""
    weights = arguments[0]
    returns_like = (weights, weights, weights, 0, 0, 0)  # weights, m, v, iteration, the losses, epochs run
    program = traced_programs.program(settings, compiled_chunk(*settings), arguments, returns_like)
    program(*arguments)  # zero epochs
    return program, traced_programs.settle(program)


def train(
    layers: list[LayerSpec],
    x: np.ndarray,
    y: np.ndarray,
    initial: list[np.ndarray],
    *,
    seeds: list[int],
    epochs: int,
    batch_size: int,
    learning_rate: float,
    on_progress: ProgressCallback | None = None,
    on_compiled: Callable[[], None] | None = None,
    sequence_steps: int | None = None,
    x_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    y_judged: np.ndarray | None = None,
    y_test_judged: np.ndarray | None = None,
) -> Trained:
    """Train len(seeds) models, whose `initial` weights are stacked on axis 0.

    `sequence_steps`: the samples of one sequence, where a stateful network's state restarts
    (default: all of them, one sequence). `x_test`: held-out data to predict once trained; with
    `y_test`, its loss is measured after every chunk of epochs too, as Keras' `val_loss` (the
    weights are not changed by it). `y_judged`, `y_test_judged`: 1.0 where a value of y has a target
    and 0.0 where it has none (None: every value has one); the losses are means over those that do.
    Without `on_progress` or `y_test` nothing is reported between chunks, and each call trains as
    many epochs as its program can (`program_shape.call_epochs`); the numbers are the same either way.
    """
    specs = tuple(layers)  # hashable: the compiled programs are cached by it
    samples = x.shape[0]
    reported_chunk = program_shape.chunk(epochs)
    padded = math.ceil(samples / batch_size) * batch_size
    reporting = on_progress is not None or y_test is not None
    shuffle = not is_stateful(specs)
    fixed = in_order(samples, batch_size, shuffle)  # every epoch takes the samples in the same order
    call_epochs = program_shape.call_epochs(len(seeds), padded, not fixed)
    steps = sequence_steps or samples
    judged = 0 if y_judged is None else int(np.sum(y_judged))
    settings = (specs, samples, batch_size, call_epochs, steps, judged)
    shufflers = [generator(seed, SHUFFLE_STREAM) for seed in seeds]

    weights = [tf.constant(w, dtype=tf.float32) for w in initial]
    m = [tf.zeros_like(w) for w in weights]
    v = [tf.zeros_like(w) for w in weights]
    iteration = tf.constant(0.0)
    rate = tf.constant(learning_rate, dtype=tf.float32)
    x_t, y_t = tf.constant(x, dtype=tf.float32), tf.constant(y, dtype=tf.float32)
    y_judged_t = tf.constant(np.zeros(1) if y_judged is None else y_judged, dtype=tf.float32)

    started = time.perf_counter()
    # Orders the same for every epoch are made once, as one row every epoch of a call takes.
    rows = 1 if fixed else call_epochs
    same_orders = tf.constant(epoch_orders(shufflers, samples, batch_size, 1, 1, shuffle)) if fixed else None
    no_orders = same_orders if fixed else tf.zeros((len(seeds), rows, padded), tf.int32)
    every = tf.constant(reported_chunk)  # where the program checks for divergence
    arguments = (weights, m, v, iteration, rate, x_t, y_t, y_judged_t, no_orders, tf.constant(0), tf.constant(0), every)
    while True:
        try:
            run, cache = compiled(settings, arguments)
            break
        except Exception as error:
            if not traced_programs.fall_back(error):
                raise
    compile_seconds = time.perf_counter() - started
    if on_compiled is not None:
        on_compiled()

    started = time.perf_counter()
    history, done = [], 0
    x_test_t = None if x_test is None else tf.constant(x_test, dtype=tf.float32)
    test_history: list[np.ndarray] = []
    test_epochs: list[int] = []
    # A call costs about 0.1 ms outside the program: the few counts a run passes (a chunk's epochs,
    # a call's, the last call's, where in a chunk a call begins) are each made into a tensor once.
    scalar = functools.cache(tf.constant)
    while done < epochs:
        # Up to the next report, or to the end when nothing is reported; at most a call's epochs.
        until = min(epochs, (done // reported_chunk + 1) * reported_chunk) if reporting else epochs
        n = min(call_epochs, until - done)
        orders = same_orders if fixed else tf.constant(epoch_orders(shufflers, samples, batch_size, n, rows, shuffle))
        phase = done % reported_chunk  # 0 unless a call ended inside a chunk
        weights, m, v, iteration, losses, ran = run(
            weights, m, v, iteration, rate, x_t, y_t, y_judged_t, orders,
            scalar(n), scalar(phase), every,
        )  # fmt: skip
        trained = int(ran)  # fewer than n only when every model's loss stopped being finite
        history.append(losses.numpy()[:trained])
        done += trained
        if trained < n:
            break  # every model has diverged: the program stopped at a report's epoch
        if done % reported_chunk and done < epochs:
            continue  # not a report's epoch: nothing to measure, show or check
        if x_test_t is not None and y_test is not None:
            errors = predict(specs, weights, x_test_t, steps).numpy() - y_test[None]
            squared = np.square(errors, dtype=np.float64)
            if y_test_judged is None:
                test_history.append(np.mean(squared, axis=tuple(range(1, errors.ndim))))
            else:
                counted = squared * y_test_judged[None]
                test_history.append(counted.sum(axis=tuple(range(1, errors.ndim))) / y_test_judged.sum())
            test_epochs.append(done)
        if on_progress is not None:
            on_progress(done, epochs, history[-1][-1])
        if not np.isfinite(history[-1][-1]).any():
            break  # every model has diverged: nothing left to learn
    train_seconds = time.perf_counter() - started
    predictions = predict(specs, weights, x_t, steps).numpy()
    test_predictions = None if x_test_t is None else predict(specs, weights, x_test_t, steps).numpy()

    return Trained(
        weights=[w.numpy() for w in weights],
        history=np.concatenate(history) if history else np.zeros((0, len(seeds)), np.float32),
        predictions=predictions,
        test_predictions=test_predictions,
        test_history=np.array(test_history) if test_history else None,
        test_epochs=test_epochs,
        epochs_run=done,
        compile_seconds=compile_seconds,
        train_seconds=train_seconds,
        compile_cache=cache,
    )
