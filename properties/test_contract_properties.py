"""Details of the contract that mutation testing showed were unchecked: dtypes kept, layers kept through
the fast paths, He and Glorot scaling, hyperparameter and label bounds, and the exact error messages."""

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from jaxtyping import Integer
from strategies import Case, cases, seeds

from verified_nn.core import (
    Floating,
    InvalidArgumentError,
    ShapeError,
    as_image,
    as_image_batch,
    as_labels,
    checked,
    cross_entropy,
    relu_derivative,
)
from verified_nn.layers import Dense, LeakyReLU, Mode, ReLU, Tanh
from verified_nn.network import Batch, Network, default_network, map_parameters, mlp
from verified_nn.optimizer import SGD, Adam, AdamW, Momentum, Optimizer, state_trees

Array = np.ndarray[Any, Any]


def _same_layers(one: Network[Any, Any], other: Network[Any, Any]) -> bool:
    return [(type(a), a.config()) for a in one.layers] == [(type(b), b.config()) for b in other.layers]


@given(cases(dtype=np.float32), st.floats(0.01, 0.5))
def test_float32_stays_float32_and_the_layers_survive_every_fast_path(case: Case, slope: float) -> None:
    """Gradients, steps (fused or not, in either mode), updates, optimizer states and conversions keep the
    network's dtype and its layers (kinds and settings, a leaky slope or a dropout rate included)."""
    network, batch = case.network, case.batch
    leaky: Network[Any, Any] = Network(
        tuple(LeakyReLU(slope) if isinstance(layer, ReLU) else layer for layer in network.layers)
    )
    for net in (network, leaky):
        _, grads = net.loss_and_gradients(batch)
        results: list[Any] = [grads, net.astype(np.float32), map_parameters(lambda p: p, net)]
        optimizers: tuple[Optimizer[Any], ...] = (SGD(), SGD(weight_decay=0.1), Momentum(), Adam(), AdamW())
        for optimizer in optimizers:
            state = optimizer.init(net)
            stepped, after, _ = optimizer.step(net, state, batch, mode=Mode.train(case.seed))
            updated, _ = optimizer.update(grads, state, net)
            results += [stepped, updated, *state_trees(state).values(), *state_trees(after).values()]
        for result in results:
            assert _same_layers(result, net) and result.dtype == np.float32
            assert all(block.dtype == np.float32 for block in result.parameters())
        assert net.logits(batch.images).dtype == np.float32
    assert relu_derivative(batch.images).dtype == np.float32


def _variance_ratio(weights: Array, variance: float) -> float:
    """mean(w^2) / variance: 1 in expectation for zero-mean draws of that variance."""
    return float(np.mean(weights.astype(np.float64) ** 2) / variance)


def _within_six_sigma(weights: Array, variance: float) -> bool:
    """mean(w^2) / sigma^2 - 1 has standard deviation sqrt(2 / n) for n normal draws: allow six of them."""
    return bool(abs(_variance_ratio(weights, variance) - 1) <= 6 * np.sqrt(2 / weights.size))


@given(seeds, st.lists(st.integers(32, 64), min_size=2, max_size=5), st.sampled_from(["relu", "leaky_relu"]))
def test_he_initialisation_draws_weights_with_variance_two_over_fan_in(seed: int, sizes: list[int], name: str) -> None:
    """For the ReLU family every layer's weights have variance 2 / fan_in (He), to six standard errors of the
    estimate (at least 1,024 draws per layer); biases are 0; the default network likewise."""
    rng = np.random.default_rng(seed)
    for network in (mlp(sizes, rng=rng, activation=name, dtype=np.float64), default_network(rng, dtype=np.float64)):
        for layer in network.layers:
            if isinstance(layer, Dense):
                assert _within_six_sigma(layer.weights, 2 / layer.shape[1]), (
                    layer,
                    _variance_ratio(layer.weights, 2 / layer.shape[1]),
                )
                assert not layer.bias.any()


