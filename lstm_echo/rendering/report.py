"""Rich tables for people and plain JSON for scripts, from results and specs."""

import numpy as np
from rich import box, table
from rich.console import Group
from rich.text import Text

from lstm_echo import architectures, cells, config, seeds, tasks
from lstm_echo.architectures.architecture import Architecture
from lstm_echo.data import echo_sequence
from lstm_echo.hints import Hint
from lstm_echo.layers import CELLS, LSTM, REPEAT, TYPE_LABELS, LayerSpec
from lstm_echo.rendering.plot import sparkline
from lstm_echo.results.aggregate import seeds_label
from lstm_echo.run_result import RunResult
from lstm_echo.runner import layer_rows
from lstm_echo.verdict import LEARNED_ECHO_RATE, Verdict


class Table(table.Table):
    """rich's Table, laid out so that no number is ever cut to '…'.

    Headers and text wrap at spaces; when even that leaves a column narrower
    than its longest number (a very narrow terminal), each row is printed as a
    paragraph of `Header value` pairs instead.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("collapse_padding", True)  # one space between columns, not two
        kwargs.setdefault("pad_edge", False)
        kwargs.setdefault("show_edge", False)
        super().__init__(*args, **kwargs)

    def add_column(self, *args, **kwargs):
        kwargs.setdefault("overflow", "fold")
        super().add_column(*args, **kwargs)

    def __rich_console__(self, console, options):
        if self.columns and self.__rich_measure__(console, options).minimum > options.max_width:
            yield from self.paragraphs()
        else:
            yield from super().__rich_console__(console, options)

    def paragraphs(self):
        """Each row as `first cell: Header value, Header value, ...`, wrapped at spaces."""
        headers = [" ".join(str(column.header).split()) for column in self.columns]
        for first, *rest in zip(*(list(column.cells) for column in self.columns)):
            pairs = [Text.assemble(header, " ", cell) for header, cell in zip(headers[1:], rest) if str(cell)]
            yield Text.assemble(Text.assemble(first, style="bold"), ": ", Text(", ").join(pairs))


def shape_text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def short(value: float) -> str:
    """Up to four decimals without trailing zeros: 0.2, 0.3333."""
    text = f"{value:.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def layer_label(spec: LayerSpec) -> str:
    """`LSTM(5, return_sequences)`, `Dense(1)`, `TimeDistributed(Dense(1))`, `RepeatVector(5)`."""
    if spec.recurrent:
        flags = [name for name, on in (("return_sequences", spec.return_sequences), ("stateful", spec.stateful)) if on]
        return f"{TYPE_LABELS[spec.kind]}({', '.join([str(spec.units), *flags])})"
    if spec.kind == REPEAT:
        return f"RepeatVector({spec.steps})"
    dense = f"Dense({spec.units})"
    return f"TimeDistributed({dense})" if spec.time_distributed else dense


def data_line(arch: Architecture, e: config.Experiment) -> Text:
    """`X (1, 5, 1) -> y (1, 5, 1): one sample; ...`: the shapes the architecture trains on."""
    d = describe(arch, e.length, CELLS[e.cell])
    if e.sequences is None:
        return Text(f"X {shape_text(d['x_shape'])} → y {shape_text(d['y_shape'])}: {d['description']}")
    features = tasks.parse(e.task).features
    x, y = arch.frame(np.zeros((e.sequences, e.steps, features), np.float32), np.zeros((e.sequences, e.steps)))
    return Text(
        f"X {shape_text(x.shape)} → y {shape_text(y.shape)}: {plural(e.sequences, 'random sequence')} "
        f"(data seed {e.data_seed}), {e.test_sequences:,} more held out; {d['description'].split('; ', 1)[-1]}"
    )


def model_summary(title: str, rows: list[dict], data: Text) -> Group:
    """The data's shapes, then layer, type, output shape and params with the total, as Keras' summary shows."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Layer")
    table.add_column("Type")
    table.add_column("Output shape")
    table.add_column("Params", justify="right")
    for row in rows:
        table.add_row(row["name"], row["type"], shape_text(row["output_shape"]), f"{row['params']:,}")
    table.add_section()
    table.add_row("Total", "", "", f"{sum(row['params'] for row in rows):,}", style="bold")
    return Group(Text(title, style="bold"), data, table)


