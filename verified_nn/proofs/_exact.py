"""Exact symbolic numbers for numpy object arrays, and the case split their comparisons drive.

An :class:`Exact` wraps a sympy expression and supports what the library's kernels do to an array
element: arithmetic with other elements and with Python numbers (a float enters as the exact rational it
denotes), ``exp``/``log``/``tanh`` (the methods numpy's ufuncs call on object arrays) and comparisons.
A comparison cannot be decided for a symbolic value, so the active :class:`Path` decides it: the first
time an expression's sign is asked it takes the next decision of the path's prefix (or "negative"), and
records it; later questions about the same expression (or its negation) get the same answer. Running a
kernel once per path with :func:`explore` visits every case: every ReLU activation pattern, every order
of the logits the softmax's max-shift compares. Signs are strict between symbolic values (the boundaries
where a compared expression is zero have measure zero); the boundaries themselves are proven separately,
with exact numbers or repeated symbols: an input exactly at a kink, two inputs of a max pool tied
(``_run.py``, ``_kinks.py``).
"""

import contextlib
import contextvars
import dataclasses
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np

from ._algebra import Expr, expand, sympy

T = TypeVar("T")


class UndecidedError(Exception):
    """A sign was asked outside a path, or a reference asked a sign the path has not decided."""


@dataclasses.dataclass(frozen=True)
class Path:
    """The decisions of one case: the sign of each compared expression, in the order they were asked.

    Its fields are fixed; ``conditions`` grows as the kernels ask (a record of one run, not a value).
    """

    prefix: tuple[bool, ...] = ()  # decisions to take first (True: positive), then "negative"
    conditions: list[tuple[Expr, bool]] = dataclasses.field(default_factory=list)  # (expression, positive)
    _signs: dict[Any, bool] = dataclasses.field(default_factory=dict, repr=False)  # condition -> its sign

    def positive(self, difference: Expr) -> bool:
        """Whether ``difference > 0`` in this case (deciding it now if it is new)."""
        key = expand(difference)
        if key.is_number:
            return bool(key > 0)
        if key.is_positive is not None:  # sympy proves the sign from the symbols' assumptions (t > 0)
            return bool(key.is_positive)
        known = self.known(key)
        if known is not None:
            return known
        index = len(self.conditions)
        decision = self.prefix[index] if index < len(self.prefix) else False
        self.conditions.append((key, decision))
        self._signs[key] = decision
        return decision

    def known(self, difference: Expr) -> bool | None:
        """The sign already decided for ``difference`` (or its negation), or None."""
        key = expand(difference)
        if key.is_number:
            return bool(key > 0)
        if key in self._signs:
            return self._signs[key]
        if -key in self._signs:
            return not self._signs[-key]
        return None

    def describe(self) -> str:
        """``z > 0, w < 0`` for the conditions (short form for failure messages)."""
        text = ", ".join(f"{expression} {'>' if sign else '<'} 0" for expression, sign in self.conditions)
        return text if len(text) <= 200 else text[:197] + "..."

    @contextlib.contextmanager
    def active(self) -> Iterator["Path"]:
        """Within the block, comparisons of :class:`Exact` values are decided by this path."""
        token = _PATH.set(self)
        try:
            yield self
        finally:
            _PATH.reset(token)


_PATH: contextvars.ContextVar[Path | None] = contextvars.ContextVar("verified_nn_proof_path", default=None)


def _path() -> Path:
    path = _PATH.get()
    if path is None:
        raise UndecidedError("an exact symbolic value was compared outside a proof's case split")
    return path


def explore(run: Callable[[Path], T]) -> Iterator[tuple[Path, T]]:
    """``run`` once per case, depth first: every combination of signs the comparisons can take.

    ``run`` must be deterministic given the answers to its comparisons (the library's kernels are).
    """
    prefix: tuple[bool, ...] = ()
    while True:
        path = Path(prefix)
        with path.active():
            result = run(path)
        yield path, result
        decisions = [sign for _, sign in path.conditions]
        flippable = [index for index, sign in enumerate(decisions) if not sign]
        if not flippable:
            return
        last = flippable[-1]
        prefix = (*decisions[:last], True)


