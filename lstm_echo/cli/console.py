"""Where a command's output goes: its consoles, made afresh for each invocation, and the ways it speaks.

The consoles are built when a command starts, from the streams and COLUMNS of
that moment, so a test that runs the command line in this process (Typer's
runner swaps the streams and the environment) sees the width it asked for.
Tables go to stdout; progress, notices and errors to stderr, so that --json's
stdout stays one document.
"""

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from rich.console import Console

MIN_WIDTH, MAX_WIDTH = 40, 1000
PIPE_WIDTH = 120  # pipes and logs have no width of their own; rich's 80 would squeeze the wider tables


def usable_columns() -> bool:
    """Whether $COLUMNS is a width a table can be laid out in."""
    text = os.environ.get("COLUMNS", "")
    return text.isascii() and text.isdigit() and MIN_WIDTH <= int(text) <= MAX_WIDTH


@dataclass
class Environment:
    stdout: Console
    stderr: Console
    soft_wrap: bool  # a sentence is one line in a pipe (grep finds it whole), unless COLUMNS asks for a width

    @classmethod
    def from_process(cls) -> "Environment":
        """The consoles of this process's streams as they are now."""
        if "COLUMNS" in os.environ and not usable_columns():
            # COLUMNS=0 would print nothing and COLUMNS=1 a character a line: ask the terminal instead.
            del os.environ["COLUMNS"]
        stdout, stderr = Console(), Console(stderr=True)
        if not stdout.is_terminal and "COLUMNS" not in os.environ:
            stdout.width = PIPE_WIDTH
        return cls(stdout, stderr, soft_wrap="COLUMNS" not in os.environ)


current: Environment | None = None  # the running command's


def begin() -> Environment:
    """Make the consoles of a command that starts now."""
    global current
    current = Environment.from_process()
    return current


def environment() -> Environment:
    return current or begin()


def stderr() -> Console:
    """The console progress displays draw on."""
    return environment().stderr


def show(renderable) -> None:
    """Print to stdout; for pipes and files, without the spaces rich pads table lines with."""
    env = environment()
    if env.stdout.is_terminal:
        env.stdout.print(renderable)
        return
    with env.stdout.capture() as captured:
        env.stdout.print(renderable, soft_wrap=env.soft_wrap)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(code)


def saved_picture(path: Path) -> None:
    """Said on stderr, so that --json's stdout stays one document."""
    print(f"Saved the picture to {path}", file=sys.stderr)


def print_json(document) -> None:
    """One line, so that a shell loop's output is JSON Lines; escaped where stdout is not UTF-8."""
    utf8 = (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"
    print(json.dumps(document, ensure_ascii=not utf8))
