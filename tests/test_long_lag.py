"""Training on the adding problem: a hand-built LSTM that stores X1 + X2 is judged right, the stopping rule stops
each model exactly where the rule says, a stopped model's updates are masked, and a padded batch gives each
sequence the prediction it gets alone."""

import numpy as np
import pytest

from lstm_echo import initializers, reproduction
from lstm_echo.backend import adding_problem, long_lag
from lstm_echo.backend.quiet_tf import tf
from lstm_echo.layers import LSTM
from lstm_echo.tasks.adding import RIGHT_WITHIN, TEST_STREAM, TRAINING_STREAM

MINIMUM = 22  # the shortest the paper's version allows: quick to compile and run


def hand_built(readout_bias: float = 0.5) -> list[np.ndarray]:
    """An LSTM of two units over (value, marker), and its Dense readout, set by hand.

    Unit 2 remembers that the sequence has started (its cell grows by one a step). Unit 1 adds 0.05 × the
    value of every pair marked 1 after the first step (its input gate opens on marker 1 and unit 2's output),
    and forgets nothing. The readout 0.5 + 5 × tanh(cell) is then 0.5 + (X1 + X2) / 4 to within 0.002.
    Keras' gate blocks: input 0:2, forget 2:4, candidate 4:6, output 6:8.
    """
    kernel, recurrent, bias = np.zeros((2, 8)), np.zeros((2, 8)), np.zeros(8)
    kernel[1, 0], recurrent[1, 0], bias[0] = 40.0, 40.0, -50.0  # unit 1's input gate: marked, and not the first step
    bias[1] = 40.0  # unit 2 takes every step in
    bias[2:4] = 40.0  # neither forgets
    kernel[0, 4] = 0.05  # unit 1's candidate: 0.05 × the value
    bias[5] = 40.0  # unit 2's candidate: one
    bias[6:8] = 40.0  # both show their cell
    return [w.astype(np.float32) for w in (kernel, recurrent, bias, np.array([[5.0], [0.0]]), np.array([readout_bias]))]


def stacked(*models: list[np.ndarray]) -> list[np.ndarray]:
    return [np.stack(w) for w in zip(*models)]


def outputs(weights: list[np.ndarray], seeds: list[int], count: int, stream=TRAINING_STREAM):
    data = adding_problem.sequences(MINIMUM, seeds, np.arange(count), stream)
    specs = reproduction.layers(LSTM, 2, MINIMUM, paper=True)
    predicted = long_lag.at_last_steps(specs, [tf.constant(w) for w in weights], data.inputs, data.lengths, False)
    return predicted.numpy(), data.targets.numpy()


def expected_stop(right: np.ndarray, batch: int) -> int | None:
    """The paper's rule, one sequence at a time: the first batch after which the last 2,000 were all right."""
    streak = 0
    for index, ok in enumerate(right):
        streak = streak + 1 if ok else 0
        if (index + 1) % batch == 0 and streak >= reproduction.RIGHT_IN_A_ROW:
            return index + 1
    return None


def test_a_hand_built_lstm_that_stores_the_sum_is_judged_right():
    predicted, targets = outputs(stacked(hand_built()), [0], reproduction.TEST_SEQUENCES, TEST_STREAM)
    errors = np.abs(predicted - targets)[0]
    assert errors.max() < 0.005
    assert np.mean(errors < RIGHT_WITHIN) == 1.0


def test_the_stopping_rule_stops_each_model_exactly_where_the_rule_says():
    # A right model, a model wrong now and then (its readout is off by 0.0381), and one never right.
    models = [hand_built(), hand_built(0.5381), hand_built(0.3)]
    budget, batch = 12_000, 8
    predicted, targets = outputs(stacked(*models), [0, 1, 2], budget)
    right = np.abs(predicted - targets) < RIGHT_WITHIN
    expected = [expected_stop(r, batch) for r in right]
    assert expected[0] == reproduction.RIGHT_IN_A_ROW and expected[1] > expected[0] and expected[2] is None
    assert not right[1][: expected[1]].all()  # the second model really was wrong at times

    trained = long_lag.train(
        LSTM, 2, MINIMUM, seeds=[0, 1, 2], batch=batch, learning_rate=1e-10, max_sequences=budget,
        initial=stacked(*models),
    )  # fmt: skip
    assert list(trained.stopped_at) == [e if e is not None else long_lag.RUNNING for e in expected]
    assert trained.sequences_seen == budget
    assert list(trained.wrong[:1]) == [0] and trained.wrong[2] > 2000


def test_a_stopped_models_weights_and_adam_state_stay_as_they_were():
    specs = reproduction.layers(LSTM, 3, MINIMUM, paper=True)
    weights = [tf.constant(w) for w in stacked(*(initializers.initial_weights(list(specs), s) for s in (4, 5)))]
    zeros = [tf.zeros_like(w) for w in weights]
    run = long_lag.chunk_program(specs, MINIMUM, True, batch=4)
    done = run(
        weights, zeros, zeros, tf.constant(0.0), tf.constant(0.01), tf.constant([4, 5], tf.uint32), tf.constant(0),
        tf.zeros([2], tf.int32), tf.constant([40, long_lag.RUNNING]), tf.constant(10),
    )  # fmt: skip
    long_lag.discarded()
    for before, after in zip(weights, done.weights):
        np.testing.assert_array_equal(after.numpy()[0], before.numpy()[0])  # stopped: untouched
        assert not np.array_equal(after.numpy()[1], before.numpy()[1])  # still training: moved
    assert np.all(done.m[0].numpy()[0] == 0) and np.any(done.m[0].numpy()[1] != 0)
    assert int(done.update) == 10 and list(done.stopped_at.numpy()) == [40, long_lag.RUNNING]


@pytest.mark.parametrize(
    "streak, right, after",
    [(5, [1, 1, 1], 8), (5, [1, 0, 1], 1), (5, [0, 1, 1], 2), (5, [1, 1, 0], 0), (0, [0, 0, 0], 0)],
)
def test_the_run_of_right_sequences_restarts_after_the_last_wrong_one(streak, right, after):
    got = long_lag.streak_after(tf.constant([streak]), tf.constant(np.array([right], bool)))
    assert int(got[0]) == after


def test_a_padded_batch_gives_each_sequence_the_prediction_it_gets_alone():
    specs = reproduction.layers(LSTM, 5, MINIMUM, paper=True)
    weights = [tf.constant(w[None]) for w in initializers.initial_weights(list(specs), 3)]
    data = adding_problem.sequences(MINIMUM, [9], np.arange(12))
    lengths = data.lengths.numpy()[0]
    assert len(set(lengths)) > 1  # lengths differ, so the batch is padded
    together = long_lag.at_last_steps(specs, weights, data.inputs, data.lengths, False).numpy()[0]
    for k, length in enumerate(lengths):
        alone = long_lag.at_last_steps(
            specs, weights, data.inputs[:, k : k + 1, :length], tf.constant([[length]]), False
        )
        assert together[k] == pytest.approx(float(alone.numpy()[0, 0]), abs=1e-6)
    # Reading the padded last step instead would give other answers: the padding is not neutral.
    last = long_lag.at_last_steps(specs, weights, data.inputs, tf.fill([1, 12], data.inputs.shape[2]), False)
    assert not np.allclose(last.numpy()[0], together, atol=1e-4)
