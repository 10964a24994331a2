"""inspect: the gates and memory held against Keras, the connectivity against finite differences,
the source score on hand-built networks, and the command's output and refusals."""

import json
import re

import numpy as np
import pytest
from conftest import invoke

from lstm_echo import architectures, budget, config, inspection, tasks
from lstm_echo.backend import keras_model, probes
from lstm_echo.cells import BY_KIND
from lstm_echo.initializers import initial_weights
from lstm_echo.layers import GRU, LSTM, SIMPLE, LayerSpec
from lstm_echo.rendering import heatmaps

keras = keras_model.keras
ARCHS = [a.name for a in architectures.REGISTRY]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def reference_values(kind: str, weights: list[np.ndarray], xs: np.ndarray) -> dict[str, np.ndarray]:
    """Each step's values from the Keras layer's own weights, by the equations Keras documents: {name: (units, steps)}."""
    kernel, recurrent, bias = (w.astype(np.float64) for w in weights)
    units = recurrent.shape[0]
    h, c = np.zeros(units), np.zeros(units)
    kept: dict[str, list] = {name: [] for name in BY_KIND[kind].shown}
    for x in xs:
        if kind == LSTM:
            i, f, g, o = np.split(x @ kernel + h @ recurrent + bias, 4)
            i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
            c = f * c + i * g
            h = o * np.tanh(c)
            step = {"input gate": i, "forget gate": f, "output gate": o, "candidate": g, "cell state": c, "output": h}
        elif kind == GRU:  # reset_after: the reset gate scales the recurrent part, bias included
            x_z, x_r, x_h = np.split(x @ kernel + bias[0], 3)
            h_z, h_r, h_h = np.split(h @ recurrent + bias[1], 3)
            z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
            candidate = np.tanh(x_h + r * h_h)
            h = z * h + (1 - z) * candidate
            step = {"update gate": z, "reset gate": r, "candidate": candidate, "output": h}
        else:
            h = np.tanh(x @ kernel + h @ recurrent + bias)
            step = {"output": h}
        for name, value in step.items():
            kept[name].append(value)
    return {name: np.stack(values, axis=1) for name, values in kept.items()}


def keras_layer(kind: str, units: int, steps: int, weights: list[np.ndarray]):
    layer_class = {LSTM: keras.layers.LSTM, GRU: keras.layers.GRU, SIMPLE: keras.layers.SimpleRNN}[kind]
    layer = layer_class(units, return_sequences=True, return_state=True)
    layer.build((None, steps, 1))
    layer.set_weights(weights)
    return layer


@pytest.mark.parametrize("kind", [LSTM, GRU, SIMPLE])
def test_the_gates_and_final_state_match_keras(kind):
    steps, units = 6, 3
    spec = LayerSpec(kind, units=units, inputs=1, steps=steps, return_sequences=True)
    rng = np.random.default_rng(1)
    weights = [rng.normal(0, 0.8, shape).astype(np.float32) for shape in spec.weight_shapes]
    sequence = rng.uniform(0, 1, steps).astype(np.float32)
    layer = keras_layer(kind, units, steps, weights)
    outputs, *finals = (t.numpy()[0] for t in layer(sequence[None, :, None]))

    _, (values,) = probes.step_values([spec], weights, sequence[None, :, None])
    assert set(values) == set(BY_KIND[kind].shown)
    np.testing.assert_allclose(values["output"][:, -1], finals[0], atol=1e-6)  # h, as Keras returns it
    if kind == LSTM:
        np.testing.assert_allclose(values["cell state"][:, -1], finals[1], atol=1e-6)  # c
    np.testing.assert_allclose(values["output"], outputs.T, atol=1e-6)
    reference = reference_values(kind, layer.get_weights(), sequence[:, None])
    for name, expected in reference.items():
        np.testing.assert_allclose(values[name], expected, atol=1e-5, err_msg=name)


