"""The per-image pipeline and the parallel runner: stages stop at the first verdict, configuration errors
are one clear message, and processes give the same answers as one."""

import dataclasses
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from certify_networks import dense_network, tiny_network

from verified_nn.certify import (
    COUNTEREXAMPLE,
    FLOAT_UNDECIDED,
    MISCLASSIFIED,
    STATUSES,
    TIMEOUT,
    UNBOUNDED,
    UNDECIDED,
    VERIFIED,
    AttackConfig,
    CertifyConfig,
    CertifyError,
    ImageResult,
    InputRange,
    certify_image,
    certify_images,
    linf_ball,
)
from verified_nn.layers import Dense, Tanh
from verified_nn.network import Network

pytest.importorskip("scipy")


def _hinge_network() -> Network[Any, Any]:
    # z_0 - z_1 = 0.9 - relu(x_0 - 0.2) - relu(x_1 - 0.2)
    return dense_network(
        [np.eye(2), np.array([[-1.0, -1.0], [0.0, 0.0]])], [np.array([-0.2, -0.2]), np.array([0.9, 0.0])], (0.0,)
    )


def _twin_network() -> Network[Any, Any]:
    # Two copies of relu(x_0 - 1/2) that cancel: z_0 - z_1 = 0.1 always, which no bound on single neurons sees.
    return dense_network(
        [np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[1.0, -1.0], [0.0, 0.0]])],
        [np.array([-0.5, -0.5]), np.array([0.1, 0.0])],
        (0.0,),
    )


@pytest.mark.parametrize(
    ("eps", "method", "status", "decided_by"),
    [
        (Fraction(1, 100), "complete", VERIFIED, "ibp"),
        (Fraction(1, 2), "complete", COUNTEREXAMPLE, "attack"),
    ],
)
def test_the_cheap_stages_decide_what_they_can(eps: Fraction, method: str, status: str, decided_by: str) -> None:
    result = certify_image(_hinge_network(), np.array([0.3, 0.3]), 0, CertifyConfig(eps=eps, method=method))
    assert (result.status, result.decided_by) == (status, decided_by)
    assert result.status in STATUSES and result.seconds >= result.complete_seconds >= 0


def test_branch_and_bound_decides_what_the_bounds_leave_open() -> None:
    network, x, config = _twin_network(), np.array([0.5, 0.5]), CertifyConfig(eps=Fraction(1, 4))
    for method in ("ibp", "crown"):
        result = certify_image(network, x, 0, dataclasses.replace(config, method=method))
        assert result.status == "undecided" and result.margin_bound < 0 and result.decided_by == ""
    complete = certify_image(network, x, 0, config)
    assert (complete.status, complete.decided_by) == (VERIFIED, "bab") and complete.complete_seconds > 0
    assert complete.unstable == 2


def test_branch_and_bound_finds_the_counterexample_an_attack_missed() -> None:
    # An attack that only tries the image itself (margin 0.9) misses (0.8, 0.8), where the margin is -0.3.
    blind = AttackConfig(restarts=1, steps=1, step_scale=0.0)
    config = CertifyConfig(eps=Fraction(1, 2), attack=blind)
    result = certify_image(_hinge_network(), np.array([0.3, 0.3]), 0, config)
    assert (result.status, result.decided_by, result.counterexample_class) == (COUNTEREXAMPLE, "bab", 1)
    assert result.attack_margin > 0 and result.counterexample is not None
    assert linf_ball(np.array([0.3, 0.3]), Fraction(1, 2)).contains(result.counterexample)
    logits = _hinge_network().logits(result.counterexample[np.newaxis])[0]
    assert logits[1] >= logits[0]


