"""What branch-and-bound decides: an input box and rows ``C y <= d`` over the outputs, grouped into conjunctions.

For rows ``C y <= d``, the *violation* of row ``r`` at outputs ``y`` is ``v_r = C_r . y - d_r``; a
conjunction is met where every one of its rows has ``v_r <= 0``, and the query is violated where some
conjunction is met. A proof shows, for each conjunction, some row with ``v_r > 0`` over the whole box; a
counterexample is an input of the box where some conjunction is met, confirmed by the caller's own check.
A VNNLIB region (``verified_nn.search.Problem``) and an image's robustness (``verified_nn.certify``, rows
``e_label - e_j``) are both queries.
"""

import dataclasses
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

Array: TypeAlias = np.ndarray[Any, Any]
# The caller's check of a candidate input (in the query's dtype): the outputs there if it is a confirmed
# counterexample, else None.
Check: TypeAlias = Callable[[Array], Array | None]


@dataclasses.dataclass(frozen=True)
class Query:
    """An input box and violation rows for a network computing in ``dtype`` (see the module docstring)."""

    dtype: np.dtype[Any]
    lower: Array  # (n,) in dtype: the box's inputs in dtype are the numbers between lower and upper
    upper: Array  # (n,)
    outer_lower: Array  # (n,) float64, around the box's reals and its inputs in dtype
    outer_upper: Array  # (n,) float64
    matrix: Array  # (rows, outputs) float64: C, rounded to nearest
    bound: Array  # (rows,) float64: d, rounded up
    slack: Array  # (rows, outputs) float64: |C - matrix|, rounded up
    conjunct: Array  # (rows,) int: the conjunction each row belongs to

    @property
    def conjuncts(self) -> int:
        """How many conjunctions the query has."""
        return int(self.conjunct.max(initial=-1)) + 1

    def violations(self, outputs: Array) -> Array:
        """``(batch, rows)``: ``C y - d`` for each output row ``y`` (float64, for an attack's objective)."""
        values: Array = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1) @ self.matrix.T - self.bound
        return values

    def objective(self, outputs: Array) -> tuple[Array, Array]:
        """Per batch row and conjunction, ``max_{r in k} v_r`` ``(batch, conjuncts)``, and the row attaining it."""
        values = self.violations(outputs)
        best = np.full((len(values), self.conjuncts), -np.inf)
        which = np.zeros((len(values), self.conjuncts), dtype=int)
        for row, k in enumerate(self.conjunct):
            better = values[:, row] > best[:, k]
            best[:, k] = np.where(better, values[:, row], best[:, k])
            which[:, k] = np.where(better, row, which[:, k])
        return best, which
