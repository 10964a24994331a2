"""`lstm-echo report`: aggregate rows from results files already written, no TensorFlow, no training.

Files are read as a stream, one line at a time, keeping per group only what its
summary needs (the learned flags, losses, seconds and seeds), so a file of a
million runs fits in a fraction of its size. Every line is checked as `merge`
and a sweep check the files they read (`rows.checked_run_row`): a line that
is not a results row of lstm-echo is named by its number, and nothing of a
file that holds one is reported.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path

from lstm_echo import children, grid, seeds
from lstm_echo.config import InputError, bad_value, regular_file, shown
from lstm_echo.results.aggregate import DESCRIBED, Group
from lstm_echo.results.results_file import CSV_HEADER, FORMATS, csv_row
from lstm_echo.results.rows import GROUP_COLUMNS, SETTING_COLUMNS, checked_run_row


def parse_by(text: str | None) -> list[str]:
    """`--by length,neurons`: the settings to group by (default: every setting but the seed)."""
    if text is None:
        return list(GROUP_COLUMNS)
    names = [name.strip().replace("-", "_") for name in text.split(",")]
    for name in names:
        if name not in SETTING_COLUMNS:
            raise bad_value("--by", shown(text), f"{name!r} is not a setting: {', '.join(SETTING_COLUMNS)}")
    return list(dict.fromkeys(names))


def parse_where(texts: list[str]) -> dict[str, set]:
    """`--where architecture=m2m --where length=5,10`: the runs to keep (values of one name are alternatives)."""
    accepted: dict[str, set] = {}
    for text in texts:
        name, equals, values = text.partition("=")
        name = name.strip().replace("-", "_")
        if not equals or name not in SETTING_COLUMNS:
            raise bad_value("--where", shown(text), "write SETTING=VALUE, like length=5,10")
        try:
            accepted.setdefault(name, set()).update(grid.items(name, values))
        except (grid.GridError, seeds.SeedsError) as error:
            raise bad_value("--where", shown(text), error) from None
    return accepted


PARALLEL_BYTES = 64 * 2**20  # a JSONL file this big is read in parts, by several processes
MAX_READERS = 8


def file_format(path: Path) -> str:
    suffix = next((s for s in FORMATS if path.name.lower().endswith(s)), None)
    if suffix is None:
        raise bad_value("FILES", shown(str(path)), "the name must end in .jsonl or .csv")
    regular_file(path, "FILES")
    return suffix


def csv_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, row) of a CSV results file."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
                if number == 1:
                    if line.rstrip("\r\n") != CSV_HEADER:
                        raise ValueError("not lstm-echo's header")
                    continue
                if line.endswith("\n"):  # a torn last line is a run still being written
                    yield number, csv_row(line)
            except (ValueError, RecursionError) as error:
                raise RowError(number, str(error)) from None


def jsonl_rows(path: Path, start: int = 0, end: int | None = None) -> Iterator[tuple[int, dict]]:
    """(byte offset, row) of the JSONL lines that start in [start, end); a torn last line is skipped
    (a run still being written)."""
    with open(path, "rb") as handle:
        handle.seek(start)
        offset = start
        if start > 0:
            offset += len(handle.readline())  # the line that began before `start` is the previous part's
        for raw in handle:
            if end is not None and offset >= end:
                break
            if raw.endswith(b"\n"):
                try:
                    yield offset, checked_run_row(json.loads(raw.decode("utf-8")))
                except (ValueError, RecursionError) as error:
                    raise RowError(offset, str(error), is_offset=True) from None
            offset += len(raw)


class RowError(Exception):
    """A line that is not a results row: its number (or, in a part of a file, its byte offset)."""

    def __init__(self, where: int, reason: str, is_offset: bool = False):
        super().__init__(where, reason, is_offset)  # all in args: it crosses from a reading process
        self.where, self.reason, self.is_offset = where, reason, is_offset


def gather(path: Path, by: list[str], where: dict[str, set], start: int = 0, end: int | None = None):
    """The groups of one file (or of the part [start, end) of a JSONL file), and the runs read."""
    groups: dict[tuple, Group] = {}
    read = 0
    is_csv = file_format(path) == ".csv"
    rows = csv_rows(path) if is_csv else jsonl_rows(path, start, end)
    for _, row in rows:
        read += 1
        if any(row[name] not in accepted for name, accepted in where.items()):
            continue
        groups.setdefault(tuple(row[name] for name in by), Group()).add(row)
    return groups, read


def line_number(path: Path, offset: int) -> int:
    """The line that starts at byte `offset` (only when a line is wrong, so counting is cheap enough)."""
    count, done = 1, 0
    with open(path, "rb") as handle:
        while done < offset:
            block = handle.read(min(2**20, offset - done))
            count += block.count(b"\n")
            done += len(block)
    return count


def parts(path: Path, count: int) -> list[tuple[int, int]]:
    size = path.stat().st_size
    step = -(-size // count)
    return [(k * step, min(size, (k + 1) * step)) for k in range(count)]


def order(values: tuple) -> tuple:
    """Groups sorted by their settings: numbers by value, then words, then unset."""
    return tuple((2, 0, "") if v is None else (1, 0, str(v)) if isinstance(v, str) else (0, v, "") for v in values)


def summarize(paths: list[Path], by: list[str], where: dict[str, set]) -> tuple[list[dict], int, dict[str, list]]:
    """One aggregate row per group of `by` values, sorted by those values; the runs read; and the values
    of the settings a picture's title names (architecture, task, epochs) over the runs kept.

    A big JSONL file is read in parts by as many processes as there are CPUs; its
    groups are merged in file order, so the result does not depend on the split.
    """
    merged: dict[tuple, Group] = {}
    read = 0
    for path in map(Path, paths):
        suffix = file_format(path)
        workers = min(os.cpu_count() or 1, MAX_READERS)
        split = suffix == ".jsonl" and workers > 1 and path.stat().st_size >= PARALLEL_BYTES
        tasks = [(path, by, where, start, end) for start, end in (parts(path, workers) if split else [(0, None)])]
        try:
            if split:
                with children.pool(workers) as pool:
                    results = pool.starmap(gather, tasks)
            else:
                results = [gather(*task) for task in tasks]
        except RowError as error:
            number = line_number(path, error.where) if error.is_offset else error.where
            raise InputError(f"{path}: line {number} is not a results row of lstm-echo ({error.reason[:60]})") from None
        except OSError as error:
            raise bad_value("FILES", shown(str(path)), error.strerror or error) from None
        for groups, count in results:
            read += count
            for values, group in groups.items():
                merged.setdefault(values, Group()).extend(group)
    described: dict[str, set] = {name: set() for name in DESCRIBED}
    for group in merged.values():
        for name, values in group.described.items():
            described[name] |= values
    table = [{**dict(zip(by, values)), **merged[values].summary()} for values in sorted(merged, key=order)]
    return table, read, {name: sorted(values, key=lambda v: order((v,))) for name, values in described.items()}
