"""The size algebra of the mypy plugin: unit tests, and properties checking it against numpy itself.

On shapes of literal sizes the algebra must give exactly numpy's result shape, and raise a conflict
exactly when numpy raises. Symbolic and unknown sizes are tested by example.
"""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from verified_nn.mypy_plugin import _index_sizes as ix, _layout_sizes as lay, _sizes as sz
from verified_nn.mypy_plugin._index_sizes import EllipsisIndex, IntIndex, NewAxis, SliceIndex
from verified_nn.mypy_plugin._sizes import UNKNOWN, Count, Known, ShapeConflictError, Symbol, WholeShape

B = Symbol("b", "B")
N = Symbol("n", "N")
U = UNKNOWN


def k(*values: int) -> tuple[Known, ...]:
    return tuple(Known(v) for v in values)


def ints(shape: Sequence[sz.Dim]) -> tuple[int, ...]:
    assert all(isinstance(d, Known) for d in shape)
    return tuple(d.value for d in shape if isinstance(d, Known))


def conflict(call: Callable[[], object]) -> ShapeConflictError:
    with pytest.raises(ShapeConflictError) as caught:
        call()
    return caught.value


# ------------------------------------------------------------ comparing and rendering


def test_sizes_render_as_numpy_writes_shapes() -> None:
    assert sz.render_shape((U, Known(784))) == "(?, 784)"
    assert sz.render_shape((Known(784),)) == "(784,)"
    assert sz.render_shape(()) == "()"
    assert sz.render_shape((B, Known(10))) == "(B, 10)"
    assert sz.render_shape(None) == "(...)"
    assert sz.render_shape(WholeShape("s", "S")) == "S"


def test_a_symbol_equals_only_itself_and_an_unknown_size_differs_from_nothing() -> None:
    assert sz.definitely_differ(Known(3), Known(4))
    assert not sz.definitely_differ(Known(3), Known(3))
    assert sz.definitely_differ(B, N)
    assert sz.definitely_differ(B, Known(3))
    assert not sz.definitely_differ(B, Symbol("b", "B"))
    assert not sz.definitely_differ(U, Known(3))
    assert not sz.definitely_differ(B, U)


def test_counts_multiply_and_divide_as_products_of_symbols() -> None:
    total = sz.count((B, Known(28), Known(28)))
    assert total == Count(784, (B,))
    assert total.render() == "B*784"
    assert total.divide(Count(784)) == Count(1, (B,))
    assert total.divide(Count(1, (B,))) == Count(784)
    assert total.divide(Count(100)) is None
    assert total.divide(Count(1, (N,))) is None
    assert sz.count((U, Known(3))).determined is False
    assert Count(1, (B,)).as_dim() == B
    assert Count(2, (B,)).as_dim() == U


# ------------------------------------------------------------ broadcasting


def test_broadcasting_stretches_ones_and_aligns_from_the_right() -> None:
    assert sz.broadcast([k(64, 10), k(10)]) == k(64, 10)
    assert sz.broadcast([k(64, 1), k(1, 10)]) == k(64, 10)
    assert sz.broadcast([k(64, 10), ()]) == k(64, 10)
    assert sz.broadcast([(B, Known(10)), k(10)]) == (B, Known(10))
    assert sz.broadcast([(B, Known(10)), (B, Known(1))]) == (B, Known(10))


def test_broadcasting_unknown_sizes_never_conflicts() -> None:
    assert sz.broadcast([(U, Known(10)), k(64, 10)]) == k(64, 10)
    assert sz.broadcast([(U,), k(5)]) == k(5)  # U may be 1 at run time
    assert sz.broadcast([(U, Known(3)), (B, Known(3))]) == (U, Known(3))
    assert sz.broadcast([k(3), None]) is None


def test_a_symbol_broadcasts_with_itself_and_with_one_only() -> None:
    # A type variable stands for all its values: B + 5 fails for B = 2, and B + N for B = 2, N = 3.
    assert sz.broadcast([(B, Known(10)), (B, Known(1))]) == (B, Known(10))
    assert sz.broadcast([(B, Known(10)), k(1, 10)]) == (B, Known(10))
    error = conflict(lambda: sz.broadcast([(B, Known(10)), (N, Known(10))]))
    assert (error.what, error.sizes, error.operands) == ("sizes differ and neither is 1", ("B", "N"), (0, 1))
    error = conflict(lambda: sz.broadcast([(B,), k(5)]))
    assert (error.sizes, error.operands) == (("B", "5"), (0, 1))


def test_broadcasting_reports_the_last_axis_first() -> None:
    error = conflict(lambda: sz.broadcast([(B, Known(128)), k(128, 784)]))
    assert error.sizes == ("128", "784")


