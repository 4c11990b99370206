"""screen: a property of many small regions, bounded all at once before any region is searched."""

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from verified_nn.bounds import OutOfTimeError, _screen as screen_module, branch_and_bound, screen
from verified_nn.layers import Dense
from verified_nn.network import Network, mlp
from verified_nn.search import UNSAT, problems, verify
from verified_nn.spec import Property, parse_vnnlib

NETWORK = mlp((1, 16, 16, 1), rng=np.random.default_rng(3), dtype=np.float32)
STARTS = np.linspace(0.0, 0.9, 40)
WIDTH = 1e-4


def _range(network: Network[Any, Any], low: float, high: float) -> tuple[float, float]:
    """The output's range over [low, high], sampled finely (the network is nearly linear on so small a box)."""
    x = np.linspace(low, high, 201, dtype=np.float32)[:, np.newaxis]
    y = np.asarray(network.logits(x))[:, 0]
    return float(y.min()), float(y.max())


def _property(cases: Sequence[tuple[float, float, str, str]]) -> Property:
    """One region per case: ``X_0`` in [low, high], violated where ``Y_0 <= below`` or ``Y_0 >= above`` (each
    an output condition, or "" for none of that side)."""
    parts = []
    for low, high, below, above in cases:
        box = f"(>= X_0 {float(low)!r}) (<= X_0 {float(high)!r})"
        parts += [f"(and {box} {condition})" for condition in (below, above) if condition]
    return parse_vnnlib("(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (or " + " ".join(parts) + "))\n")


def _margins(margin: float, *, violated: int | None = None) -> Property:
    """Every region's two conditions ``margin`` outside the output's range there; at region ``violated`` the
    lower one sits inside it, so that region has counterexamples."""
    cases = []
    for index, start in enumerate(STARTS):
        low, high = _range(NETWORK, start, start + WIDTH)
        below = (low + high) / 2 if index == violated else low - margin
        above = f"(>= Y_0 {high + margin!r})" if index % 3 else ""  # one condition only: fewer rows than others
        cases.append((start, start + WIDTH, f"(<= Y_0 {below!r})", above))
    return _property(cases)


def test_one_pass_proves_every_region_with_a_margin_and_none_with_a_counterexample() -> None:
    proven = screen(NETWORK, problems(NETWORK, _margins(1e-3, violated=7)))
    assert proven.shape == (40,) and not proven[7] and proven[np.arange(40) != 7].all()  # tight at 1e-3 too


def test_a_region_is_proven_only_when_each_of_its_conjunctions_is() -> None:
    cases = []
    for start in STARTS[:4]:
        low, _ = _range(NETWORK, start, start + WIDTH)
        cases.append((start, start + WIDTH, f"(<= Y_0 {low - 0.01!r})", f"(>= Y_0 {low!r})"))  # the 2nd holds
    assert not screen(NETWORK, problems(NETWORK, _property(cases))).any()


def test_bounds_beyond_the_float_range_prove_nothing() -> None:
    weights = [np.array([[1e18]]), np.array([[1e18]])]
    from certify_networks import dense_network

    huge = dense_network(weights, [np.zeros(1), np.zeros(1)], (0.0,)).astype(np.float32)
    spec = _property([(0.0, 1.0, "(<= Y_0 -1.0)", ""), (1.0, 2.0, "(<= Y_0 -1.0)", "")])  # true: y >= 0
    assert not screen(huge, problems(huge, spec)).any()
    small = dense_network([np.array([[2.0]]), np.array([[3.0]])], [np.zeros(1), np.zeros(1)], (0.0,))
    assert screen(small.astype(np.float32), problems(small.astype(np.float32), spec)).all()


def test_verify_answers_unsat_from_the_one_pass_and_sat_at_the_region_that_has_a_counterexample() -> None:
    verdict = verify(NETWORK, _margins(0.05), timeout=30)
    assert (verdict.result, verdict.stage, verdict.domains) == (UNSAT, "bounds", 40)
    found = verify(NETWORK, _margins(0.05, violated=23), timeout=30)
    assert found.result == "sat" and found.example is not None
    assert STARTS[23] <= float(found.example[0]) <= STARTS[23] + WIDTH


def test_the_pass_stops_at_the_deadline() -> None:
    with pytest.raises(OutOfTimeError):
        screen(NETWORK, problems(NETWORK, _margins(0.05)), deadline=time.monotonic() - 1)


