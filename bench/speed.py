"""lstm-echo's training loop against a hand-written JAX peer (bench/jax_peer.py), side by side.

    .venv/bin/pip install -e '.[bench]'      # JAX, the peer: an extra, never the tool's dependency
    .venv/bin/python bench/speed.py [--repeats 3] [--json speed.json] [--skip process,threads,per-run]

Ratios are the peer's time over lstm-echo's (below 1: the peer is faster), each the median
over paired runs. Sections:

  training  the training phase alone (compile excluded), engine and peer on the same data,
            initial weights and sample orders, each side in its own processes, alternating
            (two runtimes in one process slow each other down); final losses side by side. The lengths
            50-400 (100 units, 200 epochs) show how the cost grows with the length. lstm-echo is
            timed twice: as it trains with nothing shown between chunks (`--json`, `-q`, output to
            a file, sweeps, the Python API) and with a progress display (50 reports a run, "shown").
  flops     the training phase of W4 in GFLOP/s (three times the forward pass's matrix
            products) against this machine's float32 matrix product rate (numpy, 2048 x 2048).
  threads   W3, W4 and W4 x 20 models with one thread per operation, two, and lstm-echo's choice.
  per-run   100 small runs in one process through the Python API: the cost of a run after
            the first, split into tracing and cache look-ups, training, and the rest.
  process   whole commands, `lstm-echo run` against the peer as a script (JAX cold, and with
            its persistent compile cache warm), lstm-echo's own compile cache warm.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LENGTHS = {f"L{n}": {"length": n, "neurons": 100, "epochs": 200} for n in (50, 100, 200, 400)}
WORKLOADS = {
    "W1": ({"length": 5}, 1),
    "W2": ({"length": 5}, 100),
    "W3": ({"length": 10, "sequences": 1000}, 1),
    **{name: (settings, 1) for name, settings in LENGTHS.items()},
    "W4 x 20": ({"length": 100, "neurons": 100, "epochs": 200}, 20),
}
W4 = "L100"  # `run many-to-many --length 100 --neurons 100 --epochs 200`


def forward_flops(layers) -> int:
    """Floating-point operations of the matrix products of one sample's forward pass."""
    total = 0
    for spec in layers:
        matrices = spec.weight_shapes[:2] if spec.recurrent else spec.weight_shapes[:1]  # kernels, not biases
        steps = spec.steps if spec.recurrent or spec.time_distributed or spec.sequence_input else 1
        total += sum(2 * rows * columns * steps for rows, columns in matrices)
    return total


def train_alone(name: str, side: str) -> dict:
    """In this process, one side alone (the engine or the peer): compile, then train twice; the
    faster training counts (the first may still be settling its buffers)."""
    sys.path.insert(0, str(HERE))
    import jax_peer

    from lstm_echo import runner, threads

    settings, seeds = WORKLOADS[name]
    e, x, y, weights, orders, samples = jax_peer.job(settings, seeds)
    layers = runner.network_layers(e)
    if side in ("engine", "shown"):
        threads.choose(layers, seeds, e.batch_size)  # before TensorFlow starts
        from lstm_echo.backend import engine
    shown = (lambda done, total, losses: None) if side == "shown" else None  # a progress bar's reports
    seconds, losses = [], None
    for _ in range(2):
        if side == "jax":
            history, _, took = jax_peer.train(weights, x, y, orders, samples, e.batch_size, e.learning_rate)
        else:
            trained = engine.train(
                layers, x, y, weights, seeds=list(range(seeds)), epochs=e.epochs, batch_size=e.batch_size,
                learning_rate=e.learning_rate, on_progress=shown,
            )  # fmt: skip
            history, took = trained.history, trained.train_seconds
        seconds.append(took)
        losses = history[-1]
    return {
        "seconds": min(seconds),
        "final_loss": float(np.min(losses)),
        "threads": os.environ.get(threads.TENSORFLOW_VARIABLE, "default"),
        "gflop": 3 * forward_flops(layers) * samples * e.epochs * seeds / 1e9,
    }


