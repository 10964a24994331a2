"""The adding problem's training rate: sequences and steps a second, and how it scales with seeds.

    .venv/bin/python bench/adding.py [--length 100] [--sequences 40000] [--seeds 1,10,100] [--repeats 2]

Each row trains `--sequences` fresh sequences per model (a budget no model stops within, so every
row does the same work), in its own process, with the threads lstm-echo chooses. Compile time is
excluded and shown apart. Steps are the padded steps computed (every sequence of a batch runs to the
longest length, T + T/10), so steps a second is the engine's rate, not only the useful part of it.
"""

import argparse
import json
import statistics
import subprocess
import sys

from lstm_echo import reproduction


def one(length: int, sequences: int, models: int) -> dict:
    """Train `models` LSTMs (the defaults of `reproduce adding`) on `sequences` each, in this process."""
    from lstm_echo import threads
    from lstm_echo.layers import CELLS

    d = reproduction.DEFAULTS
    threads.choose(reproduction.layers(CELLS["lstm"], d.neurons, length, True), models, d.batch_size)
    from lstm_echo.backend import long_lag

    trained = long_lag.train(
        CELLS["lstm"], d.neurons, length, seeds=list(range(models)), batch=d.batch_size,
        learning_rate=d.learning_rate, max_sequences=sequences, forget_bias=d.forget_bias,
        chunk_sequences=sequences,
    )  # fmt: skip
    assert trained.sequences_seen == sequences and (trained.stopped_at < 0).all(), "a model stopped: shorten the run"
    return {"compile_seconds": trained.compile_seconds, "train_seconds": trained.train_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--sequences", type=int, default=40_000)
    parser.add_argument("--seeds", default="1,10,100")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child: this many models, JSON out
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.length, args.sequences, args.one)))
        return

    steps = reproduction.longest(args.length, True)
    print(f"adding problem, T = {args.length} (padded to {steps} steps), {args.sequences:,} sequences per model")
    print(f"{'seeds':>6} {'compile s':>10} {'train s':>8} {'seq/s':>9} {'steps/s':>11} {'per seed x1':>12}")
    single = None
    for models in map(int, args.seeds.split(",")):
        runs = []
        for _ in range(args.repeats):
            command = [sys.executable, __file__, "--one", str(models), "--length", str(args.length)]
            out = subprocess.run([*command, "--sequences", str(args.sequences)], capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(out.stderr)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        seconds = min(r["train_seconds"] for r in runs)
        rate = models * args.sequences / seconds
        single = single or rate / models
        print(
            f"{models:>6} {statistics.median(r['compile_seconds'] for r in runs):>10.1f} {seconds:>8.1f} "
            f"{rate:>9,.0f} {rate * steps:>11,.0f} {rate / single:>11.1f}x"
        )


if __name__ == "__main__":
    main()
