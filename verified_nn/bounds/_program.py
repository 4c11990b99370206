"""A mixed-integer linear program under construction, and the walker that encodes a network into one.

Each rule's ``encode`` adds the exact constraints of its layer for one domain (Tjeng et al. 2019):
variables with bounds (the node boxes), linear rows, binaries where a piecewise-linear layer has
pieces to choose. The program is plain numpy (coordinate lists); ``verified_nn.certify`` hands it to
HiGHS. The deployed network's rounding enters as one bounded continuous variable per neuron, so the
program describes the real network and the float one at once.
"""

import dataclasses
import math
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.network import Network

from ._box import Box
from ._errors import BoundsError
from ._rule import rule_for
from ._walk import NodeBounds

Array: TypeAlias = np.ndarray[Any, Any]

# The largest bound or coefficient a program may hold and still be handed to a solver: below HiGHS's 1e20,
# where a bound silently becomes infinite, and far above any node bound of a network on real data.
SOLVER_RANGE: Final = 1e15


@dataclasses.dataclass
class Program:
    """Variables (bounds, integrality) and rows ``low <= M v <= high`` in coordinate form."""

    lower: list[Array] = dataclasses.field(default_factory=list)
    upper: list[Array] = dataclasses.field(default_factory=list)
    integer: list[Array] = dataclasses.field(default_factory=list)
    entries: list[tuple[Array, Array, Array]] = dataclasses.field(default_factory=list)  # (row, column, value)
    row_lower: list[Array] = dataclasses.field(default_factory=list)
    row_upper: list[Array] = dataclasses.field(default_factory=list)
    # How strongly each variable can move another: (outputs, inputs, weights), output variables first; a
    # solver's tolerance argument pushes the objective's sensitivity down through them.
    links: list[tuple[Array, Array, Array]] = dataclasses.field(default_factory=list)
    size: int = 0  # variables so far
    rows: int = 0  # rows so far
    binaries: int = 0  # free binaries (both values possible)

    def variables(self, low: Array, high: Array, *, integer: bool = False) -> Array:
        """New variables with these bounds (any shape); their indices, same shape."""
        low, high = (
            np.asarray(low, dtype=np.float64),
            np.broadcast_to(np.asarray(high, dtype=np.float64), np.shape(low)),
        )
        index = np.arange(self.size, self.size + low.size).reshape(low.shape)
        self.lower.append(low.ravel())
        self.upper.append(np.array(high).ravel())
        self.integer.append(np.full(low.size, 1.0 if integer else 0.0))
        self.size += low.size
        if integer:
            self.binaries += int(np.sum(low.ravel() < high.ravel()))
        return index

    def add_rows(self, row: Array, column: Array, value: Array, low: Array, high: Array) -> None:
        """Rows ``low[r] <= sum value * v[column] <= high[r]``, ``row`` numbering them from 0 within this call."""
        count = len(low)
        self.entries.append((np.asarray(row) + self.rows, np.asarray(column), np.asarray(value, dtype=np.float64)))
        self.row_lower.append(np.asarray(low, dtype=np.float64))
        self.row_upper.append(np.asarray(high, dtype=np.float64))
        self.rows += count

    def link(self, outputs: Array, inputs: Array, weights: Array) -> None:
        """Record that variable ``outputs[i]`` moves by at most ``weights[i]`` times any move of ``inputs[i]``."""
        self.links.append(
            (
                np.asarray(outputs).ravel(),
                np.asarray(inputs).ravel(),
                np.abs(np.asarray(weights, dtype=np.float64)).ravel(),
            )
        )

    def sensitivity(self, objective: Array) -> Array:
        """Per variable, how much the objective can move per unit move of it: ``|objective|`` pushed down
        through the links (the bound on the duals in a solver's tolerance argument)."""
        result = np.abs(np.asarray(objective, dtype=np.float64)).copy()
        for outputs, inputs, weights in reversed(self.links):
            np.add.at(result, inputs, weights * result[outputs])
        return result

    def matrix(self) -> tuple[Array, Array, Array]:
        """``(rows, columns, values)`` of every entry."""
        if not self.entries:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        return tuple(np.concatenate(part) for part in zip(*self.entries, strict=True))  # type: ignore[return-value]

    def bounds(self) -> tuple[Array, Array, Array]:
        """``(lower, upper, integrality)`` of every variable."""
        if not self.lower:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        return np.concatenate(self.lower), np.concatenate(self.upper), np.concatenate(self.integer)

    def in_solver_range(self, limit: float = SOLVER_RANGE) -> bool:
        """Whether every variable bound, coefficient and finite row limit lies within ``limit`` in magnitude.

        Outside it (node bounds that overflowed to infinity over a ball of radius 1e300, say) a solver's
        "infeasible" may come from the overflow, not from a proof: callers must not read it as one.
        """
        lower, upper, _ = self.bounds()
        values = self.matrix()[2]
        limits = np.concatenate(self.limits())
        limits = limits[~np.isinf(limits)]  # a one-sided row has an infinite limit by design
        return all(bool(np.all(np.abs(part) <= limit)) for part in (lower, upper, values, limits))

    def limits(self) -> tuple[Array, Array]:
        """``(row lower, row upper)``."""
        if not self.row_lower:
            return np.zeros(0), np.zeros(0)
        return np.concatenate(self.row_lower), np.concatenate(self.row_upper)


