"""The traced training program kept between runs: loaded, it trains as traced; its key and names."""

import errno
import itertools
import shutil
import types

import numpy as np
import pytest
from test_engine import setup

from lstm_echo.backend import compile_cache, engine, traced_programs
from lstm_echo.backend.quiet_tf import tf


def train(length=4):
    layers, x, y, weights = setup("m2m", length=length)
    return engine.train(
        layers, x, y, [w[None] for w in weights], seeds=[0], epochs=20, batch_size=1, learning_rate=0.001
    )


FRESH_NAMES = itertools.count(1000, 1000)  # each test's programs under names no test registered before


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of the test's own, and names this process has not registered yet."""
    process = compile_cache.active
    assert process is not None, "the tests run with the cache on"
    monkeypatch.setattr(compile_cache, "active", compile_cache.Cache(tmp_path, process.staging, process.key))
    monkeypatch.setattr(traced_programs, "renamings", next(FRESH_NAMES))
    monkeypatch.setattr(traced_programs, "reading", True)
    return tmp_path


def traced_arguments(length=4, models=1):
    layers, x, y, weights = setup("m2m", length=length)
    ws = [tf.constant(np.stack([w] * models)) for w in weights]
    orders = tf.zeros((models, 20, 1), tf.int32)
    settings = (tuple(layers), 1, 1, 20, 1, 0)
    return settings, (
        ws,
        ws,
        ws,
        tf.constant(0.0),
        tf.constant(0.001),
        tf.constant(x),
        tf.constant(y),
        tf.zeros(1),
        orders,
        tf.constant(0),
        tf.constant(0),
        tf.constant(20),
    )


@pytest.mark.parametrize("links", [True, False], ids=["hard links", "no hard links"])
def test_a_loaded_program_trains_as_the_traced_one_did(cache, monkeypatch, links):
    traced = train()
    assert len(compile_cache.traced(cache)) == len(compile_cache.compiled(cache)) == 1

    def no_tracing(*args):
        raise AssertionError("traced again")

    def no_links(*args):
        raise OSError(errno.EPERM, "Operation not permitted")  # as on some network mounts

    monkeypatch.setattr(traced_programs, "trace", no_tracing)
    if not links:
        monkeypatch.setattr(compile_cache.os, "link", no_links)
    monkeypatch.setattr(traced_programs, "renamings", traced_programs.renamings + 1)  # registered anew, from the file
    loaded = train()
    np.testing.assert_array_equal(loaded.history, traced.history)
    np.testing.assert_array_equal(loaded.predictions, traced.predictions)
    for ours, theirs in zip(loaded.weights, traced.weights):
        np.testing.assert_array_equal(ours, theirs)


def test_a_renamed_library_calls_only_its_own_functions():
    settings, arguments = traced_arguments()
    library = traced_programs.renamed(traced_programs.trace(engine.compiled_chunk(*settings), arguments), "p")
    names = [f.signature.name for f in library.function]
    assert names[-1] == "p" and sorted(names[:-1]) == sorted(f"p_f{i}" for i in range(1, len(names)))
    called = set()
    for function in library.function:
        for node in function.node_def:
            for value in node.attr.values():
                called |= {value.func.name} if value.HasField("func") else set()
                called |= {f.name for f in value.list.func}
    assert called and called <= set(names)  # the loops' bodies and conditions, under their new names
    assert library.function[-1].attr["_XlaMustCompile"].b  # still compiled by XLA as a whole


def test_the_key_follows_the_code_tensorflow_and_the_shapes(monkeypatch, tmp_path):
    settings, arguments = traced_arguments()
    key = traced_programs.key(settings, arguments)
    assert traced_programs.key(settings, arguments) == key
    assert traced_programs.key(settings[:-1] + (2,), arguments) != key
    assert traced_programs.key(*traced_arguments(models=2)) != key
    monkeypatch.setattr(tf.version, "VERSION", "0.0.0")
    assert traced_programs.key(settings, arguments) != key
    monkeypatch.undo()

    copy = tmp_path / "lstm_echo"
    shutil.copytree(traced_programs.SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(traced_programs, "SOURCE", copy)
    traced_programs.source_digest.cache_clear()
    try:
        before = traced_programs.key(settings, arguments)
        network = copy / "backend" / "network.py"  # a file in a subpackage counts as much as one at the top
        network.write_text(network.read_text() + "\n# changed\n")
        traced_programs.source_digest.cache_clear()
        assert traced_programs.key(settings, arguments) != before
    finally:
        monkeypatch.undo()
        traced_programs.source_digest.cache_clear()


def test_a_traced_program_that_cannot_be_saved_is_a_notice(cache, monkeypatch, capsys):
    def full_disk(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(compile_cache.os, "replace", full_disk)
    trained = train(length=3)
    assert np.isfinite(trained.history).all()
    line = capsys.readouterr().err.strip()
    assert line == (
        f"Notice: could not save the program in {cache} (No space left on device); "
        "the next run traces and compiles it again"
    )
    assert list(cache.iterdir()) == [] and list(compile_cache.active.staging.iterdir()) == []  # nothing left behind


def test_a_tensorflow_without_the_call_by_name_trains_the_same_numbers(cache, monkeypatch, capsys):
    expected = train(length=3)
    assert expected.compile_cache == "miss"
    monkeypatch.setattr(traced_programs, "context", types.SimpleNamespace())  # the private API gone
    monkeypatch.setattr(traced_programs, "renamings", traced_programs.renamings + 1)  # not registered yet
    monkeypatch.setattr(traced_programs, "reading", False)  # as after an upgrade: nothing cached for this version
    capsys.readouterr()
    fallen = train(length=3)
    notice = capsys.readouterr().err
    assert notice.startswith("Notice: calling the training program by name failed in TensorFlow ")
    assert notice.count("\n") == 1 and "it is traced in each process instead" in notice
    assert traced_programs.by_name is False and fallen.compile_cache == "off"
    np.testing.assert_allclose(fallen.history, expected.history, rtol=1e-6)
    np.testing.assert_allclose(fallen.predictions, expected.predictions, rtol=1e-6)
    assert train(length=3).compile_cache == "off" and capsys.readouterr().err == ""  # said once
