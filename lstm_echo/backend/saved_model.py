"""Trained networks as Keras files: written by `run --save-model`, read by `predict`.

A file is what Keras' own `model.save` writes (so `keras.saving.load_model`
loads it anywhere), plus one more entry in its zip archive, `lstm_echo.json`:
the settings the network was trained with, so that `predict` knows its
architecture, task and length without being told. Checking a path and reading
that entry need no TensorFlow; saving and predicting import it.
"""

import json
import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_echo import architectures, atomic, budget, cells, config, data, runner, tasks
from lstm_echo.config import Experiment, InputError, bad_value, shown

METADATA = "lstm_echo.json"
SUFFIX = ".keras"  # Keras saves and loads only under this name (lower case); a model is found in any case
MAX_ENTRY = 2**20  # the settings and the Keras config of a model are a few kB
MAX_ENTRIES = 16  # a model lstm-echo saves holds four
# What a model lstm-echo saved is made of; anything else (a Lambda, a TFSMLayer that loads a
# SavedModel, a StringLookup) is refused before Keras reads it.
KERAS_CLASSES = frozenset(
    {"Sequential", "InputLayer", "Dense", "TimeDistributed", "RepeatVector"}
    | {"DTypePolicy", "GlorotUniform", "Orthogonal", "Zeros"}
    | {cell.label for cell in cells.TABLE}
)
KERAS_MODULES = frozenset({"keras", "keras.layers", "keras.initializers"})


def is_model_name(path: Path) -> bool:
    return Path(path).name.lower().endswith(SUFFIX)


