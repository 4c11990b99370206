"""Construction: a literal shape argument becomes the array's static shape."""

from typing import Any, Final, Literal, TypeVar, assert_type

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]
WIDTH: Final = 784
rng = np.random.default_rng(0)

assert_type(np.zeros(784), np.ndarray[tuple[Literal[784]], F64])
assert_type(np.zeros((64, 784)), np.ndarray[tuple[Literal[64], Literal[784]], F64])
assert_type(np.ones((2, WIDTH)).shape, tuple[Literal[2], Literal[784]])
assert_type(np.empty([3, 28 * 28]).shape, tuple[Literal[3], Literal[784]])
assert_type(np.full((2, 3), 1.5).shape, tuple[Literal[2], Literal[3]])
assert_type(rng.random((64, 100)), np.ndarray[tuple[Literal[64], Literal[100]], F64])
assert_type(rng.normal(0.0, 1.0, size=(10, 128)).shape, tuple[Literal[10], Literal[128]])
assert_type(rng.normal(0.0, 1.0, (10, 128)).shape, tuple[Literal[10], Literal[128]])
assert_type(rng.standard_normal((3,)).shape, tuple[Literal[3]])
assert_type(rng.uniform(-1.0, 1.0, (5, 5)).shape, tuple[Literal[5], Literal[5]])
assert_type(rng.integers(0, 10, size=64), np.ndarray[tuple[Literal[64]], np.dtype[np.int64]])
assert_type(np.arange(10).shape, tuple[Literal[10]])
assert_type(np.arange(2, 10, 3).shape, tuple[Literal[3]])
assert_type(np.arange(10, 0, -4).shape, tuple[Literal[3]])
kernel: tuple[Literal[5], Literal[3]] = (5, 3)
sizes: tuple[int, ...] = (5, 3)
assert_type(np.zeros((2, 4, *kernel)).shape, tuple[Literal[2], Literal[4], Literal[5], Literal[3]])  # spliced
assert_type(np.zeros((2, *sizes)), np.ndarray[tuple[int, ...], F64])  # a star of unknown length: rank unknown

assert_type(np.eye(3).shape, tuple[Literal[3], Literal[3]])
assert_type(np.eye(3, 5).shape, tuple[Literal[3], Literal[5]])
assert_type(np.identity(WIDTH).shape, tuple[Literal[784], Literal[784]])
assert_type(np.linspace(0.0, 1.0, 11).shape, tuple[Literal[11]])
assert_type(np.linspace(0.0, 1.0).shape, tuple[Literal[50]])  # numpy's default count
assert_type(rng.permutation(10).shape, tuple[Literal[10]])
assert_type(rng.permutation(np.zeros((4, 2))).shape, tuple[Literal[4], Literal[2]])
assert_type(rng.choice(10, size=(2, 3)).shape, tuple[Literal[2], Literal[3]])

# Without a size these return scalars, which numpy's stubs type already.
assert_type(rng.random(), float)


def sized(n: int) -> None:
    """A size that is only an ``int`` is unknown: ``Any``, which never conflicts with a declared size."""
    assert_type(np.zeros(n), np.ndarray[tuple[Any], F64])
    assert_type(np.zeros((n, 3)), np.ndarray[tuple[Any, Literal[3]], F64])
    assert_type(rng.random(n), np.ndarray[tuple[Any], F64])
    assert_type(np.arange(n).shape, tuple[Any])


def like(x: np.ndarray[tuple[B, Literal[784]], F64]) -> None:
    """Sizes taken from another array's shape, symbolic ones included."""
    assert_type(np.zeros(x.shape), np.ndarray[tuple[B, Literal[784]], F64])
    assert_type(np.zeros((x.shape[0], 10)).shape, tuple[B, Literal[10]])
    assert_type(np.arange(x.shape[0]).shape, tuple[B])


def returned(y: np.ndarray[tuple[B], np.dtype[np.int64]], x: np.ndarray, n: int) -> None:
    """numpy 2.5's stubs give ``tuple[int]`` where 2.4's gave ``tuple[Any, ...]``: an unknown size, returned or
    assigned where a literal size is declared, does not conflict either (it did, on 2.5)."""
    counts: np.ndarray[tuple[Literal[10]], np.dtype[Any]] = np.bincount(y, minlength=10)
    histogram: np.ndarray[tuple[Literal[10]], np.dtype[Any]] = np.histogram(x, bins=10)[0]
    flat: np.ndarray[tuple[Literal[12]], np.dtype[Any]] = x.ravel()
    steps: np.ndarray[tuple[Literal[5]], np.dtype[Any]] = np.arange(n)
    del counts, histogram, flat, steps
