"""What `inspect` shows people: values as tables of coloured numbers, and the words around them.

A heatmap keeps every number whole: when its columns do not fit the width it
is printed in, it is split into blocks of columns (steps 0-11, then 12-19, ...),
each with the row labels again, rather than narrowing any column.
"""

from dataclasses import dataclass

import numpy as np
from rich import box
from rich.color import Color
from rich.console import Group
from rich.style import Style
from rich.text import Text

from lstm_echo import tasks
from lstm_echo.rendering.report import Table, plural, sequences_table, steps_table
from lstm_echo.verdict import ONE_DECIMAL, tolerance

SOURCE_MARK = "*"  # after the number of the task's source step, where colour may not show


def colour(value: float, scale: float) -> Style:
    """Red for positive, blue for negative, deeper toward `scale`; black or white text to stay readable."""
    depth = min(abs(value) / scale, 1.0) if scale > 0 else 0.0
    fade = round(255 * (1 - 0.85 * depth))
    background = Color.from_rgb(255, fade, fade) if value >= 0 else Color.from_rgb(fade, fade, 255)
    return Style(color="white" if depth > 0.6 else "black", bgcolor=background)


@dataclass
class Heatmap:
    """Rows of labelled numbers under numbered columns; `scales[r]` is row r's full colour."""

    labels: list[tuple[str, ...]]  # per row, its label cells
    label_headers: tuple[str, ...]
    values: np.ndarray  # (rows, columns)
    scales: list[float]
    marked: set[tuple[int, int]]  # (row, column) cells to mark with SOURCE_MARK
    first_row_of_group: set[int]  # rows a new group starts at, after a blank line

    def cell(self, row: int, column: int) -> Text:
        value = float(self.values[row, column])
        mark = SOURCE_MARK if (row, column) in self.marked else (" " if self.marked else "")
        return Text(f"{value:.2f}{mark}", style=colour(value, self.scales[row]))

    def block(self, columns: range) -> Table:
        table = Table(box=box.SIMPLE_HEAD)
        for header in self.label_headers:
            table.add_column(header, no_wrap=True)
        for column in columns:
            table.add_column(str(column), justify="right", no_wrap=True)
        for row, labels in enumerate(self.labels):
            if row in self.first_row_of_group and row:
                table.add_section()
            table.add_row(*labels, *(self.cell(row, c) for c in columns))
        return table

    def __rich_console__(self, console, options):
        columns = self.values.shape[1]
        gap = 2  # between columns
        label_width = sum(
            max(len(h), *(len(r[i]) for r in self.labels)) + gap for i, h in enumerate(self.label_headers)
        )
        cell_width = max(len(self.cell(r, c)) for r in range(len(self.labels)) for c in range(columns))
        per_block = max(1, (options.max_width - label_width + gap) // (max(cell_width, len(str(columns - 1))) + gap))
        for start in range(0, columns, per_block):
            shown = range(start, min(start + per_block, columns))
            if per_block < columns:
                yield Text(f"steps {shown[0]}-{shown[-1]}" if len(shown) > 1 else f"step {shown[0]}", style="dim")
            yield self.block(shown)


def value_scale(name: str, values: np.ndarray) -> float:
    """Gates and tanh outputs reach 1; the cell state may go further, so it is coloured by its own largest value."""
    return max(1.0, float(np.abs(values).max())) if name == "cell state" else 1.0


def layer_heatmap(layer: dict) -> Heatmap:
    """One row per unit and value (gate, candidate, memory, output), one column per step."""
    names = list(layer["values"])
    arrays = {name: np.asarray(v) for name, v in layer["values"].items()}
    labels: list[tuple[str, ...]] = []
    rows: list[np.ndarray] = []
    scales: list[float] = []
    starts: set[int] = set()
    for unit in range(layer["units"]):
        starts.add(len(rows))
        for i, name in enumerate(names):
            labels.append((str(unit) if i == 0 else "", name))
            rows.append(arrays[name][unit])
            scales.append(value_scale(name, arrays[name]))
    return Heatmap(labels, ("Unit", "Value"), np.asarray(rows), scales, set(), starts)


def saturation_table(layer: dict) -> Table | Text:
    if not layer["saturation"]:
        return Text(f"{layer['type']} has no gates; its output at each step is shown.")
    table = Table(box=box.SIMPLE_HEAD)
    for column, justify in (("Gate", "left"), ("< 0.1", "right"), ("> 0.9", "right")):
        table.add_column(column, justify=justify)
    for gate, shares in layer["saturation"].items():
        table.add_row(gate, f"{shares['below']:.0%}", f"{shares['above']:.0%}")
    return table


def memory_note(architecture: str) -> str:
    """What one-to-one's heatmap shows instead of a memory: also printed on its own as a notice."""
    return (
        f"{architecture} gives every step a sample of its own that starts from a zero state, so no memory carries "
        "from step to step: each column shows one step's gates on that step's input alone"
    )


def connectivity_heatmap(conn: dict) -> Heatmap:
    matrix = np.asarray(conn["matrix"])
    scale = float(matrix.max())
    marked = {(t, s) for t, s in enumerate(conn["sources"]) if s is not None and conn["source_score"] is not None}
    labels: list[tuple[str, ...]] = [(f"y{t}",) for t in range(matrix.shape[0])]
    return Heatmap(labels, ("Output",), matrix, [scale] * len(labels), marked, set())


def score_text(conn: dict, task: str, seeds: list[int]) -> Text:
    """The source score in words: what it measures, over what."""
    if conn["source_score"] is None:
        return Text(f"{task} has no single source step for any output, so there is no source score.")
    scored = sum(s is not None for s in conn["sources"])
    source = tasks.parse(task).formula()
    over = f"{plural(scored, 'output')}" + (f" and {plural(len(seeds), 'seed')}" if len(seeds) > 1 else "")
    unscored = len(conn["sources"]) - scored
    skipped = ""
    if unscored == 1:
        skipped = "; output 0 copies no input (its target is 0.0) and is not scored"
    elif unscored:
        skipped = f"; outputs 0-{unscored - 1} copy no input (their target is 0.0) and are not scored"
    return Text.assemble(
        ("Source score ", "bold"),
        (f"{conn['source_score']:.2f}", "bold"),
        f": the share of each output's gradient on {source} ({SOURCE_MARK}), the mean over {over}{skipped}.",
    )


def inspect_report(answer: dict) -> Group:
    """The sequence and what the network made of it, each recurrent layer's heatmap and saturation, the connectivity."""
    settings = answer["settings"]
    expected = answer["expected"]
    task = tasks.parse(settings["task"])
    if task.drawn:
        # `inspection.inspect` cut the sequence at its own last step, where its one target is.
        inputs = np.asarray(answer["inputs"], dtype=np.float32)
        got, want = answer["predictions"][-1], expected[-1]
        parts: list = [sequences_table(task.label, inputs[None], [want], [got], task.within or ONE_DECIMAL)]
    else:
        parts = [
            steps_table(
                settings["architecture"], answer["inputs"], expected, answer["predictions"], tolerance(expected)
            )
        ]
    if not answer["carries_memory"]:
        parts.append(Text(memory_note(settings["architecture"]) + ".", style="yellow"))
    for layer in answer["recurrent_layers"]:
        title = f"{layer['name']} ({layer['type']}, {plural(layer['units'], 'unit')}), seed {settings['seed']}: "
        parts += [
            Text(title + "each step's gates, candidate, memory and output", style="bold"),
            layer_heatmap(layer),
            Text(f"{layer['name']}: gate saturation, the share of unit-step values", style="bold"),
            saturation_table(layer),
        ]
    conn = answer["connectivity"]
    if conn is not None:
        seeds = answer["seeds"]
        over = f", mean over {plural(len(seeds), 'seed')}" if len(seeds) > 1 else f", seed {seeds[0]}"
        parts += [
            Text(f"Connectivity |d y_t / d x_s|: rows are outputs t, columns input steps s{over}", style="bold"),
            connectivity_heatmap(conn),
            score_text(conn, settings["task"], seeds),
        ]
    return Group(*parts)


def plot_panels(answer: dict) -> list[dict]:
    """The same heatmaps for `plot.heatmaps_figure`: every recurrent layer's panels, then the connectivity,
    its source cells marked and its source score in the title. Each step is labelled with its input."""
    inputs = step_labels(answer)
    panels = []
    for layer in answer["recurrent_layers"]:
        for name, values in layer["values"].items():
            array = np.asarray(values)
            scale = value_scale(name, array)
            low = 0.0 if name.endswith(" gate") else -scale
            panels.append(panel(f"{layer['name']} {name}", array, low, scale, "step (input)", "unit", inputs))
    conn = answer["connectivity"]
    if conn is not None:
        matrix = np.asarray(conn["matrix"])
        title = "|d y_t / d x_s|"
        marked: set[tuple[int, int]] = set()
        if conn["source_score"] is not None:
            marked = {(t, s) for t, s in enumerate(conn["sources"]) if s is not None}
            title += f"; {SOURCE_MARK} the step the task copies, source score {conn['source_score']:.2f}"
        panels.append(
            panel(title, matrix, 0.0, float(matrix.max()) or 1.0, "input step s (input)", "output t", inputs, marked)
        )
    return panels


def step_labels(answer: dict) -> list[str]:
    """Each step's input, as a picture's axis labels it; of a task with a value and a marker per step, only
    the marked steps (X1, X2: their values are in the table) and the last step, where the output is read
    (the picture labels those alone)."""
    if not tasks.parse(answer["settings"]["task"]).drawn:
        return [f"{value:.2g}" for value in answer["inputs"]]
    marks = np.cumsum([marker == 1 for _, marker in answer["inputs"]])
    labels = [f"X{count}" if marker == 1 else "" for (_, marker), count in zip(answer["inputs"], marks)]
    labels[-1] = labels[-1] or "read"
    return labels


def panel(
    title: str,
    values: np.ndarray,
    low: float,
    high: float,
    x_label: str,
    y_label: str,
    x_values: list[str],
    marked: set[tuple[int, int]] | None = None,
) -> dict:
    return {
        "title": title,
        "values": values,
        "low": low,
        "high": high,
        "x_label": x_label,
        "y_label": y_label,
        "x_values": x_values,  # printed under each column's number
        "marked": marked or set(),  # (row, column) cells that get SOURCE_MARK
    }
