"""What one compiled call of the training program costs beyond the epochs it trains.

    .venv/bin/python bench/call_cost.py [--calls 400]

With a progress display the engine trains a run's epochs in 50 calls
(`program_shape.PROGRESS_UPDATES`), so a call's own cost is paid 50 times a run. For each
shape this trains `--calls` epochs at one epoch a call and at 50 epochs a call, each in a
fresh process (TensorFlow's threads are chosen as it starts, as `lstm-echo run` chooses
them), and prints the difference: the cost of a call. Run it under `taskset -c 0` to see
what of that cost is a hand-off between cores.
"""

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHAPES = [(5, 5), (50, 5), (5, 100), (50, 100)]  # (length, neurons), batches of one sequence
WHOLE = 50  # epochs a call in the reference measurement


def per_call(length: int, neurons: int, chunk: int, epochs: int) -> float:
    """In this process: seconds per call, training `epochs` epochs `chunk` to a call (best of two)."""
    sys.path.insert(0, str(HERE))
    import jax_peer  # lstm-echo's own data and weights for a shape; JAX is not imported

    from lstm_echo import program_shape, runner, threads

    e, x, y, weights, _, _ = jax_peer.job({"length": length, "neurons": neurons, "epochs": epochs}, 1)
    layers = runner.network_layers(e)
    threads.choose(layers, 1, e.batch_size)
    from lstm_echo.backend import engine

    program_shape.chunk = lambda _: chunk
    best = float("inf")
    for _ in range(2):
        trained = engine.train(
            layers, x, y, weights, seeds=[0], epochs=epochs, batch_size=1, learning_rate=e.learning_rate,
            on_progress=lambda done, total, losses: None,  # reported: a call a chunk
        )  # fmt: skip
        best = min(best, trained.train_seconds)
    return best / (epochs // chunk)


def in_child(*arguments: int) -> float:
    done = subprocess.run(
        [sys.executable, __file__, "--one", *map(str, arguments)], capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=400, help="epochs trained at one epoch a call")
    parser.add_argument("--one", type=int, nargs=4, help=argparse.SUPPRESS)  # a child: length, neurons, chunk, epochs
    args = parser.parse_args()
    if args.one:
        print(per_call(*args.one))
        return
    print(f"{'length':>6} {'units':>5} {'1 epoch a call':>15} {'an epoch of 50':>15} {'the call':>9}")
    for length, neurons in SHAPES:
        single = in_child(length, neurons, 1, args.calls)
        epoch = in_child(length, neurons, WHOLE, max(WHOLE, args.calls // WHOLE * WHOLE)) / WHOLE
        call = single - epoch
        print(f"{length:>6} {neurons:>5} {single * 1e6:>12.0f} µs {epoch * 1e6:>12.0f} µs {call * 1e6:>6.0f} µs")


if __name__ == "__main__":
    main()
