"""Convolution, pooling, flatten and reshape, for random shapes, kernels, strides and paddings: finite differences
in float64, adjointness of convolution and its transpose, translation equivariance away from borders, pooling
selecting the maximum and averaging, batch independence, and whole random CNNs through the gradient checker."""

from typing import Any

import numpy as np
from conv_strategies import ConvProblem, PoolProblem, conv_problems, pool_problems, seeds
from hypothesis import given, strategies as st

from verified_nn.layers import AvgPool2D, Conv2D, Dense, Flatten, Layer, MaxPool2D, Pool2D, ReLU, Reshape, Tanh
from verified_nn.network import Network
from verified_nn.verification import check_gradient, check_network_gradients

Array = np.ndarray[Any, Any]


def _with(
    layer: Conv2D[Any, Any], *, weights: Array | None = None, bias: Array | None = None, padding: Any = None
) -> Conv2D[Any, Any]:
    return Conv2D(
        weights=layer.weights if weights is None else weights,
        bias=layer.bias if bias is None else bias,
        stride=layer.stride,
        padding=layer.padding if padding is None else padding,
    )


def _windows(
    x: Array, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int], fill: float
) -> Array:
    """``(batch, c, out_h, out_w, kh, kw)``: each window of the padded input, cut out one position at a time."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=fill)
    oh = (xp.shape[2] - kernel[0]) // stride[0] + 1
    ow = (xp.shape[3] - kernel[1]) // stride[1] + 1
    found = np.zeros((*x.shape[:2], oh, ow, *kernel))
    for p in range(oh):
        for q in range(ow):
            found[:, :, p, q] = xp[
                :, :, p * stride[0] : p * stride[0] + kernel[0], q * stride[1] : q * stride[1] + kernel[1]
            ]
    return found


# Convolution.


@given(conv_problems())
def test_convolution_gradients_agree_with_finite_differences(problem: ConvProblem) -> None:
    """dx, dW and db are the gradients of <dy, conv(x; W, b)>, entry by entry, to a relative error below 1e-6."""
    layer, x, dy = problem.layer, problem.x, problem.dy
    dx, grads = layer.backward(dy, layer.forward(x)[1])

    def of_x(v: Array) -> float:
        return float(np.vdot(dy, layer.forward(v)[0]))

    def of_w(v: Array) -> float:
        return float(np.vdot(dy, _with(layer, weights=v).forward(x)[0]))

    def of_b(v: Array) -> float:
        return float(np.vdot(dy, _with(layer, bias=v).forward(x)[0]))

    for function, gradient, point in (
        (of_x, dx, x),
        (of_w, grads.weights, layer.weights),
        (of_b, grads.bias, layer.bias),
    ):
        report = check_gradient(function, gradient, point)
        assert report.passed and report.worst_relative_error < 1e-6, report.summary()


@given(conv_problems(), seeds)
def test_convolution_and_its_transpose_are_adjoint(problem: ConvProblem, seed: int) -> None:
    """<conv(x), y> = <x, conv^T(y)> with backward as the transpose; likewise in the weights: <conv_V(x), y> = <V, dW>."""
    layer, x, y = problem.layer, problem.x, problem.dy
    linear = _with(layer, bias=np.zeros_like(layer.bias))
    transposed, grads = linear.backward(y, linear.forward(x)[1])
    left, right = float(np.vdot(linear.forward(x)[0], y)), float(np.vdot(x, transposed))
    assert abs(left - right) <= 1e-10 * (1 + abs(left))
    v = np.random.default_rng(seed).standard_normal(layer.weights.shape)
    in_weights = float(np.vdot(_with(linear, weights=v).forward(x)[0], y))
    assert abs(in_weights - float(np.vdot(v, grads.weights))) <= 1e-10 * (1 + abs(in_weights))


@given(conv_problems(), st.integers(0, 2), st.integers(0, 2))
def test_convolution_is_translation_equivariant_away_from_borders(problem: ConvProblem, down: int, right: int) -> None:
    """Shifting an image by (down * sh, right * sw) pixels shifts the output by (down, right) positions.

    Without padding, every output sees only image pixels, so the two agree exactly where both exist.
    """
    layer = _with(problem.layer, padding=0)
    (kh, kw), (sh, sw), _ = layer.window()
    batch, channels, height, width = problem.x.shape
    big = problem.rng.standard_normal((batch, channels, max(height, kh) + sh * down, max(width, kw) + sw * right))
    whole = layer.forward(big)[0]
    shifted = layer.forward(big[:, :, sh * down :, sw * right :])[0]
    np.testing.assert_allclose(shifted, whole[:, :, down:, right:], rtol=1e-12, atol=1e-12)


@given(conv_problems())
def test_padding_is_a_border_of_zeros(problem: ConvProblem) -> None:
    """conv with padding p on x equals conv without padding on x surrounded by p zeros."""
    layer, x = problem.layer, problem.x
    _, _, (ph, pw) = layer.window()
    bordered = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    np.testing.assert_allclose(
        layer.forward(x)[0], _with(layer, padding=0).forward(bordered)[0], rtol=1e-12, atol=1e-12
    )


@given(conv_problems())
def test_convolution_treats_each_sample_alone(problem: ConvProblem) -> None:
    """Outputs and input gradients row by row equal the batch's; the batch's dW and db are the sums over samples."""
    layer, x, dy = problem.layer, problem.x, problem.dy
    y, cache = layer.forward(x)
    dx, grads = layer.backward(dy, cache)
    singles = [layer.backward(dy[i : i + 1], layer.forward(x[i : i + 1])[1]) for i in range(len(x))]
    for i, (dx_i, _) in enumerate(singles):
        np.testing.assert_allclose(layer.forward(x[i : i + 1])[0], y[i : i + 1], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dx_i, dx[i : i + 1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sum(g.weights for _, g in singles), grads.weights, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sum(g.bias for _, g in singles), grads.bias, rtol=1e-10, atol=1e-12)


@given(conv_problems(), st.floats(-4, 4))
def test_scaling_the_upstream_gradient_scales_every_convolution_gradient(problem: ConvProblem, scale: float) -> None:
    layer, x, dy = problem.layer, problem.x, problem.dy
    _, cache = layer.forward(x)
    dx, grads = layer.backward(dy, cache)
    scaled_dy: Array = scale * dy
    dx_scaled, grads_scaled = layer.backward(scaled_dy, cache)
    np.testing.assert_allclose(dx_scaled, scale * dx, atol=1e-12)
    np.testing.assert_allclose(grads_scaled.weights, scale * grads.weights, atol=1e-10)
    np.testing.assert_allclose(grads_scaled.bias, scale * grads.bias, atol=1e-10)


@given(conv_problems())
def test_float32_convolution_agrees_with_float64(problem: ConvProblem) -> None:
    layer, x = problem.layer, problem.x
    wide = layer.forward(x)[0]
    narrow = layer.astype(np.float32).forward(x.astype(np.float32))[0]
    assert narrow.dtype == np.float32
    np.testing.assert_allclose(narrow, wide, rtol=1e-4, atol=1e-4)


# Pooling.


@given(pool_problems(kind="max"))
def test_max_pooling_selects_the_maximum_of_each_window(problem: PoolProblem) -> None:
    """Each output is the largest input of its window (padding never wins), and the gradient goes to one input."""
    pool, x, dy = problem.layer, problem.x, problem.dy
    y, cache = pool.forward(x)
    windows = _windows(x, *pool.window(), fill=-np.inf)
    np.testing.assert_array_equal(y, windows.max(axis=(-2, -1)))
    assert np.isin(y, x).all()
    dx, _ = pool.backward(dy, cache)
    np.testing.assert_allclose(dx.sum(), dy.sum(), rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(dx != 0, np.isin(np.arange(x.size).reshape(x.shape), _winners(pool, x, dy)))


def _winners(pool: Pool2D[Any], x: Array, dy: Array) -> Array:
    """The flat indices of inputs that win a window whose upstream gradient is not zero (the first maximum)."""
    (kh, kw), (sh, sw), (ph, pw) = pool.window()
    index = np.arange(x.size, dtype=np.float64).reshape(x.shape)
    values = _windows(x, (kh, kw), (sh, sw), (ph, pw), fill=-np.inf)
    places = _windows(index, (kh, kw), (sh, sw), (ph, pw), fill=-1)
    flat_values = values.reshape(*values.shape[:4], -1)
    first = flat_values.argmax(axis=-1)
    chosen = np.take_along_axis(places.reshape(*places.shape[:4], -1), first[..., None], axis=-1)[..., 0]
    winners: Array = chosen[dy != 0].astype(np.int64)
    return winners


@given(pool_problems(kind="avg"))
def test_average_pooling_averages_each_window(problem: PoolProblem) -> None:
    """Each output is the mean of its window's kh * kw values, padding counted as zeros."""
    pool, x = problem.layer, problem.x
    y, _ = pool.forward(x)
    np.testing.assert_allclose(y, _windows(x, *pool.window(), fill=0.0).mean(axis=(-2, -1)), rtol=1e-12, atol=1e-12)


