"""The MILP encoding and HiGHS's verdicts: the true network is a feasible point of every encoding, and each
answer (verified, candidate, timeout, undecided) comes out where it should."""

import sys
from fractions import Fraction

import numpy as np
import pytest
from certify_networks import boundary_network, tiny_network

pytest.importorskip("scipy")

from verified_nn.certify import CertifyError, DenseNetwork, from_model, linear_bounds, linf_ball, minimum_margin
from verified_nn.certify._milp import CANDIDATE, TIMEOUT, UNDECIDED, VERIFIED, build_model
from verified_nn.network import default_network


@pytest.mark.parametrize("slope", [0.0, 0.1])
def test_every_input_of_the_ball_gives_a_feasible_point_of_the_encoding(slope: float) -> None:
    network = tiny_network(seed=4, widths=(4, 7, 5, 3), slope=slope)
    rng = np.random.default_rng(4)
    ball = linf_ball(rng.random(4), Fraction(1, 5))
    bounds = linear_bounds(network, ball)
    model = build_model(network, ball, 0, 2, bounds)
    assert model.binaries > 0
    for _ in range(50):
        x = ball.project(ball.lower + rng.random(4) * (ball.upper - ball.lower))
        values = [x]
        for z in network.pre_activations(x[np.newaxis, :])[:-1]:
            z = z[0]
            values += [z, np.where(z > 0, z, slope * z), (z > 0).astype(float)]
        point = np.concatenate(values)
        assert np.all(model.lower - 1e-12 <= point) and np.all(point <= model.upper + 1e-12)
        rows = model.matrix @ point
        assert np.all(model.row_lower - 1e-9 <= rows) and np.all(rows <= model.row_upper + 1e-9)
        logits = network.logits(x[np.newaxis, :])[0]
        assert model.objective @ point + model.constant == pytest.approx(logits[0] - logits[2], abs=1e-9)


def _hinge_network() -> DenseNetwork:
    # z_0 - z_1 = 0.9 - relu(x_0 - 0.2) - relu(x_1 - 0.2): class 0 near (0.3, 0.3), class 1 towards (1, 1).
    return DenseNetwork(
        weights=(np.eye(2), np.array([[-1.0, -1.0], [0.0, 0.0]])),
        biases=(np.array([-0.2, -0.2]), np.array([0.9, 0.0])),
        slopes=(0.0,),
    )


def test_a_robust_class_is_verified_and_a_reachable_one_gives_its_minimum_as_a_candidate() -> None:
    network, x = _hinge_network(), np.array([0.3, 0.3])
    small, large = linf_ball(x, Fraction(1, 1000)), linf_ball(x, Fraction(1, 2))
    outcome = minimum_margin(network, small, 0, 1, linear_bounds(network, small), float_error=1e-9, time_limit=10)
    assert outcome.status == VERIFIED and outcome.dual_bound >= outcome.needed > 1e-9
    outcome = minimum_margin(network, large, 0, 1, linear_bounds(network, large), float_error=1e-9, time_limit=10)
    assert outcome.status == CANDIDATE and outcome.binaries == 2 and outcome.example is not None
    assert outcome.value == pytest.approx(0.9 - 2 * 0.6) and np.allclose(outcome.example, [0.8, 0.8])


def test_a_minimum_inside_the_allowance_is_undecided() -> None:
    network = boundary_network(ones=2, gap=1.5)
    ball = linf_ball(np.ones(4, dtype=np.float32), Fraction(0))
    outcome = minimum_margin(network, ball, 0, 1, linear_bounds(network, ball), float_error=10.0, time_limit=10)
    assert outcome.status == UNDECIDED and outcome.value == pytest.approx(1.5)


def test_a_hard_problem_with_no_time_times_out() -> None:
    network = from_model(default_network(np.random.default_rng(0)))
    ball = linf_ball(np.random.default_rng(0).random(784).astype(np.float32), Fraction(1, 4))
    label = int(network.predict(ball.center[np.newaxis, :])[0])
    outcome = minimum_margin(
        network, ball, label, (label + 1) % 10, linear_bounds(network, ball), float_error=0.0, time_limit=0.01
    )
    assert outcome.status in (TIMEOUT, CANDIDATE) and outcome.binaries > 50


def test_without_scipy_the_complete_method_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    network = tiny_network()
    ball = linf_ball(np.zeros(3), Fraction(1, 10))
    with pytest.raises(CertifyError, match=r"the complete method needs scipy: pip install 'verified-nn\[certify\]'"):
        minimum_margin(network, ball, 0, 1, linear_bounds(network, ball), float_error=0.0, time_limit=1)
