"""Conv2D: construction and its checks, initialisation, forward against an explicit loop, backward, model-file settings."""

from typing import Any, Literal

import numpy as np
import pytest
from autodiff import Node, conv2d

from verified_nn.core import Dim, InvalidArgumentError, ShapeError
from verified_nn.layers import Conv2D, layer_config, layer_from_config
from verified_nn.network import check_same_structure


def _reference(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: tuple[int, int], padding: tuple[int, int]
) -> np.ndarray:
    """y[n, o, p, q] = b[o] + sum over c, i, j of w[o, c, i, j] x_pad[n, c, p sh + i, q sw + j], one output at a time."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    kh, kw = w.shape[2:]
    oh = (xp.shape[2] - kh) // stride[0] + 1
    ow = (xp.shape[3] - kw) // stride[1] + 1
    y = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            for p in range(oh):
                for q in range(ow):
                    window = xp[n, :, p * stride[0] : p * stride[0] + kh, q * stride[1] : q * stride[1] + kw]
                    y[n, o, p, q] = b[o] + np.sum(window * w[o])
    return y


def _layer(seed: int = 0, **settings: Any) -> Conv2D[Any, Any]:
    rng = np.random.default_rng(seed)
    return Conv2D(weights=rng.standard_normal((3, 2, 3, 2)), bias=rng.standard_normal(3), **settings)


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), ((1, 2), (2, 0)), ((3, 1), (0, 1))])
def test_forward_is_the_cross_correlation_plus_bias(stride: Any, padding: Any) -> None:
    layer = _layer(stride=stride, padding=padding)
    x = np.random.default_rng(1).standard_normal((2, 2, 7, 6))
    y, _ = layer.forward(x)
    np.testing.assert_allclose(y, _reference(x, layer.weights, layer.bias, layer.stride, layer.padding), atol=1e-12)  # type: ignore[arg-type]


def test_settings_are_kept_as_pairs() -> None:
    layer = _layer(stride=2, padding=(1, 0))
    assert (layer.stride, layer.padding, layer.kernel) == ((2, 2), (1, 0), (3, 2))


@pytest.mark.parametrize("stride", [1, 2])  # the two ways of forming dx
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_outputs_and_gradients_keep_the_layers_dtype(dtype: type, stride: int) -> None:
    layer = Conv2D.init(4, 2, kernel=3, padding=1, stride=stride, rng=np.random.default_rng(0), dtype=dtype)
    x = np.random.default_rng(1).random((3, 2, 5, 5))  # float64 input: computed in the layer's dtype
    y, cache = layer.forward(x)
    side = (5 + 2 * 1 - 3) // stride + 1
    assert y.dtype == dtype and y.shape == (3, 4, side, side)
    dx, grads = layer.backward(np.ones(y.shape, dtype=dtype), cache)
    assert dx.dtype == dtype and dx.shape == x.shape
    assert grads.weights.dtype == dtype and grads.bias.dtype == dtype


def test_backward_gives_the_sums_that_define_the_gradients() -> None:
    layer = _layer(stride=(2, 1), padding=1)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 2, 6, 5))
    y, cache = layer.forward(x)
    dy = rng.standard_normal(y.shape)
    dx, grads = layer.backward(dy, cache)
    np.testing.assert_allclose(grads.bias, dy.sum(axis=(0, 2, 3)), atol=1e-12)
    # dW[o, c, i, j] = <dy[:, o], the input seen by (c, i, j)>: the same sums through the reference.
    for o, c, i, j in [(0, 0, 0, 0), (2, 1, 2, 1), (1, 0, 1, 1)]:
        basis = np.zeros_like(layer.weights)
        basis[o, c, i, j] = 1.0
        seen = _reference(x, basis, np.zeros(3), (2, 1), (1, 1))
        assert grads.weights[o, c, i, j] == pytest.approx(float(np.vdot(dy, seen)), abs=1e-12)
    assert dx.shape == x.shape
    np.testing.assert_allclose(layer.parameter_gradients(dy, cache).weights, grads.weights, atol=0)
    assert grads.window() == layer.window()
    check_same_structure(layer, grads)


@pytest.mark.parametrize(
    ("kernel", "stride", "padding"),
    [
        ((3, 3), (1, 1), (1, 1)),  # dx as a convolution of dy with the turned kernel
        ((3, 2), (1, 1), (0, 1)),
        ((2, 3), (1, 1), (2, 0)),  # padding as large as the kernel: col2im
        ((3, 2), (1, 1), (0, 2)),
        ((3, 3), (1, 2), (1, 1)),  # stride above 1: col2im
        ((2, 2), (2, 1), (0, 1)),
        ((1, 1), (3, 3), (2, 2)),
    ],
)
def test_the_input_gradient_agrees_with_a_loop_over_output_positions(
    kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]
) -> None:
    rng = np.random.default_rng(4)
    layer: Conv2D[Any, Any] = Conv2D(
        weights=rng.standard_normal((3, 2, *kernel)), bias=rng.standard_normal(3), stride=stride, padding=padding
    )
    x = rng.standard_normal((2, 2, 6, 7))
    node = conv2d(Node(x), Node(layer.weights), Node(layer.bias), stride, padding)
    y, cache = layer.forward(x)
    np.testing.assert_allclose(y, node.value, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    dx, grads = layer.backward(dy, cache)
    (_, back_x), (_, back_w), _ = node.parents
    np.testing.assert_allclose(dx, back_x(dy), atol=1e-12)
    np.testing.assert_allclose(grads.weights, back_w(dy), atol=1e-12)


def test_init_draws_he_or_glorot_weights_and_zero_biases() -> None:
    he = Conv2D.init(64, 32, kernel=5, rng=np.random.default_rng(0))
    glorot = Conv2D.init(64, 32, kernel=5, rng=np.random.default_rng(0), scheme="glorot")
    assert he.weights.shape == (64, 32, 5, 5) and he.weights.dtype == np.float32
    assert not he.bias.any()
    assert he.weights.std() == pytest.approx(np.sqrt(2 / 800), rel=0.05)
    assert glorot.weights.std() == pytest.approx(np.sqrt(2 / (800 + 1600)), rel=0.05)
    again = Conv2D.init(64, 32, kernel=5, rng=np.random.default_rng(0), dtype=np.float64)
    np.testing.assert_allclose(again.weights, he.weights, rtol=1e-6)


def test_init_with_dims_reads_the_sizes_from_the_types() -> None:
    layer = Conv2D.init(Dim[Literal[8]](), Dim[Literal[3]](), kernel=(3, 1), stride=2, rng=np.random.default_rng(0))
    assert layer.weights.shape == (8, 3, 3, 1) and layer.stride == (2, 2)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"kernel": 0}, r"Conv2D.init: kernel must be an int >= 1 or two of them, got 0"),
        ({"kernel": 3, "stride": 0}, r"Conv2D.init: stride must be an int >= 1 or two of them, got 0"),
        ({"kernel": 3, "padding": (1, -1)}, r"Conv2D.init: padding must be an int >= 0 or two of them, got \(1, -1\)"),
        ({"kernel": 3, "scheme": "lecun"}, r"scheme must be one of he, glorot, got 'lecun'"),
        ({"kernel": 3, "dtype": np.float16}, r"dtype must be float32 or float64, got float16"),
    ],
)
def test_init_refuses_bad_settings_by_name(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        Conv2D.init(4, 2, rng=np.random.default_rng(0), **arguments)


def test_init_refuses_a_channel_count_below_one() -> None:
    with pytest.raises(InvalidArgumentError, match=r"out must be a size >= 1"):
        Conv2D.init(0, 2, kernel=3, rng=np.random.default_rng(0))


def test_construction_refuses_arrays_that_do_not_fit_naming_them() -> None:
    with pytest.raises(
        ShapeError, match=r"^Conv2D: argument 'weights' expected float\[out, in, kh, kw\], got float64\[3,2\]$"
    ):
        Conv2D(weights=np.zeros((3, 2)), bias=np.zeros(3))  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=r"argument 'weights' expected float\[out, in, kh, kw\], got int64\[1,1,1,1\]"):
        Conv2D(weights=np.zeros((1, 1, 1, 1), dtype=np.int64), bias=np.zeros(1))  # type: ignore[shape]
    with pytest.raises(
        ShapeError,
        match=r"^Conv2D: argument 'bias' expected float64\[3\] \(out=3 from weights: float64\[3,2,3,3\]\), got float64\[2\]$",
    ):
        Conv2D(weights=np.zeros((3, 2, 3, 3)), bias=np.zeros(2))  # type: ignore[shape]
    with pytest.raises(ShapeError, match=r"argument 'bias' expected float32\[3\]"):
        Conv2D(weights=np.zeros((3, 2, 3, 3), dtype=np.float32), bias=np.zeros(3))
    with pytest.raises(ShapeError, match=r"weights must have no empty axis, got float64\[3,0,3,3\]"):
        Conv2D(weights=np.zeros((3, 0, 3, 3)), bias=np.zeros(3))
    with pytest.raises(
        InvalidArgumentError, match=r"^Conv2D: stride must be an int >= 1 or two of them, got \(1, 0\)$"
    ):
        Conv2D(weights=np.zeros((3, 2, 3, 3)), bias=np.zeros(3), stride=(1, 0))


def test_the_layer_keeps_read_only_copies_of_its_arrays() -> None:
    weights, bias = np.asfortranarray(np.ones((2, 1, 2, 2))), np.zeros(2)
    layer: Conv2D[Any, Any] = Conv2D(weights=weights, bias=bias)
    weights[:] = 5.0
    bias[:] = 5.0
    assert layer.weights.max() == 1.0 and layer.bias.max() == 0.0
    assert layer.weights.flags.c_contiguous  # row-major whatever it was given: reshaping it to (out, in*kh*kw) is free
    with pytest.raises(ValueError, match="read-only"):
        layer.weights[0, 0, 0, 0] = 3.0
    with pytest.raises(ValueError, match="read-only"):
        layer.bias[0] = 3.0


def test_forward_refuses_inputs_of_the_wrong_channels_rank_or_dtype() -> None:
    layer = _layer()
    with pytest.raises(
        ShapeError,
        match=r"^Conv2D.forward: argument 'x' expected float\[batch, 2, height, width\], got float64\[4,3,8,8\]$",
    ):
        layer.forward(np.zeros((4, 3, 8, 8)))
    with pytest.raises(ShapeError, match=r"expected float\[batch, 2, height, width\], got float64\[4,128\]"):
        layer.forward(np.zeros((4, 128)))  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=r"got int64\[4,2,8,8\]"):
        layer.forward(np.zeros((4, 2, 8, 8), dtype=np.int64))


def test_forward_refuses_an_input_the_kernel_does_not_fit_naming_the_sizes() -> None:
    layer = _layer()  # a 3x2 kernel
    with pytest.raises(
        ShapeError,
        match=r"^Conv2D.forward \(Conv2D\(2 -> 3, 3x2, stride 1, padding 0, float64\)\): the 3x2 kernel does not fit "
        r"the 2x9 input: height \(h \+ 2p - k\) // s \+ 1 = \(2 \+ 2\*0 - 3\) // 1 \+ 1 = 0, needs >= 1$",
    ):
        layer.forward(np.zeros((1, 2, 2, 9)))
    assert _layer(padding=1).forward(np.zeros((1, 2, 2, 9)))[0].shape == (1, 3, 2, 10)


def test_backward_refuses_an_upstream_gradient_of_another_shape_or_dtype() -> None:
    layer = _layer()
    _, cache = layer.forward(np.zeros((2, 2, 5, 5)))
    with pytest.raises(
        ShapeError, match=r"^Conv2D.backward: argument 'dy' expected float64\[2,3,3,4\], got float64\[2,3,4,4\]$"
    ):
        layer.backward(np.zeros((2, 3, 4, 4)), cache)
    with pytest.raises(ShapeError, match=r"expected float64\[2,3,3,4\], got float32\[2,3,3,4\]"):
        layer.parameter_gradients(np.zeros((2, 3, 3, 4), dtype=np.float32), cache)


def test_output_shape_follows_the_arithmetic_and_names_a_misfit() -> None:
    layer = _layer(stride=2, padding=1)
    assert layer.output_shape((2, 28, 28)) == (3, 14, 15)
    with pytest.raises(
        ShapeError,
        match=r"^Conv2D\(2 -> 3, 3x2, stride 2, padding 1, float64\) takes inputs of shape \(2, height, width\), got \(1, 28, 28\)$",
    ):
        layer.output_shape((1, 28, 28))
    with pytest.raises(ShapeError, match=r"takes inputs of shape \(2, height, width\), got \(784,\)"):
        layer.output_shape((784,))
    with pytest.raises(ShapeError, match=r"the 3x2 kernel does not fit the 0x4 input"):
        layer.output_shape((2, 0, 4))


def test_the_settings_and_arrays_make_the_same_layer_again() -> None:
    layer = _layer(stride=(2, 1), padding=(0, 1))
    config = layer_config(layer)
    assert config == {"kind": "conv2d", "in": 2, "out": 3, "kernel": [3, 2], "stride": [2, 1], "padding": [0, 1]}
    again = layer_from_config(config, dict(zip(layer.parameter_names(), layer.parameters(), strict=True)))
    assert again == layer and again is not layer


def test_from_config_refuses_missing_arrays_or_settings_that_disagree() -> None:
    layer = _layer()
    arrays = {"weight": layer.weights, "bias": layer.bias}
    config = layer.config()
    with pytest.raises(ShapeError, match=r"expected arrays weight and bias, missing \['bias'\], extra \['beta'\]"):
        Conv2D.from_config(config, {"weight": layer.weights, "beta": layer.bias})
    with pytest.raises(ShapeError, match=r"expected arrays weight and bias, missing \['bias'\], extra \[\]"):
        Conv2D.from_config(config, {"weight": layer.weights})
    with pytest.raises(InvalidArgumentError, match=r"expected the settings in, out, kernel, stride and padding"):
        Conv2D.from_config({"in": 2, "out": 3}, arrays)
    with pytest.raises(ShapeError, match=r"conv2d layer: recorded as .*'in': 5.*, the arrays are Conv2D\(2 -> 3"):
        Conv2D.from_config({**config, "in": 5}, arrays)


def test_equality_compares_settings_and_every_value() -> None:
    assert _layer() == _layer()
    assert _layer() != _layer(seed=1)
    assert _layer() != _layer(stride=2)
    assert _layer() != _layer(padding=1)
    assert _layer().astype(np.float32) != _layer()
    assert _layer().__eq__(object()) is NotImplemented


def test_with_parameters_and_astype_keep_the_settings() -> None:
    layer = _layer(stride=2, padding=1)
    half = layer.with_parameters([layer.weights / 2, layer.bias])
    assert (half.stride, half.padding) == ((2, 2), (1, 1))
    np.testing.assert_array_equal(half.weights, layer.weights / 2)
    assert layer.astype(np.float32).weights.dtype == np.float32


def test_repr_names_channels_kernel_stride_padding_and_dtype() -> None:
    assert repr(_layer(stride=(2, 1), padding=1)) == "Conv2D(2 -> 3, 3x2, stride 2,1, padding 1, float64)"
