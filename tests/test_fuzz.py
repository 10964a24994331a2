"""Property-based fuzzing of the command line and the config loader.

Whatever the options or the TOML document, a command ends in one of the
documented exit codes (0, 1, 2, 3) or gets as far as training, which these
tests stop: never a traceback. Nothing trains, so the examples are cheap.
"""

import json
import math

import pytest
from conftest import Trained, forbid_training, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_echo import config

OPTIONS = [
    "--length",
    "--neurons",
    "--epochs",
    "--batch-size",
    "--learning-rate",
    "--task",
    "--cell",
    "--layers",
    "--seed",
    "--seeds",
]
# Tokens that have broken parsers before (non-ASCII digits, huge numbers, empty
# items, reversed ranges), joined at random into option values.
PIECES = st.sampled_from(
    ["0", "1", "5", "10000", "99999999999", "-", ",", ":", ".", "²", "٣", "1_0", " ", "x", "delay", "nan", "inf", "1e3"]
)
VALUES = st.one_of(
    PIECES,
    st.lists(PIECES, min_size=2, max_size=4).map("".join),
    st.integers(min_value=-10, max_value=10**7).map(str),
    st.tuples(st.integers(0, 20), st.integers(0, 20)).map(lambda r: f"{r[0]}-{r[1]}"),
    st.text(max_size=12),
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ends_cleanly(result) -> None:
    if isinstance(result.exception, Trained):
        return
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1, 2, 3), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@settings(FUZZ, max_examples=400)
@given(
    command=st.sampled_from(
        [
            ["run", "m2m"],
            ["run", "o2o"],
            ["compare"],
            ["sweep", "m2o"],
            ["sweep", "m2m,o2o"],
            ["params"],
            ["architectures"],
        ]
    ),
    options=st.lists(st.tuples(st.sampled_from(OPTIONS), VALUES), max_size=4),
)
def test_any_command_line_ends_in_a_documented_way(command, options):
    args = [*command, *(part for pair in options for part in pair)]
    with pytest.MonkeyPatch.context() as patch:
        forbid_training(patch)
        ends_cleanly(invoke(*args))


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string for the characters drawn here
    return repr(value)


SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=10),
    VALUES,
)
DOCUMENTS = st.dictionaries(
    st.one_of(
        st.sampled_from(list(config.SETTINGS)), st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
    ),
    st.one_of(SCALARS, st.lists(SCALARS, max_size=3)),
    max_size=5,
)


@FUZZ
@given(document=DOCUMENTS, command=st.sampled_from([["run"], ["run", "m2o"], ["compare"], ["sweep"], ["sweep", "m2m"]]))
def test_any_config_file_ends_in_a_documented_way(tmp_path_factory, document, command):
    path = tmp_path_factory.mktemp("fuzz") / "config.toml"
    path.write_text("".join(f"{key} = {toml_value(value)}\n" for key, value in document.items()), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        forbid_training(patch)
        ends_cleanly(invoke(*command, "--config", path))


@FUZZ
@given(text=st.text(max_size=60))
def test_any_text_as_a_config_file_ends_in_a_documented_way(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "config.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with pytest.MonkeyPatch.context() as patch:
        forbid_training(patch)
        ends_cleanly(invoke("run", "--config", path))
