"""The rule of every elementwise activation, derived from what the activation declares.

Interval: a nondecreasing ``f`` maps ``[l, u]`` to ``[f(l), f(u)]``. Linear: the lines of ``_lines.py``,
the ReLU family's from :meth:`Activation.linear_pieces`, any other's from its ``curvature``. Floats: the
kernel's declared ``float_error`` widens computed values of ``f`` (outward rounding) and is the deployed
activation's noise (``gamma_a |f(z)| + b tiny`` per value). An activation that declares neither
monotonicity nor a curvature has no rule, and is refused naming it.
"""

from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Activation, Layer

from ._box import Box
from ._errors import BoundsError
from ._lines import Lines, kinked, smooth
from ._program import Program
from ._rounding import Rounding
from ._rule import Context, LinearForm, Rule, Step, register_rule, rows_dot

Array: TypeAlias = np.ndarray[Any, Any]


def _activation(layer: Layer[Any, Any]) -> Activation:
    if not isinstance(layer, Activation):
        raise BoundsError(f"the elementwise rule bounds activations, got {layer!r}")
    if not layer.monotone:
        raise BoundsError(f"{layer!r} does not declare itself nondecreasing (monotone = True): no bound rule")
    return layer


class ElementwiseRule(Rule):
    """Intervals and linear bounds of a nondecreasing elementwise activation (module docstring)."""

    relaxed = True

    def check(self, layer: Layer[Any, Any]) -> None:
        _activation(layer)

    def _deployed_noise(self, layer: Activation, out: Box, ctx: Context) -> Array | None:
        if not ctx.rounding.noisy:
            return None
        if layer.float_error is None:
            raise BoundsError(f"{layer!r} declares no float_error: its deployed rounding cannot be bounded")
        if layer.float_error == (0.0, 0.0):
            return None
        value: Array = ctx.remember(
            "noise",
            lambda: ctx.rounding.kernel_noise(out.magnitude(), *layer.float_error),  # type: ignore[misc]
        )
        return value

    def _image(self, layer: Activation, box: Box, ctx: Context) -> Box:
        def make() -> Box:
            rounding = ctx.rounding
            low, high = layer.function(box.lower), layer.function(box.upper)
            if rounding.outward and layer.float_error != (0.0, 0.0):
                relative, absolute = layer.float_error or (0.0, 0.0)
                low = rounding.down(low - rounding.kernel_noise_in_bounds(low, relative, absolute))
                high = rounding.up(high + rounding.kernel_noise_in_bounds(high, relative, absolute))
            return Box(low, high)

        image: Box = ctx.remember("image", make)
        return image

    def interval(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Box:
        act = _activation(layer)
        image = self._image(act, box, ctx)
        noise = self._deployed_noise(act, image, ctx)
        if noise is None:
            return image
        return Box(ctx.rounding.down(image.lower - noise), ctx.rounding.up(image.upper + noise))

    def lines(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Lines:
        """The linear bounds on ``[box.lower, box.upper]`` (remembered per box)."""
        act = _activation(layer)

        def make() -> Lines:
            pieces = act.linear_pieces()
            if pieces is not None:
                if not pieces[0] < pieces[1]:
                    raise BoundsError(f"{act!r}: linear pieces {pieces} are not convex (left slope below right)")
                return kinked(pieces, box.lower, box.upper, ctx.rounding)
            if act.curvature is None:
                raise BoundsError(f"{act!r} declares no curvature: no linear bounds (IBP only)")
            return smooth(act, box.lower, box.upper, ctx.rounding)

        lines: Lines = ctx.remember("lines", make)
        return lines

    def train_interval(self, layer: Layer[Any, Any], mu: Array, r: Array, mode: Any) -> tuple[Array, Array, Any]:
        act = _activation(layer)
        low, high = mu - r, mu + r  # (batch, *shape)
        f_low, f_high = act.function(low), act.function(high)  # nondecreasing: the image is [f(l), f(u)]
        return (f_high + f_low) / 2, (f_high - f_low) / 2, (low, high, f_low, f_high)

    def train_interval_backward(
        self, layer: Layer[Any, Any], d_mu: Array, d_r: Array, cache: Any, first: bool
    ) -> tuple[Array | None, Array | None, Layer[Any, Any]]:
        act = _activation(layer)
        low, high, f_low, f_high = cache
        # mu' = (f(u) + f(l)) / 2, r' = (f(u) - f(l)) / 2; then l = mu - r, u = mu + r.
        d_high = (d_mu + d_r) / 2 * act.derivative(high, f_high)
        d_low = (d_mu - d_r) / 2 * act.derivative(low, f_low)
        return d_high + d_low, d_high - d_low, layer

    def exact(self, layer: Layer[Any, Any], values: Any) -> Any:
        """The ReLU family exactly (the slopes are floats, so dyadic); anything else is not rational."""
        from ._exact import NotRationalError, Scaled, dyadic

        pieces = _activation(layer).linear_pieces()
        if pieces is None:
            raise NotRationalError(f"{layer!r} is not rational: the exact pass stops there")
        (left, left_shift), (right, right_shift) = dyadic(pieces[0]), dyadic(pieces[1])
        shift = max(left_shift, right_shift)
        left, right = left << (shift - left_shift), right << (shift - right_shift)
        positive = values.values > 0
        return Scaled(np.where(positive, values.values * right, values.values * left), values.shift + shift)

    def balls(self, layer: Layer[Any, Any], values: Array, arb: Any) -> Array:
        """The ReLU family as the hull of both pieces where a ball straddles 0; others by their own function."""
        act = _activation(layer)
        pieces = act.linear_pieces()
        if pieces is None:
            result: Array = act.function(values)
            return result
        left, right = arb(pieces[0]), arb(pieces[1])  # floats convert exactly

        def one(x: Any) -> Any:
            if x > 0:
                return right * x
            if x <= 0:
                return left * x
            return (right * x).union(left * x)

        hull: Array = np.vectorize(one, otypes=[object])(values)
        return hull

    def slope_range(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> tuple[Array, Array] | None:
        lines = self.lines(layer, box, ctx)
        if lines.free is None or lines.low is None or lines.high is None:
            return None
        return lines.low, lines.high

    def initial_slopes(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Array | None:
        lines = self.lines(layer, box, ctx)
        return None if lines.free is None else lines.lo_s

    def linear(
        self, layer: Layer[Any, Any], form: LinearForm, box: Box, ctx: Context, slopes: Array | None
    ) -> tuple[LinearForm, Step]:
        act = _activation(layer)
        rounding = ctx.rounding
        lines = self.lines(act, box, ctx)
        lam = form.lam
        lo_s = lines.lo_s[:, np.newaxis]  # (domains, 1, *shape): the same line for every row
        if slopes is not None and lines.free is not None:
            lo_s = np.where(lines.free[:, np.newaxis], slopes, lo_s)
        positive = lam >= 0
        slope = np.where(positive, lo_s, lines.up_s[:, np.newaxis])
        below = lam * slope
        domains, rows = lam.shape[:2]
        count = int(np.prod(lam.shape[2:]))
        if act.linear_pieces() is not None:  # kinked: lower lines through 0, upper intercepts >= 0
            upper_part = np.minimum(lam, 0)  # where the upper line is used, lam itself; else 0
            terms_sum = rows_dot(upper_part, lines.up_t)
            terms_abs = -terms_sum  # every term lam t is <= 0 there
            intercept: Array | None = None
        else:
            intercept = np.where(positive, lines.lo_t[:, np.newaxis], lines.up_t[:, np.newaxis])
            terms = (lam * intercept).reshape(domains, rows, -1)
            terms_sum, terms_abs = terms.sum(axis=2), np.abs(terms).sum(axis=2)
        const = form.const + terms_sum
        error, noise = form.error, form.noise
        if rounding.outward:
            magnitude = box.magnitude()
            # The products' rounding, sum_i product_error(|lam_i s_i|) |x_i|: linear in |lam s|, so one product.
            total = magnitude.reshape(len(magnitude), -1).sum(axis=1)[:, np.newaxis]  # one underflow per product
            spread = rows_dot(np.abs(below), magnitude)
            error = error + rounding.product_error(spread) + rounding.product_error(0.0) * total
            error = error + rounding.sum_error(terms_abs + np.abs(const), count)
        deployed = self._deployed_noise(act, self._image(act, box, ctx), ctx)
        if deployed is not None:
            noise = noise + rounding.up(2 * rows_dot(np.abs(lam), deployed))
        step = _ElementwiseStep(lam, slope, intercept, lines, lines.free if slopes is not None else None, deployed)
        step.chords = (act, box) if act.linear_pieces() is not None else None
        return LinearForm(below, const, error, noise), step

    def encode(
        self, layer: Layer[Any, Any], program: Any, inputs: Array, box: Box, out: Box, rounding: Rounding
    ) -> Array:
        """``f(z) = max(a z, c z)`` exactly: equal to one piece where the sign is known, else a binary ``d``
        (1: ``z >= 0``) with ``f >= a z``, ``f >= c z``, ``f <= c z - (c - a) l (1 - d)``, ``f <= a z + (c - a) u d``.
        The deployed kernel's rounding is one more bounded variable per value."""
        assert isinstance(program, Program)
        act = _activation(layer)
        pieces = act.linear_pieces()
        if pieces is None:
            raise BoundsError(f"{act!r} is not piecewise linear: it has no exact (MILP) encoding")
        a, c = pieces
        ctx = Context(rounding)
        image = self._image(act, box, ctx)
        low, high = box.lower[0].ravel(), box.upper[0].ravel()
        z = inputs.ravel()
        f = program.variables(image.lower[0].ravel(), image.upper[0].ravel())
        n = len(z)
        active, inactive = low >= 0, high <= 0
        unstable = ~(active | inactive)
        d = program.variables(np.where(active, 1.0, 0.0), np.where(inactive, 0.0, 1.0), integer=True)
        span = c - a
        rows = np.arange(n)
        ones, zero = np.ones(n), np.zeros(n)
        # f - a z >= 0 and f - c z >= 0 hold for every value (f is the larger piece).
        for slope in (a, c):
            program.add_rows(
                np.concatenate([rows, rows]),
                np.concatenate([f, z]),
                np.concatenate([ones, -slope * ones]),
                zero,
                np.full(n, np.inf),
            )
        # f - c z - span l d <= -span l  and  f - a z - span u d <= 0 (with d fixed where the sign is known).
        neg_low, pos_high = np.minimum(low, 0), np.maximum(high, 0)
        program.add_rows(
            np.concatenate([rows, rows, rows]),
            np.concatenate([f, z, d]),
            np.concatenate([ones, -c * ones, -span * neg_low]),
            np.full(n, -np.inf),
            -span * neg_low,
        )
        program.add_rows(
            np.concatenate([rows, rows, rows]),
            np.concatenate([f, z, d]),
            np.concatenate([ones, -a * ones, -span * pos_high]),
            np.full(n, -np.inf),
            zero,
        )
        del unstable
        program.link(f, z, np.full(n, max(abs(a), abs(c))))
        noise = self._deployed_noise(act, image, ctx)
        if noise is None:
            return f.reshape(out.shape)
        y = program.variables(out.lower[0].ravel(), out.upper[0].ravel())
        errors = program.variables(-noise[0].ravel(), noise[0].ravel())
        program.add_rows(
            np.concatenate([rows, rows, rows]),
            np.concatenate([y, f, errors]),
            np.concatenate([ones, -ones, -ones]),
            zero,
            zero,
        )
        return y.reshape(out.shape)


class _ElementwiseStep(Step):
    lam: Array

    def __init__(
        self, lam: Array, slope: Array, intercept: Array | None, lines: Lines, free: Array | None, noise: Array | None
    ) -> None:
        self.lam, self.slope, self._intercept, self.free, self.noise = lam, slope, intercept, free, noise
        self._lines = lines
        self.chords: tuple[Activation, Box] | None = None  # the kinked layer and its input box, for training

    def training_gradients(self, below: Array, weight: Array) -> tuple[Any, tuple[Array, Array] | None]:
        """Where a coefficient is negative the bound uses the chord ``s z + t``, whose slope and intercept depend
        on the ends ``l``, ``u`` of the input box: ``s = (c u - a l) / (u - l)``, ``t = (s - a)(-l)``, so
        ``ds/du = l (a - c) / (u - l)^2``, ``ds/dl = u (c - a) / (u - l)^2``, ``dt/dl = a - s - l ds/dl``,
        ``dt/du = -l ds/du``. (The lower line's slope is a choice, constant between switches.)"""
        if self.chords is None:
            raise BoundsError("differentiable linear bounds need the ReLU family's lines (linear_pieces)")
        layer, box = self.chords
        pieces = layer.linear_pieces()
        assert pieces is not None
        a, c = pieces
        scale = weight.reshape(*weight.shape, *([1] * (self.lam.ndim - 2))) * np.minimum(self.lam, 0)
        d_slope = (scale * below).sum(axis=1)  # (domains, *shape): the chord's slope, over the rows
        d_intercept = scale.sum(axis=1)
        low, high = box.lower, box.upper
        unstable = (low < 0) & (high > 0)
        width = np.where(unstable, high - low, 1)
        slope = np.where(unstable, (c * high - a * low) / width, 0)
        ds_high, ds_low = low * (a - c) / width**2, high * (c - a) / width**2
        d_low = d_slope * ds_low + d_intercept * (a - slope - low * ds_low)
        d_high = d_slope * ds_high - d_intercept * low * ds_high
        return None, (np.where(unstable, d_low, 0), np.where(unstable, d_high, 0))

    @property
    def intercept(self) -> Array:
        """``(domains, rows, *shape)``: the intercept of the line each coefficient chose (formed when asked)."""
        if self._intercept is None:
            lines = self._lines
            self._intercept = np.where(self.lam >= 0, lines.lo_t[:, np.newaxis], lines.up_t[:, np.newaxis])
        return self._intercept

    def witness(self, below: Array) -> Array:
        above = below * self.slope + self.intercept
        if self.noise is not None:
            above = above - np.sign(self.lam) * self.noise[:, np.newaxis]
        result: Array = above
        return result

    def slope_gradient(self, below: Array) -> Array | None:
        if self.free is None:
            return None
        # Only where the lower line is used (lam >= 0) and its slope is free: d(lam alpha z)/d alpha = lam z.
        result: Array = np.where(self.free[:, np.newaxis] & (self.lam >= 0), self.lam * below, 0.0)
        return result


ELEMENTWISE = ElementwiseRule()
register_rule(Activation, ELEMENTWISE)  # type: ignore[type-abstract]  # every subclass
