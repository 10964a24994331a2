"""The README's lesson on why many-to-many misses at the tutorial's settings, held by the runs it quotes."""

import json

import numpy as np
from conftest import invoke

TOLERANCE = 0.05


def per_seed(*args) -> tuple[list[dict], np.ndarray]:
    """Each seed's row, and each seed's absolute error at every step."""
    doc = json.loads(invoke("run", *args, "--seeds", "20", "--per-seed", "--json").stdout)
    errors = np.abs(np.array([r["predictions"] for r in doc["runs"]]) - np.array(doc["expected"]))
    return doc["runs"], errors


def test_many_to_many_misses_only_its_first_step_and_more_updates_fix_it():
    runs, errors = per_seed("m2m")
    assert all(r["loss_history"][-1] < 0.95 * r["loss_history"][-101] for r in runs)  # every loss still falling
    missed = [not r["learned"] for r in runs]
    assert 0 < sum(missed) < 20
    assert (errors[missed, 1:] < TOLERANCE).all() and (errors[missed, 0] >= TOLERANCE).all()
    shown = invoke("run", "m2m", "--seeds", "20").stdout.replace("\n", " ")
    assert f"where the {sum(missed)} seeds that missed went wrong: step 0 in {sum(missed)} seeds" in shown
    for more in (["--epochs", "2000"], ["--lr", "0.002"]):
        runs, _ = per_seed("m2m", *more)
        assert all(r["learned"] for r in runs), more


def test_the_first_step_is_learned_last():
    # Snapshots of one training: a seeded run of fewer epochs is the start of a longer one.
    _, early = per_seed("m2m", "--epochs", "500")
    median = np.median(early, axis=0)
    assert median[0] > TOLERANCE and (median[1:] < TOLERANCE).all()


def test_stateful_echoes_by_taking_more_updates_not_by_its_memory():
    runs, _ = per_seed("stateful")
    assert all(r["learned"] for r in runs)  # 5,000 updates: one per step per epoch
    runs, errors = per_seed("stateful", "--epochs", "200")  # 1,000 updates, as many as many-to-many takes
    assert not any(r["learned"] for r in runs) and all(r["worst_step"] == 0 for r in runs)
