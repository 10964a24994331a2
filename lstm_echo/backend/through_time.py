"""A recurrent layer's loop over steps and its gradient, backpropagation through time written out.

Differentiating a `tf.scan` of the step (what `tf.GradientTape` does unaided)
gives a backward loop that XLA compiles badly on the CPU: in its optimised
program two whole (steps, batch, units) gradient buffers are copied twice at
every step, because each step both reads and updates them, and the gradient of
the recurrent kernel is summed one outer product per step. The cost per step
then grows with the length of the sequence.

Here the backward loop is written out for each cell: one pass back over the
steps that keeps only what the next step needs (the gradients of the state),
stores each step's gradient of the gate pre-activations once, and takes the
recurrent kernel's gradient after the loop as one matrix product over all steps.
Three more findings from XLA's optimised programs shape the loops: the product
with the recurrent kernel is taken on a loop-carried value (else XLA fuses the
step's elementwise work into it and repeats it once per unit), one model's one
sample multiplies a 2-D kernel (`Kernel`), and each iteration runs one step
(unrolled, the later steps' values are not loop-carried, and their work is fused
into the product again). Tests hold every gradient to `tf.GradientTape`
on the plain scan, and training to Keras.

Every tensor has a leading model axis M: projected inputs are (T, M, B, G),
states (M, B, U), the recurrent kernel (M, U, G).
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from lstm_echo.backend.quiet_tf import tf
from lstm_echo.layers import GRU, LSTM, SIMPLE


class Kernel(NamedTuple):
    """A recurrent kernel (M, K, N), multiplied at every step; `single` is its one model's matrix
    (K, N) when M is 1, taken before the loop."""

    matrix: Any
    single: Any

    @classmethod
    def of(cls, matrix) -> "Kernel":
        return cls(matrix, matrix[0] if matrix.shape[0] == 1 else None)

    def times(self, vectors, transpose: bool = False):
        """vectors (M, B, K) @ matrix, or (M, B, N) @ its transpose. One model's one sample is a
        vector times a 2-D matrix: XLA then calls its matrix-vector product, where the batched
        form (a bitcast of the kernel in the loop) is fused into a plain loop of one multiply-add
        chain per output: 1.9 to 2.1 µs a step against 2.5 to 2.8 µs at 100 units."""
        if self.single is not None and vectors.shape[1] == 1:
            product = tf.matmul(tf.reshape(vectors, [1, -1]), self.single, transpose_b=transpose)
            return tf.reshape(product, [1, 1, -1])
        return tf.matmul(vectors, self.matrix, transpose_b=transpose)

    def times_transpose(self, vectors):
        return self.times(vectors, transpose=True)


def lstm_forward(recurrent_kernel: Kernel, recurrent_bias=None):
    def step(state, projected_t):
        h, c = state
        gates = activated(projected_t + recurrent_kernel.times(h))
        i, f, g, o = tf.split(gates, 4, axis=-1)
        c = f * c + i * g
        return (o * tf.tanh(c), c), (gates,)

    return step


def candidate_block(gates):
    """True on the cell-candidate block of an LSTM's (input, forget, candidate, output) gates."""
    return tf.range(gates.shape[-1]) // (gates.shape[-1] // 4) == 2


def activated(gates):
    """The four gate blocks through their functions at once (tanh for the candidate, else the
    sigmoid): one fused operation per step rather than four."""
    return tf.where(candidate_block(gates), tf.tanh(gates), tf.sigmoid(gates))


def lstm_backward(d_state, projected_t, saved, state, previous):
    """-> (gradient of the input's pre-activations, of the recurrent ones, of the previous state
    except through the recurrent kernel, which the caller adds)."""
    dh, dc = d_state
    (gates,) = saved
    c, c_before = state[1], previous[1]
    i, f, g, o = tf.split(gates, 4, axis=-1)
    memory = tf.tanh(c)
    dc = dc + dh * o * (1.0 - tf.square(memory))
    # Each block's gradient before its function, times that function's derivative.
    outer = tf.concat([dc * g, dc * c_before, dc * i, dh * memory], axis=-1)
    slope = tf.where(candidate_block(gates), 1.0 - tf.square(gates), gates * (1.0 - gates))
    d_gates = outer * slope
    return d_gates, d_gates, (tf.zeros_like(dh), dc * f)