def _one(box: Box, domain: int) -> Box:
    return box.take(np.array([domain]))


def encode(network: Network[Any, Any], nodes: NodeBounds, *, domain: int = 0) -> tuple[Program, list[Array]]:
    """The exact program of ``network`` over domain ``domain`` of ``nodes`` (its boxes bound every variable and
    give the big-M constants); also the variable indices of every node (``(*shape)`` each)."""
    if not nodes.rounding.outward:
        raise BoundsError("an exact program needs sound node bounds (Rounding.sound)")
    program = Program()
    first = _one(nodes.boxes[0], domain)
    variables = [program.variables(first.lower[0], first.upper[0])]
    for index, layer in enumerate(network.layers):
        rule = rule_for(layer, index=index)
        box_in, box_out = _one(nodes.boxes[index], domain), _one(nodes.boxes[index + 1], domain)
        found = rule.encode(layer, program, variables[-1], box_in, box_out, nodes.rounding)
        if found.shape != box_out.shape:
            raise BoundsError(
                f"layer {index}'s encoding gave variables of shape {found.shape}, expected {box_out.shape}"
            )
        variables.append(found)
    return program, variables


def dense_rows(program: Program, matrix: Array, inputs: Array, outputs: Array, offset: Array) -> None:
    """Rows ``outputs - matrix inputs = offset`` for a dense ``(out, in)`` matrix (zeros skipped)."""
    out, width = matrix.shape
    rows, columns = np.nonzero(matrix)
    program.add_rows(
        np.concatenate([np.arange(out), rows]),
        np.concatenate([outputs.ravel(), inputs.ravel()[columns]]),
        np.concatenate([np.ones(out), -matrix[rows, columns]]),
        offset,
        offset,
    )
    del width


def chunked_matrix(apply: Any, shape: tuple[int, ...], *, chunk: int = 256) -> Array:
    """The ``(out, in)`` matrix of a linear map given by ``apply`` on batches ``(n, *shape)``, a block of
    basis vectors at a time."""
    size = math.prod(shape)
    columns = []
    for start in range(0, size, chunk):
        count = min(chunk, size - start)
        basis = np.zeros((count, size))
        basis[np.arange(count), start + np.arange(count)] = 1.0
        columns.append(apply(basis.reshape(count, *shape)).reshape(count, -1).T)
    result: Array = np.hstack(columns)
    return result
