"""Dropout: the identity in evaluation mode; in training mode a mask drawn from the mode's key (the same key,
the same mask), inverted scaling that keeps the expectation, and a gradient that agrees with finite
differences when the mask is held fixed."""

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from strategies import Case, cases, dropout_rates, finite_arrays, float_dtypes, networks, seeds

from verified_nn.core import InvalidArgumentError, ShapeError, cross_entropy
from verified_nn.layers import Dropout, Mode
from verified_nn.network import Network
from verified_nn.verification import check_gradient, check_network_gradients

Array = np.ndarray[Any, Any]
keys = st.lists(st.integers(0, 2**63 - 1), min_size=1, max_size=3).map(tuple)


@given(finite_arrays(), dropout_rates, seeds)
def test_dropout_in_evaluation_mode_is_the_identity(x: Array, rate: float, seed: int) -> None:
    """In evaluation mode (the default) forward returns its input and backward its upstream gradient."""
    layer = Dropout(rate)
    dy = np.asarray(np.random.default_rng(seed).standard_normal(x.shape), dtype=x.dtype)
    for mode in (Mode(), Mode(training=False, key=(seed,))):
        y, cache = layer.forward(x, mode=mode)
        np.testing.assert_array_equal(y, x)
        assert y.dtype == x.dtype
        dx, grads = layer.backward(dy, cache)
        np.testing.assert_array_equal(dx, dy)
        assert grads is layer


@given(networks(dropout=True, min_depth=2))
def test_a_network_in_evaluation_mode_computes_as_if_it_had_no_dropout(network: Network[Any, Any]) -> None:
    """Removing every dropout layer changes neither the logits nor the loss in evaluation mode."""
    plain: Network[Any, Any] = Network(tuple(layer for layer in network.layers if not isinstance(layer, Dropout)))
    (width,) = network.input_shape() or (1,)
    images = np.random.default_rng(0).random((5, width)).astype(network.dtype)
    np.testing.assert_array_equal(network.logits(images), plain.logits(images))


@given(finite_arrays(), dropout_rates, keys)
def test_the_training_mask_is_reproducible_from_the_key(x: Array, rate: float, key: tuple[int, ...]) -> None:
    """In training mode the same key gives the same output; the output is x times a mask of 0 and
    1 / (1 - rate); backward multiplies by the same mask."""
    layer = Dropout(rate)
    mode = Mode.train(*key)
    y, mask = layer.forward(x, mode=mode)
    again, _ = layer.forward(x.copy(), mode=Mode.train(*key))
    np.testing.assert_array_equal(y, again)
    assert mask is not None
    assert mask.shape == x.shape and y.dtype == x.dtype
    scale = np.asarray(1 / (1 - rate), dtype=x.dtype)
    assert np.isin(mask, np.array([0, scale], dtype=x.dtype)).all()
    np.testing.assert_array_equal(y, x * mask)
    np.testing.assert_array_equal(layer.mask(x.shape, x.dtype, mode), mask)
    dy = np.ones_like(x)
    np.testing.assert_array_equal(layer.backward(dy, mask)[0], mask)


@given(cases(dropout=True, min_depth=2))
def test_each_layer_of_a_network_draws_its_mask_from_its_own_key(case: Case) -> None:
    """A network in training mode applies layer i with mode.child(i): its forward pass equals the layers
    applied one by one with those keys, and the same key gives the same loss and gradients."""
    network, mode = case.network, Mode.train(case.seed)
    x = case.images
    for index, layer in enumerate(network.layers):
        x, _ = layer.forward(x, mode=Mode.train(case.seed, index))
    np.testing.assert_array_equal(network.forward(case.images, mode=mode)[0], x)
    loss = network.loss(case.batch, mode=mode)
    assert loss == network.loss(case.batch, mode=Mode.train(case.seed)) == cross_entropy(x, case.labels)
    assert network.loss_and_gradients(case.batch, mode=mode)[0] == loss


ROWS = 4096
KEY = 0


