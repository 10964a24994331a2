"""A sweep: every point of a grid, once per seed, recorded as it goes.

The seeds of one point train together in one compiled program; their runs are
then appended to the results file in one write before the next point starts.
Runs the file already holds are skipped, so a killed sweep resumes where it
stopped.

With `workers` > 1 the points go to that many worker processes (the standard
library's pool), each importing TensorFlow once and given whole groups of
points that share a compiled program; this process alone writes the file.
"""

import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace

from lstm_echo import children, program_shape, runner, seeds
from lstm_echo.config import Experiment
from lstm_echo.results.results_file import ResultsFile, experiment_key
from lstm_echo.results.rows import run_row


@dataclass
class Outcome:
    rows: list[dict]  # every run of the grid, recorded before or trained now
    trained: int
    skipped: int
    # Per point trained now, or recorded with its curves (--keep-curves): the median loss over its seeds.
    curves: list[tuple[Experiment, list[float]]]


def run(
    points: list[Experiment],
    seed_list: list[int],
    out: ResultsFile | None = None,
    recorded: dict | None = None,
    on_runs=None,
    on_phase=None,
    workers: int = 1,
    keep_curves: bool = False,
) -> Outcome:
    """Train every point for every seed not in `recorded` (`out`'s runs, by key), appending to `out`.

    `on_runs(n)` is called as n more runs of the grid are done or found recorded;
    `on_phase(phase, point)` hears the runner's phases of the point being trained (one process only).
    `keep_curves`: each new row holds its loss history, so that a resumed sweep can draw it.
    """
    recorded = recorded or {}
    rows: list[dict] = []
    curves: list[tuple[Experiment, list[float]]] = []
    trained = skipped = 0
    work: list[tuple[Experiment, list[int]]] = []
    for point in points:
        keys = {seed: experiment_key(replace(point, seed=seed)) for seed in seed_list}
        todo = [seed for seed in seed_list if keys[seed] not in recorded]
        kept = [recorded[keys[seed]] for seed in seed_list if keys[seed] in recorded]
        rows.extend(kept)
        histories = [row.get("loss_history") for row in kept]
        if not todo and all(histories) and len({len(h) for h in histories}) == 1:  # type: ignore[arg-type]
            curves.append((point, seeds.median_curve(histories)))  # type: ignore[arg-type]
        skipped += len(seed_list) - len(todo)
        if on_runs is not None and len(todo) < len(seed_list):
            on_runs(len(seed_list) - len(todo))
        if todo:
            work.append((point, todo))
    done = trained_points(work, on_phase, keep_curves) if workers == 1 else pooled(work, workers, keep_curves)
    for point, new_rows, curve in done:
        if out is not None:
            out.append(new_rows)
        rows.extend(new_rows)
        trained += len(new_rows)
        curves.append((point, curve))
        if on_runs is not None:
            on_runs(len(new_rows))
    place = {point: k for k, point in enumerate(points)}
    curves.sort(key=lambda curve: place[curve[0]])  # in grid order, recorded or trained now
    return Outcome(rows=rows, trained=trained, skipped=skipped, curves=curves)


Done = tuple[Experiment, list[dict], list[float]]  # a point, its new run rows, its median loss curve


def trained_points(work: list[tuple[Experiment, list[int]]], on_phase=None, keep_curves=False) -> Iterator[Done]:
    """Train each point's seeds together, one point after another, as each finishes."""
    for point, todo in work:
        heard = None if on_phase is None else lambda phase, point=point: on_phase(phase, point)
        results = runner.run_seeds(point, todo, on_phase=heard)
        new_rows = [run_row(result, with_history=keep_curves) for result in results]
        yield point, new_rows, seeds.median_curve([r.loss_history for r in results])


def train_group(group: list[tuple[Experiment, list[int]]], keep_curves: bool = False) -> list[Done]:
    """A worker's task: points that share a compiled program, back to back."""
    return list(trained_points(group, keep_curves=keep_curves))


def pooled(work: list[tuple[Experiment, list[int]]], workers: int, keep_curves: bool = False) -> Iterator[Done]:
    """Train the points in `workers` processes, yielding each group's points as the group finishes."""
    groups: dict[tuple, list] = {}
    for point, todo in work:
        groups.setdefault(program_shape.key(point), []).append((point, todo))
    pool = children.pool(workers)
    try:
        train = functools.partial(train_group, keep_curves=keep_curves)
        for done in pool.imap_unordered(train, list(groups.values())):
            yield from done
        pool.close()
    except BaseException:
        pool.terminate()  # Ctrl-C, TERM, HUP or a failed write: stop the workers now
        raise
    finally:
        pool.join()
