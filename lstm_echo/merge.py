"""One results file from many (a sweep's shards, runs from several machines), no TensorFlow.

Rows are read and checked as a sweep reads them. A run whose key (its settings)
appeared before is dropped when its results are the same (where and when it ran,
and how long it took, may differ), and reported as a conflict, the first kept,
when they are not. The target is written whole or not at all: a temporary
file beside it, synced, then renamed over it. Its own runs come first, so
merging again what is already merged changes nothing.
"""

import fcntl
import os
from dataclasses import dataclass, field
from pathlib import Path

from lstm_echo.config import InputError, shown
from lstm_echo.results_file import ResultsFile, key

NOT_RESULTS = ("provenance", "seconds")  # may differ between two runs of the same setting and seed
VERSIONS = ("lstm_echo", "tensorflow", "keras")


@dataclass
class Merged:
    runs: int = 0
    duplicates: int = 0
    conflicts: list[tuple] = field(default_factory=list)  # keys whose results differ between files
    versions: set[tuple] = field(default_factory=set)  # (lstm_echo, tensorflow, keras) seen


def results(row: dict) -> dict:
    return {name: value for name, value in row.items() if name not in NOT_RESULTS}


def source(path: Path, option: str) -> ResultsFile:
    if not path.is_file():
        raise InputError(f"Invalid value for {option}: {shown(str(path))} (no such file)")
    return ResultsFile(path, option)


def merge(inputs: list[Path], into: Path) -> Merged:
    """Merge `inputs` into `into` (read first if it exists) and write it atomically."""
    target = ResultsFile(into, "--into")  # checks the name and folder now
    sources = [source(Path(path), "FILES") for path in inputs]
    kept: dict[tuple, dict] = {}
    merged = Merged()
    lock = os.open(into, os.O_RDONLY) if into.exists() else None
    try:
        if lock is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InputError(
                    f"Invalid value for --into: {shown(str(into))} (an lstm-echo process is writing to it)"
                ) from None
        for reader in ([target] if lock is not None else []) + sources:
            descriptor = os.open(reader.path, os.O_RDONLY)
            try:
                for row in reader.rows(descriptor):
                    merged.versions.add(tuple(row["provenance"][name] for name in VERSIONS))
                    run = key(row)
                    if run not in kept:
                        kept[run] = row
                    elif results(kept[run]) == results(row):
                        merged.duplicates += 1
                    elif run not in merged.conflicts:
                        merged.conflicts.append(run)
            finally:
                os.close(descriptor)
        write(target, list(kept.values()))
    finally:
        if lock is not None:
            os.close(lock)
    merged.runs = len(kept)
    return merged


def write(target: ResultsFile, rows: list[dict]) -> None:
    temporary = target.path.with_name(f".{target.path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(target.lines(rows, header=True))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target.path)
        folder = os.open(target.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a crash
        finally:
            os.close(folder)
    finally:
        temporary.unlink(missing_ok=True)
