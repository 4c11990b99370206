"""Exact maps: Flatten and Reshape rearrange values, Dropout in evaluation passes them on.

Their image of a box is the box rearranged, back-substitution reshapes the coefficients, and they add no
rounding: an :class:`AffineRule` whose ``A`` is a permutation (the identity), with no products.
"""

from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Dropout, Flatten, Layer, Reshape

from ._affine import AffineRule
from ._box import Box
from ._rounding import Rounding
from ._rule import Context, LinearForm, Step, register_rule

Array: TypeAlias = np.ndarray[Any, Any]


class ReshapeRule(AffineRule):
    """An exact map that only rearranges values (Flatten, Reshape) or passes them on (Dropout in evaluation):
    its image of a box is the box rearranged, and it adds no rounding."""

    def _out(self, layer: Layer[Any, Any], x: Array) -> Array:
        result: Array = x.reshape(x.shape[0], *layer.output_shape(tuple(x.shape[1:])))
        return result

    def apply(self, layer: Layer[Any, Any], x: Array) -> Array:
        return self._out(layer, x)

    def apply_abs(self, layer: Layer[Any, Any], x: Array) -> Array:
        return self._out(layer, x)

    def transpose(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...]) -> Array:
        result: Array = lam.reshape(lam.shape[0], *shape)
        return result

    def transpose_abs(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...]) -> Array:
        return self.transpose(layer, lam, shape)

    def terms(self, layer: Layer[Any, Any]) -> int:
        return 0

    def transpose_terms(self, layer: Layer[Any, Any]) -> int:
        return 0

    def interval(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Box:
        return Box(self._out(layer, box.lower), self._out(layer, box.upper))

    def encode(
        self, layer: Layer[Any, Any], program: Any, inputs: Array, box: Box, out: Box, rounding: Rounding
    ) -> Array:
        return inputs.reshape(out.shape)  # the same variables, rearranged

    def train_interval(self, layer: Layer[Any, Any], mu: Array, r: Array, mode: Any) -> tuple[Array, Array, Any]:
        return self._out(layer, mu), self._out(layer, r), mu.shape

    def train_interval_backward(
        self, layer: Layer[Any, Any], d_mu: Array, d_r: Array, cache: Any, first: bool
    ) -> tuple[Array | None, Array | None, Layer[Any, Any]]:
        return d_mu.reshape(cache), d_r.reshape(cache), layer

    def linear(
        self, layer: Layer[Any, Any], form: LinearForm, box: Box, ctx: Context, slopes: Array | None
    ) -> tuple[LinearForm, Step]:
        lam = form.lam
        return form.replace(lam=lam.reshape(*lam.shape[:2], *box.shape)), _ReshapeStep(lam.shape[2:])


class _ReshapeStep(Step):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def witness(self, below: Array) -> Array:
        result: Array = below.reshape(*below.shape[:2], *self.shape)
        return result


RESHAPE = ReshapeRule()
for _kind in (Flatten, Reshape, Dropout):
    register_rule(_kind, RESHAPE)
