"""Plain descriptions of a network's layers.

A framing declares its layers once as `LayerSpec`s. Three readers share them:
`params` does the arithmetic, `keras_model` builds the Keras model and
`network` runs the forward pass of the engine. Tests hold all three against
Keras so they cannot drift apart.
"""

from dataclasses import dataclass

LSTM = "lstm"
DENSE = "dense"


@dataclass(frozen=True)
class LayerSpec:
    """One layer.

    kind: `LSTM` or `DENSE`.
    units: LSTM units or Dense outputs.
    inputs: features per time step coming in.
    steps: time steps of the input (1 for a vector input to a Dense layer).
    return_sequences: an LSTM that outputs every step, `(batch, steps, units)`,
        instead of its last state, `(batch, units)`.
    time_distributed: a Dense layer wrapped in `TimeDistributed`, applied to
        each of `steps` steps: `(batch, steps, inputs) -> (batch, steps, units)`.
    """

    kind: str
    units: int
    inputs: int
    steps: int = 1
    return_sequences: bool = False
    time_distributed: bool = False

    def __post_init__(self):
        if self.kind not in (LSTM, DENSE):
            raise ValueError(f"LayerSpec kind must be {LSTM!r} or {DENSE!r}. Received: kind={self.kind!r}")

    @property
    def name(self) -> str:
        """The name Keras gives the first layer of this kind in a model."""
        if self.time_distributed:
            return "time_distributed"
        return self.kind

    @property
    def type_label(self) -> str:
        if self.kind == LSTM:
            return "LSTM"
        return "TimeDistributed" if self.time_distributed else "Dense"

    @property
    def output_shape(self) -> tuple:
        """The output shape Keras reports, with `None` for the batch."""
        if self.return_sequences or self.time_distributed:
            return (None, self.steps, self.units)
        return (None, self.units)

    @property
    def weight_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of the weights in Keras' order (kernel, [recurrent kernel,] bias)."""
        if self.kind == LSTM:
            gates = 4 * self.units
            return [(self.inputs, gates), (self.units, gates), (gates,)]
        return [(self.inputs, self.units), (self.units,)]
