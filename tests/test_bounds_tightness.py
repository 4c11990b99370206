"""Tightness, not only soundness: each bound is compared with the exact range it stands for and must be within
what is documented; a too-wide input box, a dropped [0, 1] clip and a looser rule each fail here (planted)."""

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from verified_nn.bounds import Box, Context, Rounding, linear_bounds, optimise_slopes, rule_for
from verified_nn.certify import linf_ball
from verified_nn.layers import AvgPool2D, Conv2D, Dense, MaxPool2D, ReLU
from verified_nn.network import Network
from verified_nn.robust import _loss, input_box, worst_case_logits

Array = np.ndarray[Any, Any]
SOUND = Rounding.sound(deployed=None)


def _ball_slack(center: Array, eps: Fraction) -> float:
    """The largest distance, in float64 steps, from the certified ball's outer box to the exact clipped ball."""
    ball = linf_ball(center, eps)
    worst = 0.0
    for i, c in enumerate(center.tolist()):
        exact_low, exact_high = max(Fraction(0), Fraction(c) - eps), min(Fraction(1), Fraction(c) + eps)
        for value, exact in ((ball.lower[i], exact_low), (ball.upper[i], exact_high)):
            step = Fraction(float(np.spacing(np.float64(max(abs(float(exact)), 1e-300)))))
            worst = max(worst, float(abs(Fraction(float(value)) - exact) / step))
    return worst


def test_the_certified_ball_is_at_most_two_steps_wider_than_the_exact_ball(monkeypatch: pytest.MonkeyPatch) -> None:
    center = np.random.default_rng(0).random(60).astype(np.float32)
    center[:10], center[10:20] = 0, 1
    assert _ball_slack(center, Fraction(2, 255)) <= 2
    import verified_nn.certify._ball as ball_module

    wide = ball_module._float_at_least  # planted: the radius rounded to the next float32 instead of float64
    monkeypatch.setattr(
        ball_module, "_float_at_least", lambda value: float(np.nextafter(np.float32(wide(value)), np.float32(1)))
    )
    assert _ball_slack(center, Fraction(2, 255)) > 2


def _worst_over_corners(network: Network[Any, Any], image: Array, label: int, eps: float) -> Array:
    """The exact largest ``z_j - z_label`` over the clipped ball of an affine network: at a corner."""
    low, high = np.clip(image - eps, 0, 1), np.clip(image + eps, 0, 1)
    corners = np.array([np.where(bits, high, low) for bits in itertools.product((0, 1), repeat=len(image))])
    logits = network.logits(corners)
    result: Array = (logits - logits[:, [label]]).max(axis=0)
    return result


