"""A sweep: every point of a grid, once per seed, in one process, recorded as it goes.

The seeds of one point train together in one compiled program; their runs are
then appended to the results file in one write before the next point starts.
Runs the file already holds are skipped, so a killed sweep resumes where it
stopped.
"""

from dataclasses import dataclass, replace

from lstm_echo import runner, seeds
from lstm_echo.config import Experiment
from lstm_echo.results_file import ResultsFile, experiment_key
from lstm_echo.rows import run_row


@dataclass
class Outcome:
    rows: list[dict]  # every run of the grid, recorded before or trained now
    trained: int
    skipped: int
    curves: list[tuple[Experiment, list[float]]]  # per point trained now: the median loss over its seeds


def run(
    points: list[Experiment],
    seed_list: list[int],
    out: ResultsFile | None = None,
    recorded: dict | None = None,
    on_runs=None,
    on_phase=None,
) -> Outcome:
    """Train every point for every seed not in `recorded` (`out`'s runs, by key), appending to `out`.

    `on_runs(n)` is called as n more runs of the grid are done or found recorded;
    `on_phase` is passed to the runner.
    """
    recorded = recorded or {}
    rows: list[dict] = []
    curves: list[tuple[Experiment, list[float]]] = []
    trained = skipped = 0
    for point in points:
        keys = {seed: experiment_key(replace(point, seed=seed)) for seed in seed_list}
        todo = [seed for seed in seed_list if keys[seed] not in recorded]
        rows.extend(recorded[keys[seed]] for seed in seed_list if keys[seed] in recorded)
        skipped += len(seed_list) - len(todo)
        if on_runs is not None and len(todo) < len(seed_list):
            on_runs(len(seed_list) - len(todo))
        if not todo:
            continue
        results = runner.run_seeds(point, todo, on_phase=on_phase)
        new_rows = [run_row(result) for result in results]
        if out is not None:
            out.append(new_rows)
        rows.extend(new_rows)
        trained += len(todo)
        curves.append((point, seeds.median_curve([r.loss_history for r in results])))
        if on_runs is not None:
            on_runs(len(todo))
    return Outcome(rows=rows, trained=trained, skipped=skipped, curves=curves)
