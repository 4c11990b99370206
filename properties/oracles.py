"""Independent answers about tiny networks: exact rational evaluation, and exhaustive search over
activation patterns (one linear program per pattern), to check the certifier against."""

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.optimize import linprog

from verified_nn.certify import Ball
from verified_nn.layers import Activation, Dense
from verified_nn.network import Network

Array = np.ndarray[Any, Any]


def _parts(network: Network[Any, Any]) -> tuple[list[Dense[Any, Any]], list[tuple[float, float]]]:
    dense = [layer for layer in network.layers if isinstance(layer, Dense)]
    pieces = [layer.linear_pieces() for layer in network.layers if isinstance(layer, Activation)]
    assert all(p is not None for p in pieces)
    return dense, pieces  # type: ignore[return-value]


def exact_pre_activations(network: Network[Any, Any], x: Array) -> list[list[Fraction]]:
    """Every dense layer's output at ``x`` in exact rational arithmetic (the real-valued network)."""
    dense, pieces = _parts(network)
    a = [Fraction(float(v)) for v in x]
    layers = []
    for i, layer in enumerate(dense):
        w, b = layer.weights, layer.bias
        z = [
            sum((Fraction(float(w[r, c])) * a[c] for c in range(w.shape[1])), Fraction(0)) + Fraction(float(b[r]))
            for r in range(w.shape[0])
        ]
        layers.append(z)
        if i < len(pieces):
            left, right = Fraction(pieces[i][0]), Fraction(pieces[i][1])
            a = [v * right if v > 0 else v * left for v in z]
    return layers


def exact_margins(network: Network[Any, Any], x: Array, label: int) -> list[Fraction]:
    """``z_label - z_j`` for every class ``j``, exactly."""
    logits = exact_pre_activations(network, x)[-1]
    return [logits[label] - z for z in logits]


def brute_force_minimum(network: Network[Any, Any], ball: Ball, label: int, target: int) -> float:
    """``min over the ball of z_label - z_target`` by enumerating every activation pattern of the hidden
    neurons: on each pattern's region the network is affine, so one LP per pattern (scipy linprog)."""
    dense, pieces = _parts(network)
    hidden = [layer.weights.shape[0] for layer in dense[:-1]]
    box = list(zip(ball.lower, ball.upper, strict=True))
    n = len(ball.lower)
    best = np.inf
    for pattern in itertools.product((0, 1), repeat=sum(hidden)):
        matrix, offset = np.eye(n), np.zeros(n)  # the current layer's input as an affine map of x
        rows, limits = [], []
        position = 0
        for i, width in enumerate(hidden):
            w, b = dense[i].weights.astype(np.float64), dense[i].bias.astype(np.float64)
            z_matrix, z_offset = w @ matrix, w @ offset + b
            signs = np.array(pattern[position : position + width])
            position += width
            for k in range(width):  # active: z_k >= 0, i.e. -z_k <= 0; inactive: z_k <= 0
                direction = -1.0 if signs[k] else 1.0
                rows.append(direction * z_matrix[k])
                limits.append(-direction * z_offset[k])
            slopes = np.where(signs == 1, pieces[i][1], pieces[i][0])
            matrix, offset = slopes[:, np.newaxis] * z_matrix, slopes * z_offset
        w, b = dense[-1].weights.astype(np.float64), dense[-1].bias.astype(np.float64)
        objective = (w[label] - w[target]) @ matrix
        constant = (w[label] - w[target]) @ offset + b[label] - b[target]
        result = linprog(
            objective,
            A_ub=np.array(rows) if rows else None,
            b_ub=np.array(limits) if rows else None,
            bounds=box,
            method="highs",
        )
        if result.status == 0:
            best = min(best, float(result.fun) + float(constant))
    return best