def gru_forward(recurrent_kernel: Kernel, recurrent_bias):
    def step(state, projected_t):
        (h,) = state
        recurrent = recurrent_kernel.times(h) + recurrent_bias[:, None, :]
        z, r, candidate = gru_gates(projected_t, recurrent)
        return (z * h + (1.0 - z) * candidate,), (recurrent,)

    return step


def gru_gates(projected_t, recurrent):
    x_z, x_r, x_h = tf.split(projected_t, 3, axis=-1)
    h_z, h_r, h_h = tf.split(recurrent, 3, axis=-1)
    z, r = tf.sigmoid(x_z + h_z), tf.sigmoid(x_r + h_r)
    return z, r, tf.tanh(x_h + r * h_h)


def gru_backward(d_state, projected_t, saved, state, previous):
    (dh,) = d_state
    (recurrent,) = saved
    (h_before,) = previous
    z, r, candidate = gru_gates(projected_t, recurrent)
    d_candidate = dh * (1.0 - z) * (1.0 - tf.square(candidate))
    d_z = dh * (h_before - candidate) * z * (1.0 - z)
    d_r = d_candidate * tf.split(recurrent, 3, axis=-1)[2] * r * (1.0 - r)
    d_input = tf.concat([d_z, d_r, d_candidate], axis=-1)
    d_recurrent = tf.concat([d_z, d_r, d_candidate * r], axis=-1)
    return d_input, d_recurrent, (dh * z,)


def simple_forward(recurrent_kernel: Kernel, recurrent_bias=None):
    def step(state, projected_t):
        return (tf.tanh(projected_t + recurrent_kernel.times(state[0])),), ()

    return step


def simple_backward(d_state, projected_t, saved, state, previous):
    (dh,) = d_state
    d_pre = dh * (1.0 - tf.square(state[0]))
    return d_pre, d_pre, (tf.zeros_like(dh),)


def outputs_only(passes, projected, recurrent_kernel, recurrent_bias, state):
    """The steps forward alone. Run op by op (a short prediction), a Python loop over the steps
    costs far less than building a loop for TensorFlow to run."""
    step = passes.forward(Kernel.of(recurrent_kernel), recurrent_bias)
    if tf.executing_eagerly():
        outputs = []
        for projected_t in tf.unstack(projected):
            state = step(state, projected_t)[0]
            outputs.append(state[0])
        return tf.stack(outputs), state

    def forward(state, at):
        state = step(state, at[0])[0]
        return state, (state[0],)

    final, (outputs,) = over_steps(forward, [projected], state, (state[0],))
    return outputs, final


class Passes(NamedTuple):
    forward: Callable  # (recurrent kernel, bias) -> step: (state, input) -> (state, saved)
    backward: Callable  # (d state, input, saved, state, previous state) -> (d input, d recurrent, d previous)
    saved: int  # the tensors a step saves for the backward one, each shaped like a step's input
    # Whether the gradients of the input's and the recurrent pre-activations differ (they do
    # where the reset gate scales the recurrent part alone); else one tensor is kept for both.
    separate_input: bool = False


PASSES = {
    LSTM: Passes(lstm_forward, lstm_backward, 1),  # saves the gates, after their functions
    GRU: Passes(gru_forward, gru_backward, 1, separate_input=True),  # saves the recurrent pre-activations
    SIMPLE: Passes(simple_forward, simple_backward, 0),
}


