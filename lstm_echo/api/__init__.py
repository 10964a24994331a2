"""lstm-echo as a library: every command's result from Python, as typed objects.

    import lstm_echo

    run = lstm_echo.run("many-to-many", length=10, seeds=20)
    run.learned, run.predictions, run.losses, run.rows   # the numbers
    run                                                  # the command line's tables (HTML in Jupyter)
    run.plot()                                           # a matplotlib figure

The settings are the command line's, as keywords (`length=10`,
`learning_rate=0.003`, `seeds=20` or `seeds=[0, 5]`, `task="delay:1"`), with
its defaults and checks; a config file is `config="configs/many-to-many.toml"`.
Whatever lstm-echo refuses or cannot do raises `lstm_echo.Error`, its message
the line the command line prints. The command line calls these same functions
(`lstm_echo/cli/`), so both give the same numbers. TensorFlow is imported by
the first function that trains.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_echo import architectures as registry
from lstm_echo import budget, grid, inspection, runner, seeds, sweep_runner, tasks
from lstm_echo.api.outcomes import Comparison, Inspection, Params, Prediction, Run, Sweep
from lstm_echo.api.reproductions import Reproduction, reproduce
from lstm_echo.api.results import Results, read_results
from lstm_echo.api.settings import (
    MAX_WORKERS,
    checked_experiment,
    chosen_architectures,
    gather,
    keywords,
    named,
    one_seed_option,
    ragged_task,
)
from lstm_echo.api.tools import (
    Architectures,
    Cache,
    Explanation,
    Merged,
    Status,
    cache,
    explain,
    list_architectures,
    merge,
    status,
)
from lstm_echo.backend import saved_model
from lstm_echo.config import DEFAULTS, SETTINGS, Experiment, InputError, bad_value, shown, unknown_key
from lstm_echo.errors import Error
from lstm_echo.layers import CELLS
from lstm_echo.results import results_file, rows

__all__ = [
    "Architectures",
    "Cache",
    "Comparison",
    "Error",
    "Explanation",
    "Inspection",
    "Merged",
    "Params",
    "Prediction",
    "Reproduction",
    "Results",
    "Run",
    "Status",
    "Sweep",
    "cache",
    "compare",
    "explain",
    "inspect",
    "list_architectures",
    "merge",
    "params",
    "predict",
    "read_results",
    "reproduce",
    "run",
    "status",
    "sweep",
]


def run(architecture: str | None = None, *, config: str | Path | None = None, **settings) -> Run:
    """Train one architecture on its task and judge it, as `lstm-echo run` does.

    With `seeds` (a count or a list), one model per seed, trained together.
    """
    settings = keywords("run", {"architecture": architecture, **settings})
    merged, seed_list, origins = gather(config, settings)
    experiment = checked_experiment(merged, origins, models=len(seed_list) if seed_list else 1)
    return train(experiment, seed_list)


def train(experiment: Experiment, seed_list: list[int] | None, **callbacks) -> Run:
    """A checked experiment trained once per seed (once, without `seed_list`)."""
    callbacks.setdefault("test_curve", experiment.sequences is not None)
    started = time.perf_counter()
    if seed_list:
        results = runner.run_seeds(experiment, seed_list, **callbacks)
    else:
        results = [runner.run(experiment, **callbacks)]
    return Run(experiment, seed_list, results, time.perf_counter() - started)


def compare_experiments(
    names: Iterable[str] | None, config_file: str | Path | None, settings: dict
) -> tuple[list[Experiment], list[int]]:
    """The experiments `compare` trains, one per architecture, each checked; and their seeds."""
    merged, seed_list, origins = gather(config_file, settings)
    chosen = chosen_architectures(list(names) if names else None)
    if not names:  # every architecture that can frame the task
        chosen = [a for a in chosen if a.causal or not ragged_task(merged.get("task"))]
    models = len(seed_list) if seed_list else 1
    # Every architecture keeps its own default epochs and batch size unless they are given.
    experiments = [checked_experiment({**merged, "architecture": a.name}, origins, models) for a in chosen]
    return experiments, seed_list or [experiments[0].seed]


def compare_title(experiments: list[Experiment], seed_list: list[int]) -> str:
    from lstm_echo.rendering import report

    return report.compare_title(experiments[0], seed_list, every=len(experiments) == len(registry.REGISTRY))


def compare(names: Iterable[str] | str | None = None, *, config: str | Path | None = None, **settings) -> Comparison:
    """Train several architectures (default: all) on the same settings and seeds, as `lstm-echo compare` does."""
    experiments, seed_list = compare_experiments(named("compare", names), config, keywords("compare", settings))
    runs = [train(e, seed_list) for e in experiments]
    return Comparison(runs, compare_title(experiments, seed_list))


def sweep_axes(function: str, values: dict) -> dict:
    """A sweep's settings given as keywords: each one value or a list (a string as on the command line)."""
    axes = {}
    for name, value in values.items():
        if value is None:
            continue
        if name not in SETTINGS:
            raise InputError(unknown_key(Path(f"{function}()"), name))
        try:
            axes[name] = grid.axis_from_file(name, list(value) if isinstance(value, range | tuple) else value)
        except (grid.GridError, seeds.SeedsError, ValueError) as error:
            raise InputError(f"{function}(): key {name!r} {error}") from None
    return axes


