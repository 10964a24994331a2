"""Side-by-side timings: plain Keras `fit` against lstm-echo's compiled engine.

Run by hand, not in CI (the Keras baseline alone takes about a minute):

    .venv/bin/python bench/bench.py [--repeats 3] [--seeds 100] [--json bench.json]

For each tutorial experiment at its tutorial settings it times, in this one
process and on the same initial weights:

  a  Keras: `model.fit(X, y, epochs, batch_size, verbose=0)` on a fresh model
  b  lstm-echo's engine training one seed (compile included, and without)
  c  lstm-echo's engine training `--seeds` seeds together in one program

and reports medians over the repeats, the ratios a/b and c/b, final losses and
whether each echoes. Then it times a held-out data set, 1000 random sequences
of length 10 (many-to-many, the defaults of `--sequences`: batch 32, 100
epochs), the same way: Keras `fit` (shuffling, as by default) against the
engine, with the held-out echo rate of each. Last it times whole commands in
fresh processes. `--held-out` runs the data-set comparison alone.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

from lstm_echo import architectures, config, data, runner
from lstm_echo.backend import engine, keras_model, traced_programs
from lstm_echo.backend.quiet_tf import tf  # noqa: F401  (silences TensorFlow before Keras loads)
from lstm_echo.initializers import initial_weights
from lstm_echo.verdict import judge

COMMANDS = [
    ["lstm-echo", "--help"],
    ["lstm-echo", "params"],
    ["lstm-echo", "run", "many-to-many"],
]


def median_time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def keras_fit(layers, x, y, weights, e):
    model = keras_model.build(layers, e.learning_rate)
    model.set_weights(weights)
    started = time.perf_counter()
    model.fit(x, y, epochs=e.epochs, batch_size=e.batch_size, verbose=0)
    seconds = time.perf_counter() - started
    return seconds, data.flatten(model.predict(x, verbose=0))


def engine_fit(layers, x, y, seeds, e, x_test=None):
    traced_programs.start_afresh()  # every repeat traces and compiles, as a run of new shapes does
    stacked = [np.stack(ws) for ws in zip(*(initial_weights(layers, s) for s in seeds))]
    return engine.train(
        layers,
        x,
        y,
        stacked,
        seeds=seeds,
        epochs=e.epochs,
        batch_size=e.batch_size,
        learning_rate=e.learning_rate,
        x_test=x_test,
    )


def bench_architecture(name, repeats, n_seeds):
    e = config.resolve({"architecture": name})
    arch = architectures.get(name)
    sequence = data.echo_sequence(e.length)
    x, y = arch.frame(sequence, sequence)
    layers = runner.network_layers(e)
    expected = data.flatten(y)

    keras_runs = [keras_fit(layers, x, y, initial_weights(layers, e.seed), e) for _ in range(repeats)]
    keras_seconds = statistics.median(s for s, _ in keras_runs)
    keras_pred = keras_runs[-1][1]

    one_wall, one = median_time(lambda: engine_fit(layers, x, y, [e.seed], e), repeats)
    one_train = one.train_seconds
    many_wall, many = median_time(lambda: engine_fit(layers, x, y, list(range(n_seeds)), e), repeats)
    one_pred = data.flatten(one.predictions[0])
    many_echoed = sum(judge(expected, data.flatten(p)).learned for p in many.predictions)
    return {
        "architecture": name,
        "epochs": e.epochs,
        "batch_size": e.batch_size,
        "keras_fit_seconds": keras_seconds,
        "keras_final_loss": float(np.mean((keras_pred - expected) ** 2)),
        "keras_echoed": judge(expected, keras_pred).learned,
        "engine_seconds": one_wall,
        "engine_train_seconds": one_train,
        "engine_final_loss": float(np.mean((one_pred - expected) ** 2)),
        "engine_echoed": judge(expected, one_pred).learned,
        "seeds": n_seeds,
        "seeds_seconds": many_wall,
        "seeds_train_seconds": many.train_seconds,
        "seeds_echoed": int(many_echoed),
        "speedup_vs_keras": keras_seconds / one_wall,
        "speedup_vs_keras_excluding_compile": keras_seconds / one_train,
        "seeds_cost_vs_one": many_wall / one_wall,
    }


HELD_OUT = {"architecture": "many-to-many", "sequences": 1000, "length": 10}


def bench_held_out(repeats):
    """Keras `fit` against the engine on a data set of random sequences, judged on held-out ones."""
    e = config.resolve(HELD_OUT)
    arch = architectures.get(e.architecture)
    sets = runner.data_set(e)
    x, y = arch.frame(sets.train_inputs, sets.train_targets)
    x_test = arch.frame(sets.test_inputs, sets.test_targets)[0]
    layers = runner.network_layers(e)
    weights = initial_weights(layers, e.seed)

    def keras_run():
        model = keras_model.build(layers, e.learning_rate)
        model.set_weights(weights)
        model.fit(x, y, epochs=e.epochs, batch_size=e.batch_size, verbose=0)
        return model.predict(x_test, verbose=0)

    keras_seconds, keras_test = median_time(keras_run, repeats)
    engine_seconds, trained = median_time(lambda: engine_fit(layers, x, y, [e.seed], e, x_test=x_test), repeats)
    return {
        **HELD_OUT,
        "epochs": e.epochs,
        "batch_size": e.batch_size,
        "keras_fit_seconds": keras_seconds,
        "engine_seconds": engine_seconds,
        "engine_train_seconds": trained.train_seconds,
        "speedup_vs_keras": keras_seconds / engine_seconds,
        "speedup_vs_keras_excluding_compile": keras_seconds / trained.train_seconds,
        "keras_test_echo_rate": judge(sets.test_targets, data.per_sequence(keras_test, e.length)).echo_rate,
        "engine_test_echo_rate": judge(
            sets.test_targets, data.per_sequence(trained.test_predictions[0], e.length)
        ).echo_rate,
    }


def print_held_out(r):
    print(
        f"held out: {r['sequences']} sequences of length {r['length']}, {r['architecture']}, "
        f"batch {r['batch_size']}, {r['epochs']} epochs\n"
        f"  keras fit {r['keras_fit_seconds']:.2f}s  engine {r['engine_seconds']:.2f}s "
        f"(train {r['engine_train_seconds']:.2f}s)  a/b {r['speedup_vs_keras']:.1f}x "
        f"(train alone {r['speedup_vs_keras_excluding_compile']:.1f}x)  held-out echo rate keras / engine "
        f"{r['keras_test_echo_rate']:.0%} / {r['engine_test_echo_rate']:.0%}"
    )


def bench_commands(repeats):
    exe = shutil.which("lstm-echo") or os.path.join(os.path.dirname(sys.executable), "lstm-echo")
    rows = []
    for command in COMMANDS:
        argv = [exe, *command[1:]]
        seconds, _ = median_time(lambda argv=argv: subprocess.run(argv, capture_output=True, check=True), repeats)
        rows.append({"command": " ".join(command), "wall_seconds": seconds})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--held-out", action="store_true", help="only the held-out data-set comparison")
    args = parser.parse_args()
    held_out = bench_held_out(args.repeats)
    print_held_out(held_out)
    if args.held_out:
        return

    # The tutorial's three experiments.
    results = [bench_architecture(a.name, args.repeats, args.seeds) for a in architectures.REGISTRY[:3]]

    print(
        f"{'architecture':<13} {'keras fit':>10} {'engine':>8} {'(train)':>8} {'a/b':>7} "
        f"{args.seeds:>4} seeds {'c/b':>5}  final loss keras / engine   echo keras / engine / seeds"
    )
    for r in results:
        print(
            f"{r['architecture']:<13} {r['keras_fit_seconds']:>9.2f}s {r['engine_seconds']:>7.2f}s "
            f"{r['engine_train_seconds']:>7.3f}s {r['speedup_vs_keras']:>6.1f}x {r['seeds_seconds']:>9.2f}s "
            f"{r['seeds_cost_vs_one']:>5.2f}  {r['keras_final_loss']:.2e} / {r['engine_final_loss']:.2e}"
            f"       {r['keras_echoed']!s:>5} / {r['engine_echoed']!s:>5} / {r['seeds_echoed']}/{r['seeds']}"
        )
    commands = bench_commands(args.repeats)
    for c in commands:
        print(f"{c['command']:<30} {c['wall_seconds']:.2f}s wall")
    if args.json:
        with open(args.json + ".tmp", "w") as out:
            document = {"architectures": results, "held_out": held_out, "commands": commands, "repeats": args.repeats}
            json.dump(document, out, indent=2)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
