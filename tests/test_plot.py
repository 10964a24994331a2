import importlib.util

from typer.testing import CliRunner

from lstm_echo import plot
from lstm_echo.cli import app

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_sparkline_falls_with_the_loss():
    line = plot.sparkline([1.0, 0.1, 0.01, 0.001], width=4)
    assert line == "█▆▃▁"
    assert len(plot.sparkline(list(range(1, 1000)), width=40)) == 40
    assert plot.sparkline([float("nan")]) == ""


def test_run_saves_a_png(tmp_path):
    out = tmp_path / "loss.png"
    result = CliRunner().invoke(app, ["run", "m2m", "--epochs", "30", "--seeds", "3", "--plot", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]  # no temporary file left


def test_compare_and_sweep_save_pngs(tmp_path):
    for args in (["compare", "--epochs", "10"], ["sweep", "m2o", "--length", "3,4", "--epochs", "10"]):
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
