"""Optimizers return new parameters and state by their formulas and never mutate their inputs."""

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.network import MLP, as_parameter_vector, flatten, global_norm, map_parameters, unflatten
from verified_nn.optimizer import SGD, Momentum, clip_by_global_norm


def _grads(mlp: MLP, rng: np.random.Generator) -> MLP:
    return unflatten(rng.standard_normal(flatten(mlp).shape))


def test_sgd_step_is_p_minus_lr_g(mlp: MLP, rng: np.random.Generator) -> None:
    grads = _grads(mlp, rng)
    before = flatten(mlp).copy()
    new, _ = SGD(learning_rate=0.1).update(grads, SGD().init(mlp), mlp)
    np.testing.assert_allclose(flatten(new), before - 0.1 * flatten(grads), rtol=1e-15)
    np.testing.assert_array_equal(flatten(mlp), before)


def test_momentum_accumulates_velocity(mlp: MLP, rng: np.random.Generator) -> None:
    opt = Momentum(learning_rate=0.1, momentum=0.5)
    g1, g2 = _grads(mlp, rng), _grads(mlp, rng)
    p1, s1 = opt.update(g1, opt.init(mlp), mlp)
    p2, s2 = opt.update(g2, s1, p1)
    velocity = 0.5 * flatten(g1) + flatten(g2)
    np.testing.assert_allclose(flatten(s2.velocity), velocity, rtol=1e-14)
    np.testing.assert_allclose(flatten(p2), flatten(mlp) - 0.1 * flatten(g1) - 0.1 * velocity, rtol=1e-12)
    assert not flatten(opt.init(mlp).velocity).any()


def test_clipping_rescales_only_large_gradients(mlp: MLP, rng: np.random.Generator) -> None:
    grads = _grads(mlp, rng)
    norm = global_norm(grads)
    clipped, reported = clip_by_global_norm(grads, max_norm=norm / 4)
    assert reported == pytest.approx(norm)
    assert global_norm(clipped) == pytest.approx(norm / 4, rel=1e-12)
    np.testing.assert_allclose(flatten(clipped), flatten(grads) / 4, rtol=1e-12)
    same, _ = clip_by_global_norm(grads, max_norm=norm * 2)
    assert same is grads


def test_global_norm_is_the_norm_of_the_flat_vector(mlp: MLP) -> None:
    assert global_norm(mlp) == pytest.approx(float(np.linalg.norm(flatten(mlp))), rel=1e-12)


def test_map_parameters_keeps_dtype(mlp: MLP) -> None:
    half = map_parameters(lambda p: p * 0.5, mlp.astype(np.float32))
    assert half.dtype == np.float32


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD(learning_rate=0), "learning_rate must be a finite number > 0, got 0"),
        (lambda: SGD(learning_rate=float("nan")), "learning_rate must be a finite number > 0"),
        (lambda: Momentum(momentum=1.0), r"momentum must lie in \[0, 1\), got 1.0"),
        (
            lambda: clip_by_global_norm(unflatten(as_parameter_vector(np.zeros(101770))), max_norm=-1.0),
            "max_norm must be",
        ),
    ],
)
def test_bad_hyperparameters_are_refused(make: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        make()  # type: ignore[operator]
