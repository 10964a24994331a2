"""The adding problem's sequences follow every rule of the paper (and of the fixed-length version) over many draws."""

import numpy as np
import pytest

from lstm_echo import adding_problem


@pytest.mark.parametrize("minimum", [22, 100, 1000])
def test_the_papers_rules_hold_over_many_draws(minimum):
    count = 3000 if minimum < 1000 else 300
    data = adding_problem.sequences(minimum, count, seed=7)
    assert data.inputs.shape == (count, minimum + minimum // 10, 2)
    assert data.lengths.min() >= minimum and data.lengths.max() <= minimum + minimum // 10
    for pairs, length, target in zip(data.inputs, data.lengths, data.targets):
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
    # Both marker positions and the lengths spread over their whole ranges.
    assert set(np.unique(data.lengths)) == set(range(minimum, minimum + minimum // 10 + 1)) or minimum == 1000
    assert set(np.nonzero(data.inputs[:, :10, 1] == 1)[1]) == set(range(10))


def test_the_fixed_versions_rules_hold_over_many_draws():
    data = adding_problem.sequences(50, 3000, seed=3, paper=False)
    assert data.inputs.shape == (3000, 50, 2) and np.all(data.lengths == 50)
    values, markers = data.inputs[..., 0], data.inputs[..., 1]
    assert values.min() >= 0 and values.max() <= 1
    assert np.all((markers[:, :25] == 1).sum(axis=1) == 1) and np.all((markers[:, 25:] == 1).sum(axis=1) == 1)
    assert np.all((markers == 0) | (markers == 1))
    np.testing.assert_allclose(data.targets, (values * markers).sum(axis=1), atol=1e-6)
    # Always answering 1 misses the sum by its variance, 1/6, as the later papers' baseline says.
    assert np.mean((data.targets - 1) ** 2) == pytest.approx(adding_problem.FIXED_BASELINE, rel=0.05)


def test_a_sequence_is_made_again_alone_from_its_seed_and_index():
    run = adding_problem.sequences(100, 20, seed=5)
    alone = adding_problem.sequences(100, 1, seed=5, first=13)
    np.testing.assert_array_equal(alone.inputs[0], run.inputs[13])
    assert alone.targets[0] == run.targets[13]
    other = adding_problem.sequences(100, 20, seed=6)
    assert not np.array_equal(other.inputs, run.inputs)


def test_right_is_an_error_below_the_papers_threshold():
    assert list(adding_problem.right([0.5, 0.5, 0.5], [0.53, 0.5399, 0.54])) == [True, True, False]


@pytest.mark.parametrize("minimum, paper", [(21, True), (1, False)])
def test_too_short_a_length_is_refused(minimum, paper):
    with pytest.raises(ValueError, match="at least"):
        adding_problem.sequences(minimum, 1, seed=0, paper=paper)
