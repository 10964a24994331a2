"""lstm-echo report: a sweep's summary from the files it wrote, without TensorFlow or training."""

import csv
import io
import json
import subprocess
import sys

import pytest
from conftest import invoke

from lstm_echo import seeds
from lstm_echo.rendering import plot

# Two seeds, as test_api's sweep and compare train these networks: the tests compile each once.
SWEEP = ["sweep", "m2m,o2o", "--length", "3,4", "--epochs", "3", "--seeds", "2", "-q", "--json"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    files = {}
    for name in ("runs.jsonl", "runs.csv"):
        doc = json.loads(invoke(*SWEEP, "--out", folder / name).stdout)
        files[name] = (folder / name, doc["summary"])
    return files


@pytest.mark.parametrize("name", ["runs.jsonl", "runs.csv"])
def test_the_report_of_a_file_is_the_sweeps_own_summary(recorded, name):
    path, summary = recorded[name]
    doc = json.loads(invoke("report", path, "--json").stdout)
    assert doc["summary"] == summary and doc["runs"] == 8


def test_by_and_where_group_and_filter(recorded):
    path, _ = recorded["runs.jsonl"]
    doc = json.loads(invoke("report", path, "--by", "length", "--where", "architecture=m2m", "--json").stdout)
    assert [sorted(row) for row in doc["summary"]][0][:2] == ["diverged", "learned_rate"]
    assert [(row["length"], row["runs"]) for row in doc["summary"]] == [(3, 2), (4, 2)]
    assert all("architecture" not in row for row in doc["summary"])
    both = json.loads(invoke("report", path, "--by", "architecture", "--where", "length=3-4", "--json").stdout)
    assert [row["runs"] for row in both["summary"]] == [4, 4]


def test_csv_and_the_table(recorded):
    path, _ = recorded["runs.csv"]
    rows = list(csv.DictReader(io.StringIO(invoke("report", path, "--by", "length", "--csv").stdout)))
    assert [row["length"] for row in rows] == ["3", "4"] and rows[0]["runs"] == "4"
    table = invoke("report", path, "--by", "architecture,length").stdout
    assert "many-to-many" in table and "Learned" in table and "8 runs, 4 settings" in table


def test_plot_draws_the_learned_share(recorded, tmp_path):
    pytest.importorskip("matplotlib")
    path, _ = recorded["runs.jsonl"]
    png = tmp_path / "rates.png"
    assert invoke("report", path, "--by", "length,architecture", "--plot", png).exit_code == 0
    assert png.read_bytes().startswith(b"\x89PNG")


def test_groups_are_sorted_and_the_picture_says_what_it_shows(tmp_path, monkeypatch):
    path = tmp_path / "runs.jsonl"
    # Networks other tests train too (test_habits, test_engine): the tests compile each once.
    invoke("sweep", "m2m", "--neurons", "10,3,5", "--epochs", "3", "--seeds", "1", "-q", "--out", path)
    doc = json.loads(invoke("report", path, "--by", "neurons", "--json").stdout)
    assert [row["neurons"] for row in doc["summary"]] == [3, 5, 10]  # the file holds 10, 3, 5: sorted as numbers
    drawn = {}
    monkeypatch.setattr(plot, "rates_figure", lambda *args: drawn.update(args=args))
    monkeypatch.setattr(plot, "write_figure", lambda *args: None)
    assert invoke("report", path, "--by", "neurons", "--plot", tmp_path / "r.png").exit_code == 0
    series, title, axis = drawn["args"]
    assert series == {"": [(3, 0, 1), (5, 0, 1), (10, 0, 1)]} and axis == "neurons"
    assert title == "many-to-many, task echo, epochs 3: 3 runs from 1 file"


@pytest.mark.parametrize("learned, runs, interval", [(0, 20, (0.0, 0.1611)), (10, 20, (0.2993, 0.7007))])
def test_a_share_gets_the_wilson_interval(learned, runs, interval):
    assert seeds.share_interval(learned, runs) == pytest.approx(interval, abs=1e-4)  # textbook values


@pytest.mark.process
def test_report_needs_no_tensorflow(recorded):
    path, _ = recorded["runs.jsonl"]
    probe = (
        "import sys; from lstm_echo.cli import app; from typer.testing import CliRunner; "
        f"r = CliRunner().invoke(app, ['report', {str(path)!r}]); print(r.exit_code, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False"]


@pytest.mark.parametrize(
    "args, option",
    [
        (["--by", "lenght"], "--by"),
        (["--where", "length"], "--where"),
        (["--where", "length=0"], "--where"),
        (["--where", "colour=red"], "--where"),
    ],
)
def test_bad_options_are_one_line(recorded, args, option):
    path, _ = recorded["runs.jsonl"]
    result = invoke("report", path, *args)
    assert result.exit_code == 2 and option in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_file_that_is_not_results_names_its_line(tmp_path):
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"architecture": "many-to-many"}\nnot json\n')
    result = invoke("report", notes)
    assert result.exit_code == 2 and str(notes) in result.stderr and "line" in result.stderr
    missing = invoke("report", tmp_path / "none.jsonl")
    assert missing.exit_code == 2 and "FILES" in missing.stderr


def test_a_big_file_read_in_parts_gives_the_same_report(recorded, tmp_path, monkeypatch):
    from lstm_echo.results import results_summary

    path, _ = recorded["runs.jsonl"]
    whole = results_summary.summarize([path], ["architecture", "length"], {})[:2]
    monkeypatch.setattr(results_summary, "PARALLEL_BYTES", 1)  # every file is big
    monkeypatch.setattr(results_summary.os, "cpu_count", lambda: 3)
    assert results_summary.summarize([path], ["architecture", "length"], {})[:2] == whole
    broken = tmp_path / "broken.jsonl"
    text = path.read_text().splitlines()
    broken.write_text("\n".join(text[:5] + ["not a row"] + text[5:]) + "\n")
    with pytest.raises(results_summary.InputError, match="line 6 is not a results row"):
        results_summary.summarize([broken], ["length"], {})
