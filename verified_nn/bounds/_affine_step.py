"""One back-substitution step through an affine layer, recorded to run forward again (the bound's gradient).

With the step's choices fixed the bound is linear in the coefficients, so its gradient with respect to the
coefficients ``lam`` on the layer's output is the layer run forward from the witness ``g`` on its input:
``A g + b``, less what the deployed rounding took (``|lam| . e``, whose gradient in ``lam`` is ``sign(lam) e``).
"""

from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Layer

from ._deployed import LinearNoise
from ._rule import Step

Array: TypeAlias = np.ndarray[Any, Any]


class AffineStep(Step):
    """The step of ``y = A x + b`` with coefficients ``lam`` on ``y``; ``apply`` and ``apply_abs`` compute ``A x``
    and ``|A| x`` for a batch ``x`` ``(n, *in)``. The deployed rounding was charged either as a constant
    ``noise`` ``(domains, *out)`` per output or as a line in ``|x|`` (``linear``), or not at all."""

    lam: Array

    def __init__(
        self,
        layer: Layer[Any, Any],
        apply: Callable[[Array], Array],
        apply_abs: Callable[[Array], Array],
        bias: Array | None,
        lam: Array,
        noise: Array | None,
        *,
        linear: LinearNoise | None = None,
    ):
        self.layer, self.apply, self.apply_abs = layer, apply, apply_abs
        self.bias, self.lam, self.noise, self.linear = bias, lam, noise, linear

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
        above = self.apply(below.reshape(domains * rows, *below.shape[2:]))
        above = above.reshape(domains, rows, *above.shape[1:])
        if self.bias is not None:
            above = above + self.bias
        if self.noise is not None:  # the bound subtracts |lam| e: its gradient in lam is -sign(lam) e
            above = above - np.sign(self.lam) * self.noise[:, np.newaxis]
        if self.linear is not None:  # it subtracts |lam| . (f |A| (s x + t) + k): the same, at x = below
            linear = self.linear
            spread = linear.s[:, np.newaxis] * below + linear.t[:, np.newaxis]
            grown = self.apply_abs(spread.reshape(domains * rows, *below.shape[2:]))
            grown = grown.reshape(domains, rows, *grown.shape[1:])
            factor = linear.factor.reshape(domains, 1, *([1] * (grown.ndim - 2)))
            above = above - np.sign(self.lam) * (factor * grown + linear.offset[:, np.newaxis])
        return above
