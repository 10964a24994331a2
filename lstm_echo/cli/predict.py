"""`lstm-echo predict MODEL VALUES...`: a saved model run on a sequence typed in."""

import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from lstm_echo import api, config
from lstm_echo.backend import saved_model
from lstm_echo.cli.console import print_json, show
from lstm_echo.cli.options import Json


def warn_off_grid(texts: list[str], inputs: np.ndarray, experiment: config.Experiment) -> None:
    """Values a model trained on random sequences never saw: a warning, since seeing it fail there is a lesson too."""
    unseen = saved_model.off_grid(inputs) if experiment.sequences is not None else []
    if unseen:
        print(
            f"Warning: {', '.join(texts[i] for i in unseen)} not on the grid 0.0, 0.1, ..., 0.9 the model was trained on",
            file=sys.stderr,
        )


# Values may start with a minus sign: -0.5 is a value, not an unknown option.
CONTEXT_SETTINGS = {"ignore_unknown_options": True}


def command(
    model: Annotated[Path, typer.Argument(metavar="MODEL", help="A FILE.keras written by run --save-model.")],
    values: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="VALUES...",
            help="The input sequence, one value per step, separated by spaces or commas (0.0 to 0.9 for a model "
            "trained on --sequences).",
        ),
    ] = None,
    as_json: Json = False,
):
    """Run a saved model on a sequence you type; it knows its architecture, task and length."""
    texts = api.values_text(" ".join(values or []))
    prediction = api.predict(model, texts)
    warn_off_grid(texts, np.array(prediction.inputs), prediction.experiment)
    if as_json:
        print_json(prediction.document())
        return
    show(prediction)
