"""Computed answers to the questions the architectures raise.

timedistributed: is `TimeDistributed(Dense(1))` any different from a plain
    `Dense(1)` on a 3-D input? Both are built as real Keras models, given the
    same weights (a many-to-many network trained by the engine), and compared on
    Keras' own parameter counts and outputs.
vanishing: how much does the last output still depend on inputs far back? The
    gradient of the last output with respect to each input step, for SimpleRNN,
    GRU and LSTM many-to-many networks of the same size, at their initial
    weights and once trained.
"""

import numpy as np

from lstm_echo import cells, config, data, runner
from lstm_echo.architectures import many_to_many, many_to_many_dense
from lstm_echo.backend import keras_model
from lstm_echo.initializers import initial_weights

VANISHING_CELLS = ("simple", "gru", "lstm")


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


def vanishing(length: int, neurons: int, epochs: int, seed: int) -> dict:
    """Per cell: |d y_last / d x_s| against the lag (length - 1 - s), at initialisation and after training."""
    sequence = data.echo_sequence(length)
    x, _ = many_to_many.ARCHITECTURE.frame(sequence, sequence)
    answer: dict = {"length": length, "neurons": neurons, "epochs": epochs, "seed": seed, "cells": {}}
    for cell in VANISHING_CELLS:
        experiment = config.resolve(
            {
                "architecture": "many-to-many",
                "cell": cell,
                "length": length,
                "neurons": neurons,
                "epochs": epochs,
                "seed": seed,
            }
        )
        layers = runner.network_layers(experiment)
        trained = runner.run(experiment)
        by_lag = {
            phase: gradients_by_lag(layers, weights, x)
            for phase, weights in (("initial", initial_weights(layers, seed)), ("trained", trained.weights))
        }
        answer["cells"][cells.BY_OPTION[cell].label] = {**by_lag, "learned": trained.verdict.learned}
    answer["finding"] = vanishing_finding(answer)
    return answer


def gradients_by_lag(layers, weights: list[np.ndarray], x: np.ndarray) -> list[float]:
    """|d y_last / d x_s| with index = lag: the last row of the connectivity matrix, reversed."""
    from lstm_echo.backend import probes  # TensorFlow

    steps = np.arange(x.shape[1])
    return probes.connectivity(layers, [w[None] for w in weights], x, steps)[0, -1, ::-1].tolist()


def kept(gradients: list[float]) -> float:
    """The gradient at the longest lag as a multiple of the one at lag 0 (below 1: it faded)."""
    return gradients[-1] / gradients[0] if gradients[0] > 0 else float("inf")


def vanishing_finding(answer: dict) -> str:
    """One sentence from the numbers: what is left of each cell's gradient at the longest lag, and which fades most."""
    parts = []
    for phase, words in (("initial", "at initialisation"), ("trained", "after training")):
        factors = {cell: kept(values[phase]) for cell, values in answer["cells"].items()}
        order = sorted(factors, key=factors.__getitem__)
        listed = ", ".join(f"{cell} {factors[cell]:.2g}" for cell in factors)
        parts.append(f"{words} {listed} (it fades most in {order[0]}, least in {order[-1]})")
    return (
        f"At lag {answer['length'] - 1} the last output's gradient is, as a multiple of its size at lag 0: "
        + "; ".join(parts)
        + "."
    )