@given(pool_problems(kind="avg"), seeds)
def test_average_pooling_and_its_backward_are_adjoint(problem: PoolProblem, seed: int) -> None:
    pool, x, y = problem.layer, problem.x, problem.dy
    transposed, _ = pool.backward(y, pool.forward(x)[1])
    left, right = float(np.vdot(pool.forward(x)[0], y)), float(np.vdot(x, transposed))
    assert abs(left - right) <= 1e-10 * (1 + abs(left))


@given(pool_problems(distinct=True))
def test_pooling_gradients_agree_with_finite_differences(problem: PoolProblem) -> None:
    """With distinct inputs no step of the stencil moves a maximum: both poolings' dx match to 1e-6."""
    pool, x, dy = problem.layer, problem.x, problem.dy
    dx, _ = pool.backward(dy, pool.forward(x)[1])
    report = check_gradient(lambda v: float(np.vdot(dy, pool.forward(v)[0])), dx, x)
    assert report.passed and report.worst_relative_error < 1e-6, report.summary()


@given(pool_problems())
def test_pooling_treats_each_sample_and_channel_alone(problem: PoolProblem) -> None:
    pool, x, dy = problem.layer, problem.x, problem.dy
    y, cache = pool.forward(x)
    dx, _ = pool.backward(dy, cache)
    for i in range(x.shape[0]):
        for c in range(x.shape[1]):
            one = x[i : i + 1, c : c + 1]
            y_one, cache_one = pool.forward(one)
            np.testing.assert_array_equal(y_one, y[i : i + 1, c : c + 1])
            np.testing.assert_array_equal(
                pool.backward(dy[i : i + 1, c : c + 1], cache_one)[0], dx[i : i + 1, c : c + 1]
            )


