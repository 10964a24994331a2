"""Looking into the engine's forward pass: each step's gates and memory, and which input each output used.

Both run one framed input sequence through `network.forward` (the pass the
engine trains), `samples` of `steps` values each, as the architecture frames
it. A stateful network takes its samples one after another, carrying its state;
any other takes them as one batch.

connectivity: |d y_t / d x_s| for every output t and input step s, for M
    models at once, in one traced program. Each output needs its own backward
    pass, so the sequence is copied once per output as independent streams of
    one batch: copy t's output t depends on copy t's inputs alone, so one
    gradient of the sum over t gives every row of the matrix.
"""

import functools

import numpy as np

from lstm_echo.backend.engine import is_stateful, zero_states
from lstm_echo.backend.network import forward
from lstm_echo.backend.quiet_tf import tf
from lstm_echo.layers import LayerSpec


def run_sequence(layers: tuple[LayerSpec, ...], weights, copies, keep_values: bool = False):
    """copies (M, C, samples, steps, 1): C streams per model -> (outputs (M, C, values), values per layer).

    The values per recurrent layer are {name: (M, C, samples × steps, units)}, with `keep_values`.
    """
    models, streams, samples = tf.shape(copies)[0], copies.shape[1], copies.shape[2]  # models may vary per call

    def passed(x, states):
        """(output, final states, kept values): forward's answer, with no values unless kept."""
        result = forward(layers, weights, x, states, keep_values=keep_values)
        return result if keep_values else (*result, [])

    if not is_stateful(layers):
        out, _, kept = passed(tf.reshape(copies, (models, streams * samples, *copies.shape[3:])), None)
        per_layer = [{name: tf.reshape(v, (models, streams, -1, v.shape[-1])) for name, v in k.items()} for k in kept]
        return tf.reshape(out, (models, streams, -1)), per_layer
    states = zero_states(layers, models, streams)
    outs, steps = [], []
    for i in range(samples):  # in order: each sample starts from the state the one before left
        out, states, kept = passed(copies[:, :, i], states)
        outs.append(tf.reshape(out, (models, streams, -1)))
        steps.append(kept)
    per_layer = [
        {name: tf.concat([s[n][name] for s in steps], axis=2) for name in layer} for n, layer in enumerate(steps[0])
    ]
    return tf.concat(outs, axis=2), per_layer


def step_values(
    layers: list[LayerSpec], weights: list[np.ndarray], framed: np.ndarray
) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    """One model's outputs on one framed sequence, and per recurrent layer {name: (units, steps)}."""
    stacked = [tf.constant(w[None], dtype=tf.float32) for w in weights]  # the model axis
    copies = tf.constant(framed[None, None], dtype=tf.float32)
    outputs, per_layer = run_sequence(tuple(layers), stacked, copies, keep_values=True)
    values = [{name: v[0, 0].numpy().T for name, v in layer.items()} for layer in per_layer]
    return outputs[0, 0].numpy(), values


@functools.cache
def compiled_jacobian(layers: tuple[LayerSpec, ...]):
    @tf.function(autograph=False, reduce_retracing=True)
    def jacobian(weights, copies):
        with tf.GradientTape() as tape:
            tape.watch(copies)
            outputs, _ = run_sequence(layers, weights, copies)  # (M, C, C): copy, output
            picked = tf.reduce_sum(tf.linalg.diag_part(outputs))  # output t of copy t
        return tape.gradient(picked, copies)

    return jacobian


def connectivity(
    layers: list[LayerSpec], weights: list[np.ndarray], framed: np.ndarray, positions: np.ndarray
) -> np.ndarray:
    """|d y_t / d x_s| per model, (M, outputs, length), for models stacked on axis 0 of `weights`.

    `positions`: the sequence step of each value of `framed`, in order (its samples × steps).
    """
    length = int(positions.max()) + 1
    models = weights[0].shape[0]
    stacked = [tf.constant(w, dtype=tf.float32) for w in weights]
    copies = tf.constant(np.broadcast_to(framed, (models, length, *framed.shape)), dtype=tf.float32)
    gradients = compiled_jacobian(tuple(layers))(stacked, copies).numpy().reshape(models, length, -1)
    # A step framed into several positions moves all of them: its gradient is their sum.
    to_steps = (positions[:, None] == np.arange(length)).astype(np.float32)
    return np.abs(gradients @ to_steps)
