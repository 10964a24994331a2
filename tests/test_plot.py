import importlib.util

import pytest
from typer.testing import CliRunner

from lstm_echo.cli import app
from lstm_echo.rendering import plot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_sparkline_falls_with_the_loss():
    line = plot.sparkline([1.0, 0.1, 0.01, 0.001], width=4)
    assert line == "█▆▃▁"
    assert len(plot.sparkline(list(range(1, 1000)), width=40)) == 40
    assert plot.sparkline([float("nan")]) == ""


def test_run_saves_a_png(tmp_path):
    out = tmp_path / "loss.png"
    result = CliRunner().invoke(app, ["run", "m2m", "--epochs", "30", "--seeds", "2", "--plot", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]  # no temporary file left


def test_compare_and_sweep_save_pngs(tmp_path):
    for args in (["compare", "--epochs", "10"], ["sweep", "m2o", "--length", "3,4", "--epochs", "10", "--seeds", "2"]):
        out = tmp_path / f"{args[0]}.png"
        result = CliRunner().invoke(app, [*args, "--plot", str(out), "-q"])
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_missing_matplotlib_is_a_one_line_hint(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    result = CliRunner().invoke(app, ["run", "m2m", "--plot", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert "pip install 'lstm-echo[plot]'" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bad_plot_paths(tmp_path):
    for path, reason in ((tmp_path / "x.jpg", "must end in .png"), (tmp_path / "no" / "x.png", "no folder")):
        result = CliRunner().invoke(app, ["run", "m2m", "--plot", str(path)])
        assert result.exit_code == 2 and reason in result.stderr


def drawn(monkeypatch, **kwargs):
    """What `plot.loss_figure` draws: its lines' labels, colours and styles, its y limits and title."""
    axes = plot.loss_figure(**kwargs).axes[0]
    return {
        "lines": [(line.get_label(), line.get_color(), line.get_linestyle()) for line in axes.get_lines()],
        "bottom": axes.get_ylim()[0],
        "title": axes.get_title(),
    }


def test_equal_curves_are_drawn_once_and_a_far_lower_one_leaves_the_axis(monkeypatch):
    curves = {"a": [0.2, 0.02, 0.001], "b": [0.2, 0.02, 0.001], "c": [0.2, 0.05, 0.01], "d": [0.2, 1e-8, 1e-13]}
    seen = drawn(monkeypatch, curves=curves, title="t")
    labels = [label for label, _, _ in seen["lines"]]
    assert labels == ["a = b", "c", "d (falls to 1e-13, below the axis)"]
    assert seen["bottom"] == 0.0001  # a tenth of the next lowest curve's lowest point
    seen = drawn(monkeypatch, curves={"a": [0.2, 0.01, 1e-4], "c": [0.2, 0.05, 0.01]}, title="t")
    assert seen["bottom"] < 1e-4  # two curves: nothing squashed, nothing cut


def test_seeds_are_coloured_by_verdict_and_a_held_out_curve_is_dashed(monkeypatch):
    curves = {"seed 0": [0.2, 0.01], "seed 1": [0.2, 0.05], "seed 2": [0.2, 0.04]}
    learned = {"seed 0": True, "seed 1": False, "seed 2": False}
    tests = {"seed 0": ([1, 2], [0.3, 0.02])}
    seen = drawn(monkeypatch, curves=curves, title="t", learned=learned, tests=tests, words=("echoed", "did not echo"))
    colours = {label: colour for label, colour, _ in seen["lines"] if not label.startswith("_")}
    assert colours["echoed (1 seed)"] == "tab:green" and colours["did not echo (2 seeds)"] == "tab:red"
    dashed = [colour for _, colour, style in seen["lines"] if style == "--" and colour != "grey"]
    assert dashed == ["tab:green"]


@pytest.mark.parametrize(
    "title",
    [
        "word " * 40,
        # a run's own title, its first hundred characters wide ones
        "many-to-many (lstm), task adding: length 22, neurons 2, epochs 3, batch 32, seed 0, 100 sequences "
        "(10 held out, data seed 0)",
        " ".join(["WWWWWWWWW"] * 14),  # wide letters: a count of characters would let them run off
    ],
)
def test_a_long_title_wraps_inside_the_picture(title):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = plot.loss_figure(curves={"a": [0.2, 0.1]}, title=title)
    renderer = FigureCanvasAgg(figure).get_renderer()  # what writing the PNG draws with
    drawn_title = figure.axes[0].title
    box, page = drawn_title.get_window_extent(renderer), figure.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1, (box, page)  # no letter beyond either edge


def test_the_extension_chooses_the_format(tmp_path):
    signatures = {"png": PNG_SIGNATURE[:4], "svg": b"<?xml", "pdf": b"%PDF"}
    for extension, signature in signatures.items():
        out = tmp_path / f"loss.{extension.upper() if extension == 'pdf' else extension}"
        result = CliRunner().invoke(app, ["run", "m2m", "--epochs", "5", "--plot", str(out), "-q", "--no-hint"])
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(signature) and f"Saved the picture to {out}" in result.stderr
    refused = CliRunner().invoke(app, ["run", "m2m", "--plot", str(tmp_path / "loss.jpg")])
    assert refused.exit_code == 2 and ".png, .svg or .pdf" in refused.stderr
