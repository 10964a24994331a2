"""How a reproduction is shown: the paper's row beside ours, the sentence under it, and the learning curves."""

import numpy as np
from rich.table import Table
from rich.text import Text

from lstm_echo import reproduction
from lstm_echo.cells import BY_OPTION
from lstm_echo.rendering import plot
from lstm_echo.reproduction import Settings
from lstm_echo.tasks.adding import RIGHT_WITHIN


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
    """Held-out mean squared error against training sequences seen: per cell, each seed faint and their median."""
    from matplotlib.ticker import FuncFormatter

    title = (
        f"The adding problem, T = {settings.length}: held-out error ({reproduction.CURVE_SEQUENCES} sequences) "
        f"of {len(settings.seeds)} seeds, their median bold"
    )
    figure, axes = plot.new_figure()
    for index, (cell, (seen, mse)) in enumerate(curves.items()):
        if not seen:
            continue
        colour = f"C{index}"
        axes.plot(seen, mse, color=colour, alpha=0.25, linewidth=0.8)
        axes.plot(seen, np.median(mse, axis=1), color=colour, linewidth=2, label=BY_OPTION[cell].label)
    right = RIGHT_WITHIN
    axes.axhline(right**2, color="grey", linestyle=":", label=f"{right}² (an error of {right} on every sequence)")
    axes.set_yscale("log")
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    axes.set_xlabel("training sequences seen (a stopped seed keeps its last error)")
    axes.set_ylabel("mean squared error")
    axes.grid(True, alpha=0.3)
    return plot.finish(figure, axes, title, legend=True)


def memory_figure(settings: Settings, cell: str, seed: int, memory: dict):
    """One test sequence through one trained model: the marked pairs above, every unit's memory below."""
    pairs, values = memory["pairs"], memory["values"]
    shown = "cell state" if "cell state" in values else "output"
    marked = [int(t) for t in np.nonzero(pairs[:, 1] == 1)[0]]
    figure, grid = plot.new_grid(2, 1, (8, 5.5))
    top, bottom = grid[0, 0], grid[1, 0]
    steps = np.arange(len(pairs))
    top.plot(steps, pairs[:, 0], color="grey", linewidth=0.8, label="value")
    top.scatter(marked, pairs[marked, 0], color="C3", zorder=3, label="marked 1: X1, X2")
    top.set_ylabel("input value")
    top.legend(fontsize=8, loc="upper right")
    for unit in range(values[shown].shape[1]):
        bottom.plot(steps, values[shown][:, unit], label=f"unit {unit}")
    for axes in (top, bottom):
        for t in marked:
            axes.axvline(t, color="C3", linestyle=":", linewidth=1)
        axes.grid(True, alpha=0.3)
    bottom.set_xlabel("step")
    bottom.set_ylabel(shown)
    bottom.legend(fontsize=8, loc="upper right", ncol=2)
    label = BY_OPTION[cell].label
    x1, x2 = (pairs[t, 0] if t > 0 or not settings.paper else 0.0 for t in marked)  # the paper's step 0 counts 0
    title = (
        f"{label}, seed {seed}, T = {settings.length}: X1 = {x1:.2f} at step {marked[0]}, X2 = {x2:.2f} at step "
        f"{marked[1]}; target {memory['target']:.3f}, output {memory['output']:.3f}"
    )
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure
