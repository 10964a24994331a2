#!/bin/bash
# One shard of an lstm-echo sweep per task of a Slurm job array. Submit it with submit.sh, which
# sets the array from SHARDS below and queues the merge; re-run shards 3 and 7 alone with
#   sbatch --array=3,7 sweep.sh
#SBATCH --job-name=lstm-echo-sweep
#SBATCH --cpus-per-task=1
#SBATCH --output=logs/%x-%A_%a.out
#SBATCH --open-mode=append
#SBATCH --requeue
set -euo pipefail

# The sweep: its grid and seeds, its results file, and how many shards it is cut into. SHARDS is
# read by submit.sh too, so it is written here once; choose it with `lstm-echo sweep ... --plan N`.
SHARDS=4
OUT=runs.jsonl
GRID=(m2m,o2o --length 3,4 --epochs 20 --seeds 2)

# A job started with --export=NONE, or from a clean login, has no lstm-echo on its PATH: activate
# the environment lstm-echo was installed in (by default .venv where the job was submitted).
# shellcheck disable=SC1091
. "${LSTM_ECHO_VENV:-${SLURM_SUBMIT_DIR:-.}/.venv}/bin/activate"

# Slurm counts a task's requeues; with --open-mode=append each attempt adds to the same log.
echo "shard $SLURM_ARRAY_TASK_ID of $SHARDS, attempt $((${SLURM_RESTART_COUNT:-0} + 1)), on $(hostname)"
# Each task writes runs.d/K-of-N.jsonl and resumes it after a requeue; the first also writes the
# plan (runs.d/plan.json) that merge and status check the shards against.
lstm-echo sweep "${GRID[@]}" --quiet --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" --out "$OUT"
