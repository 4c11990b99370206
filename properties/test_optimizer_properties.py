"""The optimizers over any network: each update rule agrees over several steps with its formula, computed
here in plain numpy on flat float64 vectors (from the papers and PyTorch's documented rules, not from the
library); update changes none of its arguments, keeps the parameters' structure in its state, and refuses
gradients or a state of another structure; clipping bounds the norm and keeps the direction."""

import dataclasses
import re
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from strategies import DEFAULT, DEFAULT32, Pair, mismatched_pairs, networks, seeds

from verified_nn.core import InvalidArgumentError, ShapeError, describe
from verified_nn.network import Batch, Network, check_same_structure, flatten, global_norm, parameter_count, unflatten
from verified_nn.optimizer import (
    OPTIMIZERS,
    SGD,
    Adam,
    AdamState,
    AdamW,
    Momentum,
    Optimizer,
    clip_by_global_norm,
    optimizer_from_config,
    state_trees,
)

Array = np.ndarray[Any, Any]
Vector = Array

rates = st.floats(1e-4, 1.0)
decays = st.one_of(st.just(0.0), st.floats(1e-5, 0.1))
steps = st.integers(1, 5)

sgds = st.builds(SGD, learning_rate=rates, weight_decay=decays)


def momenta(*, nesterov: bool) -> st.SearchStrategy[Momentum]:
    return st.builds(
        Momentum, learning_rate=rates, momentum=st.floats(0, 0.99), nesterov=st.just(nesterov), weight_decay=decays
    )


adam_settings: dict[str, st.SearchStrategy[float]] = {
    "learning_rate": st.floats(1e-5, 0.1),
    "beta1": st.floats(0, 0.99),
    # beta2 >= 0.5 keeps v^ comparable to every gradient seen in five steps, so m^ / sqrt(v^) stays near 1
    # and float32 rounding is not amplified (with beta2 = 0, v^ is the last g^2 alone).
    "beta2": st.floats(0.5, 0.9999),
    "eps": st.floats(1e-10, 1e-6),
    "weight_decay": decays,
}
adams = st.builds(Adam, **adam_settings)
adamws = st.builds(AdamW, **adam_settings)
optimizers: st.SearchStrategy[Optimizer[Any]] = st.one_of(
    sgds, momenta(nesterov=False), momenta(nesterov=True), adams, adamws
)


def _gradients(network: Network[Any, Any], seed: int, scale: float = 1.0) -> Network[Any, Any]:
    """A tree shaped like ``network`` holding standard normal numbers times ``scale``, in its dtype."""
    vector = np.random.default_rng(seed).standard_normal(parameter_count(network)) * scale
    return unflatten(vector.astype(network.dtype), like=network)


def _run(optimizer: Optimizer[Any], network: Network[Any, Any], seed: int, count: int) -> tuple[Any, Any, list[Vector]]:
    """``count`` updates from ``network`` with gradients drawn from ``seed``: (params, state, the gradients as vectors)."""
    params, state = network, optimizer.init(network)
    gradients = []
    for step in range(count):
        grads = _gradients(network, seed + step)
        params, state = optimizer.update(grads, state, params)
        gradients.append(np.asarray(flatten(grads), dtype=np.float64))
    return params, state, gradients


def _close(actual: Any, expected: Vector, dtype: np.dtype[Any]) -> None:
    """Equal to the float64 reference up to the rounding of the network's dtype."""
    tolerance = 2e-5 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=tolerance, atol=tolerance)


def _start(network: Network[Any, Any]) -> Vector:
    return np.asarray(flatten(network), dtype=np.float64)


# The rules, on flat vectors: p parameters, g gradients, one call per step.


def reference_sgd(p: Vector, gradients: list[Vector], *, lr: float, wd: float) -> Vector:
    """SGD with L2 weight decay: p <- p - lr (g + wd p)."""
    for g in gradients:
        p = p - lr * (g + wd * p)
    return p


def reference_momentum(
    p: Vector, gradients: list[Vector], *, lr: float, mu: float, wd: float, nesterov: bool
) -> tuple[Vector, Vector]:
    """PyTorch's SGD with momentum, no dampening: g <- g + wd p; b <- mu b + g (b = 0 at first);
    heavy-ball p <- p - lr b; Nesterov p <- p - lr (g + mu b). Returns (p, b)."""
    b = np.zeros_like(p)
    for g in gradients:
        g = g + wd * p
        b = mu * b + g
        p = p - lr * (g + mu * b if nesterov else b)
    return p, b


