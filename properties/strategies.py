"""Hypothesis strategies, defined once: arrays of any valid shape and value, and networks of any architecture
(1 to 4 dense layers, widths 1 to 64, ReLU, leaky ReLU or tanh, optional dropout, float32 and float64)."""

import dataclasses
import itertools
import re
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from verified_nn.core import describe
from verified_nn.layers import Activation, Dense, Dropout, Layer, LeakyReLU, ReLU, Tanh
from verified_nn.network import Batch, Network, default_network, parameter_names

Array = np.ndarray[Any, Any]

float_dtypes: st.SearchStrategy[np.dtype[Any]] = st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])
seeds = st.integers(0, 2**32 - 1)


@st.composite
def logits(draw: st.DrawFn, *, max_magnitude: float = 1e4, min_dims: int = 1, max_dims: int = 3) -> Array:
    """Logit arrays of shape (*batch, classes) with classes >= 1; values up to ``max_magnitude``."""
    dtype = draw(float_dtypes)
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=12))
    elements = st.floats(-max_magnitude, max_magnitude, width=32)
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def logits_and_labels(draw: st.DrawFn, *, max_magnitude: float = 1e3, min_classes: int = 1) -> tuple[Array, Array]:
    """A (batch, classes) logit matrix and matching labels in [0, classes)."""
    dtype = draw(float_dtypes)
    batch = draw(st.integers(1, 16))
    classes = draw(st.integers(min_classes, 12))
    elements = st.floats(-max_magnitude, max_magnitude, width=32)
    matrix = draw(hnp.arrays(dtype, (batch, classes), elements=elements))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, classes - 1)))
    return matrix, labels


@st.composite
def finite_arrays(draw: st.DrawFn, *, scale: float = 10.0) -> Array:
    """Any-shaped float arrays of moderate, finite values (standard normal times ``scale``)."""
    dtype = draw(float_dtypes)
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=10))
    values: Array = np.random.default_rng(draw(seeds)).standard_normal(shape) * scale
    return values.astype(dtype)


@st.composite
def dense_problems(draw: st.DrawFn) -> tuple[Array, Array, Array, Array]:
    """A dense layer of any size with an input batch and an upstream gradient: (W, b, x, dy), float64."""
    rng = np.random.default_rng(draw(seeds))
    batch, fan_in, fan_out = draw(st.integers(1, 6)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    return (
        rng.standard_normal((fan_out, fan_in)),
        rng.standard_normal(fan_out),
        rng.standard_normal((batch, fan_in)),
        rng.standard_normal((batch, fan_out)),
    )


# Networks of any architecture.

activations: st.SearchStrategy[Activation] = st.one_of(
    st.just(ReLU()), st.floats(0, 0.99).map(LeakyReLU), st.just(Tanh())
)
dropout_rates = st.floats(0.05, 0.8)


@dataclasses.dataclass(frozen=True)
class Architecture:
    """What a generated network is: sizes ``input -> hidden... -> classes``, one activation and one
    dropout rate (0: none) per hidden layer, the dtype, and the seed its parameters are drawn from."""

    sizes: tuple[int, ...]
    activations: tuple[Activation, ...]
    dropout: tuple[float, ...]
    dtype: np.dtype[Any]
    seed: int

    @property
    def depth(self) -> int:
        """The number of dense layers."""
        return len(self.sizes) - 1


def build(architecture: Architecture) -> Network[Any, Any]:
    """The network an architecture describes: each dense layer initialised by the scheme that suits the
    activation after it (He or Glorot, as ``mlp`` does), with biases drawn from N(0, 0.1^2), not zero."""
    rng = np.random.default_rng(architecture.seed)
    dtype = architecture.dtype
    layers: list[Layer[Any, Any]] = []
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(architecture.sizes)):
        hidden = index < architecture.depth - 1
        scheme = architecture.activations[index].init_scheme if hidden else "he"
        initial = Dense.init(fan_out, fan_in, rng=rng, dtype=dtype, scheme=scheme)
        layers.append(Dense(weights=initial.weights, bias=rng.normal(0.0, 0.1, fan_out).astype(dtype)))
        if hidden:
            layers.append(architecture.activations[index])
            if architecture.dropout[index]:
                layers.append(Dropout(architecture.dropout[index]))
    return Network(tuple(layers))


