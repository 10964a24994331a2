"""A sweep cut into shards for a scheduler: a deterministic split, shard files, and the plan."""

import json
import subprocess
import sys
import time

import pytest
from conftest import invoke, lstm_echo

from lstm_echo import grid, program_shape, runner, shards
from lstm_echo.results.results_file import SETTING_COLUMNS

GRID = ["sweep", "m2m,o2o", "--length", "3,4", "--epochs", "3", "--seeds", "2", "-q"]
RUNS = 8  # 2 architectures × 2 lengths × 2 seeds, in 4 compiled programs


def points():
    axes = {"architecture": ["many-to-many", "one-to-one"], "length": [3, 4, 5], "neurons": [3, 4], "epochs": [5]}
    return grid.points(axes, 2)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 20])
def test_the_split_is_a_partition_that_keeps_each_program_whole(count):
    split = shards.split(points(), 2, count, runner.network_layers)
    assert len(split) == count
    flat = [p for shard in split for p in shard]
    assert sorted(flat, key=repr) == sorted(points(), key=repr)  # every point once
    homes = {}
    for k, shard in enumerate(split):
        for p in shard:
            assert homes.setdefault(program_shape.key(p), k) == k  # a program never spans shards
    assert split == shards.split(points(), 2, count, runner.network_layers)


def test_the_plan_ignores_what_is_recorded(tmp_path):
    out = tmp_path / "runs.jsonl"
    before = invoke(*GRID, "--plan", "2", "--out", out, "--json").stdout
    assert not out.exists()  # planning touches no file
    assert invoke(*GRID, "--out", out).exit_code == 0
    after = invoke(*GRID, "--plan", "2", "--out", out, "--json").stdout
    assert before == after
    plan = json.loads(after)
    assert sum(row["runs"] for row in plan) == RUNS and sum(row["share"] for row in plan) == pytest.approx(1)


@pytest.mark.process
def test_shards_run_as_processes_and_add_up_to_one_sweep(tmp_path):
    whole = tmp_path / "whole.jsonl"
    assert invoke(*GRID, "--out", whole).exit_code == 0  # the reference, trained in this process
    sharded = tmp_path / "runs.jsonl"
    for k in (0, 1):
        result = lstm_echo(*GRID, "--shard", f"{k}/2", "--out", sharded)
        assert result.returncode == 0, result.stderr
    parts = [tmp_path / "runs.d" / f"{k}-of-2.jsonl" for k in (0, 1)]
    assert not sharded.exists()

    def by_key(paths):
        rows = [json.loads(line) for path in paths for line in path.read_text().splitlines()]
        return {tuple(row[c] for c in SETTING_COLUMNS): row["predictions"] for row in rows}, len(rows)

    together, count = by_key(parts)
    alone, _ = by_key([whole])
    assert count == len(together) == RUNS  # no run twice
    assert together == alone  # the same runs, the same predictions
    assert lstm_echo("merge", *parts, "--into", sharded).returncode == 0
    assert by_key([sharded]) == (alone, RUNS)


def test_a_shard_skips_what_the_merged_file_holds(tmp_path):
    merged = tmp_path / "runs.jsonl"
    assert invoke(*GRID, "--out", merged).exit_code == 0
    content = merged.read_bytes()
    doc = json.loads(invoke(*GRID, "--shard", "1/2", "--out", merged, "--json").stdout)
    assert doc["trained"] == 0 and doc["skipped"] > 0
    assert merged.read_bytes() == content  # read, never written


def test_a_shard_with_nothing_to_do_says_so():
    result = invoke("sweep", "m2m", "--epochs", "2", "--shard", "1/3", "-q")  # one setting, three shards
    assert result.exit_code == 0 and "0 runs" in result.stdout


@pytest.mark.parametrize("value", ["2/2", "1/0", "x", "-1/2", "1/2/3", "3"])
def test_a_bad_shard_is_one_line(no_training, value):
    result = invoke(*GRID, "--shard", value)
    assert result.exit_code == 2 and "--shard" in result.stderr and repr(value) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["0", "many", "1000000"])
def test_a_bad_plan_is_one_line(no_training, value):
    result = invoke(*GRID, "--plan", value)
    assert result.exit_code == 2 and "--plan" in result.stderr and repr(value) in result.stderr


@pytest.mark.process
def test_a_killed_shard_resumes_without_duplicates_or_torn_lines(tmp_path):
    # Four programs of two runs each, each compiled in turn: killed after two, the rest are left to resume.
    args = ["sweep", "m2m", "--length", "3-6", "--epochs", "300", "--seeds", "2", "-q", "--shard", "0/1"]
    out = tmp_path / "runs.jsonl"
    part = tmp_path / "runs.d" / "0-of-1.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "lstm_echo", *args, "--out", str(out)])
    deadline = time.time() + 120
    while time.time() < deadline and (not part.exists() or len(part.read_text().splitlines()) < 4):
        time.sleep(0.05)
    process.kill()  # no chance to tidy up, as a scheduler's time limit would
    process.wait()
    assert 4 <= part.read_bytes().count(b"\n") < 8
    result = lstm_echo(*args, "--out", out, "--json")
    assert result.returncode == 0, result.stderr
    assert part.read_bytes().endswith(b"\n")  # no torn line
    rows = [json.loads(line) for line in part.read_text().splitlines()]
    keys = [tuple(r[c] for c in SETTING_COLUMNS) for r in rows]
    assert len(rows) == 8 and len(set(keys)) == 8
