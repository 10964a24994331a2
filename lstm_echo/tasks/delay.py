"""delay:K: y[t] = x[t - K], and 0.0 for t < K. Needs the last K inputs."""

from dataclasses import dataclass

from lstm_echo.tasks.task import Task, UnknownTask


@dataclass(frozen=True)
class Delay(Task):
    name = "delay"
    spelling = "delay:K"
    help = "output the input of K steps before"
    value_help = "K a whole number of at least 1"
    steps: int = 1

    @classmethod
    def parse(cls, argument: str | None) -> "Delay":
        if argument is not None and argument.isascii() and argument.isdigit() and len(argument) <= 20:
            if int(argument) >= 1:
                return cls(int(argument))
        raise UnknownTask(f"delay:K needs {cls.value_help}")

    @property
    def label(self) -> str:
        return f"delay:{self.steps}"

    def sources(self, length: int) -> list[int | None]:
        return [t - self.steps if t >= self.steps else None for t in range(length)]

    def formula(self) -> str:
        return f"x[t-{self.steps}]"

    def check(self, length: int) -> str | None:
        return None if self.steps < length else f"a delay must be shorter than the length, {length}"
