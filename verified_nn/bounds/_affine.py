"""Affine layers ``y = A x + b``: one generic rule built on four primitives of the map ``A``.

A subclass of :class:`AffineRule` says how to apply ``A``, ``|A|`` and ``A^T`` to a batch and what the bias
and the number of products per output are; the rule derives the rest:

- interval: ``mu' = A mu + b``, ``r' = |A| r`` (exact for a box, up to rounding);
- back-substitution: ``lam . (A x + b) = (A^T lam) . x + lam . b``;
- outward rounding: the float64 products round, by at most ``gamma_n |A| |x|`` (Higham, Lemma 3.1);
- the deployed layer's rounding, a noise ``|e| <= gamma_n (1 + u) |A| |x| + u M + (2n + 3) tiny`` per
  output (``M`` bounding ``|A x + b|``), which enters the interval as extra radius (``|x|`` at its largest)
  and the back-substitution as ``-c . |x| - |lam| . k`` with ``c = gamma_n (1 + u) |A|^T |lam|``, ``|x|``
  replaced by a line above it on the box (:meth:`AffineRule._factor`): the rounding is charged at the
  bound's own worst input rather than at every input's largest magnitude at once.
Dense, Conv2D and AvgPool2D are such maps; Flatten, Reshape and Dropout (in evaluation) are exact ones
(:class:`ReshapeRule`).
"""

import abc
import dataclasses
from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Dense, Dropout, Flatten, Layer, Reshape

