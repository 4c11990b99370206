"""Leaky ReLU as a plugged-in activation, its slope validation, the fused SGD step, dtype conversion and
hyperparameter validation."""

from typing import Any

import numpy as np
import pytest
from hypothesis import given, strategies as st
from strategies import Case, cases, networks, seeds

from verified_nn.core import InvalidArgumentError, leaky_relu, leaky_relu_derivative
from verified_nn.layers import LeakyReLU, Mode
from verified_nn.network import Network, check_same_structure, flatten
from verified_nn.optimizer import SGD, Adam, AdamW, Momentum, Optimizer
from verified_nn.verification import check_network_gradients

Array = np.ndarray[Any, Any]
leaky = st.floats(0.01, 0.5).map(LeakyReLU)


@given(st.one_of(st.floats(max_value=-1e-9, allow_nan=False), st.floats(min_value=1.0, allow_infinity=False)))
def test_slopes_outside_zero_to_one_are_refused(slope: float) -> None:
    """A leaky slope must lie in [0, 1): other slopes are refused by every entry point."""
    for make in (
        lambda: LeakyReLU(slope),
        lambda: leaky_relu(np.zeros(2), slope=slope),
        lambda: leaky_relu_derivative(np.zeros(2), slope=slope),
    ):
        with pytest.raises(InvalidArgumentError, match=r"leaky ReLU slope must lie in \[0, 1\)"):
            make()


@given(cases(activation=leaky), seeds)
def test_backprop_with_leaky_relu_agrees_with_finite_differences(case: Case, seed: int) -> None:
    """With leaky ReLU plugged in after every hidden layer, the network's gradients still match finite differences."""
    report = check_network_gradients(
        case.network, case.images, case.labels, rng=np.random.default_rng(seed), coordinates_per_block=3, directions=3
    )
    assert report.passed, report.summary()


@given(cases(dropout=True, min_depth=2), st.floats(1e-3, 1.0), st.sampled_from([0.0, 1e-3]))
def test_the_fused_sgd_step_equals_gradients_then_update(case: Case, rate: float, decay: float) -> None:
    """SGD.step(p, s, batch) = update(loss_and_gradients(p, batch)), loss included, with and without weight
    decay, in evaluation and in training mode (a network with dropout: the step must use the mode's mask);
    Momentum.step likewise."""
    network, batch = case.network, case.batch
    optimizers: tuple[Optimizer[Any], ...] = (
        SGD(learning_rate=rate, weight_decay=decay),
        Momentum(learning_rate=rate, weight_decay=decay),
    )
    for mode in (Mode(), Mode.train(case.seed)):
        for optimizer in optimizers:
            stepped, _, loss = optimizer.step(network, optimizer.init(network), batch, mode=mode)
            expected_loss, grads = network.loss_and_gradients(batch, mode=mode)
            updated, _ = optimizer.update(grads, optimizer.init(network), network)
            assert loss == expected_loss
            tolerance = 1e-6 if network.dtype == np.float32 else 1e-13
            np.testing.assert_allclose(flatten(stepped), flatten(updated), rtol=tolerance, atol=tolerance)
            check_same_structure(network, stepped)


@given(st.floats(0, 0.99))
def test_at_the_kink_the_derivatives_take_their_documented_values(slope: float) -> None:
    """At exactly 0, relu' is 0 and leaky' is the slope (each a one-sided derivative there), in the
    functions and in the layers' backward."""
    from verified_nn.core import relu_derivative
    from verified_nn.layers import ReLU

    zero = np.zeros((1, 3))
    np.testing.assert_array_equal(relu_derivative(zero), np.zeros((1, 3)))
    np.testing.assert_array_equal(leaky_relu_derivative(zero, slope=slope), np.full((1, 3), slope))
    ones = np.ones((1, 3))
    np.testing.assert_array_equal(ReLU().backward(ones, ReLU().forward(zero)[1])[0], np.zeros((1, 3)))
    layer = LeakyReLU(slope)
    np.testing.assert_array_equal(layer.backward(ones, layer.forward(zero)[1])[0], np.full((1, 3), slope))


@given(networks(), st.sampled_from([np.float32, np.float64]))
def test_astype_converts_every_parameter_and_keeps_the_layers(network: Network[Any, Any], dtype: Any) -> None:
    """net.astype(d) has every block in d, the same values (to d's precision) and the same layers."""
    converted = network.astype(dtype)
    assert converted.dtype == dtype
    assert [(type(layer), layer.config()) for layer in converted.layers] == [
        (type(layer), layer.config()) for layer in network.layers
    ]
    for block in converted.parameters():
        assert block.dtype == dtype
    np.testing.assert_allclose(flatten(converted), flatten(network), rtol=1e-6)


@given(
    st.one_of(st.floats(max_value=0.0), st.just(float("nan")), st.just(float("inf"))),
    st.sampled_from([SGD, Momentum, Adam, AdamW]),
)
def test_learning_rates_must_be_finite_and_positive(rate: float, make: Any) -> None:
    """SGD, Momentum, Adam and AdamW refuse a learning rate that is not a finite number > 0, naming it."""
    with pytest.raises(InvalidArgumentError, match=r"^learning_rate must be a finite number > 0, got "):
        make(learning_rate=rate)


@given(seeds, st.sampled_from([np.float32, np.float64]))
def test_constructors_convert_to_an_explicit_dtype(seed: int, dtype: Any) -> None:
    """as_image and as_float_array honour an explicit dtype."""
    from verified_nn.core import as_float_array, as_image

    rng = np.random.default_rng(seed)
    assert as_image(rng.random(784), dtype=dtype).dtype == dtype
    assert as_float_array(rng.random(7), (7,), name="v", dtype=dtype).dtype == dtype