@given(seeds, st.lists(st.integers(32, 64), min_size=3, max_size=5))
def test_glorot_initialisation_draws_weights_with_variance_two_over_fan_in_plus_fan_out(
    seed: int, sizes: list[int]
) -> None:
    """In a tanh MLP every layer followed by tanh has weight variance 2 / (fan_in + fan_out) (Glorot), and the
    output layer He's 2 / fan_in, to six standard errors; Dense.init(scheme="glorot") likewise."""
    network = mlp(sizes, rng=np.random.default_rng(seed), activation="tanh", dtype=np.float64)
    dense = [layer for layer in network.layers if isinstance(layer, Dense)]
    for layer in dense[:-1]:
        out, inputs = layer.shape
        assert _within_six_sigma(layer.weights, 2 / (inputs + out))
    assert _within_six_sigma(dense[-1].weights, 2 / dense[-1].shape[1])
    layer = Dense.init(sizes[1], sizes[0], rng=np.random.default_rng(seed), scheme="glorot")
    assert _within_six_sigma(layer.weights, 2 / (sizes[0] + sizes[1])) and layer.weights.dtype == np.float32
    assert Tanh.init_scheme == "glorot" and ReLU.init_scheme == LeakyReLU.init_scheme == "he"
    first = default_network(np.random.default_rng(seed), activation="tanh").layers[0]
    assert isinstance(first, Dense) and _within_six_sigma(first.weights, 2 / (784 + 128))


@given(st.one_of(st.floats(max_value=-1e-12), st.floats(min_value=1.0), st.just(float("nan"))), st.floats(0, 0.999))
@example(1.0, 0.5)
@example(1.5, 0.5)
def test_momentum_must_lie_in_zero_to_one(bad: float, good: float) -> None:
    """Momentum accepts mu in [0, 1) and refuses anything else, naming it; so do Adam's beta1 and beta2."""
    assert Momentum(momentum=good).momentum == good
    assert Adam(beta1=good, beta2=good).beta2 == good
    with pytest.raises(InvalidArgumentError, match=r"^momentum must lie in \[0, 1\), got "):
        Momentum(momentum=bad)
    for name in ("beta1", "beta2"):
        with pytest.raises(InvalidArgumentError, match=rf"^{name} must lie in \[0, 1\), got "):
            AdamW(**{name: bad})


@given(st.one_of(st.floats(max_value=-1e-12), st.just(float("nan")), st.just(float("inf"))), st.floats(0, 1))
@example(-1e-12, 0.0)
def test_weight_decay_is_a_finite_number_at_least_zero_and_eps_above_zero(bad: float, good: float) -> None:
    """Every optimizer accepts a weight decay >= 0 and refuses a negative or non-finite one; Adam's eps must
    be > 0 (0 included in the refusals); each message names the setting."""
    for make in (SGD, Momentum, Adam, AdamW):
        assert make(weight_decay=good).weight_decay == good
        with pytest.raises(InvalidArgumentError, match=r"^weight_decay must be a finite number >= 0, got "):
            make(weight_decay=bad)
    for eps in (bad, 0.0, -good):
        with pytest.raises(InvalidArgumentError, match=r"^eps must be a finite number > 0, got "):
            Adam(eps=eps)


@given(st.sampled_from(["float16", "int32", "complex64", "uint8"]))
def test_only_float32_and_float64_networks_exist(dtype: str) -> None:
    """default_network, mlp and Dense.init refuse other dtypes, and as_image refuses arrays it cannot treat
    as float32/float64."""
    rng = np.random.default_rng(0)
    for make in (
        lambda: default_network(rng, dtype=dtype),
        lambda: mlp((3, 2), rng=rng, dtype=dtype),
        lambda: Dense.init(2, 3, rng=rng, dtype=dtype),
    ):
        with pytest.raises(InvalidArgumentError, match=rf"^dtype must be float32 or float64, got {dtype}$"):
            make()
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
    """Cross-entropy of zero samples is refused rather than returned as NaN, and no empty Batch forms."""
    with pytest.raises(InvalidArgumentError, match=r"^cross-entropy of an empty batch is undefined$"):
        cross_entropy(np.zeros((0, 10)), np.zeros(0, dtype=np.int64))
    with pytest.raises(InvalidArgumentError, match=r"^Batch: a batch needs at least one image$"):
        Batch.of(np.zeros((0, 784))).labelled(np.zeros(0, dtype=np.int64))


