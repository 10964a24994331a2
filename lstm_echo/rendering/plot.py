"""Pictures (PNG, SVG or PDF by the file's extension; matplotlib, the optional `plot` extra) and the
terminal's sparkline."""

import importlib.util
import os
import stat
import textwrap
from pathlib import Path

import numpy as np

from lstm_echo import atomic, config
from lstm_echo.config import InputError, bad_value
from lstm_echo.seeds import share_interval

BARS = "▁▂▃▄▅▆▇█"
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}  # the file's extension decides
HEATMAP_COLUMNS = 3  # panels to a row of the inspect picture: a slide's shape rather than a strip


def sparkline(history, width: int = 40) -> str:
    """The loss on a log scale in at most `width` characters, high to low as ▇ to ▁."""
    values = np.asarray(history, dtype=np.float64)
    values = np.log10(np.clip(values[np.isfinite(values)], 1e-12, None))
    if values.size == 0:
        return ""
    means = np.array([chunk.mean() for chunk in np.array_split(values, min(width, values.size))])
    span = means.max() - means.min()
    levels = np.zeros(means.size, dtype=int) if span == 0 else np.round((means - means.min()) / span * 7).astype(int)
    return "".join(BARS[level] for level in levels)


def check(path: Path) -> Path:
    """Fail before any training when the plot could not be written."""
    path = Path(path)
    shown = config.shown(str(path))
    if path.suffix.lower() not in FORMATS:
        raise bad_value("--plot", shown, "the name must end in .png, .svg or .pdf")
    if importlib.util.find_spec("matplotlib") is None:
        raise InputError("--plot needs matplotlib: pip install 'lstm-echo[plot]'")
    try:
        if not path.parent.is_dir():
            raise bad_value("--plot", shown, f"no folder {str(path.parent)!r}")
        try:
            existing = os.stat(path)  # raises for a name too long or a symlink loop, too
        except FileNotFoundError:
            existing = None
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            raise bad_value("--plot", shown, "exists and is not a regular file")
    except OSError as error:
        raise bad_value("--plot", shown, error.strerror or error) from None
    # Written beside its final name and renamed: the folder must take a new file.
    atomic.probe(path, "--plot", path.suffix)
    return path


def rates_figure(series: dict[str, list[tuple]], title: str, x_label: str):
    """The share of runs that learned against a setting, one line per series of (value, learned, runs)
    points: a 95% interval on each share and its number of runs beside it; a numeric setting on a
    numeric axis."""
    figure, axes = new_figure()
    numeric = all(
        isinstance(x, int | float) and not isinstance(x, bool) for points in series.values() for x, _, _ in points
    )
    places = {x: k for k, x in enumerate(dict.fromkeys(x for points in series.values() for x, _, _ in points))}
    for label, points in series.items():
        xs = [x if numeric else places[x] for x, _, _ in points]
        shares = [learned / runs for _, learned, runs in points]
        low, high = zip(*(share_interval(learned, runs) for _, learned, runs in points))
        bars = [np.subtract(shares, low), np.subtract(high, shares)]
        line = axes.errorbar(xs, shares, yerr=bars, marker="o", capsize=3, label=label or None)
        for x, share, (_, _, runs) in zip(xs, shares, points):
            axes.annotate(
                f"n={runs}",
                (x, share),
                textcoords="offset points",
                xytext=(5, 4),
                fontsize=7,
                color=line[0].get_color(),
            )
    if not numeric or len(places) <= 12:  # each value its own tick, unless a numeric axis would crowd
        axes.set_xticks(list(places.values()) if not numeric else list(places), [str(x) for x in places])
    axes.set_ylim(-0.05, 1.05)
    axes.set_xlabel(x_label)
    axes.set_ylabel("share of runs that learned (95% interval)")
    axes.grid(True, alpha=0.3)
    return finish(figure, axes, title, legend=any(series))


def lines_figure(
    series: dict[str, tuple[list, list[float]]],
    title: str,
    x_label: str,
    y_label: str,
    log: bool = False,
):
    """One line per series against whole-number x values (lags, steps), on a log scale when `log`.

    Labels `group variant` (`lstm initial`, `lstm trained`) pair up: one colour per group, its first
    variant dashed, so that a cell's before and after read as one pair.
    """
    from matplotlib.ticker import MaxNLocator

    figure, axes = new_figure()
    groups = list(dict.fromkeys(label.split(" ")[0] for label in series))
    first_variant: dict[str, str] = {}
    for label, (xs, ys) in series.items():
        group, _, variant = label.partition(" ")
        dashed = first_variant.setdefault(group, variant) == variant and variant != ""
        colour = f"C{groups.index(group) % 10}"
        axes.plot(xs, ys, marker="o", label=label or None, color=colour, linestyle="--" if dashed else "-")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log:
        axes.set_yscale("log")
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.grid(True, alpha=0.3)
    return finish(figure, axes, title, legend=any(series))


def new_figure(size: tuple[float, float] = (8, 4.5)):
    """A figure and its one axes, outside pyplot: nothing to close, no display needed, and a notebook shows it."""
    figure = new_grid(1, 1, size)[0]
    return figure, figure.axes[0]


