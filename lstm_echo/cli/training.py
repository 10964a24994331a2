"""What the commands that train share: a progress bar per training, and saving what was trained
(its loss curves, the best model)."""

from pathlib import Path

import numpy as np

from lstm_echo import atomic, config, runner
from lstm_echo.backend import saved_model
from lstm_echo.cli.console import fail, saved_picture
from lstm_echo.rendering import plot


def save_figure(path: Path, figure) -> None:
    """Write a picture whole or not at all; a write that fails is exit 1, naming the file."""
    try:
        plot.write_figure(figure, path)
    except OSError as error:
        fail(f"could not write {path}: {error.strerror or error}", code=1)
    saved_picture(path)


def training_reporter(display, label: str, experiment: config.Experiment):
    """Callbacks for the runner that move one bar over the epochs and name the phase."""
    prefix = f"{label}: " if label else f"{experiment.architecture}: "
    task = display.add_task(f"{prefix}starting", total=experiment.epochs, status="")

    def on_phase(phase: str) -> None:
        display.update(task, description=prefix + phase)

    def on_progress(done, total, losses):
        display.update(task, completed=done, status=f"loss {float(np.median(losses)):.3g}")

    if getattr(display, "disable", False):  # no bar to move (not a terminal, or --progress none)
        return {"on_phase": on_phase}  # and without reports, the engine trains more epochs a call
    return {"on_progress": on_progress, "on_phase": on_phase}


def save_best(target: saved_model.SaveTarget, results: list[runner.RunResult]) -> runner.RunResult:
    """Save the best of `results` as a Keras model; a write that fails leaves nothing behind (exit 1), and a file
    that appeared at the path while training is kept, the model saved beside it (exit 1)."""
    best = runner.best(results)
    try:
        saved_model.save(target, runner.network_layers(best.experiment), best.weights, best.experiment)
    except atomic.Conflict as conflict:
        fail(
            f"{conflict.target} appeared or changed while training, so it was left alone; the model was saved as {conflict.kept}",
            code=1,
        )
    except OSError as error:
        fail(f"could not write {target.path}: {error.strerror or error}", code=1)
    return best
