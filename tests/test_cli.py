"""The command line as a user meets it: output, JSON, configs, exit codes."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lstm_echo
from lstm_echo import architectures, config
from lstm_echo.cli import app

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def test_run_shows_summary_predictions_and_verdict():
    result = invoke("run", "m2m", "--length", "4", "--epochs", "20", "--no-hint")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("time_distributed") < out.index("Predictions") < out.index("steps within 0.05 of the target")
    assert "(None, 4, 4)" in out and "(None, 4, 1)" in out
    total = next(line for line in out.splitlines() if line.startswith("Total"))
    assert total.split() == ["Total", "101"]  # 4 × ((1 + 1) × 4 + 4²) + (4 × 1 + 1) = 96 + 5


def test_run_json_is_the_only_thing_on_stdout():
    result = invoke("run", "o2o", "--length", "6", "--epochs", "15", "--batch-size", "2", "--seed", "3", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (row,) = doc["runs"]
    assert {k: row[k] for k in config.SETTINGS if k != "seeds"} == {
        "architecture": "one-to-one",
        "task": "echo",
        "cell": "lstm",
        "layers": 1,
        "length": 6,
        "neurons": 6,
        "epochs": 15,
        "batch_size": 2,
        "learning_rate": 0.001,
        "seed": 3,
        "sequences": None,  # the one fixed sequence
        "test_sequences": None,
        "data_seed": 0,
    }
    assert [layer["params"] for layer in doc["network"]] == [4 * (2 * 6 + 36), 7]
    assert row["params"] == 4 * (2 * 6 + 36) + 7
    assert len(row["loss_history"]) == 15
    assert len(row["predictions"]) == len(doc["expected"]) == row["steps"] == 6
    assert doc["expected"] == [0.0, 0.16666667, 0.33333334, 0.5, 0.6666667, 0.8333333]  # float32, shortest form
    assert row["final_loss"] == pytest.approx(
        sum((p - e) ** 2 for p, e in zip(row["predictions"], doc["expected"])) / 6, rel=1e-5
    )
    (summary,) = doc["summary"]
    assert (summary["seeds"], summary["runs"], summary["runs_learned"]) == ("3", 1, int(row["learned"]))
    assert {"compile_seconds", "train_seconds", "wall_seconds"} <= set(doc["timings"])


def test_flags_override_the_config_file():
    result = invoke("run", "--config", str(CONFIGS / "many-to-many.toml"), "--epochs", "12", "--length", "3", "--json")
    assert result.exit_code == 0, result.output
    (settings,) = json.loads(result.stdout)["runs"]
    assert settings["architecture"] == "many-to-many"
    assert settings["epochs"] == 12 and settings["length"] == 3
    assert settings["neurons"] == 5  # from the file, not the new length


def test_the_architecture_argument_overrides_the_config():
    result = invoke("run", "m2o", "--config", str(CONFIGS / "many-to-many.toml"), "--epochs", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runs"][0]["architecture"] == "many-to-one"


def test_run_without_architecture_takes_it_from_the_config():
    result = invoke("run", "--config", str(CONFIGS / "many-to-many.toml"), "--epochs", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runs"][0]["architecture"] == "many-to-many"


def test_diverging_run_exits_1():
    result = invoke("run", "m2m", "--learning-rate", "1e38", "--epochs", "100")
    assert result.exit_code == 1
    assert "diverged" in result.stderr
    assert "Traceback" not in result.output


def test_params_shows_the_arithmetic():
    result = invoke("params")
    assert result.exit_code == 0
    for text in (
        "one-to-one",
        "many-to-one",
        "many-to-many",
        "4 × ((1 + 1) × 5 + 5²) = 140",
        "5 × 5 + 5 = 30",
        "140 + 30 = 170",
    ):
        assert text in result.stdout


def test_params_json_for_chosen_architectures():
    result = invoke("params", "m2m", "o2o", "--length", "10", "--neurons", "3", "--json")
    doc = json.loads(result.stdout)
    assert [d["architecture"] for d in doc] == ["many-to-many", "one-to-one"]
    assert [d["total_params"] for d in doc] == [4 * (2 * 3 + 9) + 4, 4 * (2 * 3 + 9) + 4]
    assert doc[0]["layers"][1]["output_shape"] == [None, 10, 1]


def test_architectures_lists_every_architecture():
    result = invoke("architectures", "--length", "7")
    assert result.exit_code == 0
    for text in (
        "one-to-one",
        "o2o",
        "many-to-one",
        "m2o",
        "many-to-many",
        "m2m",
        "X (1, 7, 1)",
        "TimeDistributed(Dense(1))",
    ):
        assert text in result.stdout
    doc = json.loads(invoke("architectures", "--json").stdout)
    assert [(d["name"], d["default_epochs"], d["default_batch_size"]) for d in doc][:3] == [
        ("one-to-one", 1000, 5),
        ("many-to-one", 500, 1),
        ("many-to-many", 1000, 1),
    ]
    assert [d["name"] for d in doc] == [a.name for a in architectures.REGISTRY]


BAD_INPUTS = [
    (["run", "m2m", "--length", "0"], "--length", "'0'"),
    (["run", "m2m", "--length", "ten"], "--length", "'ten'"),
    (["run", "m2m", "--neurons", "0"], "--neurons", "'0'"),
    (["run", "m2m", "--epochs", "-3"], "--epochs", "'-3'"),
    (["run", "m2m", "--batch-size", "0"], "--batch-size", "'0'"),
    (["run", "o2o", "--batch-size", "6"], "--batch-size", "6"),
    (["run", "m2m", "--learning-rate", "0"], "--learning-rate", "'0'"),
    (["run", "two-to-two"], "ARCH", "'two-to-two'"),
    (["params", "two-to-two"], "ARCH", "'two-to-two'"),
    (["params", "--neurons", "0"], "--neurons", "'0'"),
    (["run", "m2m", "--config", "missing.toml"], "--config", "missing.toml"),
    (["run", "m2m", "--bogus"], "--bogus", "--bogus"),
    (["run"], "architecture", "ARCH"),
    (["run", "m2m", "--seed", "1", "--seeds", "3"], "--seed", "1"),
    (["run", "m2m", "--progress", "loud"], "--progress", "'loud'"),
    (["compare", "m2m", "m2x"], "ARCH", "'m2x'"),
    (["sweep", "m2m", "--length", "5,0"], "--length", "'5,0'"),
    (["sweep", "m2m", "--seeds", "3", "--seed", "2"], "--seed", "2"),
    (["explain", "timedistributed", "--epochs", "1.5"], "--epochs", "'1.5'"),
    (["architectures", "--length", "-1"], "--length", "'-1'"),
]


@pytest.mark.parametrize("args, option, value", BAD_INPUTS, ids=lambda a: " ".join(a) if isinstance(a, list) else None)
def test_bad_input_is_one_line_and_exit_2(args, option, value):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and option in lines[0] and value in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_malformed_config_names_file_and_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('architecture = "m2m"\nepochs = "many"\n')
    result = invoke("run", "--config", str(path))
    assert result.exit_code == 2
    assert str(path) in result.stderr and "'epochs'" in result.stderr and "'many'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["params"],
        ["architectures"],
        ["cache"],
        ["run", "--help"],
        ["run", "m2m", "--length", "0"],
        ["sweep", "m2m,o2o", "--length", "3-9", "--seeds", "4", "--plan", "3"],
        ["reproduce", "adding", "--cell", "lstm,lstm"],
    ],
)
@pytest.mark.process
def test_light_commands_do_not_import_tensorflow(args):
    probe = (
        "import sys; from lstm_echo.cli import app; from typer.testing import CliRunner; "
        f"CliRunner().invoke(app, {args!r}); print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.process
def test_console_script_and_module_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "lstm_echo", "params", "m2o", "--json"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)[0]["total_params"] == 170


def test_a_config_files_cross_setting_error_names_the_file(tmp_path):
    path = tmp_path / "d.toml"
    path.write_text('architecture = "m2m"\ntask = "delay:9"\n')
    for command in ("run", "sweep"):
        result = invoke(command, "--config", str(path))
        assert result.exit_code == 2 and result.stderr.startswith(f"Error: {path}: key 'task'"), result.stderr
    overridden = invoke("run", "--config", str(path), "--task", "delay:9")
    assert overridden.exit_code == 2 and "Invalid value for --task: 'delay:9'" in overridden.stderr


@pytest.mark.process
def test_tensorflow_starts_without_keras_or_matplotlib_which_still_load_afterwards():
    # TensorFlow imports Keras as it starts (0.16 s of CPU) and Keras imports matplotlib (0.9 s): neither is
    # used by a run that trains, so both are hidden for TensorFlow's import, and matplotlib for Keras'.
    pytest.importorskip("matplotlib")
    code = (
        "import sys\n"
        "from lstm_echo.backend.quiet_tf import tf\n"
        "print('keras' in sys.modules, 'matplotlib' in sys.modules)\n"
        "from lstm_echo import architectures\n"
        "from lstm_echo.backend import keras_model\n"
        "model = keras_model.build(architectures.get('m2m').layers(5, 5))\n"
        "print(model.count_params() == 146, 'matplotlib' in sys.modules)\n"
        "import matplotlib.pyplot\n"
        "print(callable(matplotlib.pyplot.subplots))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False", "True", "False", "True"], result.stderr


@pytest.mark.process
def test_tensorflow_starts_with_the_garbage_collector_off_and_leaves_it_on():
    # Its objects are frozen out of the collector's passes; objects made later are still collected.
    code = (
        "import gc\n"
        "from lstm_echo.backend.quiet_tf import tf\n"
        "frozen = gc.get_freeze_count()\n"
        "class Cycle: pass\n"
        "a, b = Cycle(), Cycle(); a.other, b.other = b, a; del a, b\n"
        "print(gc.isenabled(), frozen > 100_000, gc.collect() >= 2)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


@pytest.mark.process
def test_the_entry_point_loads_the_command_line_with_the_collector_paused_then_on():
    code = (
        "import gc, sys\n"
        "sys.argv = ['lstm-echo', 'architectures']\n"
        "from lstm_echo import launch\n"
        "try:\n"
        "    launch.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(gc.isenabled(), 'lstm_echo.cli' in sys.modules, gc.get_freeze_count() > 10_000)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split()[-3:] == ["True", "True", "True"], result.stderr


def test_tensorflow_and_keras_are_imported_in_the_backend_alone():
    """The boundary the lazy imports rest on: any other module reaches TensorFlow through `lstm_echo.backend`."""
    package = Path(lstm_echo.__file__).parent
    importers = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] in ("tensorflow", "keras") for name in names):
                importers.add(path.relative_to(package).parts[0])
    assert importers == {"backend"}
