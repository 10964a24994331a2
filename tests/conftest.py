"""Helpers shared by the tests: the command line in-process and as a real process."""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lstm_echo import runner
from lstm_echo.cli import app

CONFIGS = Path(__file__).resolve().parent.parent / "configs"

# The tests never touch the developer's own compile cache: they share one of their own
# (set before anything starts TensorFlow, and inherited by the commands they run). Nor the developer's
# key: the cache's per-user key lives under XDG_CONFIG_HOME. xdist's workers are started by the
# session's first process after it ran this file, and take its folders: a program one worker
# compiled, the other loads from the cache rather than compiling it again.
SHARED = "LSTM_ECHO_TEST_FOLDERS"
if os.environ.get("PYTEST_XDIST_WORKER") and SHARED in os.environ:
    TEST_CACHE, TEST_CONFIG = os.environ[SHARED].split(os.pathsep)
else:
    TEST_CACHE = tempfile.mkdtemp(prefix="lstm-echo-test-cache-")
    TEST_CONFIG = tempfile.mkdtemp(prefix="lstm-echo-test-config-")
    os.environ[SHARED] = os.pathsep.join((TEST_CACHE, TEST_CONFIG))
    atexit.register(shutil.rmtree, TEST_CACHE, ignore_errors=True)
    atexit.register(shutil.rmtree, TEST_CONFIG, ignore_errors=True)
os.environ["LSTM_ECHO_CACHE_DIR"] = TEST_CACHE
os.environ["XDG_CONFIG_HOME"] = TEST_CONFIG
os.environ.pop("LSTM_ECHO_CACHE", None)


def invoke(*args, **kwargs):
    """The command line in this process, through Typer's runner."""
    return CliRunner().invoke(app, [str(a) for a in args], **kwargs)


def lstm_echo(*args, **kwargs) -> subprocess.CompletedProcess:
    """The command line as its own process, as a shell runs it."""
    return subprocess.run(
        [sys.executable, "-m", "lstm_echo", *map(str, args)], capture_output=True, text=True, **kwargs
    )


class Trained(Exception):
    """Raised by the `no_training` fixture when a command gets as far as training."""


def forbid_training(monkeypatch) -> None:
    """Make any attempt to train raise `Trained`, so a test can prove every check came first."""

    def refuse(*args, **kwargs):
        raise Trained()

    monkeypatch.setattr(runner, "run_seeds", refuse)


# Each xdist worker is a TensorFlow of its own, started when the test modules are collected, before
# any run could choose its threads. TensorFlow's default pools in two workers on two cores wait for
# work by spinning on the core the other worker trains on: one thread each ran test_engine, test_lesson
# and test_inspect in 55 to 57 s against 63 to 64 s. The commands the tests start inherit it.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

# Tables are laid out for the width a test asks for (`env={"COLUMNS": ...}`), never the terminal's.
for name in ("COLUMNS", "LINES"):
    os.environ.pop(name, None)

# Tiers: `pytest` runs the in-process tests, a few minutes; these marks are left out unless named
# (`-m process`) or `--all-tiers` is given, as the README's test line and CI do.
TIERS = ("process", "readme", "slow", "slurm", "parallel", "notebook")


def pytest_addoption(parser):
    parser.addoption("--all-tiers", action="store_true", help=f"also run the tests marked {', '.join(TIERS)}")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--all-tiers") or config.option.markexpr:
        return
    kept, left = [], []
    for item in items:
        (left if any(item.get_closest_marker(tier) for tier in TIERS) else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: a worker per CPU, at most 4 (each imports TensorFlow: about 1 GB)."""
    return min(os.cpu_count() or 1, 4)


@pytest.fixture
def no_training(monkeypatch):
    forbid_training(monkeypatch)
