"""A sweep's output file: one line per run, appended and flushed as each setting ends.

`.jsonl` holds one JSON object per line; `.csv` a header and one row per run.
A run is keyed on its full settings, so a sweep re-run with the same file
skips what is already recorded.

What the file promises:
- It is only ever appended to, cut or locked once every line of it (bar a
  torn last line) reads as a results row: a file lstm-echo did not write is
  refused untouched.
- Each batch of lines goes out in one write and is fsynced; a write that fails
  (disk full, file too large) is cut back off, so every line is whole.
- A torn last line (from a crash mid-write) is cut off before the next write,
  not when the file is read.
- One process writes at a time: the file is locked while a sweep uses it.
"""

import csv
import fcntl
import functools
import io
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, NoReturn

from lstm_echo import config
from lstm_echo.config import Experiment, bad_value
from lstm_echo.errors import Error
from lstm_echo.results.rows import OBJECT_FIELDS, RUN_COLUMNS, SETTING_COLUMNS, checked_run_row

FORMATS = (".jsonl", ".csv")
# How every line the tool writes begins; a torn line that begins so is ours.
JSONL_START = '{"architecture": "'
# A CSV has no objects: `train`, `test` and `provenance` become columns `train.mse`, ..., `provenance.host`, ...
CSV_COLUMNS = tuple(
    column
    for name in RUN_COLUMNS
    for column in ([f"{name}.{part}" for part in OBJECT_FIELDS[name]] if name in OBJECT_FIELDS else [name])
)
CSV_HEADER = ",".join(CSV_COLUMNS)


class ResultsWriteError(Error, RuntimeError):
    """A results line could not be written (and what was written of it was removed)."""


def key(settings: dict) -> tuple:
    """What identifies a run: every setting in its own type, so "5" from a CSV equals 5."""
    return tuple(
        None if settings[name] is None else config.SETTINGS[name].kind(settings[name]) for name in SETTING_COLUMNS
    )


def experiment_key(experiment: Experiment) -> tuple:
    return key(experiment.to_dict())


def csv_number(text: str) -> float | None:
    return float(text) if text != "" else None


def csv_setting(name: str, text: str):
    return None if text == "" and name in config.LEFT_OPEN else config.convert(name, text)


CSV_READERS: dict[str, Callable[[str], object]] = {
    **{name: functools.partial(csv_setting, name) for name in SETTING_COLUMNS},
    "learned": lambda text: {"true": True, "false": False}[text],
    "predictions": lambda text: [csv_number(p) for p in text.split(" ")] if text else [],
    **{name: int for name in ("params", "steps_correct", "steps", "worst_step", "models_trained_together")},
    **{name: csv_number for name in ("tolerance", "max_error", "final_loss", "seconds")},
    **{f"{name}.{part}": csv_number for name in ("train", "test") for part in ("mse", "echo_rate")},
    **{f"{name}.sequences": lambda text: int(text) if text else None for name in ("train", "test")},
    **{f"provenance.{part}": str for part in OBJECT_FIELDS["provenance"]},
}


def with_objects(flat: dict) -> dict:
    """A CSV row's `train.mse`, ... columns back into its objects (`test` null when empty)."""
    row = {name: value for name, value in flat.items() if "." not in name}
    for name, parts in OBJECT_FIELDS.items():
        values = {part: flat[f"{name}.{part}"] for part in parts}
        row[name] = None if name == "test" and values["sequences"] is None else values  # no held-out set
    return row


def csv_row(line: str) -> dict:
    """A CSV line of ours, back in the types of the JSON row, then checked as one."""
    (cells,) = csv.reader([line])
    if len(cells) != len(CSV_COLUMNS):
        raise ValueError(f"{len(cells)} fields, not {len(CSV_COLUMNS)}")
    try:
        return checked_run_row(with_objects({name: CSV_READERS[name](cell) for name, cell in zip(CSV_COLUMNS, cells)}))
    except KeyError as error:
        raise ValueError(f"learned {error} is not true or false") from None


def csv_line(row: dict) -> str:
    buffer = io.StringIO()
    flat = {
        **row,
        "learned": "true" if row["learned"] else "false",
        "predictions": " ".join("" if p is None else repr(p) for p in row["predictions"]),
        **{f"{name}.{part}": (row[name] or {}).get(part) for name, parts in OBJECT_FIELDS.items() for part in parts},
    }
    csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore").writerow(flat)
    return buffer.getvalue()


