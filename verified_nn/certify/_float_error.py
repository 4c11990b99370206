"""How far the deployed float network can be from the real-valued one: a rigorous forward-error bound.

For a dot product with a bias, in any order of evaluation and with or without fused multiply-adds,
``|fl(w . a + b) - (w . a + b)| <= gamma_{n+1} (|w| . |a| + |b|)`` plus one underflow per product
(Higham, Lemma 3.1 and Sec. 3.1), with ``gamma_n = n u / (1 - n u)`` and ``u`` the unit roundoff of the
network's dtype. Layer by layer, with ``d`` the error already in the layer's input and ``m`` a bound on
the real input's magnitude over the ball (from :class:`Bounds`):

    |z_hat - z| <= |W| d + gamma_{n+1} (|W| (m + d) + |b|) + (2n + 2) tiny

ReLU is exact and 1-Lipschitz; leaky ReLU is 1-Lipschitz and its product ``z * slope`` adds
``u slope |z_hat| + tiny``. Where a neuron is negative over the whole ball with room for the error, the
deployed neuron is negative too, and the activation passes on ``slope * d`` (0 for ReLU) instead of ``d``.
The input is exact: the certificate speaks of inputs in the network's dtype.
"""

from typing import Any, TypeAlias

import numpy as np

from ._ball import Ball
from ._interval import Bounds
from ._linear import ball_magnitude
from ._network import DenseNetwork
from ._rounding import SLACK_FACTOR, gamma, tiny, unit_roundoff, up

Array: TypeAlias = np.ndarray[Any, Any]


def forward_error(network: DenseNetwork, bounds: Bounds, ball: Ball) -> Array:
    """Per logit, an upper bound on ``|deployed(x) - real(x)|`` over every input of the ball in the dtype.

    ``bounds`` must be sound for the real network over ``ball``. Returns ``(classes,)`` float64; ``inf``
    where the deployed computation could overflow.
    """
    u, underflow = unit_roundoff(network.dtype), tiny(network.dtype)
    largest = float(np.finfo(network.dtype).max)
    error = np.zeros(network.widths[0])  # the input is exact
    magnitude = ball_magnitude(ball)
    dz = error
    for i in range(len(network.weights)):
        _, w_abs, b = network.exact[i]
        n = w_abs.shape[1]
        absolute = w_abs @ (magnitude + error) + np.abs(b)  # bounds every partial sum of the layer
        if not np.all(absolute < largest / 4):  # a partial sum could overflow: no bound
            return np.full(network.widths[-1], np.inf)
        dz = w_abs @ error + gamma(n + 1, u) * absolute + (2 * n + 2) * underflow
        magnitude = bounds.magnitude(i)
        if i < len(network.slopes):
            slope = network.deployed_slope(i)
            # A neuron negative over the whole ball stays negative in the deployed network too (its
            # real upper bound plus the largest rounding is below 0): ReLU gives exactly 0 there, and
            # leaky ReLU scales the error by its slope. fl(upper + 2 dz) < 0 implies the exact sum is.
            inactive = bounds.upper[i] + SLACK_FACTOR * dz < 0
            passed = np.where(inactive, slope * dz, dz)
            error = passed if slope == 0 else passed + u * slope * (magnitude + dz) + underflow
    result: Array = up(SLACK_FACTOR * dz)  # computed in float64: doubled to bound its own rounding
    return result


def required_margins(errors: Array, label: int) -> Array:
    """The real margin ``z_label - z_j`` must exceed this for the deployed network to keep ``label``."""
    needed: Array = up(errors[label] + errors)
    needed[label] = -np.inf
    return needed
