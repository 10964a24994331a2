"""Start-up, side by side: what a whole `lstm-echo` process costs against importing TensorFlow.

Run by hand, not in CI (about five minutes):

    .venv/bin/python bench/startup.py [--repeats 3] [--json startup.json]

Each row is a fresh process, timed from outside (median of the repeats, which are taken
in rounds: every row once, then again):

  import tensorflow            python -c "import tensorflow": the floor
  run, cache cold / warm       lstm-echo run many-to-many --json, with an empty compile
                               cache folder every time / with one already holding its program
  plain Keras script           bench/keras_script.py: the same experiment with model.fit
  100 seeds                    lstm-echo run many-to-many --seeds 100 --json (warm)
  shell loop of 10 / sweep     10 runs of lengths 5..14 one after another / one sweep of them
                               (each with its own empty cache folder)
  --help, params, architectures

and prints the ratios the project holds itself to.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
LSTM_ECHO = str(BIN / "lstm-echo")
RUN = [LSTM_ECHO, "run", "many-to-many", "--json", "-q"]
LENGTHS = range(5, 15)


def seconds(commands: list[list[str]], env: dict) -> float:
    """Wall time of running `commands` one after another."""
    started = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, capture_output=True, env={**os.environ, **env})
    return time.perf_counter() - started


def timed(commands: list[list[str]], fresh_cache: bool = False, cache: str | None = None) -> float:
    """One timing of `commands`, in an empty cache folder of their own or in `cache`."""
    folder = tempfile.mkdtemp(prefix="lstm-echo-bench-") if fresh_cache else cache
    env = {"LSTM_ECHO_CACHE_DIR": folder} if folder else {}
    try:
        return seconds(commands, env)
    finally:
        if fresh_cache:
            shutil.rmtree(folder, ignore_errors=True)


def medians(repeats: int, rows: dict) -> dict[str, float]:
    """The median time of each row, its repeats taken in rounds (every row once per round), so
    a spell of a busy machine lands on every row alike instead of on a few."""
    times: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(repeats):
        for name, (commands, options) in rows.items():
            times[name].append(timed(commands, **options))
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    r = args.repeats
    # The light commands first, before the heavy rows leave the machine busy.
    light = medians(r, {name: ([[LSTM_ECHO, name]], {}) for name in ("--help", "params", "architectures")})
    warm = tempfile.mkdtemp(prefix="lstm-echo-bench-warm-")
    seconds([RUN, [*RUN, "--seeds", "100"]], {"LSTM_ECHO_CACHE_DIR": warm})  # fill it

    sweep = [LSTM_ECHO, "sweep", "m2m", "--length", f"{LENGTHS[0]}-{LENGTHS[-1]}", "--json", "-q"]
    rows = medians(
        r,
        {
            "import tensorflow": ([[sys.executable, "-c", "import tensorflow"]], {}),
            "run, cache cold": ([RUN], {"fresh_cache": True}),
            "run, cache warm": ([RUN], {"cache": warm}),
            "plain Keras script": ([[sys.executable, str(HERE / "keras_script.py")]], {}),
            "run --seeds 100, warm": ([[*RUN, "--seeds", "100"]], {"cache": warm}),
            "shell loop of 10 runs": ([[*RUN, "--length", str(n)] for n in LENGTHS], {"fresh_cache": True}),
            "one sweep of the 10": ([sweep], {"fresh_cache": True}),
        },
    )
    rows.update(light)
    shutil.rmtree(warm, ignore_errors=True)
    floor = rows["import tensorflow"]
    ratios = {
        "run warm / import tensorflow (target <= 1.5)": rows["run, cache warm"] / floor,
        "run cold / import tensorflow (target <= 2)": rows["run, cache cold"] / floor,
        "plain Keras script / run warm (target >= 10)": rows["plain Keras script"] / rows["run, cache warm"],
        "100 seeds / 1 seed, warm (target <= 1.2)": rows["run --seeds 100, warm"] / rows["run, cache warm"],
        "shell loop / sweep": rows["shell loop of 10 runs"] / rows["one sweep of the 10"],
    }
    for name, value in rows.items():
        print(f"{name:<28} {value:7.2f} s")
    for name, value in ratios.items():
        print(f"{name:<46} {value:6.2f}x")
    if args.json:
        with open(args.json + ".tmp", "w") as out:
            json.dump({"seconds": rows, "ratios": ratios, "repeats": r}, out, indent=2)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
