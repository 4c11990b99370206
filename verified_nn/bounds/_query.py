"""What branch-and-bound decides: an input box and rows ``C y <= d`` over the outputs, grouped into conjunctions.

For rows ``C y <= d``, the *violation* of row ``r`` at outputs ``y`` is ``v_r = C_r . y - d_r``; a
conjunction is met where every one of its rows has ``v_r <= 0``, and the query is violated where some
conjunction is met. A proof shows, for each conjunction, some row with ``v_r > 0`` over the whole box; a
counterexample is an input of the box where some conjunction is met, confirmed by the caller's own check.
A VNNLIB region (``verified_nn.search.Problem``) and an image's robustness (``verified_nn.certify``, rows
``e_label - e_j``) are both queries.
"""

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

Array: TypeAlias = np.ndarray[Any, Any]
# The caller's check of a candidate input (in the query's dtype): the outputs there if it is a confirmed
# counterexample, else None.
Check: TypeAlias = Callable[[Array], Array | None]


def violation_bounds(lower: Array, slack: Array, bound: Array) -> Array:
    """Lower bounds of the violations ``C_r y - d_r``, rounded down, from lower bounds ``lower`` of ``matrix_r .
    y`` (``C`` rounded to nearest), ``slack`` ``>= |C_r - matrix_r| . |y|`` as summed in float64 (a few
    non-negative terms: doubled to cover their rounding) and ``bound`` (``d``, rounded up); any matching shapes."""
    margin = np.nextafter(2 * slack, np.inf)
    below = np.nextafter(np.asarray(lower, dtype=np.float64) - margin, -np.inf)
    result: Array = np.nextafter(below - bound, -np.inf)
    return result


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

    def row_slack(self, rows: Array, dtype: Any) -> Array:
        """``(rows, outputs)``: the slack of ``rows`` plus what rounding their coefficients to ``dtype`` (the dtype
        bounds compute in) loses, all of a coefficient below float32's normal range; rounded up."""
        matrix = self.matrix[rows]
        rounded = matrix.astype(dtype).astype(np.float64)
        lost = np.where(rounded == matrix, 0.0, np.nextafter(np.abs(matrix - rounded), np.inf))
        result: Array = np.nextafter(self.slack[rows] + lost, np.inf)
        return result

    @property
    def conjuncts(self) -> int:
        """How many conjunctions the query has."""
        return int(self.conjunct.max(initial=-1)) + 1

    def violations(self, outputs: Array) -> Array:
        """``(batch, rows)``: ``C y - d`` for each output row ``y`` (float64, for an attack's objective)."""
        values: Array = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1) @ self.matrix.T - self.bound
        return values

    @functools.cached_property
    def _grouped(self) -> tuple[Array, Array]:
        """Each conjunction's rows, ``(conjuncts, widest)`` indices padded by repeating its first row, and the
        mask of the real ones."""
        counts = np.bincount(self.conjunct, minlength=self.conjuncts)
        order = np.argsort(self.conjunct, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        offsets = np.arange(int(counts.max(initial=1)))
        real = offsets[np.newaxis, :] < counts[:, np.newaxis]
        places = starts[:, np.newaxis] + np.where(real, offsets[np.newaxis, :], 0)
        return order[np.minimum(places, len(order) - 1)], real

    def targeted(self, outputs: Array, target: Array) -> tuple[Array, Array]:
        """For each batch row ``b``, ``max_{r in target[b]} v_r`` ``(batch,)`` and the row attaining it (the first
        of equal ones, as in :meth:`objective`): the objective of an attack on one conjunction per row.

        Whichever needs less memory: each row's own conjunction's rows gathered, ``(batch, widest, outputs)``,
        or every row of the conjunctions targeted at all, ``(batch, their rows)``; never, as
        :meth:`objective`, every conjunction for every batch row.
        """
        rows, real = self._grouped
        y = np.asarray(outputs, dtype=np.float64).reshape(len(target), -1)
        picked = np.arange(len(target))
        targeted = np.unique(target)
        if rows.shape[1] * y.shape[1] <= int(real[targeted].sum()):  # the widest row's outputs, the rows used
            chosen = rows[target]  # (batch, widest)
            values = np.einsum("bo,bro->br", y, self.matrix[chosen]) - self.bound[chosen]
            values = np.where(real[target], values, -np.inf)
            best = values.argmax(axis=1)
            return values[picked, best], chosen[picked, best]
        used = np.flatnonzero(np.isin(self.conjunct, targeted))  # ascending: the first of equal rows wins
        values = y @ self.matrix[used].T - self.bound[used]  # (batch, used)
        values = np.where(self.conjunct[used][np.newaxis, :] == target[:, np.newaxis], values, -np.inf)
        best = values.argmax(axis=1)
        return values[picked, best], used[best]

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