def test_a_network_without_an_exact_encoding_is_searched_not_refused() -> None:
    # Two tanh copies of the first input that cancel: margin 0.1 everywhere, which no relaxation of a tanh
    # alone sees. Tanh has no MILP encoding: branch-and-bound splits and runs out of time instead of failing.
    first = np.zeros((2, 20), dtype=np.float32)
    first[:, 0] = 1.0
    network: Network[Any, Any] = Network(
        (
            Dense(weights=first, bias=np.zeros(2, dtype=np.float32)),
            Tanh(),
            Dense(
                weights=np.array([[1.0, -1.0], [0.0, 0.0]], dtype=np.float32),
                bias=np.array([0.1, 0.0], dtype=np.float32),
            ),
        )
    )
    config = CertifyConfig(eps=Fraction(1, 2), time_limit=1.0, input_range=UNBOUNDED)
    result = certify_image(network, np.zeros(20, dtype=np.float32), 0, config)
    assert result.status in (TIMEOUT, UNDECIDED, FLOAT_UNDECIDED) and result.unstable == 4


def _below_zero_network() -> Network[Any, Any]:
    # z_0 - z_1 = 0.05 - relu(-x): robust for every x >= -0.05, so the input range decides the verdict at x = 0.
    return dense_network([np.array([[-1.0]]), np.array([[-1.0], [0.0]])], [np.zeros(1), np.array([0.05, 0.0])], (0.0,))


@pytest.mark.parametrize(
    ("input_range", "status"),
    [
        (InputRange(0.0, 1.0), VERIFIED),  # the pixel range keeps x >= 0
        (InputRange(-0.04, 1.0), VERIFIED),  # the ball reaches -0.04 only: the margin stays >= 0.01
        (InputRange(-0.06, 1.0), COUNTEREXAMPLE),  # clipped at -0.06, it still holds x in [-0.06, -0.05)
        (UNBOUNDED, COUNTEREXAMPLE),  # not clipped: x = -0.1 gives margin -0.05
    ],
)
def test_the_ball_is_clipped_to_the_input_range_and_no_further(input_range: InputRange, status: str) -> None:
    result = certify_image(
        _below_zero_network(), np.zeros(1), 0, CertifyConfig(eps=Fraction(1, 10), input_range=input_range)
    )
    assert result.status == status
    if status == COUNTEREXAMPLE:
        assert result.counterexample is not None
        x = float(result.counterexample[0])
        assert max(input_range.low, -0.1) <= x < -0.05


def test_bounds_near_overflow_never_make_a_certificate() -> None:
    # Node bounds beyond float32's range (less a headroom) leave the float error model without ground: the image
    # is undecided, never verified, even when the bounds' signs would say so: two 1e18 weights make 1e36.
    network = dense_network(
        [np.array([[1e18]]), np.array([[1e18], [0.0]])], [np.zeros(1), np.array([1.0, 0.0])], (0.0,)
    )
    result = certify_image(network.astype(np.float32), np.ones(1, np.float32), 0, CertifyConfig(eps=Fraction(1, 10)))
    assert (result.status, result.decided_by) == ("undecided", "")
    modest = dense_network([np.array([[1e3]]), np.array([[1e3], [0.0]])], [np.zeros(1), np.array([1.0, 0.0])], (0.0,))
    result = certify_image(modest.astype(np.float32), np.ones(1, np.float32), 0, CertifyConfig(eps=Fraction(1, 10)))
    assert (result.status, result.decided_by) == (VERIFIED, "ibp")


def test_a_misclassified_image_is_its_own_counterexample() -> None:
    result = certify_image(_hinge_network(), np.array([0.9, 0.9]), 0, CertifyConfig(eps=Fraction(1, 10)))
    assert result.status == MISCLASSIFIED and result.counterexample_class == 1
    np.testing.assert_array_equal(result.counterexample, [0.9, 0.9])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"method": "milp"}, "method must be one of ibp, crown, complete, got 'milp'"),
        ({"eps": Fraction(3, 2)}, r"eps must lie in \[0, 1\], got 3/2 = 1.5$"),
        ({"time_limit": 0}, "the time limit must be positive, got 0"),
    ],
)
def test_a_bad_configuration_is_one_clear_message(fields: dict[str, object], message: str) -> None:
    with pytest.raises(CertifyError, match=message):
        CertifyConfig(**{"eps": Fraction(1, 10), **fields})  # type: ignore[arg-type]


