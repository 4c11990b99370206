"""Shapes by construction and by check (Lean's type-safety theorems, which concluded True or rfl): every
stage of any network has the documented shape for any batch size, and any other shape is refused."""

import itertools
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from strategies import DEFAULT, DEFAULT32, Case, cases, dropout_rates, networks, seeds

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.layers import Dense, Dropout, Layer, Mode, ReLU, Tanh
from verified_nn.network import Batch, Network, flatten, parameter_count, unflatten

Array = np.ndarray[Any, Any]


@st.composite
def _other_widths(draw: st.DrawFn, width: int, *, high: int = 2000) -> int:
    """A width in [1, high] other than ``width`` (drawn below it or above it, no filtering)."""
    if width > 1 and draw(st.booleans()):
        return draw(st.integers(1, width - 1))
    return draw(st.integers(width + 1, max(high, width + 1)))


@given(cases())
@example(DEFAULT)
@example(DEFAULT32)
def test_every_stage_has_the_documented_shape_for_any_batch(case: Case) -> None:
    """(B, in) -> each dense layer (B, out) -> each activation or dropout the same -> logits (B, classes) ->
    probabilities (B, classes) -> predictions (B,); gradients shaped like the parameters."""
    network, images = case.network, case.images
    size = len(case.labels)
    x = images
    for layer in network.layers:
        y, _ = layer.forward(x)
        expected = (size, layer.shape[0]) if isinstance(layer, Dense) else x.shape
        assert y.shape == expected and y.dtype == network.dtype
        x = y
    classes = network.classes
    assert x.shape == (size, classes) == network.logits(images).shape == network.probabilities(images).shape
    assert network.predict(images).shape == (size,)
    assert network.output_shape(network.input_shape()) == (classes,) == network.output_shape()
    _, grads = network.loss_and_gradients(case.batch)
    assert [g.shape for g in grads.parameters()] == [p.shape for p in network.parameters()]
    assert grads.input_shape() == network.input_shape() and grads.output_shape() == network.output_shape()
    moved = unflatten(flatten(network), like=network)
    assert moved.input_shape() == network.input_shape() and moved.output_shape() == network.output_shape()
    (width,) = network.input_shape() or (0,)
    assert repr(network) == "Network(" + ", ".join(repr(layer) for layer in network.layers) + ")"
    assert network.describe() == " -> ".join([str(width), *(repr(layer) for layer in network.layers), str(classes)])
    sizes = [layer.shape for layer in network.layers if isinstance(layer, Dense)]
    count = sum(out * inputs + out for out, inputs in sizes)
    assert flatten(grads).shape == (count,) and parameter_count(network) == count


@st.composite
def _misfit_images(draw: st.DrawFn) -> tuple[Network[Any, Any], int, int]:
    network = draw(networks())
    (width,) = network.input_shape() or (0,)
    return network, draw(st.integers(1, 8)), draw(_other_widths(width))


@given(_misfit_images())
def test_an_image_batch_of_any_other_width_is_refused_by_name(problem: tuple[Network[Any, Any], int, int]) -> None:
    """A (B, n) batch whose n is not the network's input width raises ShapeError naming the argument, the
    width expected and the shape given, from the forward pass and from the loss."""
    network, size, width = problem
    (expected,) = network.input_shape() or (0,)
    images = np.zeros((size, width))
    with pytest.raises(
        ShapeError, match=rf"argument 'x' expected float\[batch, {expected}\], got float64\[{size},{width}\]"
    ):
        network.logits(images)
    with pytest.raises(ShapeError, match=rf"^Network.loss: .*got float64\[{size},{width}\]"):
        network.loss(Batch.of(images).labelled(np.zeros(size, dtype=np.int64)))


@given(networks(), st.integers(1, 8), st.integers(1, 8))
def test_labels_of_another_batch_size_are_refused(network: Network[Any, Any], size: int, extra: int) -> None:
    """Images and labels must agree on the batch size: the batch refuses to form, naming both."""
    (width,) = network.input_shape() or (0,)
    images = np.zeros((size, width), dtype=network.dtype)
    with pytest.raises(ShapeError, match=rf"argument 'labels'.*batch={size} from images.*got int64\[{size + extra}\]"):
        Batch.of(images).labelled(np.zeros(size + extra, dtype=np.int64))


@st.composite
def _misfit_layers(draw: st.DrawFn) -> tuple[Network[Any, Any], int, int]:
    network = draw(networks(min_depth=2))
    dense = [index for index, layer in enumerate(network.layers) if isinstance(layer, Dense)]
    index = draw(st.sampled_from(dense[1:]))
    layer = network.layers[index]
    assert isinstance(layer, Dense)
    return network, index, draw(_other_widths(layer.shape[1], high=300))


