"""Hostile input against the newer surfaces: saved models, merge, report, shards, workers, inspect, explain.

Each test names the cause it holds, numbered as in the issue that listed them
(the compile cache's attacks, causes 1, 5 and 15, are in test_compile_cache.py).
"""

import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import forbid_training, invoke
from test_hostile import one_line_error

from lstm_echo import budget, config, runner, sweep_runner
from lstm_echo.rendering import report
from lstm_echo.results import merging as merge

TINY = ["--length", "3", "--epochs", "2", "-q", "--no-hint"]  # these runs miss; their hints are not the point
SWEEP = ["sweep", "m2o", "--length", "3", "--epochs", "5", "--seeds", "0-1", "-q"]


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("models") / "echo.keras"
    result = invoke("run", "m2m", *TINY, "--save-model", path)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("results") / "runs.jsonl"
    result = invoke(*SWEEP, "--out", path)
    assert result.exit_code == 0, result.output
    return path


def rewritten(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    """A copy of a .keras archive with some entries replaced (an entry given None is left out)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            if name not in replace:
                new.writestr(name, old.read(name))
        for name, data in replace.items():
            if data is not None:
                new.writestr(name, data)
    return target


def settings_of(model: Path) -> dict:
    with zipfile.ZipFile(model) as archive:
        return json.loads(archive.read("lstm_echo.json"))


# 2. --save-model never replaces a file that appears (or changes) while training.
@pytest.mark.parametrize("before", [None, "ours"])
def test_a_file_that_appears_while_training_is_kept(tmp_path, monkeypatch, model, before):
    path = tmp_path / "echo.keras"
    if before == "ours":
        path.write_bytes(model.read_bytes())
    train = runner.run_seeds

    def train_then_draft(*args, **kwargs):
        trained = train(*args, **kwargs)
        path.unlink(missing_ok=True)
        path.write_text("a draft written meanwhile")
        return trained

    monkeypatch.setattr(runner, "run_seeds", train_then_draft)
    result = invoke("run", "m2m", *TINY, "--save-model", path)
    assert result.exit_code == 1
    assert path.read_text() == "a draft written meanwhile"
    kept = tmp_path / "echo.1.keras"
    assert f"the model was saved as {kept}" in result.stderr and settings_of(kept)["experiment"]["length"] == 3


# 3. A file replaced keeps its mode, owner and group; a symlink is written through; new files get the umask's mode.
def test_merge_keeps_the_mode_owner_and_links_of_its_target(tmp_path, results):
    into = tmp_path / "merged.jsonl"
    assert invoke("merge", results, "--into", into).exit_code == 0
    into.chmod(0o600)
    assert invoke("merge", results, "--into", into).exit_code == 0
    assert stat.S_IMODE(into.stat().st_mode) == 0o600
    if os.geteuid() == 0:  # a colleague's file stays the colleague's
        os.chown(into, 65534, 65534)
        into.chmod(0o664)
        assert invoke("merge", results, "--into", into).exit_code == 0
        info = into.stat()
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o664)
    link = tmp_path / "link.jsonl"
    link.symlink_to(into)
    assert invoke("merge", results, "--into", link).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(into)
    assert into.read_text() == results.read_text()


def test_a_saved_model_is_written_through_a_symlink(tmp_path):
    real = tmp_path / "real.keras"
    link = tmp_path / "link.keras"
    link.symlink_to(real)
    assert invoke("run", "m2m", *TINY, "--save-model", link).exit_code == 0
    assert link.is_symlink() and settings_of(real)["experiment"]["architecture"] == "many-to-many"


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_a_new_plot_gets_the_umasks_mode(tmp_path, results, mask):
    pytest.importorskip("matplotlib")
    old = os.umask(mask)
    try:
        result = invoke("report", results, "--by", "length", "--plot", tmp_path / "learned.png")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "learned.png").stat().st_mode) == 0o666 & ~mask


# 4. CSV: rows merge would refuse are refused by report too, and no cell starts a formula.
def test_report_refuses_a_row_merge_refuses(tmp_path, results):
    row = json.loads(results.read_text().splitlines()[0])
    row["architecture"] = '=HYPERLINK("http://example.invalid","x")'
    bad = tmp_path / "bad.jsonl"
    bad.write_text(results.read_text() + json.dumps(row) + "\n")
    one_line_error(invoke("report", bad, "--csv"), str(bad), "line 3")
    one_line_error(invoke("merge", bad, "--into", tmp_path / "m.jsonl"), "line 3")


def test_csv_cells_never_start_a_formula():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert report.spreadsheet_safe(text) == "'" + text
    assert [report.spreadsheet_safe(v) for v in ("many-to-many", -1, 0.5, None)] == ["many-to-many", -1, 0.5, None]


# 6 and 10. A .keras file is untrusted input: refused in one line unless lstm-echo saved it, whole and as it says.
def metadata_with(model: Path, **changes) -> bytes:
    stored = settings_of(model)
    stored["experiment"].update(changes)
    return json.dumps(stored).encode()


def foreign_config(class_name: str) -> bytes:
    layer = {"class_name": class_name, "module": "keras.layers", "config": {"name": "x"}}
    return json.dumps({"class_name": "Sequential", "module": "keras", "config": {"layers": [layer]}}).encode()


@pytest.mark.parametrize(
    "entries, fragment",
    [
        ({"lstm_echo.json": None}, "no lstm_echo.json"),
        ({"config.json": None, "model.weights.h5": None, "metadata.json": None}, "no config.json"),
        ({"lstm_echo.json": b" " * 5_000_000}, "5,000,000 bytes"),
        ({"lstm_echo.json": b"[" * 100_000 + b"]" * 100_000}, "cannot be read"),
        ({"lstm_echo.json": b'{"experiment": 1}'}, "no settings"),
        ({"config.json": foreign_config("Lambda")}, "'Lambda'"),
        ({"config.json": foreign_config("TFSMLayer")}, "'TFSMLayer'"),
        ({"config.json": foreign_config("StringLookup")}, "'StringLookup'"),
        ({f"padding/{n}": b"" for n in range(100)}, "lists 104 entries"),
    ],
    ids=[
        "no settings entry",
        "only the settings",
        "zip bomb",
        "deep",
        "settings not an object",
        "Lambda",
        "TFSMLayer",
        "StringLookup",
        "many entries",
    ],
)
def test_a_foreign_keras_file_is_one_line(tmp_path, model, monkeypatch, entries, fragment):
    forbid_training(monkeypatch)
    path = rewritten(model, tmp_path / "foreign.keras", entries)
    one_line_error(invoke("predict", path, "0.0", "0.3", "0.6"), "MODEL", "not a model saved by lstm-echo", fragment)
    one_line_error(invoke("inspect", path), "MODEL", fragment)


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"length": 10**9}, "length must be at most 10,000"),
        ({"architecture": "__import__('os')"}, "architecture"),
        ({"neurons": "5"}, "neurons must be an integer"),
        ({"length": 2000, "neurons": 10000, "layers": 100}, "would need about"),
    ],
)
def test_stored_settings_are_held_to_the_command_lines_limits(tmp_path, model, changes, fragment):
    path = rewritten(model, tmp_path / "big.keras", {"lstm_echo.json": metadata_with(model, **changes)})
    started = time.perf_counter()
    one_line_error(invoke("predict", path, "0.0", "0.3", "0.6"), "MODEL", fragment)
    assert time.perf_counter() - started < 60  # refused from the settings, nothing allocated (a generous bound)


def test_a_network_that_does_not_match_its_settings_is_refused(tmp_path, model):
    path = rewritten(model, tmp_path / "other.keras", {"lstm_echo.json": metadata_with(model, neurons=4)})
    one_line_error(invoke("predict", path, "0.0", "0.3", "0.6"), "does not match its settings")


def test_a_model_is_found_whatever_the_case_of_its_name(tmp_path, model):
    upper = tmp_path / "UPPER.KERAS"
    upper.write_bytes(model.read_bytes())
    lower = json.loads(invoke("predict", model, "0.0", "0.3", "0.6", "--json").stdout)
    result = invoke("predict", upper, "0.0", "0.3", "0.6", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["predictions"] == lower["predictions"]
    assert invoke("inspect", upper, "--json").exit_code == 0


# 7. Memory: what each command really holds, cgroup v1, each worker's own TensorFlow.
def test_cgroup_limits_are_read_from_v1_and_v2(tmp_path):
    (tmp_path / "memory" / "jobs" / "42").mkdir(parents=True)
    (tmp_path / "memory" / "jobs" / "42" / "memory.limit_in_bytes").write_text("1610612736\n")
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    membership = tmp_path / "cgroup"
    membership.write_text("5:cpu:/\n4:memory:/jobs/42\n0::/\n")
    assert budget.machine_memory(tmp_path, membership) == 1610612736
    (tmp_path / "user.slice").mkdir()
    (tmp_path / "user.slice" / "memory.max").write_text("1073741824\n")
    membership.write_text("0::/user.slice\n")
    assert budget.machine_memory(tmp_path, membership) == 1073741824


@pytest.mark.process
def test_a_run_in_a_small_v1_cgroup_is_refused_up_front(tmp_path):
    mine = Path("/proc/self/cgroup").read_text()
    place = next((line.split(":", 2)[2] for line in mine.splitlines() if ":memory:" in line), None)
    folder = Path("/sys/fs/cgroup/memory") / (place or "").lstrip("/") / f"lstm-echo-test-{os.getpid()}"
    try:
        folder.mkdir()
        (folder / "memory.limit_in_bytes").write_text(str(2 * 2**30))
    except OSError:
        pytest.skip("no cgroup v1 memory controller this test may make a group in")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "lstm_echo", "run", "m2m", "--neurons", "3000", "--epochs", "1", "-q"],
            capture_output=True,
            text=True,
            preexec_fn=lambda: (folder / "cgroup.procs").write_text(str(os.getpid())),
        )
    finally:
        time.sleep(0.2)
        folder.rmdir()
    assert result.returncode == 2 and "--neurons: 3000" in result.stderr and "this machine has 2.0 GB" in result.stderr


def test_explain_vanishing_counts_its_connectivity(monkeypatch, no_training):
    monkeypatch.setattr(budget, "machine_memory", lambda: 4 * 2**30)
    args = ["explain", "vanishing", "--length", "1000", "--neurons", "50", "--epochs", "1"]
    one_line_error(invoke(*args), "--length: 1000", "connectivity would need")


def peak_kilobytes(*args) -> int:
    """The peak resident memory of `lstm-echo ARGS` alone, measured by a process of its own."""
    measure = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    measure += "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    command = [sys.executable, "-c", measure, sys.executable, "-m", "lstm_echo", *args]
    return int(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


@pytest.mark.process
def test_the_connectivity_estimate_covers_what_it_holds():
    settings = ["inspect", "m2m", "--length", "400", "--neurons", "10", "--epochs", "1", "--json", "-q"]
    held = (peak_kilobytes(*settings, "--connectivity") - peak_kilobytes(*settings)) * 1024
    experiment = config.resolve({"architecture": "m2m", "length": 400, "neurons": 10, "epochs": 1})
    estimated = budget.connectivity_bytes(experiment, runner.network_layers(experiment))
    assert 0 < held <= estimated, (held, estimated)


def test_each_worker_is_counted_with_its_own_tensorflow(monkeypatch, no_training):
    monkeypatch.setattr(budget, "machine_memory", lambda: int(budget.BASELINE * 1.8))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert invoke(*SWEEP, "--length", "3,4").exit_code != 2  # one process fits (and then trains)
    one_line_error(invoke(*SWEEP[:3], "3,4", *SWEEP[4:], "--workers", "2"), "--workers: 2")


def test_workers_are_capped_by_programs_and_cpus(monkeypatch, no_training):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    started = []
    monkeypatch.setattr(sweep_runner, "pooled", lambda work, workers, *rest: started.append(workers) or iter(()))
    result = invoke(*SWEEP[:3], "3,4,5", *SWEEP[4:], "--workers", "64")
    assert "Notice: --workers 64: 3 (this sweep has 3 compiled programs" in result.stderr
    assert started == [3]  # and 3 are started


@pytest.mark.slow
def test_merge_holds_digests_not_rows(tmp_path, results):
    import tracemalloc

    row = json.loads(results.read_text().splitlines()[0])
    peaks = {}
    for count in (2_000, 6_000):
        many = tmp_path / f"many-{count}.jsonl"
        with open(many, "w") as out:
            for seed in range(count):
                out.write(json.dumps({**row, "seed": seed}) + "\n")
        tracemalloc.start()
        merged = merge.merge([many], tmp_path / f"merged-{count}.jsonl")
        peaks[count] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert merged.runs == count
    # Each further row costs about 280 bytes (measured); one kept as a dict would cost about 4.4 kB.
    assert (peaks[6_000] - peaks[2_000]) / 4_000 < 400, peaks


# 8. TERM and HUP stop a command as Ctrl-C does, and no worker outlives it.
def workers_of(parent: int) -> set[int]:
    children = set()
    for task in Path(f"/proc/{parent}/task").iterdir():
        children |= {int(pid) for pid in (task / "children").read_text().split()}
    return {pid for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()}


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def started_workers(tmp_path) -> tuple[subprocess.Popen, set[int]]:
    grid = ["sweep", "m2m", "--length", "3-6", "--neurons", "8", "--epochs", "1000000", "--seeds", "0-1", "-q"]
    process = subprocess.Popen(
        [sys.executable, "-m", "lstm_echo", *grid, "--workers", "2", "--out", tmp_path / "runs.jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(1200):  # until both have TensorFlow loaded: training, not waiting for work
        workers = workers_of(process.pid)
        if len(workers) == 2 and all(resident_kilobytes(pid) > 300_000 for pid in workers):
            time.sleep(1)
            return process, workers
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the workers did not start training")


def resident_kilobytes(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


@pytest.mark.process
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_term_and_hup_stop_a_sweep_and_its_workers(tmp_path, signum, code):
    process, workers = started_workers(tmp_path)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code and "Traceback" not in stderr
    assert (
        stderr.strip()
        == f"Stopped by {signal.Signals(signum).name}. {tmp_path / 'runs.jsonl'} keeps every finished run; the same command resumes from there."
    )
    time.sleep(1)
    assert not any(alive(pid) for pid in workers)


@pytest.mark.process
def test_workers_die_when_their_parent_is_killed(tmp_path):
    process, workers = started_workers(tmp_path)
    process.kill()
    for _ in range(30):  # at once, not when their task ends and they find no one to send it to
        if not any(alive(pid) for pid in workers):
            break
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr


# 9. Every output is tried with a real temporary file before anything trains.
def test_output_places_that_cannot_be_written_are_refused_first(tmp_path, no_training, results):
    (tmp_path / "runs.d").write_text("a file where the shard folder goes")
    one_line_error(invoke(*SWEEP, "--shard", "0/2", "--out", tmp_path / "runs.jsonl"), "--out", "not a folder")
    one_line_error(invoke(*SWEEP, "--shard", "0/2", "--out", "/proc/runs.jsonl"), "--out")
    one_line_error(invoke("merge", results, "--into", "/proc/x.jsonl"), "--into", "/proc/x.jsonl")
    one_line_error(invoke("run", "m2m", *TINY, "--save-model", "/proc/x.keras"), "--save-model")


def test_a_long_legal_name_is_saved(tmp_path):
    path = tmp_path / ("m" * 248 + ".keras")  # 254 characters: the temporary name must not be longer
    result = invoke("run", "m2m", *TINY, "--save-model", path)
    assert result.exit_code == 0, result.output
    assert settings_of(path)["experiment"]["length"] == 3


# 11. report reads rows as strictly as merge.
@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda r: r.update(seed=[1, 2]), "seed is a list"),
        (lambda r: r.update(length="5"), "length must be an integer"),
        (lambda r: r.update(learned="false"), "learned 'false' is not true or false"),
        (lambda r: r.update(final_loss=[[[[1]]]]), "not a number"),
    ],
)
def test_report_refuses_loose_rows(tmp_path, results, change, fragment):
    row = json.loads(results.read_text().splitlines()[0])
    change(row)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(results.read_text() + json.dumps(row) + "\n")
    one_line_error(invoke("report", bad), f"{bad}: line 3", fragment)


def test_report_leaves_null_seconds_out_of_the_median(tmp_path, results):
    lines = results.read_text().splitlines()
    row = json.loads(lines[0])
    row["seconds"] = None
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(json.dumps(row) + "\n" + lines[1] + "\n")
    doc = json.loads(invoke("report", mixed, "--json").stdout)
    assert doc["summary"][0]["median_seconds"] == json.loads(lines[1])["seconds"]


# 12. Values that pass as finite but overflow float32.
def test_numbers_beyond_float32_are_refused(model, no_training):
    one_line_error(invoke("predict", model, "1e308", "0.3", "0.6"), "'1e308'", "float32")
    one_line_error(invoke("inspect", "m2m", "--length", "3", "--input", "1e308,0.3,0.6"), "--input", "float32")
    one_line_error(invoke("run", "m2m", "--learning-rate", "1e39"), "--learning-rate", "float32")


# 13. Closed or unwritable standard streams.
def lstm_echo_with(args: list[str], **streams) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lstm_echo", *args], text=True, timeout=300, **streams)


def shell(command: str) -> subprocess.CompletedProcess:
    """`lstm-echo COMMAND` as a shell runs it, redirections and all."""
    return subprocess.run(f"exec {sys.executable} -m lstm_echo {command}", shell=True, capture_output=True, text=True)


@pytest.mark.process
def test_a_closed_stdout_is_said_before_any_work():
    closed = shell("run m2m --length 3 --epochs 2 >&-")
    assert closed.returncode == 1 and closed.stderr.strip().startswith("Error: standard output is closed")


@pytest.mark.process
def test_a_closed_or_full_stderr_changes_no_result_and_no_exit_code():
    run = shell("run m2m --length 3 --epochs 2 --json 2>&-")
    assert run.returncode == 0 and json.loads(run.stdout)["runs"][0]["length"] == 3
    with open("/dev/full", "w") as full:
        bad = lstm_echo_with(["run", "m2m", "--length", "0"], stdout=subprocess.PIPE, stderr=full)
        good = lstm_echo_with(["run", "m2m", *TINY, "--json"], stdout=subprocess.PIPE, stderr=full)
    assert bad.returncode == 2
    assert good.returncode == 0 and json.loads(good.stdout)["runs"][0]["length"] == 3


# 14. Messages that say what a path is.
def test_folders_fifos_and_devices_are_named_as_such(tmp_path, results):
    (tmp_path / "folder.jsonl").mkdir()
    os.mkfifo(tmp_path / "fifo.jsonl")
    for path, what in ((tmp_path / "folder.jsonl", "is a folder"), (tmp_path / "fifo.jsonl", "not a regular file")):
        one_line_error(invoke("merge", path, "--into", tmp_path / "m.jsonl"), what)
        one_line_error(invoke("report", path), what)
    one_line_error(invoke("predict", tmp_path / "folder.jsonl", "0.1"), "is a folder")


def test_a_model_named_dot_keras_is_a_model_name(tmp_path):
    result = invoke("run", "m2m", *TINY, "--save-model", tmp_path / ".keras")
    assert result.exit_code == 0, result.output
    assert settings_of(tmp_path / ".keras")["experiment"]["length"] == 3
