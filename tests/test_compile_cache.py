"""The persistent compile cache: where it lives, that it changes no number, and that it never fails a run."""

import hashlib
import json
import resource
from pathlib import Path

import pytest
from conftest import invoke, lstm_echo

from lstm_echo import compile_cache

RUN = ["run", "m2m", "--length", "4", "--epochs", "20", "--json", "-q"]


def run_in(env_changes: dict, monkeypatch, **kwargs) -> tuple[dict, str]:
    for name, value in env_changes.items():
        monkeypatch.setenv(name, value)
    result = lstm_echo(*RUN, **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def numbers(doc: dict) -> tuple:
    row = doc["runs"][0]
    return row["predictions"], row["loss_history"], row["final_loss"]


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"LSTM_ECHO_CACHE_DIR": "/somewhere/else"}, Path("/somewhere/else")),
        ({"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/lstm-echo/xla")),
        ({"HOME": "/home/u"}, Path("/home/u/.cache/lstm-echo/xla")),
        ({"LSTM_ECHO_CACHE": "off", "LSTM_ECHO_CACHE_DIR": "/somewhere"}, None),
    ],
)
def test_the_cache_location_honours_the_environment(monkeypatch, env, expected):
    for name in ("LSTM_ECHO_CACHE", "LSTM_ECHO_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.platform", "linux")
    assert compile_cache.directory() == expected
    shown = json.loads(invoke("cache", "--json").stdout)["directory"]
    assert shown == (None if expected is None else str(expected))


def test_the_cache_changes_no_number(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    cold, _ = run_in({"LSTM_ECHO_CACHE_DIR": str(folder)}, monkeypatch)
    warm, _ = run_in({}, monkeypatch)
    off, _ = run_in({"LSTM_ECHO_CACHE": "off"}, monkeypatch)
    assert [d["timings"]["compile_cache"] for d in (cold, warm, off)] == ["miss", "hit", "off"]
    assert len(compile_cache.compiled(folder)) == len(compile_cache.traced(folder)) == 1
    assert numbers(cold) == numbers(warm) == numbers(off)  # bit for bit: the same program, loaded or compiled


@pytest.mark.parametrize("damage", ["cut short", "one byte changed"])
def test_a_damaged_traced_program_is_cleared_and_traced_again(tmp_path, monkeypatch, damage):
    folder = tmp_path / "cache"
    first, _ = run_in({"LSTM_ECHO_CACHE_DIR": str(folder)}, monkeypatch)
    (entry,) = compile_cache.traced(folder)
    data = entry.read_bytes()
    entry.write_bytes(data[:1000] if damage == "cut short" else data[:-50] + bytes([data[-50] ^ 1]) + data[-49:])
    again, stderr = run_in({}, monkeypatch)
    assert numbers(again) == numbers(first)
    (line,) = stderr.strip().splitlines()
    assert line.startswith("Notice:") and str(folder) in line and "cleared it" in line
    saved = entry.read_bytes()  # traced again, and saved whole
    assert hashlib.sha256(saved[compile_cache.DIGEST_BYTES :]).digest() == saved[: compile_cache.DIGEST_BYTES]


def test_a_damaged_compiled_program_is_cleared_and_compiled_again(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    first, _ = run_in({"LSTM_ECHO_CACHE_DIR": str(folder)}, monkeypatch)
    (entry,) = compile_cache.compiled(folder)
    entry.write_bytes(entry.read_bytes()[:1000])  # cut short, as a full disk or a crash might leave it
    again, stderr = run_in({}, monkeypatch)
    assert numbers(again) == numbers(first)
    (line,) = stderr.strip().splitlines()
    assert line.startswith("Notice:") and str(folder) in line and "cleared it" in line


@pytest.mark.parametrize("kind", ["under a file", "a file"])
def test_an_unusable_cache_folder_turns_the_cache_off(tmp_path, monkeypatch, kind):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("mine")
    folder = blocker / "cache" if kind == "under a file" else blocker
    doc, stderr = run_in({"LSTM_ECHO_CACHE_DIR": str(folder)}, monkeypatch)
    assert doc["timings"]["compile_cache"] == "off"
    (line,) = stderr.strip().splitlines()
    assert line.startswith("Notice: compile cache off") and str(folder) in line
    assert blocker.read_text() == "mine"


def test_a_file_size_limit_turns_the_cache_off(tmp_path, monkeypatch):
    # TensorFlow would fail the compile whose program it cannot save; the probe finds that first.
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, resource.RLIM_INFINITY))

    doc, stderr = run_in({"LSTM_ECHO_CACHE_DIR": str(tmp_path / "cache")}, monkeypatch, preexec_fn=small_files)
    assert doc["timings"]["compile_cache"] == "off"
    (line,) = stderr.strip().splitlines()
    assert line.startswith("Notice: compile cache off") and "File too large" in line


def test_a_flag_inherited_from_a_parent_process_does_not_decide(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_XLA_FLAGS", f"{compile_cache.FLAG}=/elsewhere --tf_xla_auto_jit=0")
    doc, _ = run_in({"LSTM_ECHO_CACHE_DIR": str(tmp_path / "cache")}, monkeypatch)
    assert doc["timings"]["compile_cache"] == "miss" and compile_cache.entries(tmp_path / "cache")
    assert not Path("/elsewhere").exists()


def test_clear_removes_only_cached_programs(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_ECHO_CACHE_DIR", str(tmp_path))
    program = tmp_path / "xla_compile_cache__1__2__XLA_CPU_JIT.pb"
    program.write_bytes(b"x" * 10)
    traced = tmp_path / compile_cache.TRACED.format(key="0123")
    traced.write_bytes(b"y" * 5)
    (tmp_path / "notes.txt").write_text("someone's")
    shown = json.loads(invoke("cache", "--json").stdout)
    assert shown == {"directory": str(tmp_path), "programs": 1, "traced": 1, "bytes": 15}
    assert "1 compiled program and 1 traced one" in invoke("cache").stdout
    cleared = json.loads(invoke("cache", "--clear", "--json").stdout)
    assert cleared["removed"] == 2 and cleared["programs"] == cleared["traced"] == 0
    assert not program.exists() and not traced.exists() and (tmp_path / "notes.txt").read_text() == "someone's"
    assert "Compile cache" in invoke("cache").stdout
