"""The whole network: finite differences, symmetries, independence, descent (Lean: network_gradient_correct,
chain_rule_preserves_correctness, gradient_matches_finite_difference)."""

from typing import Any

import numpy as np
from hypothesis import given, strategies as st
from strategies import batches, networks, seeds

from verified_nn.network import MLP, Dense, flatten, loss, loss_and_gradients, map_parameters, parameters, unflatten
from verified_nn.verification import check_network_gradients

Array = np.ndarray[Any, Any]
Batch = tuple[Array, Array]
net64 = networks(dtype=np.float64)


@given(net64, batches(), seeds)
def test_backprop_agrees_with_finite_differences(mlp: MLP, batch: Batch, seed: int) -> None:
    """Sampled coordinates of W1, b1, W2, b2 and random directions agree to a relative error of 1e-6."""
    images, labels = batch
    report = check_network_gradients(
        mlp, images, labels, rng=np.random.default_rng(seed), coordinates_per_block=3, directions=3
    )
    assert report.passed, report.summary()


@given(net64, batches(min_size=2), seeds)
def test_loss_and_gradient_are_invariant_to_the_order_of_the_batch(mlp: MLP, batch: Batch, seed: int) -> None:
    """Permuting the samples of a batch changes neither the mean loss nor its gradient."""
    images, labels = batch
    order = np.random.default_rng(seed).permutation(len(labels))
    loss_a, grads_a = loss_and_gradients(mlp, images, labels)
    loss_b, grads_b = loss_and_gradients(mlp, images[order], labels[order])
    assert abs(loss_a - loss_b) <= 1e-12 * (1 + loss_a)
    np.testing.assert_allclose(flatten(grads_a), flatten(grads_b), atol=1e-14)


@given(net64, batches(min_size=2), seeds)
def test_samples_in_a_batch_do_not_influence_each_other(mlp: MLP, batch: Batch, seed: int) -> None:
    """Replacing one sample changes that sample's output only."""
    images, _ = batch
    changed = images.copy()
    changed[0] = np.random.default_rng(seed).random(784)
    before, after = mlp.forward_batch(images), mlp.forward_batch(changed)
    np.testing.assert_array_equal(before[1:], after[1:])


@given(net64, batches(), seeds)
def test_batch_gradient_is_the_mean_of_per_sample_gradients(mlp: MLP, batch: Batch, seed: int) -> None:
    """The gradient of the mean loss equals the mean of the per-sample gradients."""
    images, labels = batch
    _, whole = loss_and_gradients(mlp, images, labels)
    singles = [flatten(loss_and_gradients(mlp, images[i : i + 1], labels[i : i + 1])[1]) for i in range(len(labels))]
    np.testing.assert_allclose(flatten(whole), np.mean(singles, axis=0), atol=1e-14)


@given(net64, batches(), seeds)
def test_permuting_hidden_units_changes_nothing_observable(mlp: MLP, batch: Batch, seed: int) -> None:
    """Permuting the hidden units (rows of W1, b1, columns of W2) keeps outputs and permutes gradients."""
    images, labels = batch
    p = np.random.default_rng(seed).permutation(128)
    w1, b1, w2, b2 = parameters(mlp)
    permuted = MLP(layer1=Dense(weights=w1[p], bias=b1[p]), layer2=Dense(weights=w2[:, p], bias=b2))
    np.testing.assert_allclose(permuted.forward_batch(images), mlp.forward_batch(images), atol=1e-12)
    _, grads = loss_and_gradients(mlp, images, labels)
    _, permuted_grads = loss_and_gradients(permuted, images, labels)
    g1, gb1, g2, _ = parameters(grads)
    q1, qb1, q2, _ = parameters(permuted_grads)
    np.testing.assert_allclose(q1, g1[p], atol=1e-14)
    np.testing.assert_allclose(qb1, gb1[p], atol=1e-14)
    np.testing.assert_allclose(q2, g2[:, p], atol=1e-14)


@given(net64, batches(), seeds)
def test_relabelling_classes_with_the_output_rows_keeps_the_loss(mlp: MLP, batch: Batch, seed: int) -> None:
    """Permuting the output classes (rows of W2, b2) together with the labels leaves the loss unchanged."""
    images, labels = batch
    p = np.random.default_rng(seed).permutation(10)
    _, _, w2, b2 = parameters(mlp)
    relabelled = MLP(layer1=mlp.layer1, layer2=Dense(weights=w2[p], bias=b2[p]))
    inverse = np.argsort(p)
    assert abs(loss(relabelled, images, inverse[labels]) - loss(mlp, images, labels)) <= 1e-12