def new_grid(rows: int, columns: int, size: tuple[float, float]):
    """A figure and its axes, `rows` × `columns` of them (an array, however few)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=100)
    return figure, figure.subplots(rows, columns, squeeze=False)


def finish(figure, axes, title: str, legend: bool):
    """Title and legend, laid out; the figure is returned, to be shown or written."""
    axes.set_title(title, fontsize=10, wrap=True)  # wrapped where it is drawn, to the figure's width
    if legend:
        axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def write_figure(figure, path: Path) -> None:
    """The picture written whole or not at all, keeping the mode of a file it replaces (`atomic`)."""
    suffix = Path(path).suffix
    atomic.write(path, lambda name: figure.savefig(name, format=FORMATS[suffix.lower()]), suffix=suffix)


KIND_COLOURS = ("tab:green", "tab:red")  # the first kind (learned), the second (missed)
BELOW = 1e-3  # a curve whose lowest point is this far under every other's would squash them: it leaves the axis


def same_curves(curves: dict[str, list[float]]) -> list[tuple[list[str], list[float]]]:
    """Curves equal point for point, gathered under all their labels, to be drawn once: no line hides another."""
    merged: list[tuple[list[str], list[float]]] = []
    for label, history in curves.items():
        twin = next((labels for labels, other in merged if np.array_equal(other, history)), None)
        if twin is None:
            merged.append(([label], history))
        else:
            twin.append(label)
    return merged


def loss_figure(
    curves: dict[str, list[float]],
    title: str,
    learned: dict[str, bool] | None = None,
    tests: dict[str, tuple[list[int], list[float]]] | None = None,
    words: tuple[str, str] = ("learned", "did not learn"),
):
    """One line per curve, loss on a log scale.

    With `learned` (a curve's label to whether its run learned), the curves are green or red, the
    legend naming each kind in `words` and counting it; otherwise equal curves are drawn once and a curve far
    below the others is cut at the axis and says where it ends, so the band where they differ shows.
    `tests` (a curve's label to the epochs and held-out losses measured after them) are drawn dashed
    in their training curve's colour, as Keras' `val_loss` beside `loss`.
    """
    tests = tests or {}
    figure, axes = new_figure()
    axes.set_yscale("log")
    epochs = np.arange(1, max(len(h) for h in curves.values()) + 1)
    if learned:
        for label, history in curves.items():
            colour = KIND_COLOURS[not learned[label]]
            axes.plot(epochs[: len(history)], history, color=colour, linewidth=0.8, alpha=0.6)
            if label in tests:
                axes.plot(*tests[label], color=colour, linewidth=0.8, alpha=0.6, linestyle="--")
        for kind, (word, colour) in enumerate(zip(words, KIND_COLOURS)):
            count = sum(bool(kind) != value for value in learned.values())
            if count:
                axes.plot([], [], color=colour, label=f"{word} ({count} seed{'s' if count > 1 else ''})")
    else:
        drawn = same_curves(curves)
        lowest = [float(np.nanmin(history)) for _, history in drawn]
        floor = None
        if len(drawn) > 2:
            bottom, *rest = sorted(lowest)
            if bottom < BELOW * rest[0]:
                floor = rest[0] / 10
        many = len(drawn) > 10  # a big sweep's settings: thin, see-through lines and no legend
        for k, (labels, history) in enumerate(drawn):
            label = " = ".join(labels)
            if floor is not None and lowest[k] < floor:
                label += f" (falls to {lowest[k]:.2g}, below the axis)"
            width, alpha = (0.8, 0.6) if many else (1.5, 1.0)
            axes.plot(epochs[: len(history)], history, label=label, color=f"C{k % 10}", linewidth=width, alpha=alpha)
            if labels[0] in tests:
                axes.plot(*tests[labels[0]], color=f"C{k % 10}", linestyle="--", linewidth=1.0)
        if floor is not None:
            axes.set_ylim(bottom=floor)
    if tests:
        axes.plot([], [], color="grey", label="training (solid)")
        axes.plot([], [], color="grey", linestyle="--", label="held out (dashed)")
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss (mean squared error)")
    axes.grid(True, which="both", alpha=0.3)
    return finish(figure, axes, title, legend=bool(learned) or len(curves) <= 10)


def heatmaps_figure(panels: list[dict], title: str):
    """Heatmaps, HEATMAP_COLUMNS to a row, each panel {title, values (rows, columns), low, high, x_label,
    y_label, x_values, marked}: a red-blue scale centred at 0 where `low` is negative, else white to
    red; each column labelled with its number over its x value, each marked cell with a star."""
    from matplotlib.ticker import MaxNLocator

    columns = min(HEATMAP_COLUMNS, len(panels))
    rows = -(-len(panels) // columns)
    figure, axes = new_grid(rows, columns, (4.2 * columns, 3.4 * rows))
    for axis, panel in zip(axes.flat, panels):
        low, high = panel["low"], panel["high"]
        cmap = "RdBu_r" if low < 0 else "Reds"
        image = axis.imshow(panel["values"], aspect="auto", cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
        axis.set_title(textwrap.fill(panel["title"], 48), fontsize=9)
        axis.set_xlabel(panel["x_label"], fontsize=8)
        axis.set_ylabel(panel["y_label"], fontsize=8)
        steps = len(panel["x_values"])
        shown = list(range(0, steps, max(1, -(-steps // 12))))  # at most 12 labels, so that they stay readable
        if not all(panel["x_values"]):  # only some steps are worth a label (the adding problem's marked ones)
            shown = [k for k, value in enumerate(panel["x_values"]) if value]
        axis.set_xticks(list(shown), [f"{k}\n{panel['x_values'][k]}" for k in shown])
        axis.tick_params(labelsize=7)
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))  # units are whole: no tick at unit 0.25
        for row, column in panel["marked"]:
            dark = (panel["values"][row, column] - low) > 0.6 * (high - low)
            axis.text(column, row, "*", ha="center", va="center", fontsize=14, color="white" if dark else "black")
        figure.colorbar(image, ax=axis, fraction=0.046)
    for axis in axes.flat[len(panels) :]:
        axis.axis("off")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure
