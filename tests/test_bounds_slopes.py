"""alpha-CROWN: the hand-written gradient of the bound in the slopes agrees with finite differences, and
optimising never loses soundness or tightness against CROWN; results warm-start the next call."""

from typing import Any

import numpy as np
import pytest
from bounds_cases import exact_nodes, points, tiny_mlp

from verified_nn.bounds import (
    BoundsError,
    Box,
    Rounding,
    bound_gradient,
    linear_bounds,
    margin_spec,
    optimise_slopes,
    spec_bounds,
)

Array = np.ndarray[Any, Any]


def _case(seed: int, rounding: Rounding) -> tuple[Any, Any, Array, Box]:
    network = tiny_mlp(seed, (4, 8, 8, 3), slope=0.05 if seed % 2 else 0.0)
    rng = np.random.default_rng(seed)
    x = rng.random(4)
    box = Box(np.clip(x - 0.25, 0, 1)[None], np.clip(x + 0.25, 0, 1)[None])
    nodes = linear_bounds(network, box, rounding=rounding)
    return network, nodes, margin_spec(np.array([0]), 3), box


def _central_difference(
    network: Any, nodes: Any, spec: Array, slopes: dict[int, Array], i: int, index: tuple[int, ...], h: float
) -> float:
    """The central difference of the bound's ``index[:2]`` entry in slope ``i``'s entry ``index``."""
    plus, minus = {k: v.copy() for k, v in slopes.items()}, {k: v.copy() for k, v in slopes.items()}
    plus[i][index] += h
    minus[i][index] -= h
    high = spec_bounds(network, nodes, spec, slopes=plus).lower
    low = spec_bounds(network, nodes, spec, slopes=minus).lower
    return float((high - low)[index[0], index[1]] / (2 * h))


def _mismatches(network: Any, nodes: Any, spec: Array, slopes: dict[int, Array]) -> tuple[int, int]:
    """``(compared, disagreeing)``: every slope entry's gradient against a central difference of the bound."""
    _, gradients = bound_gradient(network, nodes, spec, slopes)
    h = 1e-6
    compared = wrong = 0
    for i, s in slopes.items():
        for index in np.ndindex(*s.shape):
            difference = _central_difference(network, nodes, spec, slopes, i, index, h)
            compared += 1
            wrong += difference != pytest.approx(gradients[i][index], rel=1e-5, abs=1e-8)
    return compared, wrong


def _interior(network: Any, nodes: Any, spec: Array, seed: int) -> dict[int, Array]:
    """Random slopes inside their range, away from the ends (where a one-sided change would be clipped)."""
    slopes = spec_bounds(network, nodes, spec).slopes
    assert slopes, "the case needs unstable neurons"
    rng = np.random.default_rng(seed)
    return {i: np.asarray(rng.uniform(0.1, 0.9, s.shape)) for i, s in slopes.items()}


@pytest.mark.parametrize("seed", range(4))
def test_the_slope_gradient_agrees_with_central_differences(seed: int) -> None:
    network, nodes, spec, _ = _case(seed, Rounding.none(np.float64))
    compared, wrong = _mismatches(network, nodes, spec, _interior(network, nodes, spec, seed))
    assert compared > 0 and wrong == 0


def test_a_gradient_that_forgets_which_line_was_used_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted bug: the slope's gradient also counted where the coefficient is negative (the upper line)."""
    from verified_nn.bounds import _elementwise

    def planted(self: Any, below: Array) -> Array | None:
        return None if self.free is None else np.where(self.free[:, np.newaxis], self.lam * below, 0.0)

    network, nodes, spec, _ = _case(0, Rounding.none(np.float64))
    slopes = _interior(network, nodes, spec, 0)
    monkeypatch.setattr(_elementwise._ElementwiseStep, "slope_gradient", planted)
    _, wrong = _mismatches(network, nodes, spec, slopes)
    assert wrong > 0


@pytest.mark.parametrize("seed", range(4))
def test_optimised_slopes_stay_sound_and_never_lose_to_crown(seed: int) -> None:
    network, nodes, spec, box = _case(seed, Rounding.sound(deployed=None))
    crown = spec_bounds(network, nodes, spec)
    optimised = optimise_slopes(network, nodes, spec, iterations=15)
    assert np.all(optimised.lower >= crown.lower)
    rng = np.random.default_rng(seed)
    for x in points(box.lower[0], box.upper[0], rng):
        out = exact_nodes(network, x)[-1].astype(float)
        assert np.all(optimised.lower[0] <= spec[0] @ out + 1e-12)


def test_a_warm_start_continues_from_the_returned_slopes() -> None:
    network, nodes, spec, _ = _case(1, Rounding.sound(deployed=None))
    first = optimise_slopes(network, nodes, spec, iterations=5)
    again = optimise_slopes(network, nodes, spec, iterations=0, slopes=first.slopes)
    np.testing.assert_array_equal(again.lower, first.lower)
    more = optimise_slopes(network, nodes, spec, iterations=10, slopes=first.slopes)
    assert np.all(more.lower >= first.lower)


def test_optimising_improves_a_loose_bound() -> None:
    network, nodes, spec, _ = _case(2, Rounding.none(np.float64))
    crown = spec_bounds(network, nodes, spec)
    optimised = optimise_slopes(network, nodes, spec, iterations=30)
    assert np.max(optimised.lower - crown.lower) > 1e-3


def test_bad_settings_are_refused() -> None:
    network, nodes, spec, _ = _case(0, Rounding.none(np.float64))
    with pytest.raises(BoundsError, match="iterations must be >= 0 and rate > 0"):
        optimise_slopes(network, nodes, spec, rate=0)


def _deployed_case() -> tuple[Any, Any, Array, dict[int, Array]]:
    """Wide float32 layers bounded with the deployed rounding, whose allowance moves the bound by about
    ``64 u`` relative: a gradient that forgot it would be off by far more than central differences are."""
    network = tiny_mlp(5, (64, 64, 64, 3), dtype=np.float32)
    x = np.random.default_rng(5).random(64)
    box = Box(np.clip(x - 0.05, 0, 1)[None], np.clip(x + 0.05, 0, 1)[None])
    nodes = linear_bounds(network, box, rounding=Rounding.sound(deployed=np.float32))
    spec = margin_spec(np.array([0]), 3)
    return network, nodes, spec, _interior(network, nodes, spec, 5)


def _relative_mismatches(network: Any, nodes: Any, spec: Array, slopes: dict[int, Array]) -> int:
    """How many slope entries' gradients differ from central differences by more than ``1e-8`` relative."""
    _, gradients = bound_gradient(network, nodes, spec, slopes)
    h, wrong = 1e-5, 0
    for i, s in slopes.items():
        for index in list(np.ndindex(*s.shape))[::4]:
            difference = _central_difference(network, nodes, spec, slopes, i, index, h)
            wrong += difference != pytest.approx(gradients[i][index], rel=1e-8, abs=1e-9)
    return wrong


def test_the_slope_gradient_includes_the_deployed_rounding() -> None:
    assert _relative_mismatches(*_deployed_case()) == 0


def test_a_gradient_that_forgets_the_deployed_rounding_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from verified_nn.bounds import _affine_step

    case = _deployed_case()
    original = _affine_step.AffineStep.witness

    def planted(self: Any, below: Array) -> Array:
        linear, self.linear = self.linear, None
        try:
            result: Array = original(self, below)
        finally:
            self.linear = linear
        return result

    monkeypatch.setattr(_affine_step.AffineStep, "witness", planted)
    assert _relative_mismatches(*case) > 0
