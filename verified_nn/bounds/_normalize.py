"""The rule of :class:`~verified_nn.layers.Normalize`, ``y = (x - shift) / scale`` elementwise.

Interval: each end maps to an end (swapped where ``scale < 0``), the subtraction and the division each
rounded outward. Back-substitution: ``lam . y = (lam / scale) . x - (lam / scale) . shift``, with the
rounding of ``lam / scale`` (relative ``u``, met by ``|x| + |shift|``) and of the sum in the error term.
The deployed layer rounds twice per value (``fl(fl(x - shift) / scale)``): at most ``gamma_2 |y|``, plus an
underflow of the difference divided by ``|scale|`` and one of the quotient. Exact encoding: ``y = x / scale
- shift / scale + e``, the bounded variable ``e`` holding the deployed rounding and the float64 rounding of
the two coefficients.
"""

from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Layer, Normalize

from ._box import Box
from ._program import Program
from ._rounding import Rounding, gamma
from ._rule import Context, LinearForm, Rule, Step, register_rule, rows_dot

Array: TypeAlias = np.ndarray[Any, Any]


def _constants(layer: Layer[Any, Any], shape: tuple[int, ...], dtype: Any) -> tuple[Array, Array]:
    assert isinstance(layer, Normalize)
    shift, scale = layer.constants(dtype)
    return np.broadcast_to(shift, shape), np.broadcast_to(scale, shape)


class NormalizeRule(Rule):
    """Intervals and linear bounds of ``(x - shift) / scale`` (module docstring)."""

    def _noise(self, layer: Layer[Any, Any], out: Box, ctx: Context) -> Array | None:
        if not ctx.rounding.noisy:
            return None
        _, scale = _constants(layer, out.shape, np.float64)
        absolute = 1 + 1 / float(np.abs(scale).min())
        noise: Array = ctx.remember("noise", lambda: ctx.rounding.kernel_noise(out.magnitude(), 2, absolute))
        return noise

    def _image(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Box:
        def make() -> Box:
            rounding = ctx.rounding
            shift, scale = _constants(layer, box.shape, rounding.dtype)
            below, above = rounding.down(box.lower - shift), rounding.up(box.upper - shift)
            positive = scale > 0  # a negative scale swaps the ends
            low = rounding.down(np.where(positive, below, above) / scale)
            high = rounding.up(np.where(positive, above, below) / scale)
            return Box(low, high)

        image: Box = ctx.remember("image", make)
        return image

    def interval(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Box:
        image = self._image(layer, box, ctx)
        noise = self._noise(layer, image, ctx)
        if noise is None:
            return image
        return Box(ctx.rounding.down(image.lower - noise), ctx.rounding.up(image.upper + noise))

    def linear(
        self, layer: Layer[Any, Any], form: LinearForm, box: Box, ctx: Context, slopes: Array | None
    ) -> tuple[LinearForm, Step]:
        rounding = ctx.rounding
        shift, scale = _constants(layer, box.shape, form.lam.dtype)
        lam = form.lam
        below = lam / scale  # (domains, rows, *shape)
        domains, rows = lam.shape[:2]
        const = form.const - rows_dot(below, shift)
        error, noise = form.error, form.noise
        if rounding.outward:
            count = int(np.prod(box.shape))
            reach = box.magnitude() + np.abs(shift)  # bounds |x - shift| over the box
            error = error + rows_dot(rounding.product_error(np.abs(below)), reach)
            error = error + rounding.sum_error(rows_dot(np.abs(below), np.abs(shift)) + np.abs(const), count)
        deployed = self._noise(layer, self._image(layer, box, ctx), ctx)
        if deployed is not None:
            count = int(np.prod(box.shape))
            noise = noise + rounding.up(rows_dot(np.abs(lam), deployed) * (1 + 4 * gamma(count, rounding.u)))
        del domains, rows
        return LinearForm(below, const, error, noise), _NormalizeStep(shift, scale, lam, deployed)

    def encode(
        self, layer: Layer[Any, Any], program: Any, inputs: Array, box: Box, out: Box, rounding: Rounding
    ) -> Array:
        assert isinstance(program, Program)
        shift, scale = _constants(layer, box.shape, np.float64)
        factor, offset = (1 / scale).ravel(), (-shift / scale).ravel()  # each rounded once (relative u)
        magnitude = box.magnitude()[0].ravel()
        slack = rounding.up(2 * rounding.u * (np.abs(factor) * magnitude + np.abs(offset)) + 4 * np.finfo(float).tiny)
        noise = self._noise(layer, self._image(layer, box, Context(rounding)), Context(rounding))
        if noise is not None:
            slack = rounding.up(slack + noise[0].ravel())
        outputs = program.variables(out.lower[0].ravel(), out.upper[0].ravel())
        errors = program.variables(-slack, slack)
        count = outputs.size
        rows = np.concatenate([np.arange(count)] * 3)
        columns = np.concatenate([outputs, inputs.ravel(), errors])
        values = np.concatenate([np.ones(count), -factor, -np.ones(count)])
        program.add_rows(rows, columns, values, offset, offset)  # y - x / scale - e = -shift / scale
        program.link(outputs, inputs.ravel(), factor)
        return outputs.reshape(out.shape)


class _NormalizeStep(Step):
    lam: Array

    def __init__(self, shift: Array, scale: Array, lam: Array, noise: Array | None) -> None:
        self.shift, self.scale, self.lam, self.noise = shift, scale, lam, noise

    def witness(self, below: Array) -> Array:
        above: Array = (below - self.shift) / self.scale
        if self.noise is not None:
            above = above - np.sign(self.lam) * self.noise[:, np.newaxis]
        return above


NORMALIZE = NormalizeRule()
register_rule(Normalize, NORMALIZE)
