"""Parameters as a tree: a layer (usually a network) whose leaves are its parameter arrays.

The order is fixed: layer by layer, and within a layer its own order (a dense layer: weights, then
bias). Gradients and optimizer state are trees of the same structure as the parameters, so one
function maps over all of them; every public function taking two trees refuses trees that differ
in structure, shape or dtype.
"""

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from verified_nn.core import Floating, ShapeError, as_float_array, describe
from verified_nn.layers import Layer
from verified_nn.layers._layer import Array

TreeT = TypeVar("TreeT", bound=Layer[Any, Any])

ParameterVector = Floating[np.ndarray, " parameters"]


def parameters(tree: Layer[Any, Any]) -> tuple[Array, ...]:
    """The parameter arrays in the canonical order."""
    return tree.parameters()


def parameter_names(tree: Layer[Any, Any]) -> tuple[str, ...]:
    """A name per parameter array, e.g. ``("0.weight", "0.bias", "2.weight", "2.bias")`` for a network."""
    return tree.parameter_names()


def parameter_count(tree: Layer[Any, Any]) -> int:
    """How many numbers the parameters hold (101,770 for the default 784 -> 128 -> 10 network)."""
    return sum(int(array.size) for array in tree.parameters())


def _structure(tree: Layer[Any, Any]) -> Any:
    # Types and settings of every layer, recursively for composites (a network's layers).
    inner = getattr(tree, "layers", None)
    if isinstance(inner, tuple):
        return (type(tree), tuple(_structure(layer) for layer in inner))
    return (type(tree), tuple(sorted(tree.config().items())))


def check_same_structure(first: Layer[Any, Any], other: Layer[Any, Any], *, where: str = "trees") -> None:
    """ShapeError unless both trees have the same layers and parameters of the same shapes and dtypes."""
    if not isinstance(other, Layer) or _structure(first) != _structure(other):
        raise ShapeError(f"{where}: the trees differ in structure: {first!r} and {other!r}")
    names = first.parameter_names()
    for name, mine, theirs in zip(names, first.parameters(), other.parameters(), strict=True):
        if mine.shape != theirs.shape or mine.dtype != theirs.dtype:
            raise ShapeError(
                f"{where}: parameter {name} is {describe(mine)} in one tree and {describe(theirs)} in the other"
            )


def map_unchecked(function: Callable[..., Array], first: TreeT, *rest: TreeT) -> TreeT:
    """``function`` applied blockwise to trees of one structure, unchecked (the optimizers' hot path)."""
    blocks = zip(first.parameters(), *(other.parameters() for other in rest), strict=True)
    return first.with_parameters([function(*arrays) for arrays in blocks])


def map_parameters(function: Callable[..., Array], first: TreeT, *rest: TreeT) -> TreeT:
    """A tree like ``first`` whose arrays are ``function(a, b, ...)`` of the matching arrays of all trees.

    ShapeError if the trees differ in structure, shape or dtype, or if ``function`` returns an array of
    another shape or dtype than the block it replaces (a broadcast would otherwise slip through).
    """
    for index, other in enumerate(rest, start=1):
        check_same_structure(first, other, where=f"map_parameters (tree {index})")
    names = first.parameter_names()
    results = []
    for name, arrays in zip(names, zip(first.parameters(), *(o.parameters() for o in rest), strict=True), strict=True):
        result = np.asarray(function(*arrays))
        if result.shape != arrays[0].shape or result.dtype != arrays[0].dtype:
            raise ShapeError(
                f"map_parameters: the function turned {name} {describe(arrays[0])} into {describe(result)}"
            )
        results.append(result)
    return first.with_parameters(results)


def global_norm(tree: Layer[Any, Any]) -> float:
    """The Euclidean norm of all parameters (or gradients) taken together as one vector."""
    total = 0.0
    for block in tree.parameters():
        flat = block.ravel(order="K")  # memory order: a view of a column-major block, not a copy
        total += float(np.dot(flat, flat))
    return math.sqrt(total)


def flatten(tree: Layer[Any, Any]) -> ParameterVector:
    """All parameters as one new vector, in the canonical order, each array row-major."""
    blocks = tree.parameters()
    if not blocks:
        return np.zeros(0, dtype=np.float64)
    return np.concatenate([block.ravel() for block in blocks])


def unflatten(vector: ParameterVector, *, like: TreeT) -> TreeT:
    """The inverse of :func:`flatten`: a tree like ``like`` holding (a copy of) ``vector``'s numbers.

    ``vector`` must have exactly as many entries as ``like`` has parameters; it keeps its dtype when it
    is float32 or float64, and the result holds it in that dtype.
    """
    count = parameter_count(like)
    kind = np.asarray(vector).dtype
    if kind not in (np.float32, np.float64):  # an integer vector would silently change the network's dtype
        raise ShapeError(f"unflatten: expected a float32 or float64 vector, got {kind}")
    owned = as_float_array(vector, (count,), name="unflatten").copy()  # later writes to vector change nothing
    blocks = []
    start = 0
    for block in like.parameters():
        blocks.append(owned[start : start + block.size].reshape(block.shape))
        start += block.size
    return like.with_parameters(blocks)
