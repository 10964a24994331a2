"""The arithmetic in param_arithmetic.py, and the specs behind it, against Keras itself."""

import itertools

import pytest

from lstm_echo import architectures, initializers
from lstm_echo import param_arithmetic as params
from lstm_echo.backend import keras_model
from lstm_echo.layers import CELLS, DENSE, GRU, LSTM, SIMPLE, LayerSpec

GRID = list(itertools.product([1, 2, 5, 13], [1, 3, 5, 16]))


def check_against_keras(layers):
    model = keras_model.build(layers)
    assert len(model.layers) == len(layers)
    for spec, layer in zip(layers, model.layers):
        assert params.layer_arithmetic(spec).params == layer.count_params(), spec
        assert spec.output_shape == tuple(layer.output.shape), spec
        assert spec.type_label == type(layer).__name__
        assert [tuple(w.shape) for w in layer.get_weights()] == spec.weight_shapes
    assert params.total_params(layers) == model.count_params()
    # The initial weights have exactly the shapes Keras expects.
    model.set_weights(initializers.initial_weights(layers, seed=0))


@pytest.mark.parametrize("arch", architectures.REGISTRY, ids=lambda f: f.name)
@pytest.mark.parametrize("length, neurons", GRID)
def test_counts_and_shapes_match_keras(arch, length, neurons):
    check_against_keras(arch.layers(length, neurons))


@pytest.mark.parametrize("arch", architectures.REGISTRY, ids=lambda f: f.name)
@pytest.mark.parametrize("cell", CELLS.values())
@pytest.mark.parametrize("length, neurons, depth", [(3, 2, 1), (6, 7, 2), (4, 4, 3)])
def test_every_cell_and_depth_matches_keras(arch, cell, length, neurons, depth):
    check_against_keras(arch.layers(length, neurons, cell, depth))


@pytest.mark.parametrize("arch", architectures.REGISTRY, ids=lambda f: f.name)
@pytest.mark.parametrize("cell", CELLS.values())
def test_several_values_per_step_match_keras(arch, cell):
    check_against_keras(arch.layers(24, 3, cell, 2, features=2))  # the adding problem's value and marker


def test_cell_formulas():
    assert params.layer_arithmetic(LayerSpec(GRU, units=5, inputs=1)).params == 3 * ((1 + 2) * 5 + 25) == 120
    assert params.layer_arithmetic(LayerSpec(SIMPLE, units=5, inputs=1)).params == (1 + 1) * 5 + 25 == 35


def test_tutorial_figures():
    lstm = LayerSpec(LSTM, units=5, inputs=1, steps=5)
    arithmetic = params.layer_arithmetic(lstm)
    assert arithmetic.substituted == "4 × ((1 + 1) × 5 + 5²)"
    assert arithmetic.params == 140
    assert params.layer_arithmetic(LayerSpec(DENSE, units=5, inputs=5)).params == 30
    totals = {f.name: params.total_params(f.layers(5, 5)) for f in architectures.REGISTRY[:3]}
    assert totals == {"one-to-one": 146, "many-to-one": 170, "many-to-many": 146}
