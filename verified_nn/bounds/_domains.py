"""The domains of branch-and-bound and the tree of them: splitting, warm starts, branching.

One tree serves every conjunction the root left open: a domain is bounded for all their rows at once (the
boxes after a split are shared by every row), a conjunction refuted on a domain stays refuted on its
children, and a domain is closed once every conjunction is refuted on it. Its score, what orders the
search, is the worst open conjunction's best row bound; that row leads its branching.

A domain keeps what its children need: its split constraints, its node boxes, the slopes and multipliers
that bounded it (float32: any value is sound, they only warm-start), which conjunctions are refuted on it,
and the splits worth trying next, ranked by what each relaxation cost the bound
(:attr:`verified_nn.bounds.SplitBounds.costs`).

Where the tree has the root's optimised slopes for the hidden layers (``slopes``), each round re-bounds the
children's hidden layers at them, and a split then pays off mostly through the layers after it: on
mnist_fc's 256x6 network one split in the first hidden layer raised the worse child's bound from -24.1 to
between -13.1 and -9.2, one in the last to -23.2 at best, though the last layer's relaxations cost the
final bound a thousand times more. The split is then the costliest value of the earliest layer that has
any.
"""

import dataclasses
import functools
import heapq
import itertools
from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np

from verified_nn.network import Network

from ._beta import SplitBounds, split_bounds
from ._box import Box
from ._query import Query, violation_bounds
from ._rounding import Rounding
from ._rule import Context
from ._walk import NodeBounds, NodeSlopes

Array: TypeAlias = np.ndarray[Any, Any]


@dataclasses.dataclass
class Domain:
    score: float  # the worst open conjunction's best row bound (<= 0)
    splits: dict[int, Array]  # node -> (*shape) int8: +1 value >= 0, -1 value <= 0
    boxes: tuple[tuple[Array, Array], ...]  # its bounds per node, (lower, upper) each (*shape)
    choice: tuple[int, int] | None  # (node, flat index) to split next; None: nothing left to split
    candidates: list[tuple[int, int]]  # splits worth comparing, best first by relaxation cost
    unstable: int  # ReLU inputs whose sign the domain's boxes leave open
    slopes: dict[int, Array]  # per layer (rows, *in), to warm-start the children (float32)
    betas: dict[int, Array]  # per split node (rows, *shape)
    refuted: Array  # (conjunctions,) bool: the tree's conjunctions refuted on this domain


