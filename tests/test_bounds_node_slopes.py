"""The slopes that bounded each hidden node, kept by ``linear_bounds(optimise=...)`` and used to re-bound
sub-domains (``slopes=``): they give the optimised boxes back, stay sound inside split sub-domains, and there
bound tighter than CROWN's own slopes; branch-and-bound then splits early."""

from typing import Any

import numpy as np
import pytest
from bounds_cases import exact_nodes, tiny_mlp, within

from verified_nn.bounds import Box, Rounding, _optimise, linear_bounds
from verified_nn.bounds._domains import _candidates
from verified_nn.bounds._rule import Context
from verified_nn.bounds._walk import NodeSlopes

Array = np.ndarray[Any, Any]
SOUND = Rounding.sound(deployed=np.float32)
WIDTHS = (4, 12, 12, 12, 3)


def _case(seed: int) -> tuple[Any, Box]:
    network = tiny_mlp(seed, WIDTHS)
    x = np.random.default_rng(seed).random(4)
    return network, Box(np.clip(x - 0.4, 0, 1)[None], np.clip(x + 0.4, 0, 1)[None])


def _straddling(nodes: Any, node: int) -> int:
    """The value of ``node`` whose box reaches furthest on both sides of 0."""
    box = nodes.boxes[node]
    return int(np.argmax(np.minimum(box.upper[0], -box.lower[0])))


@pytest.mark.parametrize("seed", range(3))
def test_the_kept_slopes_give_the_optimised_boxes_back(seed: int) -> None:
    network, box = _case(seed)
    crown = linear_bounds(network, box, rounding=SOUND)
    optimised = linear_bounds(network, box, rounding=SOUND, optimise=10)
    assert crown.tightened == {} and set(optimised.tightened) == {3, 5}  # the nodes fed to ReLUs after the first
    for node, kept in optimised.tightened.items():
        k = len(kept.values)
        assert k > 0 and set(kept.values) <= set(range(np.prod(crown.boxes[node].shape)))
        assert all(s.shape[:2] == (1, 2 * k) for s in kept.slopes.values())
    again = linear_bounds(network, box, rounding=SOUND, slopes=optimised.tightened)
    for mine, theirs in zip(again.boxes, optimised.boxes, strict=True):
        np.testing.assert_allclose(mine.lower, theirs.lower, rtol=0, atol=1e-12)
        np.testing.assert_allclose(mine.upper, theirs.upper, rtol=0, atol=1e-12)
    width = sum(float(np.sum(b.upper - b.lower)) for b in again.boxes)
    assert width < sum(float(np.sum(b.upper - b.lower)) for b in crown.boxes) - 1e-3


def _children(network: Any, box: Box, parent: Any, node: int, value: int, slopes: Any) -> Any:
    """Both children of splitting ``value`` of ``node`` (>= 0, then <= 0), re-bounded after it."""
    signs = np.zeros((2, *parent.boxes[node].shape), dtype=np.int8)
    signs.reshape(2, -1)[:, value] = (1, -1)
    splits = {node: signs}
    known = type(parent)(
        tuple(
            Box(np.repeat(b.lower, 2, 0), np.repeat(b.upper, 2, 0)).constrained(splits.get(n))
            for n, b in enumerate(parent.boxes)
        ),
        parent.rounding,
        tuple(Context(SOUND) for _ in parent.boxes),
    )
    two = Box(np.repeat(box.lower, 2, 0), np.repeat(box.upper, 2, 0))
    return linear_bounds(
        network, two, rounding=SOUND, splits=splits, known=known, reuse=node + 1, limit=0, slopes=slopes
    )


def _outside(network: Any, box: Box, children: Any, value: int, seed: int) -> tuple[int, list[int]]:
    """Exact node values of random inputs outside their child's boxes; how many inputs each child got."""
    rng = np.random.default_rng(seed)
    xs = box.lower[0] + rng.random((300, 4)) * (box.upper[0] - box.lower[0])
    outside, seen = 0, [0, 0]
    for x in xs:
        values = exact_nodes(network, x)
        child = 0 if values[1][value] >= 0 else 1
        seen[child] += 1
        outside += sum(
            not within(exact, b.lower[child], b.upper[child]) for exact, b in zip(values, children.boxes, strict=True)
        )
    return outside, seen


@pytest.mark.parametrize("seed", range(3))
def test_sub_domains_bounded_at_the_root_slopes_are_sound_and_tighter_than_crown(seed: int) -> None:
    network, box = _case(seed)
    root = linear_bounds(network, box, rounding=SOUND, optimise=10)
    value = _straddling(root, 1)
    warm = _children(network, box, root, 1, value, root.tightened)
    cold = _children(network, box, root, 1, value, None)
    outside, seen = _outside(network, box, warm, value, seed)
    assert outside == 0 and min(seen) > 0, (outside, seen)
    warm_width = sum(float(np.sum(b.upper - b.lower)) for b in warm.boxes)
    cold_width = sum(float(np.sum(b.upper - b.lower)) for b in cold.boxes)
    assert warm_width < cold_width - 1e-3, (warm_width, cold_width)


def test_slopes_outside_their_range_are_clipped_and_would_be_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slopes past a relaxation's range (a lower line steeper than the ReLU) are clipped back into it; with
    the clipping planted away the soundness check above finds values outside the boxes."""
    network, box = _case(0)
    root = linear_bounds(network, box, rounding=SOUND, optimise=10)
    value = _straddling(root, 1)
    steep = {n: NodeSlopes(k.values, {i: 3 * s for i, s in k.slopes.items()}) for n, k in root.tightened.items()}
    assert _outside(network, box, _children(network, box, root, 1, value, steep), value, 0)[0] == 0
    monkeypatch.setattr(
        _optimise, "start_slopes", lambda _l, _n, slopes, **_: ({i: np.array(s) for i, s in slopes.items()}, {})
    )
    assert _outside(network, box, _children(network, box, root, 1, value, steep), value, 0)[0] > 0


def test_branching_with_root_slopes_splits_in_the_earliest_layer() -> None:
    costs = {1: np.array([[[0.0, 0.002, 0.001]]]), 3: np.array([[[0.5, 0.0, 0.9]]])}
    assert _candidates(costs, 0, 0)[0] == (3, 2)  # the costliest first, one of each layer compared
    assert _candidates(costs, 0, 0, early=True) == [(1, 1)]
    assert _candidates({1: np.zeros((1, 1, 3)), 3: costs[3]}, 0, 0, early=True) == [(3, 2)]