def test_worst_case_logits_of_an_affine_network_are_the_exact_maxima_over_the_clipped_ball(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Interval bounds with the last layer folded are exact for one dense layer: any widening of the box (a
    dropped clip to [0, 1], a larger radius) shows as a looser bound."""
    rng = np.random.default_rng(1)
    network: Network[Any, Any] = Network((Dense(weights=rng.normal(0, 1, (3, 4)), bias=rng.normal(0, 1, 3)),))
    images = np.array([[0.0, 0.02, 0.99, 1.0], [0.5, 0.0, 1.0, 0.3]])
    labels = np.array([0, 2])

    def gap() -> float:
        worst = worst_case_logits(network, images, labels, eps=0.05)
        exact = np.stack([_worst_over_corners(network, images[i], int(labels[i]), 0.05) for i in range(2)])
        return float(np.abs(worst - exact).max())

    assert gap() < 1e-12
    low, high = input_box(images, 0.05)
    assert np.array_equal(low - high, low - high) and np.all(low - high >= 0 - 1)  # shapes only
    original = _loss.input_box

    def unclipped(batch: Array, eps: float) -> tuple[Array, Array]:
        return batch, np.full_like(batch, eps)  # planted: the ball not clipped to [0, 1]

    monkeypatch.setattr(_loss, "input_box", unclipped)
    assert gap() > 1e-3
    monkeypatch.setattr(_loss, "input_box", lambda batch, eps: original(batch, 1.5 * eps))  # planted: too wide
    assert gap() > 1e-3


def _exact_affine_range(apply: Any, box: Box) -> tuple[Array, Array]:
    """The exact range of a linear map over a box, from its matrix (columns of the identity)."""
    size = int(np.prod(box.shape))
    basis = np.eye(size).reshape(size, *box.shape)
    matrix = apply(basis).reshape(size, -1).T  # (out, in)
    low, high = box.lower.reshape(box.domains, -1), box.upper.reshape(box.domains, -1)
    positive, negative = np.maximum(matrix, 0), np.minimum(matrix, 0)
    return low @ positive.T + high @ negative.T, high @ positive.T + low @ negative.T


@pytest.mark.parametrize(
    "layer",
    [
        Conv2D(weights=np.random.default_rng(2).normal(0, 1, (2, 2, 3, 3)), bias=np.zeros(2), stride=2, padding=1),
        AvgPool2D(3, stride=2, padding=1),
    ],
    ids=["conv", "avgpool"],
)
def test_convolution_and_average_pooling_intervals_are_their_exact_ranges(layer: Any) -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, (2, 2, 2, 5, 5))
    box = Box(np.minimum(a, b), np.maximum(a, b))
    out = rule_for(layer).interval(layer, box, Context(SOUND))
    linear = layer if not layer.parameters() else layer.with_parameters([layer.weights, np.zeros(2)])
    low, high = _exact_affine_range(lambda x: linear.forward(x)[0], box)
    bias = np.broadcast_to(layer.bias[:, None, None], out.shape).ravel() if layer.parameters() else 0
    np.testing.assert_allclose(out.lower.reshape(2, -1), low + bias, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.upper.reshape(2, -1), high + bias, rtol=1e-12, atol=1e-12)


def test_max_pooling_bounds_are_exact_images_and_exact_when_one_input_dominates() -> None:
    layer = MaxPool2D(2)
    lower = np.array([[[[0.0, 1.0], [2.0, 3.0]]], [[[0.0, 5.0], [1.0, 2.0]]]])  # window 2: input 1 dominates
    upper = lower + np.array([[[[4.0, 0.5], [0.5, 0.5]]], [[[0.5, 0.5], [0.5, 0.5]]]])
    box = Box(lower, upper)
    out = rule_for(layer).interval(layer, box, Context(SOUND))
    assert out.lower.ravel().tolist() == [3.0, 5.0] and out.upper.ravel().tolist() == [4.0, 5.5]
    network: Network[Any, Any] = Network((layer,))
    nodes = linear_bounds(network, box, rounding=SOUND)
    from verified_nn.bounds import spec_bounds

    spec = np.array([[[[1.0]]], [[[-1.0]]]])  # y and -y
    bounds = spec_bounds(network, nodes, spec).lower  # (2 domains, 2 rows)
    # Window 1: lower y >= x_3 >= 3 (the largest lower bound), upper y <= max u = 4: exactly the image.
    assert bounds[0, 0] == pytest.approx(3.0) and -bounds[0, 1] == pytest.approx(4.0)
    # Window 2 is dominated by input 1: y = x_1 exactly, in [5, 5.5].
    assert bounds[1, 0] == pytest.approx(5.0) and -bounds[1, 1] == pytest.approx(5.5)


def test_optimised_slopes_reach_the_triangle_relaxations_optimum_on_one_hidden_layer() -> None:
    """With exact pre-activation bounds, alpha-CROWN's best bound is the linear program of the convex hulls of
    the ReLUs (the triangle relaxation): optimising must come within 1e-3 of that LP's optimum."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(4)
    w1, b1 = rng.normal(0, 1, (8, 3)), rng.normal(0, 0.3, 8)
    w2, b2 = rng.normal(0, 1, (2, 8)), rng.normal(0, 0.3, 2)
    network: Network[Any, Any] = Network((Dense(weights=w1, bias=b1), ReLU(), Dense(weights=w2, bias=b2)))
    x = np.array([0.4, 0.5, 0.6])
    box = Box(np.clip(x - 0.3, 0, 1)[None], np.clip(x + 0.3, 0, 1)[None])
    nodes = linear_bounds(network, box, rounding=SOUND)
    row = np.array([1.0, -1.0])
    best = optimise_slopes(network, nodes, row[None], iterations=200, rate=0.05).lower[0, 0]
    # LP over (x, z, a): z = W1 x + b1, a >= 0, a >= z, a <= chord(z) on unstable neurons, a = relu(z) on stable.
    low, high = nodes.boxes[1].lower[0], nodes.boxes[1].upper[0]
    n = 8
    cost = np.concatenate([np.zeros(3), row @ w2])
    rows_ub: list[Array] = []
    limits_ub: list[float] = []
    rows_eq: list[Array] = []
    limits_eq: list[float] = []
    for k in range(n):
        z = np.concatenate([w1[k], np.zeros(n)])
        a = np.concatenate([np.zeros(3), np.eye(n)[k]])
        if low[k] >= 0:
            rows_eq.append(a - z)
            limits_eq.append(b1[k])
        elif high[k] <= 0:
            rows_eq.append(a)
            limits_eq.append(0.0)
        else:
            slope = high[k] / (high[k] - low[k])
            rows_ub += [-a, z - a, a - slope * z]
            limits_ub += [0.0, -b1[k], slope * (b1[k] - low[k])]
    result = linprog(
        cost,
        A_ub=np.array(rows_ub) if rows_ub else None,
        b_ub=np.array(limits_ub) if rows_ub else None,
        A_eq=np.array(rows_eq) if rows_eq else None,
        b_eq=np.array(limits_eq) if rows_eq else None,
        bounds=[*zip(box.lower[0], box.upper[0], strict=True), *[(None, None)] * n],
        method="highs",
    )
    optimum = result.fun + row @ b2
    assert best <= optimum + 1e-9 and optimum - best < 1e-3, (best, optimum)
