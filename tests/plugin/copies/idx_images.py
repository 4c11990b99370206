"""The last step of ``verified_nn.data._idx.read_images``, with its shapes in its signature.

``read_images`` flattens ``(n, rows, cols)`` images to ``(n, rows * cols)`` vectors. The library reads
the sizes from the file, so its own signature cannot name them; this copy names them, so that
``tests/plugin/test_planted_bugs.py`` can plant a reshape of the wrong size in it.
"""

from typing import Any, TypeVar

import numpy as np

N = TypeVar("N", bound=int)
R = TypeVar("R", bound=int)
C = TypeVar("C", bound=int)


def flatten_images(array: np.ndarray[tuple[N, R, C], np.dtype[Any]]) -> np.ndarray[tuple[N, int], np.dtype[Any]]:
    """``(n, rows, cols)`` images as ``(n, rows * cols)`` vectors."""
    return array.reshape(array.shape[0], array.shape[1] * array.shape[2])
