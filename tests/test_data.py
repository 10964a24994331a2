import numpy as np
import pytest

from lstm_echo import architectures, data


def test_echo_sequence_is_i_over_length():
    np.testing.assert_allclose(data.echo_sequence(5), [0.0, 0.2, 0.4, 0.6, 0.8], rtol=0, atol=1e-7)
    assert data.echo_sequence(5).dtype == np.float32
    assert len(data.echo_sequence(13)) == 13


def test_echo_sequence_rejects_empty():
    with pytest.raises(ValueError, match="length=0"):
        data.echo_sequence(0)


@pytest.mark.parametrize(
    "name, x_shape, y_shape",
    [
        ("one-to-one", (7, 1, 1), (7, 1)),
        ("many-to-one", (1, 7, 1), (1, 7)),
        ("many-to-many", (1, 7, 1), (1, 7, 1)),
    ],
)
def test_each_architecture_shapes_the_data(name, x_shape, y_shape):
    seq = data.echo_sequence(7)
    x, y = architectures.get(name).frame(seq, seq)
    assert x.shape == x_shape and y.shape == y_shape
    # Flattening the targets gives the sequence back in order, as predictions are decoded.
    np.testing.assert_array_equal(data.flatten(y), seq)
    np.testing.assert_array_equal(data.flatten(x), seq)
