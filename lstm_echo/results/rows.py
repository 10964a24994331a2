"""The two row layouts that every command's JSON and every results file share (no TensorFlow).

A run row is one trained model, one seed of one setting:

    architecture task cell layers length neurons epochs batch_size learning_rate seed
    sequences test_sequences data_seed
    params learned steps_correct steps tolerance worst_step max_error final_loss
    train test seconds models_trained_together provenance predictions [loss_history]

`provenance` is an object of strings, {lstm_echo, tensorflow, keras, numpy,
python, host, cpu, finished}: what made the run, and when it finished (UTC).
It is never part of what identifies a run.

`train` and `test` are objects, {mse, echo_rate, sequences}: the figures on the
training data and on the held-out sequences (`test` is null without
`--sequences`). The verdict columns (learned ... max_error) are about the
held-out sequences when there are some, else about the one fixed sequence;
`predictions` are those of the sequences a report shows (the fixed one, or the
first three held-out ones, one after another).

An aggregate row is the runs of one setting over its seeds:

    architecture task cell layers length neurons epochs batch_size learning_rate
    sequences test_sequences data_seed seeds params runs runs_learned learned_rate diverged
    median_final_loss worst_final_loss median_test_echo_rate median_test_mse median_seconds

`learned` means every step came within `tolerance` of its target, whatever the
task (for `echo`: the run echoed); on held-out data, that at least 95% of the
test sequences did (see `verdict`). A loss that is not finite is written as
null. `seeds` is how the seeds are written on the command line (`0-19`).
"""

import functools
import math

import numpy as np

from lstm_echo import config, provenance
from lstm_echo.results.aggregate import summaries
from lstm_echo.run_result import RunResult
from lstm_echo.verdict import Verdict

SETTING_COLUMNS = tuple(name for name in config.SETTINGS if name != "seeds")
RESULT_COLUMNS = (
    "params",
    "learned",
    "steps_correct",
    "steps",
    "tolerance",
    "worst_step",
    "max_error",
    "final_loss",
    "train",
    "test",
    "seconds",
    "models_trained_together",
    "provenance",
    "predictions",
)
RUN_COLUMNS = SETTING_COLUMNS + RESULT_COLUMNS
SCORE_FIELDS = ("mse", "echo_rate", "sequences")  # of the `train` and `test` objects
OBJECT_FIELDS = {"train": SCORE_FIELDS, "test": SCORE_FIELDS, "provenance": provenance.FIELDS}  # the row's objects
GROUP_COLUMNS = tuple(name for name in SETTING_COLUMNS if name != "seed")


def finite_or_none(value: float) -> float | None:
    """JSON has no NaN or infinity: a diverged loss is written as null."""
    return float(value) if math.isfinite(value) else None


def float32_value(value: float) -> float | None:
    """A float32 as its shortest decimal (0.2, not 0.20000000298023224)."""
    return finite_or_none(float(str(np.float32(value))))


def scores(verdict: Verdict) -> dict:
    """The `train` or `test` object of a run row."""
    return {"mse": finite_or_none(verdict.mse), "echo_rate": verdict.echo_rate, "sequences": verdict.sequences}


def run_row(result: RunResult, with_history: bool = False) -> dict:
    """One trained model as a run row; `seconds` is its share of its batch's compile and training time."""
    v, timings = result.verdict, result.timings
    together = timings["models_trained_together"]
    row = {
        **result.experiment.to_dict(),
        "params": result.total_params,
        "learned": v.learned,
        "steps_correct": v.steps_correct,
        "steps": v.steps,
        "tolerance": v.tolerance,
        "worst_step": v.worst_step,
        "max_error": finite_or_none(v.max_error),
        "final_loss": finite_or_none(result.final_loss),
        "train": scores(result.train),
        "test": scores(result.test) if result.test is not None else None,
        "seconds": (timings["compile_seconds"] + timings["train_seconds"]) / together,
        "models_trained_together": together,
        "provenance": provenance.stamp(result.finished),
        "predictions": [float32_value(p) for p in result.predictions],
    }
    if with_history:
        row["loss_history"] = [float32_value(loss) for loss in result.loss_history]
    return row


def aggregate(rows: list[dict]) -> list[dict]:
    """One aggregate row per setting (all but the seed), in the order the settings first appear."""
    return summaries(rows, GROUP_COLUMNS)


