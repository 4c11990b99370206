"""The whole network, of any architecture: finite differences, symmetries, independence, descent (Lean:
network_gradient_correct, chain_rule_preserves_correctness, gradient_matches_finite_difference)."""

from typing import Any

import numpy as np
from hypothesis import example, given, strategies as st
from strategies import DEFAULT, DEFAULT32, Case, cases, seeds

from verified_nn.core import cross_entropy_gradient
from verified_nn.layers import Activation, Dense, Layer, Mode
from verified_nn.network import Batch, Network, flatten, map_parameters, unflatten
from verified_nn.verification import check_network_gradients

Array = np.ndarray[Any, Any]


def _tolerance(dtype: Any) -> float:
    """A relative tolerance for results that differ only in rounding: a few hundred ulps of ``dtype``."""
    return 1e-5 if np.dtype(dtype) == np.float32 else 1e-12


def _assert_close(actual: Array, expected: Array, dtype: Any) -> None:
    """Equal up to rounding, relative to the largest entry (sums taken in another order round differently)."""
    scale = 1.0 + float(np.abs(expected).max(initial=0.0))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=_tolerance(dtype) * scale)


def _dense_indices(network: Network[Any, Any]) -> list[int]:
    return [index for index, layer in enumerate(network.layers) if isinstance(layer, Dense)]


def _replaced(network: Network[Any, Any], replacements: dict[int, Layer[Any, Any]]) -> Network[Any, Any]:
    return Network(tuple(replacements.get(index, layer) for index, layer in enumerate(network.layers)))


def _in_float64(case: Case) -> tuple[Network[Any, Any], Batch[Any]]:
    """The case's network and batch converted to float64 (to measure below float32 rounding)."""
    return case.network.astype(np.float64), Batch.of(case.images.astype(np.float64)).labelled(case.labels)


def _loss_of_logits(logits: Array, labels: Array) -> float:
    """Mean cross-entropy computed here, independently of the library: mean(logsumexp(z) - z[y])."""
    peak = logits.max(axis=1)
    lse = peak + np.log(np.exp(logits - peak[:, None]).sum(axis=1))
    return float(np.mean(lse - logits[np.arange(len(labels)), labels]))


def _kink_pattern(network: Network[Any, Any], caches: list[Any]) -> list[Array]:
    """The sign of the input of every activation whose derivative jumps at 0 (ReLU, leaky ReLU)."""
    return [
        cache[0] > 0
        for layer, cache in zip(network.layers, caches, strict=True)
        if isinstance(layer, Activation) and not layer.smooth
    ]


@given(cases(), seeds)
@example(DEFAULT, 0)
@example(DEFAULT32, 1)
def test_backprop_agrees_with_finite_differences(case: Case, seed: int) -> None:
    """Sampled coordinates of every weight and bias and random directions agree to a relative error of 1e-6."""
    report = check_network_gradients(
        case.network, case.images, case.labels, rng=np.random.default_rng(seed), coordinates_per_block=3, directions=3
    )
    assert report.passed, report.summary()


_STENCIL = ((-2.0, 1.0), (-1.0, -8.0), (1.0, 8.0), (2.0, -1.0))  # (offset, weight) of the 4th-order difference


def _directional(evaluate: Any, point: Array, direction: Array, step: float) -> float | None:
    """The 4th-order central difference of ``evaluate`` (value, kink pattern) at ``point`` along ``direction``,
    or None when a stencil point has another kink pattern than ``point`` (the stencil straddles a kink)."""
    _, base = evaluate(point)
    values = []
    for offset, _ in _STENCIL:
        value, pattern = evaluate(point + offset * step * direction)
        if not all(np.array_equal(a, b) for a, b in zip(pattern, base, strict=True)):
            return None
        values.append(value)
    return float(sum(weight * value for (_, weight), value in zip(_STENCIL, values, strict=True)) / (12 * step))