def test_an_image_of_another_dtype_or_size_is_refused() -> None:
    network = tiny_network(dtype=np.float32)
    with pytest.raises(CertifyError, match=r"image must be float32\[3\], got float64\[3\]"):
        certify_image(network, np.zeros(3), 0, CertifyConfig(eps=Fraction(1, 10)))
    with pytest.raises(CertifyError, match="jobs must be at least 1"):
        certify_images(network, np.zeros((1, 3), np.float32), [0], CertifyConfig(eps=Fraction(1, 10)), jobs=0)
    with pytest.raises(CertifyError, match="2 images but 1 labels"):
        certify_images(network, np.zeros((2, 3), np.float32), [0], CertifyConfig(eps=Fraction(1, 10)))


def test_a_network_of_one_class_is_refused_in_one_line() -> None:
    one = Network((Dense(weights=np.ones((1, 3), np.float32), bias=np.zeros(1, np.float32)),))
    config = CertifyConfig(eps=Fraction(1, 10))
    message = r"^the network has one output: .* certify needs a network of at least 2 classes$"
    with pytest.raises(CertifyError, match=message):
        certify_image(one, np.zeros(3, np.float32), 0, config)
    with pytest.raises(CertifyError, match=message):
        certify_images(one, np.zeros((2, 3), np.float32), [0, 0], config, jobs=2)


def _without_times(result: ImageResult) -> ImageResult:
    return dataclasses.replace(result, seconds=0.0, complete_seconds=0.0)


def test_two_processes_give_the_same_results_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFIED_NN_MAX_WORKERS", "2")  # two processes even on a machine of one core
    network = tiny_network(seed=9, widths=(6, 12, 8, 4), dtype=np.float32)
    rng = np.random.default_rng(9)
    images = rng.random((12, 6)).astype(np.float32)
    labels = network.predict(images)
    labels[:2] = (labels[:2] + 1) % 4  # two misclassified
    config = CertifyConfig(eps=Fraction(1, 10))
    seen: list[int] = []
    one = certify_images(network, images, labels, config, jobs=1, on_result=lambda r: seen.append(r.index))
    two = certify_images(network, images, labels, config, jobs=2)
    assert sorted(seen) == list(range(12)) and [r.index for r in two] == list(range(12))
    for a, b in zip(one, two, strict=True):
        a, b = _without_times(a), _without_times(b)
        assert dataclasses.replace(a, counterexample=None) == dataclasses.replace(b, counterexample=None)
        assert (a.counterexample is None) == (b.counterexample is None)
        if a.counterexample is not None and b.counterexample is not None:
            np.testing.assert_array_equal(a.counterexample, b.counterexample)
    assert {r.status for r in one} >= {MISCLASSIFIED}


def test_certifying_in_process_takes_its_blas_threads_from_the_thread_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    from verified_nn.certify import _driver
    from verified_nn.core import Machine, ThreadChoice, choose_threads

    network, config = _hinge_network(), CertifyConfig(eps=Fraction(1, 10), method="crown")
    images = np.array([[0.3, 0.3], [0.4, 0.2]])
    policy = choose_threads
    seen: list[Machine] = []

    def choose(setting: object, *, probe: object) -> ThreadChoice:
        return policy("auto", probe=probe, machine=seen[-1])  # type: ignore[arg-type]  # probe: a callable

    monkeypatch.setattr(_driver, "choose_threads", choose)
    seen.append(Machine(2, 3.0))
    choice = _driver.blas_choice(network, images, config)
    assert (choice.threads, choice.reason) == (1, "auto: 3 threads of other processes running on 2 cores")
    seen.append(Machine(2, 0.0))
    assert "a probe on 2 threads took" in _driver.blas_choice(network, images, config).reason
    assert _driver.blas_choice(network, images[:0], config).reason == "no image to time"
    assert _driver.blas_choice(network, images[:, :1], config).reason == "no image to time"
