"""One region of a property over one network, as the arrays the attack and the bounds work with.

For rows ``C y <= d`` grouped into conjunctions, the *violation* of row ``r`` at outputs ``y`` is
``v_r = C_r . y - d_r``; a conjunction is met where every one of its rows has ``v_r <= 0`` (``< 0`` if
strict), and the region is violated where some conjunction is met. The attack minimises
``min_k max_{r in k} v_r``; a proof shows, for each conjunction, some row with ``v_r > 0`` everywhere.
"""

import dataclasses
from typing import Any, TypeAlias

import numpy as np

from verified_nn.network import Network
from verified_nn.spec import Property, Region

Array: TypeAlias = np.ndarray[Any, Any]


@dataclasses.dataclass(frozen=True)
class Problem:
    """A region of a property for a network computing in ``dtype`` (see the module docstring)."""

    region: Region
    dtype: np.dtype[Any]
    lower: Array  # (n,) in dtype: the box's inner corner, every point between lower and upper is in the box
    upper: Array  # (n,)
    outer_lower: Array  # (n,) float64, at most the box's exact lower bounds
    outer_upper: Array  # (n,) float64
    matrix: Array  # (rows, outputs) float64: C, rounded to nearest
    bound: Array  # (rows,) float64: d, rounded up
    slack: Array  # (rows, outputs) float64: |C - matrix|, rounded up
    conjunct: Array  # (rows,) int: the conjunction each row belongs to

    @property
    def conjuncts(self) -> int:
        """How many conjunctions the region has."""
        return int(self.conjunct.max(initial=-1)) + 1

    def violations(self, outputs: Array) -> Array:
        """``(batch, rows)``: ``C y - d`` for each output row ``y`` (float64, for the attack's objective)."""
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

    def counterexample(self, network: Network[Any, Any], x: Array) -> Array | None:
        """The network's outputs at ``x`` if ``x`` (in the network's dtype) violates the region, exactly; else None."""
        x = np.asarray(x)
        if x.dtype != self.dtype or not self.region.box.contains(x):
            return None
        outputs = np.asarray(network.logits(x[np.newaxis]))[0].reshape(-1)
        return outputs if any(conjunct.holds(outputs) for conjunct in self.region.conjuncts) else None


def problems(network: Network[Any, Any], spec: Property) -> list[Problem]:
    """One :class:`Problem` per region of ``spec`` (regions with no input of the network's dtype dropped)."""
    dtype: np.dtype[Any] = network.dtype
    found = []
    for region in spec.regions:
        try:
            lower, upper = region.box.inner(dtype)
        except ValueError:  # SpecError: no input of this dtype in the box, so nothing can violate the region
            continue
        outer_lower, outer_upper = region.box.outer()
        parts = [conjunct.matrix(spec.outputs) for conjunct in region.conjuncts]
        rows = [index for index, part in enumerate(parts) for _ in range(len(part[1]))]
        found.append(
            Problem(
                region=region,
                dtype=dtype,
                lower=lower,
                upper=upper,
                outer_lower=outer_lower,
                outer_upper=outer_upper,
                matrix=np.concatenate([p[0] for p in parts]).reshape(len(rows), spec.outputs),
                bound=np.concatenate([p[1] for p in parts]),
                slack=np.concatenate([p[2] for p in parts]).reshape(len(rows), spec.outputs),
                conjunct=np.array(rows, dtype=int),
            )
        )
    return found
