"""Details of the contract that mutation testing showed were unchecked: dtypes kept, activations kept
through the fast paths, He scaling, hyperparameter and label bounds, and the exact error messages."""

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from jaxtyping import Integer
from strategies import batches, seeds

from verified_nn.core import (
    Floating,
    InvalidArgumentError,
    ShapeError,
    as_image,
    as_image_batch,
    as_labels,
    checked,
    cross_entropy,
    leaky_relu_activation,
    relu_derivative,
)
from verified_nn.network import he_init, loss_and_gradients, map_parameters
from verified_nn.optimizer import SGD, Momentum

Array = np.ndarray[Any, Any]
Batch = tuple[Array, Array]


@given(seeds, batches(dtype=np.float32), st.floats(0.01, 0.5))
def test_float32_stays_float32_and_the_activation_survives_every_fast_path(
    seed: int, batch: Batch, slope: float
) -> None:
    """Gradients, steps, updates and conversions keep the network's dtype and its (leaky) activation."""
    activation = leaky_relu_activation(slope)
    mlp = he_init(np.random.default_rng(seed), dtype=np.float32, activation=activation)
    images, labels = batch
    assert mlp.activation is activation
    _, grads = loss_and_gradients(mlp, images, labels)
    stepped, state, _ = Momentum().step(mlp, Momentum().init(mlp), images, labels)
    sgd_stepped, _, _ = SGD().step(mlp, SGD().init(mlp), images, labels)
    updated, _ = SGD().update(grads, SGD().init(mlp), mlp)
    for result in (grads, stepped, sgd_stepped, updated, state.velocity, mlp.astype(np.float32)):
        assert result.activation is activation and result.dtype == np.float32
        assert result.layer1.weights.dtype == result.layer1.bias.dtype == np.float32
    assert mlp.forward_batch(images).dtype == np.float32
    assert relu_derivative(images).dtype == np.float32
    assert map_parameters(lambda p: p, mlp).activation is activation


@given(seeds)
def test_he_initialisation_draws_weights_with_variance_two_over_fan_in(seed: int) -> None:
    """W1 and W2 have standard deviations sqrt(2/784) and sqrt(2/128) (to sampling error); biases are 0."""
    mlp = he_init(np.random.default_rng(seed), dtype=np.float64)
    assert abs(mlp.layer1.weights.std() / np.sqrt(2 / 784) - 1) < 0.02  # 100,352 draws
    assert abs(mlp.layer2.weights.std() / np.sqrt(2 / 128) - 1) < 0.15  # 1,280 draws
    assert not mlp.layer1.bias.any() and not mlp.layer2.bias.any()


@given(st.one_of(st.floats(max_value=-1e-12), st.floats(min_value=1.0), st.just(float("nan"))), st.floats(0, 0.999))
@example(1.0, 0.5)
@example(1.5, 0.5)
def test_momentum_must_lie_in_zero_to_one(bad: float, good: float) -> None:
    """Momentum accepts mu in [0, 1) and refuses anything else, naming it."""
    assert Momentum(momentum=good).momentum == good
    with pytest.raises(InvalidArgumentError, match=r"^momentum must lie in \[0, 1\), got "):
        Momentum(momentum=bad)


@given(st.sampled_from(["float16", "int32", "complex64", "uint8"]))
def test_only_float32_and_float64_networks_exist(dtype: str) -> None:
    """he_init refuses other dtypes, and as_image refuses arrays it cannot treat as float32/float64."""
    with pytest.raises(InvalidArgumentError, match=rf"^dtype must be float32 or float64, got {dtype}$"):
        he_init(np.random.default_rng(0), dtype=dtype)
    if dtype == "complex64":
        with pytest.raises(ShapeError, match=r"^as_image: expected a float32 or float64 array, got complex64$"):
            as_image(np.zeros(784, dtype=dtype))


@given(st.integers(1, 5), st.sampled_from([np.float32, np.float64]))
def test_image_batches_take_an_explicit_dtype(size: int, dtype: Any) -> None:
    """as_image_batch converts to an explicit dtype."""
    assert as_image_batch(np.zeros((size, 784), dtype=np.float64), dtype=dtype).dtype == dtype


@given(st.lists(st.integers(-5, 15), min_size=1, max_size=12))
@example([10])
@example([-1, 0])
@example([9, 0])
def test_labels_outside_the_classes_are_refused_at_both_ends(values: list[int]) -> None:
    """Cross-entropy and as_labels accept labels in [0, 10) only, and say so with the range seen."""
    labels = np.array(values)
    logits = np.zeros((len(values), 10))
    if min(values) < 0 or max(values) >= 10:
        with pytest.raises(
            InvalidArgumentError, match=rf"^labels must lie in \[0, 10\), got range \[{min(values)}, {max(values)}\]$"
        ):
            cross_entropy(logits, labels)
        with pytest.raises(InvalidArgumentError, match=r"^as_labels: labels must lie in \[0, 10\)"):
            as_labels(labels)
    else:
        assert cross_entropy(logits, labels) == pytest.approx(np.log(10))