@given(cases(max_width=7, input_widths=st.integers(1, 7), max_classes=5, max_size=4))
def test_backprop_agrees_with_finite_differences_entry_by_entry(case: Case) -> None:
    """On small networks every parameter's derivative, dropout mask held fixed, agrees with central differences.

    In float64, with the loss computed independently from the logits; an entry whose stencil changes the
    sign of some ReLU-family input (a kink, where no derivative exists) is skipped, and most are checked.
    """
    network, batch = _in_float64(case)
    mode = Mode.train(case.seed)  # a fixed dropout mask: the same key gives the same mask in every pass
    _, grads = network.loss_and_gradients(batch, mode=mode)
    vector, gradient = np.asarray(flatten(network)), np.asarray(flatten(grads))

    def evaluate(point: Array) -> tuple[float, list[Array]]:
        moved = unflatten(point, like=network)
        logits, caches = moved.forward(batch.images, mode=mode)
        return _loss_of_logits(logits, batch.labels), _kink_pattern(moved, caches)

    checked = 0
    for index in range(vector.size):
        basis = np.zeros_like(vector)
        basis[index] = 1.0
        numeric = _directional(evaluate, vector, basis, 1e-4)
        if numeric is not None:
            analytic = float(gradient[index])
            assert abs(analytic - numeric) <= 1e-6 * max(abs(analytic), abs(numeric), 1e-4), (index, analytic, numeric)
            checked += 1
    assert checked >= vector.size / 2, (checked, vector.size)


@given(cases())
@example(DEFAULT)
def test_network_backward_gives_the_input_gradient_and_the_parameter_gradients(case: Case) -> None:
    """backward(dL/dz, cache) returns exactly the parameter gradients of loss_and_gradients (a network shaped
    like the original), and dx, the gradient of the loss with respect to the images, which agrees with
    finite differences along random directions (float64; a direction whose stencil straddles a kink is
    retried with a smaller step)."""
    network, batch = _in_float64(case)
    logits, cache = network.forward(batch.images)
    dx, grads = network.backward(cross_entropy_gradient(logits, batch.labels), cache)
    _, expected = network.loss_and_gradients(batch)
    np.testing.assert_array_equal(flatten(grads), flatten(expected))
    assert grads.input_shape() == network.input_shape() and grads.output_shape() == network.output_shape()
    assert dx.shape == batch.images.shape and dx.dtype == np.float64

    def evaluate(images: Array) -> tuple[float, list[Array]]:
        z, caches = network.forward(images)
        return _loss_of_logits(z, batch.labels), _kink_pattern(network, caches)

    rng = np.random.default_rng(case.seed)
    checked = 0
    for _ in range(3):
        direction = rng.standard_normal(dx.shape)
        direction /= np.linalg.norm(direction)
        for step in (1e-4, 1e-5, 1e-6):
            numeric = _directional(evaluate, batch.images, direction, step)
            if numeric is not None:
                analytic = float(np.vdot(dx, direction))
                assert abs(analytic - numeric) <= 1e-6 * max(abs(analytic), abs(numeric), 1e-4), (analytic, numeric)
                checked += 1
                break
    assert checked


@given(cases())
@example(DEFAULT32)
def test_float32_gradients_agree_with_float64_ones(case: Case) -> None:
    """A network's gradients in its own dtype equal those of its float64 copy, to that dtype's precision."""
    _, grads = case.network.loss_and_gradients(case.batch)
    network64, batch64 = _in_float64(case)
    _, grads64 = network64.loss_and_gradients(batch64)
    assert grads.dtype == case.network.dtype
    expected = np.asarray(flatten(grads64))
    scale = 1.0 + float(np.abs(expected).max())
    tolerance = 1e-4 if case.network.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(flatten(grads), expected, rtol=0, atol=tolerance * scale)


@given(cases(min_size=2))
@example(DEFAULT)
def test_loss_and_gradient_are_invariant_to_the_order_of_the_batch(case: Case) -> None:
    """Permuting the samples of a batch changes neither the mean loss nor its gradient."""
    order = np.random.default_rng(case.seed).permutation(len(case.labels))
    loss_a, grads_a = case.network.loss_and_gradients(case.batch)
    loss_b, grads_b = case.network.loss_and_gradients(Batch.of(case.images[order]).labelled(case.labels[order]))
    assert abs(loss_a - loss_b) <= _tolerance(case.network.dtype) * (1 + loss_a)
    _assert_close(flatten(grads_b), flatten(grads_a), case.network.dtype)


