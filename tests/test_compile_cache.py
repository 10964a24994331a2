"""The persistent compile cache: where it lives, that it changes no number, and that it never fails a run."""

import hashlib
import hmac
import json
import os
import resource
import shutil
import stat
from pathlib import Path

import pytest
from conftest import invoke, lstm_echo

from lstm_echo.backend import compile_cache

RUN = ["run", "m2m", "--length", "4", "--epochs", "20", "--json", "-q"]
LENGTH_3 = [*RUN[:3], "3", *RUN[4:]]  # another program


def run_in(env_changes: dict, monkeypatch, **kwargs) -> tuple[dict, str]:
    for name, value in env_changes.items():
        monkeypatch.setenv(name, value)
    result = lstm_echo(*RUN, **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def numbers(doc: dict) -> tuple:
    row = doc["runs"][0]
    return row["predictions"], row["loss_history"], row["final_loss"]


def filled_by_a_run(home: Path, args) -> dict:
    """`args` run as a process of its own, its cache folder and key under `home`; its JSON document,
    which says the program was compiled and recorded (a miss)."""
    env = {**os.environ, "LSTM_ECHO_CACHE_DIR": str(home / "cache"), "XDG_CONFIG_HOME": str(home / "config")}
    result = lstm_echo(*args, env=env)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["timings"]["compile_cache"] == "miss"
    return doc


def copied(warmed, folder: Path) -> None:
    """`warmed`'s cache copied to `folder` (modes kept) and its key to a config folder beside it."""
    cache, config, _ = warmed
    shutil.copytree(cache, folder)
    shutil.copytree(config, folder.parent / "config")


@pytest.fixture(scope="module")
def warmed(tmp_path_factory) -> tuple[Path, Path, tuple]:
    """A cache folder and key filled by one real run of RUN, and that run's numbers: the first process of
    the tests below, made once; each test damages a copy of its own and runs the second process."""
    home = tmp_path_factory.mktemp("warmed")
    first = filled_by_a_run(home, RUN)  # a cold cache, filled by this run
    return home / "cache", home / "config", numbers(first)


@pytest.fixture(scope="module")
def warmed_pair(warmed, tmp_path_factory) -> tuple[Path, Path, tuple]:
    """`warmed` with a second program recorded beside RUN's: length 3's, by one more real run, made once
    for the two tests that put one program's files under the other's name."""
    home = tmp_path_factory.mktemp("warmed-pair")
    copied(warmed, home / "cache")
    filled_by_a_run(home, LENGTH_3)
    return home / "cache", home / "config", warmed[2]


def warm_copy(warmed, folder: Path, monkeypatch) -> tuple:
    """`warmed` copied to `folder` and a config folder beside it, both in this test's environment; the
    first run's numbers."""
    copied(warmed, folder)
    monkeypatch.setenv("LSTM_ECHO_CACHE_DIR", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder.parent / "config"))
    return warmed[2]


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


@pytest.mark.process
def test_the_cache_changes_no_number(tmp_path, monkeypatch, warmed):
    folder = tmp_path / "cache"
    cold = warm_copy(warmed, folder, monkeypatch)  # the numbers of the run that filled it
    warm, _ = run_in({}, monkeypatch)
    off, _ = run_in({"LSTM_ECHO_CACHE": "off"}, monkeypatch)
    assert [d["timings"]["compile_cache"] for d in (warm, off)] == ["hit", "off"]
    assert len(compile_cache.compiled(folder)) == len(compile_cache.traced(folder)) == 1
    assert cold == numbers(warm) == numbers(off)  # bit for bit: the same program, loaded or compiled


def notice_line(stderr: str, *fragments) -> None:
    (line,) = stderr.strip().splitlines()
    assert line.startswith("Notice:"), line
    for fragment in fragments:
        assert fragment in line, line


def enabled_here(monkeypatch, capsys) -> tuple[compile_cache.Cache | None, str]:
    """What a process starting TensorFlow decides, run in this one: the cache it turns on (None: off)
    and what it says. Whether a folder and key are used is decided here, before TensorFlow starts; the
    process test `test_a_cache_turned_off_trains_the_same_numbers` holds a run to the decision."""
    monkeypatch.setattr(compile_cache, "active", None)
    monkeypatch.setenv("TF_XLA_FLAGS", os.environ.get("TF_XLA_FLAGS", ""))  # put back after the test
    capsys.readouterr()
    cache = compile_cache.enable()
    return cache, capsys.readouterr().err


