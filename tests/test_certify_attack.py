"""The projected-gradient attack: the margin's gradient by the network's own backward pass, checked by finite
differences, and
counterexamples that are inside the ball and confirmed by the deployed forward pass."""

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from certify_networks import dense_network, tiny_network

from verified_nn.certify import AttackConfig, confirmed, linf_ball, margin_and_gradient, pgd_attack
from verified_nn.layers import Dense
from verified_nn.network import Network
from verified_nn.verification import check_gradient

Array = np.ndarray[Any, Any]


@pytest.mark.parametrize("slope", [0.0, 0.2])
def test_the_margin_gradient_agrees_with_finite_differences(slope: float) -> None:
    network = tiny_network(seed=2, widths=(5, 8, 6, 4), slope=slope)
    rng = np.random.default_rng(2)
    for _ in range(5):
        x = rng.random(5)
        _margins, gradient = margin_and_gradient(network, x[np.newaxis, :], label=1)
        report = check_gradient(
            lambda v: float(margin_and_gradient(network, v[np.newaxis, :], 1)[0][0]), gradient[0], x
        )
        assert report.passed, report.summary()


def test_the_gradient_check_catches_a_backward_pass_that_skips_the_activation() -> None:
    network = tiny_network(seed=2, widths=(5, 8, 6, 4))
    x = np.random.default_rng(7).random(5)
    _, gradient = margin_and_gradient(network, x[np.newaxis, :], label=1)
    dense = [layer for layer in network.layers if isinstance(layer, Dense)]
    linear = dense_network([d.weights for d in dense], [d.bias for d in dense], (0.999999, 0.999999))
    _, wrong = margin_and_gradient(linear, x[np.newaxis, :], label=1)  # as if every neuron were active
    report = check_gradient(lambda v: float(margin_and_gradient(network, v[np.newaxis, :], 1)[0][0]), wrong[0], x)
    assert not report.passed and not np.allclose(gradient, wrong)


def _two_class_network(dtype: Any = np.float32) -> Network[Any, Any]:
    # z_0 - z_1 = 1 - (x_0 + x_1): class 0 at the origin, class 1 once x_0 + x_1 > 1.
    w = np.array([[0.0, 0.0], [1.0, 1.0]], dtype=dtype)
    return dense_network([w], [np.array([1.0, 0.0], dtype=dtype)], ())


def test_the_attack_finds_a_counterexample_that_the_deployed_network_confirms() -> None:
    network = _two_class_network()
    ball = linf_ball(np.array([0.4, 0.45], dtype=np.float32), Fraction(1, 10))
    result = pgd_attack(network, ball, 0, seed=0)
    assert result.example is not None and result.example.dtype == np.float32
    assert ball.contains(result.example) and result.predicted == 1
    assert int(network.predict(result.example[np.newaxis, :])[0]) == 1 and result.best_margin <= 0


def test_the_attack_finds_nothing_where_the_ball_is_robust_and_is_deterministic() -> None:
    network = _two_class_network()
    ball = linf_ball(np.array([0.2, 0.3], dtype=np.float32), Fraction(1, 10))
    first = pgd_attack(network, ball, 0, config=AttackConfig(restarts=4, steps=10), seed=3)
    again = pgd_attack(network, ball, 0, config=AttackConfig(restarts=4, steps=10), seed=3)
    assert first.example is None and first.best_margin == again.best_margin
    assert first.best_margin == pytest.approx(0.3, abs=1e-6)  # reached the corner (0.3, 0.4)


def test_confirmation_refuses_points_outside_the_ball_of_the_wrong_dtype_or_of_the_right_class() -> None:
    network = _two_class_network()
    ball = linf_ball(np.array([0.4, 0.45], dtype=np.float32), Fraction(1, 10))
    assert confirmed(network, ball, ball.inner_upper, 0) == 1
    assert confirmed(network, ball, np.array([0.5, 0.55], dtype=np.float32), 0) is None  # float32(0.55) > 0.45 + 1/10
    assert confirmed(network, ball, np.array([0.9, 0.9], dtype=np.float32), 0) is None  # outside
    assert confirmed(network, ball, ball.inner_upper.astype(np.float64), 0) is None  # not the model's dtype
    assert confirmed(network, ball, np.array([0.4, 0.45], dtype=np.float32), 0) is None  # still class 0
