"""The compiled engine against Keras: same forward pass, same Adam steps, seeded repeatability."""

import math

import numpy as np
import pytest

from lstm_echo import architectures, cells, data, program_shape, sample_orders, seeds, tasks
from lstm_echo.backend import engine, keras_model, network, traced_programs
from lstm_echo.initializers import initial_weights
from lstm_echo.layers import CELLS, GRU, LSTM, SIMPLE


def setup(name, length=5, neurons=5, seed=0, cell=LSTM, depth=1, task="echo"):
    arch = architectures.get(name)
    inputs, targets = tasks.parse(task).data(length)
    x, y = arch.frame(inputs, targets)
    layers = arch.layers(length, neurons, cell, depth)
    return layers, x, y, initial_weights(layers, seed)


def stacked(*weight_lists):
    return [np.stack(ws) for ws in zip(*weight_lists)]


ALL = [a.name for a in architectures.REGISTRY]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("cell", CELLS.values())
def test_forward_pass_equals_keras(name, cell):
    layers, x, _, weights = setup(name, length=6, neurons=4, cell=cell, depth=2)
    model = keras_model.build(layers)
    model.set_weights(weights)
    ours = engine.predict(tuple(layers), [w[None] for w in weights], x).numpy()[0]
    if architectures.get(name).stateful:  # a sample at a time, the state carried
        theirs = model.predict(x, batch_size=1, verbose=0)
    else:  # the model called on the batch: what `predict` computes, without tracing a loop (0.2 s)
        theirs = model(x, training=False).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


@pytest.mark.parametrize(
    "name, cell", [("o2o", LSTM), ("m2o", GRU), ("m2m", SIMPLE), ("m2m-dense", LSTM), ("enc-dec", GRU)]
)
def test_full_batch_training_equals_keras_fit(name, cell):
    layers, x, y, weights = setup(name, cell=cell)
    model = keras_model.build(layers)
    model.set_weights(weights)
    fitted = model.fit(x, y, epochs=30, batch_size=x.shape[0], shuffle=False, verbose=0)
    trained = engine.train(
        layers, x, y, [w[None] for w in weights], seeds=[0], epochs=30, batch_size=x.shape[0], learning_rate=0.001
    )
    np.testing.assert_allclose(trained.history[:, 0], fitted.history["loss"], rtol=1e-4)
    for ours, theirs in zip(trained.weights, model.get_weights()):
        np.testing.assert_allclose(ours[0], theirs, atol=1e-5)


@pytest.mark.parametrize("cell", [LSTM, GRU])
def test_stateful_training_equals_keras_stateful_fit(cell):
    # Keras carries the state from batch to batch within fit and resets it when told.
    layers, x, y, weights = setup("stateful", cell=cell, task="delay:1")
    model = keras_model.build(layers)
    model.set_weights(weights)
    losses = []
    for _ in range(4):
        losses += model.fit(x, y, epochs=1, batch_size=1, shuffle=False, verbose=0).history["loss"]
        for layer in model.layers:
            if getattr(layer, "stateful", False):
                layer.reset_states()
    trained = engine.train(
        layers, x, y, [w[None] for w in weights], seeds=[0], epochs=4, batch_size=1, learning_rate=0.001
    )
    np.testing.assert_allclose(trained.history[:, 0], losses, rtol=1e-4)
    for ours, theirs in zip(trained.weights, model.get_weights()):
        np.testing.assert_allclose(ours[0], theirs, atol=1e-5)
    model.set_weights([w[0] for w in trained.weights])
    np.testing.assert_allclose(trained.predictions[0], model.predict(x, batch_size=1, verbose=0), atol=1e-5)


def test_minibatches_with_a_short_last_batch_equal_keras_fit():
    # One-to-one at length 5 in batches of 2: steps of 2, 2 and 1 samples.
    layers, x, y, weights = setup("o2o")
    model = keras_model.build(layers)
    model.set_weights(weights)
    fitted = model.fit(x, y, epochs=3, batch_size=2, shuffle=False, verbose=0)

    run = engine.compiled_chunk(tuple(layers), samples=5, batch_size=2, call_epochs=3, sequence_steps=5)
    in_order = np.zeros((1, 3, 6), np.int32)
    in_order[:, :, :5] = np.arange(5)
    ws = [engine.tf.constant(w[None]) for w in weights]
    zeros = [engine.tf.zeros_like(w) for w in ws]
    ws, _, _, steps, history, epochs = run(ws, zeros, zeros, 0.0, 0.001, x, y, engine.tf.zeros(1), in_order, 3, 0, 3)
    assert float(steps) == 9 and int(epochs) == 3  # three updates per epoch
    np.testing.assert_allclose(history.numpy()[:, 0], fitted.history["loss"], rtol=1e-4)
    for ours, theirs in zip(ws, model.get_weights()):
        np.testing.assert_allclose(ours.numpy()[0], theirs, atol=1e-5)