def document(run_rows: list[dict] | None, summary: list[dict] | None = None, **extra) -> dict:
    """What `--json` prints: the run rows (when given), the aggregate rows, then anything else."""
    summary = aggregate(run_rows or []) if summary is None else summary
    return {**({"runs": run_rows} if run_rows is not None else {}), "summary": summary, **extra}


NUMBER_TYPES = (int, float)  # exactly: a bool is an int to Python, not a number to a results file


def number_or_none(value) -> float | None:
    if value is None:
        return None
    if type(value) not in NUMBER_TYPES:
        raise ValueError(f"{value!r} is not a number")
    return float(value)


def whole(value) -> int:
    if type(value) is not int:
        raise ValueError(f"{value!r} is not a whole number")
    return value


SCORE_KEYS = frozenset(SCORE_FIELDS)
PROVENANCE_KEYS = frozenset(provenance.FIELDS)
REQUIRED = frozenset(RUN_COLUMNS)
NUMBERS = ("final_loss", "max_error", "seconds", "tolerance")
WHOLE_NUMBERS = ("params", "steps_correct", "steps", "worst_step", "models_trained_together")
SHARED_SETTINGS = tuple(name for name in SETTING_COLUMNS if name != "seed")


def checked_scores(scores, name: str) -> None:
    if type(scores) is not dict or scores.keys() != SCORE_KEYS:
        raise ValueError(f"{name} is not an object of {', '.join(SCORE_FIELDS)}")
    number_or_none(scores["mse"])
    number_or_none(scores["echo_rate"])
    whole(scores["sequences"])


@functools.lru_cache(maxsize=1024)
def settings_problem(settings: tuple) -> str | None:
    """Why a row's settings ((name, type, value) each) are wrong, or None; remembered, since a file's
    rows share a few settings."""
    for name, kind, value in settings:
        if kind in ("list", "dict"):
            return f"{name} is a {kind}, not a value"
        reason = None if value is None and name in config.LEFT_OPEN else config.problem(name, value)
        if reason:
            return f"{name} {reason}"
    return None


def checked_run_row(row) -> dict:
    """`row` if it is a run row: every column there, every setting valid, every result typed."""
    if type(row) is not dict:
        raise ValueError("not a JSON object")
    if not REQUIRED <= row.keys():
        raise ValueError(f"no {next(name for name in RUN_COLUMNS if name not in row)!r}")
    # Rows share their settings but the seed, so those are checked once per file; the type is part of
    # the key, since 1, 1.0 and True are one key to a cache but not one setting.
    settings = tuple((name, type(row[name]).__name__, row[name]) for name in SHARED_SETTINGS)
    try:
        reason = settings_problem(settings)
    except TypeError:  # a list or an object among the settings: not a key, and not a setting either
        reason = settings_problem.__wrapped__(settings)
    reason = reason or settings_problem.__wrapped__((("seed", type(row["seed"]).__name__, row["seed"]),))
    if reason:
        raise ValueError(reason)
    checked_scores(row["train"], "train")
    if row["test"] is not None:
        checked_scores(row["test"], "test")
    stamp = row["provenance"]
    if type(stamp) is not dict or stamp.keys() != PROVENANCE_KEYS:
        raise ValueError(f"provenance is not an object of {', '.join(provenance.FIELDS)}")
    if not all(type(value) is str for value in stamp.values()):
        raise ValueError("a provenance value is not a string")
    for name in NUMBERS:
        number_or_none(row[name])
    for name in WHOLE_NUMBERS:
        whole(row[name])
    if type(row["learned"]) is not bool:
        raise ValueError(f"learned {row['learned']!r} is not true or false")
    if type(row["predictions"]) is not list:
        raise ValueError("predictions is not a list")
    if not all(type(p) in NUMBER_TYPES or p is None for p in row["predictions"]):
        raise ValueError(
            f"a prediction is not a number: {next(p for p in row['predictions'] if type(p) not in NUMBER_TYPES and p is not None)!r}"
        )
    history = row.get("loss_history")  # kept by sweep --keep-curves
    if history is not None and (
        type(history) is not list
        or len(history) > row["epochs"]
        or not all(type(v) in NUMBER_TYPES or v is None for v in history)
    ):
        raise ValueError("loss_history is not a list of numbers, one per epoch")
    return row
