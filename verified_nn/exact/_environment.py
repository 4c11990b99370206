"""A run-time probe of the float behaviour the error model assumes: round to nearest, subnormal inputs honoured.

The bound holds for round-to-nearest (ties to even or not) with gradual underflow or flush-to-zero of
results, but not for directed rounding nor for denormals-are-zero (a subnormal input read as 0). Both
would be a process-wide switch (the MXCSR register, set by some libraries), so the probe runs the
operations the forward pass uses, BLAS products included, on inputs whose correct results are known.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from ._errors import FloatCheckError

ArrayOp = Callable[[Any, Any], Any]


def _two_term_rows(u: float, lam: float) -> list[tuple[float, float, float, str]]:
    # (a, b, a + b rounded to nearest, what a wrong result shows). A sum of two terms is rounded once,
    # whatever the order, so BLAS must give exactly this.
    above = u * (1 + 2.0**-10)  # just above half an ulp of 1
    return [
        (1.0, above, 1.0 + 2 * u, "rounding toward zero or downward"),
        (-1.0, -above, -1.0 - 2 * u, "rounding toward zero or upward"),
        (1.0, u, 1.0, "a tie not rounded to even"),
        (1.0 + 2 * u, u, 1.0 + 4 * u, "a tie not rounded to even"),
        (lam, lam / 8, lam * (1 + 1 / 8), "subnormal inputs read as zero (DAZ)"),
    ]


def probe_float_environment(
    dtype: Any, *, matmul: ArrayOp = np.matmul, add: ArrayOp = np.add, multiply: ArrayOp = np.multiply
) -> None:
    """Raise FloatCheckError unless BLAS products, additions and multiplications in ``dtype`` round to nearest.

    ``matmul``, ``add`` and ``multiply`` are the operations probed (numpy's by default).
    """
    resolved = np.dtype(dtype)
    if resolved not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise FloatCheckError(f"float check: the network must compute in float32 or float64, got {resolved}")
    info = np.finfo(resolved)
    u, lam, kind = float(info.eps) / 2, float(info.tiny), resolved.type
    rows = _two_term_rows(u, lam)
    terms = np.array([[a, b] for a, b, _, _ in rows], dtype=resolved)  # (cases, 2)
    expected = np.array([s for _, _, s, _ in rows], dtype=resolved)  # (cases,)
    width = 256  # large enough for the BLAS kernel (and its threads) rather than a small-matrix path
    left = np.tile(terms, (width // len(rows) + 1, 1))[:width]  # (width, 2): row i is case i % cases
    products = matmul(left, np.ones((2, width), dtype=resolved))  # (width, width): every row sums a + b
    sums = add(terms[:, 0], terms[:, 1])
    want = np.tile(expected, width // len(rows) + 1)[:width]
    for name, got, target in (("matrix product", products, want[:, np.newaxis]), ("addition", sums, expected)):
        wrong = np.nonzero(np.asarray(got != target).reshape(len(target), -1).any(axis=1))[0]
        if wrong.size:
            case = rows[int(wrong[0]) % len(rows)]
            raise FloatCheckError(
                f"float check: {resolved} {name} shows {case[3]}, which the error bound does not cover"
            )
    square = kind(1.0 + 2 * u)
    got = multiply(np.array([square, -square]), np.array([square, square]))
    if not np.array_equal(got, np.array([1.0 + 4 * u, -1.0 - 4 * u], dtype=resolved)):
        raise FloatCheckError(f"float check: {resolved} multiplication does not round to nearest")
