"""Small networks and inputs for the float-check tests, and an exact forward pass written independently.

The generator aims at the cases where rounding shows: layers of width 1 (a dot product of one term),
biases far larger or smaller than the products, and biases that cancel a row's float dot product, so
that the logit is nothing but rounding error.
"""

import itertools
from fractions import Fraction
from typing import Any

import numpy as np

from verified_nn.exact import RELU, Affine, DenseNetwork, Nonlinearity, leaky_relu, plain_forward

Array = np.ndarray[Any, Any]
ACTIVATIONS = (RELU, leaky_relu(0.01), leaky_relu(0.3), leaky_relu(1 / 3))


def _scaled_normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> Array:
    return (rng.normal(size=shape) * 2.0 ** int(rng.integers(-30, 8))).astype(dtype)


def random_case(
    rng: np.random.Generator, dtype: Any, *, activations: tuple[Nonlinearity, ...] = ACTIVATIONS
) -> tuple[DenseNetwork, Array]:
    """A network of 1-3 dense layers of widths 1-5 and a batch of 1-3 inputs, some biases cancelling row 0."""
    widths = [int(w) for w in rng.integers(1, 6, size=int(rng.integers(2, 5)))]
    inputs = _scaled_normal(rng, (int(rng.integers(1, 4)), widths[0]), dtype)
    inputs[rng.random(inputs.shape) < 0.2] = 0  # zero inputs: the dot products get shorter
    affines: list[Affine] = []
    nonlinearities = [activations[int(rng.integers(len(activations)))] for _ in widths[2:]]
    current = inputs  # the float input of the layer being built
    for k, (fan_in, fan_out) in enumerate(itertools.pairwise(widths)):
        weights = _scaled_normal(rng, (fan_out, fan_in), dtype)
        bias = _scaled_normal(rng, (fan_out,), dtype)
        cancel = rng.random(fan_out) < 0.4
        bias[cancel] = -(current @ weights.T)[0, cancel]  # row 0's output is then its dot product's rounding error
        affines.append(Affine(weights, bias))
        if k < len(nonlinearities):
            z = plain_forward(DenseNetwork(tuple(affines), tuple(nonlinearities[:k])), inputs).pre_activations[-1]
            slope = nonlinearities[k].slope
            current = np.where(z > 0, z, z * slope) if nonlinearities[k].kind != "tanh" else np.tanh(z)
    return DenseNetwork(tuple(affines), tuple(nonlinearities)), inputs


def fraction_logits(network: DenseNetwork, inputs: Array) -> list[list[Fraction]]:
    """The real logits, computed with ``fractions.Fraction`` one number at a time (ReLU family only)."""
    rows: list[list[Fraction]] = []
    for x in inputs.tolist():
        values = [Fraction(v) for v in x]
        for k, affine in enumerate(network.affines):
            values = [
                sum((Fraction(w) * v for w, v in zip(row, values, strict=True)), Fraction(b))
                for row, b in zip(affine.weights.tolist(), affine.bias.tolist(), strict=True)
            ]
            if k < len(network.nonlinearities):
                slope = Fraction(network.nonlinearities[k].slope)
                values = [v if v > 0 else slope * v for v in values]
        rows.append(values)
    return rows
