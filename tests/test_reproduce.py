"""`lstm-echo reproduce adding` and `lstm_echo.reproduce`: checks before anything starts, the paper's row beside
ours, rows a script reads, and the same numbers from the library as from the command line."""

import json

import pytest
from conftest import invoke

import lstm_echo
from lstm_echo import reproduction


@pytest.mark.parametrize(
    "args, named",
    [
        (["sum"], "PROBLEM: 'sum'"),
        (["adding", "--length", "21"], "--length: '21'"),
        (["adding", "--length", "ten"], "--length: 'ten'"),
        (["adding", "--variant", "fixed", "--length", "1"], "--length: '1'"),
        (["adding", "--seeds", "0-"], "--seeds: '0-'"),
        (["adding", "--cell", "lstm,rnn"], "--cell: 'lstm,rnn'"),
        (["adding", "--neurons", "0"], "--neurons: '0'"),
        (["adding", "--max-sequences", "1_000"], "--max-sequences: '1_000'"),
        (["adding", "--learning-rate", "1_0e-3"], "--learning-rate: '1_0e-3'"),
        (["adding", "--learning-rate", "nan"], "--learning-rate: 'nan'"),
        (["adding", "--forget-bias", "1e9"], "--forget-bias: '1e9'"),
        (["adding", "--max-sequences", "4", "--batch-size", "8"], "--max-sequences: '4'"),
        (["adding", "--variant", "later"], "--variant: 'later'"),
        (["adding", "--seeds", "1000", "--batch-size", "4096", "--length", "1000"], "--batch-size: '4096'"),
        (["adding", "--plot", "out.txt"], "out.txt"),
        (["adding", "--memory", "/no/such/folder/m.png"], "/no/such/folder"),
    ],
)
def test_bad_input_is_one_line_naming_the_option_and_value_before_anything_trains(args, named, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("trained")

    monkeypatch.setattr("lstm_echo.api.reproductions.reproduce", refuse)
    result = invoke("reproduce", *args)
    assert result.exit_code == 2, result.output
    assert named in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_papers_row_stands_beside_ours_and_json_rows_say_how_each_seed_did():
    result = invoke("reproduce", "adding", "--seeds", "2", "--max-sequences", "64", "-q")
    assert result.exit_code == 0, result.output
    assert "paper (1997), LSTM" in result.stdout and "74,000 (average)" in result.stdout
    assert "lstm-echo, LSTM" in result.stdout and "117" in result.stdout  # 4 × ((2 + 1) × 4 + 16) + 4 + 1
    assert "0 of 2 LSTM seeds stopped within 64 sequences at T = 100" in result.stdout

    shown = invoke("reproduce", "adding", "--seeds", "2", "--max-sequences", "64", "--json")
    document = json.loads(shown.stdout)
    assert [(r["cell"], r["seed"]) for r in document["runs"]] == [("lstm", 0), ("lstm", 1)]
    assert all(not r["stopped"] and r["sequences_to_stop"] is None for r in document["runs"])
    assert all(r["wrong"] > 1000 for r in document["runs"])  # 64 sequences teach nothing yet
    assert document["summary"][0]["stopped"] == 0 and document["summary"][0]["sequences_median"] is None


def test_the_library_gives_the_command_lines_numbers_and_a_figure():
    outcome = lstm_echo.reproduce("adding", length=22, seeds=[3], cell="lstm,simple", max_sequences=256, curve=True)
    result = invoke(
        "reproduce", "adding", "--length", "22", "--seeds", "3,", "--cell", "lstm,simple", "--max-sequences", "256",
        "--json",
    )  # fmt: skip
    assert outcome.rows == json.loads(result.stdout)["runs"]
    assert [row["weights"] for row in outcome.summary] == [117, 33]  # SimpleRNN: 4 × (2 + 1) + 16 + 4 + 1
    assert "The paper's Table 7 has T = 100, 500, 1000" in outcome.text(width=400)
    figure = outcome.plot()
    assert figure.axes[0].get_lines()[0].get_xdata()[-1] == 256
    with pytest.raises(lstm_echo.Error, match="cell 'gru' was not trained here"):
        outcome.memory_plot(cell="gru")
    with pytest.raises(lstm_echo.Error, match="seed 4 was not trained here"):
        outcome.memory_plot(seed=4)


def test_a_model_stops_on_its_own_within_its_budget_at_t_22_and_shows_its_memory():
    outcome = lstm_echo.reproduce("adding", length=22, seeds=2, max_sequences=200_000, learning_rate=0.01)
    assert [row["stopped"] for row in outcome.rows] == [True, True]
    for row in outcome.rows:
        assert row["sequences_to_stop"] % reproduction.DEFAULTS.batch_size == 0
        assert row["wrong"] < 0.01 * reproduction.TEST_SEQUENCES
    figure = outcome.memory_plot()
    title = figure.texts[0].get_text()
    assert title.startswith("LSTM, seed 0, T = 22: X1 = ") and "at step 0," not in title
    target, output = (float(title.rsplit(word, 1)[1].split(",")[0]) for word in ("target ", "output "))
    assert abs(target - output) < 0.04  # a stopped model is right on it
    assert len(figure.axes[1].get_lines()) >= 4  # a line per unit


def test_its_programs_leave_no_file_in_the_compile_cache(monkeypatch):
    """The adding problem's programs are compiled afresh each run and never recorded, so none is kept."""
    from lstm_echo.backend import compile_cache

    # The session's cache is shared with another worker, so what this process wrote is told by the
    # only two ways it writes into the cache: a program's record, and XLA's files moved in from staging.
    writes = []
    for name in ("write_record", "collect"):
        writer = getattr(compile_cache, name)
        monkeypatch.setattr(compile_cache, name, lambda *a, writer=writer, name=name: writes.append(name) or writer(*a))
    result = invoke("reproduce", "adding", "--length", "23", "--seeds", "1", "--max-sequences", "8", "-q")
    assert result.exit_code == 0, result.output
    assert compile_cache.active is not None  # the cache was on: TensorFlow wrote into its staging folder
    assert writes == []
    assert list(compile_cache.active.staging.iterdir()) == []


def test_the_fixed_version_is_judged_against_always_answering_one():
    settings = reproduction.checked(length=50, seeds_text="2", cells="lstm,gru", variant="fixed")
    runs = [reproduction.SeedRun(cell, seed, None, 2000, mse) for cell, seed, mse in
            [("lstm", 0, 0.10), ("lstm", 1, 0.12), ("gru", 0, 0.05), ("gru", 1, 0.07)]]  # fmt: skip
    said = reproduction.sentence(settings, reproduction.summary(settings, runs))
    assert said.endswith("GRU's median test MSE, 0.0600, is 36% of always answering 1 (0.1667).")
