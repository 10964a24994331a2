"""How a reproduction is shown: the paper's row beside ours, the sentence under it, and the learning curves."""

import numpy as np
from rich.table import Table
from rich.text import Text

from lstm_echo import plot, reproduction
from lstm_echo.cells import BY_OPTION
from lstm_echo.reproduction import Settings


def sequences_cell(row: dict) -> str:
    if not row["stopped"]:
        return "-"
    median, low, high = row["sequences_median"], row["sequences_min"], row["sequences_max"]
    return f"{median:,.0f} ({low:,}–{high:,})" if low != high else f"{median:,.0f}"


def table(settings: Settings, rows: list[dict]) -> Table:
    """T, wrong of 2,560, training sequences to the stop, seeds stopped, weights: the paper's row, then ours."""
    title = f"The adding problem ({settings.variant} version), T = {settings.length}"
    result = Table(title=title, title_justify="left")
    for name, justify in (
        ("", "left"),
        ("T", "right"),
        ("wrong of 2,560", "right"),
        ("sequences to the stop: median (range)", "right"),
        ("seeds stopped", "right"),
        ("test MSE", "right"),
        ("weights", "right"),
    ):
        result.add_column(name, justify=justify)  # type: ignore[arg-type]
    paper = reproduction.TABLE_7.get(settings.length)
    if settings.paper and paper is not None:
        result.add_row(
            "paper (1997), LSTM",
            str(paper.length),
            str(paper.wrong),
            f"{paper.sequences:,} (average)",
            "-",
            "-",
            str(reproduction.PAPER_WEIGHTS),
        )
    for row in rows:
        wrong = "-" if row["wrong_mean_stopped"] is None else f"{row['wrong_mean_stopped']:.1f}"
        result.add_row(
            f"lstm-echo, {BY_OPTION[row['cell']].label}",
            str(row["length"]),
            wrong,
            sequences_cell(row),
            f"{row['stopped']} of {row['seeds']}",
            f"{row['test_mse_median']:.4f}",
            str(row["weights"]),
        )
    if not settings.paper:
        result.add_row(
            "always 1 (baseline)", str(settings.length), "", "", "", f"{reproduction.FIXED_BASELINE:.4f}", "0"
        )
    return result


def notes(settings: Settings, rows: list[dict]) -> Text:
    said = reproduction.sentence(settings, rows)
    said += (
        " Wrong of 2,560 is the mean over the seeds that stopped; test MSE the median over all seeds."
        f" Batches of {settings.batch_size}, Adam at {settings.learning_rate:g}, forget-gate bias {settings.forget_bias:g}."
    )
    return Text(said)


def figure(settings: Settings, curves: dict[str, tuple[list[int], np.ndarray]]):
    """Held-out mean squared error against training sequences seen: per cell, its seeds' median."""
    series = {
        BY_OPTION[cell].label: (seen, list(np.nanmedian(mse, axis=1))) for cell, (seen, mse) in curves.items() if seen
    }
    title = (
        f"The adding problem, T = {settings.length}: held-out error ({reproduction.CURVE_SEQUENCES} sequences), "
        f"median of {len(settings.seeds)} seeds"
    )
    figure, axes = plot.new_figure()
    for index, (label, (xs, ys)) in enumerate(series.items()):
        axes.plot(xs, ys, label=label, color=f"C{index}")
    right = reproduction.RIGHT_WITHIN
    axes.axhline(right**2, color="grey", linestyle=":", label=f"{right}² (an error of {right} on every sequence)")
    axes.set_yscale("log")
    axes.set_xlabel("training sequences seen")
    axes.set_ylabel("mean squared error")
    axes.grid(True, alpha=0.3)
    return plot.finish(figure, axes, title, legend=True)