@given(net64, batches())
def test_a_small_step_against_the_gradient_lowers_the_loss(mlp: MLP, batch: Batch) -> None:
    """L(p - eta g) < L(p) for a small eta: the gradient is a descent direction."""
    images, labels = batch
    value, grads = loss_and_gradients(mlp, images, labels)
    norm2 = float(np.vdot(flatten(grads), flatten(grads)))
    eta = 1e-3 / max(1.0, norm2)
    stepped = map_parameters(lambda p, g: p - eta * g, mlp, grads)
    assert loss(stepped, images, labels) < value


def _first_kink(mlp: MLP, direction: MLP, images: Array) -> float:
    """The smallest t > 0 at which a hidden pre-activation along p + t d changes sign.

    Each pre-activation is linear in t (z + t dz), so it crosses zero at most once, at -z / dz.
    """
    z = images @ mlp.layer1.weights.T + mlp.layer1.bias
    dz = images @ direction.layer1.weights.T + direction.layer1.bias
    with np.errstate(divide="ignore", invalid="ignore"):
        crossings = -z / dz
    ahead = crossings[np.isfinite(crossings) & (crossings > 0)]
    return float(ahead.min()) if ahead.size else np.inf


@given(net64, batches(), seeds)
def test_first_order_taylor_remainder_shrinks_quadratically(mlp: MLP, batch: Batch, seed: int) -> None:
    """|L(p + t d) - L(p) - t <g, d>| falls like t^2 on a kink-free segment: halving t divides it by ~4."""
    images, labels = batch
    value, grads = loss_and_gradients(mlp, images, labels)
    vector, gradient = flatten(mlp), flatten(grads)
    direction = np.random.default_rng(seed).standard_normal(vector.shape)
    direction /= np.linalg.norm(direction)
    slope = float(np.vdot(gradient, direction))
    # Stay below the first ReLU kink along the line, where the loss is smooth (a kink inside the
    # segment would make the remainder first order: that is ReLU, not an error in the gradient).
    big = min(2e-3, 0.9 * _first_kink(mlp, unflatten(direction), images))

    def remainder(t: float) -> float:
        return abs(loss(unflatten(vector + t * direction), images, labels) - value - t * slope)

    large, small = remainder(big), remainder(big / 2)
    # Far above float64 rounding (~1e-15 here) the ratio tends to 4 as t -> 0.
    assert small < 1e-13 or 3.0 < large / small < 5.0, (big, large, small)


@given(networks(), batches(dtype=np.float32))
def test_forward_and_backward_are_deterministic_and_leave_their_inputs_alone(mlp: MLP, batch: Batch) -> None:
    """Two calls give bit-identical results, and no argument is modified."""
    images, labels = batch
    saved = [block.copy() for block in parameters(mlp)] + [images.copy(), labels.copy()]
    first = loss_and_gradients(mlp, images, labels)
    second = loss_and_gradients(mlp, images, labels)
    assert first[0] == second[0]
    np.testing.assert_array_equal(flatten(first[1]), flatten(second[1]))
    np.testing.assert_array_equal(mlp.forward_batch(images), mlp.forward_batch(images))
    for old, new in zip(saved, [*parameters(mlp), images, labels], strict=True):
        np.testing.assert_array_equal(old, new)


@given(st.integers(0, 2**32 - 1))
def test_training_on_one_small_batch_drives_its_loss_near_zero(seed: int) -> None:
    """Two hundred momentum steps on one batch of 8 memorise it: the loss falls below 0.01."""
    from verified_nn.network import he_init
    from verified_nn.optimizer import Momentum

    rng = np.random.default_rng(seed)
    mlp = he_init(rng, dtype=np.float64)
    images, labels = rng.random((8, 784)), rng.integers(0, 10, size=8)
    optimizer = Momentum(learning_rate=0.05, momentum=0.9)
    state = optimizer.init(mlp)
    for _ in range(200):
        mlp, state, _ = optimizer.step(mlp, state, images, labels)
    assert loss(mlp, images, labels) < 0.01
