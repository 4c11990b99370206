"""The real forward pass of a network with tanh, in ball arithmetic (python-flint's ``arb``).

tanh of a rational is not rational, so networks with tanh cannot be settled by the integer pass. The
layers up to the first tanh run exactly in integers (``_rational``); from there every value is an
``arb`` ball certain to contain the real value, at a working precision that grows until the logits'
balls separate. python-flint is an optional extra (``pip install verified-nn[exact]``).
"""

import importlib.util
from typing import Any, Final

import numpy as np

from verified_nn.core import checked

from ._arrays import Classes, Inputs
from ._errors import FloatCheckError
from ._network import DenseNetwork, Nonlinearity
from ._rational import Scaled, exact_activation, exact_dense, scaled

PRECISIONS: Final = (128, 512, 2048)  # bits of working precision, tried in turn


def flint_available() -> bool:
    """Whether python-flint is installed."""
    return importlib.util.find_spec("flint") is not None


def _activate(nonlinearity: Nonlinearity, x: Any, arb: Any) -> Any:
    if nonlinearity.kind == "tanh":
        return x.tanh()
    slope = arb(0.0) if nonlinearity.kind == "relu" else arb(nonlinearity.slope)  # floats convert exactly
    if x > 0:
        return x
    if x <= 0:
        return slope * x
    return x.union(slope * x)  # the ball straddles 0: the hull of both branches contains the result


def _ball_row(network: DenseNetwork, start: int, z: list[int], shift: int, arb: Any) -> list[Any]:
    # Layer `start` gave the exact pre-activations z 2^-shift; run the rest of the network on balls.
    values = [arb(m) * arb(2) ** (-shift) for m in z]
    for k in range(start, len(network.affines)):
        if k > start:
            affine = network.affines[k]
            weights, bias = affine.weights.tolist(), affine.bias.tolist()
            values = [
                sum((arb(w) * v for w, v in zip(row, values, strict=True)), arb(b))
                for row, b in zip(weights, bias, strict=True)
            ]
        if k < len(network.nonlinearities):
            values = [_activate(network.nonlinearities[k], v, arb) for v in values]
    return values


def _certain_class(logits: list[Any]) -> int | None:
    best = max(range(len(logits)), key=lambda j: float(logits[j].mid()))
    return best if all(logits[best] > other for j, other in enumerate(logits) if j != best) else None


@checked
def ball_classes(network: DenseNetwork, inputs: Inputs) -> Classes:
    """``(batch,)``: the class whose real logit is certainly the largest, or -1 where the balls never separate.

    A real tie, or a margin below what 2048 bits resolve, leaves -1 (undecided).
    """
    if not flint_available():
        raise FloatCheckError("settling a tanh network needs python-flint: pip install 'verified-nn[exact]'")
    import flint  # an optional extra: imported only when needed

    first_tanh = next(k for k, n in enumerate(network.nonlinearities) if n.kind == "tanh")
    current: Scaled = scaled(np.asarray(inputs, dtype=network.dtype))
    for k in range(first_tanh + 1):
        current = exact_dense(network.affines[k], current)
        if k < first_tanh:
            current = exact_activation(network.nonlinearities[k], current)
    classes = np.full(len(current.values), -1, dtype=np.int64)
    saved = flint.ctx.prec
    try:
        for row, z in enumerate(current.values.tolist()):
            for precision in PRECISIONS:
                flint.ctx.prec = precision
                found = _certain_class(_ball_row(network, first_tanh, z, current.shift, flint.arb))
                if found is not None:
                    classes[row] = found
                    break
    finally:
        flint.ctx.prec = saved
    return classes
