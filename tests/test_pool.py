"""MaxPool2D and AvgPool2D: settings and their checks, forward against explicit windows, backward, model files."""

from typing import Any

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.layers import AvgPool2D, MaxPool2D, layer_config, layer_from_config

Pool = MaxPool2D[Any] | AvgPool2D[Any]


def _windows(x: np.ndarray, pool: Pool, fill: float) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Every window of the padded input, ``(batch, c, out_h, out_w, kh * kw)``, and the offsets of their corners."""
    (kh, kw), (sh, sw), (ph, pw) = pool.window()
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    found = np.zeros((*x.shape[:2], oh, ow, kh * kw))
    corners = []
    for p in range(oh):
        for q in range(ow):
            found[:, :, p, q] = xp[:, :, p * sh : p * sh + kh, q * sw : q * sw + kw].reshape(*x.shape[:2], -1)
            corners.append((p, q, p * sh - ph, q * sw - pw))
    return found, corners


SETTINGS = [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 0)), (3, 1, 0), ((1, 2), None, (0, 1))]


@pytest.mark.parametrize(("kernel", "stride", "padding"), SETTINGS)
def test_max_pooling_takes_the_largest_value_of_each_window(kernel: Any, stride: Any, padding: Any) -> None:
    pool: MaxPool2D[Any] = MaxPool2D(kernel, stride=stride, padding=padding)
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    y, _ = pool.forward(x)
    windows, _ = _windows(x, pool, -np.inf)
    np.testing.assert_array_equal(y, windows.max(axis=-1))


@pytest.mark.parametrize(("kernel", "stride", "padding"), SETTINGS)
def test_average_pooling_takes_the_mean_counting_padding_as_zeros(kernel: Any, stride: Any, padding: Any) -> None:
    pool: AvgPool2D[Any] = AvgPool2D(kernel, stride=stride, padding=padding)
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 8))
    y, _ = pool.forward(x)
    windows, _ = _windows(x, pool, 0.0)
    np.testing.assert_allclose(y, windows.mean(axis=-1), atol=1e-12)


@pytest.mark.parametrize(("kernel", "stride", "padding"), SETTINGS)
def test_max_pooling_sends_each_gradient_to_the_first_maximum_of_its_window(
    kernel: Any, stride: Any, padding: Any
) -> None:
    pool: MaxPool2D[Any] = MaxPool2D(kernel, stride=stride, padding=padding)
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, size=(2, 2, 7, 8)).astype(np.float64)  # many ties: the first maximum wins
    y, cache = pool.forward(x)
    dy = rng.standard_normal(y.shape)
    dx, same = pool.backward(dy, cache)
    assert same is pool
    expected = np.zeros_like(x)
    windows, corners = _windows(x, pool, -np.inf)
    kw = pool.window()[0][1]
    for p, q, top, left in corners:
        first = windows[:, :, p, q].argmax(axis=-1)  # numpy's argmax: the first maximum
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                expected[n, c, top + first[n, c] // kw, left + first[n, c] % kw] += dy[n, c, p, q]
    np.testing.assert_allclose(dx, expected, atol=1e-12)


@pytest.mark.parametrize(("kernel", "stride", "padding"), SETTINGS)
def test_average_pooling_spreads_each_gradient_over_its_window(kernel: Any, stride: Any, padding: Any) -> None:
    pool: AvgPool2D[Any] = AvgPool2D(kernel, stride=stride, padding=padding)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2, 7, 8))
    y, cache = pool.forward(x)
    dy = rng.standard_normal(y.shape)
    dx, _ = pool.backward(dy, cache)
    (kh, kw), _, (ph, pw) = pool.window()
    expected = np.zeros((2, 2, 7 + 2 * ph, 8 + 2 * pw))
    _, corners = _windows(x, pool, 0.0)
    for p, q, top, left in corners:
        expected[:, :, top + ph : top + ph + kh, left + pw : left + pw + kw] += dy[:, :, p, q, None, None] / (kh * kw)
    np.testing.assert_allclose(dx, expected[:, :, ph : ph + 7, pw : pw + 8], atol=1e-12)


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pooling_keeps_the_inputs_dtype(cls: type[Pool], dtype: type) -> None:
    pool = cls(2)
    x: np.ndarray[Any, Any] = np.ones((1, 2, 4, 4), dtype=dtype)
    y, cache = pool.forward(x)
    assert y.dtype == dtype and y.shape == (1, 2, 2, 2)
    assert pool.backward(np.ones(y.shape, dtype=dtype), cache)[0].dtype == dtype


def test_settings_default_to_windows_side_by_side() -> None:
    assert MaxPool2D(2).window() == ((2, 2), (2, 2), (0, 0))
    assert AvgPool2D((3, 2), stride=1, padding=(1, 0)).window() == ((3, 2), (1, 1), (1, 0))
    assert MaxPool2D(2).overlapping() is False and MaxPool2D(3, stride=2).overlapping() is True


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_settings_are_checked_by_name(cls: type[Pool]) -> None:
    name = cls.__name__
    with pytest.raises(InvalidArgumentError, match=rf"^{name}: kernel must be an int >= 1 or two of them, got 0$"):
        cls(0)
    with pytest.raises(InvalidArgumentError, match=rf"^{name}: stride must be an int >= 1 or two of them, got 0$"):
        cls(2, stride=0)
    with pytest.raises(InvalidArgumentError, match=rf"^{name}: padding 2 must be less than the kernel 2x2$"):
        cls(2, padding=2)
    with pytest.raises(InvalidArgumentError, match=r"padding 0,3 must be less than the kernel 2x3"):
        cls((2, 3), padding=(0, 3))
    assert cls((2, 3), padding=(1, 2)).window()[2] == (1, 2)


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_forward_refuses_what_is_not_an_image_batch_or_too_small(cls: type[Pool]) -> None:
    pool = cls(3, stride=2)
    name = cls.__name__
    with pytest.raises(
        ShapeError,
        match=rf"^{name}.forward: argument 'x' expected float\[batch, channels, height, width\], got float64\[2,784\]$",
    ):
        pool.forward(np.zeros((2, 784)))  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=r"got int64\[1,1,5,5\]"):
        pool.forward(np.zeros((1, 1, 5, 5), dtype=np.int64))
    with pytest.raises(
        ShapeError,
        match=rf"^{name}.forward \({name}\(3x3, stride 2, padding 0\)\): the 3x3 kernel does not fit the 2x5 input: "
        r"height \(h \+ 2p - k\) // s \+ 1 = \(2 \+ 2\*0 - 3\) // 2 \+ 1 = 0, needs >= 1$",
    ):
        pool.forward(np.zeros((1, 1, 2, 5)))


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_backward_refuses_an_upstream_gradient_of_another_shape_or_dtype(cls: type[Pool]) -> None:
    pool = cls(2)
    _, cache = pool.forward(np.zeros((2, 3, 6, 6)))
    with pytest.raises(
        ShapeError,
        match=rf"^{cls.__name__}.backward: argument 'dy' expected float64\[2,3,3,3\], got float64\[2,3,6,6\]$",
    ):
        pool.backward(np.zeros((2, 3, 6, 6)), cache)
    with pytest.raises(ShapeError, match=r"expected float64\[2,3,3,3\], got float32\[2,3,3,3\]"):
        pool.backward(np.zeros((2, 3, 3, 3), dtype=np.float32), cache)


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_output_shape_keeps_the_channels_and_names_a_misfit(cls: type[Pool]) -> None:
    pool = cls(2)
    assert pool.output_shape((32, 28, 28)) == (32, 14, 14)
    assert pool.output_shape((3, 7, 5)) == (3, 3, 2)
    with pytest.raises(
        ShapeError,
        match=rf"^{cls.__name__}\(2x2, stride 2, padding 0\) takes inputs of shape \(channels, height, width\), got \(784,\)$",
    ):
        pool.output_shape((784,))
    with pytest.raises(ShapeError, match=r"the 2x2 kernel does not fit the 1x4 input"):
        pool.output_shape((3, 1, 4))


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_the_settings_make_the_same_pooling_again(cls: type[Pool]) -> None:
    pool = cls((3, 2), stride=(2, 1), padding=(1, 0))
    config = layer_config(pool)
    assert config == {"kind": cls.kind, "kernel": [3, 2], "stride": [2, 1], "padding": [1, 0]}
    assert layer_from_config(config, {}) == pool
    assert pool.parameters() == () and pool.with_parameters([]) is pool
    assert repr(pool) == f"{cls.__name__}(3x2, stride 2,1, padding 1,0)"


def test_max_pooling_of_a_nan_window_is_nan() -> None:
    x: np.ndarray[Any, Any] = np.array([[[[np.nan, 1.0], [2.0, 3.0]]]])
    assert np.isnan(MaxPool2D(2).forward(x)[0]).all()
