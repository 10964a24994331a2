"""`reproduce adding`: the paper's settings, its Table 7, the checks of every option, and the rows.

Hochreiter & Schmidhuber (1997), Table 7 (the adding problem): an LSTM of two
memory-cell blocks of two cells each, 93 weights, trained online until the
stopping rule held, then judged on 2,560 fresh sequences. Numpy only: the
checks answer before TensorFlow starts.
"""

import statistics
from dataclasses import dataclass
from typing import NamedTuple

from lstm_echo import seeds
from lstm_echo.cells import BY_OPTION
from lstm_echo.config import DECIMAL, bad_value, invalid, shown
from lstm_echo.layers import DENSE, LayerSpec
from lstm_echo.param_arithmetic import total_params
from lstm_echo.tasks.adding import longest, shortest

PROBLEMS = ("adding",)
VARIANTS = ("paper", "fixed")
MAX_LENGTH = 10_000
MAX_NEURONS = 1024
MAX_BATCH = 4096
MAX_SEQUENCES = 10**9
MAX_MODELS = 1000
# The saved activations of one update: (models, batch, steps, units) floats, a few per gate; above this the
# run would swap or be killed part way, so it is refused up front.
MAX_SAVED_BYTES = 4 * 2**30
SAVED_PER_UNIT = 12  # floats kept per unit and step for the backward pass, at most (the LSTM's four gates, c, h, ...)
FEATURES = 2  # a value and a marker per step
RIGHT_IN_A_ROW = 2000  # the paper's stop: the most recent 2,000 training sequences all right
TEST_SEQUENCES = 2560  # judged after the stop (the paper's test set)
CURVE_SEQUENCES = 256  # held-out sequences behind --plot's curve, measured after every chunk of training
FIXED_BASELINE = 1 / 6  # mean squared error of always answering 1 in the fixed version: the sum's variance


class PaperRow(NamedTuple):
    length: int
    wrong: int  # of 2,560 test sequences
    sequences: int  # training sequences to the stop, the paper's average


PAPER_WEIGHTS = 93
TABLE_7 = {100: PaperRow(100, 1, 74_000), 500: PaperRow(500, 0, 209_000), 1000: PaperRow(1000, 1, 853_000)}


@dataclass(frozen=True)
class Settings:
    problem: str = "adding"
    length: int = 100
    seeds: tuple[int, ...] = tuple(range(10))
    cells: tuple[str, ...] = ("lstm",)
    neurons: int = 4  # the paper's four memory cells
    batch_size: int = 8
    learning_rate: float = 0.003  # measured at T = 100: 9 of 10 LSTM seeds stopped, against 5 of 10 at 0.01
    forget_bias: float = 8.0  # the LSTM forget gate's start: open (Keras starts at 1; the paper had none)
    max_sequences: int = 1_000_000
    variant: str = "paper"

    @property
    def paper(self) -> bool:
        return self.variant == "paper"


DEFAULTS = Settings()


def whole(name: str, value, low: int, high: int) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 20) or not low <= int(text) <= high:
        raise invalid(name, value, f"a whole number, {low:,} to {high:,}")
    return int(text)


def number(name: str, value, low: float, high: float, low_open: bool) -> float:
    text = str(value).strip()
    parsed = float(text) if DECIMAL.fullmatch(text) else float("nan")  # float() also takes '1_0' and '٣'
    above = parsed > low if low_open else parsed >= low
    if not (above and parsed <= high):
        raise invalid(name, value, f"a number {'above' if low_open else 'from'} {low:g}, at most {high:g}")
    return parsed


def cell_list(value) -> tuple[str, ...]:
    names = tuple(name.strip().lower() for name in str(value).split(","))
    if not names or any(name not in BY_OPTION for name in names) or len(set(names)) < len(names):
        raise invalid("cell", value, f"cells separated by commas, each once: {', '.join(BY_OPTION)}")
    return names


def checked(
    problem: str = "adding",
    *,
    length=DEFAULTS.length,
    seeds_text="10",
    cells="lstm",
    neurons=DEFAULTS.neurons,
    batch_size=DEFAULTS.batch_size,
    learning_rate=DEFAULTS.learning_rate,
    forget_bias=DEFAULTS.forget_bias,
    max_sequences=DEFAULTS.max_sequences,
    variant=DEFAULTS.variant,
) -> Settings:
    """Settings from values as typed (strings or numbers), every one checked; InputError names the option."""
    if str(problem).lower() not in PROBLEMS:
        raise bad_value("PROBLEM", shown(problem), f"must be {' or '.join(PROBLEMS)}")
    if str(variant).lower() not in VARIANTS:
        raise invalid("variant", variant, f"must be {' or '.join(VARIANTS)}")
    paper = str(variant).lower() == "paper"
    try:
        seed_list = seeds.parse(str(seeds_text))
    except seeds.SeedsError as error:
        raise invalid("seeds", seeds_text, str(error)) from None
    if len(seed_list) > MAX_MODELS:
        raise invalid("seeds", seeds_text, f"at most {MAX_MODELS:,} seeds in one reproduction")
    settings = Settings(
        problem=str(problem).lower(),
        length=whole("length", length, shortest(paper), MAX_LENGTH),
        seeds=tuple(seed_list),
        cells=cell_list(cells),
        neurons=whole("neurons", neurons, 1, MAX_NEURONS),
        batch_size=whole("batch_size", batch_size, 1, MAX_BATCH),
        learning_rate=number("learning_rate", learning_rate, 0, 1, low_open=True),
        forget_bias=number("forget_bias", forget_bias, -20, 20, low_open=False),
        max_sequences=whole("max_sequences", max_sequences, 1, MAX_SEQUENCES),
        variant=str(variant).lower(),
    )
    if settings.max_sequences < settings.batch_size:
        raise invalid("max_sequences", max_sequences, f"at least one batch, {settings.batch_size}")
    check_memory(settings, batch_size)
    return settings


