"""`--task adding`: the paper's adding problem as a task of run, compare, sweep and inspect.

Its sequences are those `reproduce adding` draws, a value and a marker per step,
padded after each one's own end; only each sequence's last step has a target, and
the engine's loss, the verdict and inspect read that step alone.
"""

import json

import numpy as np
import pytest
from conftest import forbid_training, invoke

from lstm_echo import api, architectures, config, runner, tasks
from lstm_echo.backend import adding_problem, engine, keras_model
from lstm_echo.backend.keras_model import keras
from lstm_echo.backend.quiet_tf import tf
from lstm_echo.initializers import initial_weights
from lstm_echo.sample_orders import epoch_orders
from lstm_echo.seeds import SHUFFLE_STREAM, generator
from lstm_echo.tasks.adding import RIGHT_WITHIN, TEST_STREAM, TRAINING_STREAM, paper_sequences

ADDING = tasks.parse("adding")
LEARNS = ["m2m", "--task", "adding", "--length", 22, "--sequences", 500, "--test-sequences", 200]
LEARNS += ["--neurons", 8, "--epochs", 120, "--learning-rate", 0.01]


@pytest.mark.parametrize("minimum, seed", [(22, 0), (100, 7), (1000, 2**31 + 5)])
@pytest.mark.parametrize("stream", [TRAINING_STREAM, TEST_STREAM])
def test_the_tasks_sequences_are_those_reproduce_draws_bit_for_bit(minimum, seed, stream):
    ours = paper_sequences(minimum, seed, 300, stream)
    theirs = adding_problem.sequences(minimum, [seed], np.arange(300), stream)
    np.testing.assert_array_equal(ours, theirs.inputs.numpy()[0])
    judged = ADDING.judged(ours)
    assert (judged.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(np.argmax(judged, axis=1) + 1, theirs.lengths.numpy()[0])
    targets = ADDING.targets(ours)
    np.testing.assert_array_equal(targets[judged], theirs.targets.numpy()[0])
    assert (targets[~judged] == 0).all()


def few(count=6, minimum=22, seed=3):
    inputs = paper_sequences(minimum, seed, count, TRAINING_STREAM)
    return inputs, ADDING.targets(inputs), ADDING.judged(inputs)


def keras_steps(layers, weights, x, y, judged, batches, learning_rate):
    """Keras' own Adam on the mean squared error of the judged values of each batch, step by step."""
    model = keras_model.build(layers, compiled=False)
    model.set_weights(weights)
    optimizer = keras.optimizers.Adam(learning_rate)
    losses = []
    for batch in batches:
        with tf.GradientTape() as tape:
            out = model(x[batch])
            weight = judged[batch]
            loss = tf.reduce_sum(tf.square(out - y[batch]) * weight) / np.sum(weight)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_weights), model.trainable_weights))
        losses.append((float(loss), float(np.sum(weight))))
    return model.get_weights(), losses


def test_a_masked_update_is_keras_adam_on_the_judged_steps_alone():
    inputs, targets, judged = few()
    arch = architectures.get("m2m")
    x, y = arch.frame(inputs, targets)
    _, mask = arch.frame(inputs, judged.astype(np.float32))
    layers = arch.layers(ADDING.padded_length(22), 5, features=2)
    weights = initial_weights(layers, seed=1)
    # Two epochs in batches of 4 over 6 sequences: a full batch, then a short one, shuffled as the engine does.
    trained = engine.train(
        layers, x, y, [w[None] for w in weights], seeds=[1], epochs=2, batch_size=4, learning_rate=0.01, y_judged=mask
    )
    shuffler = generator(1, SHUFFLE_STREAM)
    orders = [epoch_orders([shuffler], 6, 4, 1, 1)[0, 0] for _ in range(2)]
    batches = [order[start : min(start + 4, 6)] for order in orders for start in (0, 4)]
    theirs, losses = keras_steps(layers, weights, x, y, mask, batches, 0.01)
    for ours, their in zip(trained.weights, theirs):
        np.testing.assert_allclose(ours[0], their, atol=2e-6)
    first_epoch = sum(loss * count for loss, count in losses[:2]) / mask.sum()
    assert trained.history[0, 0] == pytest.approx(first_epoch, rel=1e-5)


def test_a_padded_sequence_gets_at_its_last_step_what_it_gets_alone():
    inputs, _, judged = few(count=8)
    layers = architectures.get("m2m").layers(ADDING.padded_length(22), 4, features=2)
    weights = [tf.constant(w[None]) for w in initial_weights(layers, seed=0)]
    padded = engine.predict(tuple(layers), weights, tf.constant(inputs)).numpy()[0, :, :, 0]
    lengths = np.argmax(judged, axis=1) + 1
    assert len(set(lengths)) > 1
    for sequence, length, row in zip(inputs, lengths, padded):
        alone = engine.shared_forward(tuple(layers))(weights, tf.constant(sequence[None, :length]), [])[0]
        assert row[length - 1] == pytest.approx(float(alone[0, 0, -1, 0]), abs=1e-6)
    # Reading the padded end instead would give other numbers.
    assert not np.allclose(padded[np.arange(8), lengths - 1], padded[:, -1])