def reference_adam(
    p: Vector, gradients: list[Vector], *, lr: float, b1: float, b2: float, eps: float, wd: float, decoupled: bool
) -> tuple[Vector, Vector, Vector]:
    """Adam (Kingma and Ba 2015, Algorithm 1) with PyTorch's weight decay: L2 (g <- g + wd p) for Adam,
    decoupled (p <- p (1 - lr wd) before the step; Loshchilov and Hutter 2019) for AdamW.
    m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; p <- p - lr m/(1 - b1^t) / (sqrt(v/(1 - b2^t)) + eps).
    Returns (p, m, v)."""
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(gradients, start=1):
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p, m, v


@given(networks(), sgds, seeds, steps)
@example(DEFAULT.network, SGD(learning_rate=0.1), 0, 3)
@example(DEFAULT32.network, SGD(learning_rate=0.1, weight_decay=0.01), 1, 3)
def test_sgd_subtracts_the_learning_rate_times_the_gradient(
    network: Network[Any, Any], optimizer: SGD, seed: int, count: int
) -> None:
    """SGD over several steps: p' = p - lr (g + wd p), with and without weight decay; its state stays empty."""
    params, state, gradients = _run(optimizer, network, seed, count)
    expected = reference_sgd(_start(network), gradients, lr=optimizer.learning_rate, wd=optimizer.weight_decay)
    _close(flatten(params), expected, network.dtype)
    assert state == optimizer.init(network)


def _check_momentum(network: Network[Any, Any], optimizer: Momentum, seed: int, count: int) -> None:
    params, state, gradients = _run(optimizer, network, seed, count)
    expected, velocity = reference_momentum(
        _start(network),
        gradients,
        lr=optimizer.learning_rate,
        mu=optimizer.momentum,
        wd=optimizer.weight_decay,
        nesterov=optimizer.nesterov,
    )
    _close(flatten(params), expected, network.dtype)
    _close(flatten(state.velocity), velocity, network.dtype)


@given(networks(), momenta(nesterov=False), seeds, steps)
@example(DEFAULT.network, Momentum(learning_rate=0.1, momentum=0.9), 0, 4)
def test_momentum_follows_v_mu_v_plus_g_and_p_minus_lr_v(
    network: Network[Any, Any], optimizer: Momentum, seed: int, count: int
) -> None:
    """Heavy-ball momentum over several steps, with and without weight decay: v' = mu v + g', p' = p - lr v',
    where g' = g + wd p; the velocity in the state is v'."""
    _check_momentum(network, optimizer, seed, count)


@given(networks(), momenta(nesterov=True), seeds, steps)
@example(DEFAULT32.network, Momentum(learning_rate=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3), 0, 4)
def test_nesterov_momentum_steps_by_the_gradient_plus_mu_times_the_velocity(
    network: Network[Any, Any], optimizer: Momentum, seed: int, count: int
) -> None:
    """Nesterov momentum over several steps, with and without weight decay: v' = mu v + g',
    p' = p - lr (g' + mu v'), where g' = g + wd p."""
    _check_momentum(network, optimizer, seed, count)


@given(networks(), adams, seeds, steps)
@example(DEFAULT.network, Adam(learning_rate=1e-3), 0, 5)
@example(DEFAULT32.network, Adam(learning_rate=1e-3, weight_decay=0.01), 1, 5)
def test_adam_follows_its_bias_corrected_moments(
    network: Network[Any, Any], optimizer: Adam, seed: int, count: int
) -> None:
    """Adam over several steps, bias correction and L2 weight decay included: the parameters, both moments and
    the step count equal the reference's."""
    params, state, gradients = _run(optimizer, network, seed, count)
    expected, first, second = reference_adam(
        _start(network),
        gradients,
        lr=optimizer.learning_rate,
        b1=optimizer.beta1,
        b2=optimizer.beta2,
        eps=optimizer.eps,
        wd=optimizer.weight_decay,
        decoupled=False,
    )
    assert isinstance(state, AdamState) and state.step == count
    _close(flatten(params), expected, network.dtype)
    _close(flatten(state.first), first, network.dtype)
    _close(flatten(state.second), second, network.dtype)


