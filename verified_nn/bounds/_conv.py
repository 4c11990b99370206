"""Convolutions and average pooling as affine maps: the primitives of :class:`AffineRule` for each.

``Conv2D``: ``A x`` is the layer's own forward pass with a zero bias (on a copy in the bounds' dtype),
``|A| x`` the same with ``|W|``, and ``A^T lam`` the transposed convolution (``col2im`` of ``W2^T lam``);
each output sums ``in * kh * kw`` products. ``AvgPool2D``: ``A`` averages each window (padding counts as
zeros), ``|A| = A``, ``A^T`` is the layer's own backward pass; the deployed layer sums ``kh * kw`` values
and divides once.
"""

import math
from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import AvgPool2D, Conv2D, Layer
from verified_nn.layers._window import batch_last, col2im

from ._affine import AffineRule
from ._cast import cached
from ._rule import register_rule

Array: TypeAlias = np.ndarray[Any, Any]


class ConvRule(AffineRule):
    """``y = W * x + b`` (cross-correlation), weights ``(out, in, kh, kw)``."""

    def _copy(self, layer: Layer[Any, Any], dtype: Any, *, absolute: bool) -> Conv2D[Any, Any]:
        assert isinstance(layer, Conv2D)
        _, stride, padding = layer.window()

        def make() -> Conv2D[Any, Any]:
            weights = np.asarray(layer.weights, dtype=dtype)
            return Conv2D.trusted(
                np.abs(weights) if absolute else weights, np.zeros(weights.shape[0], dtype), stride, padding
            )

        copy: Conv2D[Any, Any] = cached(layer, "abs" if absolute else "linear", dtype, make)
        return copy

    def apply(self, layer: Layer[Any, Any], x: Array) -> Array:
        result: Array = self._copy(layer, x.dtype, absolute=False).forward(x)[0]
        return result

    def apply_abs(self, layer: Layer[Any, Any], x: Array) -> Array:
        result: Array = self._copy(layer, x.dtype, absolute=True).forward(x)[0]
        return result

    def transpose(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...]) -> Array:
        return self._transpose(layer, lam, shape, absolute=False)

    def transpose_abs(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...]) -> Array:
        return self._transpose(layer, lam, shape, absolute=True)

    def _transpose(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...], *, absolute: bool) -> Array:
        copy = self._copy(layer, lam.dtype, absolute=absolute)
        kernel, stride, padding = copy.window()
        out_channels = copy.weights.shape[0]
        flat = batch_last(lam).reshape(out_channels, -1)  # (out, oh * ow * n)
        cols = copy.weights.reshape(out_channels, -1).T @ flat  # (in * kh * kw, oh * ow * n)
        result: Array = col2im(cols, (lam.shape[0], *shape), kernel, stride, padding, (lam.shape[2], lam.shape[3]))
        return result

    def bias(self, layer: Layer[Any, Any], dtype: Any) -> Array | None:
        assert isinstance(layer, Conv2D)
        value: Array = cached(
            layer, "bias", dtype, lambda: np.asarray(layer.bias, dtype=dtype)[:, np.newaxis, np.newaxis]
        )
        return value

    def terms(self, layer: Layer[Any, Any]) -> int:
        assert isinstance(layer, Conv2D)
        return int(math.prod(layer.weights.shape[1:]))

    def transpose_terms(self, layer: Layer[Any, Any]) -> int:
        assert isinstance(layer, Conv2D)
        kernel, stride, _ = layer.window()
        return int(layer.weights.shape[0] * math.ceil(kernel[0] / stride[0]) * math.ceil(kernel[1] / stride[1]))


class AvgPoolRule(AffineRule):
    """The mean of each window: a fixed affine map with non-negative weights and no bias."""

    def apply(self, layer: Layer[Any, Any], x: Array) -> Array:
        result: Array = layer.forward(x)[0]
        return result

    def apply_abs(self, layer: Layer[Any, Any], x: Array) -> Array:
        return self.apply(layer, x)

    def transpose(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...]) -> Array:
        _, cache = layer.forward(np.zeros((lam.shape[0], *shape), dtype=lam.dtype))
        result: Array = layer.backward(np.ascontiguousarray(lam), cache)[0]
        return result

    def transpose_abs(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...]) -> Array:
        return self.transpose(layer, lam, shape)

    def terms(self, layer: Layer[Any, Any]) -> int:
        assert isinstance(layer, AvgPool2D)
        kernel, _, _ = layer.window()
        return kernel[0] * kernel[1]

    def exact(self, layer: Layer[Any, Any], values: Any) -> Any:
        """The layer's own pass on exact fractions (it divides by ``k * k``), then the division as a shift: exact
        and dyadic when the area is a power of two."""
        from fractions import Fraction

        from ._exact import NotRationalError, Scaled, own_forward

        area = self.terms(layer)
        if area & (area - 1):
            raise NotRationalError(f"{layer!r} divides by {area}, not a power of two: its exact values are not dyadic")
        means = own_forward(layer, np.vectorize(Fraction, otypes=[object])(values.values))
        totals = np.vectorize(lambda v: int(v * area), otypes=[object])(means)  # exact: the window sums
        return Scaled(totals, values.shift + area.bit_length() - 1)

    def transpose_terms(self, layer: Layer[Any, Any]) -> int:
        assert isinstance(layer, AvgPool2D)
        kernel, stride, _ = layer.window()
        return math.ceil(kernel[0] / stride[0]) * math.ceil(kernel[1] / stride[1])


CONV = ConvRule()
AVG_POOL = AvgPoolRule()
register_rule(Conv2D, CONV)
register_rule(AvgPool2D, AVG_POOL)