from ._box import Box
from ._cast import cached
from ._program import Program, chunked_matrix
from ._rounding import SLACK_FACTOR, Rounding, gamma, smallest_normal, unit_roundoff
from ._rule import Context, LinearForm, Rule, Step, register_rule, rows_dot

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
                return LinearForm(below, const, error, noise), _AffineStep(self, layer, bias, lam, None, linear)
            if layer_noise is not None:
                count = int(np.prod(out_shape))
                noise = noise + rounding.up(rows_dot(absolute, layer_noise) * (1 + 4 * gamma(count, rounding.u)))
        step = _AffineStep(self, layer, bias, lam, self._noise(layer, box, ctx))
        return LinearForm(below, const, error, noise), step

    def _linear_noise(
        self, layer: Layer[Any, Any], absolute: Array, below: Array, box: Box, ctx: Context
    ) -> tuple[Array, Array, Array, "LinearNoise"]:
        """The deployed layer's rounding as a linear lower bound in its input (see :meth:`_factor`):
        ``-|lam| . e >= -c . (s x + t) - |lam| . k`` with ``c >= f |A|^T |lam|``, ``|x| <= s x + t`` on the box
        and ``k = u M + (2n + 3) tiny``. Returns the new coefficients, the noise and error to add, and what
        the step needs to run it forward."""
        rounding = ctx.rounding
        assert rounding.deployed is not None
        domains, rows = absolute.shape[:2]
        factor = self._factor(layer, box, ctx)  # (domains,)
        weight = self.transpose_abs(layer, absolute.reshape(domains * rows, *absolute.shape[2:]), box.shape)
        weight = weight.reshape(domains, rows, *weight.shape[1:])
        # weight's own rounding and this product's, folded into one scalar rounded up (no nextafter per value):
        own = (1 + 2 * gamma(self.transpose_terms(layer) + 4, rounding.u)) * (1 + 4 * rounding.u)
        c = weight * (factor.reshape(domains, 1, *([1] * (weight.ndim - 2))) * own)
        s, t, straddles = ctx.remember("abs_line", lambda: _abs_line(box, rounding))
        negative = not straddles and bool(np.any(s < 0))
        shift = c * s[:, np.newaxis] if straddles or negative else c  # s = 1 on a non-negative box (after a ReLU)
        below = below - shift
        magnitude = box.magnitude()
        domain_shape = (domains, 1)
        # below - c s rounds twice per value (the product, the difference), each by u of its result and an
        # underflow, and c itself may underflow: met by |x| <= magnitude, doubled as every error term here.
        spread = rows_dot(np.abs(below), magnitude) + rows_dot(c, np.abs(s) * magnitude)
        tiny = smallest_normal(rounding.dtype) * magnitude.reshape(domains, -1).sum(axis=1).reshape(domain_shape)
        error = SLACK_FACTOR * (rounding.u * spread + 3 * tiny)
        offset = self._offset(layer, box, ctx)  # (domains, *out)
        count_in, count_out = int(np.prod(box.shape)), int(np.prod(absolute.shape[2:]))
        noise = rows_dot(c, t) * (1 + 4 * gamma(count_in, rounding.u)) if straddles else 0.0
        noise = rounding.up(noise + rows_dot(absolute, offset) * (1 + 4 * gamma(count_out, rounding.u)))
        return below, noise, error, LinearNoise(factor, s, t, offset)

    def _offset(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Array:
        """``(domains, *out)``: ``u M + (2n + 3) tiny`` of the deployed dtype, ``M >= |A x + b|`` over the box."""

        def make() -> Array:
            assert ctx.rounding.deployed is not None
            center, radius, _ = self._image(layer, box, ctx)
            output = ctx.rounding.up(np.abs(center) + radius)
            u, tiny = unit_roundoff(ctx.rounding.deployed), smallest_normal(ctx.rounding.deployed)
            value: Array = ctx.rounding.up((u * output + (2 * self.terms(layer) + 3) * tiny) * (1 + 4 * ctx.rounding.u))
            return value

        offset: Array = ctx.remember("offset", make)
        return offset

    def _factor(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Array:
        """``(domains,)``: ``f = gamma_n (1 + u)`` of the deployed dtype, ``n`` the products that can be nonzero.

        The deployed layer computes ``s^ = fl(A x^)`` and ``z^ = fl(s^ + b)``: ``|s^ - A x^| <= gamma_n |A| |x^|
        + 2n tiny`` in any summation order (Higham, Lemma 3.1), and the bias adds ``u |s^ + b| <= u (M +
        gamma_n |A| |x^|)``, so ``|e| <= f |A| |x^| + u M + (2n + 3) tiny``: linear in ``|x^|``, which the box
        bounds by a line (:func:`_abs_line`). An input that is exactly 0 in a domain adds exact zeros, whatever
        the order: ``n`` counts the others (at most the layer's products per output).
        """

        def make() -> Array:
            assert ctx.rounding.deployed is not None
            nonzero = np.count_nonzero((box.lower != 0) | (box.upper != 0), axis=tuple(range(1, box.lower.ndim)))
            n = np.minimum(nonzero, self.terms(layer))
            u = unit_roundoff(ctx.rounding.deployed)
            value: Array = ctx.rounding.up(gamma(n, u) * (1 + u) * (1 + 4 * ctx.rounding.u))
            return value

        factor: Array = ctx.remember("factor", make)
        return factor

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


@dataclasses.dataclass(frozen=True)
class LinearNoise:
    """The deployed layer's rounding as the step took it: ``|e| <= factor |A| (s x + t) + offset``
    (:meth:`AffineRule._factor`)."""

    factor: Array  # (domains,)
    s: Array  # (domains, *in)
    t: Array  # (domains, *in)
    offset: Array  # (domains, *out)


def _abs_line(box: Box, rounding: Rounding) -> tuple[Array, Array, bool]:
    """``(s, t)`` ``(domains, *shape)`` with ``|x| <= s x + t`` for every ``x`` in the box: ``x`` itself where the
    box is non-negative, ``-x`` where it is non-positive, else the chord through ``(l, -l)`` and ``(u, u)``
    (any slope ``s`` in ``[-1, 1]`` holds with ``t = max(-l (1 + s), u (1 - s))``, rounded up); and whether
    any value's box straddles 0 (else ``t`` is 0)."""
    low, high = box.lower, box.upper
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        chord = np.clip((high + low) / (high - low), -1.0, 1.0)
        s = np.where(low >= 0, 1.0, np.where(high <= 0, -1.0, np.nan_to_num(chord, nan=0.0)))
        t = np.maximum(rounding.up(-low * rounding.up(1 + s)), rounding.up(high * rounding.up(1 - s)))
    signed = (low >= 0) | (high <= 0)
    t = np.where(signed, 0.0, t)
    return s.astype(rounding.dtype), t.astype(rounding.dtype), not bool(signed.all())


class _AffineStep(Step):
    lam: Array

    def __init__(
        self,
        rule: AffineRule,
        layer: Layer[Any, Any],
        bias: Array | None,
        lam: Array,
        noise: Array | None,
        linear: "LinearNoise | None" = None,
    ):
        self.rule, self.layer, self.bias, self.lam, self.noise, self.linear = rule, layer, bias, lam, noise, linear

    def training_gradients(self, below: Array, weight: Array) -> tuple[Any, tuple[Array, Array] | None]:
        """The bound holds ``lam . (A g + b)`` with ``g`` the witness: its parameter gradient is the layer's own
        backward pass at input ``g`` with upstream ``weight * lam``, one row per (domain, row)."""
        if not self.layer.parameters():
            return None, None
        domains, rows = below.shape[:2]
        flat = below.reshape(domains * rows, *below.shape[2:])
        upstream = (weight.reshape(domains, rows, *([1] * (self.lam.ndim - 2))) * self.lam).reshape(
            domains * rows, *self.lam.shape[2:]
        )
        _, cache = self.layer.forward(flat.astype(self.layer.parameters()[0].dtype, copy=False))
        return self.layer.parameter_gradients(
            upstream.astype(self.layer.parameters()[0].dtype, copy=False), cache
        ), None

    def witness(self, below: Array) -> Array:
        domains, rows = below.shape[:2]
        above = self.rule.apply(self.layer, below.reshape(domains * rows, *below.shape[2:]))
        above = above.reshape(domains, rows, *above.shape[1:])
        if self.bias is not None:
            above = above + self.bias
        if self.noise is not None:  # the bound subtracts |lam| e: its gradient in lam is -sign(lam) e
            above = above - np.sign(self.lam) * self.noise[:, np.newaxis]
        if self.linear is not None:  # it subtracts |lam| . (f |A| (s x + t) + k): the same, at x = below
            linear = self.linear
            spread = linear.s[:, np.newaxis] * below + linear.t[:, np.newaxis]
            grown = self.rule.apply_abs(self.layer, spread.reshape(domains * rows, *below.shape[2:]))
            grown = grown.reshape(domains, rows, *grown.shape[1:])
            factor = linear.factor.reshape(domains, 1, *([1] * (grown.ndim - 2)))
            above = above - np.sign(self.lam) * (factor * grown + linear.offset[:, np.newaxis])
        return above


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


DENSE = DenseRule()
RESHAPE = ReshapeRule()

register_rule(Dense, DENSE)
for _kind in (Flatten, Reshape, Dropout):
    register_rule(_kind, RESHAPE)