def _huge() -> Network[Any, Any]:
    """y = -1e21 x: outputs far beyond what a coefficient below float32's normal range keeps when cast."""
    return Network((Dense(weights=np.array([[-1e21]], dtype=np.float32), bias=np.zeros(1, dtype=np.float32)),))


def test_a_coefficient_float32_cannot_hold_is_charged_not_dropped() -> None:
    """1e-50 rounds to 0 in float32: bounds computed with it saw no condition at all and proved the region, where
    x = 1 gives 1e-50 * -1e21 = -1e-29 <= -1e-30 (a helper's find)."""
    condition = "(<= (* 1e-50 Y_0) -1e-30)"
    regions = [f"(and (>= X_0 {low}) (<= X_0 {low + 1.0}) {condition})" for low in (0.0, 2.0)]
    text = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (or " + " ".join(regions) + "))\n"
    spec, huge = parse_vnnlib(text), _huge()
    assert problems(huge, spec)[0].counterexample(huge, np.array([1.0], dtype=np.float32)) is not None
    assert not screen(huge, problems(huge, spec)).any()
    assert verify(huge, spec, timeout=10).result == "sat"
    one = problems(huge, parse_vnnlib(text.replace(regions[1], "")))[0]  # branch-and-bound, no attack's help:
    outcome = branch_and_bound(huge, one, deadline=time.monotonic() + 3, check=lambda x: None)  # no point confirmed
    assert outcome.result != UNSAT  # "unsat" at its root before the loss was charged


def test_a_query_without_rows_is_not_proven_and_the_others_are_still_screened() -> None:
    low, _ = _range(NETWORK, 0.0, WIDTH)
    text = (
        "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (or "
        f"(and (>= X_0 0.0) (<= X_0 {WIDTH!r}) (<= Y_0 {low - 0.05!r})) (and (>= X_0 0.5) (<= X_0 0.6))))\n"
    )  # the second region: no condition on the outputs
    queries = problems(NETWORK, parse_vnnlib(text))
    assert [len(query.bound) for query in queries] == [1, 0]
    assert screen(NETWORK, queries).tolist() == [True, False]


def test_an_easy_counterexample_is_found_before_the_regions_are_screened(monkeypatch: pytest.MonkeyPatch) -> None:
    import verified_nn.search._verify as verify_module

    monkeypatch.setattr(verify_module, "screen", lambda *args, **kwargs: pytest.fail("screened first"))
    found = verify(NETWORK, _margins(0.05, violated=0), timeout=30)
    assert found.result == "sat" and found.stage == "attack"


def _around(width: float, margin: float) -> list[Any]:
    """Each region ``width`` wide, both of its conditions ``margin`` outside the output's range there."""
    cases = []
    for start in STARTS:
        low, high = _range(NETWORK, start, start + width)
        cases.append((start, start + width, f"(<= Y_0 {low - margin!r})", f"(>= Y_0 {high + margin!r})"))
    return list(problems(NETWORK, _property(cases)))


def test_each_pass_proves_what_the_cheaper_ones_before_it_leave() -> None:
    """Intervals first, then CROWN's node boxes, then CROWN in float64: on boxes 0.1 wide the intervals leave
    regions CROWN proves; on boxes 1e-7 wide with margins of 1e-5 the float32 bound's own rounding leaves
    regions that float64 proves. The screen proves them all, so each later pass is what proves those."""
    wide = _around(0.1, 1e-3)
    by_intervals = screen_module._passes(NETWORK, wide, "float32", None, intervals=True)
    assert 0 < by_intervals.sum() < len(wide) and screen(NETWORK, wide).all()
    tiny = _around(1e-7, 1e-5)
    in_float32 = screen_module._passes(NETWORK, tiny, "float32", None, intervals=False)
    assert 0 < in_float32.sum() < len(tiny) and screen(NETWORK, tiny).all()
    assert screen_module._passes(NETWORK, tiny, "float64", None, intervals=False).all()


def test_no_pass_proves_a_region_that_has_a_counterexample() -> None:
    queries = problems(NETWORK, _margins(1e-3, violated=7))
    for dtype in ("float32", "float64"):
        for intervals in (True, False):
            assert not screen_module._passes(NETWORK, queries, dtype, None, intervals=intervals)[7]
