"""Progress on stderr while a command works: a live bar on a terminal, or plain lines for logs.

    auto    a bar when stderr is a terminal (whatever stdout is: `--json` too), else nothing
    lines   one line per phase and per finished setting, for logs, CI and `2> log`
    none    nothing (`--quiet`)

The phases of one training are `starting TensorFlow` (its import, once per
process), `compiling` and `training`.
"""

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

MODES = ("auto", "lines", "none")


class Lines:
    """The part of rich's `Progress` the commands use, written as a line per change."""

    def __init__(self, console: Console):
        self.console = console
        self.tasks: list[dict] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def add_task(self, description: str, total: int, status: str = "") -> int:
        self.tasks.append({"description": description, "total": total, "completed": 0, "status": status})
        return len(self.tasks) - 1

    def update(
        self, task_id: int, completed: int | None = None, status: str | None = None, description: str | None = None
    ):
        task = self.tasks[task_id]
        # Phases are news only until the first epoch or run is done; after that, finishing is.
        changed = description is not None and description != task["description"] and task["completed"] == 0
        finished = completed is not None and completed >= task["total"] > task["completed"]
        for name, value in (("completed", completed), ("status", status), ("description", description)):
            if value is not None:
                task[name] = value
        if changed or finished:
            self.say(task)

    def advance(self, task_id: int, amount: int) -> None:
        task = self.tasks[task_id]
        task["completed"] += amount
        self.say(task)

    def say(self, task: dict) -> None:
        line = f"{task['description']} {task['completed']}/{task['total']} {task['status']}".rstrip()
        self.console.print(line, highlight=False, soft_wrap=True)


def display(mode: str, console: Console) -> Progress | Lines:
    """A progress display for `mode` on `console` (stderr)."""
    if mode == "lines":
        return Lines(console)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=mode == "none" or not console.is_terminal,
    )
