"""The verdict: every step within a tolerance that never depends on where a target sits."""

import numpy as np
import pytest

from lstm_echo import config, runner, tasks
from lstm_echo.verdict import judge, tolerance


@pytest.mark.parametrize("length, expected", [(5, 0.05), (10, 0.05), (4, 0.05), (20, 0.025), (40, 0.0125), (1, 0.05)])
def test_tolerance_is_one_decimal_or_half_the_gap(length, expected):
    inputs, targets = tasks.parse("echo").data(length)
    assert tolerance(targets) == pytest.approx(expected)


def test_echo_is_judged_within_the_tolerance():
    expected = np.array([0.0, 0.2, 0.4])
    assert judge(expected, np.array([-0.01, 0.24, 0.36])).learned
    verdict = judge(expected, np.array([0.0, 0.26, 0.4]))
    assert not verdict.learned
    assert verdict.steps_correct == 2 and verdict.steps == 3 and verdict.worst_step == 1
    assert abs(verdict.max_error - 0.06) < 1e-9


@pytest.mark.parametrize("length", [4, 20])
def test_near_perfect_predictions_on_rounding_boundaries_pass(length):
    # Targets such as 0.25 or 0.05 sit where rounding to one decimal flips; a
    # prediction 1e-7 to either side must be judged the same.
    _, targets = tasks.parse("echo").data(length)
    for nudge in (1e-7, -1e-7):
        assert judge(targets, targets + nudge).learned


def test_a_prediction_nearer_another_target_fails():
    _, targets = tasks.parse("echo").data(20)  # steps 0.05 apart
    predicted = targets.copy()
    predicted[3] += 0.03  # nearer to step 4's target than to its own
    verdict = judge(targets, predicted)
    assert not verdict.learned and verdict.worst_step == 3


def test_nan_predictions_never_pass():
    verdict = judge(np.array([0.0, 0.5]), np.array([0.0, np.nan]))
    assert not verdict.learned and verdict.worst_step == 1


def test_a_trained_many_to_one_at_length_4_passes_every_seed_that_fits():
    # Many-to-one fits length 4 to a loss near 1e-14; rounding failed most of these seeds.
    experiment = config.resolve({"architecture": "m2o", "length": 4})
    results = runner.run_seeds(experiment, list(range(10)))
    fitted = [r for r in results if r.verdict.max_error < 1e-3]
    assert len(fitted) >= 5
    assert all(r.verdict.learned for r in fitted)