@given(cases(min_size=2))
@example(DEFAULT)
def test_samples_in_a_batch_do_not_influence_each_other(case: Case) -> None:
    """Replacing one sample changes that sample's output only."""
    changed = case.images.copy()
    changed[0] = np.random.default_rng(case.seed).random(changed.shape[1])
    before, after = case.network.logits(case.images), case.network.logits(changed)
    np.testing.assert_array_equal(before[1:], after[1:])


@given(cases())
@example(DEFAULT)
@example(DEFAULT32)
def test_batch_gradient_is_the_mean_of_per_sample_gradients(case: Case) -> None:
    """The gradient of the mean loss equals the mean of the per-sample gradients."""
    _, whole = case.network.loss_and_gradients(case.batch)
    singles = [
        flatten(case.network.loss_and_gradients(Batch.of(case.images[i : i + 1]).labelled(case.labels[i : i + 1]))[1])
        for i in range(len(case.labels))
    ]
    _assert_close(flatten(whole), np.mean(singles, axis=0), case.network.dtype)


@given(cases(min_depth=2))
@example(DEFAULT)
def test_permuting_hidden_units_changes_nothing_observable(case: Case) -> None:
    """Permuting one hidden layer's units (rows of its W and b, columns of the next W) keeps the outputs
    and permutes the gradients the same way (activations and dropout, in evaluation mode, act per unit)."""
    network = case.network
    rng = np.random.default_rng(case.seed)
    dense = _dense_indices(network)
    position = int(rng.integers(0, len(dense) - 1))
    here, after = dense[position], dense[position + 1]
    first, second = network.layers[here], network.layers[after]
    assert isinstance(first, Dense) and isinstance(second, Dense)
    p = rng.permutation(first.shape[0])
    permuted = _replaced(
        network,
        {
            here: Dense(weights=first.weights[p], bias=first.bias[p]),
            after: Dense(weights=second.weights[:, p], bias=second.bias),
        },
    )
    dtype = network.dtype
    _assert_close(permuted.logits(case.images), network.logits(case.images), dtype)
    _, grads = network.loss_and_gradients(case.batch)
    _, permuted_grads = permuted.loss_and_gradients(case.batch)
    for index in dense:
        mine, theirs = permuted_grads.layers[index], grads.layers[index]
        assert isinstance(mine, Dense) and isinstance(theirs, Dense)
        weights, bias = theirs.weights, theirs.bias
        if index == here:
            weights, bias = weights[p], bias[p]
        elif index == after:
            weights = weights[:, p]
        _assert_close(mine.weights, weights, dtype)
        _assert_close(mine.bias, bias, dtype)


@given(cases())
@example(DEFAULT)
def test_relabelling_classes_with_the_output_rows_keeps_the_loss(case: Case) -> None:
    """Permuting the output classes (rows of the last W and b) together with the labels leaves the loss unchanged."""
    network = case.network
    last = _dense_indices(network)[-1]
    layer = network.layers[last]
    assert isinstance(layer, Dense)
    p = np.random.default_rng(case.seed).permutation(layer.shape[0])
    relabelled = _replaced(network, {last: Dense(weights=layer.weights[p], bias=layer.bias[p])})
    inverse = np.argsort(p)
    moved = relabelled.loss(Batch.of(case.images).labelled(inverse[case.labels]))
    original = network.loss(case.batch)
    assert abs(moved - original) <= _tolerance(network.dtype) * (1 + original)


@given(cases())
@example(DEFAULT)
@example(DEFAULT32)
def test_a_small_step_against_the_gradient_lowers_the_loss(case: Case) -> None:
    """L(p - eta g) < L(p) for a small eta: the gradient is a descent direction (measured in float64)."""
    network, batch = _in_float64(case)
    value, grads = network.loss_and_gradients(batch)
    norm2 = float(np.vdot(flatten(grads), flatten(grads)))
    eta = 1e-3 / max(1.0, norm2)
    stepped = map_parameters(lambda p, g: p - eta * g, network, grads)
    assert stepped.loss(batch) < value


