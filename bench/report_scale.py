"""How `lstm-echo report` scales: a results file of a million runs, reported from the outside.

Run by hand (about a minute, and a 500 MB file in a temporary folder):

    .venv/bin/python bench/report_scale.py [--runs 1000000]

It trains one small sweep for real rows, writes them out again and again with
other seeds (as a sweep of that many runs would), then times
`lstm-echo report FILE --by length` as a whole process: wall seconds, and the
peak of its memory together with the processes it reads the file with
(sampled every 50 ms with ps).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "lstm-echo"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lstm-echo-report-"))
    seed_file = folder / "seed.jsonl"
    sweep = [BIN, "sweep", "m2m", "--length", "3-12", "--epochs", "20", "-q", "--out", seed_file]
    subprocess.run(sweep, check=True, capture_output=True)
    rows = [json.loads(line) for line in seed_file.read_text().splitlines()]
    big = folder / "runs.jsonl"
    with open(big, "w") as out:
        for n in range(args.runs):
            row = rows[n % len(rows)]
            out.write(json.dumps({**row, "seed": n // len(rows)}) + "\n")
    size = big.stat().st_size
    started = time.perf_counter()
    report = subprocess.Popen([BIN, "report", big, "--by", "length", "--json"], stdout=subprocess.PIPE, text=True)
    peak = 0
    while report.poll() is None:
        tree = ["ps", "-o", "rss=", "--pid", str(report.pid), "--ppid", str(report.pid)]
        peak = max(peak, sum(int(n) for n in subprocess.run(tree, capture_output=True, text=True).stdout.split()))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    runs = json.loads(report.stdout.read())["runs"]
    print(f"{runs:,} runs, {size / 2**20:.0f} MB: report in {seconds:.1f} s, peak {peak / 1024:.0f} MB in all")
    os.remove(big)


if __name__ == "__main__":
    main()
