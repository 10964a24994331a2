"""What the network must output at each step of a sequence (the fixed `i / length`, or a random one).

    echo      y[t] = x[t]                      needs no memory
    delay:K   y[t] = x[t - K], 0.0 for t < K   needs the last K inputs
    reverse   y[t] = x[length - 1 - t]         needs the whole sequence first

An architecture that cannot see what a task needs still trains on it. On the
one fixed training sequence it may memorise the answer all the same (plain
one-to-one learns delay:1 in 5000 epochs), so there the verdict shows how
readily an architecture learns a task. Judged on held-out sequences
(`--sequences`) it shows whether it learned the task at all.
"""

from dataclasses import dataclass

import numpy as np

from lstm_echo.data import echo_sequence


class UnknownTask(ValueError):
    pass


@dataclass(frozen=True)
class Task:
    name: str
    delay: int = 0

    @property
    def label(self) -> str:
        return f"delay:{self.delay}" if self.name == "delay" else self.name

    def targets(self, inputs: np.ndarray) -> np.ndarray:
        """The targets of every sequence: `inputs` is one sequence or (sequences, length)."""
        if self.name == "reverse":
            return inputs[..., ::-1].copy()
        out = np.zeros_like(inputs)
        out[..., self.delay :] = inputs[..., : inputs.shape[-1] - self.delay]
        return out

    def sources(self, length: int) -> list[int | None]:
        """Per output step, the one input step its target copies; None where the target is the constant 0.0."""
        if self.name == "reverse":
            return [length - 1 - t for t in range(length)]
        return [t - self.delay if t >= self.delay else None for t in range(length)]

    def data(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, targets), each one value per step."""
        inputs = echo_sequence(length)
        return inputs, self.targets(inputs)


def parse(text: str) -> Task:
    """`echo`, `reverse` or `delay:K` with K >= 1, in any case."""
    text = text.lower()
    if text in ("echo", "reverse"):
        return Task(text)
    name, colon, k = text.partition(":")
    if name == "delay" and colon and k.isascii() and k.isdigit() and len(k) <= 20 and int(k) >= 1:
        return Task("delay", int(k))
    raise UnknownTask("must be echo, reverse or delay:K with K a whole number of at least 1")
