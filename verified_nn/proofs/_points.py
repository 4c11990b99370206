"""Random exact points inside a case, and exact rational evaluation: the cross-check of every identity.

sympy is not a trusted kernel. Every identity it proves (a difference that expands to 0) is also evaluated
with exact rationals at random points where the case's sign conditions hold; an identity that evaluates to
anything but 0 there is a failure, whatever sympy said.
"""

import random
from collections.abc import Iterable, Sequence
from typing import Any

from ._algebra import Expr, sympy


class NoPointError(Exception):
    """No point satisfying a case's conditions was found (the case would be proven on an empty set)."""


def _rational(rng: random.Random, low: int = -4, high: int = 4) -> Expr:
    return sympy.Rational(rng.randint(low * 8, high * 8), rng.randint(1, 8))


def _positive(rng: random.Random) -> Expr:
    return sympy.Rational(rng.randint(1, 32), rng.randint(1, 8))


def _fill_atoms(expression: Expr, values: dict[Any, Expr], rng: random.Random) -> None:
    for node in expression.atoms(sympy.tanh):
        if node not in values:
            values[node] = sympy.Rational(rng.randint(-99, 99), 100)
    for node in expression.atoms(sympy.log):  # log S of a softmax sum S >= 1: a value >= 0
        if node not in values:
            values[node] = _positive(rng)
    for node in expression.atoms(sympy.exp):  # e^a > 0, taken as its own variable (as tanh is)
        if node not in values:
            values[node] = _positive(rng)


def case_point(
    variables: Iterable[Expr], conditions: Sequence[tuple[Expr, bool]], rng: random.Random, *, tries: int = 50
) -> dict[Any, Expr]:
    """Rational values of ``variables`` (and of each ``tanh`` subterm of the conditions, a value in (-1, 1)
    taken as an independent variable) at which every ``(expression, positive)`` condition holds.

    The conditions come in the order the kernels asked them (a forward pass: later ones depend on earlier
    ones). Each is met in turn by moving one variable that it contains linearly and that no earlier
    condition contains (a bias, or the input itself), so the earlier ones stay met; when no such variable
    exists the point is drawn again. Every condition is evaluated at the result before it is returned.
    """
    names = sorted(variables, key=str)
    for _ in range(tries):
        point: dict[Any, Expr] = {}
        for expression, _ in conditions:
            _fill_atoms(expression, point, rng)
        opaque = [expression.xreplace(point) for expression, _ in conditions]  # tanh subterms now values
        point.update({v: _rational(rng) for v in names})
        seen: set[Any] = set()
        for expression, (_, positive) in zip(opaque, conditions, strict=True):
            value = expression.xreplace(point)
            if bool(value > 0) != positive or value == 0:
                movable = [
                    v
                    for v in sorted(expression.free_symbols - seen, key=str)
                    if v not in expression.diff(v).free_symbols and expression.diff(v).xreplace(point) != 0
                ]
                if not movable:
                    break
                v = movable[0]
                slope = expression.diff(v).xreplace(point)
                target = _positive(rng) if positive else -_positive(rng)
                point[v] = point[v] + (target - value) / slope
            seen |= expression.free_symbols
        values = [expression.xreplace(point) for expression in opaque]
        signs = [positive for _, positive in conditions]
        if all(bool(value > 0) == positive and value != 0 for value, positive in zip(values, signs, strict=True)):
            return point
    raise NoPointError(f"no rational point satisfies the {len(conditions)} conditions of this case")


def evaluate(expression: Expr, point: dict[Any, Expr], rng: random.Random) -> Expr:
    """``expression`` at ``point`` with exact rationals. Symbols the point lacks (the ``R`` of a softmax) get
    random positive rationals, ``tanh`` subterms random rationals in (-1, 1) and ``log`` subterms random
    positive ones, stored in ``point`` so that the next expression evaluated at it gets the same. Returns
    a Rational (ValueError if it is not)."""
    _fill_atoms(expression, point, rng)
    for symbol in expression.free_symbols:
        if symbol not in point:
            point[symbol] = _positive(rng)
    # xreplace works from the root down: a tanh subterm is replaced whole, before its argument's symbols.
    value = expression.xreplace(point)
    if not value.is_Rational:
        raise ValueError(f"not a rational after substitution: {value}")
    return value
