"""Affine layers ``y = A x + b``: one generic rule built on four primitives of the map ``A``.

A subclass of :class:`AffineRule` says how to apply ``A``, ``|A|`` and ``A^T`` to a batch and what the bias
and the number of products per output are; the rule derives the rest:

- interval: ``mu' = A mu + b``, ``r' = |A| r`` (exact for a box, up to rounding);
- back-substitution: ``lam . (A x + b) = (A^T lam) . x + lam . b``;
- outward rounding: the float64 products round, by at most ``gamma_n |A| |x|`` (Higham, Lemma 3.1);
- the deployed layer's rounding (``_deployed.py``), a noise ``|e| <= f |A| |x| + k`` per output, which
  enters the interval as extra radius (``|x|`` at its largest) and the back-substitution as a line in ``|x|``
  (charged at the bound's own worst input).
Dense (``_dense.py``), Conv2D and AvgPool2D (``_conv.py``) are such maps; Flatten, Reshape and Dropout (in
evaluation) are exact ones (``_reshape.py``).
"""

import abc
from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Layer

from . import _deployed as deployed
from ._affine_step import AffineStep
from ._box import Box
from ._deployed import LinearNoise
from ._program import Program, chunked_matrix
from ._rounding import Rounding, gamma, smallest_normal
from ._rule import Context, LinearForm, Rule, Step, rows_dot

Array: TypeAlias = np.ndarray[Any, Any]


