"""Optimizers over any tree: their formulas, no mutation, refusal of mismatched trees, and PyTorch agreement."""

from typing import Any

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.network import DefaultNetwork, Network, flatten, global_norm, map_parameters, mlp, unflatten
from verified_nn.optimizer import SGD, Adam, AdamW, Momentum, Optimizer, clip_by_global_norm

Array = np.ndarray[Any, Any]


def _grads(network: Network[Any, Any], rng: np.random.Generator) -> Network[Any, Any]:
    return unflatten(rng.standard_normal(flatten(network).shape), like=network)


def test_sgd_step_is_p_minus_lr_g(network: DefaultNetwork, rng: np.random.Generator) -> None:
    grads = _grads(network, rng)
    before = flatten(network).copy()
    new, _ = SGD(learning_rate=0.1).update(grads, SGD().init(network), network)
    np.testing.assert_allclose(flatten(new), before - 0.1 * flatten(grads), rtol=1e-15)
    np.testing.assert_array_equal(flatten(network), before)


def test_momentum_accumulates_velocity(network: DefaultNetwork, rng: np.random.Generator) -> None:
    opt = Momentum(learning_rate=0.1, momentum=0.5)
    g1, g2 = _grads(network, rng), _grads(network, rng)
    p1, s1 = opt.update(g1, opt.init(network), network)
    p2, s2 = opt.update(g2, s1, p1)
    velocity = 0.5 * flatten(g1) + flatten(g2)
    np.testing.assert_allclose(flatten(s2.velocity), velocity, rtol=1e-14)
    np.testing.assert_allclose(flatten(p2), flatten(network) - 0.1 * flatten(g1) - 0.1 * velocity, rtol=1e-12)
    assert not flatten(opt.init(network).velocity).any()


def test_clipping_rescales_only_large_gradients(network: DefaultNetwork, rng: np.random.Generator) -> None:
    grads = _grads(network, rng)
    norm = global_norm(grads)
    clipped, reported = clip_by_global_norm(grads, max_norm=norm / 4)
    assert reported == pytest.approx(norm)
    assert global_norm(clipped) == pytest.approx(norm / 4, rel=1e-12)
    np.testing.assert_allclose(flatten(clipped), flatten(grads) / 4, rtol=1e-12)
    same, _ = clip_by_global_norm(grads, max_norm=norm * 2)
    assert same is grads


def test_global_norm_is_the_norm_of_the_flat_vector(network: DefaultNetwork) -> None:
    assert global_norm(network) == pytest.approx(float(np.linalg.norm(flatten(network))), rel=1e-12)


def test_map_parameters_keeps_dtype(network: DefaultNetwork) -> None:
    half = map_parameters(lambda p: p * 0.5, network.astype(np.float32))
    assert half.dtype == np.float32


def test_trees_that_differ_in_shape_or_structure_are_refused(network: DefaultNetwork, rng: np.random.Generator) -> None:
    one_bias = network.with_parameters([*network.parameters()[:1], np.zeros(1), *network.parameters()[2:]])
    with pytest.raises(
        ShapeError, match=r"map_parameters \(tree 1\): parameter 0.bias is float64\[128\] in one tree and float64\[1\]"
    ):
        map_parameters(np.add, network, one_bias)
    other = mlp((784, 128, 10), rng=rng, activation="tanh", dtype=np.float64)
    with pytest.raises(ShapeError, match="the trees differ in structure"):
        map_parameters(np.add, network, other)
    with pytest.raises(ShapeError, match=r"turned 0.weight float64\[128,784\] into float64\[784,128\]"):
        map_parameters(lambda p: p.T, network)
    with pytest.raises(ShapeError, match=r"Momentum.update: grads: parameter 0.bias"):
        Momentum().update(one_bias, Momentum().init(network), network)
    with pytest.raises(
        ShapeError, match=r"Adam.update: state.first: parameter 0.weight is float64\[128,784\] in one tree and float32"
    ):
        Adam().update(network, Adam().init(network.astype(np.float32)), network)