@given(st.integers(1, 4), st.integers(2, 4))
def test_labels_must_be_one_dimensional(rows: int, columns: int) -> None:
    """as_labels and Batch refuse a label matrix, naming the shape."""
    with pytest.raises(ShapeError, match=rf"^as_labels: expected shape \(batch\), got \({rows}, {columns}\)$"):
        as_labels(np.zeros((rows, columns), dtype=np.int64))  # type: ignore[shape]
    with pytest.raises(
        ShapeError, match=rf"^Batch: argument 'labels' expected int\[batch\], got int64\[{rows},{columns}\]$"
    ):
        Batch(np.zeros((rows, 784)), np.zeros((rows, columns), dtype=np.int64))  # type: ignore[arg-type]


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
        _fixed_then_named(np.zeros(3), np.zeros(n))  # type: ignore[arg-type]  # float labels, refused statically too
    assert str(caught.value).endswith(f"got float64[{n}] (a: float64[3])")
    with pytest.raises(ShapeError) as caught:
        _variadic(np.zeros((2, n)), np.zeros(2, dtype=np.float64))  # type: ignore[shape]
    assert str(caught.value).endswith(f"got float64[2] (x: float64[2,{n}])")


@given(st.text(max_size=5))
def test_a_wrong_return_of_a_generic_type_is_named_with_its_parameters(value: str) -> None:
    """A return annotation such as tuple[int, int] appears in full in the message."""
    with pytest.raises(ShapeError, match=r"^_pair: return value expected tuple\[int, int\], got str "):
        _pair(value)


@given(seeds, st.sampled_from([np.float32, np.float64]), cases())
def test_parameters_are_read_only_column_major_views(seed: int, dtype: Any, case: Case) -> None:
    """Every parameter array refuses writes, in a layer built from arrays, in any network, its gradients and
    its updated parameters; weights are stored column-major; the caller's arrays stay writable."""
    rng = np.random.default_rng(seed)
    weights, bias = rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal(4).astype(dtype)
    layer: Dense[Any, Any] = Dense(weights=weights, bias=bias)
    _, grads = case.network.loss_and_gradients(case.batch)
    updated, _ = Momentum().update(grads, Momentum().init(case.network), case.network)
    for tree in (layer, case.network, grads, updated):
        for block in tree.parameters():
            with pytest.raises(ValueError, match="read-only"):
                block[0] = 1
            if block.ndim == 2:
                assert block.flags.f_contiguous
    column_major = np.asfortranarray(weights)  # already in the layer's layout: still copied
    other: Dense[Any, Any] = Dense(weights=column_major, bias=bias)
    held = float(layer.weights[0, 0]), float(layer.bias[0])
    weights[0, 0] = bias[0] = column_major[0, 0] = 7  # freezing the layer's arrays leaves the caller's
    assert (float(layer.weights[0, 0]), float(layer.bias[0])) == held  # writable, and the layer holds
    assert float(other.weights[0, 0]) == held[0]  # copies: the writes miss it


@given(st.sampled_from([(np.float32, np.float64), (np.float64, np.float32)]), st.integers(1, 5), st.integers(1, 5))
def test_mixed_dtypes_are_refused_with_both_named(dtypes: tuple[Any, Any], out: int, inputs: int) -> None:
    """A layer's weights and bias, and a network's layers, must share one dtype."""
    first, second = (np.dtype(d).name for d in dtypes)
    with pytest.raises(
        ShapeError,
        match=rf"^Dense: argument 'bias' expected {first}\[{out}\] \(out={out} from weights: {first}\[{out},{inputs}\]\), got {second}\[{out}\]$",
    ):
        Dense(weights=np.zeros((out, inputs), dtype=dtypes[0]), bias=np.zeros(out, dtype=dtypes[1]))
    one = Dense.init(out, inputs, rng=np.random.default_rng(0), dtype=dtypes[0])
    other = Dense.init(2, out, rng=np.random.default_rng(0), dtype=dtypes[1])
    with pytest.raises(ShapeError, match=r"^Network: all parameters must share a dtype, got \['float32', 'float64'\]$"):
        Network((one, ReLU(), other))


@checked
def _plain_then_named(a: np.ndarray[Any, np.dtype[Any]], b: Integer[np.ndarray[Any, Any], " n"]) -> int:
    return len(b)


@given(st.integers(1, 5))
def test_an_array_without_dims_adds_no_sizes_to_a_message(n: int) -> None:
    """An argument annotated as a plain ndarray is listed in the context but binds no named size."""
    with pytest.raises(ShapeError) as caught:
        _plain_then_named(np.zeros(n), np.zeros(n))  # type: ignore[arg-type]  # float labels, refused statically too
    assert str(caught.value).endswith(f"got float64[{n}] (a: float64[{n}])")
