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
    """Whether sympy's expansion of ``expression`` is literally 0 (a proof of the identity, not a test)."""
    return bool(sympy.expand(expression) == 0)