def params_table(arch: Architecture, length: int, neurons: int, cell: str = LSTM, depth: int = 1) -> Group:
    """Every layer's formula, the formula with these numbers, and the result."""
    rows = layer_rows(arch.layers(length, neurons, cell, depth))
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Layer")
    table.add_column("Output shape")
    table.add_column("Arithmetic")
    table.add_column("Params", justify="right")
    for row in rows:
        table.add_row(
            Text(row["name"]) + Text("\n" + row["type"], style="dim"),
            shape_text(row["output_shape"]),
            Text(row["formula"], style="dim") + Text("\n" + worked(row)),
            f"{row['params']:,}",
        )
    table.add_section()
    total = sum(row["params"] for row in rows)
    sum_text = " + ".join(f"{row['params']:,}" for row in rows) + f" = {total:,}"
    table.add_row("Total", "", sum_text, f"{total:,}", style="bold")
    title = f"{arch.name}: length {length}, neurons {neurons}" + (f", {depth} layers" if depth > 1 else "")
    return Group(Text(title, style="bold"), table)


def params_notes(kind: str) -> Text:
    """What each parameter of the cell `kind`, of Dense and of TimeDistributed is, in words."""
    return Text(
        f"{cells.BY_KIND[kind].note}\nDense: a weight per input + a bias, per output.\n"
        "TimeDistributed, or a Dense given a 3-D input, applies one Dense at every step."
    )


def worked(row: dict) -> str:
    """The substituted formula and its result: `4 × ((1 + 1) × 5 + 5²) = 140`."""
    if row["substituted"] == str(row["params"]):
        return row["substituted"]
    return f"{row['substituted']} = {row['params']:,}"


def params_json(arch: Architecture, length: int, neurons: int, cell: str = LSTM, depth: int = 1) -> dict:
    rows = layer_rows(arch.layers(length, neurons, cell, depth))
    return {
        "architecture": arch.name,
        "length": length,
        "neurons": neurons,
        "cell": cell,
        "depth": depth,
        "layers": rows,
        "total_params": sum(row["params"] for row in rows),
    }


def describe(arch: Architecture, length: int, cell: str = LSTM) -> dict:
    """An architecture's names, shapes, layers and defaults at one sequence length, with `cell` layers."""
    sequence = echo_sequence(length)
    x, y = arch.frame(sequence, sequence)
    return {
        "name": arch.name,
        "aliases": list(arch.aliases),
        "description": arch.description.format(cell=cells.BY_KIND[cell].label),
        "x_shape": list(x.shape),
        "y_shape": list(y.shape),
        "layers": [layer_label(spec) for spec in arch.layers(length, length)],
        "default_epochs": arch.default_epochs,
        "default_batch_size": arch.default_batch_size(length),
    }


