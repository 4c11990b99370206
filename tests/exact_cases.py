"""Small networks and inputs for the float-check tests, and an exact forward pass written independently.

The generator aims at the cases where rounding shows: layers of width 1 (a dot product of one term),
biases far larger or smaller than the products, and biases that cancel a row's float dot product, so
that the logit is nothing but rounding error.
"""

import itertools
from fractions import Fraction
from typing import Any

import numpy as np

from verified_nn.layers import Activation, Dense, Layer, LeakyReLU, ReLU
from verified_nn.network import Network

Array = np.ndarray[Any, Any]
ACTIVATIONS: tuple[Activation, ...] = (ReLU(), LeakyReLU(0.01), LeakyReLU(0.3), LeakyReLU(1 / 3))


def _scaled_normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> Array:
    return (rng.normal(size=shape) * 2.0 ** int(rng.integers(-30, 8))).astype(dtype)


def random_case(
    rng: np.random.Generator, dtype: Any, *, activations: tuple[Activation, ...] = ACTIVATIONS
) -> tuple[Network[Any, Any], Array]:
    """A network of 1-3 dense layers of widths 1-5 and a batch of 1-3 inputs, some biases cancelling row 0."""
    widths = [int(w) for w in rng.integers(1, 6, size=int(rng.integers(2, 5)))]
    inputs = _scaled_normal(rng, (int(rng.integers(1, 4)), widths[0]), dtype)
    inputs[rng.random(inputs.shape) < 0.2] = 0  # zero inputs: the dot products get shorter
    layers: list[Layer[Any, Any]] = []
    count = len(widths) - 1
    for k, (fan_in, fan_out) in enumerate(itertools.pairwise(widths)):
        current = Network(tuple(layers)).logits(inputs) if layers else inputs  # the float input of this layer
        weights = _scaled_normal(rng, (fan_out, fan_in), dtype)
        bias = _scaled_normal(rng, (fan_out,), dtype)
        cancel = rng.random(fan_out) < 0.4
        # OpenBLAS's small products now and then raise the invalid flag with no NaN in the result (numpy issue
        # 24067; once in CI here, which warnings-as-errors failed): the flag is ignored, a real NaN is not.
        with np.errstate(invalid="ignore"):
            product = current @ weights.T
        assert np.isfinite(product).all()
        bias[cancel] = -product[0, cancel]  # row 0's output is then its dot product's rounding error
        layers.append(Dense(weights=weights, bias=bias))
        if k < count - 1:
            layers.append(activations[int(rng.integers(len(activations)))])
    return Network(tuple(layers)), inputs


def fraction_logits(network: Network[Any, Any], inputs: Array) -> list[list[Fraction]]:
    """The real logits, computed with ``fractions.Fraction`` one number at a time (ReLU family only)."""
    rows: list[list[Fraction]] = []
    for x in inputs.tolist():
        values = [Fraction(v) for v in x]
        for layer in network.layers:
            if isinstance(layer, Dense):
                values = [
                    sum((Fraction(w) * v for w, v in zip(row, values, strict=True)), Fraction(b))
                    for row, b in zip(layer.weights.tolist(), layer.bias.tolist(), strict=True)
                ]
            else:
                assert isinstance(layer, Activation)
                left, right = (Fraction(s) for s in layer.linear_pieces() or (0, 1))
                values = [v * right if v > 0 else left * v for v in values]
        rows.append(values)
    return rows