@given(networks(), adamws, seeds, steps)
@example(DEFAULT.network, AdamW(learning_rate=1e-3, weight_decay=0.01), 0, 5)
def test_adamw_decays_the_parameters_apart_from_the_moments(
    network: Network[Any, Any], optimizer: AdamW, seed: int, count: int
) -> None:
    """AdamW over several steps: p first shrinks to p (1 - lr wd), then takes Adam's step from moments of the
    undecayed gradients (decoupled weight decay)."""
    params, state, gradients = _run(optimizer, network, seed, count)
    expected, first, second = reference_adam(
        _start(network),
        gradients,
        lr=optimizer.learning_rate,
        b1=optimizer.beta1,
        b2=optimizer.beta2,
        eps=optimizer.eps,
        wd=optimizer.weight_decay,
        decoupled=True,
    )
    assert isinstance(state, AdamState) and state.step == count
    _close(flatten(params), expected, network.dtype)
    _close(flatten(state.first), first, network.dtype)
    _close(flatten(state.second), second, network.dtype)


@given(networks(), optimizers, seeds)
@example(DEFAULT32.network, Adam(), 0)
def test_update_leaves_its_arguments_unchanged(
    network: Network[Any, Any], optimizer: Optimizer[Any], seed: int
) -> None:
    """update(grads, state, params) returns new values and changes none of its arguments, over two steps."""
    params, state = network, optimizer.init(network)
    for step in range(2):
        grads = _gradients(network, seed + step)
        saved = [np.array(flatten(tree)) for tree in (params, grads, *state_trees(state).values())]
        new_params, new_state = optimizer.update(grads, state, params)
        after = [np.asarray(flatten(tree)) for tree in (params, grads, *state_trees(state).values())]
        for old, now in zip(saved, after, strict=True):
            np.testing.assert_array_equal(old, now)
        assert new_params is not params
        params, state = new_params, new_state


@given(networks(), optimizers, seeds)
@example(DEFAULT.network, Momentum(nesterov=True), 0)
def test_the_state_has_the_structure_and_dtype_of_the_parameters(
    network: Network[Any, Any], optimizer: Optimizer[Any], seed: int
) -> None:
    """Every tree in an optimizer's state has the parameters' layers, shapes and dtype, before and after an
    update; so do the new parameters."""
    state = optimizer.init(network)
    params, after = optimizer.update(_gradients(network, seed), state, network)
    check_same_structure(network, params)
    for current in (state, after):
        trees = state_trees(current)
        assert len(trees) == {SGD: 0, Momentum: 1}.get(type(optimizer), 2)
        for tree in trees.values():
            check_same_structure(network, tree)
            assert isinstance(tree, Network)
            assert [type(layer) for layer in tree.layers] == [type(layer) for layer in network.layers]
            assert tree.dtype == network.dtype


@given(mismatched_pairs(), optimizers, st.sampled_from(["grads", "state"]))
def test_update_refuses_grads_or_state_of_another_structure(pair: Pair, optimizer: Optimizer[Any], which: str) -> None:
    """Gradients, or a state built for another tree (another structure, a transposed or (1,) block, the other
    dtype), are refused with ShapeError naming the argument and the difference; so is a state of another type."""
    network, other, message = pair
    name = type(optimizer).__name__
    if which == "grads":
        with pytest.raises(ShapeError, match=rf"^{name}.update: grads: {message}"):
            optimizer.update(other, optimizer.init(network), network)
    else:
        state = optimizer.init(other)
        grads = _gradients(network, 0)
        if state_trees(state):  # SGD's state holds no tree, so any SGD state fits any network
            field = next(iter(state_trees(state)))
            with pytest.raises(ShapeError, match=rf"^{name}.update: state.{field}: {message}"):
                optimizer.update(grads, state, network)
    foreign = (Adam() if isinstance(optimizer, SGD | Momentum) else Momentum()).init(network)
    expected = f"{name}.update: state expected {type(optimizer.init(network)).__name__}, got {describe(foreign)}"
    with pytest.raises(ShapeError, match=f"^{re.escape(expected)}$"):
        optimizer.update(_gradients(network, 0), foreign, network)