def architectures_table(descriptions: list[dict], length: int) -> Group:
    table = Table(
        title=f"Architectures of the echo problem (length {length}, neurons = length)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for column in ("Architecture", "Data", "Layers", "Epochs", "Batch"):
        table.add_column(column)
    for d in descriptions:
        table.add_row(
            Text(d["name"]) + Text("\nalias " + ", ".join(d["aliases"]), style="dim"),
            f"X {shape_text(d['x_shape'])}\ny {shape_text(d['y_shape'])}",
            "\n".join(d["layers"]),
            str(d["default_epochs"]),
            str(d["default_batch_size"]),
        )
    about = [Text.assemble((d["name"], "bold"), f": {d['description']}") for d in descriptions]
    return Group(table, *about)


def predictions_table(result: RunResult) -> Group:
    """Every step's prediction and error, marked ✓ when within the verdict's tolerance."""
    if tasks.parse(result.experiment.task).drawn:
        return judged_table(result)
    if result.test is not None:
        return held_out_table(result)
    e = result.experiment
    return steps_table(e.architecture, result.inputs, result.expected, result.predictions, result.verdict.tolerance)


def steps_table(architecture: str, inputs, expected, predictions, tolerance: float) -> Group:
    """A row per step of one sequence: input, target, prediction, error and ✓ or ✗."""
    table = Table(box=box.SIMPLE_HEAD)
    position = architectures.get(architecture).position
    for column in (position, "Input", "Expected", "Predicted", "Abs error", f"< {tolerance:g}"):
        table.add_column(column, justify="right")
    for step, (given, want, got) in enumerate(zip(inputs, expected, predictions)):
        ok = abs(got - want) < tolerance
        table.add_row(
            str(step),
            short(given),
            short(want),
            f"{got:.4f}",
            f"{abs(got - want):.4f}",
            Text("✓", style="green") if ok else Text("✗", style="bold red"),
        )
    return Group(Text("Predictions", style="bold"), table)


SHOWN_STEPS = 10  # of a held-out sequence, so that its table fits 80 columns


def held_out_table(result: RunResult) -> Group:
    """A few held-out sequences, a row each for input, target and prediction, steps across."""
    tolerance, length = result.verdict.tolerance, result.experiment.length
    steps = min(length, SHOWN_STEPS)
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Sequence")
    for step in range(steps):
        table.add_column(str(step), justify="right")
    values = [np.reshape(result.__dict__[name], (-1, length)) for name in ("inputs", "expected", "predictions")]
    for number, (given, want, got) in enumerate(zip(*values)):
        marks = [Text(f"{p:.2f}", style="green" if abs(p - w) < tolerance else "bold red") for p, w in zip(got, want)]
        right = int(np.sum(np.abs(got - want) < tolerance))
        table.add_row(f"#{number + 1} input", *(f"{v:.1f}" for v in given[:steps]))
        table.add_row("target", *(f"{v:.1f}" for v in want[:steps]))
        table.add_row(f"predicted ({right}/{length} ✓)", *marks[:steps], end_section=True)
    shown = f", steps 0-{steps - 1} of {length}" if steps < length else ""
    title = f"Predictions on {plural(len(values[0]), 'held-out sequence')}{shown} (green: within {tolerance:g})"
    return Group(Text(title, style="bold"), table)


def judged_table(result: RunResult) -> Group:
    """The held-out sequences a run shows, of a task with one target per sequence."""
    e = result.experiment
    inputs = np.reshape(result.inputs, (-1, e.steps, tasks.parse(e.task).features))
    return sequences_table(e.task, inputs, result.expected, result.predictions, result.verdict.tolerance, "held-out ")


def sequences_table(task_text: str, inputs, expected, predictions, tolerance: float, which: str = "") -> Group:
    """A row per sequence of a task with one target per sequence: its steps, its marked values, target, prediction."""
    task = tasks.parse(task_text)
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Sequence", "Steps", "Marked (step: value)", "Target", "Predicted", "Abs error", f"< {tolerance:g}"):
        table.add_column(column, justify="left" if column.startswith("Marked") else "right")
    for number, (sequence, want, got) in enumerate(zip(inputs, expected, predictions)):
        ok = abs(got - want) < tolerance
        table.add_row(
            f"#{number + 1}",
            str(task.own_length(sequence)),
            task.marked(sequence),
            f"{want:.4f}",
            f"{got:.4f}",
            f"{abs(got - want):.4f}",
            Text("✓", style="green") if ok else Text("✗", style="bold red"),
        )
    title = f"Predictions at the last step of {plural(len(inputs), which + 'sequence')} ({task.formula()})"
    return Group(Text(title, style="bold"), table)


def scores_table(result: RunResult) -> Table:
    """Training and held-out figures side by side: mean squared error and echo rate."""
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Data", "Sequences", "MSE", "Echo rate"):
        table.add_column(column, justify="left" if column == "Data" else "right")
    for name, v in (("train", result.train), ("test (held out)", result.test)):
        if v is not None:
            table.add_row(name, f"{v.sequences:,}", f"{v.mse:.3g}", f"{v.echo_rate:.1%}")
    return table


def loss_curve_line(history: list[float]) -> Text:
    """`loss ▇▆▄▃▂▁ 0.23 → 0.00057 (epoch means, log scale)`: each epoch's loss averaged while it trained."""
    return (
        Text("loss ")
        + Text(sparkline(history), style="cyan")
        + Text(f" {history[0]:.3g} → {history[-1]:.3g} (epoch means, log scale)")
    )


def verdict_words(task: str) -> tuple[str, str]:
    return ("echoed", "did not echo") if task == "echo" else (f"learned {task}", f"did not learn {task}")


def hint_text(hint: Hint, result: RunResult) -> Text:
    """What the tries after a miss gave: each change and its verdict, and what the budget left untried."""
    words = verdict_words(result.experiment.task)

    def outcome(trial) -> str:
        v = trial.verdict
        if v is None:
            return f"{trial.option}: diverged"
        figure = f"test echo {v.echo_rate:.0%}" if v.sequences > 1 else f"max error {v.max_error:.4f}"
        return f"{trial.option}: {words[0] if v.learned else words[1]} ({figure})"

    text = Text("")
    if hint.lowest_epoch is not None:
        history = result.loss_history
        text += Text(
            f"the loss rose: lowest at epoch {hint.lowest_epoch} ({history[hint.lowest_epoch - 1]:.3g}), "
            f"{history[-1]:.3g} at the end\n"
        )
    text += Text("hint, tried on this seed: ") + Text("; ".join(map(outcome, hint.tried)) or "nothing")
    if hint.found is None and hint.untried:
        text += Text(f"; next, not tried here (over the hints' training budget): {hint.untried[0].option}")
    elif hint.found is None:
        text += Text("; none learned it: --seeds 20 shows how often this setting learns")
    return text


def verdict_line(result: RunResult, wall_seconds: float, hint: Hint | None = None) -> Group | Text:
    v = result.verdict
    word = verdict_words(result.experiment.task)
    head = Text(word[0] if v.learned else word[1], style="bold green" if v.learned else "bold red")
    if result.test is not None:
        judged = "their last step" if tasks.parse(result.experiment.task).drawn else "every step"
        text = head + Text(
            f": {v.sequences_correct}/{v.sequences} held-out sequences ({v.echo_rate:.0%}) had {judged} "
            f"within {v.tolerance:g}; learned means at least {LEARNED_ECHO_RATE:.0%}"
        )
        if hint is not None:
            text += Text("\n") + hint_text(hint, result)
        return Group(scores_table(result), text + Text("\n") + run_figures(result, wall_seconds))
    text = head + Text(f": {v.steps_correct}/{v.steps} steps within {v.tolerance:g} of the target")
    if not v.learned:
        position = architectures.get(result.experiment.architecture).position.lower()
        text += Text(f"; worst: {position} {v.worst_step}, off by {v.max_error:.4f}")
        if hint is not None:
            text += Text("\n") + hint_text(hint, result)
    return text + Text("\n") + run_figures(result, wall_seconds)


def run_figures(result: RunResult, wall_seconds: float) -> Text:
    """Final loss, worst error, timings and the loss curve."""
    return Text(
        f"final loss {result.final_loss:.3g} (after the last update), max error {result.verdict.max_error:.4f}, "
        f"trained {timing_text(result.timings, wall_seconds)}\n"
    ) + loss_curve_line(result.loss_history)


def saved_line(path, result: RunResult, several: bool) -> Text:
    which = f"seed {result.experiment.seed}" + (" (the best)" if several else "")
    return Text(f"Saved the trained network ({which}) to {path}; try: lstm-echo predict {path} VALUES...")


def predict_report(path, e: config.Experiment, inputs, targets, predictions, v: Verdict) -> Group:
    """A saved model's output on one typed sequence, judged against its task."""
    title = f"{path}: {e.architecture} ({network_text(e)}), task {e.task}, length {e.length}, seed {e.seed}"
    word = verdict_words(e.task)
    head = Text(word[0] if v.learned else word[1], style="bold green" if v.learned else "bold red")
    return Group(
        Text(title, style="bold"),
        steps_table(e.architecture, inputs, targets, predictions, v.tolerance),
        head + Text(f": {v.steps_correct}/{v.steps} steps within {v.tolerance:g} of the target"),
    )


def learned_text(runs_learned: int, runs: int) -> str:
    """`19/20 (95%)`: the count and the share, one way everywhere; `yes` or `no` for one run."""
    if runs == 1:
        return "yes" if runs_learned else "no"
    return f"{runs_learned}/{runs} ({runs_learned / runs:.0%})"


def learned_style(runs_learned: int, runs: int) -> str:
    return "green" if runs_learned == runs else "yellow" if runs_learned else "red"


def seeds_table(run_rows: list[dict]) -> Group:
    """A row per run; with the architecture first when the runs are of several."""
    several = len({row["architecture"] for row in run_rows}) > 1
    table = Table(box=box.SIMPLE_HEAD)
    if several:
        table.add_column("Architecture", no_wrap=True)
    held_out = any(row["test"] is not None for row in run_rows)
    correct = "Test echo" if held_out else "Steps correct"
    worst = f"Worst {architectures.get(run_rows[0]['architecture']).position.lower()}" if not several else "Worst at"
    for column in ("Seed", "Final loss", correct, "Max error", worst, "Learned"):
        table.add_column(column, justify="right")
    for row in run_rows:
        table.add_row(
            *([row["architecture"]] if several else []),
            str(row["seed"]),
            loss_text(row["final_loss"]),
            rate_text(row["test"]["echo_rate"]) if row["test"] else f"{row['steps_correct']}/{row['steps']}",
            "-" if row["max_error"] is None else f"{row['max_error']:.4f}",
            "-" if row["worst_step"] is None else str(row["worst_step"]),
            Text("✓ yes", style="green") if row["learned"] else Text("✗ no", style="red"),
        )
    return Group(Text("Per seed", style="bold"), table)


CACHE_WORDS = {"hit": " from the cache", "miss": "", "off": ", cache off"}


def timing_text(timings: dict, wall_seconds: float) -> str:
    """`in 0.05 s (+1.54 s compile, 4.8 s in all with start-up)`, and whether the compile cache served it."""
    cache = CACHE_WORDS[timings.get("compile_cache", "miss")]
    return (
        f"in {timings['train_seconds']:.2f} s (+{timings['compile_seconds']:.2f} s compile{cache}, "
        f"{wall_seconds:.1f} s in all with start-up)"
    )


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def seeds_summary(summary: dict, results: list[RunResult], wall_seconds: float) -> Text:
    """The aggregate row of a run over seeds, its timings and the median loss curve."""
    timings = results[0].timings
    word = verdict_words(summary["task"])[0]
    line = Text(f"{word} in {learned_text(summary['runs_learned'], summary['runs'])} seeds", style="bold")
    if summary["median_final_loss"] is not None:
        line += Text(f"; final loss median {summary['median_final_loss']:.3g}, worst {summary['worst_final_loss']:.3g}")
    if summary["median_test_echo_rate"] is not None:
        line += Text(f"; held-out echo rate median {rate_text(summary['median_test_echo_rate'])}")
    if summary["diverged"]:
        line += Text(f"; {summary['diverged']} diverged", style="bold red")
    misses = misses_text(results)
    if misses is not None:
        line += Text("\n") + misses
    curve = seeds.median_curve([r.loss_history for r in results])
    return (
        line
        + Text(f"\n{plural(summary['runs'], 'model')} trained together {timing_text(timings, wall_seconds)}\nmedian ")
        + loss_curve_line(curve)
    )


def misses_text(results: list[RunResult]) -> Text | None:
    """Where the seeds that missed went wrong on the fixed sequence: each step missed, how often and by how much."""
    missed = [r for r in results if not r.verdict.learned]
    if not missed or missed[0].test is not None:  # held out: judged by whole sequences, not steps
        return None
    errors = np.abs(np.array([r.predictions for r in missed], dtype=np.float64) - np.asarray(missed[0].expected))
    wrong = ~(errors < missed[0].verdict.tolerance)  # a NaN is never right
    position = architectures.get(missed[0].experiment.architecture).position.lower()
    parts = []
    for step in np.flatnonzero(wrong.any(axis=0)):
        off = errors[wrong[:, step], step]
        parts.append(f"{position} {step} in {plural(len(off), 'seed')} (off by {short_range(off)})")
    return Text(f"where the {plural(len(missed), 'seed')} that missed went wrong: " + "; ".join(parts))


def short_range(values) -> str:
    low, high = float(np.min(values)), float(np.max(values))
    return f"{low:.3f}" if f"{low:.3f}" == f"{high:.3f}" else f"{low:.3f}-{high:.3f}"


def loss_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2e}"


