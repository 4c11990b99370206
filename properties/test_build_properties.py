"""Building networks: mlp places each activation and dropout between its dense layers in the requested dtype,
the default network is 784 -> 128 -> 10 in any dtype, and sizes are positive integers or typed size
tokens (Dim), refused by name otherwise."""

import itertools
import operator
import re
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import given, strategies as st
from strategies import activations, dropout_rates, float_dtypes, seeds

from verified_nn.core import Dim, InvalidArgumentError, size_of
from verified_nn.layers import Activation, Dense, Dropout, ReLU, Tanh
from verified_nn.network import Network, default_network, mlp


@given(
    st.lists(st.integers(1, 20), min_size=2, max_size=5),
    activations,
    st.one_of(st.just(0.0), dropout_rates),
    float_dtypes,
    seeds,
)
def test_mlp_places_each_activation_and_dropout_between_its_dense_layers(
    sizes: list[int], activation: Activation, rate: float, dtype: np.dtype[Any], seed: int
) -> None:
    """mlp(sizes) is Dense, activation, [Dropout(rate)], Dense, ..., Dense: no activation or dropout after the
    last dense layer, dropout only when rate > 0, every dense layer of the sizes given, in the dtype given;
    the activation may be given by its name too."""
    network = mlp(sizes, rng=np.random.default_rng(seed), activation=activation, dropout=rate, dtype=dtype)
    unit = [Dense, type(activation), *([Dropout] if rate > 0 else [])]
    expected = unit * (len(sizes) - 2) + [Dense]
    assert [type(layer) for layer in network.layers] == expected
    dense = [layer for layer in network.layers if isinstance(layer, Dense)]
    assert [layer.shape for layer in dense] == [(out, inputs) for inputs, out in itertools.pairwise(sizes)]
    assert all(layer == activation for layer in network.layers if isinstance(layer, Activation))
    assert all(layer.rate == rate for layer in network.layers if isinstance(layer, Dropout))
    assert network.dtype == dtype and all(block.dtype == dtype for block in network.parameters())
    named = mlp(sizes, rng=np.random.default_rng(seed), activation="tanh", dtype=dtype)
    assert all(isinstance(layer, Tanh) for layer in named.layers if isinstance(layer, Activation))


@given(float_dtypes, seeds, st.sampled_from(["relu", "tanh", "leaky_relu"]))
def test_the_default_network_is_784_128_10_in_any_dtype(dtype: np.dtype[Any], seed: int, name: str) -> None:
    """default_network is Dense(784 -> 128), the activation, Dense(128 -> 10), every block in the dtype
    given; the same generator state gives the same weights as mlp((784, 128, 10))."""
    network = default_network(np.random.default_rng(seed), dtype=dtype, activation=name)
    first, activation, last = network.layers
    assert isinstance(first, Dense) and isinstance(last, Dense) and isinstance(activation, Activation)
    assert first.shape == (128, 784) and last.shape == (10, 128) and network.classes == 10
    assert network.dtype == dtype and all(block.dtype == dtype for block in network.parameters())
    same = mlp((784, 128, 10), rng=np.random.default_rng(seed), activation=name, dtype=dtype)
    for mine, theirs in zip(network.parameters(), same.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def _typed(size: int, *value: int) -> Dim[Any]:
    """``Dim[Literal[size]](*value)``, built at run time (what mypy sees when the literal is in the source)."""
    generic: Any = Dim
    literal: Any = Literal
    made: Dim[Any] = generic[literal[size]](*value)
    return made


@given(st.integers(1, 10_000), st.integers(1, 10_000))
def test_a_size_token_carries_its_size_in_its_type_or_its_value(size: int, other: int) -> None:
    """Dim[Literal[n]]() and Dim(n) are the size n (int, index, repr, equality and hash agree); a type and a
    value that disagree, a missing size, and sizes below 1 or not integers are refused, naming what was given."""
    typed, plain = _typed(size), Dim(size)
    assert typed.size == plain.size == int(typed) == operator.index(plain) == size
    assert typed == plain and hash(typed) == hash(plain) and repr(typed) == f"Dim({size})"
    assert (Dim(other) == plain) == (other == size) and plain != size
    assert _typed(size, size).size == size
    if other != size:
        with pytest.raises(InvalidArgumentError, match=rf"^Dim: the type says {size}, the value {other}$"):
            _ = _typed(size, other).size
    with pytest.raises(
        InvalidArgumentError,
        match=r"^Dim needs a size: write Dim\[Literal\[128\]\]\(\) \(checked by mypy\) or Dim\(128\)$",
    ):
        _ = Dim().size
    with pytest.raises(InvalidArgumentError, match=rf"^Dim: a size must be >= 1, got {1 - size}$"):
        _ = _typed(1 - size).size
    for wrong in (1 - size, True, float(size), str(size)):
        with pytest.raises(
            InvalidArgumentError, match=rf"^Dim: a size must be an integer >= 1, got {re.escape(repr(wrong))}$"
        ):
            Dim(wrong)  # type: ignore[arg-type]


@given(st.integers(1, 64), st.integers(1, 64), st.one_of(st.integers(-3, 0), st.just(True), st.just(2.0)))
def test_sizes_are_integers_of_at_least_one_or_size_tokens(out: int, inputs: int, wrong: Any) -> None:
    """size_of, Dense.init and mlp take ints >= 1 (numpy integers too) or Dim tokens, and refuse anything
    else naming the argument; Dense.init refuses an unknown initialisation scheme."""
    numpy_size: Any = np.int64(out)
    assert size_of(numpy_size, name="n") == size_of(Dim(out), name="n") == out
    layer = Dense.init(Dim(out), Dim(inputs), rng=np.random.default_rng(0))
    assert layer.shape == (out, inputs)
    text = re.escape(repr(wrong))
    with pytest.raises(InvalidArgumentError, match=rf"^out must be a size >= 1 \(an int or a Dim\), got {text}$"):
        Dense.init(wrong, inputs, rng=np.random.default_rng(0))
    with pytest.raises(InvalidArgumentError, match=rf"^inputs must be a size >= 1 \(an int or a Dim\), got {text}$"):
        Dense.init(out, wrong, rng=np.random.default_rng(0))
    with pytest.raises(
        InvalidArgumentError, match=rf"^sizes\[1\] must be a size >= 1 \(an int or a Dim\), got {text}$"
    ):
        mlp((inputs, wrong, out), rng=np.random.default_rng(0))
    with pytest.raises(
        InvalidArgumentError, match=rf"^an MLP needs at least an input and an output size, got \[{inputs}\]$"
    ):
        mlp((inputs,), rng=np.random.default_rng(0))
    with pytest.raises(InvalidArgumentError, match=r"^scheme must be one of he, glorot, got 'lecun'$"):
        Dense.init(out, inputs, rng=np.random.default_rng(0), scheme="lecun")  # type: ignore[call-overload]


def test_relu_is_the_default_activation() -> None:
    """mlp and default_network use ReLU unless told otherwise."""
    assert isinstance(mlp((3, 4, 2), rng=np.random.default_rng(0)).layers[1], ReLU)
    network: Network[Any, Any] = default_network(np.random.default_rng(0))
    assert isinstance(network.layers[1], ReLU) and network.dtype == np.float32
