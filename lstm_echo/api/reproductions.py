"""`lstm_echo.reproduce`: a classic experiment run to the paper's stopping rule, with the paper's table beside ours."""

import time
from dataclasses import dataclass, field

import numpy as np
from rich.console import RenderableType

from lstm_echo import reproduction, threads
from lstm_echo.api.outcomes import Shown, displayable
from lstm_echo.errors import Error
from lstm_echo.layers import CELLS
from lstm_echo.rendering import reproduction_report
from lstm_echo.reproduction import SeedRun, Settings


@dataclass
class Reproduction(Shown):
    """`reproduce`'s result: a run per cell and seed, a row per cell, and the held-out curves when asked."""

    settings: Settings
    runs: list[SeedRun]
    curves: dict[str, tuple[list[int], np.ndarray]]  # cell -> (sequences seen, (points, seeds) held-out MSE)
    weights: dict[str, list[np.ndarray]]  # cell -> its trained weights in Keras' order, a leading seed axis
    seconds: float  # training and judging, from the call to its end
    rows: list[dict] = field(init=False)  # per seed, as --json prints them
    summary: list[dict] = field(init=False)  # per cell

    def __post_init__(self):
        self.rows = [run.row(self.settings) for run in self.runs]
        self.summary = reproduction.summary(self.settings, self.runs)

    def renderables(self) -> list[RenderableType]:
        return [
            reproduction_report.table(self.settings, self.summary),
            reproduction_report.notes(self.settings, self.summary),
        ]

    def plot(self):
        """Held-out error against training sequences seen, per cell (needs `curve=True`)."""
        if not self.curves:
            raise Error("plot(): the curves are measured with reproduce(..., curve=True)")
        return displayable(reproduction_report.figure(self.settings, self.curves))

    def shown_seed(self, cell: str) -> int:
        """The seed a picture of `cell` shows: the first that stopped, else the one with the least test error."""
        own = [run for run in self.runs if run.cell == cell]
        stopped = [run for run in own if run.stopped_at is not None]
        return (stopped or sorted(own, key=lambda run: run.test_mse))[0].seed

    def memory_plot(self, cell: str | None = None, seed: int | None = None, sequence: int | None = None):
        """How a trained model holds X1 across the lag: one test sequence, every unit's memory at every step
        (the LSTM's cell state; the output of the others). By default the first cell, its `shown_seed`, and
        the first test sequence whose X1 is not at step 0 (where the paper counts it as 0)."""
        from lstm_echo.backend import long_lag  # TensorFlow, already started by the training

        cell = cell or self.settings.cells[0]
        if cell not in self.weights:
            raise Error(f"memory_plot(): cell {cell!r} was not trained here (trained: {', '.join(self.weights)})")
        seed = self.shown_seed(cell) if seed is None else seed
        if seed not in self.settings.seeds:
            raise Error(f"memory_plot(): seed {seed!r} was not trained here")
        position = self.settings.seeds.index(seed)
        weights = [w[position] for w in self.weights[cell]]
        s = self.settings
        for index in [sequence] if sequence is not None else range(100):
            memory = long_lag.memory(CELLS[cell], s.neurons, s.length, s.paper, weights, seed, index)
            if memory["pairs"][0, 1] != 1:
                break
        return displayable(reproduction_report.memory_figure(s, cell, seed, memory))


def check(problem: str = "adding", *, seeds=10, cell="lstm", **values) -> Settings:
    """Every setting checked, as `reproduce` checks them (InputError names the option and the value as typed)."""
    seeds_text = ",".join(map(str, seeds)) + "," if isinstance(seeds, list | tuple) else seeds
    cells = ",".join(cell) if isinstance(cell, list | tuple) else cell
    return reproduction.checked(problem, seeds_text=seeds_text, cells=cells, **values)


def reproduce(
    problem: str = "adding",
    *,
    length=reproduction.DEFAULTS.length,
    seeds=10,
    cell="lstm",
    neurons=reproduction.DEFAULTS.neurons,
    batch_size=reproduction.DEFAULTS.batch_size,
    learning_rate=reproduction.DEFAULTS.learning_rate,
    forget_bias=reproduction.DEFAULTS.forget_bias,
    max_sequences=reproduction.DEFAULTS.max_sequences,
    variant=reproduction.DEFAULTS.variant,
    curve: bool = False,
    on_progress=None,
) -> Reproduction:
    """Train a model per seed and cell (`cell="lstm,gru,simple"`) on fresh sequences until each stops by the
    paper's rule or `max_sequences` are seen, then judge each on 2,560 fresh sequences.

    `seeds` is a count or a list (`[0, 5]`) or a set as the command line writes it (`"0-9"`). `curve`:
    also measure the held-out error after every chunk, for `plot()`. `on_progress(cell, seen, budget,
    stopped)` is called after every chunk.
    """
    settings = check(
        problem,
        length=length,
        seeds=seeds,
        cell=cell,
        neurons=neurons,
        batch_size=batch_size,
        learning_rate=learning_rate,
        forget_bias=forget_bias,
        max_sequences=max_sequences,
        variant=variant,
    )
    started = time.perf_counter()
    networks = [
        reproduction.layers(CELLS[name], settings.neurons, settings.length, settings.paper) for name in settings.cells
    ]
    threads.choose([spec for network in networks for spec in network], len(settings.seeds), settings.batch_size)
    from lstm_echo.backend import long_lag  # TensorFlow starts here

    runs, curves, trained = [], {}, {}
    for name in settings.cells:
        report = None if on_progress is None else (lambda *a, name=name: on_progress(name, *a))
        stopped = long_lag.train(
            CELLS[name],
            settings.neurons,
            settings.length,
            seeds=list(settings.seeds),
            batch=settings.batch_size,
            learning_rate=settings.learning_rate,
            max_sequences=settings.max_sequences,
            paper=settings.paper,
            curve=curve,
            forget_bias=settings.forget_bias,
            on_progress=report,
        )
        for k, seed in enumerate(settings.seeds):
            at = int(stopped.stopped_at[k])
            runs.append(SeedRun(name, seed, None if at < 0 else at, int(stopped.wrong[k]), float(stopped.test_mse[k])))
        trained[name] = stopped.weights
        if stopped.curve_mse is not None:
            curves[name] = (stopped.curve_seen, stopped.curve_mse)
    return Reproduction(settings, runs, curves, trained, time.perf_counter() - started)
