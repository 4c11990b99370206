"""Dense layers ``y = x W^T + b`` as affine maps: the primitives of :class:`AffineRule`, ``A = W`` ``(out, in)``.

Each output sums ``in`` products, each entry of ``A^T lam`` sums ``out``; the weights are kept per dtype
(and in absolute value) on the layer, so repeated passes do not convert them again.
"""

from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Dense, Layer

from ._affine import AffineRule
from ._cast import cached
from ._rule import register_rule

Array: TypeAlias = np.ndarray[Any, Any]


class DenseRule(AffineRule):
    """``y = x W^T + b``: ``A = W`` ``(out, in)``."""

    def _weights(self, layer: Layer[Any, Any], dtype: Any) -> Array:
        assert isinstance(layer, Dense)
        value: Array = cached(layer, "weights", dtype, lambda: np.asarray(layer.weights, dtype=dtype))
        return value

    def _abs_weights(self, layer: Layer[Any, Any], dtype: Any) -> Array:
        value: Array = cached(layer, "abs_weights", dtype, lambda: np.abs(self._weights(layer, dtype)))
        return value

    def apply(self, layer: Layer[Any, Any], x: Array) -> Array:
        result: Array = x @ self._weights(layer, x.dtype).T
        return result

    def apply_abs(self, layer: Layer[Any, Any], x: Array) -> Array:
        result: Array = x @ self._abs_weights(layer, x.dtype).T
        return result

    def transpose(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...]) -> Array:
        result: Array = lam @ self._weights(layer, lam.dtype)
        return result

    def transpose_abs(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...]) -> Array:
        result: Array = lam @ self._abs_weights(layer, lam.dtype)
        return result

    def bias(self, layer: Layer[Any, Any], dtype: Any) -> Array | None:
        assert isinstance(layer, Dense)
        value: Array = cached(layer, "bias", dtype, lambda: np.asarray(layer.bias, dtype=dtype))
        return value

    def terms(self, layer: Layer[Any, Any]) -> int:
        assert isinstance(layer, Dense)
        return int(layer.weights.shape[1])

    def transpose_terms(self, layer: Layer[Any, Any]) -> int:
        assert isinstance(layer, Dense)
        return int(layer.weights.shape[0])

    def matrix(self, layer: Layer[Any, Any], shape: tuple[int, ...]) -> Array:
        return self._weights(layer, np.float64)


register_rule(Dense, DenseRule())