def test_minibatch_orders_are_fresh_permutations_each_epoch():
    rngs = [seeds.generator(0, seeds.SHUFFLE_STREAM)]
    orders = sample_orders.epoch_orders(rngs, samples=5, batch_size=2, epochs=4, chunk=4)
    assert orders.shape == (1, 4, 6)
    for epoch in orders[0]:
        assert sorted(epoch[:5]) == [0, 1, 2, 3, 4]
    assert len({tuple(epoch) for epoch in orders[0]}) > 1


def test_same_seed_gives_identical_predictions():
    layers, x, y, weights = setup("o2o")
    runs = [
        engine.train(layers, x, y, [w[None] for w in weights], seeds=[0], epochs=40, batch_size=1, learning_rate=0.01)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].predictions, runs[1].predictions)
    assert runs[0].history[-1, 0] < runs[0].history[0, 0]


def test_models_in_one_batch_train_as_if_alone():
    layers, x, y, _ = setup("o2o")
    seeds = [0, 1, 2]
    lone = [
        engine.train(
            layers,
            x,
            y,
            [w[None] for w in initial_weights(layers, s)],
            seeds=[s],
            epochs=20,
            batch_size=2,
            learning_rate=0.01,
        )
        for s in seeds
    ]
    together = engine.train(
        layers,
        x,
        y,
        stacked(*(initial_weights(layers, s) for s in seeds)),
        seeds=seeds,
        epochs=20,
        batch_size=2,
        learning_rate=0.01,
    )
    for k, alone in enumerate(lone):
        np.testing.assert_allclose(together.predictions[k], alone.predictions[0], atol=1e-5)
        np.testing.assert_allclose(together.history[:, k], alone.history[:, 0], rtol=1e-4)


def test_progress_is_reported_between_chunks():
    layers, x, y, weights = setup("m2m")
    seen = []
    engine.train(
        layers,
        x,
        y,
        [w[None] for w in weights],
        seeds=[0],
        epochs=120,
        batch_size=1,
        learning_rate=0.001,
        on_progress=lambda done, total, losses: seen.append((done, total)),
    )
    assert seen[-1] == (120, 120)
    assert len(seen) == math.ceil(120 / math.ceil(120 / program_shape.PROGRESS_UPDATES))


def train_counting_calls(monkeypatch, *args, **kwargs) -> tuple[engine.Trained, int]:
    """engine.train, and how many times it called its compiled program (the call that compiles it aside)."""
    calls = []
    compiled = engine.compiled

    def counting(settings, arguments):
        run, cache = compiled(settings, arguments)
        return (lambda *a: calls.append(1) or run(*a)), cache

    monkeypatch.setattr(engine, "compiled", counting)
    return engine.train(*args, **kwargs), len(calls)