def check_memory(settings: Settings, typed) -> None:
    """Refuse an update whose saved activations would not fit, before anything starts."""
    floats = (
        len(settings.seeds)
        * settings.batch_size
        * longest(settings.length, settings.paper)
        * settings.neurons
        * SAVED_PER_UNIT
    )
    if floats * 4 > MAX_SAVED_BYTES:
        raise invalid(
            "batch_size",
            typed,
            f"{len(settings.seeds)} seeds × {settings.batch_size} sequences × "
            f"{longest(settings.length, settings.paper):,} steps × {settings.neurons} units would keep "
            f"about {floats * 4 / 2**30:.1f} GiB for one update; at most {MAX_SAVED_BYTES / 2**30:.0f} GiB",
        )


def layers(kind: str, units: int, minimum: int, paper: bool) -> tuple[LayerSpec, ...]:
    """A recurrent layer over every step of the longest sequence, and a Dense output read at each one's last."""
    steps = longest(minimum, paper)
    return (
        LayerSpec(kind, units=units, inputs=FEATURES, steps=steps, return_sequences=True),
        LayerSpec(DENSE, units=1, inputs=units, steps=steps, sequence_input=True),
    )


def weights(cell: str, neurons: int) -> int:
    """The network's weights, as `params` counts them."""
    return total_params(list(layers(BY_OPTION[cell].kind, neurons, shortest(True), True)))


@dataclass
class SeedRun:
    """One model's reproduction: the seed, when it stopped, and how it did on the test sequences."""

    cell: str
    seed: int
    stopped_at: int | None  # training sequences seen at the stop; None when it did not stop within the budget
    wrong: int  # of TEST_SEQUENCES
    test_mse: float

    def row(self, settings: Settings) -> dict:
        return {
            "problem": settings.problem,
            "variant": settings.variant,
            "cell": self.cell,
            "length": settings.length,
            "seed": self.seed,
            "neurons": settings.neurons,
            "weights": weights(self.cell, settings.neurons),
            "batch_size": settings.batch_size,
            "learning_rate": settings.learning_rate,
            "forget_bias": settings.forget_bias,
            "max_sequences": settings.max_sequences,
            "stopped": self.stopped_at is not None,
            "sequences_to_stop": self.stopped_at,
            "wrong": self.wrong,
            "test_sequences": TEST_SEQUENCES,
            "test_mse": self.test_mse,
        }


def summary(settings: Settings, runs: list[SeedRun]) -> list[dict]:
    """A row per cell: the seeds that stopped, the training sequences they took, their test errors."""
    rows = []
    for cell in settings.cells:
        own = [r for r in runs if r.cell == cell]
        stopped = [r for r in own if r.stopped_at is not None]
        taken = sorted(r.stopped_at for r in stopped if r.stopped_at is not None)
        rows.append(
            {
                "cell": cell,
                "length": settings.length,
                "weights": weights(cell, settings.neurons),
                "seeds": len(own),
                "stopped": len(stopped),
                "sequences_median": statistics.median(taken) if taken else None,
                "sequences_min": taken[0] if taken else None,
                "sequences_max": taken[-1] if taken else None,
                "wrong_mean_stopped": statistics.fmean(r.wrong for r in stopped) if stopped else None,
                "wrong_median_all": statistics.median(r.wrong for r in own),
                "test_mse_median": statistics.median(r.test_mse for r in own),
            }
        )
    return rows


def sentence(settings: Settings, rows: list[dict]) -> str:
    """What the rows say, in one sentence, computed from them."""
    budget = f"{settings.max_sequences:,}"
    parts = []
    for row in rows:
        part = f"{row['stopped']} of {row['seeds']} {BY_OPTION[row['cell']].label} seeds stopped"
        if row["stopped"]:
            part += f" (median {row['sequences_median']:,.0f} training sequences)"
        parts.append(part)
    said = "; ".join(parts) + f" within {budget} sequences at T = {settings.length}."
    paper = TABLE_7.get(settings.length)
    if paper is not None and settings.paper:
        said += f" The paper's LSTM stopped after {paper.sequences:,} on average."
    elif settings.paper:
        said += f" The paper's Table 7 has T = {', '.join(map(str, TABLE_7))}."
    else:
        best = min(rows, key=lambda row: row["test_mse_median"])
        said += (
            f" {BY_OPTION[best['cell']].label}'s median test MSE, {best['test_mse_median']:.4f}, is"
            f" {best['test_mse_median'] / FIXED_BASELINE:.0%} of always answering 1 ({FIXED_BASELINE:.4f})."
        )
    return said
