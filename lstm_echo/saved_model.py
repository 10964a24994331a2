"""Trained networks as Keras files: written by `run --save-model`, read by `predict`.

A file is what Keras' own `model.save` writes (so `keras.saving.load_model`
loads it anywhere), plus one more entry in its zip archive, `lstm_echo.json`:
the settings the network was trained with, so that `predict` knows its
architecture, task and length without being told. Checking a path and reading
that entry need no TensorFlow; saving and predicting import it.
"""

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from lstm_echo import architectures, config, data, tasks
from lstm_echo.config import Experiment, InputError, shown

METADATA = "lstm_echo.json"
SUFFIX = ".keras"  # Keras refuses to save under any other name


def is_ours(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return METADATA in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def check_path(path: Path) -> Path:
    """`--save-model FILE.keras`, refused before training when it could not be written or is not ours to replace."""
    path = Path(path)
    if path.suffix != SUFFIX:
        raise InputError(f"Invalid value for --save-model: {shown(str(path))} (the name must end in {SUFFIX})")
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError(f"Invalid value for --save-model: {shown(str(path))} (no folder {folder} to write in)")
    if path.exists() and not is_ours(path):
        raise InputError(
            f"Invalid value for --save-model: {shown(str(path))} (the file exists and is not an lstm-echo model)"
        )
    return path


def metadata(path: Path) -> dict:
    """What `save` stored about the model in `path`; InputError when it is not an lstm-echo model."""
    label = shown(str(path))
    try:
        with zipfile.ZipFile(path) as archive:
            stored = json.loads(archive.read(METADATA))
    except FileNotFoundError:
        raise InputError(f"Invalid value for MODEL: {label} (no such file)") from None
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        raise InputError(
            f"Invalid value for MODEL: {label} (not a model saved by lstm-echo run --save-model)"
        ) from None
    try:
        settings = {name: stored["experiment"][name] for name in config.SETTINGS if name != "seeds"}
        experiment = config.resolve(settings)
    except (KeyError, TypeError, InputError):
        raise InputError(f"Invalid value for MODEL: {label} (its lstm-echo settings are damaged)") from None
    return {**stored, "experiment": experiment}


def save(path: Path, layers, weights: list[np.ndarray], experiment: Experiment) -> None:
    """Write the trained network to `path` whole or not at all (a temporary file, synced, then renamed)."""
    from lstm_echo import keras_model

    model = keras_model.build(layers, compiled=False)  # a network to run; lstm-echo trains, not Keras
    model.set_weights(weights)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{SUFFIX}")
    try:
        model.save(temporary)
        stored = {"lstm_echo": 1, "experiment": experiment.to_dict()}  # 1: the layout of this entry
        with zipfile.ZipFile(temporary, "a") as archive:
            archive.writestr(METADATA, json.dumps(stored))
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def parse_values(texts: list[str], length: int, option: str = "VALUES", taker: str = "the model") -> np.ndarray:
    """A typed sequence: `length` numbers; InputError names `option` and what is wrong."""
    if len(texts) != length:
        typed = shown((" " if option == "VALUES" else ",").join(texts))
        raise InputError(f"Invalid value for {option}: {typed} ({taker} takes {length} values, got {len(texts)})")
    values = []
    for text in texts:
        if not config.DECIMAL.fullmatch(text.strip()) or not np.isfinite(float(text)):
            raise InputError(f"Invalid value for {option}: {shown(text)} (not a finite number)")
        values.append(float(text))
    return np.asarray(values, dtype=np.float32)


def off_grid(values: np.ndarray) -> list[int]:
    """The positions of values that a model trained on the one-decimal grid 0.0-0.9 never saw."""
    digits = values * data.GRID_VALUES
    outside = (values < 0) | (values > 0.9 + 1e-6) | (np.abs(digits - np.round(digits)) > 1e-4)
    return [int(i) for i in np.flatnonzero(outside)]


def weights(path: Path) -> list[np.ndarray]:
    """The saved model's weights, in Keras' order (the engine's), read by Keras itself."""
    from lstm_echo.keras_model import keras  # TensorFlow, quietly

    return keras.saving.load_model(path, compile=False).get_weights()


def predict(path: Path, experiment: Experiment, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(targets, predictions) of the saved model on one sequence, run by Keras itself."""
    from lstm_echo.keras_model import keras  # TensorFlow, quietly

    model = keras.saving.load_model(path, compile=False)
    targets = tasks.parse(experiment.task).targets(values)
    x, _ = architectures.get(experiment.architecture).frame(values[None], targets[None])
    stateful = [layer for layer in model.layers if getattr(layer, "stateful", False)]
    for layer in stateful:
        layer.reset_states()  # a sequence starts from zeros, as in training
    predictions = model.predict(x, batch_size=1 if stateful else None, verbose=0)
    return targets, data.flatten(predictions)
