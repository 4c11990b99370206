"""The real forward pass past a layer that is not rational (tanh, sigmoid), in ball arithmetic (``arb``).

The layers before the first such layer run exactly in integers (``_rational``); from there each layer's rule
evaluates it on object arrays of ``arb`` balls, each certain to contain its real value, at a working
precision that grows until the logits' balls separate. python-flint is an optional extra
(``pip install verified-nn[exact]``).
"""

import importlib.util
from typing import Any, Final

import numpy as np

from verified_nn.bounds import NotRationalError, rule_for, scaled
from verified_nn.core import checked
from verified_nn.network import Network

from ._arrays import Classes, Inputs
from ._errors import FloatCheckError

PRECISIONS: Final = (128, 512, 2048)  # bits of working precision, tried in turn


def flint_available() -> bool:
    """Whether python-flint is installed."""
    return importlib.util.find_spec("flint") is not None


def _first_irrational(network: Network[Any, Any], inputs: Any) -> tuple[int, Any]:
    """``(k, values)``: the index of the first layer whose value is not rational (``len(layers)`` if none) and
    the exact values of its input."""
    current = scaled(np.asarray(inputs, dtype=network.dtype))
    for index, layer in enumerate(network.layers):
        try:
            current = rule_for(layer, index=index).exact(layer, current)
        except NotRationalError:
            return index, current
    return len(network.layers), current


def rational(network: Network[Any, Any]) -> bool:
    """Whether the exact integer pass covers the whole network (every layer rational)."""
    shape = network.input_shape() or ()
    return _first_irrational(network, np.zeros((1, *shape)))[0] == len(network.layers)


def _certain_class(logits: list[Any]) -> int | None:
    best = max(range(len(logits)), key=lambda j: float(logits[j].mid()))
    return best if all(logits[best] > other for j, other in enumerate(logits) if j != best) else None


@checked
def ball_classes(network: Network[Any, Any], inputs: Inputs) -> Classes:
    """``(batch,)``: the class whose real logit is certainly the largest, or -1 where the balls never separate.

    A real tie, or a margin below what 2048 bits resolve, leaves -1 (undecided).
    """
    if not flint_available():
        raise FloatCheckError(
            "settling a network with tanh or sigmoid needs python-flint: pip install 'verified-nn[exact]'"
        )
    import flint  # an optional extra: imported only when needed

    start, exact = _first_irrational(network, inputs)
    classes = np.full(len(inputs), -1, dtype=np.int64)
    saved = flint.ctx.prec
    try:
        for row in range(len(inputs)):
            for precision in PRECISIONS:
                flint.ctx.prec = precision
                values = np.vectorize(lambda m: flint.arb(m) * flint.arb(2) ** (-exact.shift), otypes=[object])(
                    exact.values[row : row + 1]
                )
                for index in range(start, len(network.layers)):
                    layer = network.layers[index]
                    values = rule_for(layer, index=index).balls(layer, values, flint.arb)
                found = _certain_class(list(values[0]))
                if found is not None:
                    classes[row] = found
                    break
    finally:
        flint.ctx.prec = saved
    return classes
