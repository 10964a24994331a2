import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from lstm_echo import config, runner, seeds
from lstm_echo.cli import app


@pytest.mark.parametrize(
    "text, expected",
    [("4", [0, 1, 2, 3]), ("3,7,11", [3, 7, 11]), ("2-5", [2, 3, 4, 5]), ("0-1,9", [0, 1, 9]), ("7-7", [7])],
)
def test_seed_sets(text, expected):
    assert seeds.parse(text) == expected


@pytest.mark.parametrize("text", ["9-3", "", "x", "0,,1", "5,5", "0", "-3", "1-", "1.5"])
def test_malformed_seed_sets(text):
    with pytest.raises(seeds.SeedsError):
        seeds.parse(text)


def test_config_may_hold_seeds(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('architecture = "m2o"\nseeds = "2-4"\n')
    assert config.load(path)["seeds"] == [2, 3, 4]
    path.write_text("seeds = [1, 1]\n")
    with pytest.raises(config.InputError, match="key 'seeds' a seed is listed twice"):
        config.load(path)


def test_batched_seeds_agree_with_sequential_runs():
    experiment = config.resolve({"architecture": "o2o", "epochs": 60, "batch_size": 2, "learning_rate": 0.02})
    together = runner.run_seeds(experiment, [0, 1, 2])  # three, as test_engine's: one program for both
    alone = [runner.run(config.resolve({**experiment.to_dict(), "seed": s})) for s in range(3)]
    for batched, lone in zip(together, alone):
        assert batched.experiment == lone.experiment
        assert batched.predictions == pytest.approx(lone.predictions, abs=1e-5)
        # The same arithmetic, summed in an order XLA picks for each program's shapes: equal to float rounding.
        assert replace(batched.verdict, mse=0.0, max_error=0.0) == replace(lone.verdict, mse=0.0, max_error=0.0)
        assert batched.verdict.mse == pytest.approx(lone.verdict.mse, rel=1e-4)
        assert batched.verdict.max_error == pytest.approx(lone.verdict.max_error, rel=1e-4)


def test_summary_counts_echoes_and_losses():
    summary = seeds.summarize([False, True, False, True, False], [0.1, 0.001, float("nan"), 0.01, None])
    assert (summary.runs, summary.learned, summary.diverged) == (5, 2, 2)
    assert summary.median_final_loss == 0.01 and summary.worst_final_loss == 0.1
    assert summary.learned_rate == 0.4


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def test_run_seeds_json():
    result = invoke("run", "m2o", "--epochs", "30", "--seeds", "3,5", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (summary,) = doc["summary"]
    assert summary["seeds"] == "3,5" and "seed" not in summary
    assert [row["seed"] for row in doc["runs"]] == [3, 5]
    assert summary["runs"] == 2
    assert summary["runs_learned"] == sum(row["learned"] for row in doc["runs"])
    assert doc["timings"]["models_trained_together"] == 2
    assert "loss_history" not in doc["runs"][0]
    with_history = json.loads(invoke("run", "m2o", "--epochs", "30", "--seeds", "2", "--per-seed", "--json").stdout)
    assert len(with_history["runs"][1]["loss_history"]) == 30


def test_run_seeds_table():
    result = invoke("run", "o2o", "--epochs", "20", "--seeds", "0-1", "--per-seed")
    assert result.exit_code == 0
    assert "Per seed" in result.stdout and "echoed in" in result.stdout and "2 models trained together" in result.stdout


def test_diverged_seeds_are_counted_not_fatal():
    result = invoke("run", "m2m", "--epochs", "100", "--learning-rate", "1e38", "--seeds", "2", "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["summary"][0]["diverged"] == 2 and doc["runs"][0]["final_loss"] is None


@pytest.mark.parametrize("value", ["9-3", "0", "x", "0,,1", "4,4"])
def test_bad_seeds_exit_2(value):
    result = invoke("run", "m2m", "--seeds", value)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--seeds" in lines[0] and repr(value) in lines[0]


def test_seed_and_seeds_together_is_an_error():
    result = invoke("run", "m2m", "--seed", "1", "--seeds", "3")
    assert result.exit_code == 2 and "either --seed or --seeds" in result.stderr


def test_a_list_of_one_seed_is_that_seed_not_a_count():
    from lstm_echo import seeds as seed_lists

    assert seed_lists.expand([7]) == [7] and seed_lists.expand([0]) == [0]  # [7] once meant seeds 0-6
    assert seed_lists.expand(7) == list(range(7)) and seed_lists.expand("7,") == [7]
