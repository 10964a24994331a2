"""The tutorial's three experiments, trained for real from configs/, really echo."""

from pathlib import Path

import pytest

from lstm_echo import config, runner

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


@pytest.mark.parametrize("name", ["one-to-one", "many-to-one", "many-to-many"])
def test_tutorial_config_echoes(name):
    experiment = config.resolve(config.load(CONFIGS / f"{name}.toml"))
    result = runner.run(experiment)
    assert result.verdict.learned, (result.predictions, result.final_loss)
    assert result.verdict.steps_correct == 5
    assert len(result.loss_history) == experiment.epochs
    assert result.loss_history[-1] < result.loss_history[0]


def test_one_to_one_trains_in_minibatches_of_one():
    experiment = config.resolve({"architecture": "o2o", "batch_size": 1, "epochs": 300})
    first, second = runner.run(experiment), runner.run(experiment)
    assert first.predictions == second.predictions
    assert first.loss_history[-1] < first.loss_history[0] / 10