def train_pair(name: str, repeats: int) -> dict:
    """Each side in its own processes, alternating, `repeats` pairs; medians."""
    ours, peers, shown = [], [], []
    for _ in range(repeats):
        ours.append(in_child(["--one", name, "--side", "engine"]))
        peers.append(in_child(["--one", name, "--side", "jax"]))
        shown.append(in_child(["--one", name, "--side", "shown"]))
    ratios = [peer["seconds"] / mine["seconds"] for mine, peer in zip(ours, peers)]
    ratios_shown = [peer["seconds"] / mine["seconds"] for mine, peer in zip(shown, peers)]
    settings, seeds = WORKLOADS[name]
    return {
        "workload": name,
        "settings": settings,
        "seeds": seeds,
        "threads": ours[0]["threads"],
        "lstm_echo_seconds": statistics.median(r["seconds"] for r in ours),
        "jax_seconds": statistics.median(r["seconds"] for r in peers),
        "jax_over_lstm_echo": statistics.median(ratios),
        "lstm_echo_shown_seconds": statistics.median(r["seconds"] for r in shown),
        "jax_over_lstm_echo_shown": statistics.median(ratios_shown),
        "lstm_echo_final_loss": ours[0]["final_loss"],
        "jax_final_loss": peers[0]["final_loss"],
        "gflop": ours[0]["gflop"],
    }


def in_child(arguments: list[str], environment: dict | None = None) -> dict:
    """Run this script with `arguments` in a fresh process; its JSON answer."""
    env = {**os.environ, **(environment or {})}
    done = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, env=env, check=True, cwd=ROOT
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def matmul_rate() -> float:
    """This machine's float32 matrix product rate in GFLOP/s (numpy's BLAS, every core)."""
    a = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
    a @ a
    seconds = []
    for _ in range(5):
        started = time.perf_counter()
        a @ a
        seconds.append(time.perf_counter() - started)
    return 2 * 2048**3 / min(seconds) / 1e9


def per_run(count: int) -> dict:
    """`count` small runs through the API after a first: where a run's time goes."""
    import lstm_echo

    lstm_echo.run("many-to-many", epochs=10)
    walls, compiles, trains = [], [], []
    for seed in range(count):
        started = time.perf_counter()
        result = lstm_echo.run("many-to-many", epochs=10, seed=seed)
        walls.append(time.perf_counter() - started)
        timings = result.first.timings
        compiles.append(timings["compile_seconds"])
        trains.append(timings["train_seconds"])
    wall, compiled, trained = (statistics.median(v) for v in (walls, compiles, trains))
    return {"runs": count, "wall": wall, "compile": compiled, "train": trained, "rest": wall - compiled - trained}


def timed(command: list[str], repeats: int, environment: dict | None = None) -> float:
    env = {**os.environ, **(environment or {})}
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env, cwd=ROOT)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def processes(repeats: int) -> list[dict]:
    lstm_echo = str(Path(sys.executable).with_name("lstm-echo"))
    peer = [sys.executable, str(HERE / "jax_peer.py"), "--length", "5"]
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        for name, extra in (("W1", []), ("W2", ["--seeds", "100"])):
            ours = [lstm_echo, "run", "many-to-many", *extra, "--json"]
            subprocess.run(ours, capture_output=True, check=True, cwd=ROOT)  # lstm-echo's own cache warm
            subprocess.run([*peer, *extra, "--cache", cache], capture_output=True, check=True, cwd=ROOT)
            mine = timed(ours, repeats)
            cold = timed([*peer, *extra], repeats)
            warm = timed([*peer, *extra, "--cache", cache], repeats)
            rows.append({"workload": name, "lstm_echo": mine, "jax": cold, "jax_cached": warm})
    return rows


