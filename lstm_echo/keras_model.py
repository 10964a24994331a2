"""A plain Keras model from layer specs: the reference the engine is checked against.

The engine never trains this model; tests compare its parameter counts, output
shapes and predictions with ours, and `bench/` times its `fit` as the baseline.
"""

from lstm_echo.quiet_tf import tf  # noqa: F401  (imported first, quietly, for Keras' backend)

import keras

from lstm_echo.layers import LSTM, LayerSpec


def build(layers: list[LayerSpec], learning_rate: float = 0.001) -> keras.Model:
    """A compiled `Sequential` (Adam, mean squared error) for one sample shape."""
    first = layers[0]
    model = keras.Sequential([keras.Input(shape=(first.steps, first.inputs))])
    for spec in layers:
        if spec.kind == LSTM:
            model.add(keras.layers.LSTM(spec.units, return_sequences=spec.return_sequences))
        elif spec.time_distributed:
            model.add(keras.layers.TimeDistributed(keras.layers.Dense(spec.units)))
        else:
            model.add(keras.layers.Dense(spec.units))
    model.compile(loss="mean_squared_error", optimizer=keras.optimizers.Adam(learning_rate))
    return model