def with_random_biases(network: Network[Any, Any], seed: int) -> Network[Any, Any]:
    """``network`` with every dense layer's zero bias replaced by draws from N(0, 0.1^2)."""
    rng = np.random.default_rng(seed)
    return Network(
        tuple(
            Dense(weights=layer.weights, bias=rng.normal(0.0, 0.1, layer.shape[0]).astype(layer.weights.dtype))
            if isinstance(layer, Dense)
            else layer
            for layer in network.layers
        )
    )


@st.composite
def architectures(
    draw: st.DrawFn,
    *,
    dtype: Any = None,
    min_depth: int = 1,
    max_depth: int = 4,
    min_width: int = 1,
    max_width: int = 64,
    input_widths: st.SearchStrategy[int] | None = None,
    max_classes: int = 12,
    activation: st.SearchStrategy[Activation] | None = None,
    dropout: bool | None = None,
) -> Architecture:
    """Sizes, activations, dropout and dtype of a network: 1 to 4 dense layers, hidden widths 1 to 64, an
    input width of 1 to 64 or 784 (or drawn from ``input_widths``), 2 to 12 classes; each hidden layer's activation drawn on
    its own (from ``activation`` if given); dropout after some activations of about half the networks
    (``dropout=None``), after every activation (True) or nowhere (False)."""
    depth = draw(st.integers(min_depth, max_depth))
    widths = st.integers(min_width, max_width)
    inputs = draw(input_widths if input_widths is not None else st.one_of(widths, st.just(784)))
    hidden = draw(st.lists(widths, min_size=depth - 1, max_size=depth - 1))
    classes = draw(st.integers(2, max_classes))
    chosen = tuple(draw(activation if activation is not None else activations) for _ in hidden)
    with_dropout = dropout if dropout is not None else draw(st.booleans())
    some = st.one_of(st.just(0.0), dropout_rates) if dropout is None else dropout_rates
    rates = tuple(draw(some) if with_dropout else 0.0 for _ in hidden)
    return Architecture(
        sizes=(inputs, *hidden, classes),
        activations=chosen,
        dropout=rates,
        dtype=np.dtype(dtype) if dtype is not None else draw(float_dtypes),
        seed=draw(seeds),
    )


def networks(**options: Any) -> st.SearchStrategy[Network[Any, Any]]:
    """Networks of any architecture (the options of :func:`architectures`), with non-zero biases."""
    return architectures(**options).map(build)


@dataclasses.dataclass(frozen=True)
class Case:
    """A network, a batch it can take (images in [0, 1), labels in [0, classes)), and a seed for whatever
    else a property draws (directions, permutations, dropout keys)."""

    network: Network[Any, Any]
    batch: Batch[Any]
    seed: int
    label: str = ""  # how the network was made, for the report of a failing example

    @property
    def images(self) -> Array:
        return self.batch.images

    @property
    def labels(self) -> Array:
        return self.batch.labels

    def __repr__(self) -> str:
        return f"Case({self.label or self.network.describe()}, batch of {len(self.batch)}, seed={self.seed})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # How Hypothesis shows a failing example: the recipe, not every number of the batch.
        printer.text(repr(self))


def random_batch(network: Network[Any, Any], size: int, seed: int) -> Batch[Any]:
    """``size`` images of the network's input width in its dtype, values in [0, 1), and labels for its classes."""
    rng = np.random.default_rng(seed)
    (width,) = network.input_shape() or (1,)
    images = rng.random((size, width)).astype(network.dtype)
    return Batch.of(images).labelled(rng.integers(0, network.classes, size=size))


@st.composite
def cases(draw: st.DrawFn, /, *, min_size: int = 1, max_size: int = 16, **options: Any) -> Case:
    """A network of any architecture (options as for :func:`architectures`) with a batch and a seed."""
    architecture = draw(architectures(**options))
    network = build(architecture)
    size = draw(st.integers(min_size, max_size))
    return Case(network, random_batch(network, size, draw(seeds)), draw(seeds), label=repr(architecture))


def default_case(*, dtype: Any = np.float64, size: int = 8, seed: int = 0) -> Case:
    """The default 784 -> 128 -> ReLU -> 10 network (``default_network``) with non-zero biases, and a batch:
    used as an explicit example, so every run checks the default network."""
    network = with_random_biases(default_network(np.random.default_rng(seed), dtype=dtype), seed + 1)
    return Case(network, random_batch(network, size, seed + 2), seed + 3, label=f"default network, {np.dtype(dtype)}")


