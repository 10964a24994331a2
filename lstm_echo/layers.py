"""Plain descriptions of a network's layers.

An architecture declares its layers once as `LayerSpec`s. Many readers share them:
`params` does the arithmetic, `keras_model` builds the Keras model,
`initializers` draws the first weights, `network` runs the engine's forward
pass and `budget` sizes a run. Tests hold them against Keras so they cannot
drift apart. What a recurrent kind is made of lives in `cells`.
"""

from dataclasses import dataclass

from lstm_echo.cells import BY_KIND, BY_OPTION, GRU_CELL, LSTM_CELL, SIMPLE_CELL

LSTM = LSTM_CELL.kind
GRU = GRU_CELL.kind
SIMPLE = SIMPLE_CELL.kind
DENSE = "dense"
REPEAT = "repeat_vector"

RECURRENT = tuple(BY_KIND)
CELLS = {option: cell.kind for option, cell in BY_OPTION.items()}  # --cell value -> layer kind
TYPE_LABELS = {**{kind: cell.label for kind, cell in BY_KIND.items()}, DENSE: "Dense", REPEAT: "RepeatVector"}


@dataclass(frozen=True)
class LayerSpec:
    """One layer.

    kind: a recurrent cell (`LSTM`, `GRU`, `SIMPLE`), `DENSE` or `REPEAT`.
    units: recurrent units or Dense outputs (for `REPEAT`, the features repeated).
    inputs: features per time step coming in.
    steps: time steps of the input; for `REPEAT`, how many times the vector is repeated.
    return_sequences: a recurrent layer that outputs every step, `(batch, steps, units)`,
        instead of its last state, `(batch, units)`.
    time_distributed: a Dense layer wrapped in `TimeDistributed`, applied to
        each of `steps` steps: `(batch, steps, inputs) -> (batch, steps, units)`.
    sequence_input: a plain Dense layer given a 3-D input, which it applies
        along the last axis: the same shapes as `time_distributed`.
    stateful: a recurrent layer that carries its state from one batch to the next.
    batch: a fixed batch size (stateful models need one), None for any.
    """

    kind: str
    units: int
    inputs: int
    steps: int = 1
    return_sequences: bool = False
    time_distributed: bool = False
    sequence_input: bool = False
    stateful: bool = False
    batch: int | None = None

    def __post_init__(self):
        if self.kind not in TYPE_LABELS:
            raise ValueError(f"LayerSpec kind must be one of {', '.join(TYPE_LABELS)}. Received: kind={self.kind!r}")

    @property
    def recurrent(self) -> bool:
        return self.kind in RECURRENT

    @property
    def name(self) -> str:
        """The name Keras gives the first layer of this kind in a model."""
        return "time_distributed" if self.time_distributed else self.kind

    @property
    def type_label(self) -> str:
        return "TimeDistributed" if self.time_distributed else TYPE_LABELS[self.kind]

    @property
    def output_shape(self) -> tuple:
        """The output shape Keras reports, with the batch as None unless fixed."""
        if self.return_sequences or self.time_distributed or self.sequence_input or self.kind == REPEAT:
            return (self.batch, self.steps, self.units)
        return (self.batch, self.units)

    @property
    def weight_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of the weights in Keras' order (kernel, [recurrent kernel,] bias)."""
        if self.kind == REPEAT:
            return []
        if self.kind == DENSE:
            return [(self.inputs, self.units), (self.units,)]
        cell = BY_KIND[self.kind]
        blocks = len(cell.gates) * self.units
        # Keras' GRU (reset_after=True) keeps its input and recurrent biases as two rows.
        bias = (cell.bias_rows, blocks) if cell.bias_rows > 1 else (blocks,)
        return [(self.inputs, blocks), (self.units, blocks), bias]


def recurrent_stack(
    cell: str,
    depth: int,
    units: int,
    steps: int,
    *,
    last_returns_sequences: bool,
    inputs: int = 1,
    stateful: bool = False,
    batch: int | None = None,
) -> list[LayerSpec]:
    """`depth` recurrent layers of `units`; all but the last return sequences to feed the next."""
    return [
        LayerSpec(
            cell,
            units=units,
            inputs=inputs if i == 0 else units,
            steps=steps,
            return_sequences=last_returns_sequences or i < depth - 1,
            stateful=stateful,
            batch=batch,
        )
        for i in range(depth)
    ]
