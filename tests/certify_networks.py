"""Small networks for the certify tests, built from a seed."""

import itertools
from typing import Any

import numpy as np

from verified_nn.certify import DenseNetwork


def tiny_network(
    seed: int = 0, widths: tuple[int, ...] = (3, 5, 4, 3), *, dtype: Any = np.float64, slope: float = 0.0
) -> DenseNetwork:
    """Normal weights scaled by fan-in, small biases; ReLU (or leaky ReLU with ``slope``) between layers."""
    rng = np.random.default_rng(seed)
    layers = list(itertools.pairwise(widths))
    return DenseNetwork(
        weights=tuple(rng.normal(0, 1.5 / np.sqrt(n_in), (n_out, n_in)).astype(dtype) for n_in, n_out in layers),
        biases=tuple(rng.normal(0, 0.3, n_out).astype(dtype) for _, n_out in layers),
        slopes=(slope,) * (len(widths) - 2),
    )


def boundary_network(ones: int, gap: float, *, big: float = 2.0**24) -> DenseNetwork:
    """One float32 layer: logit 0 is ``big + ones - big`` (``ones`` unit terms between two huge ones), logit 1
    the constant ``ones - gap``. At the all-ones input the real margin is ``gap``; float32 drops units."""
    w = np.zeros((2, ones + 2), dtype=np.float32)
    w[0] = [big] + [1.0] * ones + [-big]
    return DenseNetwork(weights=(w,), biases=(np.array([0, ones - gap], dtype=np.float32),), slopes=())
