"""The registry of tasks: what the network must output at each step. A new task is one module and one line below."""

from lstm_echo.tasks import adding, delay, echo, reverse
from lstm_echo.tasks.task import Task, UnknownTask

REGISTRY: tuple[type[Task], ...] = (echo.Echo, reverse.Reverse, delay.Delay, adding.Adding)

__all__ = ["REGISTRY", "Task", "UnknownTask", "expected", "parse", "spellings"]


def spellings() -> str:
    """How every task is written: `echo, reverse, delay:K or adding`."""
    written = [kind.spelling for kind in REGISTRY]
    return ", ".join(written[:-1]) + " or " + written[-1]


def expected() -> str:
    """What an invalid task is told: every spelling, and what a value after a colon must be."""
    values = [kind.value_help for kind in REGISTRY if kind.value_help]
    return f"must be {spellings()}" + (f" with {'; '.join(values)}" if values else "")


def parse(text: str) -> Task:
    """A task as written on the command line (`echo`, `delay:3`), in any case."""
    name, colon, argument = text.lower().partition(":")
    for kind in REGISTRY:
        if name == kind.name:
            try:
                return kind.parse(argument if colon else None)
            except UnknownTask:
                break
    raise UnknownTask(expected())