def rate_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def seeds_text(seed_list: list[int]) -> str:
    """`20 seeds (0-19)`: the count said as a count, so `--seeds 7` cannot pass for the seed 7."""
    return f"{len(seed_list)} seeds ({seeds_label(seed_list)})" if len(seed_list) > 1 else f"seed {seed_list[0]}"


def network_text(e: config.Experiment) -> str:
    return f"{e.layers} × {e.cell}" if e.layers > 1 else e.cell


def data_text(e: config.Experiment) -> str:
    """`, 1000 sequences (100 held out, data seed 0)`, or nothing for the one fixed sequence."""
    if e.sequences is None:
        return ""
    return f", {plural(e.sequences, 'sequence')} ({e.test_sequences:,} held out, data seed {e.data_seed})"


def settings_title(e: config.Experiment, seed_list: list[int] | None) -> str:
    return (
        f"{e.architecture} ({network_text(e)}), task {e.task}: length {e.length}, neurons {e.neurons}, "
        f"epochs {e.epochs}, batch {e.batch_size}, {seeds_text(seed_list or [e.seed])}{data_text(e)}"
    )


def compare_title(e: config.Experiment, seed_list: list[int], every: bool) -> str:
    which = "All architectures" if every else "Architectures"
    title = f"{which} ({network_text(e)}), task {e.task}, length {e.length}, {seeds_text(seed_list)}{data_text(e)}"
    if tasks.parse(e.task).ragged:
        title += f"; {' and '.join(a.name for a in architectures.REGISTRY if not a.causal)} cannot frame {e.task}"
    return title


