"""The certified loss: its parts, its gradient (and that the check finds a wrong one), its refusals."""

from typing import Any

import numpy as np
import pytest

from verified_nn.bounds import _affine, _elementwise, _train
from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Batch, Network, flatten, mlp
from verified_nn.robust import (
    certified_loss,
    certified_loss_and_gradients,
    check_certified_gradients,
    check_supported,
    interval_verified,
    worst_case_logits,
)

Array = np.ndarray[Any, Any]


def _problem(rng: np.random.Generator, activation: str = "relu", dtype: Any = np.float64) -> tuple[Any, Array, Array]:
    network = mlp((6, 8, 5, 4), rng=rng, activation=activation, dtype=dtype)
    return network, rng.random((7, 6)).astype(dtype), rng.integers(0, 4, size=7)


@pytest.mark.parametrize("method", ["ibp", "crown-ibp"])
def test_the_robust_loss_is_at_least_the_clean_loss_and_equals_it_at_eps_zero(
    method: str, rng: np.random.Generator
) -> None:
    network, images, labels = _problem(rng)
    loss = certified_loss(network, images, labels, eps=0.1, kappa=0.25, method=method)
    assert loss.robust > loss.clean
    assert loss.total == pytest.approx(0.25 * loss.clean + 0.75 * loss.robust)
    flat = certified_loss(network, images, labels, eps=0.0, kappa=0.25, method=method)
    assert flat.robust == pytest.approx(flat.clean, abs=1e-12)


def test_with_kappa_one_the_loss_and_gradient_are_the_plain_ones(rng: np.random.Generator) -> None:
    network, images, labels = _problem(rng)
    loss, grads = certified_loss_and_gradients(network, images, labels, eps=0.3, kappa=1.0)
    plain, plain_grads = network.loss_and_gradients(Batch.of(images).labelled(labels))
    assert loss.total == loss.clean == plain and np.isnan(loss.robust)
    np.testing.assert_array_equal(flatten(grads), flatten(plain_grads))


@pytest.mark.parametrize("activation", ["relu", "leaky_relu(0.1)", "tanh"])
@pytest.mark.parametrize("kappa", [0.0, 0.5])
def test_the_interval_loss_gradient_agrees_with_finite_differences(
    activation: str, kappa: float, rng: np.random.Generator
) -> None:
    network, images, labels = _problem(rng, activation)
    report = check_certified_gradients(network, images, labels, eps=0.1, kappa=kappa, rng=rng)
    assert report.passed, report.summary()


def _forget_the_radius_in_the_last_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The folded margins' weight gradient forgets that ``|W_j - W_y| r`` depends on the weights: the witness
    at the last layer's input is taken at the box's centre instead of its corner."""
    monkeypatch.setattr(
        _train, "minimiser", lambda passed, lam, stop: np.broadcast_to(passed.mus[stop][:, np.newaxis], lam.shape)
    )


def _forget_the_radius_below_a_dense_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Interval propagation's backward through a dense layer drops the radius's gradient."""
    original = _affine.AffineRule.train_interval_backward

    def wrong(self: Any, layer: Any, d_mu: Array, d_r: Array, cache: Any, first: bool) -> Any:
        return original(self, layer, d_mu, np.zeros_like(d_r), cache, first)

    monkeypatch.setattr(_affine.AffineRule, "train_interval_backward", wrong)


def _forget_the_chords(monkeypatch: pytest.MonkeyPatch) -> None:
    """CROWN-IBP's backward forgets that the chords depend on the interval boxes below them."""
    monkeypatch.setattr(_elementwise._ElementwiseStep, "training_gradients", lambda self, below, weight: (None, None))


