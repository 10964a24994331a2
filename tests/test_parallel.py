"""The README's GNU parallel recipe, run by GNU parallel: a failed shard is named by merge and
`--resume-failed` re-runs only it. Skipped, with the reason, where parallel is not installed;
`.ci/run` installs it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import invoke

from lstm_echo.results import merging as merge
from lstm_echo.results.results_file import key

pytestmark = pytest.mark.parallel
GRID = ["m2m,o2o", "--length", "3,4", "--epochs", "3", "--seeds", "2", "-q"]


def joblog(path: Path) -> list[tuple[str, int]]:
    """(shard, exit value) per task run, in the order they ended."""
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:]]
    return [(row[-1].split("--shard ")[1].split("/")[0], int(row[6])) for row in rows]


def test_the_parallel_recipe_names_a_failed_shard_and_resume_failed_fills_it(tmp_path):
    if shutil.which("parallel") is None:
        pytest.skip("GNU parallel is not installed: apt-get install parallel")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}  # lstm-echo on the PATH
    (tmp_path / "runs.d").mkdir()
    (tmp_path / "runs.d" / "2-of-4.jsonl").write_text("not results\n")  # so shard 2 fails, exit 2
    recipe = ["parallel", "-j", "2", "--joblog", "shards.log", "lstm-echo", "sweep", *GRID]
    recipe += ["--shard", "{}/4", "--out", "runs.jsonl"]

    def parallel(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*recipe[:1], *options, *recipe[1:]],
            input="0\n1\n2\n3\n",
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )

    assert parallel().returncode == 1  # parallel's exit: how many tasks failed
    assert sorted(joblog(tmp_path / "shards.log")) == [("0", 0), ("1", 0), ("2", 2), ("3", 0)]
    shards = [str(tmp_path / "runs.d" / f"{k}-of-4.jsonl") for k in (0, 1, 3)]
    merged = invoke("merge", *shards, "--into", tmp_path / "runs.jsonl")
    assert merged.exit_code == 3 and "(shard 2)" in merged.stderr
    assert "printf '%s\\n' 2 | parallel lstm-echo sweep" in merged.stderr

    (tmp_path / "runs.d" / "2-of-4.jsonl").unlink()
    assert parallel("--resume-failed").returncode == 0
    assert joblog(tmp_path / "shards.log")[4:] == [("2", 0)]  # only the failed shard ran again
    shards = sorted(str(path) for path in (tmp_path / "runs.d").glob("*-of-4.jsonl"))
    assert invoke("merge", *shards, "--into", tmp_path / "runs.jsonl").exit_code == 0

    single = tmp_path / "single.jsonl"
    assert invoke("sweep", *GRID, "--out", single).exit_code == 0
    by_file = {}
    for path in (tmp_path / "runs.jsonl", single):
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        by_file[path.name] = [(key(row), merge.results(row)) for row in rows]
    assert by_file["runs.jsonl"] == by_file["single.jsonl"] and len(rows) == 8
