"""Command-line habits and the shared JSON row layout, as a user meets them."""

import json

import pytest
from conftest import invoke
from rich.text import Text

from lstm_echo.cli import console
from lstm_echo.results import rows
from lstm_echo.results.results_file import CSV_HEADER


def test_version_and_short_help():
    version = invoke("--version")
    assert version.exit_code == 0 and version.stdout.startswith("lstm-echo ")
    short = invoke("run", "-h")
    assert short.exit_code == 0 and "--require-echo" in short.stdout


def test_flags_show_no_value_in_help():
    help_text = invoke("run", "--help", env={"COLUMNS": "160"}).stdout
    for flag in ("--json", "--quiet", "--per-seed", "--require-echo", "--help"):
        line = next(line for line in help_text.splitlines() if flag + " " in line)
        assert "<bool>" not in line, line


def test_keras_words_are_aliases():
    doc = json.loads(invoke("run", "m2m", "--units", "3", "--lr", "0.01", "--epochs", "2", "--json").stdout)
    assert (doc["runs"][0]["neurons"], doc["runs"][0]["learning_rate"]) == (3, 0.01)


@pytest.mark.parametrize(
    "args, suggestion",
    [(["run", "many-to-mnay"], "'many-to-many'"), (["run", "m2m", "--cell", "lsmt"], "'lstm'")],
)
def test_near_misses_get_a_suggestion(args, suggestion):
    result = invoke(*args)
    assert result.exit_code == 2 and f"did you mean {suggestion}" in result.stderr


@pytest.mark.parametrize("key, suggestion", [("batchsize", "batch_size"), ("learning-rate", "learning_rate")])
def test_config_keys_get_a_suggestion(tmp_path, key, suggestion):
    path = tmp_path / "c.toml"
    path.write_text(f'architecture = "m2m"\n{key} = 1\n')
    for command in ("run", "sweep"):
        result = invoke(command, "--config", path)
        assert result.exit_code == 2 and f"did you mean {suggestion!r}" in result.stderr


def test_choices_are_case_insensitive():
    result = invoke("run", "M2M", "--cell", "LSTM", "--task", "Reverse", "--epochs", "2", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["runs"][0]
    assert (row["architecture"], row["cell"], row["task"]) == ("many-to-many", "lstm", "reverse")


def test_one_seed_is_easy_to_name():
    run = json.loads(invoke("run", "m2o", "--seeds", "7,", "--epochs", "2", "--json").stdout)
    assert [r["seed"] for r in run["runs"]] == [7]
    sweep = json.loads(invoke("sweep", "m2o", "--seed", "7", "--epochs", "2", "--json", "--per-seed", "-q").stdout)
    assert [r["seed"] for r in sweep["runs"]] == [7]


def test_compare_narrows_and_reports_per_seed():
    result = invoke("compare", "m2m", "o2o", "--epochs", "3", "--seeds", "2", "--per-seed", "--require-echo")
    assert result.exit_code == 3  # three epochs learn nothing
    assert "Per seed" in result.stdout and "many-to-one" not in result.stdout
    assert "No architecture echoed in any seed." in result.stdout and "many-to-many" in result.stdout


def test_compare_ends_with_a_computed_sentence():
    result = invoke("compare", "m2o", "o2o", "--task", "delay:1")
    assert result.exit_code == 0
    # Many-to-one sees the whole sequence; plain one-to-one cannot see the step before.
    assert "Learned delay:1: many-to-one; did not learn delay:1: one-to-one." in result.stdout.replace("\n", " ")


def test_a_failed_run_names_its_worst_step_and_a_hint():
    result = invoke("run", "m2m", "--epochs", "3")
    shown = result.stdout.replace("\n", " ")
    assert "worst: step 4" in shown and "hint, tried on this seed: --epochs 6: did not echo" in shown
    assert "✗" in result.stdout


def test_one_row_layout_everywhere(tmp_path):
    out = tmp_path / "runs.jsonl"
    run = json.loads(invoke("run", "m2m", "--epochs", "3", "--json").stdout)
    seeds = json.loads(invoke("run", "m2m", "--epochs", "3", "--seeds", "2", "--json").stdout)
    compare = json.loads(invoke("compare", "m2m", "--epochs", "3", "--json").stdout)
    sweep = json.loads(invoke("sweep", "m2m", "--epochs", "3", "--json", "--per-seed", "--out", out, "-q").stdout)
    filed = json.loads(out.read_text().splitlines()[0])
    for doc in (run, seeds, compare, sweep):
        for row in doc["runs"]:
            assert list(rows.checked_run_row(row))[: len(rows.RUN_COLUMNS)] == list(rows.RUN_COLUMNS)
        assert doc["summary"] == rows.aggregate(doc["runs"])
    assert list(filed) == list(rows.RUN_COLUMNS)
    objects = rows.OBJECT_FIELDS  # a CSV spells them out: train.mse, ..., provenance.host, ...
    assert [c for c in CSV_HEADER.split(",") if "." not in c] == [c for c in rows.RUN_COLUMNS if c not in objects]
    assert [c for c in CSV_HEADER.split(",") if "." in c] == [f"{o}.{f}" for o in objects for f in objects[o]]
    assert {k: v for k, v in filed.items() if k != "seconds"} == {
        k: v for k, v in sweep["runs"][0].items() if k != "seconds"
    }


def test_a_pipe_gets_each_sentence_on_one_line(monkeypatch, capsys):
    monkeypatch.delenv("COLUMNS", raising=False)
    sentence = "word " * 60
    console.begin()  # a command's consoles, made as it starts: stdout is no terminal here, as in a pipe
    console.show(Text(sentence))
    assert capsys.readouterr().out == sentence.rstrip() + "\n"  # one line, not cut at 120 columns


def test_help_shows_no_typer_artefacts():
    for command in ("run", "compare", "predict", "report", "merge", "explain"):
        help_text = invoke(command, "-h", env={"COLUMNS": "120"}).stdout
        usage = next(line for line in help_text.splitlines() if "Usage:" in line)
        assert "{" not in usage and "[[" not in usage and "...]..." not in usage, usage
        assert "<str>" not in help_text
    explain = invoke("explain", "-h", env={"COLUMNS": "200"}).stdout
    assert "20 for vanishing" in explain and "--sequences" not in explain
