import numpy as np

from lstm_echo.verdict import judge, one_decimal


def test_negative_zero_reads_as_zero():
    assert one_decimal(-0.04) == "0.0"
    assert one_decimal(-0.06) == "-0.1"


def test_echo_is_judged_at_one_decimal():
    expected = np.array([0.0, 0.2, 0.4])
    assert judge(expected, np.array([-0.01, 0.24, 0.36])).echoed
    verdict = judge(expected, np.array([0.0, 0.26, 0.4]))
    assert not verdict.echoed
    assert verdict.steps_correct == 2 and verdict.steps == 3
    assert abs(verdict.max_error - 0.06) < 1e-9
