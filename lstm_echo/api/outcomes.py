"""What the library's functions return: typed results that show as the command line's tables.

Each renders with the same `report` functions the command line prints: in a
terminal through rich, in Jupyter as HTML (`_repr_html_`), and as plain text
with `str()`. Pictures are matplotlib figures, returned rather than saved
(`figure.savefig(...)` writes one).
"""

import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console, Group, RenderableType

from lstm_echo import architectures, runner, seeds
from lstm_echo.config import Experiment
from lstm_echo.rendering import plot, report
from lstm_echo.results import rows
from lstm_echo.verdict import Verdict

WIDTH = 100  # characters: a notebook cell's width, where no terminal says otherwise


class Shown:
    """Shows as the command line's output: `renderables` in order."""

    def renderables(self) -> list[RenderableType]:
        raise NotImplementedError

    def __rich__(self) -> Group:
        return Group(*self.renderables())

    def text(self, width: int = WIDTH) -> str:
        """The output as the command line prints it to a pipe of `width` columns."""
        console = Console(file=io.StringIO(), width=width, color_system=None, soft_wrap=False, force_jupyter=False)
        console.print(self.__rich__())
        return "".join(line.rstrip() + "\n" for line in console.file.getvalue().splitlines())  # type: ignore[attr-defined]

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        console = Console(file=io.StringIO(), width=WIDTH, record=True, color_system="truecolor", force_jupyter=False)
        console.print(self.__rich__())
        return console.export_html(inline_styles=True, code_format='<pre style="line-height:1.2">{code}</pre>')


def displayable(figure):
    """`figure`, made to show in Jupyter as a PNG. IPython shows a matplotlib figure once its inline
    backend has registered a PNG formatter, which only pyplot's figures trigger; this one stays outside
    pyplot (so it shows once, where it is returned), and gets the same formatter."""
    shell = None
    if "IPython" in sys.modules:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is not None:
        from IPython.core.pylabtools import print_figure
        from matplotlib.figure import Figure

        formatter = shell.display_formatter.formatters["image/png"]
        if Figure not in formatter.type_printers:
            formatter.for_type(Figure, lambda shown: print_figure(shown, "png", bbox_inches="tight"))
    return figure


def model_of(experiment: Experiment, weights: list[np.ndarray]):
    """A Keras model of `experiment`'s network holding `weights` (TensorFlow is imported here)."""
    from lstm_echo.backend import keras_model

    model = keras_model.build(runner.network_layers(experiment), experiment.learning_rate)
    model.set_weights(weights)
    return model


def loss_plot(results: list[runner.RunResult], title: str, several: bool):
    """A curve per seed, coloured by its verdict when `several` seeds ran; held-out loss dashed: `run --plot`."""
    curves = {f"seed {r.experiment.seed}": r.loss_history for r in results}
    learned = {f"seed {r.experiment.seed}": r.verdict.learned for r in results} if several else None
    tests = {f"seed {r.experiment.seed}": (r.test_loss_epochs, r.test_loss_history) for r in results if r.test}
    return displayable(
        plot.loss_figure(curves, title, learned, tests, report.verdict_words(results[0].experiment.task))
    )


def median_plot(groups: list[list[runner.RunResult]], title: str):
    """A curve per architecture, the median over its seeds (held-out loss dashed): `compare --plot`."""
    curves = {runs[0].experiment.architecture: seeds.median_curve([r.loss_history for r in runs]) for runs in groups}
    tests = {
        runs[0].experiment.architecture: (
            runs[0].test_loss_epochs,
            seeds.median_curve([r.test_loss_history for r in runs]),
        )
        for runs in groups
        if runs[0].test is not None
    }
    several = len(groups[0]) > 1
    return displayable(plot.loss_figure(curves, title + (" (median over seeds)" if several else ""), tests=tests))


def settings_plot(curves: list[tuple[Experiment, list[float]]], title: str):
    """A curve per setting, labelled by the settings that vary: `sweep --plot`."""
    varying = report.varying_axes([point.to_dict() for point, _ in curves])
    labelled = {report.setting_label(point.to_dict(), varying): curve for point, curve in curves}
    return displayable(plot.loss_figure(labelled, title))


