"""The size algebra of advanced indexing, layout and contractions agrees with numpy itself on literal shapes.

Each property draws shapes (and arguments), asks the algebra for the result's shape and numpy for the real
array's, and requires the same shape, or a conflict exactly where numpy raises. Symbolic sizes are tested
by example at the end.
"""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from verified_nn.mypy_plugin import _einsum as es, _index_sizes as ix, _layout_sizes as lay
from verified_nn.mypy_plugin._sizes import UNKNOWN, Dim, Known, ShapeConflictError, Symbol

B = Symbol("b", "B")
U = UNKNOWN
sizes = st.integers(1, 4)
shapes = st.lists(sizes, max_size=3).map(tuple)
nonempty_shapes = st.lists(sizes, min_size=1, max_size=3).map(tuple)


def k(*values: int) -> tuple[Known, ...]:
    return tuple(Known(v) for v in values)


def _numpy(call: Callable[[], Any]) -> tuple[int, ...] | None:
    try:
        return tuple(np.shape(call()))
    except (ValueError, IndexError, TypeError, np.exceptions.AxisError):
        return None


def _algebra(call: Callable[[], Sequence[Dim] | None]) -> tuple[int, ...] | None:
    try:
        result = call()
    except ShapeConflictError:
        return None
    assert result is not None and all(isinstance(d, Known) for d in result), result
    return tuple(d.value for d in result if isinstance(d, Known))


# ------------------------------------------------------------ advanced indexing

advanced_items = st.one_of(
    st.integers(-3, 3).map(lambda v: (ix.IntIndex(v), v)),
    st.just((ix.SliceIndex(), slice(None))),
    st.just((ix.NewAxis(), None)),
    st.lists(sizes, min_size=1, max_size=2).map(lambda s: (ix.ArrayIndex(k(*s)), np.zeros(s, dtype=np.intp))),
)


@given(nonempty_shapes, st.lists(advanced_items, min_size=1, max_size=3))
def test_integer_array_indexing_agrees_with_numpy(shape: tuple[int, ...], items: list[tuple[ix.Index, Any]]) -> None:
    array = np.ones(shape)
    key = tuple(item for _, item in items)
    assert _algebra(lambda: ix.index(k(*shape), [item for item, _ in items])) == _numpy(lambda: array[key])


@given(nonempty_shapes, st.data())
def test_a_boolean_mask_indexes_its_axes_and_must_fit_them(shape: tuple[int, ...], data: st.DataObject) -> None:
    mask_shape = data.draw(st.lists(sizes, min_size=1, max_size=len(shape)).map(tuple))
    result = _numpy(lambda: np.ones(shape)[np.ones(mask_shape, dtype=bool)])
    try:
        found = ix.index(k(*shape), [ix.BoolIndex(k(*mask_shape))])
    except ShapeConflictError:
        assert result is None
    else:
        assert result is not None and found == (U, *k(*result[1:]))


@given(nonempty_shapes, shapes, st.integers(-3, 3) | st.none())
def test_take_agrees_with_numpy(shape: tuple[int, ...], indices: tuple[int, ...], axis: int | None) -> None:
    expected = _numpy(lambda: np.take(np.ones(shape), np.zeros(indices, dtype=np.intp), axis=axis))
    assert _algebra(lambda: ix.take(k(*shape), k(*indices), axis)) == expected


@given(nonempty_shapes, st.data(), st.integers(-3, 3))
def test_take_along_axis_agrees_with_numpy(shape: tuple[int, ...], data: st.DataObject, axis: int) -> None:
    indices = data.draw(st.lists(st.integers(1, 2), min_size=1, max_size=3).map(tuple))
    expected = _numpy(lambda: np.take_along_axis(np.ones(shape), np.zeros(indices, dtype=np.intp), axis=axis))
    assert _algebra(lambda: ix.take_along_axis(k(*shape), k(*indices), axis)) == expected


# ------------------------------------------------------------ layout


@given(st.lists(shapes, min_size=1, max_size=3), st.booleans())
def test_vstack_hstack_and_column_stack_agree_with_numpy(drawn: list[tuple[int, ...]], alike: bool) -> None:
    if alike:
        drawn = [drawn[0]] * len(drawn)
    arrays = [np.ones(s) for s in drawn]
    symbolic = [k(*s) for s in drawn]
    assert _algebra(lambda: lay.vstack(symbolic)) == _numpy(lambda: np.vstack(arrays))
    assert _algebra(lambda: lay.hstack(symbolic)) == _numpy(lambda: np.hstack(arrays))
    assert _algebra(lambda: lay.column_stack(symbolic)) == _numpy(lambda: np.column_stack(arrays))


@given(nonempty_shapes, st.integers(1, 4), st.integers(-3, 3))
def test_split_agrees_with_numpy(shape: tuple[int, ...], sections: int, axis: int) -> None:
    parts = _numpy(lambda: np.split(np.ones(shape), sections, axis=axis)[0])
    assert _algebra(lambda: lay.split(k(*shape), sections, axis)) == parts


@given(shapes, st.lists(st.integers(0, 3), min_size=1, max_size=4), st.integers(0, 3), st.integers(-3, 3) | st.none())
def test_tile_and_repeat_agree_with_numpy(shape: tuple[int, ...], reps: list[int], count: int, axis: int | None) -> None:
    assert _algebra(lambda: lay.tile(k(*shape), reps)) == _numpy(lambda: np.tile(np.ones(shape), reps))
    assert _algebra(lambda: lay.repeat(k(*shape), count, axis)) == _numpy(
        lambda: np.repeat(np.ones(shape), count, axis=axis)
    )


