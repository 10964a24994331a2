"""The adding problem's sequences follow every rule of the paper (and of the fixed-length version) over many draws,
and a sequence is the same whether drawn alone, in a batch, eagerly or inside a compiled program."""

import numpy as np
import pytest

from lstm_echo import reproduction
from lstm_echo.backend import adding_problem
from lstm_echo.backend.quiet_tf import tf
from lstm_echo.tasks.adding import TEST_STREAM, TRAINING_STREAM


def drawn(minimum, count, seed, first=0, paper=True, stream=TRAINING_STREAM):
    data = adding_problem.sequences(minimum, [seed], np.arange(first, first + count), stream, paper)
    return data.inputs.numpy()[0], data.lengths.numpy()[0], data.targets.numpy()[0]


@pytest.mark.parametrize("minimum", [22, 100, 1000])
def test_the_papers_rules_hold_over_many_draws(minimum):
    count = 3000 if minimum < 1000 else 300
    inputs, lengths, targets = drawn(minimum, count, seed=7)
    assert inputs.shape == (count, minimum + minimum // 10, 2)
    assert lengths.min() >= minimum and lengths.max() <= minimum + minimum // 10
    for pairs, length, target in zip(inputs, lengths, targets):
        values, markers = pairs[:length, 0], pairs[:length, 1]
        assert np.all(pairs[length:] == 0)  # padding
        assert values.min() >= -1 and values.max() <= 1
        (marked,) = np.nonzero(markers == 1)
        assert len(marked) == 2
        assert marked[0] < 10 and marked[1] < minimum // 2 - 1  # one of the first ten, one of the first T/2 - 1
        assert markers[-1] == -1
        assert markers[0] == (1 if 0 in marked else -1)
        assert np.all(markers[1:-1][~np.isin(np.arange(1, length - 1), marked)] == 0)
        counted = [values[k] if k > 0 else 0.0 for k in marked]
        assert target == pytest.approx(0.5 + sum(counted) / 4, abs=1e-6)
    # The lengths and both markers spread over their whole ranges.
    assert set(np.unique(lengths)) == set(range(minimum, minimum + minimum // 10 + 1)) or minimum == 1000
    assert set(np.nonzero(inputs[:, :10, 1] == 1)[1]) == set(range(10))
    later = [np.nonzero(pairs[:, 1] == 1)[0][-1] for pairs in inputs]
    assert max(later) == minimum // 2 - 2 or minimum == 1000
    # Values are uniform: a quarter of them in each quarter of [-1, 1].
    inside = np.concatenate([pairs[:length, 0] for pairs, length in zip(inputs, lengths)])
    quarters = np.histogram(inside, bins=4, range=(-1, 1))[0] / len(inside)
    np.testing.assert_allclose(quarters, 0.25, atol=0.01)


def test_the_fixed_versions_rules_hold_over_many_draws():
    inputs, lengths, targets = drawn(50, 3000, seed=3, paper=False)
    assert inputs.shape == (3000, 50, 2) and np.all(lengths == 50)
    values, markers = inputs[..., 0], inputs[..., 1]
    assert values.min() >= 0 and values.max() <= 1
    assert np.all((markers[:, :25] == 1).sum(axis=1) == 1) and np.all((markers[:, 25:] == 1).sum(axis=1) == 1)
    assert np.all((markers == 0) | (markers == 1))
    np.testing.assert_allclose(targets, (values * markers).sum(axis=1), atol=1e-6)
    # Always answering 1 misses the sum by its variance, 1/6, as the later papers' baseline says.
    assert np.mean((targets - 1) ** 2) == pytest.approx(reproduction.FIXED_BASELINE, rel=0.05)


def test_a_sequence_is_made_again_alone_from_its_seed_and_index():
    run = drawn(100, 20, seed=5)
    alone = drawn(100, 1, seed=5, first=13)
    for whole, one in zip(run, alone):
        np.testing.assert_array_equal(one[0], whole[13])
    assert not np.array_equal(drawn(100, 20, seed=6)[0], run[0])
    assert not np.array_equal(drawn(100, 20, seed=5, stream=TEST_STREAM)[0], run[0])


def test_a_compiled_program_draws_the_very_same_sequences():
    seeds, indices = tf.constant([3, 4], tf.int64), tf.range(50, 80)
    compiled = tf.function(lambda s, i: adding_problem.sequences(100, s, i), jit_compile=True)(seeds, indices)
    eager = adding_problem.sequences(100, seeds, indices)
    for a, b in zip(compiled, eager):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    from lstm_echo.backend import compile_cache

    if compile_cache.active is not None:
        compile_cache.collect()


def test_right_is_an_error_below_the_papers_threshold():
    right = adding_problem.right(tf.constant([0.5, 0.5, 0.5]), tf.constant([0.53, 0.5399, 0.54]))
    assert list(right.numpy()) == [True, True, False]


@pytest.mark.parametrize("minimum, paper", [(21, True), (1, False)])
def test_too_short_a_length_is_refused(minimum, paper):
    with pytest.raises(ValueError, match="at least"):
        adding_problem.sequences(minimum, [0], [0], paper=paper)