def is_ours(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return METADATA in archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


@dataclass(frozen=True)
class SaveTarget:
    """`--save-model FILE.keras`, checked: where it lands, and the file of ours it may replace (None: a new one)."""

    path: Path
    replaces: os.stat_result | None


def check_path(path: Path) -> SaveTarget:
    """Refused before training when it could not be written or is not ours to replace."""
    path = Path(path)
    typed = shown(str(path))
    if not is_model_name(path):
        raise bad_value("--save-model", typed, f"the name must end in {SUFFIX}")
    final = atomic.target(path)
    if not final.parent.is_dir():
        raise bad_value("--save-model", typed, f"no folder {final.parent} to write in")
    try:
        existing = os.stat(final)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise bad_value("--save-model", typed, error.strerror or error) from None
    if existing is not None and (not stat.S_ISREG(existing.st_mode) or not is_ours(final)):
        raise bad_value("--save-model", typed, "the file exists and is not an lstm-echo model")
    atomic.probe(path, "--save-model", SUFFIX)
    return SaveTarget(path, existing)


def refused(path: Path, why: str) -> InputError:
    return bad_value("MODEL", shown(str(path)), f"not a model saved by lstm-echo: {why}")


def entry(archive: zipfile.ZipFile, name: str, path: Path):
    """An archive entry as JSON, refused when it is missing, too big, not JSON or nested past reason."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise refused(path, f"no {name}") from None
    if info.file_size > MAX_ENTRY:
        raise refused(path, f"its {name} is {info.file_size:,} bytes")
    try:
        with archive.open(info) as handle:
            return json.loads(handle.read(MAX_ENTRY + 1))
    except (ValueError, RecursionError, zipfile.BadZipFile, OSError, NotImplementedError, EOFError):
        raise refused(path, f"its {name} cannot be read") from None


def classes(value) -> list[tuple[object, object]]:
    """Every (class_name, module) a Keras config names, however deep."""
    found, pending = [], [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if "class_name" in item:
                found.append((item["class_name"], item.get("module")))
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


def stored_experiment(stored, path: Path) -> Experiment:
    """The settings a model was saved with, each held to the command line's limits, and the run's size to memory."""
    settings = stored.get("experiment") if isinstance(stored, dict) else None
    if not isinstance(settings, dict):
        raise refused(path, "no settings")
    for name in config.SETTINGS:
        if name == "seeds":
            continue
        if name not in settings:
            raise refused(path, f"no setting {name!r}")
        value = settings[name]
        reason = None if value is None and name in config.LEFT_OPEN else config.problem(name, value)
        if reason:
            raise refused(path, f"its {name} {reason}, got {shown(value)}")
    try:
        experiment = config.resolve({name: settings[name] for name in config.SETTINGS if name != "seeds"})
    except InputError:
        raise refused(path, "its settings do not go together") from None
    try:
        budget.check(experiment, runner.network_layers(experiment), models=1)
    except budget.TooLarge as error:
        need = str(error).split(" (", 1)[-1].split(":")[0]
        raise bad_value("MODEL", shown(str(path)), need) from None
    return experiment


def entry_count(path: Path) -> int | None:
    """How many entries a zip archive's directory lists, read from its end record before zipfile reads them
    all into memory (millions, in a file made to exhaust it); None when it is no zip archive."""
    try:
        with open(path, "rb") as handle:
            end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]  # the reader zipfile itself uses
    except OSError:
        return None
    return None if end is None else int(end[zipfile._ECD_ENTRIES_TOTAL])  # type: ignore[attr-defined]


def metadata(path: Path) -> dict:
    """What `save` stored about the model in `path`, checked as any input is; InputError when it is not a model
    lstm-echo saved (or asks for more than the command line allows). No TensorFlow."""
    path = Path(path)
    config.regular_file(path, "MODEL")
    entries = entry_count(path)
    if entries is None:
        raise refused(path, "not a .keras archive")
    if entries > MAX_ENTRIES:
        raise refused(path, f"its archive lists {entries:,} entries")
    try:
        with zipfile.ZipFile(path) as archive:
            stored = entry(archive, METADATA, path)
            keras_config = entry(archive, "config.json", path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refused(path, "not a .keras archive") from None
    foreign = [
        f"{name}" for name, module in classes(keras_config) if name not in KERAS_CLASSES or module not in KERAS_MODULES
    ]
    if foreign:
        raise refused(path, f"it holds {shown(foreign[0])}, which lstm-echo never saves")
    return {**stored, "experiment": stored_experiment(stored, path)}


def save(target: SaveTarget, layers, weights: list[np.ndarray], experiment: Experiment) -> Path:
    """Write the trained network whole or not at all; atomic.Conflict if a file appeared at the path (or the
    one checked changed) while it trained, with the model kept beside it."""
    from lstm_echo.backend import keras_model

    model = keras_model.build(layers, compiled=False)  # a network to run; lstm-echo trains, not Keras
    model.set_weights(weights)

    def fill(name: str) -> None:
        model.save(name)
        stored = {"lstm_echo": 1, "experiment": experiment.to_dict()}  # 1: the layout of this entry
        with zipfile.ZipFile(name, "a") as archive:
            archive.writestr(METADATA, json.dumps(stored))

    return atomic.write(target.path, fill, suffix=SUFFIX, exclusive=target.replaces is None, expected=target.replaces)


def load(path: Path, experiment: Experiment, layers):
    """The Keras model in `path`, refused unless its input and weights are the shapes `layers` give. Keras
    reads a private copy, checked again as `metadata` checks a file: what Keras reads is what was checked."""
    from lstm_echo.backend.keras_model import keras  # TensorFlow, quietly

    limit = budget.estimate(experiment, layers).weights + MAX_ENTRY * 4
    with open(path, "rb") as source:
        content = source.read(limit + 1)
    if len(content) > limit:
        raise refused(Path(path), f"more than {limit:,} bytes for a network of this size")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / f"model{SUFFIX}"
        copy.write_bytes(content)
        if metadata(copy)["experiment"] != experiment:
            raise refused(Path(path), "it changed while it was read")
        try:
            model = keras.saving.load_model(copy, compile=False, safe_mode=True)
        except Exception as error:  # Keras raises what its reader meets: ValueError, KeyError, OSError, ...
            raise refused(Path(path), f"Keras could not load it ({type(error).__name__})") from None
    shapes = [tuple(w.shape) for w in model.get_weights()]
    expected = [shape for spec in layers for shape in spec.weight_shapes]
    first = layers[0]
    if shapes != expected or tuple(model.input_shape[1:]) != (first.steps, first.inputs):
        raise refused(Path(path), "its network does not match its settings")
    return model


def parse_values(texts: list[str], length: int, option: str = "VALUES", taker: str = "the model") -> np.ndarray:
    """A typed sequence: `length` numbers; InputError names `option` and what is wrong."""
    if len(texts) != length:
        typed = shown((" " if option == "VALUES" else ",").join(texts))
        raise bad_value(option, typed, f"{taker} takes {length} values, got {len(texts)}")
    values = []
    for text in texts:
        if not config.DECIMAL.fullmatch(text.strip()) or not abs(float(text)) <= config.FLOAT32_MAX:
            raise bad_value(option, shown(text), "not a finite number of float32's range")
        values.append(float(text))
    return np.asarray(values, dtype=np.float32)


def off_grid(values: np.ndarray) -> list[int]:
    """The positions of values that a model trained on the one-decimal grid 0.0-0.9 never saw."""
    digits = values * data.GRID_VALUES
    outside = (values < 0) | (values > 0.9 + 1e-6) | (np.abs(digits - np.round(digits)) > 1e-4)
    return [int(i) for i in np.flatnonzero(outside)]


def weights(path: Path, experiment: Experiment, layers) -> list[np.ndarray]:
    """The saved model's weights, in Keras' order (the engine's)."""
    return load(path, experiment, layers).get_weights()


def predict(path: Path, experiment: Experiment, layers, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(targets, predictions) of the saved model on one sequence, run by Keras itself."""
    model = load(path, experiment, layers)
    targets = tasks.parse(experiment.task).targets(values)
    x, _ = architectures.get(experiment.architecture).frame(values[None], targets[None])
    stateful = [layer for layer in model.layers if getattr(layer, "stateful", False)]
    for layer in stateful:
        layer.reset_states()  # a sequence starts from zeros, as in training
    predictions = model.predict(x, batch_size=1 if stateful else None, verbose=0)
    return targets, data.flatten(predictions)
