"""An activation exactly at each of its kinks: the forward pass continuous there, and the backward pass a
generalized gradient (between the one-sided derivatives), the one thing the strict cases never see.

For a kink ``k`` the layer's own code runs on ``[k + t, k - t, k]`` with ``t`` a positive symbol (its sign is
known, so no case split) and on symbolic upstream gradients. Continuity: ``f(k)`` equals the limits of
``f(k + t)`` and ``f(k - t)`` as ``t -> 0+``. Derivative: the kernel's ``dx = c g`` at ``k`` must have
``c`` between the one-sided derivatives ``lim d/dt f(k + t)`` and ``lim -d/dt f(k - t)``, computed by sympy
from the forward pass alone (for ReLU: ``c`` in ``[0, 1]``; a kernel giving ``2 g`` at 0 fails).
"""

from typing import Any

import numpy as np

from verified_nn.layers import Activation

from ._algebra import Expr, sympy
from ._exact import Exact, Path, lift, symbols


def kink_checks(layer: Activation) -> tuple[int, list[tuple[str, str]]]:
    """``(identities checked, failures)``: two checks per declared kink; failures as ``(identity, reason)``."""
    failures: list[tuple[str, str]] = []
    t = sympy.Symbol("t", positive=True)
    checked = 0
    for kink in layer.kinks():
        k: Expr = lift(float(kink))
        inputs = np.array([[Exact(k + t), Exact(k - t), Exact(k)]], dtype=object)
        with Path().active():
            y, cache = layer.forward(inputs)
            g = symbols("g", y.shape)
            dx, _ = layer.backward(g, cache)
        right, left, at = (lift(value) for value in y[0])
        name = f"kink {kink!r}"
        limits = (sympy.limit(right, t, 0, "+"), sympy.limit(left, t, 0, "+"))
        checked += 2
        if any(sympy.simplify(limit - at) != 0 for limit in limits):
            failures.append((f"forward at {name}", f"f({kink!r}) = {at}, one-sided limits {limits[0]}, {limits[1]}"))
        sides = (sympy.limit(sympy.diff(right, t), t, 0, "+"), sympy.limit(-sympy.diff(left, t), t, 0, "+"))
        slope = sympy.cancel(lift(dx[0, 2]) / lift(g[0, 2]))
        low, high = min(sides), max(sides)
        if not (slope.is_number and low <= slope <= high):
            failures.append((f"dx at {name}", f"dx = ({slope}) g, outside the one-sided derivatives [{low}, {high}]"))
    return checked, failures


def has_kinks(layer: Any) -> bool:
    """Whether ``layer`` is an activation that declares kinks."""
    return isinstance(layer, Activation) and bool(layer.kinks())