@dataclass(repr=False)
class Run(Shown):
    """One architecture trained once per seed: `run`'s result.

    `results` holds every seed's run; the properties read the first seed's
    (the only one without `seeds`). `rows` are the JSON rows of `--json`.
    """

    experiment: Experiment
    seeds: list[int] | None  # None: one run, as `lstm-echo run` without --seeds
    results: list[runner.RunResult]
    seconds: float  # training, from the call to its end
    rows: list[dict] = field(init=False)
    summary: dict = field(init=False)

    def __post_init__(self):
        self.rows = [rows.run_row(r, with_history=True) for r in self.results]
        self.summary = rows.aggregate(self.rows)[0]

    @property
    def first(self) -> runner.RunResult:
        return self.results[0]

    @property
    def inputs(self) -> list[float]:
        """The first seed's input sequence shown (its training sequence, or the first held-out ones)."""
        return [rows.float32_value(v) for v in self.first.inputs]  # type: ignore[misc]

    @property
    def expected(self) -> list[float]:
        return [rows.float32_value(v) for v in self.first.expected]  # type: ignore[misc]

    @property
    def predictions(self) -> list[float]:
        """The first seed's outputs for `inputs`, as its row records them (float32's shortest digits)."""
        return self.rows[0]["predictions"]

    @property
    def verdict(self) -> Verdict:
        """The first seed's verdict: on the held-out sequences when there are some."""
        return self.first.verdict

    @property
    def learned(self) -> bool:
        """Whether every seed learned its task."""
        return all(r.verdict.learned for r in self.results)

    @property
    def losses(self) -> list[float]:
        """The first seed's training loss, the mean over each epoch's updates, as its row records it."""
        return self.rows[0]["loss_history"]

    @property
    def train(self) -> dict:
        """The first seed's figures on its training sequences (mse, echo_rate, sequences), as in its row."""
        return self.rows[0]["train"]

    @property
    def test(self) -> dict | None:
        """The same on its held-out sequences, or None without --sequences."""
        return self.rows[0]["test"]

    def model(self, seed: int | None = None):
        """The trained network of `seed` (default: the best, as --save-model picks) as a Keras model."""
        chosen = runner.best(self.results) if seed is None else self.result_of(seed)
        return model_of(chosen.experiment, chosen.weights)

    def result_of(self, seed: int) -> runner.RunResult:
        for result in self.results:
            if result.experiment.seed == seed:
                return result
        raise KeyError(
            f"no run of seed {seed}: the seeds are {report.seeds_text([r.experiment.seed for r in self.results])}"
        )

    def plot(self):
        """The loss curves, one per seed, as `--plot` draws them (held-out loss dashed)."""
        return loss_plot(self.results, report.settings_title(self.experiment, self.seeds), self.seeds is not None)

    def renderables(self) -> list[RenderableType]:
        layers = runner.layer_rows(runner.network_layers(self.experiment))
        arch = architectures.get(self.experiment.architecture)
        shown: list[RenderableType] = [
            report.model_summary(
                report.settings_title(self.experiment, self.seeds), layers, report.data_line(arch, self.experiment)
            )
        ]
        if self.seeds is None:
            shown += [report.predictions_table(self.first), report.verdict_line(self.first, self.seconds)]
        else:
            shown.append(report.seeds_summary(self.summary, self.results, self.seconds))
        return shown

    def __repr__(self) -> str:
        seeds_said = report.seeds_text(self.seeds) if self.seeds else f"seed {self.experiment.seed}"
        learned = sum(r.verdict.learned for r in self.results)
        return f"<Run {self.experiment.architecture}, {seeds_said}: learned in {learned} of {len(self.results)}>"


@dataclass(repr=False)
class Comparison(Shown):
    """Several architectures on the same settings and seeds: `compare`'s result."""

    runs: list[Run]
    title: str
    rows: list[dict] = field(init=False)
    summary: list[dict] = field(init=False)

    def __post_init__(self):
        self.rows = [row for run in self.runs for row in run.rows]
        self.summary = rows.aggregate(self.rows)

    def __getitem__(self, architecture: str) -> Run:
        name = architectures.get(architecture).name
        return next(run for run in self.runs if run.experiment.architecture == name)

    def plot(self):
        """Each architecture's loss, the median over its seeds, as `compare --plot` draws them."""
        return median_plot([run.results for run in self.runs], self.title)

    def renderables(self) -> list[RenderableType]:
        return [report.compare_table(self.summary, self.rows, title=self.title), report.compare_takeaway(self.summary)]

    def __repr__(self) -> str:
        said = ", ".join(f"{s['architecture']} {s['runs_learned']}/{s['runs']}" for s in self.summary)
        return f"<Comparison: {said}>"


