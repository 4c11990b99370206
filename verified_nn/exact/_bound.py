"""A rigorous bound on |float logit - real logit|, layer by layer, vectorised over the batch.

Error model (``_formats``): round to nearest in the network's format with unit roundoff ``u``; an
operation that underflows may err by up to the smallest normal ``lam`` more. Nothing is assumed about
the order in which BLAS sums a dot product, nor about fused multiply-adds. For dense layer ``k`` with
float input ``a^`` (batch, n), real input ``a`` and a known bound ``d >= |a^ - a|``:

- dot products, any order (Higham, Lemma 3.1 and Section 3.1): ``s^ = fl(a^ . w)`` is reached by at most
  ``m`` roundings per term, where ``m`` is the number of nonzero entries of ``a^`` (a zero term adds
  nothing and is exact), so ``|s^ - a^ . w| <= gamma_m sum|a^_i w_i| + (2m - 1) lam (1 + gamma_m)``;
- bias add: ``z^ = fl(s^ + b)``, ``|z^ - (s^ + b)| <= u |z^| + lam``;
- the error of the input goes through the weights: ``|W (a^ - a)| <= |W| d``.

Activations: ReLU is exact in floats and 1-Lipschitz, so the error passes through; leaky ReLU rounds
one product ``fl(z^ s~)`` where ``s~`` is the slope as stored in the format (``u |a^| + lam`` plus
``|z^| |s~ - s|``); tanh is 1-Lipschitz and numpy's tanh is taken to be within ``TANH_ULPS`` units in
the last place of the true value (see docs/float-check.md), ``<= gamma_{2K} |a^| + K lam``.

The bound is computed in float64 from nonnegative terms, each reaching the result through fewer than
``MAX_WIDTH + 16`` roundings of relative size ``2^-53`` (BLAS order again unknown); so the computed
value is at least the real one times ``1 - 2^-32``, less underflow losses below ``2^-1055``, which are
below ``2^-33`` of the result (every bound contains ``lam >= 2^-1022``). Multiplying by ``SAFETY`` then
gives a float64 number that is never below the bound it stands for.
"""

from fractions import Fraction
from typing import Final

import numpy as np

from verified_nn.core import checked

from ._arrays import Bounds
from ._errors import FloatCheckError
from ._float_pass import FloatPass
from ._formats import FloatFormat, gamma
from ._network import Affine, Array, DenseNetwork, Nonlinearity

TANH_ULPS: Final = 4  # numpy's tanh is within 4 ulp of the real tanh (float32 and float64)
SAFETY: Final = 1.0 + 2.0**-20  # covers the float64 rounding of the bound itself
MAX_WIDTH: Final = 2**20  # widest layer input the SAFETY argument covers


def dot_error(abs_products: Array, terms: Array, fmt: FloatFormat) -> Array:
    """Bound on ``|fl(a . w) - a . w|`` for any summation order: ``gamma_m P + (2m - 1) lam (1 + gamma_m)``.

    Args:
        abs_products: ``(batch, out)`` float64, ``P = sum_i |a_i| |w_i|``.
        terms: ``(batch,)`` the number ``m`` of nonzero inputs of each row.
    """
    g = gamma(terms, fmt.unit_roundoff)[:, np.newaxis]  # (batch, 1)
    operations = np.maximum(2 * terms - 1, 0).astype(np.float64)[:, np.newaxis]
    result: Array = g * abs_products + operations * fmt.smallest_normal * (1.0 + g)
    return result


def bias_error(pre_activations: Array, fmt: FloatFormat) -> Array:
    """Bound on ``|fl(s + b) - (s + b)|`` from the rounded sum ``z^``: ``u |z^| + lam``."""
    result: Array = fmt.unit_roundoff * np.abs(pre_activations.astype(np.float64)) + fmt.smallest_normal
    return result


def slope_gap(slope: float, fmt: FloatFormat) -> float:
    """``|s~ - s|`` rounded up, where ``s~`` is ``slope`` as stored in the format numpy multiplies in."""
    stored = Fraction(float(np.asarray(slope, dtype=fmt.dtype)))
    gap = abs(stored - Fraction(slope))
    return 0.0 if gap == 0 else float(np.nextafter(float(gap), np.inf))


def activation_error(nonlinearity: Nonlinearity, pre: Array, post: Array, error: Array, fmt: FloatFormat) -> Array:
    """Bound on ``|a^ - act(z)|`` from ``d = error >= |z^ - z|``, the float ``z^ = pre`` and ``a^ = post``."""
    if nonlinearity.kind == "relu":
        return error
    magnitude = np.abs(post.astype(np.float64))
    if nonlinearity.kind == "leaky_relu":
        rounding = fmt.unit_roundoff * magnitude + fmt.smallest_normal
        rounding += slope_gap(nonlinearity.slope, fmt) * np.abs(pre.astype(np.float64))
        result: Array = error + np.where(pre > 0, 0.0, rounding)
    else:
        relative = gamma(np.asarray(2 * TANH_ULPS), fmt.unit_roundoff)
        result = error + relative * magnitude + TANH_ULPS * fmt.smallest_normal
    return result * SAFETY


def dense_error(affine: Affine, inputs: Array, error: Array | None, pre: Array, fmt: FloatFormat) -> Array:
    """Bound ``(batch, out)`` on ``|z^ - z|`` for one dense layer (see the module docstring).

    Args:
        inputs: ``(batch, in)`` the float input ``a^`` of the layer.
        error: ``(batch, in)`` float64 bound on ``|a^ - a|``, or None when the input is exact.
        pre: ``(batch, out)`` the float output ``z^`` of the layer.
    """
    abs_weights_t = np.abs(affine.weights.astype(np.float64)).T  # (in, out)
    abs_products = np.abs(inputs.astype(np.float64)) @ abs_weights_t  # (batch, out)
    terms = np.count_nonzero(inputs, axis=1)  # (batch,)
    total = dot_error(abs_products, terms, fmt) + bias_error(pre, fmt)
    if error is not None:
        total += error @ abs_weights_t  # the input's error through |W|
    result: Array = total * SAFETY
    return result


@checked
def logit_error_bounds(network: DenseNetwork, float_pass: FloatPass) -> Bounds:
    """``(batch, classes)`` float64: a bound on ``|float logit - real logit|`` for every logit.

    The real network has the same weights, biases and inputs (the exact values of the floats) and
    computes in real arithmetic; the float one is ``float_pass``. Infinite or NaN where the float pass
    overflowed.
    """
    if max(network.widths[:-1]) > MAX_WIDTH:
        raise FloatCheckError(f"float check: layers wider than {MAX_WIDTH} inputs are not covered")
    fmt = network.format
    error: Array | None = None
    with np.errstate(over="ignore", invalid="ignore"):
        for k, affine in enumerate(network.affines):
            pre = float_pass.pre_activations[k]
            error = dense_error(affine, float_pass.layer_inputs(k), error, pre, fmt)
            if k < len(network.nonlinearities):
                error = activation_error(network.nonlinearities[k], pre, float_pass.activations[k], error, fmt)
    assert error is not None
    return error