def made_here(folder: Path, monkeypatch, capsys) -> dict[Path, bytes]:
    """A cache folder and key made by `enable` in this process, holding two files in place of a
    record and its program; those files' contents."""
    monkeypatch.setenv("LSTM_ECHO_CACHE_DIR", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder.parent / "config"))
    cache, stderr = enabled_here(monkeypatch, capsys)
    assert cache is not None and stderr == ""
    shutil.rmtree(cache.staging)
    for name in (compile_cache.TRACED.format(key="0123"), compile_cache.XLA_PREFIX + "1__2.pb"):
        (folder / name).write_bytes(os.urandom(100))
    return {path: path.read_bytes() for path in folder.iterdir()}


@pytest.mark.process
@pytest.mark.parametrize("damage", ["cut short", "one byte changed"])
def test_a_damaged_traced_program_is_traced_again(tmp_path, monkeypatch, warmed, damage):
    folder = tmp_path / "cache"
    first = warm_copy(warmed, folder, monkeypatch)
    (entry,) = compile_cache.traced(folder)
    data = entry.read_bytes()
    entry.write_bytes(data[:1000] if damage == "cut short" else data[:-50] + bytes([data[-50] ^ 1]) + data[-49:])
    again, stderr = run_in({}, monkeypatch)
    assert numbers(again) == first and again["timings"]["compile_cache"] == "miss"
    notice_line(stderr, str(folder), "not written by lstm-echo", "traced and compiled anew")
    if damage == "cut short":  # recorded whole again (once: the damage made no difference to this)
        third, stderr = run_in({}, monkeypatch)
        assert third["timings"]["compile_cache"] == "hit" and stderr == ""


@pytest.mark.process
def test_a_damaged_compiled_program_is_compiled_again(tmp_path, monkeypatch, warmed):
    folder = tmp_path / "cache"
    first = warm_copy(warmed, folder, monkeypatch)
    (entry,) = compile_cache.compiled(folder)
    entry.write_bytes(entry.read_bytes()[:1000])  # cut short, as a full disk or a crash might leave it
    again, stderr = run_in({}, monkeypatch)
    assert numbers(again) == first and again["timings"]["compile_cache"] == "miss"
    notice_line(stderr, str(folder), "is not the program its record names")


@pytest.mark.process
def test_a_compiled_program_replaced_by_a_link_is_not_followed(tmp_path, monkeypatch, warmed):
    folder, victim = tmp_path / "cache", tmp_path / "someone-elses-file"
    victim.write_text("theirs")
    first = warm_copy(warmed, folder, monkeypatch)
    (entry,) = compile_cache.compiled(folder)
    entry.unlink()
    entry.symlink_to(victim)
    again, stderr = run_in({}, monkeypatch)
    assert numbers(again) == first and again["timings"]["compile_cache"] == "miss"
    notice_line(stderr, entry.name)
    assert victim.read_text() == "theirs" and entry.is_file() and not entry.is_symlink()


def forged(record: bytes, graph: bytes) -> bytes:
    """A record laid out as lstm-echo lays one out, signed with a key of the attacker's own."""
    start = len(compile_cache.MAGIC) + compile_cache.MAC_BYTES
    size = int.from_bytes(record[start : start + 4], "big")
    header = record[start + 4 : start + 4 + size]
    mac = hmac.new(os.urandom(32), graph, hashlib.sha256).digest()
    return compile_cache.MAGIC + mac + size.to_bytes(4, "big") + header + graph


def planted(graph: bytes, target: Path) -> bytes:
    """The traced graph with a WriteFile op added, run outside XLA: what an attacker who can write the folder makes."""
    from lstm_echo.backend.quiet_tf import tf  # first: TensorFlow started as lstm-echo starts it

    # isort: split
    from tensorflow.core.framework import function_pb2

    library = function_pb2.FunctionDefLibrary.FromString(graph)
    program = library.function[-1]
    del program.attr["_XlaMustCompile"]
    for name, value in (("where", str(target)), ("what", "planted")):
        node = program.node_def.add(name=name, op="Const")
        node.attr["dtype"].type = tf.string.as_datatype_enum
        node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value))
    write = program.node_def.add(name="planted", op="WriteFile", input=["where:output:0", "what:output:0"])
    del write  # run for its effect: listed as a control output
    program.signature.control_output.append("planted")
    program.control_ret["planted"] = "planted"
    return library.SerializeToString()


@pytest.mark.process
def test_a_planted_graph_op_never_runs(tmp_path, monkeypatch, warmed):
    folder, target = tmp_path / "cache", tmp_path / "written-by-the-attacker"
    first = warm_copy(warmed, folder, monkeypatch)
    (entry,) = compile_cache.traced(folder)
    record = entry.read_bytes()
    start = len(compile_cache.MAGIC) + compile_cache.MAC_BYTES
    graph = record[start + 4 + int.from_bytes(record[start : start + 4], "big") :]
    entry.write_bytes(forged(record, planted(graph, target)))
    again, stderr = run_in({}, monkeypatch)
    assert not target.exists()
    assert numbers(again) == first and again["timings"]["compile_cache"] == "miss"
    notice_line(stderr, "not written by lstm-echo for this user")