def test_a_stateful_network_carries_its_memory_and_one_to_one_does_not():
    # Stateful one-to-one fed the sequence step by step is an LSTM run over the whole sequence;
    # plain one-to-one starts each step from zero, as a one-step Keras LSTM does.
    length, units = 5, 3
    sequence = np.linspace(0.1, 0.9, length, dtype=np.float32)
    stateful_layers = architectures.get("stateful").layers(length, units)
    weights = initial_weights(stateful_layers, 3)
    x, _ = inspection.framed(architectures.get("stateful"), sequence)
    layer = keras_layer(LSTM, units, length, weights[:3])
    whole = layer(sequence[None, :, None])[0].numpy()[0]
    _, (carried,) = probes.step_values(stateful_layers, weights, x)
    np.testing.assert_allclose(carried["output"], whole.T, atol=1e-6)
    _, (fresh,) = probes.step_values(architectures.get("o2o").layers(length, units), weights, x)
    one_step = np.stack([layer(v.reshape(1, 1, 1))[0].numpy()[0, 0] for v in sequence], axis=1)
    np.testing.assert_allclose(fresh["output"], one_step, atol=1e-6)
    assert not np.allclose(fresh["output"][:, 1:], carried["output"][:, 1:], atol=1e-3)


def keras_outputs(model, x: np.ndarray, stateful: bool) -> np.ndarray:
    if not stateful:  # the model called on the batch: what `predict` computes, without tracing a loop (0.2 s)
        return model(x, training=False).numpy().reshape(-1)
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_states()
    return model.predict(x, batch_size=1, verbose=0).reshape(-1)


@pytest.mark.parametrize("name", ARCHS)
def test_connectivity_equals_finite_differences_through_keras(name):
    arch = architectures.get(name)
    length = 4
    layers = arch.layers(length, 3, GRU if name == "many-to-one" else LSTM)
    weights = initial_weights(layers, 5)
    sequence = np.array([0.3, 0.7, 0.1, 0.5], dtype=np.float32)
    x, positions = inspection.framed(arch, sequence)
    matrix = probes.connectivity(layers, [w[None] for w in weights], x, positions)[0]

    model = keras_model.build(layers)
    model.set_weights(weights)
    h = 1e-2
    numeric = np.zeros((length, length))
    for s in range(length):
        up, down = sequence.astype(np.float64).copy(), sequence.astype(np.float64).copy()
        up[s] += h
        down[s] -= h
        ups, downs = (
            keras_outputs(model, inspection.framed(arch, v.astype(np.float32))[0], arch.stateful) for v in (up, down)
        )
        numeric[:, s] = np.abs(ups - downs) / (2 * h)
    np.testing.assert_allclose(matrix, numeric, rtol=2e-2, atol=1e-4)


def copying_network(input_weight: float) -> tuple[list[LayerSpec], list[np.ndarray]]:
    """A many-to-many LSTM of one unit that forgets at once and outputs a function of the current input only."""
    layers = architectures.get("m2m").layers(5, 1)
    big = 12.0
    kernel = np.array([[0.0, 0.0, input_weight, 0.0]], np.float32)  # only the candidate sees the input
    recurrent = np.zeros((1, 4), np.float32)  # nothing depends on the past output
    bias = np.array([big, -big, 0.0, big], np.float32)  # input and output gates open, forget gate shut
    return layers, [kernel, recurrent, bias, np.ones((1, 1), np.float32), np.zeros(1, np.float32)]


def score(layers, weights, task: str) -> float:
    arch = architectures.get("m2m")
    x, positions = inspection.framed(arch, np.linspace(0.0, 0.8, 5, dtype=np.float32))
    matrices = probes.connectivity(layers, [w[None] for w in weights], x, positions)
    (value,) = inspection.source_scores(matrices, tasks.parse(task).sources(5)) or [np.nan]
    return value


def test_the_source_score_is_one_for_a_copying_network_and_near_zero_otherwise():
    layers, copying = copying_network(1.0)
    assert score(layers, copying, "echo") > 0.999
    assert score(layers, copying, "delay:1") < 1e-3  # it copies the wrong step
    assert score(layers, copying, "reverse") == pytest.approx(0.2, abs=1e-3)  # only the middle output hits
    _, ignoring = copying_network(0.0)
    assert score(layers, ignoring, "echo") == 0.0  # no gradient on any input


def test_sources_per_task_and_no_score_without_one():
    assert tasks.parse("echo").sources(3) == [0, 1, 2]
    assert tasks.parse("delay:2").sources(4) == [None, None, 0, 1]
    assert tasks.parse("reverse").sources(3) == [2, 1, 0]
    assert inspection.source_scores(np.ones((2, 3, 3)), [None, None, None]) is None
    assert inspection.source_scores(np.ones((1, 2, 2)), [0, None]) == [0.5]


