"""Max pooling: the interval is the layer itself on both ends; linear bounds pick one input per window.

For a window with bounds ``[l_k, u_k]``: ``y >= x_j`` for ``j`` the input with the largest lower bound (any
input of the window gives a lower bound; this one is best at the box's lower corner), and ``y <= x_j``
when that input dominates (``l_j >= u_k`` for every other ``k``: then ``y = x_j``), else ``y <= max_k u_k``
(a constant). A maximum of floats is exact, so the deployed layer adds no noise; when windows overlap, the
coefficients of an input shared by several windows are summed, which rounds.
"""

import math
from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Layer, MaxPool2D
from verified_nn.layers._window import offsets, output_size, padded

from ._box import Box
from ._program import Program
from ._rounding import Rounding
from ._rule import Context, LinearForm, Rule, Step, register_rule, rows_dot

Array: TypeAlias = np.ndarray[Any, Any]


def _windows(layer: MaxPool2D[Any], x: Array) -> tuple[Array, list[tuple[slice, slice]]]:
    """``(K, n, c, oh, ow)``: each kernel offset's value for every output (padding is ``-inf``), and the
    offsets' slices of the padded input."""
    kernel, stride, padding = layer.window()
    out = output_size((x.shape[2], x.shape[3]), kernel, stride, padding, where="MaxPool2D bounds")
    source = padded(x, padding, fill=-np.inf)  # (c, hp, wp, n)
    places = [(rows, columns) for _, _, (rows, columns) in offsets(kernel, stride, out)]
    stacked = np.stack([source[:, rows, columns] for rows, columns in places])  # (K, c, oh, ow, n)
    return stacked.transpose(0, 4, 1, 2, 3), places


