"""Networks with tanh: numpy's tanh within the error Tanh declares, the enclosures against ball arithmetic,
and the ball pass that settles what the enclosures leave open."""

from typing import Any

import numpy as np
import pytest
from exact_cases import random_case

import verified_nn.exact._balls as balls_module
from verified_nn.exact import FloatCheckError, ball_classes, flint_available, logit_bounds
from verified_nn.layers import Dense, LeakyReLU, ReLU, Tanh
from verified_nn.network import Network

TANH_ULPS = 4  # Tanh.float_error = (8, 4): 4 ulp of t are at most 8 u |t|

needs_flint = pytest.mark.skipif(not flint_available(), reason="needs python-flint (the exact extra)")
Array = np.ndarray[Any, Any]


def _tanh_inputs(dtype: Any, rng: np.random.Generator) -> Array:
    info = np.finfo(dtype)
    scales = 2.0 ** rng.integers(-40, 5, size=20000)
    values = rng.normal(size=20000) * scales
    edges = [0.0, info.smallest_subnormal, info.tiny, 0.5, 0.55, 1.0, 9.0, 9.01, 19.06, 20.0, 1e10]
    return np.concatenate([values, edges, [-e for e in edges]]).astype(dtype)


def _ulp(value: float, dtype: Any) -> float:
    magnitude = abs(np.array(value, dtype=dtype))
    return float(np.spacing(magnitude)) if magnitude > 0 else float(np.finfo(dtype).smallest_subnormal)


@needs_flint
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_tanh_is_within_the_assumed_ulps(dtype: Any) -> None:
    import flint

    flint.ctx.prec = 200
    try:
        inputs = _tanh_inputs(dtype, np.random.default_rng(3))
        computed = np.tanh(inputs)
        worst = 0.0
        for x, y in zip(inputs.tolist(), computed.tolist(), strict=True):
            real = flint.arb(x).tanh()
            error = abs(flint.arb(y) - real)
            ulps = float(error.upper()) / _ulp(float(real.mid()), dtype)
            worst = max(worst, ulps)
        assert worst <= TANH_ULPS
    finally:
        flint.ctx.prec = 53


def _ball_logits(network: Network[Any, Any], inputs: Array) -> list[list[Any]]:
    # The real forward pass on balls, written independently of the library's ball pass.
    import flint

    rows = []
    for x in inputs.tolist():
        values = [flint.arb(v) for v in x]
        for layer in network.layers:
            if isinstance(layer, Dense):
                values = [
                    sum((flint.arb(w) * v for w, v in zip(row, values, strict=True)), flint.arb(b))
                    for row, b in zip(layer.weights.tolist(), layer.bias.tolist(), strict=True)
                ]
            elif isinstance(layer, Tanh):
                values = [v.tanh() for v in values]
            else:
                slope = flint.arb(layer.slope if isinstance(layer, LeakyReLU) else 0.0)
                values = [v if v > 0 else slope * v if v <= 0 else v.union(slope * v) for v in values]
        rows.append(values)
    return rows


@needs_flint
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_bound_holds_for_tanh_networks(dtype: Any) -> None:
    import flint

    flint.ctx.prec = 400
    try:
        rng = np.random.default_rng(4)
        checked = 0
        for _ in range(150):
            network, inputs = random_case(rng, dtype, activations=(Tanh(), Tanh(), ReLU(), LeakyReLU(0.01)))
            logits = network.logits(inputs)
            bounds = logit_bounds(network, inputs, logits)
            for i, row in enumerate(_ball_logits(network, inputs)):
                for j, real in enumerate(row):
                    # certainly |float - real| <= bound: the whole ball lies within the bound
                    assert abs(flint.arb(float(logits[i, j])) - real) <= flint.arb(float(bounds[i, j]))
                    checked += 1
        assert checked > 500
    finally:
        flint.ctx.prec = 53


def _two_tanh_logits(bias: float) -> Network[Any, Any]:
    # logits (tanh 1 - tanh 1 + bias, 0) on the input 1
    layer1 = Dense(weights=np.ones((2, 1)), bias=np.zeros(2))
    return Network((layer1, Tanh(), Dense(weights=np.array([[1.0, -1.0], [0.0, 0.0]]), bias=np.array([bias, 0.0]))))


@needs_flint
def test_balls_separate_a_tiny_real_margin_and_leave_a_real_tie_undecided() -> None:
    assert ball_classes(_two_tanh_logits(2.0**-200), np.ones((1, 1))).tolist() == [0]
    assert ball_classes(_two_tanh_logits(-(2.0**-200)), np.ones((1, 1))).tolist() == [1]
    assert ball_classes(_two_tanh_logits(0.0), np.ones((1, 1))).tolist() == [-1]


def test_the_ball_pass_needs_python_flint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(balls_module, "flint_available", lambda: False)
    with pytest.raises(FloatCheckError, match=r"needs python-flint: pip install 'verified-nn\[exact\]'"):
        ball_classes(_two_tanh_logits(0.0), np.ones((1, 1)))
