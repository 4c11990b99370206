"""Sizes that mypy knows: ``Dim[Literal[128]]()`` is the size 128, typed ``Dim[Literal[128]]``.

Layers built from such tokens carry their sizes in their static types (``Dense[Literal[128],
Literal[784]]``), so mypy rejects a composition whose sizes disagree. A size is written once, in the
type argument; the value is read from it at run time. ``Dim(128)`` gives the same size to a program
without a type checker (mypy then sees ``Dim[int]`` and checks nothing).
"""

import typing
from typing import Any, Generic, TypeVar

import numpy as np

from ._errors import InvalidArgumentError

N = TypeVar("N", bound=int)


def _declared(alias: Any) -> int | None:
    # ``Dim[Literal[128]]`` -> 128; ``Dim[int]`` or a bare ``Dim`` -> None.
    for argument in getattr(alias, "__args__", ()):
        if typing.get_origin(argument) is typing.Literal:
            (value,) = typing.get_args(argument)
            return int(value)
    return None


class Dim(Generic[N]):
    """A positive size known to mypy as a ``Literal``: ``Dim[Literal[128]]()`` (or ``Dim(128)``, unchecked)."""

    __slots__ = ("__orig_class__", "_given")

    def __init__(self, size: N | None = None) -> None:
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise InvalidArgumentError(f"Dim: a size must be an integer >= 1, got {size!r}")
        self._given = size

    @property
    def size(self) -> int:
        """The size: the type argument's ``Literal`` value, or the value given to the constructor."""
        declared = _declared(getattr(self, "__orig_class__", None))
        if declared is not None and self._given is not None and declared != self._given:
            raise InvalidArgumentError(f"Dim: the type says {declared}, the value {self._given}")
        size = declared if declared is not None else self._given
        if size is None:
            raise InvalidArgumentError("Dim needs a size: write Dim[Literal[128]]() (checked by mypy) or Dim(128)")
        if size < 1:
            raise InvalidArgumentError(f"Dim: a size must be >= 1, got {size}")
        return size

    def __int__(self) -> int:
        return self.size

    def __index__(self) -> int:
        return self.size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dim) and other.size == self.size

    def __hash__(self) -> int:
        return hash(self.size)

    def __repr__(self) -> str:
        return f"Dim({self.size})"


def size_of(value: "int | Dim[Any]", *, name: str) -> int:
    """``value`` as a plain size: a ``Dim``'s size, or an int >= 1; InvalidArgumentError naming ``name``."""
    if isinstance(value, Dim):
        return value.size
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidArgumentError(f"{name} must be a size >= 1 (an int or a Dim), got {value!r}")
    return int(value)