@given(_misfit_layers(), seeds)
def test_a_layer_of_the_wrong_width_cannot_join_the_network(
    problem: tuple[Network[Any, Any], int, int], seed: int
) -> None:
    """A dense layer whose input width differs from the width before it is refused when the network is
    built (from a tuple or with then), naming the layer and both widths."""
    network, index, width = problem
    layer = network.layers[index]
    assert isinstance(layer, Dense)
    rng = np.random.default_rng(seed)
    out, before = layer.shape
    wrong: Dense[Any, Any] = Dense(weights=rng.standard_normal((out, width)), bias=np.zeros(out))
    layers = list(network.layers)
    layers[index] = wrong.astype(network.dtype)
    message = rf"^Network: layer {index}: Dense\({width} -> {out}\) takes inputs of width {width}, got {before}$"
    with pytest.raises(ShapeError, match=message):
        Network(tuple(layers))
    with pytest.raises(ShapeError, match=message):
        built = Network.of(layers[0])
        for extra in layers[1:]:
            built = built.then(extra)


@given(networks(), st.integers(1, 200_000))
def test_a_parameter_vector_of_any_other_length_is_refused(network: Network[Any, Any], length: int) -> None:
    """unflatten accepts exactly as many numbers as the network has parameters."""
    count = parameter_count(network)
    if length == count:
        assert parameter_count(unflatten(np.zeros(length), like=network)) == count
    else:
        with pytest.raises(ShapeError, match=rf"^unflatten: expected shape \({count}\), got \({length},\)$"):
            unflatten(np.zeros(length), like=network)


@given(st.lists(st.integers(1, 64), min_size=2, max_size=5))
def test_the_documented_sizes_chain_through_any_mlp(sizes: list[int]) -> None:
    """Any chain of dense layers whose widths agree composes, and its input and output are the end widths."""
    rng = np.random.default_rng(0)
    layers = [Dense.init(out, inputs, rng=rng) for inputs, out in itertools.pairwise(sizes)]
    network: Network[Any, Any] = Network(tuple(layers))
    assert network.input_shape() == (sizes[0],) and network.output_shape() == (sizes[-1],)
    assert network.classes == sizes[-1]


@given(st.lists(st.one_of(st.just(ReLU()), st.builds(Dropout, dropout_rates), st.just(Tanh())), min_size=1, max_size=3))
def test_a_network_of_shape_preserving_layers_takes_any_shape(layers: list[Layer[Any, Any]]) -> None:
    """A network of activations and dropout alone has no parameters and no fixed shape: it takes any float
    array, gives its output shape only for a given input shape, and describes its ends as any."""
    network: Network[Any, Any] = Network(tuple(layers))
    assert network.input_shape() is None and network.output_shape((5, 3)) == (5, 3)
    with pytest.raises(ShapeError, match=r"^Network: its output shape depends on the input shape; pass one$"):
        network.output_shape()
    assert network.describe() == " -> ".join(["any", *(repr(layer) for layer in layers), "any"])
    assert parameter_count(network) == 0 and network.dtype == np.float64
    empty = flatten(network)
    assert empty.shape == (0,) and empty.dtype == np.float64
    assert unflatten(np.zeros(0), like=network).layers == network.layers
    x = np.linspace(-1, 1, 12).reshape(2, 3, 2)
    assert network.logits(x).shape == x.shape


@given(networks(), st.integers(0, 3))
def test_a_network_is_a_non_empty_sequence_of_layers(network: Network[Any, Any], position: int) -> None:
    """A network is built from a non-empty tuple or list of layers (kept as a tuple); anything else, or a
    non-layer among them, is refused by name and position."""
    layers = list(network.layers)
    assert Network(layers).layers == tuple(layers)  # type: ignore[arg-type]
    for wrong in (ReLU(), ()):
        with pytest.raises(
            ShapeError, match=rf"^Network: expected a non-empty tuple of layers, got {re.escape(repr(wrong))}$"
        ):
            Network(wrong)  # type: ignore[arg-type]
    index = min(position, len(layers))
    with pytest.raises(ShapeError, match=rf"^Network: layer {index} is not a Layer, got int$"):
        Network((*layers[:index], 3, *layers[index:]))  # type: ignore[arg-type]


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6))
def test_layer_positions_in_messages_count_from_the_first_layer(inputs: int, hidden: int, extra: int) -> None:
    """A misfit after leading shape-preserving layers is reported at its position in the whole network."""
    rng = np.random.default_rng(0)
    first, wrong = Dense.init(hidden, inputs, rng=rng), Dense.init(2, hidden + extra, rng=rng)
    message = (
        rf"^Network: layer 3: Dense\({hidden + extra} -> 2\) takes inputs of width {hidden + extra}, got {hidden}$"
    )
    with pytest.raises(ShapeError, match=message):
        Network((ReLU(), first, Tanh(), wrong))


class _Subclass(np.ndarray[Any, Any]):
    """An ndarray subclass (as np.memmap is): layers must accept it like a plain array."""


