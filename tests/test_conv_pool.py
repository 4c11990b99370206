"""A convolution, 2x2 max pooling and ReLU fused: the three layers' values to the last bit, and their gradients."""

from typing import Any

import numpy as np
import pytest

from verified_nn.core import ShapeError
from verified_nn.layers import (
    AvgPool2D,
    Conv2D,
    LeakyReLU,
    MaxPool2D,
    ReLU,
    _conv_pool as conv_pool,
    _window as window_module,
)

Array = np.ndarray[Any, Any]


def _layers(
    rng: np.random.Generator, dtype: Any, channels: tuple[int, int] = (5, 3), **window: Any
) -> tuple[Conv2D[Any, Any], MaxPool2D, ReLU]:
    out, inputs = channels
    conv = Conv2D.init(out, inputs, kernel=window.pop("kernel", 3), rng=rng, dtype=dtype, **window)
    conv = conv.with_parameters([conv.weights, rng.normal(0, 0.1, out).astype(dtype)])
    return conv, MaxPool2D(2), ReLU()


def _sequential(layers: tuple[Any, ...], x: Array, dy: Array, *, inputs: bool) -> tuple[Array, Array | None, Any]:
    conv, pool, relu = layers
    y1, c1 = conv.forward(x)
    y2, c2 = pool.forward(y1)
    y3, c3 = relu.forward(y2)
    d2, _ = relu.backward(dy, c3)
    d1, _ = pool.backward(d2, c2)
    if inputs:
        dx, grads = conv.backward(d1, c1)
        return y3, dx, grads
    return y3, None, conv.parameter_gradients(d1, c1)


CASES = [  # (input shape, convolution): 5 outputs of 3 channels' windows, in the convolution's own order
    ((2, 3, 8, 6), {"padding": 1}),
    ((3, 3, 7, 9), {"padding": 1}),  # odd output: the last row and column lie in no window
    ((2, 3, 9, 9), {"kernel": 2, "stride": 2, "padding": 1}),
    ((1, 3, 12, 5), {"kernel": (3, 1), "stride": (1, 2), "padding": (0, 1)}),
    # 12 outputs of 1 channel's 3x3 windows: fewer inputs per output than outputs, products in phase order
    ((2, 1, 8, 6), {"padding": 1, "channels": (12, 1)}),
    ((3, 1, 7, 9), {"padding": 1, "channels": (12, 1)}),
    ((2, 1, 9, 9), {"kernel": 2, "stride": 2, "padding": 1, "channels": (12, 1)}),
]


@pytest.mark.parametrize(("shape", "window"), CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("inputs", [True, False])
@pytest.mark.parametrize("budget", [1, 10**9])  # two conv rows per block, and all rows in one block
def test_the_fused_block_gives_the_three_layers_values_and_gradients(
    shape: tuple[int, ...],
    window: dict[str, Any],
    dtype: Any,
    inputs: bool,
    budget: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(window_module, "ROW_BLOCK_BYTES", budget)
    rng = np.random.default_rng(len(shape) + shape[2])
    layers = _layers(rng, dtype, **dict(window))
    assert conv_pool._phased(layers[0]) == (layers[0].weights.shape[0] == 12)
    x: Array = rng.standard_normal(shape).astype(dtype)
    y, cache = conv_pool.forward(layers[0], x)
    dy: Array = rng.standard_normal(tuple(y.shape)).astype(dtype)
    dx, grads = conv_pool.backward(layers[0], dy, cache, inputs=inputs)
    expected_y, expected_dx, expected = _sequential(layers, x, dy, inputs=inputs)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    assert y.dtype == dtype and (dx is None) == (not inputs)
    if not conv_pool._phased(layers[0]):  # the convolution's own products: the same bits
        assert np.array_equal(y, expected_y)
        assert dx is None or np.array_equal(dx, np.asarray(expected_dx))
    else:  # products of other shapes, which some BLAS kernels (OPENBLAS_CORETYPE=Haswell) round differently
        assert np.linalg.norm(y - expected_y) <= tolerance * np.linalg.norm(expected_y)
        assert dx is None or np.linalg.norm(dx - np.asarray(expected_dx)) <= tolerance * np.linalg.norm(np.asarray(expected_dx))
    if inputs:  # the convolution's own backward pass, on the same routed gradient: the same bits
        assert np.array_equal(grads.weights, expected.weights) and np.array_equal(grads.bias, expected.bias)
    else:  # the same sums, taken in the order of the pooling phases: equal up to rounding
        for mine, theirs in ((grads.weights, expected.weights), (grads.bias, expected.bias)):
            assert np.linalg.norm(mine - theirs) <= tolerance * np.linalg.norm(theirs)


def test_ties_send_the_gradient_to_the_first_maximum_and_a_non_positive_maximum_sends_none() -> None:
    # A 1x1 convolution with weight 1 and bias 0 passes the image through: windows with ties and negatives.
    conv = Conv2D(weights=np.ones((1, 1, 1, 1)), bias=np.zeros(1))
    image = np.array([[2.0, 2.0, -1.0, -3.0], [1.0, 2.0, -2.0, -1.0], [0.0, 0.0, 5.0, 1.0], [0.0, -1.0, 1.0, 5.0]])
    y, cache = conv_pool.forward(conv, image.reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(y.reshape(2, 2), [[2.0, 0.0], [0.0, 5.0]])
    dx, _ = conv_pool.backward(conv, np.ones((1, 1, 2, 2)), cache, inputs=True)
    assert dx is not None
    np.testing.assert_array_equal(
        dx.reshape(4, 4), [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    )


def test_only_a_convolution_then_side_by_side_2x2_max_pooling_then_relu_is_fused() -> None:
    rng = np.random.default_rng(0)
    conv, pool, relu = _layers(rng, np.float32, padding=1)

    class Marked(Conv2D[Any, Any]):
        """A subclass may compute something else (a planted bug, say): it runs as itself."""

    assert conv_pool.fusable((conv, pool, relu))
    for layers in (
        (conv, pool),
        (conv, relu, pool),
        (conv, MaxPool2D(2, stride=1), relu),
        (conv, MaxPool2D(3), relu),
        (conv, MaxPool2D(2, padding=1), relu),
        (conv, AvgPool2D(2), relu),
        (conv, pool, LeakyReLU()),
        (Marked(weights=conv.weights, bias=conv.bias, padding=1), pool, relu),
    ):
        assert not conv_pool.fusable(layers), layers


def test_an_input_of_the_wrong_channels_is_refused_as_by_the_convolution() -> None:
    conv, _, _ = _layers(np.random.default_rng(1), np.float32)
    with pytest.raises(ShapeError, match=r"^Conv2D.forward: argument 'x' expected float\[batch, 3, height, width\]"):
        conv_pool.forward(conv, np.zeros((2, 4, 6, 6), dtype=np.float32))
