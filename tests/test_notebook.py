"""examples/tour.ipynb, run cell by cell in a Jupyter kernel: a cell that fails fails the test, and its
results show as tables (HTML) and pictures (PNG), as a reader sees them."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.notebook
TOUR = Path(__file__).resolve().parent.parent / "examples" / "tour.ipynb"


def test_the_tour_runs_and_shows_tables_and_pictures():
    notebook = nbformat.read(TOUR, as_version=4)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3").execute()  # raises on a failed cell
    shown = [
        set(output.get("data", {})) for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    assert sum("text/html" in kinds for kinds in shown) >= 5  # params, run, compare, seeds, summary
    assert sum("image/png" in kinds for kinds in shown) >= 3  # the loss curves, compare's, the heatmaps
    assert not any(
        output.output_type == "display_data"
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "text/html" in output.get("data", {})
    ), "a table shown twice"