@dataclass(repr=False)
class Sweep(Shown):
    """Every combination of settings, once per seed: `sweep`'s result (and what `out` records)."""

    rows: list[dict]  # every run of the grid, trained now or read from `out`
    summary: list[dict]
    trained: int
    skipped: int
    out: Path | None
    curves: list[tuple[Experiment, list[float]]]  # per setting trained now: the median loss over its seeds

    def plot(self):
        """The median loss of every setting trained now, as `sweep --plot` draws them."""
        return settings_plot(self.curves, f"sweep of {len(self.rows)} runs: median loss over seeds")

    def renderables(self) -> list[RenderableType]:
        return [report.sweep_table(self.summary, runs=len(self.rows))]

    def __repr__(self) -> str:
        return f"<Sweep: {len(self.rows)} runs, {self.trained} trained now, {self.skipped} read from {self.out}>"


@dataclass(repr=False)
class Params(Shown):
    """The parameter arithmetic of every layer: `params`' result. `layers` is `--json`'s document."""

    architectures: list[architectures.Architecture]
    length: int
    neurons: int
    kind: str  # the layer kind of the cell
    depth: int
    layers: list[dict] = field(init=False)

    def __post_init__(self):
        self.layers = [
            report.params_json(arch, self.length, self.neurons, self.kind, self.depth) for arch in self.architectures
        ]

    @property
    def totals(self) -> dict[str, int]:
        """Each architecture's number of weights."""
        return {entry["architecture"]: entry["total_params"] for entry in self.layers}

    def renderables(self) -> list[RenderableType]:
        tables: list[RenderableType] = [
            report.params_table(arch, self.length, self.neurons, self.kind, self.depth) for arch in self.architectures
        ]
        return [*tables, report.params_notes(self.kind)]

    def __repr__(self) -> str:
        return f"<Params: {', '.join(f'{name} {total:,}' for name, total in self.totals.items())}>"


@dataclass(repr=False)
class Prediction(Shown):
    """A saved model run on a sequence: `predict`'s result."""

    model_path: Path
    experiment: Experiment
    inputs: list[float]
    expected: list[float]
    predictions: list[float]
    verdict: Verdict

    @property
    def learned(self) -> bool:
        return self.verdict.learned

    def document(self) -> dict:
        """`predict --json`'s document."""
        names = ("architecture", "task", "cell", "length", "seed")
        return {
            "model": str(self.model_path),
            **{name: getattr(self.experiment, name) for name in names},
            "inputs": self.inputs,
            "expected": self.expected,
            "predictions": self.predictions,
            "learned": self.verdict.learned,
            "steps_correct": self.verdict.steps_correct,
            "tolerance": self.verdict.tolerance,
        }

    def renderables(self) -> list[RenderableType]:
        return [
            report.predict_report(
                self.model_path,
                self.experiment,
                np.array(self.inputs),
                np.array(self.expected),
                np.array(self.predictions),
                self.verdict,
            )
        ]

    def __repr__(self) -> str:
        return f"<Prediction of {self.model_path}: {'right' if self.learned else 'wrong'} at {self.verdict.steps_correct} steps>"


@dataclass(repr=False)
class Inspection(Shown):
    """Inside a trained network: `inspect`'s result. `answer` is `--json`'s document."""

    answer: dict

    def plot(self):
        """The heatmaps, as `inspect --plot` draws them."""
        from lstm_echo.rendering import heatmaps

        settings = self.answer["settings"]
        title = f"{settings['architecture']} on {settings['task']}, seed {settings['seed']}"
        return displayable(plot.heatmaps_figure(heatmaps.plot_panels(self.answer), title))

    def renderables(self) -> list[RenderableType]:
        from lstm_echo.rendering import heatmaps

        return [heatmaps.inspect_report(self.answer)]

    def __repr__(self) -> str:
        return f"<Inspection of {self.answer['settings']['architecture']}, seed {self.answer['settings']['seed']}>"