@pytest.mark.parametrize(
    ("plant", "method"),
    [
        (_forget_the_radius_in_the_last_layer, "ibp"),
        (_forget_the_radius_below_a_dense_layer, "ibp"),
        (_forget_the_chords, "crown-ibp"),
    ],
    ids=["margins", "dense", "chords"],
)
def test_the_gradient_check_finds_a_wrong_backward(
    plant: Any, method: str, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    network, images, labels = _problem(rng)
    settings: dict[str, Any] = {"eps": 0.2, "kappa": 0.0, "method": method, "beta": 1.0}
    assert check_certified_gradients(network, images, labels, **settings, rng=np.random.default_rng(0)).passed
    plant(monkeypatch)
    report = check_certified_gradients(network, images, labels, **settings, rng=np.random.default_rng(0))
    assert not report.passed and report.worst_relative_error > 1e-3, report.summary()


def test_float32_gradients_are_float32_and_agree_with_float64(rng: np.random.Generator) -> None:
    network, images, labels = _problem(rng, dtype=np.float32)
    loss, grads = certified_loss_and_gradients(network, images, labels, eps=0.1, kappa=0.5, method="crown-ibp")
    wide, wide_grads = certified_loss_and_gradients(
        network.astype(np.float64), images.astype(np.float64), labels, eps=0.1, kappa=0.5, method="crown-ibp"
    )
    assert {array.dtype for array in grads.parameters()} == {np.dtype(np.float32)}
    assert loss.total == pytest.approx(wide.total, rel=1e-5)
    np.testing.assert_allclose(flatten(grads), flatten(wide_grads), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("method", ["ibp", "crown-ibp"])
def test_dropout_is_refused_before_any_work(method: str, rng: np.random.Generator) -> None:
    network = mlp((6, 12, 4), rng=rng, dropout=0.5, dtype=np.float64)
    with pytest.raises(InvalidArgumentError, match=r"^certified training does not support dropout \(layer 2, "):
        check_supported(network, method)
    with pytest.raises(InvalidArgumentError, match=r"does not support dropout"):
        certified_loss_and_gradients(network, rng.random((5, 6)), rng.integers(0, 4, size=5), eps=0.1, method=method)


def test_crown_ibp_refuses_tanh_up_front_and_ibp_accepts_it(rng: np.random.Generator) -> None:
    network = mlp((6, 5, 4), rng=rng, activation="tanh", dtype=np.float64)
    check_supported(network, "ibp")
    with pytest.raises(InvalidArgumentError, match=r"^crown-ibp relaxes the ReLU family; layer 1 is Tanh"):
        check_supported(network, "crown-ibp")


def test_interval_verified_counts_the_images_whose_every_margin_bound_is_negative(rng: np.random.Generator) -> None:
    network, images, labels = _problem(rng)
    labels = network.predict(images)
    worst = worst_case_logits(network, images, labels, eps=0.01)
    worst[np.arange(len(labels)), labels] = -np.inf
    expected = worst.max(axis=1) < 0
    np.testing.assert_array_equal(interval_verified(network, images, labels, eps=0.01), expected)
    assert interval_verified(network, images, labels, eps=0.0).all()  # the predictions themselves
    assert not interval_verified(network, images, labels, eps=1.0).any()


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"eps": -0.1}, InvalidArgumentError, r"^certified loss: eps must be a number >= 0, got -0\.1$"),
        ({"eps": float("nan")}, InvalidArgumentError, r"eps must be a number >= 0, got nan"),
        (
            {"method": "crown"},
            InvalidArgumentError,
            r"^certified loss: method must be one of ibp, crown-ibp, got 'crown'$",
        ),
        ({"kappa": 1.5}, InvalidArgumentError, r"^certified loss: kappa must lie in \[0, 1\], got 1\.5$"),
        ({"beta": -1}, InvalidArgumentError, r"^certified loss: beta must lie in \[0, 1\], got -1$"),
        ({"labels": np.zeros(3, dtype=np.int64)}, ShapeError, r"argument 'labels' expected int\[7\], got int64\[3\]"),
        ({"images": np.zeros((7, 5))}, ShapeError, r"^certified loss: argument 'images' expected float\[batch, 6\]"),
    ],
)
def test_bad_arguments_are_refused_with_one_line(
    changes: dict[str, Any], error: type[Exception], message: str, rng: np.random.Generator
) -> None:
    network, images, labels = _problem(rng)
    arguments: dict[str, Any] = {"images": images, "labels": labels, "eps": 0.1, "kappa": 0.5, "method": "ibp"}
    arguments.update(changes)
    with pytest.raises(error, match=message):
        certified_loss_and_gradients(network, **arguments)


def test_a_network_ending_in_any_layer_with_a_rule_trains_against_its_bound(rng: np.random.Generator) -> None:
    """The bound is of the output, whatever the last layer: here a ReLU after the logits."""
    network: Network[Any, Any] = Network((Dense.init(3, 4, rng=rng), ReLU(), Dense.init(2, 3, rng=rng), ReLU()))
    wide = network.astype(np.float64)
    images, labels = rng.random((6, 4)), rng.integers(0, 2, size=6)
    assert check_certified_gradients(wide, images, labels, eps=0.1, kappa=0.0, rng=rng).passed
    with pytest.raises(ShapeError, match=r"^certified loss: expected a Network, got "):
        certified_loss(ReLU(), np.zeros((1, 4)), np.zeros(1, np.int64), eps=0.1)  # type: ignore[arg-type]
