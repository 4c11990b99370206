"""The one boundary to sympy, which ships no type information: every proof module takes it from here.

``mypy.ini`` declares ``sympy`` untyped (``ignore_missing_imports``), so its values are ``Any``; this
module names that ``Any`` :data:`Expr` so signatures still say where a symbolic expression flows, and
wraps the few sympy calls whose results the proofs branch on.
"""

from typing import Any, TypeAlias

import sympy

Expr: TypeAlias = Any  # a sympy expression (sympy is untyped: see the module docstring)

__all__ = ["Expr", "expand", "is_zero", "sympy"]


def expand(expression: Expr) -> Expr:
    """The expanded canonical form of ``expression`` (sums of products; function arguments expanded too)."""
    return sympy.expand(expression)


def is_zero(expression: Expr) -> bool:
    """Whether ``expression`` is shown identically 0: its expansion is literally 0, or, for quotients and
    exponentials (the logistic sigmoid's ``y (1 - y)`` against ``e^-x / (1 + e^-x)^2``), sympy's rational
    normal form (``cancel`` of ``together``) or its ``simplify`` is. Each is an equivalence-preserving
    rewriting: a 0 is a proof; anything else proves nothing (never a "proven" from a test)."""
    expanded = sympy.expand(expression)
    if expanded == 0:
        return True
    if sympy.cancel(sympy.together(expanded)) == 0:
        return True
    return bool(sympy.simplify(expanded) == 0)
