"""The forward pass of a stack of layer specs, for many independent models at once.

Every weight carries a leading model axis M, so M networks of the same shape
run as one program without sharing anything:

    x (M, batch, steps, features) -> ... -> (M, batch, *output_shape[1:])

The math is Keras' own (gate order i, f, c, o; sigmoid gates, tanh cell), and
tests hold it against `keras.Model.predict` on the same weights.
"""

from lstm_echo.layers import LSTM, LayerSpec
from lstm_echo.quiet_tf import tf


def lstm(x, kernel, recurrent_kernel, bias, return_sequences: bool):
    """x (M, B, T, I), kernel (M, I, 4U), recurrent (M, U, 4U), bias (M, 4U)."""
    # The input projection does not depend on the state, so do it for all steps at once.
    projected = tf.einsum("mbti,mig->tmbg", x, kernel) + bias[None, :, None, :]
    units = tf.shape(recurrent_kernel)[1]
    zeros = tf.zeros(tf.stack([tf.shape(x)[0], tf.shape(x)[1], units]), dtype=x.dtype)

    def step(state, projected_t):
        h, c = state
        z = projected_t + tf.matmul(h, recurrent_kernel)
        i, f, g, o = tf.split(z, 4, axis=-1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        h = tf.sigmoid(o) * tf.tanh(c)
        return h, c

    # A symbolic loop over steps keeps compile time flat in the sequence length.
    hs, _ = tf.scan(step, projected, initializer=(zeros, zeros))
    if return_sequences:
        return tf.transpose(hs, [1, 2, 0, 3])
    return hs[-1]


def dense(x, kernel, bias):
    """x (M, ..., I) -> (M, ..., U): the same weights applied along every leading axis."""
    shape = tf.shape(x)
    flat = tf.reshape(x, tf.stack([shape[0], -1, shape[-1]]))
    out = tf.matmul(flat, kernel) + bias[:, None, :]
    return tf.reshape(out, tf.concat([shape[:-1], tf.shape(kernel)[-1:]], axis=0))


def forward(layers: tuple[LayerSpec, ...], weights, x):
    """Run `x` through the layers; `weights` is the flat Keras-ordered list."""
    position = 0
    for spec in layers:
        count = len(spec.weight_shapes)
        own = weights[position : position + count]
        position += count
        if spec.kind == LSTM:
            x = lstm(x, *own, return_sequences=spec.return_sequences)
        else:
            x = dense(x, *own)
    return x