@given(shapes, st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=3))
def test_pad_agrees_with_numpy(shape: tuple[int, ...], widths: list[tuple[int, int]]) -> None:
    assert _algebra(lambda: lay.pad(k(*shape), widths)) == _numpy(lambda: np.pad(np.ones(shape), widths))


@given(st.lists(st.integers(1, 3), max_size=4).map(tuple), st.lists(st.integers(-4, 3), max_size=2) | st.none())
def test_squeeze_and_expand_dims_agree_with_numpy(shape: tuple[int, ...], axes: list[int] | None) -> None:
    chosen = None if axes is None else tuple(axes)
    assert _algebra(lambda: lay.squeeze(k(*shape), axes)) == _numpy(lambda: np.squeeze(np.ones(shape), axis=chosen))
    if axes is not None:
        assert _algebra(lambda: lay.expand_dims(k(*shape), axes)) == _numpy(
            lambda: np.expand_dims(np.ones(shape), tuple(axes))
        )


@given(shapes, shapes)
def test_broadcast_to_agrees_with_numpy(shape: tuple[int, ...], target: tuple[int, ...]) -> None:
    expected = _numpy(lambda: np.broadcast_to(np.ones(shape), target))
    assert _algebra(lambda: lay.broadcast_to(k(*shape), k(*target))) == expected


@given(nonempty_shapes, st.lists(st.integers(0, 5), min_size=1, max_size=3), st.booleans())
def test_sliding_window_view_agrees_with_numpy(shape: tuple[int, ...], window: list[int], every_axis: bool) -> None:
    axes = None if every_axis else list(range(len(window)))
    expected = _numpy(lambda: sliding_window_view(np.ones(shape), window, axis=None if axes is None else tuple(axes)))
    assert _algebra(lambda: lay.sliding_window_view(k(*shape), window, axes)) == expected


@given(st.lists(sizes, min_size=1, max_size=2).map(tuple))
def test_diag_and_atleast_2d_agree_with_numpy(shape: tuple[int, ...]) -> None:
    assert _algebra(lambda: lay.diag(k(*shape))) == _numpy(lambda: np.diag(np.ones(shape)))
    assert _algebra(lambda: lay.atleast_2d(k(*shape))) == _numpy(lambda: np.atleast_2d(np.ones(shape)))


# ------------------------------------------------------------ contractions

terms = st.lists(st.sampled_from("ijk"), max_size=3).map("".join)


@given(st.lists(terms, min_size=1, max_size=3), st.data(), st.booleans())
def test_einsum_agrees_with_numpy(inputs: list[str], data: st.DataObject, explicit: bool) -> None:
    letters = sorted({c for term in inputs for c in term})
    chosen = {c: data.draw(sizes, label=c) for c in letters}
    drawn = [tuple(chosen[c] if data.draw(st.booleans(), label="agree") else data.draw(sizes) for c in t) for t in inputs]
    output = "".join(data.draw(st.permutations(letters))[: data.draw(st.integers(0, len(letters)))])
    subscripts = ",".join(inputs) + (f"->{output}" if explicit else "")
    arrays = [np.ones(s) for s in drawn]
    assert _algebra(lambda: es.einsum(subscripts, [k(*s) for s in drawn])) == _numpy(
        lambda: np.einsum(subscripts, *arrays)
    )


@given(nonempty_shapes, nonempty_shapes, st.integers(0, 2))
def test_tensordot_inner_and_outer_agree_with_numpy(a: tuple[int, ...], b: tuple[int, ...], axes: int) -> None:
    x, y = np.ones(a), np.ones(b)
    assert _algebra(lambda: es.tensordot(k(*a), k(*b), axes)) == _numpy(lambda: np.tensordot(x, y, axes=axes))
    assert _algebra(lambda: es.inner(k(*a), k(*b))) == _numpy(lambda: np.inner(x, y))
    assert _algebra(lambda: es.outer(k(*a), k(*b))) == _numpy(lambda: np.outer(x, y))


# ------------------------------------------------------------ symbolic and unknown sizes


def test_a_gather_of_one_entry_per_row_keeps_the_batch() -> None:
    rows, labels = ix.ArrayIndex((B,)), ix.ArrayIndex((B,))
    assert ix.index((B, Known(10)), [rows, labels]) == (B,)
    assert ix.take_along_axis((B, Known(10)), (B, Known(1)), 1) == (B, Known(1))


def test_symbolic_sizes_in_layout_and_contractions() -> None:
    assert lay.squeeze((B, Known(1)), [1]) == (B,)
    assert lay.squeeze((B, Known(1)), None) is None  # B may be 1: the rank is not known
    with pytest.raises(ShapeConflictError):
        lay.squeeze((B, Known(1)), [0])
    assert lay.split((B, Known(6)), 2, 1) == (B, Known(3))
    assert lay.split((B, Known(6)), 2, 0) == (U, Known(6))
    assert es.einsum("bi,oi->bo", [(B, Known(784)), k(128, 784)]) == (B, Known(128))
    with pytest.raises(ShapeConflictError) as caught:
        es.einsum("bi,bi->b", [(B, Known(3)), (Symbol("n", "N"), Known(3))])
    assert (caught.value.what, caught.value.sizes) == ("subscript b has different sizes", ("B", "N"))
    assert es.einsum("bi,bi->b", [(B, Known(3)), (U, Known(3))]) == (B,)
