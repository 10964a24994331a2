"""Provenance on every results line: what made a run, and when; never what identifies it."""

import importlib.metadata
import json
import platform
import socket
from datetime import UTC, datetime

from conftest import invoke

from lstm_echo import provenance
from lstm_echo.results import results_file, rows


def test_every_run_row_says_what_made_it(tmp_path):
    started = datetime.now(UTC).replace(microsecond=0)
    doc = json.loads(invoke("run", "m2m", "--epochs", "2", "--seeds", "2", "--json").stdout)
    for row in rows.checked_run_row(doc["runs"][0]), doc["runs"][1]:
        stamp = row["provenance"]
        assert stamp["lstm_echo"] == importlib.metadata.version("lstm-echo")
        assert stamp["tensorflow"] == importlib.metadata.version("tensorflow")
        assert stamp["keras"] == importlib.metadata.version("keras")
        assert stamp["numpy"] == importlib.metadata.version("numpy")
        assert stamp["python"] == platform.python_version() and stamp["host"] == socket.gethostname()
        assert stamp["cpu"] and stamp["cpu"] != "unknown"
        assert started <= datetime.fromisoformat(stamp["finished"]) <= datetime.now(UTC)


def test_provenance_is_no_part_of_a_runs_key(tmp_path):
    for name in ("runs.jsonl", "runs.csv"):
        out = tmp_path / name
        args = ["sweep", "m2m", "--epochs", "2", "--length", "3,4", "--out", out, "--json", "-q"]
        assert json.loads(invoke(*args).stdout)["trained"] == 2
        if name.endswith(".jsonl"):
            lines = [json.loads(line) for line in out.read_text().splitlines()]
            for line in lines:
                line["provenance"] = {
                    **line["provenance"],
                    "host": "another-machine",
                    "finished": "2020-01-01T00:00:00+00:00",
                }
            out.write_text("".join(json.dumps(line) + "\n" for line in lines))
        else:
            out.write_text(out.read_text().replace(socket.gethostname(), "another-machine"))
        again = json.loads(invoke(*args).stdout)
        assert (again["trained"], again["skipped"]) == (0, 2)
        reader = results_file.ResultsFile(out)
        with reader:
            recorded = reader.open()
        assert {r["provenance"]["host"] for r in recorded.values()} == {"another-machine"}


def test_the_machine_is_read_without_tensorflow():
    assert set(provenance.stamp(provenance.now())) == set(provenance.FIELDS)