DEFAULT = default_case()
DEFAULT32 = default_case(dtype=np.float32, size=5, seed=7)


# Pairs of trees that differ, for the functions that must refuse them.

Pair = tuple[Network[Any, Any], Network[Any, Any], str]  # (a network, a tree unlike it, the expected message)


def _with_block(network: Network[Any, Any], index: int, block: Array) -> Network[Any, Any]:
    """``network`` holding ``block`` as its ``index``-th parameter array (built unchecked, as our own code does)."""
    arrays = list(network.parameters())
    arrays[index] = block
    return network.with_parameters(arrays)


@st.composite
def misshapen_pairs(draw: st.DrawFn) -> Pair:
    """A network and a tree like it but for one block: transposed (a weight matrix that is not square), a
    (1,) bias, or in the other dtype; with the message that names the difference."""
    network = draw(networks())
    names = parameter_names(network)
    blocks = network.parameters()
    how = draw(st.sampled_from(["transposed", "one", "dtype"]))
    non_square = [i for i, block in enumerate(blocks) if block.ndim == 2 and block.shape[0] != block.shape[1]]
    if how == "transposed" and non_square:
        index = draw(st.sampled_from(non_square))
        # A transposed weight matrix changes the layer's recorded sizes (in, out): a structural difference.
        return network, _with_block(network, index, blocks[index].T), "the trees differ in structure"
    if how == "dtype":
        other = np.float32 if network.dtype == np.float64 else np.float64
        changed = network.astype(other)
        name, mine, theirs = names[0], blocks[0], changed.parameters()[0]
    else:
        # A bias of more than one unit (the output layer's has at least two) replaced by a (1,) block,
        # which numpy would broadcast.
        index = draw(st.sampled_from([i for i, block in enumerate(blocks) if block.ndim == 1 and block.size > 1]))
        changed = _with_block(network, index, np.zeros(1, dtype=network.dtype))
        name, mine, theirs = names[index], blocks[index], changed.parameters()[index]
    return (
        network,
        changed,
        re.escape(f"parameter {name} is {describe(mine)} in one tree and {describe(theirs)} in the other"),
    )


def _one_layer_fewer(architecture: Architecture) -> Architecture:
    """The architecture without its last hidden layer (or, for a single dense layer, with a hidden one added)."""
    if architecture.depth == 1:
        inputs, classes = architecture.sizes
        return dataclasses.replace(architecture, sizes=(inputs, 5, classes), activations=(ReLU(),), dropout=(0.0,))
    return dataclasses.replace(
        architecture,
        sizes=(*architecture.sizes[:-2], architecture.sizes[-1]),
        activations=architecture.activations[:-1],
        dropout=architecture.dropout[:-1],
    )


@st.composite
def restructured_pairs(draw: st.DrawFn) -> Pair:
    """Two networks of different structure: the first hidden activation of another kind or slope, another
    dropout rate after it (or none), or a layer fewer (or more)."""
    architecture = draw(architectures())
    how = draw(st.sampled_from(["activation", "dropout", "depth"]))
    if how == "depth" or not architecture.activations:
        return build(architecture), build(_one_layer_fewer(architecture)), "the trees differ in structure"
    first, rate = architecture.activations[0], architecture.dropout[0]
    if how == "activation":
        others: list[Any] = [ReLU(), Tanh(), LeakyReLU(draw(st.floats(0, 0.99)))]
        if isinstance(first, LeakyReLU):  # another slope is another structure too
            others[2] = LeakyReLU((first.slope + draw(st.floats(0.01, 0.5))) % 0.99)
        replacement = draw(st.sampled_from([other for other in others if type(other) is not type(first)] + others[2:]))
        changed = dataclasses.replace(architecture, activations=(replacement, *architecture.activations[1:]))
    else:
        new_rate = 0.0 if rate else draw(st.floats(0.05, 0.8))
        changed = dataclasses.replace(architecture, dropout=(new_rate, *architecture.dropout[1:]))
    return build(architecture), build(changed), "the trees differ in structure"


def mismatched_pairs() -> st.SearchStrategy[Pair]:
    """Either kind of difference: a misshapen block or another structure."""
    return st.one_of(misshapen_pairs(), restructured_pairs())
