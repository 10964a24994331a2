"""echo: y[t] = x[t]. Needs no memory: the tutorial's task."""

from dataclasses import dataclass

from lstm_echo.tasks.task import Task


@dataclass(frozen=True)
class Echo(Task):
    name = "echo"
    spelling = "echo"
    help = "output each input as it comes"

    def sources(self, length: int) -> list[int | None]:
        return list(range(length))

    def formula(self) -> str:
        return "x[t]"
