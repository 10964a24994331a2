import numpy as np

from lstm_echo import architectures
from lstm_echo.initializers import initial_weights


def weights_of(seed):
    return initial_weights(architectures.get("m2m").layers(5, 7), seed)


def test_same_seed_same_weights_other_seed_other_weights():
    for a, b in zip(weights_of(3), weights_of(3)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(weights_of(3)[0], weights_of(4)[0])


def test_keras_default_distributions():
    kernel, recurrent, bias, dense_kernel, dense_bias = weights_of(0)
    # glorot_uniform: |w| <= sqrt(6 / (fan_in + fan_out))
    assert np.abs(kernel).max() <= np.sqrt(6 / (1 + 28))
    assert np.abs(dense_kernel).max() <= np.sqrt(6 / (7 + 1))
    # orthogonal recurrent kernel (7, 28): its rows are orthonormal
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(7), atol=1e-5)
    # unit_forget_bias: ones for the forget gate (second quarter), zeros elsewhere
    np.testing.assert_array_equal(bias, np.r_[np.zeros(7), np.ones(7), np.zeros(14)])
    np.testing.assert_array_equal(dense_bias, np.zeros(1))
