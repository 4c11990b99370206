"""The attack: finds planted counterexamples, returns only confirmed ones, and repeats itself for a seed."""

from typing import Any

import numpy as np
from search_cases import planted, planted_property, robustness, vnnlib_text

from verified_nn.layers import Dense, ReLU
from verified_nn.network import Network
from verified_nn.search import AttackConfig, attack, problems
from verified_nn.spec import parse_vnnlib


def test_the_attack_finds_the_planted_corner_and_its_point_violates_the_property_exactly() -> None:
    network, corner = planted(8)
    spec = planted_property(8)
    [problem] = problems(network, spec)
    found = attack(network, problem, seed=1)
    assert found.example is not None and found.outputs is not None
    assert spec.violated_by(found.example, network.logits(found.example[np.newaxis])[0])
    assert np.abs(found.example - corner).sum() < 0.3  # near the planted corner, the only place it can be
    assert found.best <= 0


def test_the_same_seed_gives_the_same_point_and_a_robust_property_gives_none() -> None:
    network, _ = planted(8)
    [problem] = problems(network, planted_property(8))
    first, second = attack(network, problem, seed=3), attack(network, problem, seed=3)
    assert first.example is not None and second.example is not None
    np.testing.assert_array_equal(first.example, second.example)
    # Outputs of a ReLU layer are never negative: "Y_0 <= -0.001" has no counterexample.
    relu: Network[Any, Any] = Network(
        (Dense(weights=np.eye(2, dtype=np.float32), bias=np.zeros(2, np.float32)), ReLU())
    )
    [never] = problems(relu, parse_vnnlib(vnnlib_text([-1, -1], [1, 1], 2, "(<= Y_0 -0.001)")))
    result = attack(relu, never, config=AttackConfig(restarts=3, steps=10))
    assert result.example is None and result.best > 0


def test_starting_points_are_used_and_a_start_outside_the_box_is_clipped_in() -> None:
    network, corner = planted(12)
    [problem] = problems(network, planted_property(12))
    found = attack(network, problem, config=AttackConfig(restarts=1, steps=0), starts=corner * 7 - 3)
    assert found.example is not None  # the given start (clipped to the box: the corner) is tried first
    np.testing.assert_array_equal(found.example, corner)  # 4 and -3 clip to 1 and 0


def test_ties_count_and_a_point_just_outside_the_box_does_not() -> None:
    # y = x: "Y_0 >= Y_1" is met exactly on the diagonal, a tie.
    identity: Network[Any, Any] = Network((Dense(weights=np.eye(2, dtype=np.float32), bias=np.zeros(2, np.float32)),))
    spec = parse_vnnlib(vnnlib_text(["0.5", "0.5"], ["0.5", "0.5"], 2, robustness(1, 2)))
    [problem] = problems(identity, spec)
    found = attack(identity, problem, config=AttackConfig(restarts=1, steps=0))
    assert found.example is not None and found.example.tolist() == [0.5, 0.5]
    assert (
        problem.counterexample(identity, np.array([0.5, np.nextafter(np.float32(0.5), np.float32(1))], np.float32))
        is None
    )


def _identity_with_ors(choices: list[tuple[str, str]]) -> Any:
    """The identity on [0, 1]^2 and a property of one assert ``(or A B)`` per choice (2 ** len conjunctions)."""
    identity: Network[Any, Any] = Network((Dense(weights=np.eye(2, dtype=np.float32), bias=np.zeros(2, np.float32)),))
    text = vnnlib_text([0, 0], [1, 1], 2, f"(or {choices[0][0]} {choices[0][1]})")
    text += "".join(f"(assert (or {a} {b}))\n" for a, b in choices[1:])
    [problem] = problems(identity, parse_vnnlib(text))
    assert problem.conjuncts == 2 ** len(choices)
    return identity, problem


def test_the_targeted_objective_is_the_full_objective_at_each_starts_own_conjunction() -> None:
    _, problem = _identity_with_ors([(f"(>= Y_0 {0.2 + k})", f"(<= Y_1 {0.1 * k})") for k in range(5)])
    rng = np.random.default_rng(0)
    outputs = rng.normal(size=(200, 2))
    outputs[:20] = 0.4  # ties between rows: the first wins, as in objective
    full, which = problem.objective(outputs)
    picked = np.arange(200)
    # Every conjunction targeted: each row's own rows gathered; one targeted: its rows against every batch row.
    for target in (rng.integers(0, 32, size=200), np.full(200, 3)):
        scores, rows = problem.targeted(outputs, target)
        np.testing.assert_allclose(scores, full[picked, target], rtol=1e-15, atol=1e-15)
        np.testing.assert_array_equal(rows, which[picked, target])


def test_a_region_of_more_conjunctions_than_one_batch_holds_is_attacked_in_groups(monkeypatch: Any) -> None:
    # Every first choice needs Y_0 >= 2, out of reach: only the last conjunction, every second choice, is met.
    network, problem = _identity_with_ors([(f"(>= Y_0 {2 + k})", "(<= Y_0 0.5)") for k in range(10)])
    monkeypatch.setattr("verified_nn.search._attack.MAX_STARTS", 64)  # 8 starts each: 8 conjunctions a group
    groups: list[int] = []
    original = attack.__globals__["_attack_group"]

    def counting(*args: Any) -> Any:
        groups.append(len(args[5]))
        return original(*args)

    monkeypatch.setattr("verified_nn.search._attack._attack_group", counting)
    found = attack(network, problem, config=AttackConfig(steps=5))
    assert found.example is not None and found.example[0] <= 0.5 and found.best <= 0
    assert groups == [8] * 128  # the conjunction met is in the last group, reached in turn
