"""Computed answers to the questions the architectures raise, starting with the most asked:
is `TimeDistributed(Dense(1))` any different from a plain `Dense(1)` on a 3-D input?

Both are built as real Keras models, given the same weights (a many-to-many
network trained by the engine), and compared on Keras' own parameter counts
and outputs.
"""

import numpy as np

from lstm_echo import config, data, keras_model, runner
from lstm_echo.architectures import many_to_many, many_to_many_dense


def timedistributed(length: int, neurons: int, epochs: int, seed: int) -> dict:
    experiment = config.resolve(
        {
            "architecture": many_to_many.ARCHITECTURE.name,
            "length": length,
            "neurons": neurons,
            "epochs": epochs,
            "seed": seed,
        }
    )
    trained = runner.run(experiment).weights
    sequence = data.echo_sequence(length)
    x, _ = many_to_many.ARCHITECTURE.frame(sequence, sequence)
    sides = {}
    for name, arch in (("time_distributed", many_to_many.ARCHITECTURE), ("dense", many_to_many_dense.ARCHITECTURE)):
        layers = arch.layers(length, neurons)
        model = keras_model.build(layers)
        model.set_weights(trained)
        sides[name] = {
            "layers": [
                {
                    "name": row["name"],
                    "type": row["type"],
                    "output_shape": list(layer.output.shape),
                    "params": layer.count_params(),
                }
                for row, layer in zip(runner.layer_rows(layers), model.layers)
            ],
            "total_params": model.count_params(),
            "outputs": data.flatten(model.predict(x, verbose=0)).tolist(),
        }
    difference = np.abs(np.subtract(sides["time_distributed"]["outputs"], sides["dense"]["outputs"]))
    return {
        "length": length,
        "neurons": neurons,
        "epochs": epochs,
        "seed": seed,
        "inputs": sequence.tolist(),
        **sides,
        "same_params": sides["time_distributed"]["total_params"] == sides["dense"]["total_params"],
        "max_abs_difference": float(difference.max()),
    }
