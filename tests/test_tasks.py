"""Tasks beyond the echo, the architectures that can learn them, and the computed TimeDistributed answer."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lstm_echo import config, runner, tasks
from lstm_echo import explanations as explain
from lstm_echo.cli import app

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


def test_targets_of_each_task():
    x = np.array([0.0, 0.2, 0.4, 0.6, 0.8], dtype=np.float32)
    np.testing.assert_array_equal(tasks.parse("echo").targets(x), x)
    np.testing.assert_array_equal(tasks.parse("delay:1").targets(x), np.array([0.0, 0.0, 0.2, 0.4, 0.6], np.float32))
    np.testing.assert_array_equal(tasks.parse("delay:2").targets(x), np.array([0.0, 0.0, 0.0, 0.2, 0.4], np.float32))
    np.testing.assert_array_equal(tasks.parse("reverse").targets(x), x[::-1])
    assert tasks.parse("delay:03").label == "delay:3"


@pytest.mark.parametrize("kind", tasks.REGISTRY, ids=lambda kind: kind.name)
def test_every_registered_task_is_offered_and_its_targets_copy_its_sources(kind):
    written = kind.spelling.replace(":K", ":2")  # a task that takes a value, given one
    task = tasks.parse(written.upper())
    assert type(task) is kind and tasks.parse(task.label) == task
    assert written.split(":")[0] in tasks.spellings() and kind.spelling in config.SETTINGS["task"].help
    if task.drawn:
        return  # its targets are its own rule (tests/test_adding_task.py), not a copy of one step
    inputs = np.random.default_rng(0).random((3, 6), dtype=np.float32)
    expected = np.zeros_like(inputs)
    for t, source in enumerate(task.sources(6)):
        if source is not None:
            expected[:, t] = inputs[:, source]
    np.testing.assert_array_equal(task.targets(inputs), expected)
    assert task.formula().startswith("x[")


@pytest.mark.parametrize("text", ["delay", "delay:0", "delay:x", "echo:1", "forward", ""])
def test_unknown_tasks(text):
    with pytest.raises(
        tasks.UnknownTask, match="^must be echo, reverse, delay:K or adding with K a whole number of at least 1$"
    ):
        tasks.parse(text)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"architecture": "m2m", "task": "delay:5"}, "--task: 'delay:5' (a delay must be shorter than the length, 5)"),
        ({"architecture": "stateful", "batch_size": 2}, "--batch-size: 2 (stateful feeds one step per batch"),
    ],
)
def test_settings_a_task_or_architecture_cannot_use(settings, message):
    with pytest.raises(config.InputError) as raised:
        config.resolve(settings)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    "args, option", [(["--task", "delay:0"], "--task"), (["--cell", "lstn"], "--cell"), (["--layers", "0"], "--layers")]
)
def test_bad_task_cell_or_layers_exit_2(args, option):
    result = CliRunner().invoke(app, ["run", "m2m", *args])
    assert result.exit_code == 2 and option in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_stateful_learns_delay_1_where_plain_one_to_one_does_not():
    settings = config.load(CONFIGS / "stateful-delay-1.toml")
    stateful = runner.run(config.resolve(settings))
    assert stateful.expected == pytest.approx([0.0, 0.0, 0.2, 0.4, 0.6])
    assert stateful.verdict.learned, stateful.predictions
    plain = runner.run(config.resolve({**settings, "architecture": "one-to-one"}))
    assert not plain.verdict.learned, plain.predictions


def test_encoder_decoder_learns_reverse_at_its_config():
    result = runner.run(config.resolve(config.load(CONFIGS / "reverse-encoder-decoder.toml")))
    assert result.expected == pytest.approx([0.8, 0.6, 0.4, 0.2, 0.0])
    assert result.verdict.learned, result.predictions


def test_timedistributed_and_plain_dense_are_the_same_network():
    answer = explain.timedistributed(length=6, neurons=3, epochs=40, seed=2)
    assert answer["same_params"]
    assert answer["time_distributed"]["total_params"] == 4 * (2 * 3 + 9) + 4
    assert [layer["type"] for layer in answer["dense"]["layers"]] == ["LSTM", "Dense"]
    assert [layer["type"] for layer in answer["time_distributed"]["layers"]] == ["LSTM", "TimeDistributed"]
    assert answer["max_abs_difference"] <= 1e-6
    assert len(answer["dense"]["outputs"]) == 6 and len(set(answer["dense"]["outputs"])) > 1


def test_explain_command():
    result = CliRunner().invoke(app, ["explain", "timedistributed", "--epochs", "20", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["same_params"] and doc["max_abs_difference"] <= 1e-6
    table = CliRunner().invoke(app, ["explain", "timedistributed", "--epochs", "20"])
    assert "Same parameters: yes" in table.stdout
    assert CliRunner().invoke(app, ["explain", "attention"]).exit_code == 2
