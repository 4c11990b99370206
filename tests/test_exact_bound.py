"""The bound really bounds: float logits against exact rational ones on small adversarial networks.

The same comparison, run with a bug planted in the bound, must find the bug: that is what shows the
comparison is sharp enough to mean something.
"""

from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from exact_cases import fraction_logits, random_case

import verified_nn.exact._bound as bound_module
from verified_nn.exact import (
    FLOAT32,
    Affine,
    DenseNetwork,
    FloatCheckError,
    leaky_relu,
    logit_error_bounds,
    run_float_pass,
)

DTYPES = [np.float32, np.float64]
CASES = 300


def _excess(dtype: Any, *, cases: int = CASES, seed: int = 0) -> Iterator[Fraction]:
    """For every logit of every case: |float - real| / bound (> 1 is a violation)."""
    rng = np.random.default_rng(seed)
    for _ in range(cases):
        network, inputs = random_case(rng, dtype)
        result = run_float_pass(network, inputs)
        bounds = logit_error_bounds(network, result)
        for i, row in enumerate(fraction_logits(network, inputs)):
            for j, real in enumerate(row):
                error = abs(Fraction(float(result.logits[i, j])) - real)
                limit = Fraction(float(bounds[i, j]))
                yield error / limit if limit else Fraction(0 if error == 0 else 10**9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_float_error_of_every_logit_is_within_its_bound(dtype: Any) -> None:
    ratios = list(_excess(dtype))
    assert len(ratios) > 1000
    assert max(ratios) <= 1
    # The cases are sharp: some logit comes within a factor of two of its bound.
    assert max(ratios) > Fraction(1, 2)


def _shorter_dot_products(original: Callable[..., Any]) -> Callable[..., Any]:
    # The classic slip: n - 1 roundings for a dot product of n terms (forgetting the product's own).
    return lambda products, terms, fmt: original(products, np.maximum(terms - 1, 0), fmt)


def _no_bias_rounding(pre: Any, fmt: Any) -> Any:
    return np.zeros(pre.shape)


def _dropping_input_error(original: Callable[..., Any]) -> Callable[..., Any]:
    return lambda affine, inputs, error, pre, fmt: original(affine, inputs, None, pre, fmt)


PLANTED = {
    "gamma of n - 1 instead of n": ("dot_error", _shorter_dot_products),
    "bias add taken as exact": ("bias_error", lambda original: _no_bias_rounding),
    "error of the layer input not propagated": ("dense_error", _dropping_input_error),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bug", sorted(PLANTED))
def test_a_planted_bug_in_the_bound_is_caught(bug: str, dtype: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    name, plant = PLANTED[bug]
    monkeypatch.setattr(bound_module, name, plant(getattr(bound_module, name)))
    assert max(_excess(dtype)) > 1


def test_a_single_product_is_bounded_by_one_rounding() -> None:
    x = np.array([[1 + 2.0**-23]], dtype=np.float32)
    network = DenseNetwork((Affine(np.array([[1 + 2.0**-23]], dtype=np.float32), np.zeros(1, dtype=np.float32)),), ())
    bounds = logit_error_bounds(network, run_float_pass(network, x))
    # (1 + 2^-23)^2 rounds to 1 + 2^-22; gamma_1 (1 + 2^-23)^2 plus u |z^| plus the underflow allowances.
    expected = float(FLOAT32.unit_roundoff / (1 - FLOAT32.unit_roundoff)) * (1 + 2.0**-23) ** 2
    assert expected < bounds[0, 0] < 3 * expected


def test_zero_inputs_do_not_count_as_terms() -> None:
    weights = np.full((1, 4), 0.1, dtype=np.float32)
    network = DenseNetwork((Affine(weights, np.zeros(1, dtype=np.float32)),), ())
    dense = run_float_pass(network, np.array([[0.3, 0.7, 0.2, 0.9]], dtype=np.float32))
    sparse = run_float_pass(network, np.array([[0.3, 0, 0, 0]], dtype=np.float32))
    ratio = logit_error_bounds(network, dense)[0, 0] / float(dense.logits[0, 0])
    sparse_ratio = logit_error_bounds(network, sparse)[0, 0] / float(sparse.logits[0, 0])
    assert sparse_ratio < ratio / 2  # gamma_1 against gamma_4, relative to the logit


def test_leaky_relu_counts_the_slope_float32_cannot_hold() -> None:
    network = DenseNetwork(
        (Affine(np.eye(1, dtype=np.float32), np.zeros(1, dtype=np.float32)),) * 2, (leaky_relu(0.01),)
    )
    result = run_float_pass(network, np.array([[-1.0]], dtype=np.float32))
    gap = abs(Fraction(float(np.float32(0.01))) - Fraction(0.01))
    assert gap > 0 and bound_module.slope_gap(0.01, FLOAT32) >= gap
    assert logit_error_bounds(network, result)[0, 0] >= float(gap)


def test_layers_wider_than_the_safety_argument_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bound_module, "MAX_WIDTH", 2)
    network = DenseNetwork((Affine(np.ones((1, 3)), np.zeros(1)),), ())
    with pytest.raises(FloatCheckError, match="wider than 2 inputs"):
        logit_error_bounds(network, run_float_pass(network, np.ones((1, 3))))
