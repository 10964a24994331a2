"""The forward pass of a stack of layer specs, for many independent models at once.

Every weight carries a leading model axis M, so M networks of the same shape
run as one program without sharing anything:

    x (M, batch, steps, features) -> ... -> (M, batch, *output_shape[1:])

The math is Keras' own (LSTM gates i, f, c, o; GRU gates z, r, h with
reset_after; SimpleRNN with tanh), and tests hold it against
`keras.Model.predict` on the same weights.
"""

from lstm_echo.cells import BY_KIND
from lstm_echo.layers import GRU, LSTM, REPEAT, SIMPLE, LayerSpec
from lstm_echo.quiet_tf import tf


def lstm_step(recurrent_kernel, recurrent_bias=None):
    def step(state, projected_t):
        h, c = state
        i, f, g, o = tf.split(projected_t + tf.matmul(h, recurrent_kernel), 4, axis=-1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        return tf.sigmoid(o) * tf.tanh(c), c

    return step


def gru_step(recurrent_kernel, recurrent_bias):
    def step(state, projected_t):
        (h,) = state
        x_z, x_r, x_h = tf.split(projected_t, 3, axis=-1)
        h_z, h_r, h_h = tf.split(tf.matmul(h, recurrent_kernel) + recurrent_bias[:, None, :], 3, axis=-1)
        z, r = tf.sigmoid(x_z + h_z), tf.sigmoid(x_r + h_r)
        candidate = tf.tanh(x_h + r * h_h)
        return (z * h + (1.0 - z) * candidate,)

    return step


def simple_step(recurrent_kernel, recurrent_bias=None):
    def step(state, projected_t):
        return (tf.tanh(projected_t + tf.matmul(state[0], recurrent_kernel)),)

    return step


STEPS = {LSTM: lstm_step, GRU: gru_step, SIMPLE: simple_step}  # layer kind -> its step function


def recurrent(spec: LayerSpec, x, weights, state=None):
    """x (M, B, T, I) -> (outputs, final state); `state` None starts from zeros."""
    kernel, recurrent_kernel, bias = weights
    cell = BY_KIND[spec.kind]
    # Two bias rows (Keras' GRU): the first is added to the input, the second inside the step.
    input_bias, recurrent_bias = (bias[:, 0], bias[:, 1]) if cell.bias_rows > 1 else (bias, None)
    step = STEPS[spec.kind](recurrent_kernel, recurrent_bias)
    # The input projection does not depend on the state, so do it for all steps at once.
    projected = tf.einsum("mbti,mig->tmbg", x, kernel) + input_bias[None, :, None, :]
    if state is None:
        zeros = tf.zeros(tf.stack([tf.shape(x)[0], tf.shape(x)[1], spec.units]), dtype=x.dtype)
        state = (zeros,) * cell.states
    # A symbolic loop over steps keeps compile time flat in the sequence length.
    states = tf.scan(step, projected, initializer=tuple(state))
    final = tuple(s[-1] for s in states)
    if spec.return_sequences:
        return tf.transpose(states[0], [1, 2, 0, 3]), final
    return final[0], final


def dense(x, kernel, bias):
    """x (M, ..., I) -> (M, ..., U): the same weights applied along every leading axis."""
    shape = tf.shape(x)
    flat = tf.reshape(x, tf.stack([shape[0], -1, shape[-1]]))
    out = tf.matmul(flat, kernel) + bias[:, None, :]
    return tf.reshape(out, tf.concat([shape[:-1], tf.shape(kernel)[-1:]], axis=0))


def forward(layers: tuple[LayerSpec, ...], weights, x, states=None):
    """Run `x` through the layers; `weights` is the flat Keras-ordered list.

    `states` holds a starting state per recurrent layer (None: zeros); the
    result is (output, the final state of every recurrent layer).
    """
    position, finals = 0, list[tuple]()
    for spec in layers:
        count = len(spec.weight_shapes)
        own = weights[position : position + count]
        position += count
        if spec.recurrent:
            x, final = recurrent(spec, x, own, None if states is None else states[len(finals)])
            finals.append(final)
        elif spec.kind == REPEAT:
            x = tf.repeat(x[:, :, None, :], spec.steps, axis=2)
        else:
            x = dense(x, *own)
    return x, finals
