"""One region of a property over one network: the bound core's :class:`verified_nn.bounds.Query` (the box and
the rows ``C y <= d``, grouped into conjunctions, ``< 0`` where strict) with the region itself, which
decides counterexamples exactly. The attack minimises ``min_k max_{r in k} v_r``; branch-and-bound proves,
for each conjunction, some row with ``v_r > 0`` everywhere.
"""

import dataclasses
from typing import Any, TypeAlias

import numpy as np

from verified_nn.bounds import Query
from verified_nn.network import Network
from verified_nn.spec import Property, Region, Row, RowFloats

Array: TypeAlias = np.ndarray[Any, Any]


@dataclasses.dataclass(frozen=True)
class Problem(Query):
    """A region of a property as a :class:`verified_nn.bounds.Query` for a network computing in ``dtype``."""

    region: Region

    def counterexample(self, network: Network[Any, Any], x: Array) -> Array | None:
        """The network's outputs at ``x`` if ``x`` (in the network's dtype) violates the region, exactly; else None."""
        x = np.asarray(x)
        if x.dtype != self.dtype or not self.region.box.contains(x):
            return None
        outputs = np.asarray(network.logits(x[np.newaxis]))[0].reshape(-1)
        return outputs if any(conjunct.holds(outputs) for conjunct in self.region.conjuncts) else None


def problems(network: Network[Any, Any], spec: Property) -> list[Problem]:
    """One :class:`Problem` per region of ``spec``."""
    dtype: np.dtype[Any] = network.dtype
    found = []
    cache: dict[int, tuple[Row, RowFloats]] = {}  # the rows the conjuncts share, converted once
    for region in spec.regions:
        lower, upper = region.box.inner(dtype)
        outer_lower, outer_upper = region.box.outer(dtype)
        parts = [conjunct.matrix(spec.outputs, cache=cache) for conjunct in region.conjuncts]
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
