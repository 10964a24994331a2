"""reverse: y[t] = x[length - 1 - t]. Needs the whole sequence before the first output."""

from dataclasses import dataclass

from lstm_echo.tasks.task import Task


@dataclass(frozen=True)
class Reverse(Task):
    name = "reverse"
    spelling = "reverse"
    help = "output the sequence backwards"

    def sources(self, length: int) -> list[int | None]:
        return [length - 1 - t for t in range(length)]

    def formula(self) -> str:
        return "x[length-1-t]"
