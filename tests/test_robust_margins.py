"""Worst-case logits with the last layer folded in: exact over the box, and the backward is the gradient."""

import itertools
from typing import Any

import numpy as np

from verified_nn.layers import Dense
from verified_nn.robust import interval_margins
from verified_nn.robust._margins import interval_margins_backward
from verified_nn.verification import check_gradient

Array = np.ndarray[Any, Any]


def test_the_margin_bounds_are_the_largest_margins_over_the_box(rng: np.random.Generator) -> None:
    last: Dense[Any, Any] = Dense(weights=rng.standard_normal((4, 3)), bias=rng.standard_normal(4))
    mu, r = rng.standard_normal((5, 3)), rng.random((5, 3))
    labels = np.array([0, 3, 3, 1, 2])
    worst, _ = interval_margins(last, mu, r, labels)
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=3)))
    for b, label in enumerate(labels):
        points: Any = mu[b] + signs * r[b]
        logits: Array = last.forward(points)[0]  # (8, 4): a margin is linear, its maximum is at a corner
        np.testing.assert_allclose(worst[b], (logits - logits[:, [label]]).max(axis=0), rtol=1e-12, atol=1e-12)
        assert worst[b, label] == 0


def test_the_margin_bounds_are_tighter_than_the_logit_boxes(rng: np.random.Generator) -> None:
    """Folding the last layer in never loses against subtracting the boxes of two logits."""
    last = Dense(weights=rng.standard_normal((6, 8)), bias=rng.standard_normal(6))
    mu, r = rng.standard_normal((10, 8)), rng.random((10, 8))
    labels = rng.integers(0, 6, size=10)
    worst, _ = interval_margins(last, mu, r, labels)
    center, radius = mu @ last.weights.T + last.bias, r @ np.abs(last.weights).T
    boxes = (center + radius) - (center - radius)[np.arange(10), labels][:, np.newaxis]
    assert (worst <= boxes + 1e-12).all() and (worst < boxes - 1e-6).any()


def test_the_margin_backward_is_the_gradient(rng: np.random.Generator) -> None:
    last = Dense(weights=rng.standard_normal((4, 5)), bias=rng.standard_normal(4))
    mu, r = rng.standard_normal((6, 5)), rng.random((6, 5))
    labels = np.array([0, 1, 1, 3, 2, 0])
    upstream = rng.standard_normal((6, 4))
    _, cache = interval_margins(last, mu, r, labels)
    d_mu, d_r, grads = interval_margins_backward(last, upstream, cache)

    def value(weights: Array = last.weights, bias: Array = last.bias, mu: Array = mu, r: Array = r) -> float:
        return float(np.vdot(upstream, interval_margins(Dense(weights=weights, bias=bias), mu, r, labels)[0]))

    assert check_gradient(lambda w: value(weights=w), grads.weights, last.weights).passed
    assert check_gradient(lambda b: value(bias=b), grads.bias, last.bias).passed
    assert check_gradient(lambda m: value(mu=m), d_mu, mu).passed
    assert check_gradient(lambda x: value(r=x), d_r, r).passed