@given(cases(), st.integers(1, 3))
def test_inputs_that_are_not_float_batches_are_refused_by_name(case: Case, extra: int) -> None:
    """Every forward pass refuses a list, an integer array or an array of another rank, naming the function,
    the argument, the expected float batch and what was given; an ndarray subclass computes as a plain array."""
    network, images = case.network, case.images
    size, width = images.shape
    first = network.layers[0]
    assert isinstance(first, Dense)
    expected = rf"expected float\[batch, {width}\], got "
    wrong: list[tuple[Any, str]] = [
        (images.tolist(), r"list \["),
        (images.astype(np.int64), rf"int64\[{size},{width}\]$"),
        (np.zeros((size, extra, width)), rf"float64\[{size},{extra},{width}\]$"),
        (np.zeros((size, width, width)), rf"float64\[{size},{width},{width}\]$"),
    ]
    for value, given_text in wrong:
        with pytest.raises(ShapeError, match=rf"^Network.forward: argument 'x' {expected}{given_text}"):
            network.forward(value)
        with pytest.raises(ShapeError, match=rf"^Dense.forward: argument 'x' {expected}{given_text}"):
            first.forward(value)
    for layer in (ReLU(), Tanh(), Dropout(0.5)):
        name = type(layer).__name__
        with pytest.raises(
            ShapeError, match=rf"^{name}.forward: argument 'x' expected float\[batch, \.\.\.\], got list \["
        ):
            layer.forward(images.tolist(), mode=Mode.train(0))
        with pytest.raises(
            ShapeError, match=rf"^{name}.forward: argument 'x' expected float\[batch, \.\.\.\], got int64\["
        ):
            layer.forward(images.astype(np.int64), mode=Mode.train(0))
        row = images[0].view(_Subclass)  # one sample, without its batch axis
        np.testing.assert_array_equal(np.asarray(layer.forward(row)[0]), np.asarray(layer.forward(images[0])[0]))
    view = images.view(_Subclass)
    np.testing.assert_array_equal(np.asarray(network.logits(view)), network.logits(images))
    np.testing.assert_array_equal(np.asarray(first.forward(view)[0]), first.forward(images)[0])


@given(cases())
def test_training_calls_take_a_batch_and_refuse_anything_else(case: Case) -> None:
    """loss, loss_and_gradients and an optimizer's step take a Batch; a pair of arrays is refused by name."""
    from verified_nn.optimizer import SGD

    network = case.network
    pair = (case.images, case.labels)
    hint = r"expected a Batch \(Batch.of\(images\).labelled\(labels\)\), got tuple \("
    with pytest.raises(ShapeError, match=rf"^Network.loss: {hint}"):
        network.loss(pair)  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=rf"^Network.loss_and_gradients: {hint}"):
        network.loss_and_gradients(pair)  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=rf"^SGD.step: {hint}"):
        SGD().step(network, SGD().init(network), pair)  # type: ignore[arg-type]


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 3))
def test_a_batch_holds_float_images_and_non_negative_integer_labels_of_one_size(
    size: int, width: int, extra: int
) -> None:
    """Batch refuses images that are not a float array of rank 2 or more, labels that are not a 1-D integer
    array, sizes that differ (naming both) and negative labels; Batch.trusted holds what it is given."""
    images, labels = np.zeros((size, width)), np.zeros(size, dtype=np.int64)
    refusals: list[tuple[Any, Any, str]] = [
        (images.tolist(), labels, r"^Batch: argument 'images' expected float\[batch, \.\.\.\], got list \["),
        (
            images.astype(np.int64),
            labels,
            rf"^Batch: argument 'images' expected float\[batch, \.\.\.\], got int64\[{size},{width}\]$",
        ),
        (np.zeros(size), labels, rf"^Batch: argument 'images' expected float\[batch, \.\.\.\], got float64\[{size}\]$"),
        (images, labels.tolist(), r"^Batch: argument 'labels' expected int\[batch\], got list \["),
        (
            images,
            labels.astype(np.float64),
            rf"^Batch: argument 'labels' expected int\[batch\], got float64\[{size}\]$",
        ),
        (
            images,
            np.zeros(size + extra, dtype=np.int64),
            rf"^Batch: argument 'labels' expected int\[{size}\] \(batch={size} from images: float64\[{size},{width}\]\), got int64\[{size + extra}\]$",
        ),
    ]
    for bad_images, bad_labels, message in refusals:
        with pytest.raises(ShapeError, match=message):
            Batch(bad_images, bad_labels)
    with pytest.raises(InvalidArgumentError, match=rf"^Batch: labels must be >= 0, got {-extra}$"):
        Batch(images, np.full(size, -extra))
    trusted = Batch.trusted(images, labels)
    assert trusted.images is images and trusted.labels is labels and len(trusted) == size
