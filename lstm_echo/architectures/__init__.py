"""The registry of architectures. A new architecture is one module and one line below."""

from lstm_echo.architectures import (
    encoder_decoder,
    many_to_many,
    many_to_many_dense,
    many_to_one,
    one_to_one,
    stateful,
)
from lstm_echo.architectures.architecture import Architecture

REGISTRY: tuple[Architecture, ...] = (
    one_to_one.ARCHITECTURE,
    many_to_one.ARCHITECTURE,
    many_to_many.ARCHITECTURE,
    many_to_many_dense.ARCHITECTURE,
    encoder_decoder.ARCHITECTURE,
    stateful.ARCHITECTURE,
)


class UnknownArchitecture(LookupError):
    pass


def names() -> list[str]:
    """Every accepted name, canonical names first, then aliases."""
    return [a.name for a in REGISTRY] + [alias for a in REGISTRY for alias in a.aliases]


def get(name: str) -> Architecture:
    """The architecture called `name` or one of its aliases, in any case."""
    name = name.lower()
    for architecture in REGISTRY:
        if name == architecture.name or name in architecture.aliases:
            return architecture
    raise UnknownArchitecture(f"unknown architecture {name!r} (choose from {', '.join(names())})")
