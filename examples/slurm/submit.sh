#!/bin/bash
# Queue the sweep of sweep.sh as a job array of SHARDS tasks (at most THROTTLE at a time), then a
# merge that runs once every task has ended, however it ended, and says which shards are missing.
# Run it from the folder the results, logs and .venv belong in:
#   ./submit.sh            THROTTLE=8 ./submit.sh
set -euo pipefail
script="$(dirname "$0")/sweep.sh"
shards=$(sed -n 's/^SHARDS=\([0-9][0-9]*\)$/\1/p' "$script")
out=$(sed -n 's/^OUT=\(.*\)$/\1/p' "$script")
mkdir -p logs  # Slurm does not create the folder of --output
array=$(sbatch --parsable --array="0-$((shards - 1))%${THROTTLE:-50}" "$script")
array=${array%%;*}  # "123" or "123;cluster"
# afterany, not afterok: afterok never starts once a task fails, and the merge is what says so.
merge=$(sbatch --parsable --dependency="afterany:$array" --job-name=lstm-echo-merge --output=logs/%x-%j.out \
  --wrap ". \"\${LSTM_ECHO_VENV:-$PWD/.venv}/bin/activate\" && lstm-echo merge ${out%.*}.d/*-of-$shards.${out##*.} --into $out")
merge=${merge%%;*}
echo "array job $array ($shards shards), merge job $merge; watch them with: squeue -j $array,$merge"
echo "then: cat logs/lstm-echo-merge-$merge.out (it names missing shards and the command that re-runs them)"
