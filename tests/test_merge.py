"""lstm-echo merge: one results file from many, whole or not at all, each run once."""

import json

import pytest
from conftest import invoke

from lstm_echo.config import InputError
from lstm_echo.results import merging as merge
from lstm_echo.results.results_file import ResultsFile, key

GRID = ["sweep", "m2m,o2o", "--length", "3,4", "--epochs", "3", "--seeds", "2", "-q"]


@pytest.fixture(scope="module")
def shard_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shards")
    for k in (0, 1):
        assert invoke(*GRID, "--shard", f"{k}/2", "--out", folder / "runs.jsonl").exit_code == 0
    return [folder / "runs.d" / f"{k}-of-2.jsonl" for k in (0, 1)]


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_merging_shards_gives_every_run_once_and_again_changes_nothing(tmp_path, shard_files):
    into = tmp_path / "runs.jsonl"
    doc = json.loads(invoke("merge", *shard_files, "--into", into, "--json").stdout)
    assert doc["runs"] == 8 and doc["duplicates"] == 0 and doc["conflicts"] == []
    first = into.read_bytes()
    again = json.loads(invoke("merge", *shard_files, "--into", into, "--json").stdout)
    assert again["runs"] == 8 and again["duplicates"] == 8  # every run was already there
    assert into.read_bytes() == first
    resumed = json.loads(invoke(*GRID, "--out", into, "--json").stdout)
    assert (resumed["trained"], resumed["skipped"]) == (0, 8)  # a sweep reads the merged file as its own


def test_shards_are_merged_in_the_order_one_sweep_writes_them(tmp_path, shard_files):
    single = tmp_path / "single.jsonl"
    assert invoke(*GRID, "--out", single).exit_code == 0
    into = tmp_path / "runs.jsonl"
    assert invoke("merge", *shard_files, "--into", into).exit_code == 0
    shard_order = [key(row) for path in shard_files for row in lines(path)]
    merged_order = [key(row) for row in lines(into)]
    assert merged_order == [key(row) for row in lines(single)] != shard_order


def test_a_row_that_changed_between_reading_and_writing_is_refused(tmp_path, shard_files):
    source = ResultsFile(shard_files[0], "FILES")
    scanned = merge.scan([source], merge.Merged())
    first, second = list(scanned.values())[:2]
    swapped = merge.Kept(first.reader, second.offset, first.run, first.results)  # another row where it was
    with pytest.raises(InputError, match="changed while being merged"):
        merge.write(str(tmp_path / "out.jsonl"), ResultsFile(tmp_path / "out.jsonl", "--into"), [source], [swapped])


def test_a_run_recorded_twice_with_other_results_is_a_conflict(tmp_path, shard_files):
    changed = tmp_path / "changed.jsonl"
    rows = lines(shard_files[0])
    rows[0]["predictions"] = [0.5 for _ in rows[0]["predictions"]]
    rows[1]["provenance"]["host"] = "elsewhere"  # where it ran is no result: a duplicate
    rows[1]["models_trained_together"] = 1  # nor how many models trained beside it
    rows[1]["seconds"] = 99.0
    changed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    into = tmp_path / "into.csv"
    result = invoke("merge", shard_files[0], changed, "--into", into, "--json")
    doc = json.loads(result.stdout)
    assert len(doc["conflicts"]) == 1 and doc["duplicates"] == len(rows) - 1
    assert doc["conflicts"][0]["differing"] == ["predictions"]
    assert "the files disagree on predictions; the first kept" in result.stderr
    assert into.read_text().startswith("architecture,")  # written as CSV, with our header


def test_runs_from_another_version_are_merged_with_a_warning(tmp_path, shard_files):
    other = tmp_path / "other.jsonl"
    rows = lines(shard_files[1])
    for r in rows:
        r["provenance"]["lstm_echo"] = "0.0.1"
    other.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = invoke("merge", shard_files[0], other, "--into", tmp_path / "m.jsonl")
    assert result.exit_code == 0 and "Warning: the runs were made by different versions" in result.stderr
    assert "0.0.1" in result.stderr


def test_a_target_that_is_not_ours_is_left_alone(tmp_path, shard_files):
    foreign = tmp_path / "notes.jsonl"
    foreign.write_text("my notes\n")
    result = invoke("merge", *shard_files, "--into", foreign)
    assert result.exit_code == 2 and "--into" in result.stderr and "not a results file" in result.stderr
    assert foreign.read_text() == "my notes\n"
    missing = invoke("merge", tmp_path / "nowhere.jsonl", "--into", tmp_path / "m.jsonl")
    assert missing.exit_code == 2 and "FILES" in missing.stderr and "no such file" in missing.stderr
    assert not (tmp_path / "m.jsonl").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left