def test_a_run_learns_adding_and_its_verdict_is_kerass_count():
    settings = {str(name)[2:].replace("-", "_"): value for name, value in zip(LEARNS[1::2], LEARNS[2::2])}
    first = api.run(LEARNS[0], **settings).first
    assert first.test.sequences == 200 and first.test.tolerance == RIGHT_WITHIN
    experiment = first.experiment
    test = ADDING.draw(200, 22, experiment.data_seed, held_out=True)
    model = keras_model.build(runner.network_layers(experiment), compiled=False)
    model.set_weights(first.weights)
    predicted = model(test).numpy()[..., 0][ADDING.judged(test)]
    wanted = ADDING.targets(test)[ADDING.judged(test)]
    right = int(np.sum(np.abs(predicted - wanted) < RIGHT_WITHIN))
    assert first.test.sequences_correct == right
    assert right >= 190 and first.test.learned  # at least 95%: this seed learns it
    np.testing.assert_allclose(first.predictions, predicted[:3], atol=1e-5)
    np.testing.assert_allclose(first.expected, wanted[:3])


def test_the_command_line_shows_each_sequences_marked_values_and_its_last_step():
    result = invoke("run", *LEARNS[:-4], "--epochs", 2, "--neurons", 2, "--no-hint", env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    test = ADDING.draw(3, 22, 0, held_out=True)
    for number, sequence in enumerate(test, start=1):
        length = ADDING.own_length(sequence)
        marked = np.flatnonzero(sequence[:, 1] == 1)
        marks = ", ".join(f"{t}: {sequence[t, 0]:.2f}" + (" (counts 0)" if t == 0 else "") for t in marked)
        (row,) = [line for line in result.output.splitlines() if line.strip().startswith(f"#{number} ")]
        assert row.split()[1] == str(length) and marks in row
        assert f"{ADDING.targets(sequence)[length - 1]:.4f}" in row
    assert "X (500, 24, 2) → y (500, 24, 1)" in result.output
    assert "held-out sequences" in result.output and "had their last step within 0.04" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "m2o"], "--task: 'adding' (cannot be framed by many-to-one, which reads the whole padded sequence"),
        (["run", "enc-dec"], "--task: 'adding' (cannot be framed by encoder-decoder, which reads the whole"),
        (["inspect", "m2m", "--input", "0.1 0.2"], "--input: '0.1 0.2' (a model trained on adding reads 2 values"),
        (["inspect", "m2m", "--connectivity"], "--connectivity scores the one input step each output copies"),
    ],
)
def test_what_cannot_frame_or_show_adding_is_refused_before_training(monkeypatch, args, message):
    forbid_training(monkeypatch)
    result = invoke(*args, "--task", "adding", "--length", 22, "--sequences", 10)
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "settings, message",
    [
        (
            {"length": 22},
            "(needs --sequences N (a config's `sequences`): its sequences are random draws, with no fixed one)",
        ),
        ({"length": 21, "sequences": 10}, "(needs a length of at least 22, the paper's shortest)"),
    ],
)
def test_adding_needs_a_data_set_and_its_shortest_length(settings, message):
    with pytest.raises(config.InputError, match=r"^Invalid value for --task: 'adding' ") as raised:
        config.resolve({"architecture": "m2m", "task": "adding", **settings})
    assert str(raised.value).endswith(message)


def test_compare_trains_every_architecture_that_can_frame_it():
    experiments, _ = api.compare_experiments(None, None, {"task": "adding", "length": 22, "sequences": 10})
    assert [e.architecture for e in experiments] == [a.name for a in architectures.REGISTRY if a.causal]
    assert {"many-to-one", "encoder-decoder"} == {a.name for a in architectures.REGISTRY if not a.causal}
    title = api.compare_title(experiments, [0])
    assert title.endswith("many-to-one and encoder-decoder cannot frame adding")


def test_inspect_shows_the_first_sequence_whose_marks_both_count_on_its_own_steps():
    result = invoke(
        "inspect", *LEARNS[:-4], "--neurons", 2, "--epochs", 2, "--test-sequences", 5, "--json", env={"COLUMNS": "100"}
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    first, sequence = ADDING.draw(2, 22, 0, held_out=True)
    assert first[0, 1] == 1 and sequence[0, 1] != 1  # data seed 0's first marks its first pair, which counts 0
    length = ADDING.own_length(sequence)
    assert np.asarray(answer["inputs"]).shape == (length, 2)
    np.testing.assert_array_equal(np.asarray(answer["inputs"], np.float32), sequence[:length])
    assert answer["expected"][-1] == pytest.approx(float(ADDING.targets(sequence)[length - 1]))
    values = answer["recurrent_layers"][0]["values"]
    assert all(np.asarray(v).shape == (2, length) for v in values.values())
