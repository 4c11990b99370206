"""Projected gradient descent on the logit margin, with random restarts: cheap counterexamples first.

The gradient of the margin ``z_label - max_{j != label} z_j`` with respect to the input is the network's
own backward pass (``Network.backward``), in the network's dtype (Madry et al. 2018 use the
cross-entropy; the margin is the quantity a certificate bounds). Iterates stay in the ball's inner box,
so every point tried is an input the deployed model can take; a hit counts only when the deployed
forward pass of that single image predicts another class.
"""

import dataclasses
from typing import Any, TypeAlias

import numpy as np

from verified_nn.network import Network

from ._ball import Ball

Array: TypeAlias = np.ndarray[Any, Any]


@dataclasses.dataclass(frozen=True)
class AttackConfig:
    """How hard to search."""

    restarts: int = 6  # starting points: the image itself, then uniform points of the ball
    steps: int = 40  # signed-gradient steps from each start
    step_scale: float = 2.5  # total step length in units of eps, spread over the steps (Madry et al.)


@dataclasses.dataclass(frozen=True)
class AttackResult:
    """The outcome: a counterexample confirmed by the deployed forward pass, or none."""

    example: Array | None  # the input, in the network's dtype, inside the ball; None when nothing was found
    predicted: int | None  # the deployed prediction at ``example``
    best_margin: float  # the smallest deployed margin ``z_label - max_{j != label} z_j`` seen


def margin_and_gradient(network: Network[Any, Any], x: Array, label: int) -> tuple[Array, Array]:
    """Margins ``(batch,)`` and their gradients (the shape of ``x``) with respect to ``x``, in the network's
    dtype, by the network's own forward and backward passes."""
    logits, cache = network.forward(x)  # (batch, classes)
    rows = np.arange(len(x))
    others = logits.copy()
    others[:, label] = -np.inf
    runner_up = others.argmax(axis=1)  # (batch,)
    margins = logits[:, label] - logits[rows, runner_up]
    seed = np.zeros_like(logits)  # d margin / d logits
    seed[:, label] = 1
    seed[rows, runner_up] -= 1
    gradient, _ = network.backward(seed, cache)
    return margins, gradient


def confirmed(network: Network[Any, Any], ball: Ball, x: Array, label: int) -> int | None:
    """The deployed prediction at ``x`` if ``x`` is in the ball and the prediction is not ``label``."""
    if x.dtype != network.dtype or not ball.contains(x):
        return None
    predicted = int(network.predict(x[np.newaxis])[0])
    return predicted if predicted != label else None


def pgd_attack(
    network: Network[Any, Any],
    ball: Ball,
    label: int,
    *,
    config: AttackConfig | None = None,
    seed: int | tuple[int, ...] = 0,
    start: Array | None = None,
) -> AttackResult:
    """Search the ball for an input the deployed network does not classify as ``label``.

    The starts are ``start`` (if given) or the image itself, then uniform points of the ball drawn
    from ``seed``: the same arguments give the same result.
    """
    settings = config or AttackConfig()
    rng = np.random.default_rng(seed)
    low, high = ball.inner_lower, ball.inner_upper
    starts = [ball.center if start is None else start] + [
        low + np.asarray(rng.random(low.shape), dtype=network.dtype) * (high - low)
        for _ in range(settings.restarts - 1)
    ]
    x = ball.project(np.stack(starts))  # (restarts, *input)
    step = network.dtype.type(settings.step_scale * float(ball.eps) / max(settings.steps, 1))
    best = np.inf
    for _ in range(settings.steps + 1):
        margins, gradient = margin_and_gradient(network, x, label)
        best = min(best, float(margins.min()))
        for row in np.flatnonzero(margins <= 0):
            predicted = confirmed(network, ball, x[row], label)
            if predicted is not None:
                return AttackResult(example=x[row].copy(), predicted=predicted, best_margin=best)
        x = ball.project(x - step * np.sign(gradient))
    return AttackResult(example=None, predicted=None, best_margin=best)