def _torch_run(name: str, settings: dict[str, Any], start: list[Array], grads: list[list[Array]]) -> list[Array]:
    torch = pytest.importorskip("torch")
    params = [torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True) for p in start]
    classes = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
    kwargs = {"lr": settings["learning_rate"], "weight_decay": settings.get("weight_decay", 0.0)}
    if name in ("momentum", "nesterov"):
        kwargs.update(momentum=settings["momentum"], nesterov=name == "nesterov")
    if name.startswith("adam"):
        kwargs.update(betas=(settings["beta1"], settings["beta2"]), eps=settings["eps"])
    optimizer = classes.get(name, torch.optim.SGD)(params, **kwargs)
    for step in grads:
        for param, grad in zip(params, step, strict=True):
            param.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
    return [param.detach().numpy() for param in params]


@pytest.mark.parametrize(
    "optimizer",
    [
        SGD(0.1, weight_decay=0.01),
        Momentum(0.05, momentum=0.9, weight_decay=0.001),
        Momentum(0.05, momentum=0.9, nesterov=True),
        Adam(1e-2, weight_decay=0.01),
        AdamW(1e-2, weight_decay=0.1),
    ],
    ids=lambda o: o.config()["name"],
)
def test_every_rule_agrees_with_pytorch_over_many_steps(optimizer: Optimizer[Any], rng: np.random.Generator) -> None:
    network = mlp((6, 5, 3), rng=rng, dtype=np.float64)
    grads = [[np.asarray(rng.standard_normal(p.shape)) for p in network.parameters()] for _ in range(50)]
    expected = _torch_run(optimizer.config()["name"], optimizer.config(), list(network.parameters()), grads)
    params, state = network, optimizer.init(network)
    for step in grads:
        params, state = optimizer.update(network.with_parameters(step), state, params)
    for mine, theirs in zip(params.parameters(), expected, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD(learning_rate=0), "learning_rate must be a finite number > 0, got 0"),
        (lambda: SGD(learning_rate=float("nan")), "learning_rate must be a finite number > 0"),
        (lambda: Momentum(momentum=1.0), r"momentum must lie in \[0, 1\), got 1.0"),
        (lambda: Adam(beta2=1.0), r"beta2 must lie in \[0, 1\), got 1.0"),
        (lambda: AdamW(weight_decay=-1.0), r"weight_decay must be a finite number >= 0, got -1.0"),
        (lambda: Adam(eps=0.0), "eps must be a finite number > 0"),
        (lambda: clip_by_global_norm(mlp((2, 2), rng=np.random.default_rng(0)), max_norm=-1.0), "max_norm must be"),
    ],
)
def test_bad_hyperparameters_are_refused(make: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        make()  # type: ignore[operator]


@pytest.mark.parametrize("optimizer", [SGD(0.1), SGD(0.1, weight_decay=0.01), Momentum(0.05), Adam(1e-3)], ids=repr)
def test_a_measured_step_reports_the_gradient_norm_and_equals_the_plain_step(
    optimizer: Optimizer[Any], network: DefaultNetwork, rng: np.random.Generator
) -> None:
    from verified_nn.network import Batch

    images, labels = rng.random((8, 784)), rng.integers(0, 10, 8)
    _, grads = network.loss_and_gradients(Batch.of(images).labelled(labels))
    state = optimizer.init(network)
    measured, _, loss, norm = optimizer.step_measured(network, state, images, labels)
    plain, _, plain_loss = optimizer.step(network, state, Batch.of(images).labelled(labels))
    assert norm == pytest.approx(global_norm(grads), rel=1e-9) and loss == plain_loss
    np.testing.assert_allclose(flatten(measured), flatten(plain), rtol=1e-12, atol=1e-15)
    clipped, _, _, reported = optimizer.step_measured(network, state, images, labels, max_norm=norm / 2)
    assert reported == pytest.approx(norm, rel=1e-9)  # the norm before clipping
    assert not np.allclose(flatten(clipped), flatten(plain))