@pytest.mark.process
def test_a_record_moved_to_another_programs_name_is_refused(tmp_path, monkeypatch, warmed, warmed_pair):
    folder = tmp_path / "cache"
    warm_copy(warmed_pair, folder, monkeypatch)
    (recorded,) = compile_cache.traced(warmed[0])  # RUN's record, known by its name
    mine = folder / recorded.name
    (theirs,) = set(compile_cache.traced(folder)) - {mine}
    theirs.write_bytes(mine.read_bytes())  # length 4's program under length 3's key
    doc, stderr = run_in({}, monkeypatch)  # length 4 again: its own record still serves it
    assert doc["timings"]["compile_cache"] == "hit" and stderr == ""
    result = lstm_echo(*LENGTH_3)
    assert json.loads(result.stdout)["runs"][0]["steps"] == 3
    notice_line(result.stderr, "not written by lstm-echo for this user")


@pytest.mark.process
def test_a_swapped_executable_never_loads(tmp_path, monkeypatch, warmed, warmed_pair):
    folder = tmp_path / "cache"
    first = warm_copy(warmed_pair, folder, monkeypatch)
    (compiled,) = compile_cache.compiled(warmed[0])  # RUN's compiled program, known by its name
    mine = folder / compiled.name
    (theirs,) = set(compile_cache.compiled(folder)) - {mine}
    mine.write_bytes(theirs.read_bytes())  # another compiled program's bytes under this one's name
    again, stderr = run_in({}, monkeypatch)
    assert numbers(again) == first and again["timings"]["compile_cache"] == "miss"
    notice_line(stderr, "is not the program its record names")


def owned_by_nobody(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a folder to another user needs root")
    os.chown(path, 65534, 65534)


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda f: f.chmod(0o770), "writable by others"),
        (lambda f: f.chmod(0o777), "writable by others"),
        (owned_by_nobody, "belongs to another user"),
        (lambda f: f.parent.chmod(0o777), "can be changed by another user"),
    ],
    ids=["group-writable", "world-writable", "foreign-owned", "a shared folder above"],
)
def test_a_folder_others_can_write_turns_the_cache_off(tmp_path, monkeypatch, capsys, make, reason):
    folder = tmp_path / "shared" / "cache"
    before = made_here(folder, monkeypatch, capsys)
    make(folder)
    cache, stderr = enabled_here(monkeypatch, capsys)
    assert cache is None and compile_cache.FLAG not in os.environ["TF_XLA_FLAGS"]
    notice_line(stderr, "compile cache off for this run", str(folder), reason)
    assert {path: path.read_bytes() for path in folder.iterdir()} == before  # used and changed not at all
    cleared = invoke("cache", "--clear", env={"LSTM_ECHO_CACHE_DIR": str(folder)})
    assert cleared.exit_code == 2 and reason in cleared.stderr and len(list(folder.iterdir())) == 2


@pytest.mark.process
def test_a_cache_turned_off_trains_the_same_numbers(tmp_path, monkeypatch, warmed):
    folder = tmp_path / "shared" / "cache"
    first = warm_copy(warmed, folder, monkeypatch)
    before = {path: path.read_bytes() for path in folder.iterdir()}
    folder.chmod(0o777)
    doc, stderr = run_in({}, monkeypatch)
    assert doc["timings"]["compile_cache"] == "off" and numbers(doc) == first
    notice_line(stderr, "compile cache off for this run", str(folder), "writable by others")
    assert {path: path.read_bytes() for path in folder.iterdir()} == before


@pytest.mark.process
def test_the_folder_and_files_are_private_whatever_the_umask(tmp_path, monkeypatch):
    folder = tmp_path / "new" / "cache"
    run_in(
        {"LSTM_ECHO_CACHE_DIR": str(folder), "XDG_CONFIG_HOME": str(tmp_path / "config")},
        monkeypatch,
        preexec_fn=lambda: os.umask(0),
    )
    for path in (folder, folder.parent, tmp_path / "config" / "lstm-echo"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in [*folder.iterdir(), tmp_path / "config" / "lstm-echo" / "cache.key"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert len(list(folder.iterdir())) == 2  # a record and a program: no staging folder left behind


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (lambda key: key.chmod(0o644), "readable by this user alone"),
        (lambda key: key.parent.chmod(0o777), "writable by others"),
        (lambda key: key.write_bytes(b"short"), "not 32 bytes"),
    ],
    ids=["readable by others", "in a shared folder", "cut short"],
)
def test_a_key_others_can_read_or_change_turns_the_cache_off(tmp_path, monkeypatch, capsys, spoil, reason):
    made_here(tmp_path / "cache", monkeypatch, capsys)
    spoil(tmp_path / "config" / "lstm-echo" / "cache.key")
    cache, stderr = enabled_here(monkeypatch, capsys)
    assert cache is None and compile_cache.FLAG not in os.environ["TF_XLA_FLAGS"]
    notice_line(stderr, "compile cache off for this run", reason)