def compare_table(summaries: list[dict], run_rows: list[dict], title: str) -> Group:
    """One row per architecture: its size, its settings, and how its seed (or seeds) did."""
    many = summaries[0]["runs"] > 1
    held_out = summaries[0]["median_test_echo_rate"] is not None
    loss_columns = (
        ("Median loss", "Worst loss") if many else ("Final loss", "Test echo" if held_out else "Steps correct")
    )
    if many and held_out:
        loss_columns = ("Median loss", "Test echo")
    scored = "mean_source_score" in summaries[0]  # compare --connectivity
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Architecture", no_wrap=True)
    for column in (
        "Params",
        "Epochs",
        "Batch",
        "Updates",
        *loss_columns,
        "Learned",
        *(["Source"] if scored else []),
        "s/run",
    ):
        table.add_column(column, justify="right")
    for s in summaries:
        row = next(r for r in run_rows if r["architecture"] == s["architecture"])
        if many:
            second = rate_text(s["median_test_echo_rate"]) if held_out else loss_text(s["worst_final_loss"])
            losses = (loss_text(s["median_final_loss"]), second)
        elif held_out:
            losses = (loss_text(row["final_loss"]), rate_text(row["test"]["echo_rate"]))
        else:
            losses = (loss_text(row["final_loss"]), f"{row['steps_correct']}/{row['steps']}")
        table.add_row(
            s["architecture"],
            f"{s['params']:,}",
            str(s["epochs"]),
            str(s["batch_size"]),
            f"{updates(s):,}",
            *losses,
            Text(learned_text(s["runs_learned"], s["runs"]), style=learned_style(s["runs_learned"], s["runs"])),
            *([score_text(s["mean_source_score"])] if scored else []),
            f"{s['median_seconds']:.2f}",
        )
    if not scored:
        return Group(Text(title, style="bold"), table)
    what = "Source: the share of each output's gradient on the input step its task copies"
    over = ", mean over seeds" if many else ""
    return Group(
        Text(title, style="bold"), table, Text(f"{what}{over} (lstm-echo inspect --connectivity shows it whole).")
    )