def sweep_grid(config_file: str | Path | None, given: dict) -> tuple[dict, list[int], list[Experiment]]:
    """A sweep's axes (a config file's, then those `given` over them), its seeds and its points, each
    checked. A seed given overrides the file's seeds, as it does for `run`."""
    axes = grid.load(Path(config_file)) if config_file is not None else {}
    if "seed" in given:
        axes.pop("seeds", None)
    origins = {name: str(config_file) for name in axes if name not in given}
    axes.update(given)
    seed_list = axes.pop("seeds", None) or axes.pop("seed", [0])
    return dict(axes), seed_list, grid.points(axes, len(seed_list), origins)


def check_sweep_memory(points: list[Experiment], seed_list: list[int], workers: int) -> None:
    """Refuse a sweep whose biggest setting would not fit in memory, in each of `workers` processes."""
    for point in points:
        budget.check(point, runner.network_layers(point), len(seed_list), processes=workers)


def sweep(
    architecture: str | list[str] | None = None,
    *,
    out: str | Path | None = None,
    config: str | Path | None = None,
    workers: int = 1,
    keep_curves: bool = False,
    **settings,
) -> Sweep:
    """Train every combination of the settings given (each one value or a list), once per seed, as
    `lstm-echo sweep` does; with `out` (.jsonl or .csv) every run is recorded, and what the file
    holds already is read rather than trained again."""
    one_seed_option(settings)
    _, seed_list, points = sweep_grid(config, sweep_axes("sweep", {"architecture": architecture, **settings}))
    if type(workers) is not int or not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"sweep(): key 'workers' must be a number, 1 to {MAX_WORKERS}, got {shown(workers)}")
    check_sweep_memory(points, seed_list, workers)
    if keep_curves and (out is None or Path(out).suffix.lower() != ".jsonl"):
        raise InputError("sweep(): keep_curves needs out='FILE.jsonl'")
    recording = results_file.ResultsFile(Path(out), "out") if out is not None else None
    recorded = recording.open() if recording is not None else {}
    try:
        outcome = sweep_runner.run(points, seed_list, recording, recorded, workers=workers, keep_curves=keep_curves)
    finally:
        if recording is not None:
            recording.close()
    path = Path(out) if out is not None else None
    return Sweep(outcome.rows, rows.aggregate(outcome.rows), outcome.trained, outcome.skipped, path, outcome.curves)


def params(
    names: Iterable[str] | str | None = None,
    *,
    length: int | None = None,
    neurons: int | None = None,
    cell: str | None = None,
    layers: int | None = None,
) -> Params:
    """The parameter arithmetic of every layer, as `lstm-echo params` shows it (no TensorFlow)."""
    listed = named("params", names)
    values = {
        **DEFAULTS,
        **keywords("params", {"length": length, "neurons": neurons, "cell": cell, "layers": layers}),
    }
    steps = values["length"]
    return Params(
        chosen_architectures(listed),
        steps,
        values.get("neurons", steps),
        CELLS[values["cell"].lower()],
        values["layers"],
    )


def values_text(values) -> list[str]:
    """A sequence given as numbers or as text ("0.1 0.2" or "0.1,0.2"), as the words the command line reads."""
    if isinstance(values, str):
        return values.replace(",", " ").split()
    return [repr(float(v)) if isinstance(v, int | float | np.number) else str(v) for v in values]


def one_value_per_step(experiment: Experiment, texts: list[str], option: str, instead: str) -> None:
    """Refuse a typed sequence for a model whose task reads several values per step."""
    task = tasks.parse(experiment.task)
    if task.features > 1:
        reason = f"a model trained on {task.name} reads {task.features} values per step, and a typed sequence is one"
        raise bad_value(option, shown(" ".join(texts)), f"{reason}: {instead}")


