import pytest

from lstm_echo import config


def write(tmp_path, text, name="exp.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_follow_the_architecture():
    e = config.resolve({"architecture": "o2o", "length": 8})
    assert (e.architecture, e.neurons, e.epochs, e.batch_size, e.learning_rate, e.seed) == (
        "one-to-one",
        8,
        1000,
        8,
        0.001,
        0,
    )
    e = config.resolve({"architecture": "m2o"})
    assert (e.length, e.epochs, e.batch_size) == (5, 500, 1)


def test_file_settings_are_loaded_and_typed(tmp_path):
    path = write(tmp_path, 'architecture = "m2m"\nlength = 7\nlearning_rate = 1\n')
    assert config.load(path) == {"architecture": "m2m", "length": 7, "learning_rate": 1.0}


@pytest.mark.parametrize(
    "text, message",
    [
        ("lenght = 5\n", "unknown key 'lenght'"),
        ('length = "ten"\n', "key 'length' must be an integer, got 'ten'"),
        ("epochs = 0\n", "key 'epochs' must be at least 1, got 0"),
        ("neurons = true\n", "key 'neurons' must be an integer"),
        ("learning_rate = -0.1\n", "key 'learning_rate' must be a finite number above 0"),
        ('architecture = "bogus"\n', "key 'architecture' must be one of"),
        ("length = = 5\n", "not valid TOML"),
    ],
)
def test_bad_files_name_the_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(config.InputError) as raised:
        config.load(path)
    assert str(path) in str(raised.value) and message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_missing_file(tmp_path):
    with pytest.raises(config.InputError, match="--config: '.*nope.toml' \\(no such file\\)"):
        config.load(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("length", "0", "Invalid value for --length: '0' (must be at least 1)"),
        ("batch_size", "x", "Invalid value for --batch-size: 'x' (must be an integer)"),
        ("learning_rate", "inf", "Invalid value for --learning-rate: 'inf'"),
        ("architecture", "zz", "Invalid value for ARCH: 'zz'"),
    ],
)
def test_bad_options_name_the_option_and_value(name, text, message):
    with pytest.raises(config.InputError) as raised:
        config.parse_option(name, text)
    assert message in str(raised.value)


def test_batch_larger_than_the_data_set():
    with pytest.raises(config.InputError, match="--batch-size: 6 \\(one-to-one at length 5 has 5 samples\\)"):
        config.resolve({"architecture": "o2o", "batch_size": 6})
    with pytest.raises(config.InputError, match="--batch-size: 2 \\(many-to-many at length 5 has 1 sample\\)"):
        config.resolve({"architecture": "m2m", "batch_size": 2})


def test_missing_architecture():
    with pytest.raises(config.InputError, match="Missing architecture"):
        config.resolve({"length": 5})


def test_a_check_across_settings_names_the_file_it_came_from(tmp_path):
    path = write(tmp_path, 'architecture = "m2m"\ntask = "delay:9"\n')
    with pytest.raises(config.InputError) as raised:
        config.resolve(config.load(path), {"task": str(path), "architecture": str(path)})
    assert str(raised.value) == f"{path}: key 'task' a delay must be shorter than the length, 5, got 'delay:9'"
    with pytest.raises(config.InputError, match="Invalid value for --task: 'delay:9'"):
        config.resolve(config.load(path))