@given(st.floats(0.05, 0.95), st.integers(1, 64), seeds, float_dtypes)
@example(0.5, 64, 0, np.dtype(np.float64))
def test_inverted_scaling_keeps_the_expectation(rate: float, width: int, seed: int, dtype: np.dtype[Any]) -> None:
    """Averaged over 4,096 masks, dropout(x) is within 6 standard deviations of x in every column, where the
    variance of one sample is x^2 rate / (1 - rate): the scaling by 1 / (1 - rate) makes E[dropout(x)] = x.

    The key is fixed, so the masks are too: for every width 1 to 64 and every rate in [0.05, 0.95], the
    largest deviation of any column is 4.33 standard deviations (found by evaluating every jump of the
    kept count), so this bound cannot flake; a scale of 1 instead of 1 / (1 - rate) misses it by far.
    """
    x = np.random.default_rng(seed).uniform(0.5, 2.0, width).astype(dtype)
    y, _ = Dropout(rate).forward(np.tile(x, (ROWS, 1)), mode=Mode.train(KEY))
    mean = y.astype(np.float64).mean(axis=0)
    sd = x.astype(np.float64) * np.sqrt(rate / ((1 - rate) * ROWS))
    rounding = 1e-5 if dtype == np.float32 else 1e-12
    assert (np.abs(mean - x) <= 6 * sd + rounding).all(), np.max(np.abs(mean - x) / sd)


@given(cases(dropout=True, min_depth=2), seeds)
def test_the_gradient_with_the_mask_held_fixed_agrees_with_finite_differences(case: Case, seed: int) -> None:
    """In training mode with a fixed key (the mask held fixed), backprop through dropout agrees with finite
    differences of the loss, every evaluation drawing the same mask."""
    report = check_network_gradients(
        case.network,
        case.images,
        case.labels,
        rng=np.random.default_rng(seed),
        mode=Mode.train(case.seed),
        coordinates_per_block=3,
        directions=3,
    )
    assert report.passed, report.summary()


@given(finite_arrays(), dropout_rates, seeds)
def test_dropout_backward_is_the_gradient_of_its_forward(x: Array, rate: float, seed: int) -> None:
    """For a fixed mask, backward(dy) is the gradient of <dy, dropout(x)> with respect to x."""
    x64 = x.astype(np.float64)
    layer, mode = Dropout(rate), Mode.train(seed)
    dy = np.asarray(np.random.default_rng(seed).standard_normal(x.shape))
    _, mask = layer.forward(x64, mode=mode)
    dx, _ = layer.backward(dy, mask)
    # The function is linear in x (the mask is fixed), so a large step adds no truncation error and keeps
    # the rounding of a sum of up to 1,000 terms far below the tolerance.
    report = check_gradient(lambda v: float(np.vdot(dy, layer.forward(v, mode=mode)[0])), dx, x64, step=1e-2)
    assert report.passed, report.summary()


@given(finite_arrays(), keys)
def test_rate_zero_keeps_every_value_in_training_mode(x: Array, key: tuple[int, ...]) -> None:
    """Dropout(0) is the identity in training mode too."""
    y, _ = Dropout(0.0).forward(x, mode=Mode.train(*key))
    np.testing.assert_array_equal(y, x)


@given(st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.0), st.just(float("nan"))))
@example(1.0)
@example(-0.0001)
def test_rates_outside_zero_to_one_are_refused(rate: float) -> None:
    """A dropout rate must lie in [0, 1): anything else is refused, naming the rate."""
    with pytest.raises(InvalidArgumentError, match=r"^Dropout: rate must lie in \[0, 1\), got "):
        Dropout(rate)


@given(st.lists(st.integers(-5, 5), max_size=3))
def test_a_training_mode_needs_a_key_of_non_negative_integers(key: list[int]) -> None:
    """Mode.train(*key) needs at least one key entry, each an integer >= 0; evaluation mode needs none."""
    if key and min(key) >= 0:
        assert Mode.train(*key).key == tuple(key) and Mode.train(*key).training
    elif not key:
        with pytest.raises(InvalidArgumentError, match=r"^Mode: training mode needs a key"):
            Mode.train()
    else:
        with pytest.raises(InvalidArgumentError, match=r"^Mode: key entries must be integers >= 0, got "):
            Mode.train(*key)
    assert Mode().child(3) == Mode() and Mode.train(1).child(2) == Mode.train(1, 2)
    for flag in (True, False):
        with pytest.raises(InvalidArgumentError, match=rf"^Mode: key entries must be integers >= 0, got \({flag},\)$"):
            Mode(training=True, key=(flag,))


@given(finite_arrays(), dropout_rates, seeds)
def test_dropout_backward_refuses_a_gradient_of_another_shape(x: Array, rate: float, seed: int) -> None:
    """backward refuses an upstream gradient whose shape differs from the mask's, or that is not a float array."""
    layer = Dropout(rate)
    _, mask = layer.forward(x, mode=Mode.train(seed))
    with pytest.raises(ShapeError, match=r"^Dropout.backward: argument 'dy' has shape"):
        layer.backward(np.zeros((*x.shape, 2), dtype=x.dtype), mask)
    with pytest.raises(ShapeError, match=r"^Dropout.backward: argument 'dy' expected a float array, got int64"):
        layer.backward(np.zeros(x.shape, dtype=np.int64), mask)