def test_saturation_counts_gate_values_beyond_the_thresholds():
    values = {"update gate": np.array([[0.05, 0.5], [0.95, 0.99]]), "reset gate": np.full((2, 2), 0.5)}
    values |= {"candidate": np.zeros((2, 2)), "output": np.zeros((2, 2))}
    shares = inspection.saturation(GRU, values)
    assert shares == {"update gate": {"below": 0.25, "above": 0.5}, "reset gate": {"below": 0.0, "above": 0.0}}


def test_connectivity_of_a_hundred_seeds_is_one_program():
    arch = architectures.get("m2m")
    layers = arch.layers(20, 4)
    weights = [np.stack(ws) for ws in zip(*(initial_weights(layers, seed) for seed in range(100)))]
    x, positions = inspection.framed(arch, np.linspace(0, 0.95, 20, dtype=np.float32))
    jacobian = probes.compiled_jacobian(tuple(layers))
    matrices = probes.connectivity(layers, weights, x, positions)
    assert matrices.shape == (100, 20, 20) and jacobian.experimental_get_tracing_count() == 1
    lone = probes.connectivity(layers, [w[7:8] for w in weights], x, positions)[0]
    np.testing.assert_allclose(matrices[7], lone, rtol=1e-4, atol=1e-7)
    assert np.all(np.triu(matrices, 1) == 0)  # no output sees an input after it


