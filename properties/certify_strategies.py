"""Hypothesis strategies for certification: tiny dense/ReLU networks, balls around points, and the class to keep."""

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verified_nn.certify import Ball, linf_ball
from verified_nn.layers import Dense, Layer, LeakyReLU, ReLU
from verified_nn.network import Network

float_dtypes: st.SearchStrategy[np.dtype[Any]] = st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])
seeds = st.integers(0, 2**32 - 1)

TINY_WIDTHS = ((2, 4, 3, 2), (3, 5, 3), (2, 3, 2), (3, 4, 4, 3), (2, 2), (4, 6, 3))
RADII = (Fraction(0), Fraction(1, 100), Fraction(1, 30), Fraction(1, 10), Fraction(1, 4))


def dense_relu_network(weights: list[Any], biases: list[Any], slope: float) -> Network[Any, Any]:
    """Dense layers with ReLU (slope 0) or leaky ReLU between them."""
    layers: list[Layer[Any, Any]] = []
    for index, (w, b) in enumerate(zip(weights, biases, strict=True)):
        layers.append(Dense(weights=w, bias=b))
        if index < len(weights) - 1:
            layers.append(ReLU() if slope == 0 else LeakyReLU(slope))
    return Network(tuple(layers))


@st.composite
def dense_networks(draw: st.DrawFn, *, widths: tuple[int, ...] | None = None, dtype: Any = None) -> Network[Any, Any]:
    """Tiny networks (2-4-3-2, 3-5-3, ...) with ReLU or leaky ReLU, in float32 or float64."""
    sizes = widths if widths is not None else draw(st.sampled_from(TINY_WIDTHS))
    chosen = dtype if dtype is not None else draw(float_dtypes)
    slope = draw(st.sampled_from([0.0, 0.0, 0.1]))
    rng = np.random.default_rng(draw(seeds))
    layers = list(itertools.pairwise(sizes))
    return dense_relu_network(
        [rng.normal(0, 1.5 / np.sqrt(n_in), (n_out, n_in)).astype(chosen) for n_in, n_out in layers],
        [rng.normal(0, 0.3, n_out).astype(chosen) for _, n_out in layers],
        slope,
    )


@st.composite
def certification_cases(draw: st.DrawFn, *, radii: tuple[Fraction, ...] = RADII) -> tuple[Network[Any, Any], Ball, int]:
    """A tiny network, a ball of one of ``radii`` around a point of [0, 1]^n, and the class the network
    gives the point (so the question "does it keep that class over the ball?" is not settled at once)."""
    network = draw(dense_networks())
    rng = np.random.default_rng(draw(seeds))
    shape = network.input_shape()
    assert shape is not None
    center = rng.random(shape).astype(network.dtype)
    center[rng.random(len(center)) < 0.2] = 0  # pixels on the edge of the range, as in MNIST
    ball = linf_ball(center, draw(st.sampled_from(radii)))
    label = int(network.predict(center[np.newaxis, :])[0])
    return network, ball, label