class AffineRule(Rule):
    """The rule of a layer ``y = A x + b``; subclasses give the primitives."""

    @abc.abstractmethod
    def apply(self, layer: Layer[Any, Any], x: Array) -> Array:
        """``A x`` for a batch ``x`` ``(n, *in)``, in ``x``'s dtype: ``(n, *out)``."""

    @abc.abstractmethod
    def apply_abs(self, layer: Layer[Any, Any], x: Array) -> Array:
        """``|A| x`` for a batch ``x`` ``(n, *in)``: ``(n, *out)``."""

    @abc.abstractmethod
    def transpose(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...]) -> Array:
        """``A^T lam`` for a batch ``lam`` ``(n, *out)``: ``(n, *shape)``, ``shape`` the input's per-sample shape."""

    @abc.abstractmethod
    def transpose_abs(self, layer: Layer[Any, Any], lam: Array, shape: tuple[int, ...]) -> Array:
        """``|A|^T lam`` for a batch ``lam`` ``(n, *out)``: ``(n, *shape)`` (for the deployed rounding's bound)."""

    def bias(self, layer: Layer[Any, Any], dtype: Any) -> Array | None:
        """``b``, broadcastable to one sample's output shape (None: no bias)."""
        return None

    @abc.abstractmethod
    def terms(self, layer: Layer[Any, Any]) -> int:
        """Products summed into one output (0 for an exact map such as a reshape)."""

    @abc.abstractmethod
    def transpose_terms(self, layer: Layer[Any, Any]) -> int:
        """Products summed into one entry of ``A^T lam``."""

    # Derived quantities, remembered per layer and box.

    def _image(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> tuple[Array, Array, Array]:
        """``(center, radius, products)`` of the real layer over the box, ``(domains, *out)`` each:
        ``A mu + b``, ``|A| r`` widened by its own float rounding (when outward), and ``|A| |x|``."""

        def make() -> tuple[Array, Array, Array]:
            rounding = ctx.rounding
            mu, r = box.center_radius(rounding)
            center = self.apply(layer, mu)
            bias = self.bias(layer, mu.dtype)
            if bias is not None:
                center = center + bias
            radius = self.apply_abs(layer, r)
            products = self.apply_abs(layer, np.abs(mu) + r) if rounding.outward else radius
            if rounding.outward:
                # center and radius each sum `terms` products (and the bias): both within |A| (|mu| + r) + |b|.
                absolute = products + np.abs(bias) if bias is not None else products
                radius = rounding.up(radius + rounding.sum_error(absolute, self.terms(layer)))
            return center, radius, products

        image: tuple[Array, Array, Array] = ctx.remember("image", make)
        return image

    def _noise(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Array | None:
        """The deployed layer's rounding per output, ``(domains, *out)`` (None for the real network)."""
        if not ctx.rounding.noisy or self.terms(layer) == 0:
            return None

        def make() -> Array:
            center, radius, products = self._image(layer, box, ctx)
            output = ctx.rounding.up(np.abs(center) + radius)
            return ctx.rounding.dot_noise(products, self.terms(layer), output)

        noise: Array = ctx.remember("noise", make)
        return noise

    # The rule.

    def interval(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Box:
        rounding = ctx.rounding
        center, radius, _ = self._image(layer, box, ctx)
        noise = self._noise(layer, box, ctx)
        if noise is not None:
            radius = rounding.up(radius + noise)
        return Box(rounding.down(center - radius), rounding.up(center + radius))

    def linear(
        self, layer: Layer[Any, Any], form: LinearForm, box: Box, ctx: Context, slopes: Array | None
    ) -> tuple[LinearForm, Step]:
        rounding = ctx.rounding
        lam = form.lam
        domains, rows = lam.shape[:2]
        below = self.transpose(layer, lam.reshape(domains * rows, *lam.shape[2:]), box.shape)
        below = below.reshape(domains, rows, *below.shape[1:])
        bias = self.bias(layer, lam.dtype)
        out_shape = lam.shape[2:]
        const, error, noise = form.const, form.error, form.noise
        if bias is not None:
            full = np.broadcast_to(bias, out_shape)
            const = const + rows_dot(lam, full)
        if rounding.outward:
            magnitude = box.magnitude()
            absolute = np.abs(lam)
            # A^T lam rounds by gamma_t |lam| |A| entrywise, met by |x| <= magnitude; lam . b by its own sum.
            # |A| |x| depends on the box only: remembered, as every pass through the layer needs it.
            spread = ctx.remember("spread", lambda: self.apply_abs(layer, magnitude))  # (domains, *out)
            t = self.transpose_terms(layer)
            error = error + rounding.sum_error(rows_dot(absolute, spread), t)
            error = error + 2 * t * smallest_normal(rounding.dtype) * magnitude.reshape(domains, 1, -1).sum(axis=2)
            if bias is not None:
                error = error + rounding.sum_error(
                    rows_dot(absolute, np.abs(full)) + np.abs(const), int(np.prod(out_shape))
                )
            layer_noise = self._noise(layer, box, ctx)
            if layer_noise is not None and ctx.joint and np.isfinite(layer_noise).all():
                below, extra, more, linear = self._linear_noise(layer, absolute, below, box, ctx)
                noise, error = noise + extra, error + more
                return LinearForm(below, const, error, noise), self._step(layer, bias, lam, None, linear=linear)
            if layer_noise is not None:
                count = int(np.prod(out_shape))
                noise = noise + rounding.up(rows_dot(absolute, layer_noise) * (1 + 4 * gamma(count, rounding.u)))
        step = self._step(layer, bias, lam, self._noise(layer, box, ctx))
        return LinearForm(below, const, error, noise), step

    def _linear_noise(
        self, layer: Layer[Any, Any], absolute: Array, below: Array, box: Box, ctx: Context
    ) -> tuple[Array, Array, Array, LinearNoise]:
        """The deployed layer's rounding as a linear lower bound in its input (``deployed.linear_noise``): the
        new coefficients, the noise and error to add, and what the step needs to run it forward."""
        rounding = ctx.rounding
        domains, rows = absolute.shape[:2]
        weight = self.transpose_abs(layer, absolute.reshape(domains * rows, *absolute.shape[2:]), box.shape)
        weight = weight.reshape(domains, rows, *weight.shape[1:])
        s, t, straddles = ctx.remember("abs_line", lambda: deployed.abs_line(box, rounding))
        noise = LinearNoise(self._factor(layer, box, ctx), s, t, self._offset(layer, box, ctx))
        below, extra, error = deployed.linear_noise(
            absolute, below, weight, noise, straddles, box, rounding, transpose_terms=self.transpose_terms(layer)
        )
        return below, extra, error, noise

    def _offset(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Array:
        """``(domains, *out)``: ``deployed.offset`` with ``M >= |A x + b|`` over the box."""

        def make() -> Array:
            center, radius, _ = self._image(layer, box, ctx)
            return deployed.offset(ctx.rounding.up(np.abs(center) + radius), self.terms(layer), ctx.rounding)

        offset: Array = ctx.remember("offset", make)
        return offset

    def _factor(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Array:
        """``(domains,)``: ``deployed.factor`` of this layer over the box."""
        factor: Array = ctx.remember("factor", lambda: deployed.factor(box, self.terms(layer), ctx.rounding))
        return factor

    def _step(
        self,
        layer: Layer[Any, Any],
        bias: Array | None,
        lam: Array,
        noise: Array | None,
        *,
        linear: LinearNoise | None = None,
    ) -> AffineStep:
        """The step that runs this back-substitution forward again (for the bound's gradient)."""
        apply, apply_abs = (lambda x: self.apply(layer, x)), (lambda x: self.apply_abs(layer, x))
        return AffineStep(layer, apply, apply_abs, bias, lam, noise, linear=linear)

    # Certified training: the layer's own forward and backward passes, on the centre with the layer and on the
    # radius with its magnitude (|W|, no bias).

    def magnitude(self, layer: Layer[Any, Any]) -> Layer[Any, Any]:
        """The layer computing ``|A| x`` (its first parameter, the weights, in absolute value; no bias)."""
        arrays = layer.parameters()
        if not arrays:
            return layer
        return layer.with_parameters([np.abs(arrays[0]), *(np.zeros_like(a) for a in arrays[1:])])

    def train_interval(self, layer: Layer[Any, Any], mu: Array, r: Array, mode: Any) -> tuple[Array, Array, Any]:
        magnitude = self.magnitude(layer)
        center, center_cache = layer.forward(mu, mode=mode)
        radius, radius_cache = magnitude.forward(r, mode=mode)
        return center, radius, (magnitude, center_cache, radius_cache)

    def train_interval_backward(
        self, layer: Layer[Any, Any], d_mu: Array, d_r: Array, cache: Any, first: bool
    ) -> tuple[Array | None, Array | None, Layer[Any, Any]]:
        magnitude, center_cache, radius_cache = cache
        arrays = layer.parameters()
        if not arrays:
            return layer.backward(d_mu, center_cache)[0], magnitude.backward(d_r, radius_cache)[0], layer
        d_center: Array | None = None
        d_radius: Array | None = None
        if first:
            grads = layer.parameter_gradients(d_mu, center_cache)
            spread = magnitude.parameter_gradients(d_r, radius_cache)
        else:
            d_center, grads = layer.backward(d_mu, center_cache)
            d_radius, spread = magnitude.backward(d_r, radius_cache)
        # d|W| / dW = sign(W) (0 at W = 0, a subgradient); the magnitude's bias is 0, not a parameter.
        weights = grads.parameters()[0] + np.sign(arrays[0]) * spread.parameters()[0]
        return d_center, d_radius, grads.with_parameters([weights, *grads.parameters()[1:]])

    def matrix(self, layer: Layer[Any, Any], shape: tuple[int, ...]) -> Array:
        """``A`` as a dense float64 ``(out, in)`` matrix for inputs of per-sample ``shape`` (for exact programs)."""
        return chunked_matrix(lambda x: self.apply(layer, x), shape)

    def encode(
        self, layer: Layer[Any, Any], program: Any, inputs: Array, box: Box, out: Box, rounding: Rounding
    ) -> Array:
        assert isinstance(program, Program)
        outputs = program.variables(out.lower[0], out.upper[0])
        matrix = self.matrix(layer, box.shape)
        bias = self.bias(layer, np.float64)
        offset = np.broadcast_to(bias, out.shape).ravel() if bias is not None else np.zeros(outputs.size)
        noise = self._noise(layer, box, Context(rounding)) if self.terms(layer) else None
        rows, columns = np.nonzero(matrix)
        count = outputs.size
        row = [np.arange(count), rows]
        column = [outputs.ravel(), inputs.ravel()[columns]]
        value = [np.ones(count), -matrix[rows, columns]]
        if noise is not None:  # z = A x + b + e with |e| <= the deployed layer's rounding
            errors = program.variables(-noise[0], noise[0])
            row.append(np.arange(count))
            column.append(errors.ravel())
            value.append(-np.ones(count))
        program.add_rows(np.concatenate(row), np.concatenate(column), np.concatenate(value), offset, offset)
        program.link(outputs.ravel()[rows], inputs.ravel()[columns], matrix[rows, columns])
        return outputs
