"""Reshapes that change the element count, and shapes that cannot be built."""

from typing import Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
R = TypeVar("R", bound=int)
C = TypeVar("C", bound=int)
F64 = np.dtype[np.float64]


def reshapes(x: np.ndarray[tuple[Literal[64], Literal[100]], F64], images: np.ndarray[tuple[B, Literal[28], Literal[28]], F64]) -> None:
    x.reshape(784)  # E: [shape] reshape: element counts differ: 6400 (x: (64, 100)) and 784 (new shape: (784,))
    x.reshape(-1, 784)  # E: [shape] reshape: cannot infer -1: element counts do not divide: 6400 (x: (64, 100)) and 784 (new shape: (-1, 784))
    np.reshape(x, (10, 10))  # E: [shape] reshape: element counts differ: 6400 (x: (64, 100)) and 100 (new shape: (10, 10))
    x.reshape(-1, -1)  # E: [shape] reshape: only one size can be -1 (new shape: (-1, -1))
    images.reshape(images.shape[0], 28 * 27)  # E: [shape] reshape: element counts differ: B*784 (images: (B, 28, 28)) and B*756 (new shape: (B, 756))


def forward(image: np.ndarray[tuple[Literal[784]], F64]) -> None: ...


def flatten_then_forward(images: np.ndarray[tuple[B, Literal[28], Literal[28]], F64]) -> None:
    forward(images[0].ravel())  # no error: (784,)
    forward(images[0, 0].ravel())  # E: [arg-type] Argument 1 to "forward" has incompatible type "ndarray[tuple[Literal[28]], dtype[float64]]"; expected "ndarray[tuple[Literal[784]], dtype[float64]]"


def flatten_rows_and_columns(images: np.ndarray[tuple[B, R, C], F64]) -> None:
    """Sizes multiplied in the arguments count as their product: R * R is not R * C."""
    images.reshape(images.shape[0], images.shape[1] * images.shape[1])  # E: [shape] reshape: element counts differ: B*R*C (images: (B, R, C)) and B*R*R (new shape: (B, ?))
    images.reshape((images.shape[0], 2 * images.shape[2]))  # E: [shape] reshape: element counts differ: B*R*C (images: (B, R, C)) and B*C*2 (new shape: (B, ?))