def test_an_empty_batch_has_no_cross_entropy() -> None:
    """Cross-entropy of zero samples is refused rather than returned as NaN."""
    with pytest.raises(InvalidArgumentError, match=r"^cross-entropy of an empty batch is undefined$"):
        cross_entropy(np.zeros((0, 10)), np.zeros(0, dtype=np.int64))


@given(st.integers(1, 4), st.integers(2, 4))
def test_labels_must_be_one_dimensional(rows: int, columns: int) -> None:
    """as_labels refuses a label matrix, naming itself and the shape."""
    with pytest.raises(ShapeError, match=rf"^as_labels: expected shape \(batch\), got \({rows}, {columns}\)$"):
        as_labels(np.zeros((rows, columns), dtype=np.int64))


@checked
def _three(
    a: Floating[np.ndarray[Any, Any], " n"],
    b: Floating[np.ndarray[Any, Any], " n"],
    c: Integer[np.ndarray[Any, Any], " n"],
) -> int:
    return len(c)


@checked
def _fixed_then_named(a: Floating[np.ndarray[Any, Any], " 3"], b: Integer[np.ndarray[Any, Any], " n"]) -> int:
    return len(b)


@checked
def _variadic(x: Floating[np.ndarray[Any, Any], "*batch n"], y: Integer[np.ndarray[Any, Any], "*batch"]) -> int:
    return len(y)


@checked
def _pair(value: object) -> tuple[int, int]:
    return value  # type: ignore[return-value]


@given(st.integers(1, 6))
def test_mismatch_messages_list_every_earlier_array_and_only_named_sizes(n: int) -> None:
    """The context lists the earlier arrays and the named sizes they fixed; fixed and variadic dims add none."""
    with pytest.raises(ShapeError) as caught:
        _three(np.zeros(n), np.zeros(n), np.zeros(n + 1, dtype=np.int64))
    assert str(caught.value).endswith(f"got int64[{n + 1}] (n={n} from a: float64[{n}], b: float64[{n}])")
    with pytest.raises(ShapeError) as caught:
        _fixed_then_named(np.zeros(3), np.zeros(n))
    assert str(caught.value).endswith(f"got float64[{n}] (a: float64[3])")
    with pytest.raises(ShapeError) as caught:
        _variadic(np.zeros((2, n)), np.zeros(2, dtype=np.float64))
    assert str(caught.value).endswith(f"got float64[2] (x: float64[2,{n}])")


@given(st.text(max_size=5))
def test_a_wrong_return_of_a_generic_type_is_named_with_its_parameters(value: str) -> None:
    """A return annotation such as tuple[int, int] appears in full in the message."""
    with pytest.raises(ShapeError, match=r"^_pair: return value expected tuple\[int, int\], got str "):
        _pair(value)


@given(seeds, st.sampled_from([np.float32, np.float64]))
def test_parameters_are_read_only_column_major_views(seed: int, dtype: Any) -> None:
    """Every parameter array refuses writes; weights are stored column-major; the caller's array stays writable."""
    from verified_nn.network import Dense

    rng = np.random.default_rng(seed)
    weights, bias = rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal(4).astype(dtype)
    layer: Dense[Any, Any] = Dense(weights=weights, bias=bias)
    assert layer.weights.flags.f_contiguous
    for block in (layer.weights, layer.bias, *he_init(rng, dtype=dtype).layer1.__dict__.values()):
        with pytest.raises(ValueError, match="read-only"):
            block[0] = 1
    weights[0, 0] = bias[0] = 1  # freezing the layer's views leaves the caller's arrays writable


@given(st.sampled_from([(np.float32, np.float64), (np.float64, np.float32)]))
def test_mixed_dtypes_are_refused_with_both_named(dtypes: tuple[Any, Any]) -> None:
    """A layer's weights and bias, and a network's two layers, must share one dtype."""
    from verified_nn.network import MLP, Dense

    first, second = (np.dtype(d).name for d in dtypes)
    with pytest.raises(ShapeError, match=rf"^Dense: weights and bias must share a dtype, got {first} and {second}$"):
        Dense(weights=np.zeros((2, 2), dtype=dtypes[0]), bias=np.zeros(2, dtype=dtypes[1]))
    one, other = he_init(np.random.default_rng(0), dtype=dtypes[0]), he_init(np.random.default_rng(0), dtype=dtypes[1])
    with pytest.raises(ShapeError, match=rf"^MLP: both layers must share a dtype, got {first} and {second}$"):
        MLP(layer1=one.layer1, layer2=other.layer2)


@checked
def _plain_then_named(a: np.ndarray[Any, np.dtype[Any]], b: Integer[np.ndarray[Any, Any], " n"]) -> int:
    return len(b)


@given(st.integers(1, 5))
def test_an_array_without_dims_adds_no_sizes_to_a_message(n: int) -> None:
    """An argument annotated as a plain ndarray is listed in the context but binds no named size."""
    with pytest.raises(ShapeError) as caught:
        _plain_then_named(np.zeros(n), np.zeros(n))
    assert str(caught.value).endswith(f"got float64[{n}] (a: float64[{n}])")
