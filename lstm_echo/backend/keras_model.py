"""A plain Keras model from layer specs: the reference the engine is checked against.

The engine never trains this model; tests compare its parameter counts, output
shapes and predictions with ours, and `bench/` times its `fit` as the baseline.
"""

from lstm_echo.backend.quiet_tf import PLOTTING, kept_out

with kept_out(PLOTTING):  # TensorFlow has started, quietly; Keras imports matplotlib at once if it can
    import keras

from lstm_echo.cells import BY_KIND
from lstm_echo.layers import DENSE, REPEAT, LayerSpec


def keras_layer(spec: LayerSpec) -> keras.layers.Layer:
    if spec.recurrent:
        cell = BY_KIND[spec.kind]
        layer = getattr(keras.layers, cell.label)
        return layer(
            spec.units, return_sequences=spec.return_sequences, stateful=spec.stateful, **dict(cell.keras_arguments)
        )
    if spec.kind == REPEAT:
        return keras.layers.RepeatVector(spec.steps)
    assert spec.kind == DENSE
    dense = keras.layers.Dense(spec.units)
    return keras.layers.TimeDistributed(dense) if spec.time_distributed else dense


def build(layers: list[LayerSpec], learning_rate: float = 0.001, compiled: bool = True) -> keras.Model:
    """A `Sequential` for one sample shape, compiled for training (Adam, mean squared error) unless not `compiled`."""
    first = layers[0]
    if first.batch is None:
        inputs = keras.Input(shape=(first.steps, first.inputs))
    else:
        inputs = keras.Input(batch_shape=(first.batch, first.steps, first.inputs))
    model = keras.Sequential([inputs, *map(keras_layer, layers)])
    if compiled:
        model.compile(loss="mean_squared_error", optimizer=keras.optimizers.Adam(learning_rate))
    return model