def over_steps(body, elements, carried, written_like, reverse=False):
    """A loop over the steps of `elements` (each (T, ...)), backwards when `reverse`:
    `carried, written = body(carried, each element at the step)`. -> (the last `carried`, every
    step's `written` stacked (T, ...)); `written_like` holds a tensor shaped like each written one.
    Only what is written is kept per step (`tf.scan` keeps everything it carries)."""
    steps = elements[0].shape[0] or tf.shape(elements[0])[0]
    arrays = tuple(tf.TensorArray(w.dtype, size=steps, element_shape=w.shape) for w in written_like)

    shapes = tf.nest.map_structure(lambda value: value.shape, carried)

    # One step per iteration. Unrolled, a step's elementwise work (before its results are stored)
    # was fused by XLA into the next step's product with the recurrent kernel and recomputed there
    # once for every unit: 4 steps per iteration trained 400 steps through 100 units in 11 to 14 µs
    # a step, against 9 to 10.5 µs for one at a time.
    def iteration(position, carried, arrays):
        index = steps - 1 - position if reverse else position
        carried, written = body(carried, [element[index] for element in elements])
        arrays = tuple(array.write(index, w) for array, w in zip(arrays, written))
        # A step may lose a size the loop's first values had (a stateful layer's state is made
        # with a dynamic number of models); the loop needs the same shapes every iteration.
        return position + 1, tf.nest.map_structure(tf.ensure_shape, carried, shapes), arrays

    _, carried, arrays = tf.while_loop(lambda t, *_: t < steps, iteration, (0, carried, arrays))
    return carried, tuple(array.stack() for array in arrays)


def recurrence(kind: str, projected, recurrent_kernel, recurrent_bias, state, differentiable: bool = True):
    """Run the steps: projected (T, M, B, G) -> (every step's output (T, M, B, U), the final state).

    `recurrent_bias` is the bias added inside the step (Keras' GRU), else None; `state` the
    starting state, a tuple of (M, B, U). Differentiable in every tensor given, unless not
    `differentiable` (a prediction: nothing is kept for a backward pass).
    """
    passes = PASSES[kind]
    count = len(state)
    has_bias = recurrent_bias is not None
    if not differentiable:
        return outputs_only(passes, projected, recurrent_kernel, recurrent_bias, state)

    @tf.custom_gradient
    def run(projected, recurrent_kernel, *rest):
        bias = rest[count] if has_bias else None
        start = tuple(rest[:count])
        kernel = Kernel.of(recurrent_kernel)
        step = passes.forward(kernel, bias)

        def forward(state, at):
            state, saved = step(state, at[0])
            return state, (*state, *saved)

        like = (*start, *(projected[0],) * passes.saved)
        final, written = over_steps(forward, [projected], start, like)
        states, saved = written[:count], written[count:]
        previous = tuple(tf.concat([s[None], every[:-1]], axis=0) for s, every in zip(start, states))

        def gradient(d_outputs, *d_final):
            d_final = tuple(tf.zeros_like(s) if d is None else d for s, d in zip(final, d_final))
            d_outputs = tf.zeros_like(states[0]) if d_outputs is None else d_outputs
            separate_input = passes.separate_input

            def backward(carried, at):
                # The product with the recurrent kernel is taken one iteration late, on the carried
                # gradient: XLA would otherwise fuse this step's elementwise gradient into it and
                # recompute that once per unit.
                d_state, d_recurrent_after = carried
                d_output, p, saved_t = at[0], at[1], at[2 : 2 + passes.saved]
                state_t, previous_t = at[2 + passes.saved : 2 + passes.saved + count], at[2 + passes.saved + count :]
                d_h = d_state[0] + d_output + kernel.times_transpose(d_recurrent_after)
                d_input, d_recurrent, d_previous = passes.backward((d_h, *d_state[1:]), p, saved_t, state_t, previous_t)
                return (d_previous, d_recurrent), (d_recurrent, d_input) if separate_input else (d_recurrent,)

            elements = [d_outputs, projected, *saved, *states, *previous]
            carried = (d_final, tf.zeros_like(projected[0]))
            (d_start, d_first), written = over_steps(
                backward, elements, carried, (projected[0],) * (1 + separate_input), reverse=True
            )
            d_recurrents, d_inputs = written[0], written[-1]
            d_start = (d_start[0] + kernel.times_transpose(d_first), *d_start[1:])
            # The kernel's gradient over every step and sample at once: one large product, not T small ones.
            d_kernel = tf.einsum("tmbu,tmbg->mug", previous[0], d_recurrents)
            d_bias = [tf.reduce_sum(d_recurrents, axis=[0, 2])] if has_bias else []
            return [d_inputs, d_kernel, *d_start, *d_bias]

        return (states[0], *final), gradient

    bias = [recurrent_bias] if has_bias else []
    outputs, *final = run(projected, recurrent_kernel, *state, *bias)
    return outputs, tuple(final)
