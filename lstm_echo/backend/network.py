"""The forward pass of a stack of layer specs, for many independent models at once.

Every weight carries a leading model axis M, so M networks of the same shape
run as one program without sharing anything:

    x (M, batch, steps, features) -> ... -> (M, batch, *output_shape[1:])

The math is Keras' own (LSTM gates i, f, c, o; GRU gates z, r, h with
reset_after; SimpleRNN with tanh), and tests hold it against
`keras.Model.predict` on the same weights.
"""

from lstm_echo.backend.quiet_tf import tf
from lstm_echo.backend.through_time import PASSES, recurrence
from lstm_echo.cells import BY_KIND
from lstm_echo.layers import GRU, LSTM, REPEAT, SIMPLE, LayerSpec


def lstm_step(recurrent_kernel, recurrent_bias=None):
    def step(state, projected_t):
        h, c = state
        i, f, g, o = tf.split(projected_t + tf.matmul(h, recurrent_kernel), 4, axis=-1)
        i, f, g, o = tf.sigmoid(i), tf.sigmoid(f), tf.tanh(g), tf.sigmoid(o)
        c = f * c + i * g
        h = o * tf.tanh(c)
        return (h, c), {
            "input gate": i,
            "forget gate": f,
            "output gate": o,
            "candidate": g,
            "cell state": c,
            "output": h,
        }

    return step


def gru_step(recurrent_kernel, recurrent_bias):
    def step(state, projected_t):
        (h,) = state
        x_z, x_r, x_h = tf.split(projected_t, 3, axis=-1)
        h_z, h_r, h_h = tf.split(tf.matmul(h, recurrent_kernel) + recurrent_bias[:, None, :], 3, axis=-1)
        z, r = tf.sigmoid(x_z + h_z), tf.sigmoid(x_r + h_r)
        candidate = tf.tanh(x_h + r * h_h)
        h = z * h + (1.0 - z) * candidate
        return (h,), {"update gate": z, "reset gate": r, "candidate": candidate, "output": h}

    return step


def simple_step(recurrent_kernel, recurrent_bias=None):
    def step(state, projected_t):
        h = tf.tanh(projected_t + tf.matmul(state[0], recurrent_kernel))
        return (h,), {"output": h}

    return step


# Layer kind -> its step function: (state, projected input) -> (new state, the values
# `inspect` shows, named as in the cell's `shown`). Training keeps only the new state.
STEPS = {LSTM: lstm_step, GRU: gru_step, SIMPLE: simple_step}


def recurrent(spec: LayerSpec, x, weights, state=None, keep_values: bool = False, differentiable: bool = True):
    """x (M, B, T, I) -> (outputs, final state, values); `state` None starts from zeros.

    `keep_values`: also return every step's gates and memory, {name: (M, B, T, units)}; else None.
    `differentiable`: False for a prediction, which keeps nothing for a backward pass.
    """
    kernel, recurrent_kernel, bias = weights
    cell = BY_KIND[spec.kind]
    # Two bias rows (Keras' GRU): the first is added to the input, the second inside the step.
    input_bias, recurrent_bias = (bias[:, 0], bias[:, 1]) if cell.bias_rows > 1 else (bias, None)
    # The input projection does not depend on the state, so do it for all steps at once.
    projected = tf.einsum("mbti,mig->tmbg", x, kernel) + input_bias[None, :, None, :]
    if state is None:
        zeros = tf.zeros(tf.stack([tf.shape(x)[0], tf.shape(x)[1], spec.units]), dtype=x.dtype)
        state = (zeros,) * cell.states
    # A symbolic loop over steps keeps compile time flat in the sequence length.
    values = None
    if keep_values or spec.kind not in PASSES:
        # The step function alone, differentiated by TensorFlow: what `inspect` reads, and how a
        # cell without a backward pass written out in `through_time` trains (correct, and slower).
        step = STEPS[spec.kind](recurrent_kernel, recurrent_bias)
        shown = {name: tf.zeros_like(state[0]) for name in cell.shown}
        states, values = tf.scan(lambda carried, p: step(carried[0], p), projected, initializer=(tuple(state), shown))
        values = {name: tf.transpose(v, [1, 2, 0, 3]) for name, v in values.items()} if keep_values else None
        outputs, final = states[0], tuple(s[-1] for s in states)
    else:
        # Training differentiates this: its backward loop is written out (see `through_time`).
        outputs, final = recurrence(
            spec.kind, projected, recurrent_kernel, recurrent_bias, tuple(state), differentiable
        )
    if spec.return_sequences:
        return tf.transpose(outputs, [1, 2, 0, 3]), final, values
    return final[0], final, values


def dense(x, kernel, bias):
    """x (M, ..., I) -> (M, ..., U): the same weights applied along every leading axis."""
    shape = tf.shape(x)
    flat = tf.reshape(x, tf.stack([shape[0], -1, shape[-1]]))
    out = tf.matmul(flat, kernel) + bias[:, None, :]
    return tf.reshape(out, tf.concat([shape[:-1], tf.shape(kernel)[-1:]], axis=0))


def forward(
    layers: tuple[LayerSpec, ...], weights, x, states=None, keep_values: bool = False, differentiable: bool = True
):
    """Run `x` through the layers; `weights` is the flat Keras-ordered list.

    `states` holds a starting state per recurrent layer (None: zeros); the
    result is (output, the final state of every recurrent layer), and with
    `keep_values` a third item: every recurrent layer's values at each step
    (see `recurrent`).
    """
    position, finals, kept = 0, list[tuple](), list[dict]()
    for spec in layers:
        count = len(spec.weight_shapes)
        own = weights[position : position + count]
        position += count
        if spec.recurrent:
            start = None if states is None else states[len(finals)]
            x, final, values = recurrent(spec, x, own, start, keep_values, differentiable)
            finals.append(final)
            kept.append(values)
        elif spec.kind == REPEAT:
            x = tf.repeat(x[:, :, None, :], spec.steps, axis=2)
        else:
            x = dense(x, *own)
    return (x, finals, kept) if keep_values else (x, finals)