@pytest.mark.process
@pytest.mark.parametrize("kind", ["a link", "a FIFO"])
def test_a_record_that_is_not_a_plain_file_is_not_read_or_written_through(tmp_path, monkeypatch, warmed, kind):
    folder, victim = tmp_path / "cache", tmp_path / "someone-elses-file"
    victim.write_text("theirs")  # a link is pointed at a file of the test's own: never at a device
    first = warm_copy(warmed, folder, monkeypatch)
    (entry,) = compile_cache.traced(folder)
    entry.unlink()
    if kind == "a FIFO":
        os.mkfifo(entry)
    else:
        entry.symlink_to(victim)
    again, stderr = run_in({}, monkeypatch, timeout=120)
    assert numbers(again) == first
    notice_line(stderr, entry.name)
    assert victim.read_text() == "theirs" and entry.is_file() and not entry.is_symlink()  # replaced, not followed


def test_an_unknown_cache_setting_is_refused_like_an_option(monkeypatch):
    monkeypatch.setenv("LSTM_ECHO_CACHE", "disabled")
    for args in (RUN, ["cache"], ["params"]):
        result = invoke(*args)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.strip() == "Error: Invalid value for LSTM_ECHO_CACHE: 'disabled' (must be on or off)"


@pytest.mark.parametrize("kind", ["under a file", "a file"])
def test_an_unusable_cache_folder_turns_the_cache_off(tmp_path, monkeypatch, capsys, kind):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("mine")
    folder = blocker / "cache" if kind == "under a file" else blocker
    monkeypatch.setenv("LSTM_ECHO_CACHE_DIR", str(folder))
    cache, stderr = enabled_here(monkeypatch, capsys)
    assert cache is None
    (line,) = stderr.strip().splitlines()
    assert line.startswith("Notice: compile cache off") and str(folder) in line
    assert blocker.read_text() == "mine"


@pytest.mark.process
def test_a_file_size_limit_turns_the_cache_off(tmp_path, monkeypatch):
    # TensorFlow would fail the compile whose program it cannot save; the probe finds that first.
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, resource.RLIM_INFINITY))

    doc, stderr = run_in({"LSTM_ECHO_CACHE_DIR": str(tmp_path / "cache")}, monkeypatch, preexec_fn=small_files)
    assert doc["timings"]["compile_cache"] == "off"
    (line,) = stderr.strip().splitlines()
    assert line.startswith("Notice: compile cache off") and "File too large" in line


def test_a_flag_inherited_from_a_parent_process_does_not_decide(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TF_XLA_FLAGS", f"{compile_cache.FLAG}=/elsewhere --tf_xla_auto_jit=0")
    monkeypatch.setenv("LSTM_ECHO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    cache, stderr = enabled_here(monkeypatch, capsys)
    assert cache is not None and stderr == ""
    flags = os.environ["TF_XLA_FLAGS"].split()
    assert flags == ["--tf_xla_auto_jit=0", f"{compile_cache.FLAG}={cache.staging}"]
    assert cache.staging.parent == tmp_path / "cache" and not Path("/elsewhere").exists()


def test_clear_removes_only_cached_programs(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_ECHO_CACHE_DIR", str(tmp_path))
    program = tmp_path / "xla_compile_cache__1__2__XLA_CPU_JIT.pb"
    program.write_bytes(b"x" * 10)
    traced = tmp_path / compile_cache.TRACED.format(key="0123")
    traced.write_bytes(b"y" * 5)
    (tmp_path / "notes.txt").write_text("someone's")
    shown = json.loads(invoke("cache", "--json").stdout)
    assert shown == {"directory": str(tmp_path), "trusted": True, "programs": 1, "traced": 1, "bytes": 15}
    assert "1 compiled program and 1 traced one" in invoke("cache").stdout
    cleared = json.loads(invoke("cache", "--clear", "--json").stdout)
    assert cleared["removed"] == 2 and cleared["programs"] == cleared["traced"] == 0
    assert not program.exists() and not traced.exists() and (tmp_path / "notes.txt").read_text() == "someone's"
    assert "Compile cache" in invoke("cache").stdout
