"""TensorFlow's threads per operation: one for small networks, its own pool for large ones, a user's choice first."""

import pytest
from conftest import invoke

from lstm_echo import architectures, threads
from lstm_echo.layers import LSTM


@pytest.fixture
def clean(monkeypatch):
    monkeypatch.delenv(threads.VARIABLE, raising=False)
    monkeypatch.delenv(threads.TENSORFLOW_VARIABLE, raising=False)
    monkeypatch.delenv(threads.TENSORFLOW_POOL, raising=False)
    return monkeypatch


def layers(length, neurons):
    return architectures.get("many-to-many").layers(length, neurons, LSTM, 1)


def test_a_step_product_is_the_recurrent_kernel_times_models_and_batch():
    (lstm, _) = layers(10, 7)
    rows, columns = lstm.weight_shapes[1]  # the recurrent kernel, (units, 4 x units)
    assert threads.step_product(layers(10, 7), models=3, batch_size=32) == 3 * 32 * rows * columns


def test_small_networks_get_one_thread(clean):
    threads.choose(layers(10, 10), models=1, batch_size=32)  # W3 of the speed bench
    assert threads.os.environ[threads.TENSORFLOW_VARIABLE] == threads.os.environ[threads.TENSORFLOW_POOL] == "1"


def test_large_products_keep_tensorflows_pool(clean):
    threads.choose(layers(100, 100), models=20, batch_size=1)
    assert threads.TENSORFLOW_VARIABLE not in threads.os.environ and threads.TENSORFLOW_POOL not in threads.os.environ


def test_the_users_choice_comes_first(clean):
    clean.setenv(threads.VARIABLE, "2")
    threads.choose(layers(10, 10), models=1, batch_size=32)
    assert threads.os.environ[threads.TENSORFLOW_VARIABLE] == threads.os.environ[threads.TENSORFLOW_POOL] == "2"
    clean.setenv(threads.TENSORFLOW_VARIABLE, "3")  # TensorFlow's own variable, set by the user, is kept
    threads.choose(layers(10, 10), models=1, batch_size=32)
    assert threads.os.environ[threads.TENSORFLOW_VARIABLE] == "3"


@pytest.mark.parametrize("value", ["0", "two", "-1", "99999"])
def test_a_bad_thread_count_is_refused_like_an_option(clean, value):
    clean.setenv(threads.VARIABLE, value)
    result = invoke("run", "many-to-many")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == f"Error: Invalid value for LSTM_ECHO_THREADS: '{value}' (must be auto or 1 to 1024)"
