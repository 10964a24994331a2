"""A sweep cut into N shards for a scheduler (a Slurm job array, GNU parallel), no TensorFlow.

The split depends on the grid and N alone, never on what a results file holds,
so every job of an array computes the same split. A setting's seeds are never
split (they train together), and settings that share a compiled program (the
same shapes) go to the same shard and run back to back, so a shard compiles
each program once. Groups go, largest first, to the shard with the least work
so far: the shards come out about equally long.

Work is counted in model updates (epochs × minibatches × seeds) weighted by the
network's parameters: a relative cost, not seconds.
"""

import math
import re
from dataclasses import dataclass
from pathlib import Path

from lstm_echo import program_shape
from lstm_echo.config import Experiment, bad_value, shown
from lstm_echo.param_arithmetic import total_params

MAX_SHARDS = 100_000
SHARD = re.compile(r"([0-9]{1,6})/([0-9]{1,6})")


@dataclass(frozen=True)
class Shard:
    index: int  # 0-based
    count: int

    @property
    def label(self) -> str:
        width = len(str(self.count - 1))
        return f"{self.index:0{width}d}-of-{self.count}"


def parse(text: str) -> Shard:
    """`--shard K/N`: shard K (0-based) of N."""
    match = SHARD.fullmatch(text.strip())
    if not match:
        raise bad_value("--shard", shown(text), "write K/N, like 3/200: shard K of N, from 0")
    index, count = int(match[1]), int(match[2])
    if not 1 <= count <= MAX_SHARDS:
        raise bad_value("--shard", shown(text), f"N must be 1 to {MAX_SHARDS:,}")
    if index >= count:
        raise bad_value("--shard", shown(text), f"K counts from 0: at most {count - 1}")
    return Shard(index, count)


def plan_count(text: str) -> int:
    """`--plan N`: how many shards to plan for."""
    if not (text.strip().isascii() and text.strip().isdigit()) or not 1 <= int(text) <= MAX_SHARDS:
        raise bad_value("--plan", shown(text), f"a number of shards, 1 to {MAX_SHARDS:,}")
    return int(text)


def work(point: Experiment, seed_count: int, layers) -> float:
    """Relative cost of a point's runs: updates of every seed's model, weighted by its size and batch."""
    samples = program_shape.samples(point)
    updates = point.epochs * math.ceil(samples / point.batch_size) * seed_count
    return updates * total_params(layers) * point.batch_size * point.steps


def split(points: list[Experiment], seed_count: int, count: int, layers_of) -> list[list[Experiment]]:
    """The points of each of `count` shards, each shard's programs back to back, in grid order within."""
    groups: dict[tuple, list[Experiment]] = {}
    for point in points:
        groups.setdefault(program_shape.key(point), []).append(point)
    order = {key: i for i, key in enumerate(groups)}  # first appearance in the grid
    costs = {key: sum(work(p, seed_count, layers_of(p)) for p in group) for key, group in groups.items()}
    loads = [0.0] * count
    assigned: list[list[tuple]] = [[] for _ in range(count)]
    for key in sorted(groups, key=lambda k: (-costs[k], order[k])):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        loads[lightest] += costs[key]
        assigned[lightest].append(key)
    return [[p for key in sorted(keys, key=order.__getitem__) for p in groups[key]] for keys in assigned]


def plan(points: list[Experiment], seed_count: int, count: int, layers_of) -> list[dict]:
    """Per shard of the split: its settings, runs, compiled programs and share of the work."""
    planned = split(points, seed_count, count, layers_of)
    works = [sum(work(p, seed_count, layers_of(p)) for p in shard_points) for shard_points in planned]
    total = sum(works) or 1.0
    return [
        {
            "shard": f"{k}/{count}",
            "settings": len(shard_points),
            "runs": len(shard_points) * seed_count,
            "programs": len({program_shape.key(p) for p in shard_points}),
            "work": shard_work,
            "share": shard_work / total,
        }
        for k, (shard_points, shard_work) in enumerate(zip(planned, works))
    ]


def shard_path(out: Path, shard: Shard) -> Path:
    """`runs.jsonl` -> `runs.d/007-of-200.jsonl`: each shard's own file, beside the merged one."""
    return out.with_name(out.stem + ".d") / f"{shard.label}{out.suffix}"


def make_folder(path: Path) -> None:
    """Create a shard file's folder (`runs.d/`) if it is missing; InputError, naming --out, when it cannot be."""
    folder = path.parent
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        reason = "exists and is not a folder" if isinstance(error, FileExistsError) else error.strerror or str(error)
        raise bad_value("--out", shown(str(folder)), reason) from None
