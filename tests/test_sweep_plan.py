"""The plan a sharded sweep leaves beside its shards: what `status` and `merge` say is missing, and how to fill it."""

import json
import shlex
import subprocess
import sys

import pytest
from conftest import invoke

GRID = ["sweep", "m2m,o2o", "--length", "3,4", "--epochs", "3", "--seeds", "2", "-q"]


def test_missing_shards_are_named_with_the_command_that_fills_them(tmp_path):
    out = tmp_path / "runs.jsonl"
    for k in (0, 1, 2):
        assert invoke(*GRID, "--shard", f"{k}/4", "--out", out).exit_code == 0
    plan = json.loads((tmp_path / "runs.d" / "plan.json").read_text())
    assert (
        plan["shards"] == 4
        and plan["seeds"] == [0, 1]
        and plan["command"][-4:] == ["--shard", "0/4", "--out", str(out)]
    )

    status = invoke("status", out, "--json")
    assert status.exit_code == 3
    assert [(s["shard"], s["planned"], s["missing"]) for s in json.loads(status.stdout)["shards"]][3] == (3, 2, 2)
    merged = invoke("merge", *sorted((tmp_path / "runs.d").glob("*.jsonl")), "--into", out)
    assert merged.exit_code == 3 and "Incomplete: 1 shard of 4 misses 2 runs (shard 3)" in merged.stderr
    assert "sbatch --array=3 sweep.sh" in merged.stderr
    assert len(out.read_text().splitlines()) == 6  # what exists is merged all the same

    line = next(x for x in merged.stderr.splitlines() if "| parallel lstm-echo " in x)
    words = shlex.split(line.partition("| parallel lstm-echo ")[2].replace("{}", "3"))
    assert invoke(*words).exit_code == 0  # the printed command fills the gap
    assert invoke("merge", *sorted((tmp_path / "runs.d").glob("*.jsonl")), "--into", out).exit_code == 0
    assert invoke("status", out).exit_code == 0 and len(out.read_text().splitlines()) == 8


def test_a_shard_of_another_sweep_is_refused_before_it_writes(tmp_path):
    out = tmp_path / "runs.jsonl"
    assert invoke(*GRID, "--shard", "0/4", "--out", out).exit_code == 0
    plan = (tmp_path / "runs.d" / "plan.json").read_bytes()
    for other in (["--shard", "1/5"], ["--length", "3,4,5", "--shard", "1/4"]):
        args = (
            [*GRID, *other, "--out", out]
            if other[0] == "--shard"
            else [*GRID[:3], "3,4,5", *GRID[4:], *other[2:], "--out", out]
        )
        result = invoke(*args)
        assert result.exit_code == 2 and "plans another sweep" in result.stderr, result.output
    assert sorted(p.name for p in (tmp_path / "runs.d").iterdir()) == ["0-of-4.jsonl", "plan.json"]
    assert (tmp_path / "runs.d" / "plan.json").read_bytes() == plan


def test_a_damaged_plan_is_refused_and_nothing_is_merged(tmp_path):
    out = tmp_path / "runs.jsonl"
    assert invoke(*GRID, "--shard", "0/2", "--out", out).exit_code == 0
    path = tmp_path / "runs.d" / "plan.json"
    good = json.loads(path.read_text())
    for bad in ({**good, "shards": 0}, {**good, "axes": {"length": [-1]}}, {**good, "command": ["\x1b[2J"]}, [1]):
        path.write_text(json.dumps(bad))
        result = invoke("merge", tmp_path / "runs.d" / "0-of-2.jsonl", "--into", out)
        assert result.exit_code == 2 and "not a sweep plan of lstm-echo" in result.stderr and not out.exists()
        assert invoke("status", out).exit_code == 2


def test_status_needs_a_sharded_sweep(tmp_path):
    result = invoke("status", tmp_path / "runs.jsonl")
    assert result.exit_code == 2 and "--shard K/N --out FILE" in result.stderr


@pytest.mark.process
def test_status_and_a_checked_merge_need_no_tensorflow(tmp_path):
    out = tmp_path / "runs.jsonl"
    assert invoke(*GRID, "--shard", "0/2", "--out", out).exit_code == 0
    shard = tmp_path / "runs.d" / "0-of-2.jsonl"
    probe = (
        "import sys; from lstm_echo.cli import app; from typer.testing import CliRunner; "
        f"s = CliRunner().invoke(app, ['status', {str(out)!r}]); "
        f"m = CliRunner().invoke(app, ['merge', {str(shard)!r}, '--into', {str(out)!r}]); "
        "print(s.exit_code, m.exit_code, 'tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["3", "3", "False"]


def test_a_shard_cut_short_is_named_like_a_missing_one(tmp_path):
    out = tmp_path / "runs.jsonl"
    for k in range(4):
        assert invoke(*GRID, "--shard", f"{k}/4", "--out", out).exit_code == 0
    shard = tmp_path / "runs.d" / "2-of-4.jsonl"
    whole = shard.read_bytes()
    shard.write_bytes(whole[: whole.rindex(b"\n", 0, len(whole) - 1) + 20])  # a task killed mid-line
    merged = invoke("merge", *sorted((tmp_path / "runs.d").glob("*.jsonl")), "--into", out)
    assert merged.exit_code == 3 and "Incomplete: 1 shard of 4 misses 1 run (shard 2)" in merged.stderr
    assert len(out.read_text().splitlines()) == 7
