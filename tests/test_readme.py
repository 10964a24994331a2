"""The README's console examples, run for real: what they show must be what a user sees.

Every ```console block starting `$ lstm-echo ...` is run at the README's width;
its lines, bar `...` elisions and timings (which no two runs share), must
appear in the real output in the same order. They run in this process, through
Typer's runner with the width in its environment, as `tests/test_hostile.py`
holds the narrow tables: a process of their own each added the start of
TensorFlow and the tracing of programs the worker already holds.
"""

import re
from pathlib import Path

import pytest
from conftest import invoke

pytestmark = pytest.mark.readme
README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```console\n\$ lstm-echo ([^\n]*)\n(.*?)```", re.S)
WIDTH = "100"  # the README's examples are printed at this many columns
TIMING = re.compile(r"\d s\b|s compile|start-up|\d+\.\d+s\b")


def examples() -> list[tuple[str, str]]:
    return BLOCK.findall(README.read_text(encoding="utf-8"))


def comparable(text: str) -> list[str]:
    """Lines with white space folded; a trailing seconds column (`s/run`) and timing lines left out."""
    timed_column = "s/run" in text
    lines = []
    for line in text.splitlines():
        tokens = line.split()
        if not tokens or tokens == ["..."] or TIMING.search(line):
            continue
        if timed_column and len(tokens) > 1 and re.fullmatch(r"\d+\.\d+", tokens[-1]):
            tokens = tokens[:-1]
        lines.append(" ".join(tokens))
    return lines


def test_the_readme_has_examples():
    assert len(examples()) >= 6


@pytest.mark.parametrize("command, shown", examples(), ids=[c for c, _ in examples()])
def test_a_readme_example_prints_what_it_shows(tmp_path, monkeypatch, command, shown):
    monkeypatch.chdir(tmp_path)  # what an example writes (a sweep's runs.jsonl) lands here
    result = invoke(*command.split(), env={"COLUMNS": WIDTH})
    assert result.exit_code == 0, result.stderr
    actual = iter(comparable(result.stdout))
    for line in comparable(shown):
        assert any(line == seen for seen in actual), (
            f"README line not printed (or out of order): {line!r}\n{result.stdout}"
        )
