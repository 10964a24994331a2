"""The plan a sharded sweep leaves beside its shards (`runs.d/plan.json`), and what is missing from it.

Shard files alone cannot tell what was planned: a shard that never ran leaves
no file. So the first shard of a sweep to start writes the plan, once and
atomically (a whole temporary file linked into place, which fails where a plan
already is): the grid, the seeds, N and the command. Every later shard reads
it back and is refused when it plans another sweep. `merge` and `status` read
it to name the shards and runs that are missing, with the commands that re-run
them. No TensorFlow: the split is recomputed from the grid (`shards.split`).

The plan is read as untrusted input: its size is bounded, every key and value
checked as the command line checks them, and the command it holds is shown
quoted for a shell, never run.
"""

import json
import os
import shlex
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from lstm_echo import atomic, config, grid, runner, seeds, shards
from lstm_echo.config import InputError, shown
from lstm_echo.results.results_file import experiment_key

NAME = "plan.json"
VERSION = 1
MAX_BYTES = 4 * 2**20  # a grid of 10,000-value lists fits many times over
KEYS = {"lstm_echo_plan", "shards", "seeds", "axes", "command"}


@dataclass(frozen=True)
class Plan:
    shards: int
    seeds: list[int]
    axes: dict[str, list]
    command: list[str]  # the sweep's arguments after `lstm-echo`, its --shard value as given

    def document(self) -> dict:
        return {
            "lstm_echo_plan": VERSION,
            "shards": self.shards,
            "seeds": self.seeds,
            "axes": self.axes,
            "command": self.command,
        }

    def same_sweep(self, other: "Plan") -> bool:
        """Whether two shards' plans are one sweep: the same grid, seeds and N (the command may differ)."""
        return (self.shards, self.seeds, self.axes) == (other.shards, other.seeds, other.axes)

    def shard_points(self) -> list[list[config.Experiment]]:
        points = grid.points(self.axes, len(self.seeds))
        return shards.split(points, len(self.seeds), self.shards, runner.network_layers)

    def keys(self) -> list[tuple]:
        """The key of every run planned, in the grid's order, each point's seeds together."""
        points = grid.points(self.axes, len(self.seeds))
        return [experiment_key(replace(point, seed=seed)) for point in points for seed in self.seeds]

    def shard_keys(self) -> list[list[tuple]]:
        """Per shard, the key of every run it was planned to record."""
        return [
            [experiment_key(replace(point, seed=seed)) for point in points for seed in self.seeds]
            for points in self.shard_points()
        ]

    def rerun_lines(self, missing: list[int]) -> list[str]:
        """Commands that re-run the shards `missing`: under Slurm, with GNU parallel, and one by one."""
        listed = ",".join(map(str, missing))
        words = [shlex.quote(word) for word in self.command]
        at = next((k for k, word in enumerate(self.command) if word == "--shard"), None)
        lines = [f"sbatch --array={listed} sweep.sh    # the job array's script, run again for these tasks only"]
        if at is not None and at + 1 < len(words):
            parallel = [*words[: at + 1], f"{{}}/{self.shards}", *words[at + 2 :]]
            lines.append(f"printf '%s\\n' {' '.join(map(str, missing))} | parallel lstm-echo {' '.join(parallel)}")
        return lines


def missing(shard_keys: list[list[tuple]], recorded) -> dict[int, list[tuple]]:
    """Per shard (of `Plan.shard_keys`) with runs not `recorded(key)`, those runs' keys; empty when complete."""
    gaps = {}
    for index, keys in enumerate(shard_keys):
        absent = [key for key in keys if not recorded(key)]
        if absent:
            gaps[index] = absent
    return gaps


def path_for(out: Path) -> Path:
    """`runs.jsonl` -> `runs.d/plan.json`, beside the shards' files."""
    return shards.shard_path(out, shards.Shard(0, 1)).with_name(NAME)


def from_document(document, where: Path) -> Plan:
    """A plan read from disk, every part checked; InputError names the file and what is wrong."""

    def bad(reason: str) -> InputError:
        return InputError(f"{where}: not a sweep plan of lstm-echo ({reason})")

    if type(document) is not dict or document.keys() != KEYS:
        raise bad("its keys are not " + ", ".join(sorted(KEYS)))
    if document["lstm_echo_plan"] != VERSION:
        raise bad(f"version {str(document['lstm_echo_plan'])[:20]}, not {VERSION}")
    count = document["shards"]
    if type(count) is not int or not 1 <= count <= shards.MAX_SHARDS:
        raise bad("shards is not a count of shards")
    command = document["command"]
    if type(command) is not list or not all(type(w) is str and w.isprintable() for w in command):
        raise bad("command is not a list of printable words")
    axes = document["axes"]
    if type(axes) is not dict or not set(axes) <= set(config.AXES):
        raise bad("axes is not an object of sweep settings")
    try:
        seed_list = seeds.expand(document["seeds"])
        checked = {name: grid.axis_from_file(name, values) for name, values in axes.items()}
        grid.points(checked, len(seed_list))  # every value and combination, as the command line checks them
    except (grid.GridError, seeds.SeedsError, InputError, TypeError) as error:
        raise bad(str(error)[:200]) from None
    return Plan(count, seed_list, checked, command)


def read(path: Path) -> Plan:
    if config.regular_file(path, str(path)).st_size > MAX_BYTES:
        raise InputError(f"{path}: not a sweep plan of lstm-echo (larger than {MAX_BYTES // 2**20} MB)")
    try:
        with open(path, "rb") as handle:
            document = json.loads(handle.read(MAX_BYTES + 1))
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: not a sweep plan of lstm-echo ({str(error)[:80]})") from None
    return from_document(document, path)


def find(paths: list[Path]) -> tuple[Path, Plan] | None:
    """The plan beside results files (a sweep's shards), if their folder holds one."""
    folders = {Path(path).resolve().parent for path in paths}
    if len(folders) != 1:
        return None
    path = folders.pop() / NAME
    return (path, read(path)) if path.exists() else None


def settle(out: Path, plan: Plan) -> None:
    """Write the plan beside the shards unless one is there; refuse a shard of another sweep."""
    path = path_for(out)
    plan = from_document(json.loads(json.dumps(plan.document())), path)  # as a reader will see it
    handle, temporary = tempfile.mkstemp(prefix=".lstm-echo-", suffix=".plan", dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~atomic.umask())  # a file the tool creates: the umask's mode
        with os.fdopen(handle, "w", encoding="utf-8") as written:
            json.dump(plan.document(), written)
            written.flush()
            os.fsync(written.fileno())
        os.link(temporary, path)  # atomic, and fails where a plan already is: the first shard's stands
    except FileExistsError:
        existing = read(path)
        if not existing.same_sweep(plan):
            raise InputError(
                f"Invalid value for --shard: {shown(str(path))} plans another sweep ({describe(existing)}); "
                "use another --out, or remove that folder"
            ) from None
    finally:
        os.unlink(temporary)


def describe(plan: Plan) -> str:
    runs = len(grid.points(plan.axes, len(plan.seeds))) * len(plan.seeds)
    return f"{runs:,} runs in {plan.shards} shards"
