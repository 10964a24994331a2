"""The library's side of the commands beyond training one experiment: `architectures`, `explain`,
`merge`, `status` and `cache`, each returning what its command shows."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from rich.console import RenderableType
from rich.text import Text

from lstm_echo import architectures as registry
from lstm_echo import budget, config, runner
from lstm_echo.api.outcomes import Shown, displayable
from lstm_echo.api.settings import checked_experiment, keywords
from lstm_echo.backend import compile_cache
from lstm_echo.config import Experiment, InputError, bad_value, shown
from lstm_echo.rendering import plot, report
from lstm_echo.results import merging, sweep_plan
from lstm_echo.results.results_file import ResultsFile

EXPLAIN_TOPICS = ("timedistributed", "vanishing")
VANISHING_LENGTH = 20  # long enough for the gradients to part ways


@dataclass(repr=False)
class Architectures(Shown):
    """Every architecture: aliases, data shapes, layers and defaults at `length` (`describe`'s rows)."""

    length: int
    descriptions: list[dict] = field(init=False)

    def __post_init__(self):
        self.descriptions = [report.describe(arch, self.length) for arch in registry.REGISTRY]

    def renderables(self) -> list[RenderableType]:
        return [report.architectures_table(self.descriptions, self.length)]


def list_architectures(length: int | None = None) -> Architectures:
    """The architectures, as `lstm-echo architectures` lists them (no TensorFlow)."""
    steps = keywords("list_architectures", {"length": length}).get("length", config.DEFAULTS["length"])
    return Architectures(cast(int, steps))


@dataclass(repr=False)
class Explanation(Shown):
    """A question answered by training and measuring: `explain`'s result. `answer` is `--json`'s document."""

    topic: str
    experiment: Experiment  # the settings of the network(s) trained
    answer: dict

    def plot(self):
        """vanishing: each cell's gradient against the lag, before (dashed) and after training."""
        if self.topic != "vanishing":
            raise InputError("only explain vanishing draws a plot")
        e = self.experiment
        series = {
            f"{cell} {phase}": (list(range(e.length)), values[phase])
            for cell, values in self.answer["cells"].items()
            for phase in ("initial", "trained")
        }
        title = (
            f"How far back the last output's gradient reaches: length {e.length}, neurons {e.neurons}, "
            f"{e.epochs} epochs, seed {e.seed} (dashed: before training)"
        )
        return displayable(
            plot.lines_figure(series, title, "lag (steps back from the last)", "|d y_last / d x|", log=True)
        )

    def renderables(self) -> list[RenderableType]:
        if self.topic == "timedistributed":
            return [report.timedistributed_report(self.answer)]
        return [report.vanishing_report(self.answer)]


def explain_experiments(topic: str, settings: dict) -> list[Experiment]:
    """The networks `explain TOPIC` trains, each checked: one LSTM, or one per cell for vanishing."""
    if topic not in EXPLAIN_TOPICS:
        raise bad_value("TOPIC", shown(topic), f"must be one of {', '.join(EXPLAIN_TOPICS)}")
    if topic == "vanishing":
        settings = {"length": VANISHING_LENGTH, **settings}
    cells = ("simple", "gru", "lstm") if topic == "vanishing" else ("lstm",)
    trained = [checked_experiment({**settings, "architecture": "many-to-many", "cell": c}, {}) for c in cells]
    if topic == "vanishing":  # each cell's gradients are a row of its connectivity
        for experiment in trained:
            budget.check_connectivity(experiment, runner.network_layers(experiment), 1)
    return trained


def explain_trained(topic: str, experiment: Experiment) -> Explanation:
    from lstm_echo import explanations as answers  # builds networks and trains them: TensorFlow

    e = experiment
    ask = answers.timedistributed if topic == "timedistributed" else answers.vanishing
    return Explanation(topic, e, ask(length=e.length, neurons=e.neurons, epochs=e.epochs, seed=e.seed))


def explain(
    topic: str,
    *,
    length: int | None = None,
    neurons: int | None = None,
    epochs: int | None = None,
    seed: int | None = None,
) -> Explanation:
    """Answer `timedistributed` or `vanishing` by training and measuring, as `lstm-echo explain` does."""
    settings = keywords("explain", {"length": length, "neurons": neurons, "epochs": epochs, "seed": seed})
    topic = str(topic).lower()
    return explain_trained(topic, explain_experiments(topic, settings)[-1])


@dataclass(repr=False)
class Merged(Shown):
    """Results files merged into one: `merge`'s result; `missing` the shards of its plan that miss runs."""

    into: Path
    files: int
    outcome: merging.Merged
    plan: sweep_plan.Plan | None
    gaps: dict[int, list[tuple]]

    @property
    def complete(self) -> bool:
        return not self.gaps

    @property
    def missing(self) -> list[dict]:
        return [{"shard": k, "runs": len(keys)} for k, keys in self.gaps.items()]

    @property
    def line(self) -> str:
        m = self.outcome
        return (
            f"{self.into}: {report.plural(m.runs, 'run')} from {report.plural(self.files, 'file')}; "
            f"{m.duplicates} duplicates dropped, {len(m.conflicts)} conflicts (the first kept)"
        )

    def renderables(self) -> list[RenderableType]:
        return [Text(self.line)]


def merge(files: Iterable[str | Path], into: str | Path) -> Merged:
    """Merge results files (a sweep's shards, say) into `into`, as `lstm-echo merge` does: whole or not at
    all, each run once, in the plan's order when a sharded sweep's plan is beside them."""
    paths, target = [Path(f) for f in files], Path(into)
    found = sweep_plan.find(paths)  # a plan that is not one is refused before anything is written
    plan = found[1] if found else None
    outcome = merging.merge(paths, target, plan.keys() if plan else ())
    gaps = sweep_plan.missing(plan.shard_keys(), lambda key: merging.digest(key) in outcome.keys) if plan else {}
    return Merged(target, len(paths), outcome, plan, gaps)


@dataclass(repr=False)
class Status(Shown):
    """Per shard of a sharded sweep, the runs planned, recorded and missing: `status`'s result."""

    plan_path: Path
    plan: sweep_plan.Plan
    files: list[Path]
    shards: list[dict]
    gaps: dict[int, list[tuple]]

    @property
    def complete(self) -> bool:
        return not self.gaps

    def renderables(self) -> list[RenderableType]:
        return [report.status_table(self.shards, self.plan.shards, len(self.files))]


def status(out: str | Path) -> Status:
    """What a sharded sweep (`sweep --shard K/N --out FILE`) has recorded of its plan, without TensorFlow."""
    out = Path(out)
    path = sweep_plan.path_for(out)
    if not path.exists():
        raise bad_value("FILE", shown(str(out)), f"no {path}: was it swept with --shard K/N --out FILE?")
    plan = sweep_plan.read(path)
    recorded: set[tuple] = set()
    files = ([out] if out.exists() else []) + sorted(path.parent.glob(f"*-of-{plan.shards}{out.suffix}"))
    for file in files:
        recorded |= ResultsFile(file, "FILE").peek().keys()
    planned = plan.shard_keys()
    gaps = sweep_plan.missing(planned, recorded.__contains__)
    table = [
        {
            "shard": k,
            "planned": len(keys),
            "recorded": len(keys) - len(gaps.get(k, [])),
            "missing": len(gaps.get(k, [])),
        }
        for k, keys in enumerate(planned)
    ]
    return Status(path, plan, files, table, gaps)


@dataclass(repr=False)
class Cache(Shown):
    """The compile cache: its folder, whether it is trusted, what it holds (and what `clear` removed)."""

    state: dict
    problem: str | None

    def renderables(self) -> list[RenderableType]:
        return [report.cache_text(self.state, self.problem)]


def cache(clear: bool = False) -> Cache:
    """The compile cache, as `lstm-echo cache` shows it; `clear=True` empties it first (a folder it trusts)."""
    folder = compile_cache.directory()
    problem = compile_cache.trust_problem(folder)
    if clear and problem:
        raise bad_value(
            "LSTM_ECHO_CACHE_DIR", shown(str(folder)), f"{problem}; lstm-echo clears only a folder it can trust"
        )
    removed = compile_cache.clear(folder) if clear else 0
    state = {
        "directory": None if folder is None else str(folder),
        "trusted": problem is None,
        "programs": len(compile_cache.compiled(folder)),
        "traced": len(compile_cache.traced(folder)),
        "bytes": compile_cache.size(folder),
        **({"removed": removed} if clear else {}),
    }
    return Cache(state, problem)
