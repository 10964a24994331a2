"""The recurrent cells, one row each: what makes an LSTM an LSTM, said once.

The layer specs, the parameter arithmetic, the initial weights, the Keras
builder, the engine's states and the help all read this table. A new cell is
one row here plus its step function in `network.STEPS` (a test checks every
row has one, and the engine's tests hold every row to Keras' own layer). The
engine trains it by differentiating that step; a backward pass written out in
`through_time.PASSES` makes its training faster (and is held to the step's).

    cell    gate blocks            biases per block   states
    lstm    input, forget, cell, output   1           h, c
    gru     update, reset, candidate      2 (Keras' reset_after: input and recurrent)   h
    simple  one                           1           h

`shown` names the values `inspect` reads out of each step (the gates after
their sigmoid, the candidate, the memory and the output).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    option: str  # as --cell names it
    kind: str  # the layer kind in a LayerSpec, Keras' own layer name
    label: str  # Keras' class: keras.layers.<label>
    gates: tuple[str, ...]  # the weight blocks per unit, in Keras' order
    bias_rows: int  # biases per block and unit
    states: int  # state tensors carried from step to step
    shown: tuple[str, ...]  # what `inspect` shows per unit and step; "... gate" ones are sigmoids in [0, 1]
    unit_forget_bias: bool = False  # the forget block's bias starts at one
    # Arguments Keras' class is built with, beyond the shape: which variant of it the step computes,
    # said here rather than left to a default Keras could change.
    keras_arguments: tuple[tuple[str, object], ...] = ()

    def params(self, inputs: int, units: int) -> int:
        return len(self.gates) * ((inputs + self.bias_rows) * units + units * units)

    def arithmetic(self, inputs: object = "inputs", units: object = "units") -> str:
        """`4 × ((inputs + 1) × units + units²)`, or with numbers put in."""
        block = f"({inputs} + {self.bias_rows}) × {units} + {units}²"
        return f"{len(self.gates)} × ({block})" if len(self.gates) > 1 else block

    @property
    def gates_shown(self) -> tuple[str, ...]:
        """The sigmoid gates among `shown`: the values whose saturation (< 0.1, > 0.9) means something."""
        return tuple(name for name in self.shown if name.endswith(" gate"))

    @property
    def note(self) -> str:
        """What each parameter is, in words, for the params command."""
        blocks = f"{len(self.gates)} gates × " if len(self.gates) > 1 else ""
        biases = "a bias" if self.bias_rows == 1 else f"{self.bias_rows} biases"
        return f"{self.label}: {blocks}(a weight per input + {biases} + a weight per unit), per unit."


LSTM_SHOWN = ("input gate", "forget gate", "output gate", "candidate", "cell state", "output")
GRU_SHOWN = ("update gate", "reset gate", "candidate", "output")

LSTM_CELL = Cell("lstm", "lstm", "LSTM", ("input", "forget", "cell", "output"), 1, 2, LSTM_SHOWN, unit_forget_bias=True)
GRU_CELL = Cell(
    "gru", "gru", "GRU", ("update", "reset", "candidate"), 2, 1, GRU_SHOWN, keras_arguments=(("reset_after", True),)
)
SIMPLE_CELL = Cell("simple", "simple_rnn", "SimpleRNN", ("output",), 1, 1, ("output",))

TABLE = (LSTM_CELL, GRU_CELL, SIMPLE_CELL)
BY_OPTION = {cell.option: cell for cell in TABLE}
BY_KIND = {cell.kind: cell for cell in TABLE}