def updates(setting: dict) -> int:
    """Adam steps a run takes: epochs x batches per epoch (a last, smaller batch counts)."""
    steps = tasks.parse(setting["task"]).padded_length(setting["length"])
    samples = architectures.get(setting["architecture"]).samples(steps, setting["sequences"] or 1)
    return setting["epochs"] * -(-samples // setting["batch_size"])


def score_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def compare_takeaway(summaries: list[dict]) -> Text:
    """One sentence computed from the rows: which architectures learned the task, most and least often."""
    yes, no = verdict_words(summaries[0]["task"])
    if summaries[0]["runs"] == 1:
        learned = ", ".join(s["architecture"] for s in summaries if s["runs_learned"]) or "none"
        missed = ", ".join(s["architecture"] for s in summaries if not s["runs_learned"]) or "none"
        return Text(f"{yes.capitalize()}: {learned}; {no}: {missed}.")
    rates = sorted({s["learned_rate"] for s in summaries}, reverse=True)

    def group(rate: float) -> str:
        members = [s for s in summaries if s["learned_rate"] == rate]
        k, n = members[0]["runs_learned"], members[0]["runs"]
        return ", ".join(s["architecture"] for s in members) + f" in {k}/{n} seeds ({rate:.0%})"

    if rates == [0]:
        return Text(f"No architecture {yes} in any seed.")
    if len(rates) == 1:
        return Text(f"Every architecture {yes} equally often: {group(rates[0])}.")
    return Text(f"Most often {yes}: {group(rates[0])}; least often: {group(rates[-1])}.")


SWEEP_AXES = {name: config.SETTINGS[name].label for name in config.AXES}  # setting -> column header


def varying_axes(rows: list[dict]) -> list[str]:
    """The settings that differ between rows; the others are shared by all."""
    return [name for name in SWEEP_AXES if rows and name in rows[0] and len({r[name] for r in rows}) > 1]


def shared_text(rows: list[dict], varying: list[str]) -> str:
    """`architecture many-to-many, task echo, ...`: the settings every row shares, but those that do nothing."""
    first = rows[0]
    shown = [n for n in SWEEP_AXES if n in first and n not in varying and n not in config.inert(first)]
    return ", ".join(f"{SWEEP_AXES[n].lower()} {first[n]}" for n in shown)


def setting_label(row: dict, varying: list[str]) -> str:
    return ", ".join(f"{SWEEP_AXES[name].lower()} {row[name]}" for name in varying) or row["architecture"]


def sweep_table(rows: list[dict], runs: int) -> Group:
    """One row per setting of a sweep, over its seeds; settings shared by every row go in the title."""
    varying = varying_axes(rows)
    shared = shared_text(rows, varying) if rows else ""
    table = Table(box=box.SIMPLE_HEAD)
    for name in varying:
        table.add_column(SWEEP_AXES[name], justify="left" if name == "architecture" else "right")
    held_out = any(r["median_test_echo_rate"] is not None for r in rows)
    last = "Test echo" if held_out else "Worst loss"
    for column in ("Runs", "Learned", "Median loss", last, "s/run"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            *(str(r[name]) for name in varying),
            str(r["runs"]),
            Text(learned_text(r["runs_learned"], r["runs"]), style=learned_style(r["runs_learned"], r["runs"])),
            loss_text(r["median_final_loss"]),
            rate_text(r["median_test_echo_rate"]) if held_out else loss_text(r["worst_final_loss"]),
            f"{r['median_seconds']:.3f}",
        )
    title = f"{plural(runs, 'run')}, {plural(len(rows), 'setting')}" + (f"; {shared}" if shared else "")
    return Group(Text(title, style="bold"), table)


def cache_text(state: dict, problem: str | None = None) -> Text:
    """Where the compile cache is, what it holds, and how to turn it off."""
    if state["directory"] is None:
        return Text("The compile cache is off (LSTM_ECHO_CACHE=off): every run compiles its program.")
    removed = f"Removed {plural(state['removed'], 'file')}. " if "removed" in state else ""
    untrusted = f" It is not used: {problem}." if problem else ""
    return Text(
        f"{removed}Compile cache: {state['directory']}, {plural(state['programs'], 'compiled program')} "
        f"and {plural(state['traced'], 'traced one')}, {state['bytes'] / 2**20:.1f} MB "
        f"(about 0.6 MB per shape trained; never pruned).{untrusted} "
        "LSTM_ECHO_CACHE=off turns it off, LSTM_ECHO_CACHE_DIR moves it, lstm-echo cache --clear empties it."
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def spreadsheet_safe(value):
    """A CSV cell no spreadsheet runs as a formula: text that starts like one gets a leading '."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def report_plot_title(described: dict[str, list], runs: int, files: int) -> str:
    """`many-to-many, task echo, epochs 1000: 60 runs from 3 files`; a setting with several values is counted."""
    parts = []
    for name, values in described.items():
        word = "" if name == "architecture" else f"{name} "
        parts.append(
            f"{word}{values[0]}"
            if len(values) == 1
            else f"{len(values)} {name}s"
            if name != "epochs"
            else f"epochs {values[0]}-{values[-1]}"
        )
    return f"{', '.join(parts)}: {plural(runs, 'run')} from {plural(files, 'file')}"


def status_table(table: list[dict], shards: int, files: int) -> Group:
    """The shards that miss runs (all of them when few), and the totals."""
    planned, missing = sum(r["planned"] for r in table), sum(r["missing"] for r in table)
    head = Text(
        f"{shards} shards, {planned:,} runs planned, {planned - missing:,} recorded in {plural(files, 'file')}, "
        f"{missing:,} missing",
        style="bold",
    )
    shown = [r for r in table if r["missing"]] if len(table) > 20 else table
    if not shown:
        return Group(head)
    out = Table(box=box.SIMPLE_HEAD)
    for column in ("Shard", "Planned", "Recorded", "Missing"):
        out.add_column(column, justify="right")
    for row in shown:
        style = "red" if row["missing"] else ""
        out.add_row(
            str(row["shard"]), f"{row['planned']:,}", f"{row['recorded']:,}", Text(f"{row['missing']:,}", style=style)
        )
    return Group(head, out)


def plan_table(plan: list[dict]) -> Group:
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Shard", "Settings", "Runs", "Programs", "Share of work"):
        table.add_column(column, justify="right")
    for row in plan:
        table.add_row(row["shard"], str(row["settings"]), str(row["runs"]), str(row["programs"]), f"{row['share']:.1%}")
    runs = sum(row["runs"] for row in plan)
    title = f"{plural(runs, 'run')} in {plural(len(plan), 'shard')} (work: model updates weighted by network size)"
    return Group(Text(title, style="bold"), table)


def shown_lags(length: int) -> list[int]:
    """Every lag of a short sequence; of a long one, 0, 1, 2, 4, 8, ... and the longest."""
    if length <= 12:
        return list(range(length))
    lags = [0] + [2**k for k in range(length.bit_length()) if 2**k < length - 1]
    return [*lags, length - 1]


def vanishing_report(answer: dict) -> Group:
    """|d y_last / d x_s| against the lag, per cell, at initialisation and trained, and what it shows."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Lag", justify="right")
    for cell in answer["cells"]:
        for phase in ("initial", "trained"):
            table.add_column(f"{cell} {phase}", justify="right")
    for lag in shown_lags(answer["length"]):
        values = [f"{v[phase][lag]:.2e}" for v in answer["cells"].values() for phase in ("initial", "trained")]
        table.add_row(str(lag), *values)
    title = (
        f"|d y_last / d x_(last - lag)| for many-to-many networks of {answer['neurons']} units, length "
        f"{answer['length']}; trained {answer['epochs']} epochs on echo from seed {answer['seed']}"
    )
    learned = ", ".join(f"{cell} {'echoed' if v['learned'] else 'did not echo'}" for cell, v in answer["cells"].items())
    return Group(Text(title, style="bold"), table, Text(f"{answer['finding']} (Trained: {learned}.)"))


def timedistributed_report(answer: dict) -> Group:
    """Side by side: TimeDistributed(Dense(1)) and a plain Dense(1), as Keras counts and runs them."""
    wrapped, plain = answer["time_distributed"], answer["dense"]
    params = Table(box=box.SIMPLE_HEAD)
    for column in ("Layer", "With TimeDistributed", "Params", "Plain Dense", "Params"):
        params.add_column(column, justify="right" if column == "Params" else "left")
    for i, (a, b) in enumerate(zip(wrapped["layers"], plain["layers"])):
        params.add_row(
            str(i + 1),
            f"{a['type']} {shape_text(a['output_shape'])}",
            f"{a['params']:,}",
            f"{b['type']} {shape_text(b['output_shape'])}",
            f"{b['params']:,}",
        )
    params.add_section()
    params.add_row("Total", "", f"{wrapped['total_params']:,}", "", f"{plain['total_params']:,}", style="bold")

    outputs = Table(box=box.SIMPLE_HEAD)
    for column in ("Step", "Input", "TimeDistributed(Dense(1))", "Dense(1)", "Difference"):
        outputs.add_column(column, justify="right")
    for step, (x, a, b) in enumerate(zip(answer["inputs"], wrapped["outputs"], plain["outputs"])):
        outputs.add_row(str(step), short(x), f"{a:.6f}", f"{b:.6f}", f"{abs(a - b):.1e}")

    same = answer["same_params"] and answer["max_abs_difference"] <= 1e-6
    verdict = Text(
        f"Same parameters: {'yes' if answer['same_params'] else 'no'}; "
        f"largest output difference: {answer['max_abs_difference']:.1e}. ",
        style="bold green" if same else "bold red",
    )
    verdict += Text(
        "A Dense layer applies its kernel to the last axis of any input, so on the LSTM's "
        "(batch, steps, units) output it already acts on every step with one set of weights: "
        "exactly what the wrapper does."
        if same
        else "The two differ here."
    )
    title = (
        f"TimeDistributed(Dense(1)) or Dense(1) after LSTM(return_sequences)? length {answer['length']}, "
        f"neurons {answer['neurons']}, weights trained {answer['epochs']} epochs from seed {answer['seed']}"
    )
    return Group(
        Text(title, style="bold"),
        params,
        Text("Outputs of both Keras models on the same weights", style="bold"),
        outputs,
        verdict,
    )