class Tree:
    """The open domains of the conjunctions of rows ``rows`` of the query, lowest score first."""

    def __init__(
        self,
        network: Network[Any, Any],
        query: Query,
        rows: Array,
        *,
        precision: str,
        slopes: Mapping[int, NodeSlopes] | None = None,
    ) -> None:
        """``slopes``: the root's, that every domain's hidden layers are re-bounded at (see the module)."""
        self.network, self.query, self.rows = network, query, rows
        self.slopes: Mapping[int, NodeSlopes] = slopes or {}
        self.groups = np.unique(query.conjunct[rows], return_inverse=True)[1].reshape(-1)  # (rows,) from 0
        self.conjunctions = int(self.groups.max(initial=-1)) + 1
        self.rounding = Rounding.sound(deployed=network.dtype, dtype=precision)
        self.queue: list[tuple[float, int, Domain]] = []
        self.counter = itertools.count()

    def violations(self, found: SplitBounds, nodes: NodeBounds) -> Array:
        """``(domains, rows)`` lower bounds of ``C_r y - d_r``, rounded down, the coefficients' slack included."""
        p, rows = self.query, self.rows
        magnitude = nodes.output.magnitude().reshape(nodes.domains, -1).astype(np.float64)
        return violation_bounds(found.lower, magnitude @ self._slack.T, p.bound[rows])

    @functools.cached_property
    def _slack(self) -> Array:
        """``(rows, outputs)``: the rows' slack and what casting them to the bounds' dtype loses."""
        return self.query.row_slack(self.rows, self.rounding.dtype)

    def target(self, nodes: NodeBounds, refuted: Array) -> Array:
        """``(domains, rows)``: a lower bound of ``C_r y`` above this refutes row ``r`` (:meth:`violations`
        adds the slack and rounds; the margin keeps it on the safe side of that); ``-inf`` for the rows of
        conjunctions already refuted (``refuted``, ``(domains, conjunctions)``)."""
        p, rows = self.query, self.rows
        magnitude = nodes.output.magnitude().reshape(nodes.domains, -1).astype(np.float64)
        needed: Array = 2 * (magnitude @ self._slack.T) + p.bound[rows]
        return np.where(refuted[:, self.groups], -np.inf, needed + 1e-6 * (1 + np.abs(needed)))

    def standing(self, bounds: Array, refuted: Array) -> tuple[Array, Array, Array]:
        """From ``(domains, rows)`` violation bounds and the parents' ``(domains, conjunctions)`` refutations:
        each domain's refutations now, its score (``+inf`` once all are refuted) and the row leading its
        branching (the best row of its worst open conjunction)."""
        best = np.full((len(bounds), self.conjunctions), -np.inf)
        for k in range(self.conjunctions):
            best[:, k] = bounds[:, self.groups == k].max(axis=1)
        refuted = refuted | (best > 0)
        worst = np.where(refuted, np.inf, best)
        conjunction = worst.argmin(axis=1)
        leading = np.where(self.groups[np.newaxis, :] == conjunction[:, np.newaxis], bounds, -np.inf).argmax(axis=1)
        return refuted, worst.min(axis=1), leading

    def domains(
        self, nodes: NodeBounds, found: SplitBounds, splits: list[dict[int, Array]], refuted: Array
    ) -> list[Domain | None]:
        """The bounded domains that stay open (None where every conjunction is refuted); ``refuted``
        ``(domains, conjunctions)``: what their parents had refuted."""
        refuted, scores, best = self.standing(self.violations(found, nodes), refuted)
        early = bool(self.slopes)  # children re-bounded at the root's slopes: split early (module docstring)
        result: list[Domain | None] = []
        for d in range(nodes.domains):
            if refuted[d].all():
                result.append(None)
                continue
            boxes = tuple((box.lower[d], box.upper[d]) for box in nodes.boxes)
            candidates = (
                _candidates(found.costs, d, best[d], early=early)
                or _candidates(found.backup, d, best[d], early=early)
                or _widest(boxes, list(found.costs))
            )
            choice = candidates[0] if candidates else None
            unstable = sum(int(np.sum((boxes[i][0] < 0) & (boxes[i][1] > 0))) for i in found.costs)
            slopes = {i: s[d].astype(np.float32) for i, s in found.slopes.items()}
            betas = {n: b[d].astype(np.float32) for n, b in found.betas.items()}
            result.append(
                Domain(float(scores[d]), splits[d], boxes, choice, candidates, unstable, slopes, betas, refuted[d])
            )
        return result

    def push(self, domain: Domain) -> None:
        heapq.heappush(self.queue, (domain.score, next(self.counter), domain))

    def children(self, parents: list[Domain]) -> tuple[NodeBounds, dict[int, Array], list[dict[int, Array]]]:
        """The two children of each parent: their bounds (the parent's, clipped), and their splits."""
        kids: list[dict[int, Array]] = []
        for parent in parents:
            assert parent.choice is not None
            node, index = parent.choice
            for sign in (1, -1):
                splits = {n: s.copy() for n, s in parent.splits.items()}
                signs = splits.setdefault(node, np.zeros(parent.boxes[node][0].shape, dtype=np.int8))
                signs.reshape(-1)[index] = sign
                kids.append(splits)
        stacked = _stack([{n: kid[n] for n in kid} for kid in kids], parents[0].boxes, np.int8)
        boxes = tuple(
            Box(
                np.repeat(np.stack([p.boxes[n][0] for p in parents]), 2, axis=0),
                np.repeat(np.stack([p.boxes[n][1] for p in parents]), 2, axis=0),
            ).constrained(stacked.get(n))
            for n in range(len(parents[0].boxes))
        )
        return NodeBounds(boxes, self.rounding, tuple(Context(self.rounding) for _ in boxes)), stacked, kids

    def select(self, parents: list[Domain]) -> None:
        """Choose each parent's split among its candidates by the children's bounds (filtered smart branching,
        De Palma et al. 2021): every candidate's two children bounded once, without optimising; the split
        whose worse child is best wins. The trial bounds leave out the rounding allowances: they only rank."""
        options = [(p, c) for p in parents for c in p.candidates]
        if len(options) == len(parents):
            return
        trial = [dataclasses.replace(p, choice=c) for p, c in options]
        nodes, splits, _ = self.children(trial)
        nodes = nodes.unrounded()
        slopes, betas = self.warm(trial, splits)
        found = split_bounds(
            self.network, nodes, self.query.matrix[self.rows], splits=splits, slopes=slopes, betas=betas
        )
        _, child, _ = self.standing(self.violations(found, nodes), self.refuted(trial))  # (2 * options,)
        worse = np.minimum(child[0::2], child[1::2])
        best: dict[int, tuple[float, tuple[int, int]]] = {}
        for (parent, candidate), value in zip(options, worse, strict=True):
            if id(parent) not in best or value > best[id(parent)][0]:
                best[id(parent)] = (float(value), candidate)
        for parent in parents:
            parent.choice = best[id(parent)][1]

    @staticmethod
    def refuted(parents: list[Domain]) -> Array:
        """``(2 * parents, conjunctions)``: what each parent had refuted, for both its children."""
        return np.repeat(np.stack([p.refuted for p in parents]), 2, axis=0)

    def warm(self, parents: list[Domain], splits: dict[int, Array]) -> tuple[dict[int, Array], dict[int, Array]]:
        """The parents' slopes and multipliers for their children (zero multipliers on new splits)."""
        slopes = {i: np.repeat(np.stack([p.slopes[i] for p in parents]), 2, axis=0) for i in parents[0].slopes}
        rows = len(self.rows)
        betas = {}
        for node, signs in splits.items():
            zero = np.zeros((rows, *signs.shape[1:]), dtype=np.float32)
            betas[node] = np.repeat(np.stack([p.betas.get(node, zero) for p in parents]), 2, axis=0)
        return slopes, betas


