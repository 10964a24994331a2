"""The hint after a run that missed: suggestions tried on copies of the run until one learns.

A hint is a claim about this run, so it is checked rather than read off the
loss curve: each suggestion trains the same seed on the same data with one
setting changed, and the hint says what each try gave. A fixed seed makes a
run with fewer epochs exactly the first epochs of a longer one, so "stop
earlier" is checked the same way.

The order is cheapest first. Other epochs and another learning rate reuse the
run's compiled program; more neurons compile a new one. The tries stop at the
first that learns, or when their training would exceed MAX_TRIED_WORK.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from lstm_echo import architectures, config, runner
from lstm_echo.config import Experiment, InputError
from lstm_echo.param_arithmetic import total_params
from lstm_echo.run_result import RunResult
from lstm_echo.runner import TrainingDiverged
from lstm_echo.verdict import Verdict

# What all tries may cost together, in `work` units: about 5 s of training on a 2-core laptop,
# 500 times the tutorial's run, a tenth of `run stateful --sequences 1000 --length 10 --epochs 500`.
MAX_TRIED_WORK = 3e9
# An update's fixed cost (launching the step, Adam's arithmetic), in weights evaluated: measured
# here as 7 us an update against 1.6 ns a weight evaluated.
UPDATE_COST = 5000
ROSE = 2.0  # a loss that ends above twice its lowest epoch mean rose, rather than wobbled


@dataclass(frozen=True)
class Trial:
    option: str  # the command-line change, "--epochs 2000"
    experiment: Experiment
    verdict: Verdict | None = None  # None: diverged


@dataclass(frozen=True)
class Hint:
    tried: tuple[Trial, ...]
    untried: tuple[Trial, ...]  # over the budget, in the order they would have run
    lowest_epoch: int | None  # the epoch of the lowest loss, when the loss rose after it

    @property
    def found(self) -> Trial | None:
        return next((t for t in self.tried if t.verdict is not None and t.verdict.learned), None)


def work(e: Experiment) -> float:
    """What training `e` costs, roughly: per epoch, each update's fixed cost plus every step of every
    sequence evaluating every weight once."""
    samples = architectures.get(e.architecture).samples(e.steps, e.sequences or 1)
    updates = -(-samples // e.batch_size)
    weights = total_params(runner.network_layers(e))  # any cell and framing, as `params` counts them
    return float(e.epochs) * (updates * UPDATE_COST + (e.sequences or 1) * e.steps * weights)


def rose_at(history) -> int | None:
    """The epoch (counted from 1) of the lowest loss when the loss ended above ROSE times it, else None."""
    losses = np.asarray(history, dtype=np.float64)
    if not np.isfinite(losses).all():
        return None
    lowest = int(np.argmin(losses))
    return lowest + 1 if losses[-1] > ROSE * losses[lowest] else None


def suggestions(e: Experiment, lowest_epoch: int | None) -> list[Trial]:
    """What to try, in order: stop at the lowest loss or take smaller steps when the loss rose, then more training."""
    changes: list[tuple[str, Any]] = []
    if lowest_epoch is not None:
        changes += [("epochs", lowest_epoch), ("learning_rate", e.learning_rate / 3)]
        changes += [("learning_rate", e.learning_rate / 10)]
    changes += [("epochs", 2 * e.epochs), ("epochs", 4 * e.epochs), ("learning_rate", 3 * e.learning_rate)]
    changes += [("neurons", 2 * e.neurons)]
    trials = []
    for name, value in changes:
        shown: Any = float(f"{value:.3g}") if isinstance(value, float) else value  # as the option would be typed
        if config.problem(name, shown) is None:
            trials.append(Trial(f"{config.option(name)} {shown:g}", replace(e, **{name: shown})))
    return trials


def check(result: RunResult, train: Callable[[Experiment, str], RunResult]) -> Hint:
    """Try the suggestions for a run that missed, cheapest first, until one learns or the budget is spent."""
    lowest = rose_at(result.loss_history)
    trials = suggestions(result.experiment, lowest)
    tried: list[Trial] = []
    spent = 0.0
    for k, trial in enumerate(trials):
        spent += work(trial.experiment)
        if spent > MAX_TRIED_WORK:
            return Hint(tuple(tried), tuple(trials[k:]), lowest)
        try:
            verdict: Verdict | None = train(trial.experiment, trial.option).verdict
        except (TrainingDiverged, InputError):
            verdict = None
        tried.append(replace(trial, verdict=verdict))
        if verdict is not None and verdict.learned:
            break
    return Hint(tuple(tried), (), lowest)