@pytest.mark.parametrize(
    "name, sequences, seed_list, batch_size, epochs, rate, small_calls",
    [
        ("m2m", None, [0], 1, 200, 0.001, False),  # one sample (the programs of the diverging case below)
        ("m2m", 40, [0, 1], 8, 100, 0.01, True),  # shuffled batches, two models
        ("stateful", None, [0], 1, 90, 0.001, False),  # in order, the state carried
        ("m2m", None, [0], 1, 200, 1e38, True),  # diverges: stops where the reported run stops
    ],
)
def test_the_numbers_do_not_depend_on_how_many_epochs_a_call_trains(
    monkeypatch, name, sequences, seed_list, batch_size, epochs, rate, small_calls
):
    arch = architectures.get(name)
    layers = arch.layers(5, 5, LSTM, 1)
    if sequences is None:
        x, y = arch.frame(*tasks.parse("echo").data(5))
    else:
        inputs, _ = data.held_out(sequences, 10, 5, 3)
        x, y = arch.frame(inputs, tasks.parse("echo").targets(inputs))
    weights = stacked(*(initial_weights(layers, seed) for seed in seed_list))
    settings = dict(seeds=seed_list, epochs=epochs, batch_size=batch_size, learning_rate=rate)
    reported, reported_calls = train_counting_calls(
        monkeypatch, layers, x, y, weights, **settings, on_progress=lambda *a: None
    )
    runs = [train_counting_calls(monkeypatch, layers, x, y, weights, **settings)]
    assert reported_calls == math.ceil(reported.epochs_run / program_shape.chunk(epochs))  # a call a report
    assert runs[0][1] == math.ceil(runs[0][0].epochs_run / program_shape.MOST_CALL_EPOCHS)  # as few as can be
    if small_calls:
        # Three epochs a call, which a chunk of epochs (2 or 4) does not divide: calls end inside chunks.
        monkeypatch.setattr(program_shape, "MOST_CALL_EPOCHS", 3)
        quiet, calls = train_counting_calls(monkeypatch, layers, x, y, weights, **settings)
        assert calls == math.ceil(quiet.epochs_run / 3)
        shown, calls = train_counting_calls(monkeypatch, layers, x, y, weights, **settings, on_progress=lambda *a: None)
        chunk = program_shape.chunk(epochs)
        assert calls == sum(math.ceil(min(chunk, shown.epochs_run - s) / 3) for s in range(0, shown.epochs_run, chunk))
        runs += [(quiet, 0), (shown, 0)]
    for run, _ in runs:
        for ours, theirs in zip(run.weights, reported.weights):
            np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(run.history, reported.history)  # NaN where both diverged
        np.testing.assert_array_equal(run.predictions, reported.predictions)
        assert run.epochs_run == reported.epochs_run


def test_runs_of_any_length_shown_or_not_share_one_program(monkeypatch):
    layers, x, y, weights = setup("m2m")
    keys = []
    compiled = engine.compiled

    def keyed(settings, arguments):
        keys.append(traced_programs.key(settings, arguments))
        return compiled(settings, arguments)

    monkeypatch.setattr(engine, "compiled", keyed)
    for epochs, progress in [(10, None), (10, lambda *a: None), (300, None), (300, lambda *a: None)]:
        trained = engine.train(
            layers, x, y, [w[None] for w in weights], seeds=[0], epochs=epochs, batch_size=1,
            learning_rate=0.001, on_progress=progress,
        )  # fmt: skip
        assert trained.epochs_run == epochs
    assert len(keys) == 4 and len(set(keys)) == 1


def test_divergence_stops_early():
    layers, x, y, weights = setup("m2m")
    trained = engine.train(
        layers, x, y, [w[None] for w in weights], seeds=[0], epochs=200, batch_size=1, learning_rate=1e38
    )
    assert not np.isfinite(trained.history[-1]).any()
    assert trained.epochs_run < 200


def test_a_call_keeps_its_sample_orders_and_losses_small():
    for models, padded, shuffled in [(1, 5, False), (1, 1024, True), (1000, 5, False), (100, 100_000, True)]:
        epochs = program_shape.call_epochs(models, padded, shuffled)
        assert 1 <= epochs <= program_shape.MOST_CALL_EPOCHS
        kept = epochs * models * 4 * (1 + (padded if shuffled else 0))  # int32 orders, float32 losses
        assert epochs == 1 or kept <= program_shape.CALL_BYTES
    assert program_shape.call_epochs(1, 5, False) == program_shape.MOST_CALL_EPOCHS  # the tutorial's run
    assert program_shape.call_epochs(100, 100_000, True) == 1  # 40 MB an epoch: an epoch a call


def test_batched_forward_pass_is_each_models_own():
    layers, x, _, _ = setup("m2o")
    weights = [initial_weights(layers, s) for s in (4, 9)]
    together = engine.predict(tuple(layers), stacked(*weights), x).numpy()
    for k, w in enumerate(weights):
        alone = engine.predict(tuple(layers), [a[None] for a in w], x).numpy()[0]
        np.testing.assert_allclose(together[k], alone, atol=1e-6)


def test_a_thousand_seeds_train_together():
    from lstm_echo import config, runner

    experiment = config.resolve({"architecture": "m2m", "epochs": 3})
    results = runner.run_seeds(experiment, list(range(1000)))
    assert len(results) == 1000 and results[999].experiment.seed == 999
    lone = runner.run(config.resolve({"architecture": "m2m", "epochs": 3, "seed": 999}))
    np.testing.assert_allclose(results[999].predictions, lone.predictions, atol=1e-6)


def test_every_registered_cell_has_a_step_function():
    """A cell is a row of `cells.TABLE` and its step in `network.STEPS`; the Keras checks above take every row."""
    assert set(network.STEPS) == set(cells.BY_KIND) == set(CELLS.values())
