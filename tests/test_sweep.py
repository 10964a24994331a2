"""Sweeps end to end: files written and read back, resumed after a kill, compare, exit codes."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import invoke, lstm_echo

from lstm_echo import architectures
from lstm_echo.rendering import plot
from lstm_echo.results import rows
from lstm_echo.results.rows import SETTING_COLUMNS

SMALL = ["sweep", "m2o", "--length", "3,4", "--epochs", "5,10", "--seeds", "0-1", "-q"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_small_sweep_is_written_and_read_back(tmp_path, suffix):
    out = tmp_path / f"runs{suffix}"
    result = invoke(*SMALL, "--out", str(out))
    assert result.exit_code == 0, result.output
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    else:
        rows = list(csv.DictReader(out.open()))
    assert len(rows) == 8
    seen = {(int(r["length"]), int(r["epochs"]), int(r["seed"])) for r in rows}
    assert seen == {(n, e, s) for n in (3, 4) for e in (5, 10) for s in (0, 1)}
    assert all(r["architecture"] == "many-to-one" for r in rows)
    assert "8 runs, 4 settings" in result.stdout

    again = invoke(*SMALL, "--out", str(out))
    assert "0 runs added, 8 skipped" in again.stdout
    assert len(out.read_text().splitlines()) == len(rows) + (suffix == ".csv")


def test_sweep_json_aggregates_each_setting(tmp_path):
    result = invoke(*SMALL, "--json")
    doc = json.loads(result.stdout)
    assert doc["trained"] == 8 and doc["skipped"] == 0 and "runs" not in doc
    assert len(doc["summary"]) == 4
    assert all(s["runs"] == 2 and s["seeds"] == "0,1" for s in doc["summary"])
    assert all(s["runs_learned"] == round(s["learned_rate"] * 2) for s in doc["summary"])
    with_runs = json.loads(invoke(*SMALL, "--json", "--per-seed").stdout)
    assert len(with_runs["runs"]) == 8 and with_runs["summary"] == rows.aggregate(with_runs["runs"])


def test_a_torn_last_line_is_dropped_and_rerun(tmp_path):
    out = tmp_path / "runs.jsonl"
    invoke(*SMALL, "--out", str(out))
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:5]) + lines[5][:20])  # as if killed mid-write
    result = invoke(*SMALL, "--out", str(out))
    assert "3 runs added, 5 skipped" in result.stdout
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 8 and len({tuple(r[c] for c in SETTING_COLUMNS) for r in rows}) == 8


@pytest.mark.process
def test_killed_sweep_resumes_without_duplicates(tmp_path):
    out = tmp_path / "runs.jsonl"
    # One point per seed list entry, each its own compile, so the sweep takes a while.
    args = ["sweep", "m2m", "--length", "3-6", "--epochs", "20", "--seeds", "0-1", "-q", "--out", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-m", "lstm_echo", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Ctrl-C as a terminal sends it, even when these tests run in a background job (where SIGINT is ignored).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 120
    while time.time() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 4):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert (
        err.decode().strip().splitlines()[-1]
        == f"Interrupted. {out} keeps every finished run; the same command resumes from there."
    )
    done = [json.loads(line) for line in out.read_text().splitlines()]
    assert 4 <= len(done) < 8

    result = subprocess.run([sys.executable, "-m", "lstm_echo", *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"{8 - len(done)} runs added, {len(done)} skipped" in result.stdout
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    keys = [tuple(r[c] for c in SETTING_COLUMNS) for r in rows]
    assert len(rows) == 8 and len(set(keys)) == 8


@pytest.mark.parametrize(
    "args, option",
    [
        (["sweep", "m2m", "--length", "5,,10"], "--length"),
        (["sweep", "m2m", "--seeds", "9-3"], "--seeds"),
        (["sweep", "m2m", "--neurons", "x"], "--neurons"),
        (["sweep", "m2m", "--out", "no/such/folder/runs.jsonl"], "--out"),
        (["sweep", "m2m", "--out", "runs.txt"], "--out"),
        (["sweep", "zz"], "ARCH"),
        (["sweep"], "architecture"),
    ],
)
def test_bad_sweep_input_exits_2_and_writes_nothing(tmp_path, monkeypatch, args, option):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and option in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_empty_grid_in_a_config_is_an_error(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text('architecture = "m2m"\nlength = []\n')
    result = invoke("sweep", "--config", str(path))
    assert result.exit_code == 2 and "empty list" in result.stderr


def test_compare_covers_every_architecture():
    result = invoke("compare", "--epochs", "5", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [f["architecture"] for f in doc["summary"]] == [a.name for a in architectures.REGISTRY]
    assert [r["architecture"] for r in doc["runs"]] == [a.name for a in architectures.REGISTRY]
    assert all(f["epochs"] == 5 for f in doc["summary"])
    # Each architecture keeps its own default batch size.
    assert [f["batch_size"] for f in doc["summary"]] == [a.default_batch_size(5) for a in architectures.REGISTRY]
    table = invoke("compare", "--epochs", "5")
    for arch in architectures.REGISTRY:
        assert arch.name in table.stdout
    # The table of several seeds, with two architectures: two seeds of these are trained by
    # test_habits and test_inspect too, and the tests compile each network once.
    seeded = invoke("compare", "m2m", "o2o", "--epochs", "5", "--seeds", "2")
    assert "Median loss" in seeded.stdout and "/2" in seeded.stdout


def test_require_echo_exit_codes():
    assert invoke("run", "m2o", "--epochs", "3", "--require-echo", "-q", "--no-hint").exit_code == 3
    assert invoke("run", "m2o", "--epochs", "3", "--require-echo", "--seeds", "2").exit_code == 3
    assert invoke("run", "m2o", "--require-echo").exit_code == 0  # the tutorial setting echoes at seed 0


@pytest.mark.process
def test_output_without_a_terminal_has_no_colour_or_progress():
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "lstm_echo", "run", "m2m", "--epochs", "30"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0
    assert "\x1b[" not in result.stdout and "\x1b[" not in result.stderr
    assert result.stderr == ""


def test_a_foreign_out_file_is_refused_untouched(tmp_path):
    out = tmp_path / "notes.jsonl"
    out.write_text('{"a": 1}\n{"b": 2')
    result = invoke(*SMALL, "--out", str(out))
    assert result.exit_code == 2 and "not a results file" in result.stderr
    assert out.read_text() == '{"a": 1}\n{"b": 2'


@pytest.mark.process
def test_workers_train_the_same_runs_as_one_process(tmp_path):
    grid = ["sweep", "m2m,o2o", "--length", "3,4", "--epochs", "4", "--seeds", "2", "-q", "--json"]
    one = json.loads(invoke(*grid, "--out", tmp_path / "one.jsonl").stdout)
    result = lstm_echo(*grid, "--workers", "2", "--out", tmp_path / "two.jsonl")
    assert result.returncode == 0, result.stderr
    two = json.loads(result.stdout)

    def untimed(doc):
        return sorted(json.dumps({k: v for k, v in row.items() if k != "median_seconds"}) for row in doc["summary"])

    assert two["trained"] == 8 and untimed(two) == untimed(one)

    def runs(name):
        rows = [json.loads(line) for line in (tmp_path / name).read_text().splitlines()]
        return {tuple(r[c] for c in SETTING_COLUMNS): r["predictions"] for r in rows}, len(rows)

    assert runs("two.jsonl") == runs("one.jsonl")


@pytest.mark.parametrize("value", ["0", "many", "1000"])
def test_a_bad_worker_count_is_one_line(no_training, value):
    result = invoke("sweep", "m2m", "--workers", value)
    assert result.exit_code == 2 and "--workers" in result.stderr and repr(value) in result.stderr


def test_kept_curves_let_a_resumed_sweep_draw_every_setting(tmp_path, monkeypatch):
    out = tmp_path / "runs.jsonl"
    first = ["sweep", "m2m", "--length", "3,4", "--epochs", "4", "--seeds", "2", "-q", "--out", out, "--keep-curves"]
    assert invoke(*first).exit_code == 0
    recorded = [json.loads(line) for line in out.read_text().splitlines()]
    trained = json.loads(invoke("run", "m2m", "--length", "3", "--epochs", "4", "--json").stdout)["runs"][0]
    assert recorded[0]["loss_history"] == trained["loss_history"]  # seed 0 at length 3, as a run gives it
    drawn = {}
    monkeypatch.setattr(plot, "loss_figure", lambda curves, *rest: drawn.update(curves))
    monkeypatch.setattr(plot, "write_figure", lambda *args: None)
    resumed = invoke(*first[:3], "3,4,5", *first[4:], "--plot", tmp_path / "loss.png")
    assert resumed.exit_code == 0 and list(drawn) == [
        "length 3, neurons 3",
        "length 4, neurons 4",
        "length 5, neurons 5",
    ]
    csv_out = invoke(*first[:-3], "--out", tmp_path / "runs.csv", "--keep-curves")
    assert csv_out.exit_code == 2 and "--keep-curves" in csv_out.stderr and not (tmp_path / "runs.csv").exists()


def test_a_kept_curve_is_checked_like_the_rest_of_a_row(tmp_path):
    out = tmp_path / "runs.jsonl"
    invoke("sweep", "m2m", "--length", "3", "--epochs", "4", "-q", "--out", out, "--keep-curves")
    row = json.loads(out.read_text())
    for bad in (["x"], [0.1] * 5, "0.1"):  # a word, more epochs than the run had, not a list
        out.write_text(json.dumps({**row, "loss_history": bad}) + "\n")
        result = invoke("report", out)
        assert result.exit_code == 2 and "loss_history" in result.stderr


def test_a_seed_given_overrides_the_config_files_seeds(tmp_path):
    config = tmp_path / "sweep.toml"
    config.write_text('architecture = "m2m"\nlength = [3, 4]\nseeds = 3\n')
    planned = invoke("sweep", "--config", config, "--seed", "7", "--plan", "1", "--json")
    assert json.loads(planned.stdout)[0]["runs"] == 2  # one seed per setting, as `run --config ... --seed 7`
    assert json.loads(invoke("sweep", "--config", config, "--plan", "1", "--json").stdout)[0]["runs"] == 6


@pytest.mark.parametrize("signals, code", [([], None), ([signal.SIGINT], 130), ([signal.SIGTERM], 143)])
def test_an_error_after_a_stopping_signal_ends_the_sweep_as_that_signal(monkeypatch, tmp_path, signals, code):
    # Raised inside TensorFlow's import or tracing, Ctrl-C can come out as an ImportError or AttributeError.
    import importlib

    from lstm_echo import runner

    cli_app = importlib.import_module("lstm_echo.cli.app")  # the module: `lstm_echo.cli.app` is also the Typer app

    def turned_into_another_error(*args, **kwargs):
        raise AttributeError("'SymbolicTensor' object has no attribute '_type_spec'")

    monkeypatch.setattr(runner, "run_seeds", turned_into_another_error)
    monkeypatch.setattr(cli_app, "RECEIVED", list(signals))
    out = tmp_path / "runs.jsonl"
    result = invoke("sweep", "m2m", "--length", "3,4", "--epochs", "2", "-q", "--out", out)
    if code is None:  # no signal: the error is a bug, and shows as one
        assert isinstance(result.exception, AttributeError)
        return
    word = "Interrupted" if code == 130 else "Stopped by SIGTERM"
    assert result.exit_code == code, result.output
    assert result.stderr.strip().endswith(
        f"{word}. {out} keeps every finished run; the same command resumes from there."
    )
