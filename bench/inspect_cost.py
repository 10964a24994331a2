"""What looking inside costs: `inspect` against `run` on the same settings, and the connectivity of 100 seeds.

Run by hand, not in CI (about two minutes):

    .venv/bin/python bench/inspect_cost.py [--repeats 5] [--json inspect.json]

Each row is a fresh process, timed from outside, with a warm compile cache
(median of the repeats, the commands interleaved so that both see the same
machine):

  run                          lstm-echo run many-to-many --json
  inspect                      lstm-echo inspect many-to-many --json
  inspect --connectivity       the same, with the connectivity matrix and source score

then, in this process, the connectivity of 100 many-to-many networks of length
20 (one traced program for all of them): the first call, which traces it, and
a second one.
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

BIN = Path(sys.executable).parent
LSTM_ECHO = str(BIN / "lstm-echo")
COMMANDS = {
    "run": ["run", "many-to-many", "--json", "-q"],
    "inspect": ["inspect", "many-to-many", "--json", "-q"],
    "inspect --connectivity": ["inspect", "many-to-many", "--json", "-q", "--connectivity"],
}


def process_seconds(arguments: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([LSTM_ECHO, *arguments], check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def hundred_seeds() -> tuple[float, float]:
    import numpy as np

    from lstm_echo import architectures, inspection
    from lstm_echo.backend import probes
    from lstm_echo.initializers import initial_weights

    arch = architectures.get("many-to-many")
    layers = arch.layers(20, 20)
    weights = [np.stack(ws) for ws in zip(*(initial_weights(layers, seed) for seed in range(100)))]
    x, positions = inspection.framed(arch, np.linspace(0, 0.95, 20, dtype=np.float32))
    times = []
    for _ in range(2):
        started = time.perf_counter()
        probes.connectivity(layers, weights, x, positions)
        times.append(time.perf_counter() - started)
    return times[0], times[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    options = parser.parse_args()

    env = {**os.environ, "LSTM_ECHO_CACHE_DIR": tempfile.mkdtemp(prefix="lstm-echo-bench-")}
    for arguments in COMMANDS.values():
        process_seconds(arguments, env)  # fill the cache
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(options.repeats):
        for name, arguments in COMMANDS.items():
            times[name].append(process_seconds(arguments, env))
    figures = {name: statistics.median(values) for name, values in times.items()}
    first, again = hundred_seeds()
    figures |= {"connectivity 100 seeds, length 20 (first call)": first, "the same, again": again}

    for name, value in figures.items():
        print(f"{name:48} {value:6.2f} s")
    print(
        f"inspect adds {figures['inspect'] - figures['run']:+.2f} s over run; "
        f"with --connectivity {figures['inspect --connectivity'] - figures['run']:+.2f} s"
    )
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
