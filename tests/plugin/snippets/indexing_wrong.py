"""Indexing an axis out of range, or with more indices than axes."""

from typing import Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def forward(image: np.ndarray[tuple[Literal[784]], F64]) -> None: ...


def index(x: np.ndarray[tuple[B, Literal[784]], F64], w: np.ndarray[tuple[Literal[64], Literal[100]], F64]) -> None:
    w[64]  # E: [shape] index: index 64 is out of range for axis 0 of size 64 (w: (64, 100))
    w[:, -101]  # E: [shape] index: index -101 is out of range for axis 1 of size 100 (w: (64, 100))
    x[0, 0, 0]  # E: [shape] index: too many indices (3) for rank 2 (x: (B, 784))
    forward(w[0])  # E: [arg-type] Argument 1 to "forward" has incompatible type "ndarray[tuple[Literal[100]], dtype[float64]]"; expected "ndarray[tuple[Literal[784]], dtype[float64]]"


def advanced(
    x: np.ndarray[tuple[B, Literal[784]], F64],
    w: np.ndarray[tuple[Literal[64], Literal[100]], F64],
    labels: np.ndarray[tuple[B], np.dtype[np.intp]],
    mask: np.ndarray[tuple[Literal[32]], np.dtype[np.bool]],
) -> None:
    w[mask]  # E: [shape] index: the boolean index has size 32 at axis 0, which has size 64 (w: (64, 100))
    w[np.arange(64), labels]  # E: [shape] index: the indices do not broadcast: sizes differ and neither is 1: 64 (np.arange(...): (64,)) and B (labels: (B,))
    np.take(w, labels, axis=2)  # E: [shape] take: axis 2 is out of range for rank 2 (w: (64, 100))
    w.take(labels, axis=-3)  # E: [shape] take: axis -3 is out of range for rank 2 (w: (64, 100))
    np.take_along_axis(x, labels, axis=1)  # E: [shape] take_along_axis: the indices and the array have different ranks: 2 (x: (B, 784)) and 1 (labels: (B,))
