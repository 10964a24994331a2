"""The backward pass through time written out per cell, held to tf.GradientTape on the plain scan."""

import numpy as np
import pytest

from lstm_echo import cells
from lstm_echo.backend import compile_cache, network, through_time
from lstm_echo.backend.quiet_tf import tf
from lstm_echo.layers import CELLS, LayerSpec


def gradients(spec, x, weights, state, target, written_out: bool):
    """The loss's gradient in every weight, the input and the starting state, and the loss.
    `written_out`: through `through_time`; else through the step functions `inspect` runs in a
    `tf.scan`, differentiated by the tape alone."""
    with tf.GradientTape() as tape:
        tape.watch([*weights, *state, x])
        out, final, _ = network.recurrent(spec, x, weights, state, keep_values=not written_out)
        # The last state too (an LSTM's memory), as a stateful layer hands it on.
        loss = tf.reduce_sum(tf.square(out - target)) + 0.3 * tf.reduce_sum(final[-1])
    return loss, tape.gradient(loss, [*weights, *state, x])


# (models, batch): one model and one sample take the product with a 2-D kernel (`Kernel.times`).
SHAPES = [(1, 1), (2, 3)]


@pytest.mark.parametrize("kind", CELLS.values())
@pytest.mark.parametrize("models, batch", SHAPES)
@pytest.mark.parametrize("steps", [1, 7])
@pytest.mark.parametrize("sequences", [True, False])
def test_gradients_equal_the_tapes(kind, models, batch, steps, sequences):
    rng = np.random.default_rng(steps)
    spec = LayerSpec(kind, units=3, inputs=2, steps=steps, return_sequences=sequences)
    weights = [tf.constant(rng.normal(size=(models, *s)) * 0.6, tf.float32) for s in spec.weight_shapes]
    x = tf.constant(rng.normal(size=(models, batch, steps, 2)), tf.float32)
    state = tuple(
        tf.constant(rng.normal(size=(models, batch, 3)), tf.float32) for _ in range(cells.BY_KIND[kind].states)
    )
    target = tf.constant(rng.normal(size=(models, batch, steps, 3) if sequences else (models, batch, 3)), tf.float32)
    ours_loss, ours = gradients(spec, x, weights, state, target, written_out=True)
    tape_loss, tapes = gradients(spec, x, weights, state, target, written_out=False)
    np.testing.assert_allclose(ours_loss.numpy(), tape_loss.numpy(), rtol=1e-6)
    for mine, theirs in zip(ours, tapes):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), atol=2e-5)


def test_a_gradient_that_is_wrong_is_caught():
    """The comparison above can fail: a backward step off by a factor is seen."""
    passes = through_time.PASSES["simple_rnn"]

    def doubled(*arguments):
        d_input, d_recurrent, d_previous = passes.backward(*arguments)
        return 2 * d_input, 2 * d_recurrent, d_previous

    through_time.PASSES["simple_rnn"] = passes._replace(backward=doubled)
    try:
        with pytest.raises(AssertionError):
            test_gradients_equal_the_tapes("simple_rnn", 1, 1, 4, True)
    finally:
        through_time.PASSES["simple_rnn"] = passes


def test_every_written_out_pass_is_a_registered_cells():
    assert set(through_time.PASSES) <= set(cells.BY_KIND)


@pytest.mark.parametrize("kind", list(through_time.PASSES))
def test_a_cell_without_a_written_out_pass_trains_through_its_step_function(monkeypatch, kind):
    """A new cell needs its row and its step function alone: without an entry in `PASSES` the
    engine differentiates the step function, to the gradients the written-out pass gives."""
    rng = np.random.default_rng(5)
    spec = LayerSpec(kind, units=3, inputs=2, steps=9, return_sequences=True)
    weights = [tf.constant(rng.normal(size=(2, *s)) * 0.6, tf.float32) for s in spec.weight_shapes]
    x = tf.constant(rng.normal(size=(2, 3, spec.steps, 2)), tf.float32)
    state = tuple(tf.constant(rng.normal(size=(2, 3, 3)), tf.float32) for _ in range(cells.BY_KIND[kind].states))
    target = tf.constant(rng.normal(size=(2, 3, spec.steps, 3)), tf.float32)
    written_loss, written = gradients(spec, x, weights, state, target, written_out=True)
    monkeypatch.delitem(through_time.PASSES, kind)
    monkeypatch.setattr(network, "recurrence", None)  # a call to the written-out loop would fail
    alone_loss, alone = gradients(spec, x, weights, state, target, written_out=True)
    np.testing.assert_allclose(alone_loss.numpy(), written_loss.numpy(), rtol=1e-6)
    for mine, theirs in zip(alone, written):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), atol=2e-5)


def test_inside_a_compiled_program_too():
    """XLA compiles the written-out loops (the engine's training program is jit-compiled)."""
    rng = np.random.default_rng(0)
    spec = LayerSpec("lstm", units=4, inputs=1, steps=9, return_sequences=True)
    weights = [tf.constant(rng.normal(size=(1, *s)), tf.float32) for s in spec.weight_shapes]
    x = tf.constant(rng.normal(size=(1, 1, 9, 1)), tf.float32)
    state = (tf.zeros((1, 1, 4)),) * 2

    @tf.function(jit_compile=True, autograph=False)
    def compiled(weights):
        with tf.GradientTape() as tape:
            tape.watch(weights)
            out, final, _ = network.recurrent(spec, x, weights, state)
            loss = tf.reduce_sum(tf.square(out)) + 0.3 * tf.reduce_sum(final[-1])
        return tape.gradient(loss, weights)

    try:
        for mine, theirs in zip(compiled(weights), gradients(spec, x, weights, state, 0.0, written_out=False)[1]):
            np.testing.assert_allclose(mine.numpy(), theirs.numpy(), atol=2e-5)
    finally:
        # XLA wrote this program where the compile cache takes what the engine's next program compiles:
        # take it now, or that program would be recorded with it.
        if compile_cache.active is not None:
            compile_cache.collect()