def _kink_free_length(network: Network[Any, Any], direction: Array, images: Array, longest: float) -> float:
    """A length t <= ``longest`` such that, at 64 evenly spaced points of [0, t] along ``direction``, every
    ReLU-family input has the sign it has at 0 (halving past the first point where one differs).

    Along a line each pre-activation is a polynomial in t of degree at most the network's depth while the
    signs stay fixed, so a sign change between two of 64 close points would need a root pair closer than
    the spacing: the sampled segment is kink-free for all practical purposes.
    """
    vector = np.asarray(flatten(network))

    def pattern(t: float) -> list[Array]:
        moved = unflatten(vector + t * direction, like=network)
        return _kink_pattern(moved, moved.forward(images)[1])

    base = pattern(0.0)
    length = longest
    for _ in range(60):
        points = length * np.arange(1, 65) / 64
        differing = [t for t in points if not all(np.array_equal(a, b) for a, b in zip(pattern(t), base, strict=True))]
        if not differing:
            return length
        length = differing[0] / 2
    return length


@given(cases())
@example(DEFAULT)
def test_first_order_taylor_remainder_shrinks_quadratically(case: Case) -> None:
    """|L(p + t d) - L(p) - t <g, d>| falls like t^2 on a kink-free segment: halving t divides it by ~4."""
    network, batch = _in_float64(case)
    value, grads = network.loss_and_gradients(batch)
    vector, gradient = np.asarray(flatten(network)), np.asarray(flatten(grads))
    direction = np.random.default_rng(case.seed).standard_normal(vector.shape)
    direction /= np.linalg.norm(direction)
    slope = float(np.vdot(gradient, direction))
    # Stay below the first ReLU kink along the line, where the loss is smooth (a kink inside the
    # segment would make the remainder first order: that is ReLU, not an error in the gradient).
    big = _kink_free_length(network, direction, batch.images, 1e-3)

    def remainder(t: float) -> float:
        return abs(unflatten(vector + t * direction, like=network).loss(batch) - value - t * slope)

    large, small = remainder(big), remainder(big / 2)
    # Far above float64 rounding (~1e-15 here) the ratio tends to 4 as t -> 0; a wrong gradient leaves a
    # first-order remainder, whose ratio tends to 2.
    assert small < 1e-13 or 3.0 < large / small < 5.0, (big, large, small)


@given(cases())
@example(DEFAULT32)
def test_forward_and_backward_are_deterministic_and_leave_their_inputs_alone(case: Case) -> None:
    """Two calls give bit-identical results in either mode (a training key fixes the dropout mask), and no
    argument is modified."""
    network, images, labels = case.network, case.images, case.labels
    saved = [block.copy() for block in network.parameters()] + [images.copy(), labels.copy()]
    for mode in (Mode(), Mode.train(case.seed)):
        first = network.loss_and_gradients(case.batch, mode=mode)
        second = network.loss_and_gradients(case.batch, mode=mode)
        assert first[0] == second[0]
        np.testing.assert_array_equal(flatten(first[1]), flatten(second[1]))
        np.testing.assert_array_equal(network.forward(images, mode=mode)[0], network.forward(images, mode=mode)[0])
    np.testing.assert_array_equal(network.logits(images), network.logits(images))
    for old, new in zip(saved, [*network.parameters(), images, labels], strict=True):
        np.testing.assert_array_equal(old, new)


memorisable = cases(input_widths=st.just(784), min_width=16, dropout=False, min_size=8, max_size=8, max_classes=10)


@given(memorisable)
@example(DEFAULT)
def test_training_on_one_small_batch_drives_its_loss_near_zero(case: Case) -> None:
    """Two hundred momentum steps (gradients clipped to norm 1) on one batch of 8 images memorise it: the
    loss falls below 0.01, for any depth and activation with hidden layers at least 16 wide."""
    from verified_nn.optimizer import Momentum, clip_by_global_norm

    network = case.network
    optimizer = Momentum(learning_rate=0.05, momentum=0.9)
    state = optimizer.init(network)
    for _ in range(200):
        # Clipping keeps the first steps of a deep network from overshooting (measured: without it, some
        # four-layer networks diverge at this rate; with it, 500 random networks all stayed below 0.004).
        _, grads = network.loss_and_gradients(case.batch)
        clipped, _ = clip_by_global_norm(grads, max_norm=1.0)
        network, state = optimizer.update(clipped, state, network)
    assert network.loss(case.batch) < 0.01
