"""The tutorial's many-to-many experiment as a plain Keras script, for `bench/startup.py`
to time as a whole process: what a user runs without lstm-echo.

Same settings as `lstm-echo run many-to-many`: length 5, 5 units, 1000 epochs of
batch 1, Adam and mean squared error; it prints the predictions.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402  (after quieting TensorFlow's log)
import numpy as np  # noqa: E402

LENGTH, UNITS, EPOCHS = 5, 5, 1000

steps = (np.arange(LENGTH) / LENGTH).astype("float32")
x, y = steps.reshape(1, LENGTH, 1), steps.reshape(1, LENGTH, 1)
model = keras.Sequential(
    [
        keras.Input(shape=(LENGTH, 1)),
        keras.layers.LSTM(UNITS, return_sequences=True),
        keras.layers.TimeDistributed(keras.layers.Dense(1)),
    ]
)
model.compile(loss="mean_squared_error", optimizer="adam")
model.fit(x, y, epochs=EPOCHS, batch_size=1, verbose=0)
print(" ".join(f"{v:.2f}" for v in model.predict(x, verbose=0).ravel()))