def test_a_whole_shape_variable_broadcasts_only_with_scalars_and_itself() -> None:
    s = WholeShape("s", "S")
    assert sz.broadcast([s, ()]) == s
    assert sz.broadcast([s, s]) == s
    assert sz.broadcast([s, k(3)]) is None
    assert sz.broadcast([s, WholeShape("t", "T")]) is None


def test_a_broadcasting_conflict_names_both_sizes_and_operands() -> None:
    error = conflict(lambda: sz.broadcast([k(64, 10), k(128)]))
    assert (error.what, error.sizes, error.operands) == ("sizes differ and neither is 1", ("10", "128"), (0, 1))
    error = conflict(lambda: sz.broadcast([k(3, 1), (), k(3, 4), k(2)]))
    assert (error.sizes, error.operands) == (("4", "2"), (2, 3))


# ------------------------------------------------------------ products


def test_matmul_follows_numpy_for_matrices_vectors_and_stacks() -> None:
    assert sz.matmul(k(64, 784), k(784, 128)) == k(64, 128)
    assert sz.matmul(k(784), k(784, 128)) == k(128)
    assert sz.matmul(k(64, 784), k(784)) == k(64)
    assert sz.matmul(k(784), k(784)) == ()
    assert sz.matmul(k(5, 1, 3, 4), k(2, 4, 6)) == k(5, 2, 3, 6)
    assert sz.matmul((B, Known(784)), k(784, 128)) == (B, Known(128))


def test_matmul_inner_sizes_must_be_equal() -> None:
    error = conflict(lambda: sz.matmul(k(64, 100), k(784, 128)))
    assert (error.what, error.sizes, error.operands) == ("inner sizes differ", ("100", "784"), (0, 1))
    error = conflict(lambda: sz.matmul((B, N), (B, Known(10))))
    assert error.sizes == ("N", "B")
    assert sz.matmul((Known(3), U), k(4, 5)) == k(3, 5)  # unknown: no conflict


def test_matmul_refuses_scalars_as_numpy_does() -> None:
    assert conflict(lambda: sz.matmul((), k(3))).operands == (0,)


def test_dot_sums_the_last_axis_against_the_second_to_last() -> None:
    assert sz.dot(k(2, 3, 4), k(5, 4, 6)) == k(2, 3, 5, 6)
    assert sz.dot(k(2, 3), k(3)) == k(2)
    assert sz.dot((), k(3, 4)) == k(3, 4)
    assert conflict(lambda: sz.dot(k(2, 3), k(4, 5))).sizes == ("3", "4")


# ------------------------------------------------------------ permutations and reductions


def test_transpose_reverses_or_permutes_and_refuses_non_permutations() -> None:
    assert sz.transpose(k(64, 784)) == k(784, 64)
    assert sz.transpose(k(1, 2, 3), [2, 0, 1]) == k(3, 1, 2)
    assert sz.transpose(k(1, 2, 3), [-1, 0, 1]) == k(3, 1, 2)
    assert "not a permutation" in conflict(lambda: sz.transpose(k(1, 2), [0, 0])).what
    assert "do not match rank" in conflict(lambda: sz.transpose(k(1, 2), [0])).what
    assert sz.swapaxes(k(1, 2, 3), 0, -1) == k(3, 2, 1)
    assert "out of range" in conflict(lambda: sz.swapaxes(k(1, 2), 0, 2)).what


def test_reductions_drop_or_keep_axes() -> None:
    assert sz.reduce((B, Known(10)), [1], keepdims=False) == (B,)
    assert sz.reduce((B, Known(10)), [-1], keepdims=True) == (B, Known(1))
    assert sz.reduce(k(2, 3, 4), [0, 2], keepdims=False) == k(3)
    assert sz.reduce(k(2, 3), None, keepdims=False) == ()
    assert sz.reduce(k(2, 3), None, keepdims=True) == k(1, 1)
    assert conflict(lambda: sz.reduce(k(2, 3), [2], keepdims=False)).what == "axis 2 is out of range for rank 2"
    assert "repeats" in conflict(lambda: sz.reduce(k(2, 3), [1, -1], keepdims=False)).what


# ------------------------------------------------------------ reshaping


def test_reshape_checks_the_element_count_and_infers_one_minus_one() -> None:
    assert sz.reshape(k(64, 28, 28), k(64, 784)) == k(64, 784)
    assert sz.reshape(k(64, 28, 28), k(-1, 784)) == k(64, 784)
    assert sz.reshape((B, Known(28), Known(28)), (B, Known(-1))) == (B, Known(784))
    assert sz.reshape((B, Known(784)), k(-1, 28, 28)) == (B, Known(28), Known(28))
    assert sz.reshape((U, Known(784)), k(-1, 28, 28)) == (U, Known(28), Known(28))
    assert sz.ravel((B, Known(1))) == (B,)
    assert sz.ravel(k(3, 4)) == k(12)


