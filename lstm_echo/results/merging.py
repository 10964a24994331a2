"""One results file from many (a sweep's shards, runs from several machines), no TensorFlow.

Rows are read and checked as a sweep reads them. A run whose key (its settings)
appeared before is dropped when its results are the same (where and when it ran,
and how long it took, may differ), and reported as a conflict, the first kept,
when they are not. The target is written whole or not at all: a temporary
file beside it, synced, then renamed over it. Its own runs come first, so
merging again what is already merged changes nothing; the shards of a sweep
are written in its plan's order, as one process would have listed them.
"""

import fcntl
import hashlib
import json
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lstm_echo import atomic
from lstm_echo.config import bad_value, regular_file, shown
from lstm_echo.results.results_file import ResultsFile, key

# May differ between two runs of the same setting and seed: where, when, how fast, and with how
# many other models in the same program (results equal to 1e-6 either way, see the README).
NOT_RESULTS = ("provenance", "seconds", "models_trained_together")
VERSIONS = ("lstm_echo", "tensorflow", "keras")


@dataclass
class Merged:
    runs: int = 0
    duplicates: int = 0
    conflicts: list[tuple] = field(default_factory=list)  # keys whose results differ between files
    differing: dict[tuple, list[str]] = field(default_factory=dict)  # a conflict's fields that differ
    keys: Collection[bytes] = ()  # the digest of every run's key in the merged file
    versions: set[tuple] = field(default_factory=set)  # (lstm_echo, tensorflow, keras) seen


def digest(value) -> bytes:
    """16 bytes standing for a key or a row's results: what a million runs can be remembered by."""
    return hashlib.blake2b(json.dumps(value, sort_keys=True).encode(), digest_size=16).digest()


def results(row: dict) -> dict:
    return {name: value for name, value in row.items() if name not in NOT_RESULTS}


def merge(inputs: list[Path], into: Path, planned: Iterable[tuple] = ()) -> Merged:
    """Merge `inputs` into `into` (read first if it exists) and write it atomically, one row at a time:
    only a digest of each run's key and results, and where its row is, is kept in memory.

    The runs of `planned` (a sharded sweep's keys, in its grid's order) are written in that order,
    any others after them in the order first met."""
    target = ResultsFile(into, "--into")  # checks the name and folder now
    for path in inputs:
        regular_file(Path(path), "FILES")
    sources = [ResultsFile(Path(path), "FILES") for path in inputs]
    atomic.probe(into, "--into")
    merged = Merged()
    lock = os.open(into, os.O_RDONLY) if into.exists() else None
    try:
        if lock is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise bad_value("--into", shown(str(into)), "an lstm-echo process is writing to it") from None
        readers = ([target] if lock is not None else []) + sources
        kept = scan(readers, merged)
        place = {digest(run): position for position, run in enumerate(planned)}
        order = sorted(kept, key=lambda run: place.get(run, len(place)))  # stable: the rest as first met
        atomic.write(into, lambda name: write(name, target, readers, [kept[run] for run in order]))
        if merged.conflicts:  # rare: read again for the few runs in conflict rather than keep every row
            merged.differing = differing_fields(readers, set(merged.conflicts))
    finally:
        if lock is not None:
            os.close(lock)
    return merged


@dataclass(frozen=True)
class Kept:
    """Where the row kept for a run is, and the digests it was kept by."""

    reader: int
    offset: int
    run: bytes
    results: bytes


def scan(readers: list[ResultsFile], merged: Merged) -> dict[bytes, Kept]:
    """Every run of `readers` once, by the digest of its key, first met kept; duplicates and conflicts counted."""
    kept: dict[bytes, Kept] = {}
    for index, reader in enumerate(readers):
        descriptor = os.open(reader.path, os.O_RDONLY)
        try:
            for offset, row in reader.rows_at(descriptor):
                merged.versions.add(tuple(row["provenance"][name] for name in VERSIONS))
                run = key(row)
                run_digest, results_digest = digest(run), digest(results(row))
                if run_digest not in kept:
                    kept[run_digest] = Kept(index, offset, run_digest, results_digest)
                elif kept[run_digest].results == results_digest:
                    merged.duplicates += 1
                elif run not in merged.conflicts:
                    merged.conflicts.append(run)
        finally:
            os.close(descriptor)
    merged.runs = len(kept)
    merged.keys = kept.keys()  # a view: a million runs are not copied
    return kept


def write(temporary: str, target: ResultsFile, readers: list[ResultsFile], rows: list[Kept]) -> None:
    """The `rows` found by `scan`, read again in this order, into the file `temporary` in `target`'s format.
    A row that is not the one scanned (its file changed in between) is refused."""
    files = [open(reader.path, "rb") for reader in readers]
    try:
        with open(temporary, "wb") as out:
            out.write(target.lines([], header=True))
            for kept in rows:
                reader = readers[kept.reader]
                row = reader.row_at(files[kept.reader], kept.offset)
                if (digest(key(row)), digest(results(row))) != (kept.run, kept.results):
                    reader.refuse(f"it changed while being merged (at byte {kept.offset})")
                out.write(target.lines([row], header=False))
    finally:
        for file in files:
            file.close()


def flat(row: dict) -> dict:
    """A row's results as `name` or `name.part` (train.mse) to value."""
    out = {}
    for name, value in results(row).items():
        if isinstance(value, dict):
            out.update({f"{name}.{part}": inner for part, inner in value.items()})
        else:
            out[name] = value
    return out


def differing_fields(readers: list[ResultsFile], conflicts: set[tuple]) -> dict[tuple, list[str]]:
    """For each run in conflict, the fields where a later row differs from the one kept."""
    first: dict[tuple, dict] = {}
    fields: dict[tuple, list[str]] = {run: [] for run in conflicts}
    for reader in readers:
        descriptor = os.open(reader.path, os.O_RDONLY)
        try:
            for row in reader.rows(descriptor):
                run = key(row)
                if run not in conflicts:
                    continue
                values = flat(row)
                kept = first.setdefault(run, values)
                for name in dict.fromkeys([*kept, *values]):  # in row order
                    if kept.get(name) != values.get(name) and name not in fields[run]:
                        fields[run].append(name)
        finally:
            os.close(descriptor)
    return fields
