"""The dense layer: linearity, the matmul gradients, and the adjoint test (Lean: matvec_gradient_wrt_*,
vadd_gradient_correct, smul_gradient_correct, layer_composition_gradient_correct)."""

from typing import Any

import numpy as np
from hypothesis import given, strategies as st
from strategies import dense_problems, float_dtypes, seeds

from verified_nn.layers import Dense
from verified_nn.verification import check_gradient

Array = np.ndarray[Any, Any]
Problem = tuple[Array, Array, Array, Array]


def _layer(w: Array, b: Array) -> Dense[Any, Any]:
    return Dense(weights=w, bias=b)


def dense_forward(layer: Dense[Any, Any], x: Array) -> tuple[Array, Array]:
    return layer.forward(x)


def dense_backward(layer: Dense[Any, Any], dy: Array, cache: Array) -> tuple[Array, Array, Array]:
    """``(dx, dW, db)`` from the layer's backward."""
    dx, grads = layer.backward(dy, cache)
    return dx, grads.weights, grads.bias


@given(dense_problems(), seeds, st.floats(-3, 3), st.floats(-3, 3))
def test_dense_layer_is_affine_in_its_input(problem: Problem, seed: int, alpha: float, beta: float) -> None:
    """f(a x1 + b x2) - bias = a (f(x1) - bias) + b (f(x2) - bias): the layer is linear plus a bias."""
    w, b, x1, _ = problem
    x2: Array = np.asarray(np.random.default_rng(seed).standard_normal(size=x1.shape))
    layer = _layer(w, b)
    mixed: Array = alpha * x1 + beta * x2
    combined = dense_forward(layer, mixed)[0] - b
    parts = alpha * (dense_forward(layer, x1)[0] - b) + beta * (dense_forward(layer, x2)[0] - b)
    np.testing.assert_allclose(combined, parts, atol=1e-10)


@given(dense_problems())
def test_backward_returns_the_matmul_gradients(problem: Problem) -> None:
    """dx = dy W, dW = dy^T x, db = sum over the batch of dy, with the shapes of x, W and b."""
    w, b, x, dy = problem
    layer = _layer(w, b)
    _, cache = dense_forward(layer, x)
    dx, dw, db = dense_backward(layer, dy, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    np.testing.assert_allclose(dx, dy @ w, atol=1e-12)
    np.testing.assert_allclose(dw, dy.T @ x, atol=1e-12)
    np.testing.assert_allclose(db, dy.sum(axis=0), atol=1e-12)


@given(dense_problems())
def test_backward_agrees_with_finite_differences_for_input_weights_and_bias(problem: Problem) -> None:
    """Each of dx, dW, db is the gradient of <dy, f(x; W, b)>, checked entry by entry."""
    w, b, x, dy = problem
    layer = _layer(w, b)
    _, cache = dense_forward(layer, x)
    dx, dw, db = dense_backward(layer, dy, cache)

    def of_x(v: Array) -> float:
        return float(np.vdot(dy, dense_forward(_layer(w, b), v)[0]))

    def of_w(v: Array) -> float:
        return float(np.vdot(dy, dense_forward(_layer(v, b), x)[0]))

    def of_b(v: Array) -> float:
        return float(np.vdot(dy, dense_forward(_layer(w, v), x)[0]))

    for function, gradient, point in ((of_x, dx, x), (of_w, dw, w), (of_b, db, b)):
        report = check_gradient(function, gradient, point)
        assert report.passed, report.summary()


@given(dense_problems(), seeds)
def test_adjoint_identity_holds(problem: Problem, seed: int) -> None:
    """<dy, J dx> = <J^T dy, dx>: the backward map is the adjoint of the forward's linear part."""
    w, b, x, dy = problem
    direction: Array = np.asarray(np.random.default_rng(seed).standard_normal(size=x.shape))
    layer = _layer(w, b)
    _, cache = dense_forward(layer, x)
    back, _, _ = dense_backward(layer, dy, cache)
    forward_linear = dense_forward(_layer(w, np.zeros_like(b)), direction)[0]
    left, right = float(np.vdot(dy, forward_linear)), float(np.vdot(back, direction))
    assert abs(left - right) <= 1e-10 * (1 + abs(right))


@given(dense_problems(), st.floats(-4, 4))
def test_scaling_the_upstream_gradient_scales_every_gradient(problem: Problem, scale: float) -> None:
    """Backward is linear in dy: scaling dy by c scales dx, dW and db by c (smul_gradient_correct)."""
    w, b, x, dy = problem
    layer = _layer(w, b)
    _, cache = dense_forward(layer, x)
    plain = dense_backward(layer, dy, cache)
    scaled_dy: Array = scale * dy
    scaled = dense_backward(layer, scaled_dy, cache)
    for one, other in zip(plain, scaled, strict=True):
        np.testing.assert_allclose(other, scale * one, atol=1e-12)


@given(dense_problems(), float_dtypes)
def test_parameter_gradients_equal_those_of_backward_in_the_layer_dtype(problem: Problem, dtype: Any) -> None:
    """parameter_gradients (the first layer's shortcut) gives backward's dW and db; a float64 input to a
    layer of another dtype is computed in the layer's dtype, and so are all gradients."""
    w, b, x, dy = problem
    layer = _layer(w.astype(dtype), b.astype(dtype))
    y, cache = layer.forward(x)
    assert y.dtype == dtype and cache.dtype == dtype
    dx, grads = layer.backward(dy.astype(dtype), cache)
    shortcut = layer.parameter_gradients(dy.astype(dtype), cache)
    assert dx.dtype == grads.weights.dtype == grads.bias.dtype == dtype
    np.testing.assert_array_equal(shortcut.weights, grads.weights)
    np.testing.assert_array_equal(shortcut.bias, grads.bias)
