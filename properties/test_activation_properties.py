"""ReLU, leaky ReLU and tanh with their derivatives, including the kink (Lean: relu_gradient_almost_everywhere)."""

from typing import Any

import numpy as np
from hypothesis import given, strategies as st
from strategies import finite_arrays

from verified_nn.core import leaky_relu, leaky_relu_derivative, relu, relu_derivative, tanh, tanh_derivative
from verified_nn.verification import check_jacobian

Array = np.ndarray[Any, Any]
slopes = st.floats(0, 0.99)


@given(finite_arrays())
def test_relu_is_max_with_zero_and_its_derivative_is_the_indicator(x: Array) -> None:
    """relu(x) = max(x, 0) and relu'(x) = 1 where x > 0 else 0, same shape and dtype."""
    assert relu(x).dtype == x.dtype and relu(x).shape == x.shape
    np.testing.assert_array_equal(relu(x), np.where(x > 0, x, 0))
    np.testing.assert_array_equal(relu_derivative(x), (x > 0).astype(x.dtype))


@given(finite_arrays(), slopes)
def test_leaky_relu_and_derivative_follow_their_definition(x: Array, slope: float) -> None:
    """leaky(x) = x where x > 0 else slope * x; its derivative is 1 or slope."""
    np.testing.assert_allclose(leaky_relu(x, slope=slope), np.where(x > 0, x, x * slope), rtol=1e-6)
    expected = np.where(x > 0, 1.0, slope).astype(x.dtype)  # in x's precision, as the function computes
    np.testing.assert_array_equal(leaky_relu_derivative(x, slope=slope), expected)


@given(st.floats(-100, 100).filter(lambda v: abs(v) > 1e-3), slopes)
def test_derivatives_agree_with_finite_differences_away_from_the_kink(value: float, slope: float) -> None:
    """Away from 0 (where both are differentiable) the derivatives of ReLU and leaky ReLU match central
    differences; so does tanh's, everywhere."""
    x = np.array([value])
    assert check_jacobian(relu, np.diag(relu_derivative(x)), x, step=1e-5).passed
    assert check_jacobian(tanh, np.diag(tanh_derivative(x)), x, step=1e-5).passed
    report = check_jacobian(
        lambda v: leaky_relu(v, slope=slope), np.diag(leaky_relu_derivative(x, slope=slope)), x, step=1e-5
    )
    assert report.passed, report.summary()


@given(st.floats(1e-8, 1.0), slopes)
def test_value_at_the_kink_lies_between_the_one_sided_differences(h: float, slope: float) -> None:
    """At 0 the derivative we use lies between the left (0 or slope) and right (1) difference quotients."""
    zero = np.zeros(1)
    for function, derivative in (
        (relu, relu_derivative),
        (lambda v: leaky_relu(v, slope=slope), lambda v: leaky_relu_derivative(v, slope=slope)),
    ):
        left = float((function(zero) - function(-h * np.ones(1)))[0] / h)
        right = float((function(h * np.ones(1)) - function(zero))[0] / h)
        assert min(left, right) - 1e-12 <= float(derivative(zero)[0]) <= max(left, right) + 1e-12


@given(finite_arrays())
def test_relu_is_idempotent_and_non_negative(x: Array) -> None:
    """relu(relu(x)) = relu(x) >= 0."""
    once = relu(x)
    assert (once >= 0).all()
    np.testing.assert_array_equal(relu(once), once)


@given(finite_arrays())
def test_tanh_is_odd_bounded_and_its_derivative_is_one_minus_its_square(x: Array) -> None:
    """tanh(x) = numpy's tanh, odd, in [-1, 1]; tanh'(x) = 1 - tanh(x)^2 in [0, 1]; shape and dtype kept."""
    y, dy = tanh(x), tanh_derivative(x)
    assert y.dtype == dy.dtype == x.dtype and y.shape == dy.shape == x.shape
    np.testing.assert_array_equal(y, np.tanh(x))
    np.testing.assert_array_equal(tanh(-x), -y)
    assert (np.abs(y) <= 1).all() and (dy >= 0).all() and (dy <= 1).all()
    np.testing.assert_allclose(
        dy, 1 - np.tanh(x.astype(np.float64)) ** 2, atol=1e-6 if x.dtype == np.float32 else 1e-15
    )
