"""The hint after a miss is a claim the tool checked: the cases that misled learners, each suggestion re-run alone."""

import json
from dataclasses import replace
from types import SimpleNamespace

import pytest
from conftest import invoke

from lstm_echo import config, hints, runner
from lstm_echo.verdict import Verdict


@pytest.mark.parametrize(
    "args, found, word",
    [
        # Runs whose old hint said "levelled off: try --neurons": more epochs is what helps.
        (["m2m", "--seed", "2"], "--epochs 2000", "echoed"),
        (["m2m", "--length", "20"], "--epochs 2000", "echoed"),
        (["o2o", "--task", "delay:1"], "--epochs 4000", "learned delay:1"),
    ],
)
def test_the_hint_names_a_change_that_learns_and_it_does(args, found, word):
    shown = invoke("run", *args).stdout.replace("\n", " ")
    assert f"{found}: {word}" in shown, shown
    assert "neurons" not in shown.partition("hint")[2].partition("final loss")[0]
    alone = json.loads(invoke("run", *args, *found.split(), "--json").stdout)["runs"][0]
    assert alone["learned"]


def test_a_loss_that_rose_is_said_and_stopping_earlier_is_tried(monkeypatch):
    # At this large step one-to-one's loss is lowest near the end and then jumps back up.
    args = ["o2o", "--lr", "0.5", "--seed", "4", "--epochs", "300"]
    history = json.loads(invoke("run", *args, "--json").stdout)["runs"][0]["loss_history"]
    lowest = history.index(min(history)) + 1
    assert lowest < 300 and history[-1] > 2 * min(history)
    shown = invoke("run", *args).stdout.replace("\n", " ")
    assert f"the loss rose: lowest at epoch {lowest}" in shown
    assert f"hint, tried on this seed: --epochs {lowest}: echoed" in shown
    alone = json.loads(invoke("run", *args[:-1], str(lowest), "--json").stdout)["runs"][0]
    assert alone["learned"] and alone["loss_history"] == history[:lowest]  # the first epochs of the longer run
    monkeypatch.setattr(hints, "MAX_TRIED_WORK", 0)
    shown = invoke("run", *args).stdout.replace("\n", " ")
    assert f"next, not tried here (over the hints' training budget): --epochs {lowest}" in shown


def test_tries_stop_at_the_budget(monkeypatch):
    experiment = config.resolve({"architecture": "m2m", "epochs": 10})
    missed = SimpleNamespace(experiment=experiment, loss_history=[0.3] * 10)
    miss = Verdict(learned=False, steps_correct=0, steps=5, max_error=1.0, worst_step=0, tolerance=0.05)
    trained = []

    def train(e, option):
        trained.append(option)
        return SimpleNamespace(verdict=miss)

    monkeypatch.setattr(hints, "MAX_TRIED_WORK", hints.work(replace(experiment, epochs=20)) + 1)
    hint = hints.check(missed, train)
    assert trained == ["--epochs 20"]  # --epochs 40 would pass the budget
    assert [t.option for t in hint.untried][:1] == ["--epochs 40"] and hint.found is None


def test_no_hint_trains_once(monkeypatch):
    trained = []
    real = runner.run_seeds
    monkeypatch.setattr(runner, "run_seeds", lambda e, *args, **kw: trained.append(e) or real(e, *args, **kw))
    shown = invoke("run", "m2m", "--epochs", "3", "--no-hint").stdout
    assert "did not echo" in shown and "hint" not in shown and len(trained) == 1