def report(args) -> dict:
    skip = set(args.skip.split(",")) if args.skip else set()
    results: dict = {}
    print("Training phase (compile excluded), medians of paired runs; ratio = JAX / lstm-echo\n")
    print(
        f"{'workload':<10}{'lstm-echo s':>12}{'JAX s':>9}{'ratio':>8}{'shown s':>9}{'ratio':>7}{'threads':>9}"
        "   final loss (lstm-echo, JAX)"
    )
    rows = []
    for name in ("W1", "W2", "W3", *LENGTHS):
        row = train_pair(name, args.repeats)
        rows.append(row)
        print(
            f"{name:<10}{row['lstm_echo_seconds']:>12.3f}{row['jax_seconds']:>9.3f}{row['jax_over_lstm_echo']:>8.2f}"
            f"{row['lstm_echo_shown_seconds']:>9.3f}{row['jax_over_lstm_echo_shown']:>7.2f}"
            f"{row['threads']:>9}   {row['lstm_echo_final_loss']:.6g}, {row['jax_final_loss']:.6g}"
        )
    by = {row["workload"]: row for row in rows}
    growth = by["L400"]["lstm_echo_seconds"] / by["L50"]["lstm_echo_seconds"]
    print(f"\nLength 400 costs {growth:.1f}x length 50 (8x the steps)")
    results["training"], results["growth_400_over_50"] = rows, growth

    if "flops" not in skip:
        rate = matmul_rate()
        w4 = by[W4]
        ours, theirs = w4["gflop"] / w4["lstm_echo_seconds"], w4["gflop"] / w4["jax_seconds"]
        print(
            f"\nW4 ({w4['gflop']:.2f} GFLOP): lstm-echo {ours:.1f} GFLOP/s, JAX {theirs:.1f}, "
            f"this machine's float32 matrix product {rate:.0f} ({100 * ours / rate:.0f}% and {100 * theirs / rate:.0f}%)"
        )
        results["flops"] = {"lstm_echo": ours, "jax": theirs, "matmul": rate}

    if "threads" not in skip:
        print("\nThreads per operation (training seconds, lstm-echo):")
        rows = []
        for name in ("W3", W4, "W4 x 20"):
            row = {"workload": name}
            for label, value in (("1", "1"), ("2", "2"), ("auto", "auto")):
                runs = [in_child(["--one", name, "--side", "engine"], {"LSTM_ECHO_THREADS": value}) for _ in range(3)]
                row[label] = statistics.median(run["seconds"] for run in runs)
            rows.append(row)
            print(f"  {name:<8} one {row['1']:.3f}   two {row['2']:.3f}   chosen {row['auto']:.3f}")
        results["threads"] = rows

    if "per-run" not in skip:
        cost = in_child(["--per-run", "100"])
        print(
            f"\nA run after the first, in one process (median of {cost['runs']}, `lstm_echo.run('many-to-many', "
            f"epochs=10)`): {1000 * cost['wall']:.1f} ms: {1000 * cost['compile']:.1f} ms finding its program, "
            f"{1000 * cost['train']:.1f} ms training, {1000 * cost['rest']:.1f} ms the rest"
        )
        results["per_run"] = cost

    if "process" not in skip:
        print("\nWhole processes (seconds, medians):")
        rows = processes(args.repeats)
        for row in rows:
            print(
                f"  {row['workload']}: lstm-echo {row['lstm_echo']:.2f}, JAX {row['jax']:.2f} "
                f"(ratio {row['jax'] / row['lstm_echo']:.2f}), JAX cached {row['jax_cached']:.2f} "
                f"(ratio {row['jax_cached'] / row['lstm_echo']:.2f})"
            )
        results["process"] = rows
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--skip", help="sections to leave out: flops, threads, per-run, process")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child: one workload, one side
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--per-run", type=int, help=argparse.SUPPRESS)  # a child: the per-run cost
    args = parser.parse_args()
    if args.one:
        print(json.dumps(train_alone(args.one, args.side)))
    elif args.per_run:
        print(json.dumps(per_run(args.per_run)))
    else:
        results = report(args)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