def predict(model: str | Path, values) -> Prediction:
    """Run a model saved by `run --save-model` on a sequence, as `lstm-echo predict` does."""
    from lstm_echo.verdict import judge

    path = Path(model)
    experiment = saved_model.metadata(path)["experiment"]
    texts = values_text(values)
    one_value_per_step(experiment, texts, "VALUES", "inspect the model to see it on a held-out sequence")
    inputs = saved_model.parse_values(texts, experiment.length)
    targets, predictions = saved_model.predict(path, experiment, runner.network_layers(experiment), inputs)
    verdict = judge(targets, predictions, runner.trained_tolerance(experiment))
    return Prediction(path, experiment, to_list(inputs), to_list(targets), to_list(predictions), verdict)


def to_list(values: np.ndarray) -> list[float]:
    return [rows.float32_value(v) for v in values]  # type: ignore[misc]


def inspect(
    target: str | Path | None = None,
    *,
    sequence=None,
    connectivity: bool = False,
    config: str | Path | None = None,
    **settings,
) -> Inspection:
    """Look inside a trained network, as `lstm-echo inspect` does: `target` an architecture to train
    (with these settings) or a model saved by `run --save-model`; `sequence` the inputs to look at."""
    model = model_path(target)
    if model is None and target is not None:
        settings["architecture"] = str(target)
    plan = inspect_plan(model, keywords("inspect", settings), sequence, connectivity, config, "sequence")
    return Inspection(inspect_trained(plan))


def model_path(target) -> Path | None:
    """`target` as a saved model's path, when it names one (FILE.keras); None for an architecture."""
    return Path(target) if target is not None and saved_model.is_model_name(Path(target)) else None


@dataclass(frozen=True)
class InspectPlan:
    """What `inspect` will look at, every input checked: a model file's weights, or an experiment to train."""

    experiment: Experiment
    seed_list: list[int]
    model: Path | None
    sequence: np.ndarray
    texts: list[str] | None  # the sequence as typed, when one was
    connectivity: bool


def inspect_plan(
    model: Path | None, settings: dict, sequence, connectivity: bool, config_file, sequence_option: str
) -> InspectPlan:
    """Check everything `inspect` is given (`settings` checked one by one already), before anything trains."""
    if model is not None:
        typed = {**settings, **({"config": config_file} if config_file is not None else {})}
        if typed:
            name, value = next(iter(typed.items()))
            raise bad_value(
                f"--{name.replace('_', '-')}",
                shown(str(value)),
                f"{model} is trained already; its settings come from it",
            )
        experiment = saved_model.metadata(model)["experiment"]
        seed_list = [experiment.seed]
    else:
        merged, seeds_given, origins = gather(config_file, settings)
        experiment = checked_experiment(merged, origins, models=len(seeds_given) if seeds_given else 1)
        seed_list = seeds_given or [experiment.seed]
    texts = None
    if sequence is not None:
        taker = str(model) if model is not None else f"--length {experiment.length}"
        texts = values_text(sequence)
        one_value_per_step(experiment, texts, sequence_option, f"leave {sequence_option} out to see a held-out one")
        values = saved_model.parse_values(texts, experiment.length, sequence_option, taker)
    else:
        values = inspection.default_sequence(experiment)
    if connectivity and tasks.parse(experiment.task).ragged:
        raise InputError(
            f"--connectivity scores the one input step each output copies, and {experiment.task}'s output "
            "adds two: inspect it without --connectivity"
        )
    if connectivity:
        budget.check_connectivity(experiment, runner.network_layers(experiment), len(seed_list))
    return InspectPlan(experiment, seed_list, model, values, texts, connectivity)


def inspect_trained(plan: InspectPlan, **callbacks) -> dict:
    """Train (unless a model file was given) and look inside: `inspect --json`'s document."""
    experiment = plan.experiment
    if plan.model is not None:
        weights, shown = [saved_model.weights(plan.model, experiment, runner.network_layers(experiment))], 0
    else:
        results = runner.run_seeds(experiment, plan.seed_list, **callbacks)
        best = runner.best(results)
        if not np.isfinite(best.final_loss):
            raise runner.TrainingDiverged("the loss stopped being a number; try a smaller --learning-rate")
        weights, shown = [r.weights for r in results], results.index(best)
    answer = inspection.inspect(experiment, weights, plan.seed_list, shown, plan.sequence, plan.connectivity)
    if plan.model is not None:
        answer["model"] = str(plan.model)
    return answer
