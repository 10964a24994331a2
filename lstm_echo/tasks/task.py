"""What a task is: for each output step, the one input step its target copies, or none (the target is 0.0).

An architecture that cannot see what a task needs still trains on it. On the
one fixed training sequence it may memorise the answer all the same (plain
one-to-one learns delay:1 in 5000 epochs), so there the verdict shows how
readily an architecture learns a task. Judged on held-out sequences
(`--sequences`) it shows whether it learned the task at all.
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lstm_echo.data import echo_sequence


class UnknownTask(ValueError):
    pass


@dataclass(frozen=True)
class Task:
    """One task, as a subclass in its own module: its name, how it is written, and its `sources`."""

    name: ClassVar[str]
    spelling: ClassVar[str]  # as written on the command line: "echo", "delay:K"
    help: ClassVar[str]  # what the network must output, in a few words
    value_help: ClassVar[str] = ""  # what follows the colon, for a task that takes a value: "K a whole number ..."
    features: ClassVar[int] = 1  # values per step in
    drawn: ClassVar[bool] = False  # its sequences are its own random draws (`draw`): no fixed one, --sequences needed
    within: ClassVar[float | None] = None  # a fixed tolerance, else the verdict's own (see `verdict.tolerance`)
    ragged: ClassVar[bool] = False  # its sequences end at different steps, zeros after (see `Architecture.causal`)

    @classmethod
    def parse(cls, argument: str | None) -> "Task":
        """The task from what follows its name and a colon (None: no colon); UnknownTask when that is wrong."""
        if argument is not None:
            raise UnknownTask(f"{cls.name} takes no value after a colon")
        return cls()

    @property
    def label(self) -> str:
        """Its one spelling, as the results files and tables show it."""
        return self.name

    def sources(self, length: int) -> list[int | None]:
        """Per output step, the one input step its target copies; None where the target is the constant 0.0."""
        raise NotImplementedError

    def formula(self) -> str:
        """The target of output t, as a heatmap's caption writes it: `x[t-1]`."""
        raise NotImplementedError

    def padded_length(self, length: int) -> int:
        """The steps of each sequence as the network sees it: `length`, or the longest a drawn task pads to."""
        return length

    def draw(self, count: int, length: int, seed: int, held_out: bool) -> np.ndarray:
        """A drawn task's `count` sequences, (count, steps, features); the held-out ones from a stream of their own."""
        raise NotImplementedError

    def judged(self, inputs: np.ndarray) -> np.ndarray | None:
        """Which steps of `inputs` have a target, shaped like the targets; None: every step."""
        return None

    def own_length(self, inputs: np.ndarray) -> int:
        """One sequence's steps before its padding (a ragged task's); all of them otherwise."""
        return len(inputs)

    def instructive(self, inputs: np.ndarray) -> bool:
        """Whether `inspect` should show this drawn sequence by default (see `inspection.default_sequence`)."""
        return True

    def marked(self, inputs: np.ndarray) -> str:
        """A drawn task's sequence: the steps and values its target is made of, as a table shows them."""
        raise NotImplementedError

    def check(self, length: int) -> str | None:
        """Why the task cannot be set at `length`, or None when it can."""
        return None

    def targets(self, inputs: np.ndarray) -> np.ndarray:
        """The targets of every sequence: `inputs` is one sequence or (sequences, length)."""
        sources = self.sources(inputs.shape[-1])
        copied = [t for t, source in enumerate(sources) if source is not None]
        read = [source for source in sources if source is not None]
        out = np.zeros_like(inputs)
        out[..., copied] = inputs[..., read]
        return out

    def data(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, targets) of the one fixed training sequence, each one value per step."""
        inputs = echo_sequence(length)
        return inputs, self.targets(inputs)
