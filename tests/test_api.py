"""The library: every function gives the command line's numbers, checks and tables, from `import lstm_echo`."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import invoke

import lstm_echo
from lstm_echo import api

SMALL = {"epochs": 30}


def cli_json(*args) -> dict:
    result = invoke(*map(str, args), "--json")
    assert result.exit_code in (0, 3), result.stderr
    return json.loads(result.stdout)


def untimed(text: str) -> str:
    """Output with its timings (`0.76` at a table line's end, `in 1.2 s`) blanked: they differ run to run."""
    return re.sub(r"\d+\.\d+( s|$)", r"T\1", text, flags=re.M)


def test_run_gives_the_command_lines_numbers():
    run = lstm_echo.run("m2m", **SMALL)
    document = cli_json("run", "m2m", "--epochs", 30, "-q")
    (row,) = document["runs"]
    assert run.predictions == row["predictions"] and run.losses == row["loss_history"]
    assert run.learned == row["learned"] and run.train == row["train"] and run.test is None
    assert run.expected == document["expected"] and run.inputs == document["inputs"]
    assert {k: v for k, v in run.rows[0].items() if k not in ("seconds", "provenance")} == {
        k: v for k, v in row.items() if k not in ("seconds", "provenance")
    }


def test_seeds_a_config_file_and_held_out_data_as_on_the_command_line(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('architecture = "o2o"\nlength = 4\nepochs = 30\n')
    run = lstm_echo.run(config=config, seeds=range(3), sequences=20, test_sequences=5)
    document = cli_json("run", "--config", config, "--seeds", "0-2", "--sequences", 20, "--test-sequences", 5, "-q")
    assert [r["predictions"] for r in run.rows] == [r["predictions"] for r in document["runs"]]
    assert run.summary["runs_learned"] == document["summary"][0]["runs_learned"] and run.test is not None
    figure = run.plot()
    assert type(figure).__name__ == "Figure" and len(figure.axes[0].lines) >= 3  # a curve per seed, dashed held-out


def test_errors_are_one_exception_with_the_checks_message():
    with pytest.raises(lstm_echo.Error, match=r"^run\(\): key 'length' must be at least 1, got 0$"):
        lstm_echo.run("m2m", length=0)
    with pytest.raises(lstm_echo.Error, match="unknown key 'lenght'; did you mean 'length'"):
        lstm_echo.run("m2m", lenght=5)
    with pytest.raises(lstm_echo.Error, match="delay must be shorter than the length"):
        lstm_echo.run("m2m", task="delay:5")
    with pytest.raises(lstm_echo.Error, match="is not an architecture"):
        lstm_echo.compare(["m2m", "m3m"])
    with pytest.raises(lstm_echo.Error, match="the run would need about"):
        lstm_echo.run("m2m", neurons=10000, layers=20)
    with pytest.raises(lstm_echo.Error, match="give either --seed or --seeds"):
        lstm_echo.sweep("m2m", seed=1, seeds=2)
    with pytest.raises(lstm_echo.Error, match="key 'seeds'"):
        lstm_echo.sweep("m2m", seeds=-1)
    with pytest.raises(lstm_echo.Error, match="takes 5 values"):
        lstm_echo.inspect("m2m", sequence=[0.1, None])


def test_compare_and_its_table_match_the_command_line():
    comparison = lstm_echo.compare(["o2o", "m2m"], seeds=2, length=4, **SMALL)
    document = cli_json("compare", "o2o", "m2m", "--seeds", 2, "--length", 4, "--epochs", 30, "-q")
    assert [r["predictions"] for r in comparison.rows] == [r["predictions"] for r in document["runs"]]
    assert comparison["many-to-many"].experiment.architecture == "many-to-many"
    shown = invoke("compare", "o2o", "m2m", "--seeds", "2", "--length", "4", "--epochs", "30", "-q").stdout
    assert untimed(comparison.text(120)) == untimed(shown)  # the same tables, word for word, bar the seconds


def test_params_renders_as_the_command_line_and_counts_as_keras_does():
    params = lstm_echo.params(["m2m", "o2o"], length=7, cell="gru")
    assert (
        params.text(100)
        == invoke("params", "m2m", "o2o", "--length", "7", "--cell", "gru", env={"COLUMNS": "100"}).stdout
    )
    assert params.layers == cli_json("params", "m2m", "o2o", "--length", 7, "--cell", "gru")
    from lstm_echo import architectures
    from lstm_echo.backend import keras_model

    for name, total in params.totals.items():
        layers = architectures.get(name).layers(7, 7, "gru", 1)
        assert total == keras_model.build(layers, compiled=False).count_params()


def test_a_saved_model_predicts_as_predict_does(tmp_path):
    model = tmp_path / "m.keras"
    assert invoke("run", "m2m", "--epochs", "30", "--save-model", model, "-q", "--no-hint").exit_code in (0, 3)
    prediction = lstm_echo.predict(model, [0.0, 0.2, 0.4, 0.6, 0.8])
    assert prediction.document() == cli_json("predict", model, "0.0,0.2,0.4,0.6,0.8")
    assert lstm_echo.predict(model, "0 0.2 0.4 0.6 0.8").predictions == prediction.predictions
    with pytest.raises(lstm_echo.Error, match="5 values"):
        lstm_echo.predict(model, [0.1])
    keras_model = lstm_echo.run("m2m", epochs=30).model()
    assert keras_model.predict(__import__("numpy").array([[[v] for v in prediction.inputs]]), verbose=0).ravel() == (
        pytest.approx(prediction.predictions, abs=1e-6)
    )


def test_sweep_records_and_read_results_reads_what_report_reads(tmp_path):
    out = tmp_path / "runs.jsonl"
    swept = lstm_echo.sweep(["m2m", "o2o"], length=[3, 4], seeds=2, out=out, **SMALL)
    assert (swept.trained, swept.skipped, len(swept.rows)) == (8, 0, 8)
    again = lstm_echo.sweep(["m2m", "o2o"], length=[3, 4], seeds=2, out=out, **SMALL)
    assert (again.trained, again.skipped) == (0, 8)
    results = lstm_echo.read_results(out)
    assert results.rows == [json.loads(line) for line in out.read_text().splitlines()]
    summary = results.summary(by="architecture,length")
    assert summary.table == cli_json("report", out, "--by", "architecture,length")["summary"]
    assert summary.text(100) == invoke("report", out, "--by", "architecture,length", env={"COLUMNS": "100"}).stdout
    kept = results.summary(by=["length"], where={"architecture": "m2m"}).table
    assert [row["runs"] for row in kept] == [2, 2]
    assert type(summary.plot()).__name__ == "Figure"
    with pytest.raises(lstm_echo.Error, match="key 'length'"):
        lstm_echo.sweep("m2m", length=[3, 0])


def test_to_pandas_spells_objects_out_as_a_csv_does(tmp_path):
    pandas = pytest.importorskip("pandas")
    out = tmp_path / "runs.jsonl"
    lstm_echo.sweep("m2m", length=[3, 4], seeds=2, out=out, **SMALL)  # two seeds: the networks of the sweep above
    frame = lstm_echo.read_results(out).to_pandas()
    assert isinstance(frame, pandas.DataFrame) and len(frame) == 4
    assert list(frame["length"]) == [3, 3, 4, 4] and "train.mse" in frame.columns


def test_inspect_answers_as_inspect_json():
    inspection = lstm_echo.inspect("m2m", connectivity=True, **SMALL)
    assert inspection.answer == cli_json("inspect", "m2m", "--connectivity", "--epochs", 30, "-q")
    assert "forget gate" in inspection.text() and "<pre" in inspection._repr_html_()
    assert type(inspection.plot()).__name__ == "Figure"


def test_a_result_shows_in_jupyter_as_the_tables_do():
    html = lstm_echo.params("m2m")._repr_html_()
    assert html.startswith("<pre") and "4 × ((1 + 1) × 5 + 5²) = 140" in html


@pytest.mark.process
def test_the_library_loads_without_tensorflow_until_it_trains():
    code = (
        "import sys, lstm_echo; lstm_echo.params('m2m'); lstm_echo.Error;"
        "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).returncode == 0


def test_the_readmes_python_example_names_the_library_as_it_is():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    called = set(re.findall(r"lstm_echo\.(\w+)\(", block))
    assert called and called <= set(api.__all__)
    line = next(line for line in block.splitlines() if ".totals" in line)
    assert repr(eval(line.split("#")[0])) == line.split("# ")[1].strip()  # the count it shows


def test_the_other_commands_results_match_the_command_line(tmp_path):
    listed = lstm_echo.list_architectures(length=7)
    assert listed.text(100) == invoke("architectures", "--length", "7", env={"COLUMNS": "100"}).stdout
    assert listed.descriptions == cli_json("architectures", "--length", 7)
    # The settings of test_explain's runs: the networks are compiled once.
    explained = lstm_echo.explain("timedistributed", length=6, neurons=3, epochs=20)
    assert explained.answer == cli_json("explain", "timedistributed", "--length", 6, "--neurons", 3, "--epochs", 20)
    assert lstm_echo.cache().state == cli_json("cache")

    out = tmp_path / "runs.jsonl"
    sweep = ["sweep", "m2m,o2o", "--length", "3,4", "--seeds", "2", "--epochs", "3", "-q"]  # networks trained above
    for k in (0, 1):  # two shards of three: one is missing
        assert invoke(*sweep, "--shard", f"{k}/3", "--out", out).exit_code == 0
    status = lstm_echo.status(out)
    assert not status.complete and status.shards == cli_json("status", out)["shards"]
    merged = lstm_echo.merge(sorted((tmp_path / "runs.d").glob("*-of-3.jsonl")), out)
    assert not merged.complete and [m["shard"] for m in merged.missing] == [2]
    assert merged.line.startswith(f"{out}: ") and len(lstm_echo.read_results(out)) == merged.outcome.runs


def test_the_package_offers_every_function_of_the_library():
    functions = {name for name in api.__all__ if name[0].islower()} | {"Error"}
    assert set(lstm_echo.API) == functions  # lstm_echo/__init__.py names them without importing the library
