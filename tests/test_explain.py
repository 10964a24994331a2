"""explain vanishing: the gradient of the last output against the lag, and a sentence made from it."""

import json

import pytest
from conftest import invoke

from lstm_echo import explanations as explain


@pytest.fixture(scope="module")
def answer():
    result = invoke("explain", "vanishing", "--length", "6", "--neurons", "3", "--epochs", "20", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_cell_has_a_gradient_per_lag_at_both_phases(answer):
    assert list(answer["cells"]) == ["SimpleRNN", "GRU", "LSTM"]
    for values in answer["cells"].values():
        assert len(values["initial"]) == len(values["trained"]) == 6
        assert all(v >= 0 for v in values["initial"] + values["trained"])
        assert values["initial"] != values["trained"]  # training moved the weights


def test_the_sentence_follows_the_numbers(answer):
    for phase in ("initial", "trained"):
        factors = {cell: explain.kept(v[phase]) for cell, v in answer["cells"].items()}
        most = min(factors, key=factors.__getitem__)
        least = max(factors, key=factors.__getitem__)
        assert f"fades most in {most}, least in {least}" in answer["finding"]
    table = invoke("explain", "vanishing", "--length", "6", "--neurons", "3", "--epochs", "20").stdout
    assert "SimpleRNN initial" in table and "LSTM trained" in table and "At lag 5" in table


def test_the_plot_is_drawn(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "v.png"
    # The settings of `answer`, so the networks it compiled are trained again rather than compiled anew.
    result = invoke("explain", "vanishing", "--length", "6", "--neurons", "3", "--epochs", "20", "--plot", png)
    assert result.exit_code == 0 and png.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("args, option", [(["sideways"], "TOPIC"), (["timedistributed", "--plot", "x.png"], "--plot")])
def test_bad_input_is_one_line(no_training, args, option):
    result = invoke("explain", *args)
    assert result.exit_code == 2 and option in result.stderr and len(result.stderr.strip().splitlines()) == 1