def lift(value: object) -> Expr:
    """The sympy value of an array element: an :class:`Exact`'s expression, a Python number exactly."""
    if isinstance(value, Exact):
        return value.expr
    if isinstance(value, bool | np.bool_):
        return sympy.Integer(int(value))
    if isinstance(value, int | np.integer):
        return sympy.Integer(int(value))
    if isinstance(value, float | np.floating):
        return sympy.Rational(Fraction(float(value)))  # the exact value of the binary float
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    raise TypeError(f"not an exact number: {type(value).__name__}")


class Exact:
    """One exact symbolic number (a sympy expression) as an element of a numpy object array."""

    __slots__ = ("expr",)

    def __init__(self, expr: Expr) -> None:
        self.expr = expr

    def __add__(self, other: object) -> "Exact":
        return Exact(self.expr + lift(other))

    def __radd__(self, other: object) -> "Exact":
        return Exact(lift(other) + self.expr)

    def __sub__(self, other: object) -> "Exact":
        return Exact(self.expr - lift(other))

    def __rsub__(self, other: object) -> "Exact":
        return Exact(lift(other) - self.expr)

    def __mul__(self, other: object) -> "Exact":
        return Exact(self.expr * lift(other))

    def __rmul__(self, other: object) -> "Exact":
        return Exact(lift(other) * self.expr)

    def __truediv__(self, other: object) -> "Exact":
        return Exact(self.expr / lift(other))

    def __rtruediv__(self, other: object) -> "Exact":
        return Exact(lift(other) / self.expr)

    def __neg__(self) -> "Exact":
        return Exact(-self.expr)

    def __pos__(self) -> "Exact":
        return self

    def __abs__(self) -> "Exact":
        return self if self >= 0 else -self  # the sign is a case, as for any comparison

    def __gt__(self, other: object) -> bool:
        return _path().positive(self.expr - lift(other))

    def __ge__(self, other: object) -> bool:
        difference = expand(self.expr - lift(other))
        if difference.is_number:  # an exact number: equality decided exactly (a tie, an input at a kink)
            return bool(difference >= 0)
        return _path().positive(difference)  # strict signs between symbolic values: equality is not a case

    def __lt__(self, other: object) -> bool:
        return _path().positive(lift(other) - self.expr)

    def __le__(self, other: object) -> bool:
        difference = expand(lift(other) - self.expr)
        if difference.is_number:
            return bool(difference >= 0)
        return _path().positive(difference)

    def __bool__(self) -> bool:
        raise TypeError("the truth of an exact symbolic value is undecided; compare it inside a case")

    def __float__(self) -> float:
        raise TypeError("an exact symbolic value has no float; the kernel must keep it exact")

    def exp(self) -> "Exact":
        return Exact(sympy.exp(self.expr))

    def log(self) -> "Exact":
        return Exact(sympy.log(self.expr))

    def tanh(self) -> "Exact":
        return Exact(sympy.tanh(self.expr))

    def log1p(self) -> "Exact":
        return Exact(sympy.log(1 + self.expr))

    def __repr__(self) -> str:
        return f"Exact({self.expr})"


def symbols(name: str, shape: tuple[int, ...]) -> np.ndarray[Any, np.dtype[np.object_]]:
    """An object array of fresh real symbols ``name_i_j``, each wrapped as :class:`Exact`."""
    array = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        array[index] = Exact(sympy.Symbol("_".join((name, *(str(i) for i in index))), real=True))
    return array


def expressions(array: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.object_]]:
    """The sympy expressions of an object array's elements (see :func:`lift`), same shape."""
    result = np.empty(array.shape, dtype=object)
    for index in np.ndindex(*array.shape):
        result[index] = lift(array[index])
    return result
