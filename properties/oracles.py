"""Independent answers about tiny networks: exact rational evaluation, and exhaustive search over
activation patterns (one linear program per pattern), to check the certifier against."""

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.optimize import linprog

from verified_nn.certify import Ball, DenseNetwork

Array = np.ndarray[Any, Any]


def exact_pre_activations(network: DenseNetwork, x: Array) -> list[list[Fraction]]:
    """Every layer's pre-activation at ``x`` in exact rational arithmetic (the real-valued network)."""
    a = [Fraction(float(v)) for v in x]
    layers = []
    for i, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        z = [
            sum((Fraction(float(w[r, c])) * a[c] for c in range(w.shape[1])), Fraction(0)) + Fraction(float(b[r]))
            for r in range(w.shape[0])
        ]
        layers.append(z)
        if i < len(network.slopes):
            slope = Fraction(network.deployed_slope(i))
            a = [v if v > 0 else slope * v for v in z]
    return layers


def exact_margins(network: DenseNetwork, x: Array, label: int) -> list[Fraction]:
    """``z_label - z_j`` for every class ``j``, exactly."""
    logits = exact_pre_activations(network, x)[-1]
    return [logits[label] - z for z in logits]


def brute_force_minimum(network: DenseNetwork, ball: Ball, label: int, target: int) -> float:
    """``min over the ball of z_label - z_target`` by enumerating every activation pattern of the hidden
    neurons: on each pattern's region the network is affine, so one LP per pattern (scipy linprog)."""
    hidden = [w.shape[0] for w in network.weights[:-1]]
    box = list(zip(ball.lower, ball.upper, strict=True))
    n = network.widths[0]
    best = np.inf
    for pattern in itertools.product((0, 1), repeat=sum(hidden)):
        matrix, offset = np.eye(n), np.zeros(n)  # the current layer's input as an affine map of x
        rows, limits = [], []
        position = 0
        for i, width in enumerate(hidden):
            w, _, b = network.exact[i]
            z_matrix, z_offset = w @ matrix, w @ offset + b
            signs = np.array(pattern[position : position + width])
            position += width
            for k in range(width):  # active: z_k >= 0, i.e. -z_k <= 0; inactive: z_k <= 0
                direction = -1.0 if signs[k] else 1.0
                rows.append(direction * z_matrix[k])
                limits.append(-direction * z_offset[k])
            slopes = np.where(signs == 1, 1.0, network.deployed_slope(i))
            matrix, offset = slopes[:, np.newaxis] * z_matrix, slopes * z_offset
        w, _, b = network.exact[-1]
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
