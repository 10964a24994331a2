import pytest

from lstm_echo import grid
from lstm_echo.config import InputError


def test_lists_and_ranges():
    assert grid.parse_option("length", "5,10,20") == [5, 10, 20]
    assert grid.parse_option("neurons", "4-6,9") == [4, 5, 6, 9]
    assert grid.parse_option("learning_rate", "0.001,1e-2") == [0.001, 0.01]
    assert grid.parse_option("architecture", "m2o,many-to-many") == ["many-to-one", "many-to-many"]
    assert grid.parse_option("seeds", "0-2") == [0, 1, 2]


@pytest.mark.parametrize(
    "name, text, reason",
    [
        ("length", "5,,10", "an item of the list is empty"),
        ("seeds", "9-3", "runs backwards"),
        ("neurons", "x", "'x' must be an integer"),
        ("neurons", "6-4", "the range 6-4 runs backwards"),
        ("epochs", "0,5", "'0' must be at least 1"),
        ("length", "5,5", "listed twice"),
        ("architecture", "m2m,zz", "'zz' must be one of"),
    ],
)
def test_malformed_lists_name_the_option_and_value(name, text, reason):
    with pytest.raises(InputError) as raised:
        grid.parse_option(name, text)
    message = str(raised.value)
    assert message.startswith("Invalid value for ") and repr(text) in message and reason in message


def test_cartesian_product_resolves_each_point():
    points = grid.points({"architecture": ["o2o"], "length": [4, 6], "epochs": [10, 20, 30]})
    assert len(points) == 6
    assert [(p.length, p.epochs, p.batch_size, p.neurons) for p in points[:3]] == [
        (4, 10, 4, 4),
        (4, 20, 4, 4),
        (4, 30, 4, 4),
    ]


def test_a_config_file_may_hold_the_grid(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text('architecture = "m2m"\nlength = [5, 10]\nneurons = "3-4"\nepochs = 50\nseeds = "0-2"\n')
    axes = grid.load(path)
    assert axes == {
        "architecture": ["many-to-many"],
        "length": [5, 10],
        "neurons": [3, 4],
        "epochs": [50],
        "seeds": [0, 1, 2],
    }
    assert len(grid.points({k: v for k, v in axes.items() if k != "seeds"})) == 4


@pytest.mark.parametrize(
    "text, message",
    [
        ("length = []\n", "key 'length' is an empty list"),
        ("length = [5, 0]\n", "key 'length' must be at least 1, got 0"),
        ('neurons = "5,,6"\n', "key 'neurons' an item of the list is empty"),
        ("bogus = 1\n", "unknown key 'bogus'"),
    ],
)
def test_bad_grid_files(tmp_path, text, message):
    path = tmp_path / "grid.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        grid.load(path)


def test_a_batch_too_large_for_one_point_is_an_error():
    with pytest.raises(InputError, match="--batch-size: 2"):
        grid.points({"architecture": ["o2o", "m2m"], "batch_size": [2]})