class ResultsFile:
    """`--out FILE`: checked by name at once, then opened (read, checked, locked) by `open`."""

    def __init__(self, path: Path, option: str = "--out"):
        self.path = Path(path)
        self.option = option  # what the errors name
        self.shown = config.shown(str(path))
        name = self.path.name.lower()
        self.format = next((suffix for suffix in FORMATS if name.endswith(suffix)), None)
        if self.format is None:
            self.refuse("the name must end in .jsonl or .csv")
        self.descriptor: int | None = None
        self.torn_from: int | None = None  # where a torn last line starts, cut before the first write
        try:
            folder = os.stat(self.path.parent)
            target = os.stat(self.path) if os.path.lexists(self.path) else None
        except OSError as error:
            self.refuse(error.strerror or str(error))
        if not stat.S_ISDIR(folder.st_mode):
            self.refuse(f"{str(self.path.parent)!r} is not a folder")
        if target is not None and not stat.S_ISREG(target.st_mode):
            self.refuse("not a regular file" if not stat.S_ISDIR(target.st_mode) else "is a folder")

    def refuse(self, reason: str) -> NoReturn:
        raise bad_value(self.option, self.shown, reason)

    def open(self) -> dict[tuple, dict]:
        """Lock the file (creating it if new) and read the runs it holds, by key.

        Call it after every other check: it creates a new file, though it
        changes nothing in an existing one.
        """
        created = False
        try:
            try:
                descriptor = os.open(self.path, os.O_RDWR)
            except FileNotFoundError:
                descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
                created = True
        except OSError as error:
            self.refuse(error.strerror or str(error))
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                self.refuse("not a regular file")
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.refuse("another lstm-echo process is writing to it; wait for it to finish")
            recorded = self.read(descriptor)
        except BaseException:
            os.close(descriptor)
            if created:
                os.unlink(self.path)
            raise
        self.descriptor = descriptor
        return recorded

    def peek(self) -> dict[tuple, dict]:
        """The runs of an existing file, by key, read without locking or changing it (none if it is missing)."""
        try:
            descriptor = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return {}
        except OSError as error:
            self.refuse(error.strerror or str(error))
        try:
            return self.read(descriptor)
        finally:
            os.close(descriptor)

    def read(self, descriptor: int) -> dict[tuple, dict]:
        """Every whole line as a row, by key; a file that is not ours is refused untouched."""
        return {key(row): row for row in self.rows(descriptor)}

    def rows(self, descriptor: int) -> Iterator[dict]:
        """Every whole line as a row, in order, one at a time; a file that is not ours is refused untouched."""
        return (row for _, row in self.rows_at(descriptor))

    def rows_at(self, descriptor: int) -> Iterator[tuple[int, dict]]:
        """Every whole line as (where it starts, its row): `row_at` reads one back."""
        offset, number = 0, 0
        with open(os.dup(descriptor), "rb") as file:
            for number, raw in enumerate(file, start=1):
                if not raw.endswith(b"\n"):
                    self.check_torn(raw, rows_before=number - 1)
                    self.torn_from = offset
                    break
                start, offset = offset, offset + len(raw)
                if self.format == ".csv" and number == 1:
                    if raw.decode("utf-8", "replace").rstrip("\r\n") != CSV_HEADER:
                        self.refuse("not a results file of lstm-echo: line 1: not lstm-echo's header")
                    continue
                yield start, self.parse(raw, f"line {number}")

    def row_at(self, file: BinaryIO, offset: int) -> dict:
        """The row of the line at `offset` of `file` (this file, opened for reading), checked again."""
        file.seek(offset)
        raw = file.readline()
        if not raw.endswith(b"\n"):
            self.refuse(f"not a results file of lstm-echo: it changed while being read (at byte {offset})")
        return self.parse(raw, f"the line at byte {offset}")

    def parse(self, raw: bytes, where: str) -> dict:
        try:
            line = raw.decode("utf-8")
            return checked_run_row(json.loads(line)) if self.format == ".jsonl" else csv_row(line)
        except (ValueError, RecursionError) as error:
            self.refuse(f"not a results file of lstm-echo: {where}: {str(error)[:80]}")

    def check_torn(self, tail: bytes, rows_before: int) -> None:
        """A last line without its newline is ours if lines of ours came before it, or it starts as
        every line of ours does (so a lone torn line shorter than that start is refused, never cut)."""
        start = (CSV_HEADER if self.format == ".csv" else JSONL_START).encode()
        if rows_before == 0 and not tail.startswith(start):
            self.refuse("not a results file of lstm-echo: its only line is not a results row")

    def lines(self, rows: list[dict], header: bool) -> bytes:
        """`rows` as this file's lines (after the CSV header, when `header`)."""
        if self.format == ".jsonl":
            text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        else:
            text = (CSV_HEADER + "\n" if header else "") + "".join(map(csv_line, rows))
        return text.encode("utf-8")

    def append(self, rows: list[dict]) -> None:
        """Add runs as whole lines in one write, synced to disk; a failed write is cut back off."""
        assert self.descriptor is not None, "open() the file first"
        if self.torn_from is not None:
            os.ftruncate(self.descriptor, self.torn_from)
            self.torn_from = None
        size = os.lseek(self.descriptor, 0, os.SEEK_END)
        data = self.lines(rows, header=size == 0)
        try:
            written = 0
            while written < len(data):
                written += os.write(self.descriptor, data[written:])
            os.fsync(self.descriptor)
        except OSError as error:
            os.ftruncate(self.descriptor, size)
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise ResultsWriteError(
                f"could not write to {self.path}: {reason}; the unfinished line was removed"
            ) from None

    def close(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)  # releases the lock
            self.descriptor = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