# Flatten and reshape.


@given(conv_problems())
def test_flatten_and_reshape_undo_each_other_both_ways(problem: ConvProblem) -> None:
    x = problem.x
    shape = x.shape[1:]
    rows, flat_cache = Flatten().forward(x)
    images, reshape_cache = Reshape(shape).forward(rows)
    np.testing.assert_array_equal(images, x)
    back_rows, _ = Reshape(shape).backward(images, reshape_cache)
    np.testing.assert_array_equal(Flatten().backward(back_rows, flat_cache)[0], x)


# Whole networks.


@st.composite
def cnn_problems(draw: st.DrawFn) -> tuple[Network[Any, Any], Array, Array]:
    """Random small CNNs (convolutions of any stride and padding, pooling of either kind, ReLU or tanh), float64."""
    rng = np.random.default_rng(draw(seeds))
    channels, height, width = draw(st.integers(1, 2)), draw(st.integers(4, 9)), draw(st.integers(4, 9))
    layers: list[Layer[Any, Any]] = [Reshape((channels, height, width))]
    shape: tuple[int, ...] = (channels, height, width)
    for _ in range(draw(st.integers(1, 2))):
        kernel = (draw(st.integers(1, min(3, shape[1]))), draw(st.integers(1, min(3, shape[2]))))
        out = draw(st.integers(1, 3))
        conv = Conv2D.init(
            out,
            shape[0],
            kernel=kernel,
            stride=draw(st.integers(1, 2)),
            padding=draw(st.integers(0, 1)),
            rng=rng,
            dtype=np.float64,
        )
        layers += [
            conv.with_parameters([conv.weights, rng.normal(0, 0.1, out)]),
            draw(st.sampled_from([ReLU(), Tanh()])),
        ]
        shape = conv.output_shape(shape)
        if shape[1] >= 2 and shape[2] >= 2 and draw(st.booleans()):
            pool = draw(st.sampled_from([MaxPool2D(2), AvgPool2D(2), MaxPool2D(2, stride=1, padding=1)]))
            layers.append(pool)
            shape = pool.output_shape(shape)
    layers += [Flatten(), Dense.init(3, int(np.prod(shape)), rng=rng, dtype=np.float64)]
    batch = draw(st.integers(1, 3))
    images = rng.standard_normal((batch, channels * height * width))
    return Network(tuple(layers)), images, rng.integers(0, 3, size=batch)


@given(cnn_problems(), seeds)
def test_random_cnns_pass_the_gradient_checker(problem: tuple[Network[Any, Any], Array, Array], seed: int) -> None:
    network, images, labels = problem
    report = check_network_gradients(
        network, images, labels, rng=np.random.default_rng(seed), coordinates_per_block=4, directions=4
    )
    assert report.passed and report.worst_relative_error < 1e-6, report.summary()
