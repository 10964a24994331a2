"""A sweep's output file: one line per run, appended and flushed as each run ends.

`.jsonl` holds one JSON object per line; `.csv` a header and one row per run.
A run is keyed on its full settings, so a sweep re-run with the same file
skips what is already recorded. Each line goes out in one write, so a killed
sweep leaves whole lines; a torn last line (from a crash mid-write) is cut
off when the file is opened again.
"""

import csv
import io
import json
import os
from pathlib import Path

from lstm_echo import config
from lstm_echo.config import ConfigError, Experiment

SETTING_COLUMNS = (
    "architecture", "task", "cell", "layers", "length", "neurons", "epochs", "batch_size", "learning_rate", "seed",
)
RESULT_COLUMNS = (
    "final_loss", "echoed", "steps_correct", "steps", "max_error", "seconds", "models_trained_together", "predictions",
)
FORMATS = (".jsonl", ".csv")


def key(settings: dict) -> tuple:
    """What identifies a run: every setting in its own type, so "5" from a CSV equals 5."""
    return tuple(config.SETTINGS[name][0](settings[name]) for name in SETTING_COLUMNS)


def experiment_key(experiment: Experiment) -> tuple:
    return key(experiment.to_dict())


def typed(row: dict) -> dict:
    """A CSV row with its numbers and flags back in their types."""

    def number(text):
        return float(text) if text != "" else None

    return {
        **row,
        **dict(zip(SETTING_COLUMNS, key(row))),
        "final_loss": number(row["final_loss"]), "echoed": row["echoed"] == "True",
        "steps_correct": int(row["steps_correct"]), "steps": int(row["steps"]), "max_error": number(row["max_error"]),
        "seconds": float(row["seconds"]), "models_trained_together": int(row["models_trained_together"]),
        "predictions": [number(p) for p in row["predictions"].split(" ")] if row["predictions"] else [],
    }


class ResultsFile:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.format = self.path.suffix.lower()
        if self.format not in FORMATS:
            raise ConfigError(f"Invalid value for --out: {str(path)!r} (the name must end in .jsonl or .csv)")
        if not self.path.parent.is_dir():
            raise ConfigError(f"Invalid value for --out: {str(path)!r} (no folder {str(self.path.parent)!r})")
        if self.path.is_dir():
            raise ConfigError(f"Invalid value for --out: {str(path)!r} (is a folder)")

    def recorded(self) -> dict[tuple, dict]:
        """The runs already in the file, by key; a torn last line is cut off once the rest reads as ours."""
        if not self.path.exists():
            return {}
        text = self.path.read_text(encoding="utf-8")
        whole = text[: text.rfind("\n") + 1]
        try:
            if self.format == ".jsonl":
                rows = [json.loads(line) for line in whole.splitlines() if line.strip()]
            else:
                rows = [typed(row) for row in csv.DictReader(io.StringIO(whole))]
            recorded = {key(row): row for row in rows}
        except (KeyError, ValueError, TypeError) as error:
            raise ConfigError(f"Invalid value for --out: {str(self.path)!r} (not a results file of lstm-echo: {error})") from None
        if whole != text:
            with open(self.path, "r+", encoding="utf-8") as f:
                f.truncate(len(whole.encode("utf-8")))
        return recorded

    def append(self, row: dict) -> None:
        """Add one run as one line, written whole and flushed to disk."""
        new = not self.path.exists() or self.path.stat().st_size == 0
        if self.format == ".jsonl":
            line = json.dumps(row, ensure_ascii=False) + "\n"
        else:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=SETTING_COLUMNS + RESULT_COLUMNS, lineterminator="\n")
            if new:
                writer.writeheader()
            flat = {**row, "predictions": " ".join("" if p is None else repr(p) for p in row["predictions"])}
            writer.writerow(flat)
            line = buffer.getvalue()
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