@pytest.fixture(scope="module")
def answer():
    result = invoke("inspect", "m2m", "--epochs", "30", "--connectivity", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_inspect_trains_exactly_as_run_does(answer):
    ran = json.loads(invoke("run", "m2m", "--epochs", "30", "--json").stdout)
    np.testing.assert_allclose(answer["predictions"], ran["runs"][0]["predictions"], atol=1e-5)
    assert answer["inputs"] == ran["inputs"] and answer["settings"]["seed"] == 0


def test_inspect_json_holds_every_array(answer):
    (layer,) = answer["recurrent_layers"]
    assert layer["name"] == "lstm" and list(layer["values"]) == list(BY_KIND[LSTM].shown)
    for name, values in layer["values"].items():
        assert np.asarray(values).shape == (5, 5)  # units × steps
        if name.endswith(" gate"):
            assert 0 <= np.min(values) and np.max(values) <= 1
    assert set(layer["saturation"]) == {"input gate", "forget gate", "output gate"}
    conn = answer["connectivity"]
    assert np.asarray(conn["matrix"]).shape == (5, 5) and conn["sources"] == [0, 1, 2, 3, 4]
    assert conn["source_score"] == pytest.approx(conn["seed_scores"][0]) and 0 < conn["source_score"] <= 1


def test_the_report_fits_80_columns_and_keeps_every_number():
    result = invoke(
        "inspect",
        "m2m",
        "--length",
        "20",
        "--neurons",
        "2",
        "--epochs",
        "3",
        "--connectivity",
        "-q",
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    gate_rows = [line for line in lines if re.match(r"^(\d+)?\s+(input gate|cell state|output)\s+-?\d", line)]
    numbers = sum(len(re.findall(r"-?\d+\.\d\d", line)) for line in gate_rows)
    assert numbers == 2 * 3 * 20  # units × (input gate, cell state, output) × steps, none cut
    assert "steps 0-" in result.stdout and "Source score" in result.stdout


def test_a_saved_model_is_inspected_as_trained(tmp_path):
    model = tmp_path / "m.keras"
    assert invoke("run", "m2m", "--epochs", "30", "--save-model", model, "--json").exit_code == 0
    result = invoke("inspect", model, "--input", "0.3,0.1,0.7,0.2,0.9", "--connectivity", "--json")
    assert result.exit_code == 0, result.output
    loaded = json.loads(result.stdout)
    predicted = json.loads(invoke("predict", model, "0.3", "0.1", "0.7", "0.2", "0.9", "--json").stdout)
    np.testing.assert_allclose(loaded["predictions"], predicted["predictions"], atol=1e-5)
    assert loaded["model"] == str(model) and loaded["inputs"] == pytest.approx([0.3, 0.1, 0.7, 0.2, 0.9])


def test_one_to_one_says_what_it_shows_instead():
    result = invoke("inspect", "o2o", "--epochs", "5", "-q")
    assert result.exit_code == 0
    assert result.stderr.startswith("Note: one-to-one gives every step a sample of its own")
    assert "each column shows one step's gates" in result.stdout


def test_compare_gains_a_source_column():
    result = invoke("compare", "m2m", "o2o", "--epochs", "20", "--seeds", "0-1", "--connectivity", "--json")
    document = json.loads(result.stdout)
    assert all(0 <= row["source_score"] <= 1 for row in document["runs"])
    for summary in document["summary"]:
        mine = [row["source_score"] for row in document["runs"] if row["architecture"] == summary["architecture"]]
        assert summary["mean_source_score"] == pytest.approx(np.mean(mine))
    table = invoke("compare", "m2m", "o2o", "--epochs", "20", "--connectivity", env={"COLUMNS": "120"}).stdout
    assert "Source" in table and "share of each output's gradient" in table


def test_the_heatmaps_are_drawn(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "gates.png"
    result = invoke("inspect", "enc-dec", "--epochs", "3", "--connectivity", "--plot", png, "-q")
    assert result.exit_code == 0, result.output
    assert png.read_bytes().startswith(b"\x89PNG")


def test_the_pictures_panels_carry_the_inputs_and_the_source_cells():
    answer = json.loads(
        invoke("inspect", "m2m", "--task", "delay:1", "--epochs", "3", "--connectivity", "--json").stdout
    )
    panels = heatmaps.plot_panels(answer)
    assert all(p["x_values"] == ["0", "0.2", "0.4", "0.6", "0.8"] for p in panels)
    conn = panels[-1]
    assert conn["marked"] == {(t, t - 1) for t in range(1, 5)}  # delay:1 copies the step before
    assert f"source score {answer['connectivity']['source_score']:.2f}" in conn["title"]


def test_connectivity_that_would_not_fit_is_refused():
    e = config.resolve({"architecture": "m2m", "length": 2000, "neurons": 400})
    layers = architectures.get("m2m").layers(2000, 400)
    with pytest.raises(budget.TooLarge, match="--length: 2000"):
        budget.check_connectivity(e, layers, 1, memory=8 * 2**30)
    small = config.resolve({"architecture": "m2m"})
    with pytest.raises(budget.TooLarge, match="--seeds: 100,000,000 models"):
        budget.check_connectivity(small, architectures.get("m2m").layers(5, 5), 10**8, memory=8 * 2**30)


@pytest.mark.parametrize(
    "args, option",
    [
        (["m2x"], "ARCH"),
        (["m2m", "--input", "0.1,0.2"], "--input"),
        (["m2m", "--input", "0.1,x,0.3,0.4,0.5"], "--input"),
        (["m2m", "--plot", "gates.txt"], "--plot"),
        (["m2m", "--epochs", "0"], "--epochs"),
        (["missing.keras"], "MODEL"),
    ],
)
def test_bad_input_is_one_line_before_training(no_training, args, option):
    result = invoke("inspect", *args)
    assert result.exit_code == 2 and option in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_saved_model_refuses_the_wrong_length_and_new_settings(tmp_path):
    model = tmp_path / "m.keras"
    assert invoke("run", "m2m", "--epochs", "2", "--save-model", model, "--json").exit_code == 0
    for args, expected in (
        (["--input", "0.1,0.2"], "Invalid value for --input: '0.1,0.2' (" + str(model) + " takes 5 values, got 2)"),
        (["--epochs", "5"], "Invalid value for --epochs"),
    ):
        result = invoke("inspect", model, *args)
        assert result.exit_code == 2 and result.stderr.strip().startswith(f"Error: {expected}"), result.stderr


def test_a_diverged_network_is_one_line_exit_1():
    result = invoke("inspect", "m2m", "--learning-rate", "1e38", "--epochs", "100", "--json")
    assert result.exit_code == 1 and "diverged" in result.stderr and "Traceback" not in result.output


def test_values_off_the_training_grid_are_a_warning_not_an_error():
    # The data settings of test_held_out's runs: one network compiled for both.
    args = ("m2m", "--sequences", "30", "--length", "4", "--test-sequences", "7", "--batch-size", "8", "--epochs", "2")
    result = invoke("inspect", *args, "-q", "--input", "0.15,0.2,0.3,0.4", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["inputs"] == [0.15, 0.2, 0.3, 0.4]
    assert result.stderr == "Warning: 0.15 not on the grid 0.0, 0.1, ..., 0.9 the model was trained on\n"
