"""Initial weights the way Keras draws them, in numpy, one generator per seed.

Keras' defaults: glorot_uniform kernels, orthogonal recurrent kernels, zero
biases, and for the LSTM a forget-gate bias of one (`unit_forget_bias`).
Drawing them here rather than through Keras makes seed k's weights depend on k
alone, so a model trained in a batch of seeds starts exactly where a lone run
of seed k starts, and thousands of seeds cost milliseconds.
"""

import numpy as np

from lstm_echo import seeds
from lstm_echo.cells import BY_KIND
from lstm_echo.layers import LayerSpec


def glorot_uniform(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    fan_in, fan_out = shape
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def orthogonal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    rows, cols = shape
    q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
    # The sign fix makes q uniformly distributed over orthogonal matrices.
    q *= np.sign(np.diag(r))
    return q.T if rows < cols else q


def bias(spec: LayerSpec, shape: tuple[int, ...], forget_bias: float = 1.0) -> np.ndarray:
    b = np.zeros(shape)
    cell = BY_KIND.get(spec.kind)
    if cell is not None and cell.unit_forget_bias:
        forget = cell.gates.index("forget")
        b[forget * spec.units : (forget + 1) * spec.units] = forget_bias  # the forget gate starts open
    return b


def initial_weights(layers: list[LayerSpec], seed: int, forget_bias: float = 1.0) -> list[np.ndarray]:
    """Float32 weights for every layer, in Keras' `get_weights()` order. `forget_bias`: where an LSTM's
    forget-gate biases start (Keras: one; `reproduce adding` opens the gate further)."""
    rng = seeds.generator(seed, seeds.WEIGHTS_STREAM)
    weights = []
    for spec in layers:
        if not spec.weight_shapes:
            continue
        kernel, *rest, bias_shape = spec.weight_shapes
        weights.append(glorot_uniform(rng, kernel))
        if spec.recurrent:
            weights.append(orthogonal(rng, rest[0]))
        weights.append(bias(spec, bias_shape, forget_bias))
    return [w.astype(np.float32) for w in weights]
