"""Generic code: whole-shape variables, unknown dtypes, generic calls nested in numpy calls, variadic shapes.

This is how the library's own kernels are written (``verified_nn/layers``, ``verified_nn/core``): the
shapes must survive each of these, or the kernels' return types would not check.
"""

from typing import Any, Literal, TypeVar, TypeVarTuple, assert_type

import numpy as np

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
S = TypeVar("S", bound=tuple[Any, ...])
Rest = TypeVarTuple("Rest")
Floats = np.dtype[np.floating[Any]]
AnyDType = np.dtype[Any]


def rows(z: np.ndarray[tuple[B, C], AnyDType]) -> np.ndarray[tuple[B, C], AnyDType]:
    return z - z.max(axis=1, keepdims=True)


def whole_shapes(x: np.ndarray[S, Floats], shape: S, rng: np.random.Generator) -> None:
    """A shape variable given as a size (``x.shape``, or a parameter typed ``S``) makes an ``S`` array."""
    assert_type(np.zeros(x.shape), np.ndarray[S, AnyDType])  # S bound to tuple[Any, ...]: dtype unknown
    assert_type(rng.random(shape), np.ndarray[S, AnyDType])
    assert_type((rng.random(shape) >= 0.5).shape, S)
    assert_type(np.multiply(rng.random(shape) >= 0.5, 2.0, dtype=np.float32).shape, S)
    assert_type(x.reshape(x.shape).shape, S)
    assert_type(x.ravel().reshape(x.shape).shape, S)


def unknown_dtypes(x: np.ndarray[S, Floats], z: np.ndarray[tuple[B, C], AnyDType]) -> None:
    """With an operand of unknown dtype numpy's stubs match several overloads; the shape is kept."""
    assert_type(x * x, np.ndarray[S, AnyDType])
    assert_type(1 - x * x, np.ndarray[S, AnyDType])
    assert_type((x > 0).shape, S)
    assert_type(z @ z.T, np.ndarray[tuple[B, B], AnyDType])
    assert_type((z * z).shape, tuple[B, C])


def nested_generic_calls(z: np.ndarray[tuple[B, C], AnyDType], w: np.ndarray[tuple[B, C], np.dtype[np.float64]]) -> None:
    """A generic function's result passed straight to a numpy operation keeps its sizes."""
    assert_type(np.exp(rows(z)), np.ndarray[tuple[B, C], AnyDType])
    assert_type((w + rows(w)).shape, tuple[B, C])
    assert_type((w.T @ rows(w)).shape, tuple[C, C])


def variadic(images: np.ndarray[tuple[B, *Rest], Floats]) -> None:  # type: ignore[type-var]
    """``tuple[B, *Rest]`` has no known rank: nothing is inferred, and nothing is reported."""
    images.sum(axis=3)
    images[0, 0, 0]
    assert_type(images.shape[0], B)


def from_literals() -> None:
    assert_type(np.zeros((2, 3)).reshape(np.zeros((3, 2)).shape).shape, tuple[Literal[3], Literal[2]])


def subtract_with_unknown_dtype(logits: np.ndarray[tuple[B, C], AnyDType]) -> None:
    """numpy's stubs refuse ``bool - bool`` with ``Never``: one more overload that must agree."""
    assert_type(logits - logits.max(axis=1, keepdims=True), np.ndarray[tuple[B, C], AnyDType])