@given(networks(), seeds, st.floats(1e-3, 1e3), st.floats(1e-3, 1e3))
def test_clipping_bounds_the_norm_and_keeps_the_direction(
    network: Network[Any, Any], seed: int, scale: float, max_norm: float
) -> None:
    """After clipping the global norm is min(norm, max_norm) and the direction is unchanged."""
    grads = _gradients(network, seed, scale)
    norm = global_norm(grads)
    clipped, reported = clip_by_global_norm(grads, max_norm=max_norm)
    assert reported == norm
    tolerance = 1e-5 if network.dtype == np.float32 else 1e-10
    assert abs(global_norm(clipped) - min(norm, max_norm)) <= tolerance * max(norm, max_norm)
    if norm <= max_norm:
        assert clipped is grads
    assert clip_by_global_norm(grads, max_norm=norm)[0] is grads  # at exactly the norm nothing is scaled
    cosine = np.vdot(np.asarray(flatten(clipped), np.float64), np.asarray(flatten(grads), np.float64)) / (
        global_norm(clipped) * norm
    )
    assert abs(cosine - 1) < tolerance


@given(optimizers, rates)
@example(Momentum(nesterov=True), 0.5)
def test_an_optimizer_is_rebuilt_from_its_configuration(optimizer: Optimizer[Any], rate: float) -> None:
    """config() names the rule (sgd, momentum, nesterov, adam, adamw) and every hyperparameter;
    optimizer_from_config rebuilds an equal optimizer; with_rate changes the learning rate only."""
    config = optimizer.config()
    name = "nesterov" if isinstance(optimizer, Momentum) and optimizer.nesterov else type(optimizer).__name__.lower()
    assert config["name"] == name and name in OPTIMIZERS
    assert {key: value for key, value in config.items() if key != "name"} == {
        field.name: getattr(optimizer, field.name) for field in dataclasses.fields(cast(Any, optimizer))
    }
    assert optimizer_from_config(config) == optimizer
    assert optimizer_from_config({"name": "nesterov"}) == Momentum(nesterov=True)
    faster = optimizer.with_rate(rate)
    assert type(faster) is type(optimizer) and faster.rate == rate
    assert faster.config() == {**config, "learning_rate": rate}


@given(st.sampled_from(["sgd", "momentum", "nesterov", "adam", "adamw"]), st.text(max_size=8))
def test_an_unknown_optimizer_or_setting_is_refused_by_name(name: str, other: str) -> None:
    """optimizer_from_config refuses an unknown name (listing the known ones) and settings the rule lacks."""
    if other not in OPTIMIZERS:
        known = "sgd, momentum, nesterov, adam, adamw"
        with pytest.raises(
            InvalidArgumentError, match=f"^{re.escape(f'unknown optimizer {other!r}; known: {known}')}$"
        ):
            optimizer_from_config({"name": other})
    with pytest.raises(InvalidArgumentError, match=f"^optimizer {name}: bad settings \\("):
        optimizer_from_config({"name": name, "colour": 1})
    with pytest.raises(InvalidArgumentError, match=r"^unknown optimizer None; known: "):
        optimizer_from_config({})


@given(mismatched_pairs(), st.sampled_from([Momentum(), Adam(), AdamW()]))
def test_step_refuses_a_state_of_another_structure(pair: Pair, optimizer: Optimizer[Any]) -> None:
    """step checks the state against the parameters too, naming the optimizer and the state's field."""
    network, other, message = pair
    (width,) = network.input_shape() or (1,)
    batch = Batch.of(np.zeros((2, width), dtype=network.dtype)).labelled(np.zeros(2, dtype=np.int64))
    field = next(iter(state_trees(optimizer.init(network))))
    with pytest.raises(ShapeError, match=rf"^{type(optimizer).__name__}.step: state.{field}: {message}"):
        optimizer.step(network, optimizer.init(other), batch)


@given(st.sampled_from([SGD, Momentum, Adam, AdamW]), st.booleans(), st.floats(-10, 0))
def test_hyperparameters_are_numbers_not_booleans(make: Any, flag: bool, bad_norm: float) -> None:
    """A boolean is refused as a learning rate, a weight decay or a momentum, although Python counts it as
    an integer; clipping refuses a max_norm that is not > 0, naming it."""
    with pytest.raises(InvalidArgumentError, match=rf"^learning_rate must be a finite number > 0, got {flag}$"):
        make(learning_rate=flag)
    with pytest.raises(InvalidArgumentError, match=rf"^weight_decay must be a finite number >= 0, got {flag}$"):
        make(weight_decay=flag)
    with pytest.raises(InvalidArgumentError, match=rf"^momentum must lie in \[0, 1\), got {flag}$"):
        Momentum(momentum=flag)
    with pytest.raises(
        InvalidArgumentError, match=rf"^max_norm must be a finite number > 0, got {re.escape(repr(bad_norm))}$"
    ):
        clip_by_global_norm(DEFAULT.network, max_norm=bad_norm)
