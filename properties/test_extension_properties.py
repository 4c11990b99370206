"""Leaky ReLU as a plugged-in activation, its slope validation, and the fused SGD step."""

from typing import Any

import numpy as np
import pytest
from hypothesis import given, strategies as st
from strategies import batches, finite_arrays, networks, seeds

from verified_nn.core import InvalidArgumentError, leaky_relu, leaky_relu_activation, leaky_relu_derivative
from verified_nn.network import MLP, Dense, flatten, he_init, loss_and_gradients
from verified_nn.optimizer import SGD
from verified_nn.verification import check_network_gradients

Array = np.ndarray[Any, Any]
Batch = tuple[Array, Array]


@given(finite_arrays(), st.floats(0, 0.99))
def test_the_leaky_activation_record_holds_leaky_relu_and_its_derivative(x: Array, slope: float) -> None:
    """leaky_relu_activation(s) computes leaky_relu and its derivative with slope s, and is named after s."""
    activation = leaky_relu_activation(slope)
    assert activation.name == f"leaky_relu({slope!r})"
    np.testing.assert_array_equal(activation.function(x), leaky_relu(x, slope=slope))
    np.testing.assert_array_equal(activation.derivative(x), leaky_relu_derivative(x, slope=slope))


@given(st.one_of(st.floats(max_value=-1e-9, allow_nan=False), st.floats(min_value=1.0, allow_infinity=False)))
def test_slopes_outside_zero_to_one_are_refused(slope: float) -> None:
    """A leaky slope must lie in [0, 1): other slopes are refused by every entry point."""
    for make in (
        lambda: leaky_relu_activation(slope),
        lambda: leaky_relu(np.zeros(2), slope=slope),
        lambda: leaky_relu_derivative(np.zeros(2), slope=slope),
    ):
        with pytest.raises(InvalidArgumentError, match=r"leaky ReLU slope must lie in \[0, 1\)"):
            make()


@given(seeds, batches(), st.floats(0.01, 0.5))
def test_backprop_with_leaky_relu_agrees_with_finite_differences(seed: int, batch: Batch, slope: float) -> None:
    """With a leaky activation plugged in, the network's gradients still match finite differences."""
    rng = np.random.default_rng(seed)
    mlp = he_init(rng, dtype=np.float64, activation=leaky_relu_activation(slope))
    images, labels = batch
    report = check_network_gradients(mlp, images, labels, rng=rng, coordinates_per_block=3, directions=3)
    assert report.passed, report.summary()


@given(networks(dtype=np.float64), batches(), st.floats(1e-3, 1.0))
def test_the_fused_sgd_step_equals_gradients_then_update(mlp: MLP, batch: Batch, rate: float) -> None:
    """SGD.step(p, s, x, y) = update(loss_and_gradients(p, x, y)), loss included."""
    images, labels = batch
    optimizer = SGD(learning_rate=rate)
    stepped, _, loss = optimizer.step(mlp, optimizer.init(mlp), images, labels)
    expected_loss, grads = loss_and_gradients(mlp, images, labels)
    updated, _ = optimizer.update(grads, optimizer.init(mlp), mlp)
    assert loss == expected_loss
    np.testing.assert_allclose(flatten(stepped), flatten(updated), rtol=1e-12, atol=1e-15)
    assert isinstance(stepped.layer1, Dense) and stepped.activation is mlp.activation


@given(st.floats(0, 0.99))
def test_at_the_kink_the_derivatives_take_their_documented_values(slope: float) -> None:
    """At exactly 0, relu' is 0 and leaky' is the slope (each a one-sided derivative there)."""
    from verified_nn.core import relu_derivative

    zero = np.zeros(3)
    np.testing.assert_array_equal(relu_derivative(zero), np.zeros(3))
    np.testing.assert_array_equal(leaky_relu_derivative(zero, slope=slope), np.full(3, slope))


@given(networks(), st.sampled_from([np.float32, np.float64]))
def test_astype_converts_every_parameter_and_keeps_the_activation(mlp: MLP, dtype: Any) -> None:
    """mlp.astype(d) has all four blocks in d, the same values (to d's precision) and the same activation."""
    converted = mlp.astype(dtype)
    assert converted.activation is mlp.activation and converted.dtype == dtype
    for block in (converted.layer1.weights, converted.layer1.bias, converted.layer2.weights, converted.layer2.bias):
        assert block.dtype == dtype
    np.testing.assert_allclose(flatten(converted), flatten(mlp), rtol=1e-6)


@given(
    st.one_of(st.floats(max_value=0.0), st.just(float("nan")), st.just(float("inf"))),
    st.sampled_from(["sgd", "momentum"]),
)
def test_learning_rates_must_be_finite_and_positive(rate: float, which: str) -> None:
    """SGD and Momentum refuse a learning rate that is not a finite number > 0, naming it."""
    from verified_nn.optimizer import Momentum

    make = SGD if which == "sgd" else Momentum
    with pytest.raises(InvalidArgumentError, match=r"^learning_rate must be a finite number > 0, got "):
        make(learning_rate=rate)


@given(seeds, st.sampled_from([np.float32, np.float64]))
def test_constructors_convert_to_an_explicit_dtype(seed: int, dtype: Any) -> None:
    """as_image and as_parameter_vector honour an explicit dtype."""
    from verified_nn.core import as_image
    from verified_nn.network import PARAMETER_COUNT, as_parameter_vector

    rng = np.random.default_rng(seed)
    assert as_image(rng.random(784), dtype=dtype).dtype == dtype
    assert as_parameter_vector(rng.random(PARAMETER_COUNT), dtype=dtype).dtype == dtype