class MaxPoolRule(Rule):
    """Bounds of ``MaxPool2D`` (module docstring)."""

    relaxed = True

    def interval(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Box:
        return Box(layer.forward(box.lower)[0], layer.forward(box.upper)[0])

    def train_interval(self, layer: Layer[Any, Any], mu: Array, r: Array, mode: Any) -> tuple[Array, Array, Any]:
        low, low_cache = layer.forward(mu - r)
        high, high_cache = layer.forward(mu + r)
        return (high + low) / 2, (high - low) / 2, (low_cache, high_cache)

    def train_interval_backward(
        self, layer: Layer[Any, Any], d_mu: Array, d_r: Array, cache: Any, first: bool
    ) -> tuple[Array | None, Array | None, Layer[Any, Any]]:
        low_cache, high_cache = cache
        d_low = layer.backward(np.ascontiguousarray((d_mu - d_r) / 2), low_cache)[0]
        d_high = layer.backward(np.ascontiguousarray((d_mu + d_r) / 2), high_cache)[0]
        return d_low + d_high, d_high - d_low, layer

    def _choice(self, layer: MaxPool2D[Any], box: Box, ctx: Context) -> tuple[Array, Array, Array, Any]:
        """``(chosen offset, dominant, largest upper bound, slices)`` per output, ``(domains, c, oh, ow)``."""

        def make() -> tuple[Array, Array, Array, Any]:
            lows, places = _windows(layer, box.lower)
            highs, _ = _windows(layer, box.upper)
            chosen = np.argmax(lows, axis=0)  # the first largest lower bound
            best = np.take_along_axis(lows, chosen[np.newaxis], axis=0)[0]
            others = np.where(np.arange(len(highs)).reshape(-1, 1, 1, 1, 1) == chosen, -np.inf, highs).max(axis=0)
            return chosen, best >= others, highs.max(axis=0), places

        value: tuple[Array, Array, Array, Any] = ctx.remember("choice", make)
        return value

    def linear(
        self, layer: Layer[Any, Any], form: LinearForm, box: Box, ctx: Context, slopes: Array | None
    ) -> tuple[LinearForm, Step]:
        assert isinstance(layer, MaxPool2D)
        rounding = ctx.rounding
        chosen, dominant, top, places = self._choice(layer, box, ctx)
        lam = form.lam  # (domains, rows, c, oh, ow)
        domains, rows = lam.shape[:2]
        through = (lam >= 0) | dominant[:, np.newaxis]  # the coefficient goes to the chosen input
        constant = np.where(through, 0.0, lam * top[:, np.newaxis])
        coefficient = np.where(through, lam, 0.0)
        _, _, padding = layer.window()
        channels, height, width = box.shape
        below = np.zeros((domains, rows, channels, height + 2 * padding[0], width + 2 * padding[1]), lam.dtype)
        for number, (rows_slice, columns) in enumerate(places):
            below[:, :, :, rows_slice, columns] += np.where(chosen[:, np.newaxis] == number, coefficient, 0.0)
        below = below[:, :, :, padding[0] : padding[0] + height, padding[1] : padding[1] + width]
        const = form.const + constant.reshape(domains, rows, -1).sum(axis=2)
        error = form.error
        if rounding.outward:
            kernel, stride, _ = layer.window()
            shared = math.ceil(kernel[0] / stride[0]) * math.ceil(kernel[1] / stride[1])
            if shared > 1:
                error = error + rounding.sum_error(rows_dot(np.abs(below), box.magnitude()), shared)
            count = int(np.prod(lam.shape[2:]))
            error = error + rounding.sum_error(
                np.abs(constant).reshape(domains, rows, -1).sum(axis=2) + np.abs(const), count
            )
        step = _MaxPoolStep(layer, chosen, through, top, places, padding)
        step.lam, step.box = lam, box
        return LinearForm(np.ascontiguousarray(below), const, error, form.noise), step

    def encode(
        self, layer: Layer[Any, Any], program: Any, inputs: Array, box: Box, out: Box, rounding: Rounding
    ) -> Array:
        """``y = max_k x_k`` exactly: ``y >= x_k`` for each input of the window, and one binary per input
        choosing the one ``y`` equals, ``y <= x_k + (U - l_k)(1 - d_k)``, ``sum_k d_k = 1`` (``U`` the window's
        largest upper bound); a dominant input makes ``y = x_j`` with no binary."""
        assert isinstance(program, Program) and isinstance(layer, MaxPool2D)
        chosen, dominant, top, _ = self._choice(layer, box, Context(rounding))
        slots, _ = _windows(layer, inputs[np.newaxis].astype(np.float64))  # (K, 1, c, oh, ow); padding -inf
        lows, _ = _windows(layer, box.lower)
        y = program.variables(out.lower[0].ravel(), out.upper[0].ravel())
        k, count = slots.shape[0], y.size
        slots, lows = slots.reshape(k, count), lows.reshape(k, count)
        real = np.isfinite(slots)
        upper = top.reshape(count)
        chosen, dominant = chosen.reshape(count), dominant.reshape(count)
        outputs = np.arange(count)
        # y - x_k >= 0 for every input of the window.
        which = np.nonzero(real)
        program.link(y[which[1]], slots[which].astype(np.int64), np.ones(len(which[0])))
        program.add_rows(
            np.concatenate([np.arange(len(which[0])), np.arange(len(which[0]))]),
            np.concatenate([y[which[1]], slots[which].astype(np.int64)]),
            np.concatenate([np.ones(len(which[0])), -np.ones(len(which[0]))]),
            np.zeros(len(which[0])),
            np.full(len(which[0]), np.inf),
        )
        # A dominant input: y - x_j = 0.
        fixed = np.flatnonzero(dominant)
        chosen_vars = slots[chosen, outputs].astype(np.int64)
        program.add_rows(
            np.concatenate([np.arange(len(fixed)), np.arange(len(fixed))]),
            np.concatenate([y[fixed], chosen_vars[fixed]]),
            np.concatenate([np.ones(len(fixed)), -np.ones(len(fixed))]),
            np.zeros(len(fixed)),
            np.zeros(len(fixed)),
        )
        # Otherwise one binary per input: y - x_k + (U - l_k) d_k <= U - l_k, and the binaries sum to 1.
        open_ = real & ~dominant[np.newaxis]
        which = np.nonzero(open_)
        m = len(which[0])
        if m:
            d = program.variables(np.zeros(m), np.ones(m), integer=True)
            span = upper[which[1]] - lows[which]
            rows = np.arange(m)
            program.add_rows(
                np.concatenate([rows, rows, rows]),
                np.concatenate([y[which[1]], slots[which].astype(np.int64), d]),
                np.concatenate([np.ones(m), -np.ones(m), span]),
                np.full(m, -np.inf),
                span,
            )
            groups = np.unique(which[1], return_inverse=True)[1]
            program.add_rows(groups, d, np.ones(m), np.ones(groups.max() + 1), np.ones(groups.max() + 1))
        return y.reshape(out.shape)


class _MaxPoolStep(Step):
    def __init__(self, layer: MaxPool2D[Any], chosen: Array, through: Array, top: Array, places: Any, padding: Any):
        self.layer, self.chosen, self.through, self.top, self.places, self.padding = (
            layer,
            chosen,
            through,
            top,
            places,
            padding,
        )

    box: Box

    def training_gradients(self, below: Array, weight: Array) -> tuple[Any, tuple[Array, Array] | None]:
        """The constant upper bound ``max_k u_k`` of an undominated window depends on the box's upper ends."""
        lam = self.lam
        assert lam is not None
        scale = weight.reshape(*weight.shape, *([1] * (lam.ndim - 2))) * np.where(self.through, 0, lam)
        d_top = scale.sum(axis=1)  # (domains, c, oh, ow)
        _, cache = self.layer.forward(self.box.upper)
        d_high = self.layer.backward(np.ascontiguousarray(d_top.astype(self.box.upper.dtype)), cache)[0]
        return None, (np.zeros_like(d_high), d_high)

    def witness(self, below: Array) -> Array:
        ph, pw = self.padding
        source = np.zeros((*below.shape[:3], below.shape[3] + 2 * ph, below.shape[4] + 2 * pw), below.dtype)
        source[:, :, :, ph : ph + below.shape[3], pw : pw + below.shape[4]] = below
        picked = np.zeros(self.through.shape, below.dtype)
        for number, (rows_slice, columns) in enumerate(self.places):
            picked = np.where(self.chosen[:, np.newaxis] == number, source[:, :, :, rows_slice, columns], picked)
        result: Array = np.where(self.through, picked, self.top[:, np.newaxis])
        return result


MAX_POOL = MaxPoolRule()
register_rule(MaxPool2D, MAX_POOL)
