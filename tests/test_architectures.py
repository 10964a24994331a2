import pytest

from lstm_echo import architectures


@pytest.mark.parametrize(
    "alias, name",
    [("o2o", "one-to-one"), ("m2o", "many-to-one"), ("m2m", "many-to-many"), ("many-to-many", "many-to-many")],
)
def test_found_by_name_or_alias(alias, name):
    assert architectures.get(alias).name == name


def test_unknown_name_lists_the_choices():
    with pytest.raises(architectures.UnknownArchitecture, match="one-to-one.*m2m"):
        architectures.get("two-to-two")


@pytest.mark.parametrize(
    "name, epochs, batch, samples",
    [("one-to-one", 1000, 8, 8), ("many-to-one", 500, 1, 1), ("many-to-many", 1000, 1, 1)],
)
def test_tutorial_defaults(name, epochs, batch, samples):
    arch = architectures.get(name)
    assert arch.default_epochs == epochs
    assert arch.default_batch_size(8) == batch
    assert arch.samples(8) == samples


def test_names_are_unique():
    names = architectures.names()
    assert len(names) == len(set(names))