def test_reshape_conflicts_name_both_counts() -> None:
    error = conflict(lambda: sz.reshape(k(64, 100), k(784)))
    assert (error.what, error.sizes) == ("element counts differ", ("6400", "784"))
    error = conflict(lambda: sz.reshape(k(64, 100), k(-1, 784)))
    assert (error.what, error.sizes) == ("cannot infer -1: element counts do not divide", ("6400", "784"))
    assert conflict(lambda: sz.reshape((B, Known(784)), (B, Known(100)))).sizes == ("B*784", "B*100")
    assert conflict(lambda: sz.reshape(k(4), k(-1, -1))).what == "only one size can be -1"
    assert "negative" in conflict(lambda: sz.reshape(k(4), k(-2, -2))).what


def test_reshape_counts_a_product_of_sizes_given_for_one_axis() -> None:
    r, c = Symbol("r", "R"), Symbol("c", "C")
    images = (B, r, c)
    rows_times_columns = Count(1, (c, r))
    assert sz.reshape(images, (B, U), [None, rows_times_columns]) == (B, U)
    assert sz.reshape(images, (U, Known(-1)), [Count(1, (B, r)), None]) == (U, c)
    error = conflict(lambda: sz.reshape(images, (B, U), [None, Count(1, (r, r))]))
    assert (error.what, error.sizes) == ("element counts differ", ("B*C*R", "B*R*R"))
    assert Count(2, (r,)).times(Count(3, (B,), unknown=True)) == Count(6, (B, r), unknown=True)


def test_reshape_with_unknown_or_indivisible_symbolic_counts_is_left_open() -> None:
    assert sz.reshape((U, Known(784)), k(10, 10)) == k(10, 10)
    assert sz.reshape((B, Known(10)), k(-1, 784)) == (U, Known(784))


# ------------------------------------------------------------ indexing and joining


def test_basic_indexing() -> None:
    shape = (B, Known(784))
    assert ix.index(shape, [IntIndex(0)]) == k(784)
    assert ix.index(shape, [IntIndex(None)]) == k(784)
    assert ix.index(shape, [SliceIndex(), NewAxis()]) == (B, Known(1), Known(784))
    assert ix.index(shape, [NewAxis()]) == (Known(1), B, Known(784))
    assert ix.index(shape, [EllipsisIndex(), NewAxis()]) == (B, Known(784), Known(1))
    assert ix.index(shape, [SliceIndex(None, 32)]) == (U, Known(784))
    assert ix.index(k(64, 784), [SliceIndex(None, 32), SliceIndex(None, None, 2)]) == k(32, 392)
    assert ix.index(k(64, 784), [SliceIndex(0, 5, static=False)]) == (U, Known(784))


def test_indexing_conflicts() -> None:
    assert conflict(lambda: ix.index(k(3, 4), [IntIndex(0)] * 3)).what == "too many indices (3) for rank 2"
    assert conflict(lambda: ix.index(k(3, 4), [IntIndex(3)])).what == "index 3 is out of range for axis 0 of size 3"
    assert "single ellipsis" in conflict(lambda: ix.index(k(3), [EllipsisIndex(), EllipsisIndex()])).what


def test_concatenate_adds_sizes_along_the_axis_and_checks_the_others() -> None:
    assert lay.concatenate([k(64, 784), k(32, 784)], 0) == k(96, 784)
    assert lay.concatenate([(B, Known(3)), (B, Known(4))], -1) == (B, Known(7))
    assert lay.concatenate([(B, Known(3)), (B, Known(3))], 0) == (U, Known(3))
    assert lay.concatenate([k(2, 3), k(4)], None) == k(10)
    error = conflict(lambda: lay.concatenate([k(64, 784), k(32, 100)], 0))
    assert (error.what, error.sizes, error.operands) == ("sizes differ at axis 1", ("784", "100"), (0, 1))
    assert conflict(lambda: lay.concatenate([k(2, 3), k(3)], 0)).what == "ranks differ"


def test_stack_needs_equal_shapes_and_inserts_the_count() -> None:
    assert lay.stack([(B, Known(3))] * 4, 0) == (Known(4), B, Known(3))
    assert lay.stack([k(2, 3), k(2, 3)], -1) == k(2, 3, 2)
    error = conflict(lambda: lay.stack([k(2, 3), k(2, 3), k(2, 4)], 0))
    assert (error.sizes, error.operands) == (("3", "4"), (0, 2))


