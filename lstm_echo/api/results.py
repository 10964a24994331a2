"""Results files read into Python: every run as a dict, a summary as `report` gives it, a DataFrame."""

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import RenderableType

from lstm_echo.api.outcomes import Shown, displayable
from lstm_echo.config import InputError, regular_file
from lstm_echo.rendering import plot, report
from lstm_echo.results import results_summary
from lstm_echo.results.results_file import ResultsFile


def series_of(table: list[dict], groups: list[str]) -> dict[str, list[tuple]]:
    """A summary table as lines of (the first group's value, runs learned, runs), one per other groups' values."""
    series: dict[str, list[tuple]] = {}
    for row in table:
        label = ", ".join(f"{name} {row[name]}" for name in groups[1:])
        series.setdefault(label, []).append((row[groups[0]], row["runs_learned"], row["runs"]))
    return series


def listed(names: str | Iterable[str] | None) -> str | None:
    return names if names is None or isinstance(names, str) else ",".join(names)


@dataclass(repr=False)
class Summary(Shown):
    """One row per group of settings, as `lstm-echo report --by ...` shows them."""

    table: list[dict]
    groups: list[str]
    runs: int  # read, before `where`
    described: dict[str, list]
    files: int

    def plot(self):
        """The share of runs that learned against the first group, as `report --plot` draws it."""
        title = report.report_plot_title(self.described, self.runs, self.files)
        return displayable(plot.rates_figure(series_of(self.table, self.groups), title, self.groups[0]))

    def renderables(self) -> list[RenderableType]:
        return [report.sweep_table(self.table, runs=sum(row["runs"] for row in self.table))]


@dataclass(repr=False)
class Results(Shown):
    """The runs of results files (`rows`, as their lines hold them), read and checked as `report` reads them."""

    paths: list[Path]
    rows: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict]:
        return iter(self.rows)

    def summary(self, by: str | Iterable[str] | None = None, where: dict | None = None) -> Summary:
        """One row per group of `by` (default: every setting but the seed) over the runs `where` keeps
        (`{"architecture": "m2m", "length": "5-10"}`), as `lstm-echo report` computes them."""
        groups = results_summary.parse_by(listed(by))
        accepted = results_summary.parse_where([f"{name}={value}" for name, value in (where or {}).items()])
        table, read, described = results_summary.summarize(self.paths, groups, accepted)
        return Summary(table, groups, read, described, len(self.paths))

    def plot(self, by: str | Iterable[str] | None = None):
        return self.summary(by).plot()

    def to_pandas(self):
        """A DataFrame, a row per run; `train`, `test` and `provenance` spelled out as `train.mse`, ..., as in
        a CSV results file. Needs pandas (`pip install 'lstm-echo[pandas]'`)."""
        try:
            import pandas
        except ImportError:
            raise InputError("to_pandas needs pandas: pip install 'lstm-echo[pandas]'") from None
        return pandas.json_normalize(self.rows, sep=".")

    def renderables(self) -> list[RenderableType]:
        return self.summary().renderables()

    def __repr__(self) -> str:
        return f"<Results: {len(self.rows)} runs from {report.plural(len(self.paths), 'file')}>"


def read_results(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> Results:
    """Every run of one or more results files (.jsonl or .csv, as sweep --out writes them), each line checked."""
    files = [Path(paths)] if isinstance(paths, str | os.PathLike) else [Path(p) for p in paths]
    results = Results(files)
    for path in files:
        regular_file(path, "FILES")
        reader = ResultsFile(path, "FILES")
        descriptor = os.open(path, os.O_RDONLY)
        try:
            results.rows.extend(reader.rows(descriptor))
        finally:
            os.close(descriptor)
    return results
