"""Small networks for the certify tests, built from a seed or from arrays."""

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from verified_nn.layers import Dense, Layer, LeakyReLU, ReLU
from verified_nn.network import Network

Array = np.ndarray[Any, Any]


def dense_network(weights: Sequence[Array], biases: Sequence[Array], slopes: Sequence[float]) -> Network[Any, Any]:
    """Dense layers of these arrays with ReLU (slope 0) or leaky ReLU between consecutive ones."""
    layers: list[Layer[Any, Any]] = []
    for index, (w, b) in enumerate(zip(weights, biases, strict=True)):
        layers.append(Dense(weights=np.asarray(w), bias=np.asarray(b)))
        if index < len(slopes):
            layers.append(ReLU() if slopes[index] == 0 else LeakyReLU(slopes[index]))
    return Network(tuple(layers))


def tiny_network(
    seed: int = 0, widths: tuple[int, ...] = (3, 5, 4, 3), *, dtype: Any = np.float64, slope: float = 0.0
) -> Network[Any, Any]:
    """Normal weights scaled by fan-in, small biases; ReLU (or leaky ReLU with ``slope``) between layers."""
    rng = np.random.default_rng(seed)
    layers = list(itertools.pairwise(widths))
    return dense_network(
        [rng.normal(0, 1.5 / np.sqrt(n_in), (n_out, n_in)).astype(dtype) for n_in, n_out in layers],
        [rng.normal(0, 0.3, n_out).astype(dtype) for _, n_out in layers],
        (slope,) * (len(widths) - 2),
    )


def boundary_network(ones: int, gap: float, *, big: float = 2.0**24) -> Network[Any, Any]:
    """One float32 layer: logit 0 is ``big + ones - big`` (``ones`` unit terms between two huge ones), logit 1
    the constant ``ones - gap``. At the all-ones input the real margin is ``gap``; float32 drops units."""
    w = np.zeros((2, ones + 2), dtype=np.float32)
    w[0] = [big] + [1.0] * ones + [-big]
    return dense_network([w], [np.array([0, ones - gap], dtype=np.float32)], ())