def _candidates(
    costs: dict[int, Array], domain: int, row: int, *, overall: int = 3, early: bool = False
) -> list[tuple[int, int]]:
    """Splits of ``domain`` worth comparing for ``row``: the ``overall`` largest positive costs, and the largest
    of each layer (a deep layer's relaxations look costliest, an early split may help more); best first.
    ``early``: the largest of the earliest layer with a positive cost alone (comparing children bounded
    without re-bounding their hidden layers, as :meth:`Tree.select` does, would rank early splits last)."""
    found: list[tuple[float, int, int]] = []
    for layer, cost in costs.items():
        values = cost[domain, row].reshape(-1)
        top = np.argsort(values)[::-1][:overall]
        found += [(float(values[i]), layer, int(i)) for i in top if values[i] > 0]  # layer i's input is node i
    found.sort(reverse=True)
    if early and found:
        first = min(layer for _, layer, _ in found)
        return [max((f for f in found if f[1] == first), key=lambda f: f[0])[1:]]
    chosen = found[:overall] + [max(f for f in found if f[1] == layer) for layer in {f[1] for f in found}]
    unique = dict.fromkeys((layer, index) for _, layer, index in sorted(chosen, reverse=True))
    return list(unique)


def _widest(boxes: tuple[tuple[Array, Array], ...], nodes: list[int]) -> list[tuple[int, int]]:
    """The unstable value whose box reaches furthest on both sides of 0, ``min(u, -l)`` (for a domain whose
    bound charges no relaxation any cost: its row's coefficients are 0 there); empty if none is unstable."""
    best: tuple[float, int, int] | None = None
    for node in nodes:
        low, high = boxes[node][0].reshape(-1), boxes[node][1].reshape(-1)
        gap = np.where((low < 0) & (high > 0), np.minimum(high, -low), 0.0)
        index = int(np.argmax(gap))
        if gap[index] > 0 and (best is None or gap[index] > best[0]):
            best = (float(gap[index]), node, index)
    return [] if best is None else [(best[1], best[2])]


def _stack(items: list[dict[int, Array]], boxes: tuple[tuple[Array, Array], ...], dtype: Any) -> dict[int, Array]:
    stacked = {}
    for node in sorted({n for item in items for n in item}):
        empty = np.zeros(boxes[node][0].shape, dtype=dtype)
        stacked[node] = np.stack([item.get(node, empty) for item in items])
    return stacked
