"""Parameter trees: map_parameters, check_same_structure and every function taking two trees refuse trees
that differ in structure (layers, their kinds and settings), in a block's shape (a transposed or a (1,)
block) or in dtype, with ShapeError naming the difference; trees of one structure map blockwise."""

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from strategies import DEFAULT, Pair, misshapen_pairs, networks, restructured_pairs, seeds

from verified_nn.core import ShapeError, describe
from verified_nn.network import Network, check_same_structure, flatten, map_parameters, map_unchecked, parameter_names

Array = np.ndarray[Any, Any]


def _both(pair: Pair) -> None:
    network, other, message = pair
    with pytest.raises(ShapeError, match=rf"^map_parameters \(tree 1\): {message}"):
        map_parameters(lambda a, b: a + b, network, other)
    with pytest.raises(ShapeError, match=rf"^map_parameters \(tree 2\): {message}"):
        map_parameters(lambda a, b, c: a + b + c, network, network, other)
    with pytest.raises(ShapeError, match=rf"^here: {message}"):
        check_same_structure(network, other, where="here")
    with pytest.raises(ShapeError, match=rf"^trees: {message}"):
        check_same_structure(network, other)


@given(misshapen_pairs())
def test_map_parameters_refuses_a_transposed_or_one_element_block_or_another_dtype(pair: Pair) -> None:
    """A tree whose block is transposed, (1,)-shaped or of the other dtype is refused, never broadcast."""
    _both(pair)


@given(restructured_pairs())
def test_map_parameters_refuses_trees_of_another_structure(pair: Pair) -> None:
    """Trees whose layers differ (another activation or slope, another dropout rate, another depth) are refused."""
    _both(pair)


@given(networks(), seeds)
@example(DEFAULT.network, 0)
def test_map_parameters_maps_blockwise_over_trees_of_one_structure(network: Network[Any, Any], seed: int) -> None:
    """map_parameters(f, a, b) holds f(a_i, b_i) for every block i, in a tree with a's layers."""
    rng = np.random.default_rng(seed)
    other = network.with_parameters(
        [np.asarray(rng.standard_normal(p.shape), dtype=p.dtype) for p in network.parameters()]
    )
    check_same_structure(network, other)
    mapped = map_parameters(lambda a, b: a * 2 - b, network, other)
    assert [type(layer) for layer in mapped.layers] == [type(layer) for layer in network.layers]
    assert [layer.config() for layer in mapped.layers] == [layer.config() for layer in network.layers]
    np.testing.assert_array_equal(flatten(mapped), np.asarray(flatten(network)) * 2 - np.asarray(flatten(other)))


@given(networks(), st.sampled_from(["shape", "dtype"]))
def test_map_parameters_refuses_a_function_that_changes_a_block(network: Network[Any, Any], how: str) -> None:
    """A function returning another shape (a broadcast or a reduction) or another dtype is refused, naming the block."""
    other = np.float32 if network.dtype == np.float64 else np.float64
    name, first = parameter_names(network)[0], network.parameters()[0]
    function: Callable[[Array], Array]
    if how == "shape":
        function, result = (lambda a: np.asarray(a.sum())), np.asarray(first.sum())
    else:
        function, result = (lambda a: a.astype(other)), first.astype(other)
    message = re.escape(f"map_parameters: the function turned {name} {describe(first)} into {describe(result)}")
    with pytest.raises(ShapeError, match=rf"^{message}$"):
        map_parameters(function, network)


@given(networks(min_depth=2), seeds)
def test_map_unchecked_never_truncates_trees_of_different_lengths(network: Network[Any, Any], seed: int) -> None:
    """map_unchecked (the optimizers' unchecked path) still refuses trees with different numbers of blocks
    rather than pairing the shorter one's blocks with the first of the longer one's."""
    shorter: Network[Any, Any] = Network(network.layers[:1])
    with pytest.raises(ValueError, match="zip"):
        map_unchecked(lambda a, b: a, network, shorter)
    with pytest.raises(ValueError, match="zip"):
        map_unchecked(lambda a, b: a, shorter, network)
