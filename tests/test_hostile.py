"""Hostile input: every cause of a lost file, a blown budget or a late failure, held by a test.

Each test names the cause (1-15) it holds. Most use the `no_training` fixture:
the command must stop at its checks, so reaching the training is a failure.
"""

import fcntl
import importlib.util
import json
import os
import resource
import subprocess
import sys

import pytest
from conftest import Trained, forbid_training, invoke, lstm_echo

from lstm_echo import budget, config, runner

SWEEP = ["sweep", "m2o", "--length", "3", "--epochs", "5", "--seeds", "0-1", "-q"]


def one_line_error(result, *fragments):
    """Exit 2, one line on stderr holding every fragment, nothing on stdout, no traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert not isinstance(result.exception, Trained), "the command trained before refusing"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert result.stdout == "" and "Traceback" not in result.stderr


# 1. A file that is not ours is never cut or appended to.
@pytest.mark.parametrize("content", [b"notes", b"{", b'x\n{"architecture": "', b"\xff\xfe binary \x00\n"])
def test_a_foreign_file_is_never_cut(tmp_path, no_training, content):
    out = tmp_path / "notes.jsonl"
    out.write_bytes(content)
    one_line_error(invoke(*SWEEP, "--out", out), "--out", "not a results file")
    assert out.read_bytes() == content


# 2. Sizes that would not fit are refused up front, naming the option to lower.
@pytest.mark.parametrize(
    "args, option",
    [
        (["run", "m2m", "--length", "3", "--neurons", "15000"], "--neurons"),
        (["run", "m2m", "--seeds", "10000000"], "--seeds"),
        (["run", "m2m", "--layers", "1000"], "--layers"),
        (["sweep", "m2m", "--neurons", "1-1000000000"], "--neurons"),
        (["architectures", "--length", "1000000000"], "--length"),
        (["run", "m2m", "--length", "1000000"], "--length"),
        (["run", "m2m", "--epochs", "1000000000000"], "--epochs"),
        (["run", "m2m", "--neurons", "10000", "--layers", "100"], "--neurons"),
        (["run", "m2m", "--seeds", "100000", "--epochs", "1000000"], "--seeds"),
        (["run", "m2m", "--sequences", "2000000"], "--sequences"),
        (["run", "o2o", "--sequences", "1000000", "--length", "5000", "--epochs", "1000"], "--sequences"),
        (["compare", "--neurons", "10000", "--layers", "100"], "--neurons"),
        (["sweep", "m2m", "--neurons", "10000", "--layers", "90-100"], "--neurons"),
    ],
)
def test_oversized_settings_are_refused_before_training(no_training, args, option):
    one_line_error(invoke(*args), option)


def test_the_estimate_names_what_drives_it():
    e = config.resolve({"architecture": "m2m", "neurons": 3000})
    layers = runner.network_layers(e)
    gib = 2**30
    with pytest.raises(budget.TooLarge, match="--neurons: 3000"):
        budget.check(e, layers, models=1, memory=2 * gib)
    budget.check(e, layers, models=1, memory=8 * gib)
    with pytest.raises(budget.TooLarge, match="--seeds: 100 models"):
        budget.check(e, layers, models=100, memory=8 * gib)
    long = config.resolve({"architecture": "m2m", "neurons": 1, "epochs": 1_000_000})
    with pytest.raises(budget.TooLarge, match="--epochs"):
        budget.check(long, runner.network_layers(long), models=1, memory=budget.BASELINE + 10**7)


def test_the_estimate_grows_with_every_size():
    base = {"architecture": "o2o", "length": 20, "neurons": 8, "epochs": 100, "batch_size": 4}
    size = budget.estimate(config.resolve(base), runner.network_layers(config.resolve(base))).per_model
    for name in ("length", "neurons", "epochs", "batch_size", "layers"):
        bigger = config.resolve({**base, name: {"layers": 2}.get(name, base.get(name, 1) * 2)})
        assert budget.estimate(bigger, runner.network_layers(bigger)).per_model > size, name
    held_out = {**base, "sequences": 100}
    size = budget.estimate(config.resolve(held_out), runner.network_layers(config.resolve(held_out))).per_model
    assert size > budget.estimate(config.resolve(base), runner.network_layers(config.resolve(base))).per_model
    for name in ("sequences", "test_sequences"):
        bigger = config.resolve({**held_out, name: 200})
        assert budget.estimate(bigger, runner.network_layers(bigger)).per_model > size, name


# 3. Output that is not a regular file.
@pytest.mark.parametrize("target", ["/dev/full", "/dev/zero", "/dev/null", "fifo"])
def test_out_must_be_a_regular_file(tmp_path, no_training, target):
    out = tmp_path / "runs.jsonl"
    if target == "fifo":
        os.mkfifo(out)
    else:
        out.symlink_to(target)
    one_line_error(invoke(*SWEEP, "--out", out), "--out", "not a regular file")


# 4. Output paths are checked before training.
@pytest.mark.parametrize("option, name", [("--out", "runs.jsonl"), ("--plot", "loss.png")])
def test_outputs_that_cannot_be_created_are_refused_first(tmp_path, no_training, option, name):
    pytest.importorskip("matplotlib")
    one_line_error(invoke(*SWEEP, option, f"/proc/{name}"), option)
    loop = tmp_path / name
    loop.symlink_to(loop)
    one_line_error(invoke(*SWEEP, option, loop), option)
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "folder.jsonl").mkdir()
    one_line_error(invoke(*SWEEP, option, tmp_path / ("folder" + name[name.index(".") :])), option)


# 5. Every value of a list or range passes the check a single value gets.
@pytest.mark.parametrize(
    "option, text",
    [("--neurons", "0-1"), ("--epochs", "0-1"), ("--batch-size", "0-1"), ("--layers", "0-1"), ("--length", "0-2")],
)
def test_ranges_are_checked_like_single_values(no_training, option, text):
    one_line_error(invoke("sweep", "m2m", option, text), option, repr(text), "must be at least 1")


# 6. No run twice: duplicate settings, and one writer per file.
@pytest.mark.parametrize("line", ["length = [3, 3]", 'architecture = ["m2m", "many-to-many"]'])
def test_duplicates_in_a_config_list_are_refused(tmp_path, no_training, line):
    path = tmp_path / "grid.toml"
    path.write_text(('architecture = "m2o"\n' if "architecture" not in line else "") + line + "\n")
    one_line_error(invoke("sweep", "--config", path), str(path), "listed twice")


def test_a_second_writer_is_refused(tmp_path, no_training):
    out = tmp_path / "runs.jsonl"
    out.write_text("")
    with open(out) as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        one_line_error(invoke(*SWEEP, "--out", out), "--out", "another lstm-echo process is writing to it")
    assert out.read_text() == ""


# 7. A CSV that is not ours.
@pytest.mark.parametrize("content", ["a,b,c\n", "\n", "a,b,c"])
def test_a_foreign_csv_is_refused_untouched(tmp_path, no_training, content):
    out = tmp_path / "x.csv"
    out.write_text(content)
    one_line_error(invoke(*SWEEP, "--out", out), "--out", "not a results file")
    assert out.read_text() == content


# 8. Disk full or file too large: one line, exit 1, and only whole lines left.
@pytest.mark.process
def test_a_failed_write_leaves_whole_lines(tmp_path):
    out = tmp_path / "runs.jsonl"
    assert invoke(*SWEEP, "--out", out).exit_code == 0  # the file as it was, written in this process
    before = out.read_bytes()

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) + 100, resource.RLIM_INFINITY))

    grown = ["sweep", "m2o", "--length", "3", "--epochs", "5", "--seeds", "0-9", "-q", "--out", str(out)]
    quiet_cache = {**os.environ, "LSTM_ECHO_CACHE": "off"}  # the limit would turn it off, with a notice of its own
    result = subprocess.run(
        [sys.executable, "-m", "lstm_echo", *grown],
        capture_output=True,
        text=True,
        preexec_fn=small_files,
        env=quiet_cache,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and "File too large" in result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_bytes() == before


# 9. ASCII digits only.
@pytest.mark.parametrize(
    "args, option",
    [
        (["--seeds", "²"], "--seeds"),
        (["--task", "delay:²"], "--task"),
        (["--length", "²"], "--length"),
        (["--length", "٣"], "--length"),
        (["--learning-rate", "٠.١"], "--learning-rate"),
        (["--epochs", "1_000"], "--epochs"),
    ],
)
def test_only_ascii_digits_are_numbers(no_training, args, option):
    one_line_error(invoke("run", "m2m", *args), option)
    one_line_error(invoke("sweep", "m2m", *args), option)
    one_line_error(invoke("sweep", "m2m", "--length", "²-3"), "--length")


# 10. No traceback from odd files, streams and encodings.
def test_odd_paths_are_one_line_errors(tmp_path, no_training):
    long = "x" * 300
    one_line_error(invoke(*SWEEP, "--out", tmp_path / f"{long}.jsonl"), "--out", "File name too long")
    one_line_error(invoke("run", "m2m", "--plot", tmp_path / f"{long}.png"), "--plot")
    one_line_error(invoke("run", "--config", tmp_path / f"{long}.toml"), "--config")
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    one_line_error(invoke("run", "--config", loop), "--config")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    one_line_error(invoke("run", "--config", binary), "--config")


def recorded_row(tmp_path):
    out = tmp_path / "good.jsonl"
    assert invoke(*SWEEP, "--out", out).exit_code == 0
    return json.loads(out.read_text().splitlines()[0])


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.pop("final_loss"),
        lambda r: r.update(final_loss="low"),
        lambda r: r.update(learned="yes"),
        lambda r: r.update(length=0),
        lambda r: r.update(predictions="0.1"),
    ],
)
def test_a_damaged_results_line_is_named_by_its_number(tmp_path, change):
    row = recorded_row(tmp_path)
    good = json.dumps(row)
    change(row)
    out = tmp_path / "runs.jsonl"
    content = f"{good}\n{good}\n{json.dumps(row)}\n"
    out.write_text(content)
    one_line_error(invoke(*SWEEP, "--out", out), "--out", "line 3")
    assert out.read_text() == content


@pytest.mark.process
def test_full_output_and_ascii_terminals():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "lstm_echo", "params"], stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert (
        result.returncode == 1 and result.stderr.strip() == "Error: could not write the output: No space left on device"
    )
    ascii_env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    for args in (["params"], ["params", "--json"], ["run", "m2m", "--epochs", "3"]):
        result = lstm_echo(*args, env=ascii_env)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert json.loads(lstm_echo("params", "--json", env=ascii_env).stdout)[0]["layers"][0]["formula"].startswith("4 × ")


# 11. Terminal widths: nonsense is ignored, narrow tables wrap rather than hide a number.
# In-process: the consoles are made per invocation, from the COLUMNS of that moment.
@pytest.mark.parametrize("columns", ["0", "1", "-5", "abc", "99999999"])
def test_nonsense_widths_are_ignored(columns):
    result = invoke("params", "m2m", env={"COLUMNS": columns})
    assert result.exit_code == 0 and "4 × ((1 + 1) × 5 + 5²) = 140" in result.stdout


@pytest.mark.parametrize("columns", ["40", "60", "80"])
def test_narrow_tables_hide_no_number(columns):
    run = invoke("run", "m2m", "--epochs", "3", "--no-hint", env={"COLUMNS": columns})
    assert run.exit_code == 0 and "…" not in run.stdout
    assert max(map(len, run.stdout.splitlines())) <= int(columns)  # laid out at that width
    compare = invoke("compare", "--epochs", "3", env={"COLUMNS": columns})
    assert compare.exit_code == 0 and "…" not in compare.stdout
    for name in ("one-to-one", "many-to-many-dense", "encoder-decoder"):
        assert name in compare.stdout.replace("\n", "") or name in compare.stdout


# 12. Messages echo what was typed and stay short.
@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run", "m2m", "--seed", "1", "--seeds", "1000000"], "'1000000'"),
        (["run", "m2m", "--length", "9" * 5000], "must be at most 10,000"),
        (["sweep", "m2m", "--out", "/x/.jsonl"], "no such file"),
        (["run", "m2m", "--seeds", ",".join(map(str, range(3000))) + ",5"], "listed twice"),
    ],
)
def test_messages_are_short_and_echo_the_input(no_training, args, fragment):
    result = invoke(*args)
    one_line_error(result)
    assert fragment.lower() in result.stderr.lower() and len(result.stderr) < 300


@pytest.mark.process
def test_bare_command_shows_help_without_an_error():
    result = lstm_echo()
    assert result.returncode == 0 and "Usage" in result.stdout and "Error" not in result.stdout + result.stderr


# 13. No file is touched until every check has passed.
def test_a_torn_file_is_not_cut_when_a_later_check_fails(tmp_path, monkeypatch):
    out = tmp_path / "torn.jsonl"
    row = recorded_row(tmp_path)
    forbid_training(monkeypatch)
    content = json.dumps(row) + "\n" + json.dumps(row)[:30]
    out.write_text(content)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    one_line_error(invoke(*SWEEP, "--out", out, "--plot", tmp_path / "p.png"), "matplotlib")
    assert out.read_text() == content


# 14. A reader that leaves early is no failure of the run.
@pytest.mark.process
@pytest.mark.parametrize("args", [["params", "--json"], ["run", "m2m", "--epochs", "3", "--json"]])
def test_broken_pipe_exits_quietly(args):
    process = subprocess.Popen(
        [sys.executable, "-m", "lstm_echo", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()  # as `| head -c 0` would
    _, err = process.communicate(timeout=120)
    assert process.returncode not in (0, 1, 2, 3) and err == b""


# 15. Seeds trained together match seeds trained alone, to the stated tolerance.
SEED_TOLERANCE = 1e-6  # as the README states


@pytest.mark.parametrize("architecture", ["m2m", "o2o"])
def test_a_seed_in_a_batch_predicts_as_it_does_alone(architecture):
    experiment = config.resolve({"architecture": architecture, "epochs": 200})
    together = runner.run_seeds(experiment, [0, 1])
    alone = runner.run(config.resolve({"architecture": architecture, "epochs": 200, "seed": 1}))
    assert together[1].predictions == pytest.approx(alone.predictions, abs=SEED_TOLERANCE, rel=0)
