"""Small networks and independent answers for the bound-core tests: exact rational evaluation and the
exact minimum of a linear function of the output (one linear program per activation pattern)."""

import itertools
from fractions import Fraction
from typing import Any

import numpy as np

from verified_nn.layers import Activation, Dense, Layer, LeakyReLU, ReLU
from verified_nn.network import Network

Array = np.ndarray[Any, Any]


def tiny_mlp(
    seed: int = 0, widths: tuple[int, ...] = (3, 5, 4, 3), *, slope: float = 0.0, dtype: Any = np.float64
) -> Network[Any, Any]:
    """Normal weights scaled by fan-in, small biases; ReLU (or leaky ReLU with ``slope``) between layers."""
    rng = np.random.default_rng(seed)
    layers: list[Layer[Any, Any]] = []
    pairs = list(itertools.pairwise(widths))
    for index, (n_in, n_out) in enumerate(pairs):
        weights = rng.normal(0, 1.5 / np.sqrt(n_in), (n_out, n_in)).astype(dtype)
        layers.append(Dense(weights=weights, bias=rng.normal(0, 0.3, n_out).astype(dtype)))
        if index < len(pairs) - 1:
            layers.append(ReLU() if slope == 0 else LeakyReLU(slope))
    return Network(tuple(layers))


def exact_nodes(network: Network[Any, Any], x: Array) -> list[Array]:
    """Every node's values at ``x`` (one sample) in exact rational arithmetic: object arrays of Fractions."""
    values = np.vectorize(lambda v: Fraction(float(v)), otypes=[object])(np.asarray(x))
    nodes = [values]
    for layer in network.layers:
        if isinstance(layer, Dense):
            weights = np.vectorize(lambda v: Fraction(float(v)), otypes=[object])(layer.weights)
            bias = np.vectorize(lambda v: Fraction(float(v)), otypes=[object])(layer.bias)
            values = weights @ values + bias
        elif isinstance(layer, Activation) and layer.linear_pieces() is not None:
            pieces = tuple(Fraction(s) for s in layer.linear_pieces() or (0.0, 1.0))
            values = np.vectorize(lambda v, p=pieces: v * p[1] if v > 0 else v * p[0], otypes=[object])(values)
        else:
            values = values.reshape(layer.output_shape(values.shape))
        nodes.append(values)
    return nodes


def within(values: Array, lower: Array, upper: Array) -> bool:
    """Whether every exact value lies in ``[lower, upper]`` (floats taken exactly)."""
    return all(
        Fraction(float(lo)) <= v <= Fraction(float(hi))
        for v, lo, hi in zip(values.ravel(), lower.ravel(), upper.ravel(), strict=True)
    )


def points(lower: Array, upper: Array, rng: np.random.Generator, count: int = 20) -> Array:
    """Random points of the box and (up to 4 inputs) all its corners, float64."""
    n = lower.size
    random = lower + rng.random((count, n)) * (upper - lower)
    signs = np.array(list(itertools.product((0, 1), repeat=n))) if n <= 4 else rng.integers(0, 2, (16, n))
    corners = np.where(signs == 1, upper, lower)
    return np.vstack([random, corners])


def exact_minimum(network: Network[Any, Any], lower: Array, upper: Array, row: Array) -> float:
    """``min row . f(x)`` over the box for an MLP of dense layers and ReLU-family activations: one linear
    program per activation pattern of the hidden neurons (the network is affine on each pattern's region)."""
    from scipy.optimize import linprog

    dense = [layer for layer in network.layers if isinstance(layer, Dense)]
    slopes = [layer.linear_pieces() for layer in network.layers if isinstance(layer, Activation)]
    hidden = [layer.weights.shape[0] for layer in dense[:-1]]
    n = lower.size
    best = np.inf
    for pattern in itertools.product((0, 1), repeat=sum(hidden)):
        matrix, offset = np.eye(n), np.zeros(n)
        rows, limits = [], []
        position = 0
        for layer, width, pieces in zip(dense[:-1], hidden, slopes, strict=True):
            w, b = layer.weights.astype(np.float64), layer.bias.astype(np.float64)
            z_matrix, z_offset = w @ matrix, w @ offset + b
            signs = np.array(pattern[position : position + width])
            position += width
            for k in range(width):
                direction = -1.0 if signs[k] else 1.0
                rows.append(direction * z_matrix[k])
                limits.append(-direction * z_offset[k])
            assert pieces is not None
            factor = np.where(signs == 1, pieces[1], pieces[0])
            matrix, offset = factor[:, np.newaxis] * z_matrix, factor * z_offset
        w, b = dense[-1].weights.astype(np.float64), dense[-1].bias.astype(np.float64)
        objective = row @ w @ matrix
        constant = row @ (w @ offset + b)
        result = linprog(
            objective,
            A_ub=np.array(rows) if rows else None,
            b_ub=np.array(limits) if rows else None,
            bounds=list(zip(lower.ravel(), upper.ravel(), strict=True)),
            method="highs",
        )
        if result.status == 0:
            best = min(best, float(result.fun) + float(constant))
    return best
