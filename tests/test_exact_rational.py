"""The exact pass in scaled integers agrees with ``fractions.Fraction`` arithmetic done independently."""

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from exact_cases import fraction_logits, random_case

from verified_nn.bounds import BoundsError, NotRationalError, Scaled, rule_for, scaled
from verified_nn.bounds._exact import dyadic
from verified_nn.exact import exact_classes, exact_logits
from verified_nn.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape, Tanh
from verified_nn.network import Network


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scaling_keeps_every_float_exactly(dtype: Any) -> None:
    info = np.finfo(dtype)
    values = np.array(
        [0.1, -0.0, 0.0, 1.0, -3.75, info.max, -info.max, info.tiny, info.smallest_subnormal, 1e-3], dtype=dtype
    )
    result = scaled(values)
    assert result.shift >= 0
    assert result.fractions() == [Fraction(float(v)) for v in values.tolist()]


def test_scaling_refuses_what_is_not_a_finite_float() -> None:
    with pytest.raises(BoundsError, match="finite float32 or float64"):
        scaled(np.array([1.0, np.inf]))
    with pytest.raises(BoundsError, match="finite float32 or float64"):
        scaled(np.array([1, 2]))


def test_dyadic_splits_a_float_into_integer_and_power_of_two() -> None:
    assert dyadic(0.75) == (3, 2)
    assert dyadic(5.0) == (5, 0)
    numerator, shift = dyadic(0.01)
    assert Fraction(numerator, 2**shift) == Fraction(0.01)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exact_logits_agree_with_fractions(dtype: Any) -> None:
    rng = np.random.default_rng(1)
    for _ in range(150):
        network, inputs = random_case(rng, dtype)
        assert exact_logits(network, inputs).fractions() == fraction_logits(network, inputs)


def test_exact_logits_of_a_wider_network_agree_with_fractions() -> None:
    rng = np.random.default_rng(2)
    network: Network[Any, Any] = Network(
        (
            Dense(weights=rng.normal(size=(7, 20)).astype(np.float32), bias=rng.normal(size=7).astype(np.float32)),
            ReLU(),
            Dense(weights=rng.normal(size=(3, 7)).astype(np.float32), bias=rng.normal(size=3).astype(np.float32)),
        )
    )
    inputs = rng.random((4, 20)).astype(np.float32)
    assert exact_logits(network, inputs).fractions() == fraction_logits(network, inputs)


def test_exact_classes_take_the_first_maximum_and_flag_ties() -> None:
    logits = Scaled(np.array([[1, 5, 5], [7, 2, 3], [-1, -1, -2]], dtype=object), 3)
    classes, ties = exact_classes(logits)
    assert classes.tolist() == [1, 0, 0]
    assert ties.tolist() == [True, False, True]


def test_tanh_is_not_rational_and_is_refused_by_the_integer_pass() -> None:
    with pytest.raises(NotRationalError, match=r"Tanh\(\) is not rational"):
        rule_for(Tanh()).exact(Tanh(), Scaled(np.array([[1]], dtype=object), 0))


def test_a_cnn_runs_exactly_through_its_own_layers() -> None:
    """Convolution (stride, padding), max and average pooling, reshapes: the exact pass agrees with Fractions
    computed from float64 forward passes of rational inputs chosen to be exact there."""
    rng = np.random.default_rng(3)
    layers = (
        Reshape((1, 4, 4)),
        Conv2D(weights=rng.integers(-3, 4, (2, 1, 2, 2)) / 4, bias=rng.integers(-3, 4, 2) / 8, stride=1, padding=1),
        ReLU(),
        MaxPool2D(2),
        AvgPool2D(2, stride=1, padding=1),
        Flatten(),
        Dense(weights=rng.integers(-3, 4, (3, 18)) / 2, bias=rng.integers(-3, 4, 3) / 4),
    )
    network: Network[Any, Any] = Network(layers)
    inputs = rng.integers(0, 8, (2, 16)) / 8  # small dyadic numbers: float64 computes this network exactly
    exact = exact_logits(network, inputs).fractions()
    assert exact == [[Fraction(v) for v in row] for row in network.logits(inputs).tolist()]


def test_with_shift_only_grows() -> None:
    value = Scaled(np.array([3], dtype=object), 2)
    assert value.with_shift(5).fractions() == value.fractions()
    with pytest.raises(ValueError, match="only grow"):
        value.with_shift(1)
