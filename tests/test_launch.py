"""The entry point that starts TensorFlow's import early: only for commands that train, and never at the
cost of the command's own messages on stderr."""

import subprocess
import sys

import pytest
from conftest import lstm_echo

from lstm_echo import launch


@pytest.mark.parametrize(
    "arguments, early",
    [
        (["run", "m2m"], True),
        (["compare", "--seeds", "3"], True),
        (["inspect", "m2m", "--connectivity"], True),
        (["explain", "vanishing"], True),
        (["predict", "m.keras", "0.1"], True),
        (["run", "m2m", "--help"], False),
        (["--version"], False),
        (["sweep", "m2m", "--length", "3-5"], False),  # its workers inherit descriptor 2
        (["params"], False),
        (["report", "r.jsonl"], False),
        ([], False),
    ],
)
def test_only_commands_that_train_start_tensorflow_early(arguments, early):
    assert launch.will_train(arguments) is early


def test_a_light_command_through_the_entry_point_imports_no_tensorflow():
    code = (
        "import sys\n"
        "sys.argv = ['lstm-echo', 'params']\n"
        "from lstm_echo import launch\n"
        "try:\n"
        "    launch.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('tensorflow' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and "Total" in result.stdout
    assert result.stdout.strip().endswith("False")


def test_an_input_error_is_not_lost_while_tensorflow_imports():
    # The error comes long before the import ends; it must still reach stderr, whole and alone.
    for _ in range(3):
        result = lstm_echo("run", "m2m", "--length", "0")
        assert result.returncode == 2
        assert result.stderr == "Error: Invalid value for --length: '0' (must be at least 1)\n"


def test_a_run_shows_none_of_tensorflows_start_up_messages_and_all_of_its_own():
    result = lstm_echo("run", "m2m", "--epochs", "3", "--progress", "lines")
    assert result.returncode == 0, result.stderr
    assert "absl" not in result.stderr and "oneDNN" not in result.stderr and "cuda" not in result.stderr
    assert "training" in result.stderr  # the progress lines, written while or after TensorFlow imports