# ------------------------------------------------------------ properties: the algebra is numpy's on literal sizes

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=5)
small_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def _numpy(call: Callable[[], Any]) -> tuple[int, ...] | None:
    """The result's shape (a shape tuple as it is), or None when numpy raises."""
    try:
        result = call()
        return result if isinstance(result, tuple) else tuple(np.shape(result))
    except (ValueError, IndexError, np.exceptions.AxisError):
        return None


def _algebra(call: Callable[[], Sequence[sz.Dim]]) -> tuple[int, ...] | None:
    try:
        return ints(call())
    except ShapeConflictError:
        return None


@given(st.lists(shapes, min_size=1, max_size=3))
def test_broadcasting_agrees_with_numpy(drawn: list[tuple[int, ...]]) -> None:
    def algebra() -> Sequence[sz.Dim]:
        result = sz.broadcast([k(*s) for s in drawn])
        assert isinstance(result, tuple)
        return result

    assert _algebra(algebra) == _numpy(lambda: np.broadcast_shapes(*drawn))


@given(small_shapes, small_shapes, st.booleans())
def test_matmul_and_dot_agree_with_numpy(a: tuple[int, ...], b: tuple[int, ...], related: bool) -> None:
    if related:  # make the inner sizes agree often enough to exercise the success path
        b = (*b[:-2], a[-1], b[-1]) if len(b) >= 2 else (a[-1],)
    x, y = np.ones(a), np.ones(b)
    assert _algebra(lambda: sz.matmul(k(*a), k(*b))) == _numpy(lambda: x @ y)
    assert _algebra(lambda: sz.dot(k(*a), k(*b))) == _numpy(lambda: np.dot(x, y))


@given(shapes, st.data())
def test_reshape_agrees_with_numpy(shape: tuple[int, ...], data: st.DataObject) -> None:
    requested = data.draw(st.lists(st.sampled_from([-1, 1, 2, 3, 4, 6, 12]), max_size=3))
    assert _algebra(lambda: sz.reshape(k(*shape), k(*requested))) == _numpy(lambda: np.ones(shape).reshape(requested))


@given(shapes, st.lists(st.integers(-4, 4), max_size=2), st.booleans())
def test_reductions_agree_with_numpy(shape: tuple[int, ...], axes: list[int], keepdims: bool) -> None:
    # keepdims as a literal: numpy 2.5's stubs have no overload for a plain bool
    reduced = (
        (lambda: np.sum(np.ones(shape), axis=tuple(axes), keepdims=True))
        if keepdims
        else (lambda: np.sum(np.ones(shape), axis=tuple(axes), keepdims=False))
    )
    assert _algebra(lambda: sz.reduce(k(*shape), axes, keepdims=keepdims)) == _numpy(reduced)


index_items = st.one_of(
    st.integers(-5, 5).map(lambda v: (IntIndex(v), v)),
    st.just((NewAxis(), None)),
    st.just((EllipsisIndex(), Ellipsis)),
    st.tuples(st.none() | st.integers(-6, 6), st.none() | st.integers(-6, 6), st.sampled_from([None, 1, 2, -1])).map(
        lambda t: (SliceIndex(*t), slice(*t))
    ),
)


@given(shapes, st.lists(index_items, max_size=4))
def test_indexing_agrees_with_numpy(shape: tuple[int, ...], items: list[tuple[ix.Index, Any]]) -> None:
    array = np.ones(shape)
    key = tuple(numpy_item for _, numpy_item in items)
    assert _algebra(lambda: ix.index(k(*shape), [item for item, _ in items])) == _numpy(lambda: array[key])


@given(st.lists(small_shapes, min_size=1, max_size=3), st.integers(-3, 3), st.booleans())
def test_concatenate_and_stack_agree_with_numpy(drawn: list[tuple[int, ...]], axis: int, alike: bool) -> None:
    if alike:  # all but the first axis equal, so that joining often succeeds
        drawn = [(s[0], *drawn[0][1:]) for s in drawn]
    arrays = [np.ones(s) for s in drawn]
    assert _algebra(lambda: lay.concatenate([k(*s) for s in drawn], axis)) == _numpy(
        lambda: np.concatenate(arrays, axis=axis)
    )
    assert _algebra(lambda: lay.concatenate([k(*s) for s in drawn], None)) == _numpy(
        lambda: np.concatenate(arrays, axis=None)
    )
    assert _algebra(lambda: lay.stack([k(*s) for s in drawn], axis)) == _numpy(lambda: np.stack(arrays, axis=axis))


@given(shapes, st.lists(st.integers(-4, 4), max_size=4))
def test_transpose_agrees_with_numpy(shape: tuple[int, ...], axes: list[int]) -> None:
    array = np.ones(shape)
    assert _algebra(lambda: sz.transpose(k(*shape), axes)) == _numpy(lambda: array.transpose(axes))
    assert _algebra(lambda: sz.transpose(k(*shape))) == _numpy(lambda: array.T)
