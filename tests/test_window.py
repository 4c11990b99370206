"""Sliding windows: the output-size arithmetic and its message, settings as pairs, windows block by block."""

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.layers import _window as window_module
from verified_nn.layers._window import (
    add_window_rows,
    offsets,
    output_size,
    padded,
    pair,
    pair_text,
    require_images,
    rows_per_block,
    window_blocks,
    windows,
)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "expected"),
    [
        ((28, 28), (5, 5), (1, 1), (2, 2), (28, 28)),
        ((28, 28), (2, 2), (2, 2), (0, 0), (14, 14)),
        ((7, 7), (2, 2), (2, 2), (0, 0), (3, 3)),  # the last row and column are left out
        ((10, 8), (4, 3), (3, 2), (2, 0), (4, 3)),
        ((1, 1), (3, 3), (1, 1), (1, 1), (1, 1)),
        ((5, 5), (5, 5), (1, 1), (0, 0), (1, 1)),
    ],
)
def test_output_size_is_h_plus_2p_minus_k_over_s_plus_1(
    size: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    expected: tuple[int, int],
) -> None:
    assert output_size(size, kernel, stride, padding, where="test") == expected


def test_a_kernel_larger_than_the_padded_input_is_refused_naming_every_size() -> None:
    with pytest.raises(
        ShapeError,
        match=r"^test: the 5x5 kernel does not fit the 3x7 input: height \(h \+ 2p - k\) // s \+ 1 = "
        r"\(3 \+ 2\*0 - 5\) // 1 \+ 1 = -1, needs >= 1$",
    ):
        output_size((3, 7), (5, 5), (1, 1), (0, 0), where="test")


def test_the_width_is_named_when_only_the_width_does_not_fit() -> None:
    with pytest.raises(ShapeError, match=r"width \(h \+ 2p - k\) // s \+ 1 = \(2 \+ 2\*1 - 5\) // 2 \+ 1 = 0"):
        output_size((9, 2), (3, 5), (2, 2), (1, 1), where="test")


def test_pair_takes_an_int_or_two_and_refuses_the_rest() -> None:
    assert pair(3, name="kernel", where="w", minimum=1) == (3, 3)
    assert pair((3, 2), name="kernel", where="w", minimum=1) == (3, 2)
    assert pair([0, 1], name="padding", where="w", minimum=0) == (0, 1)
    assert pair(np.int64(2), name="stride", where="w", minimum=1) == (2, 2)
    for bad in (0, -1, (1, 0), (1, 2, 3), 1.5, True, "3", (2,)):
        with pytest.raises(InvalidArgumentError, match=r"^w: kernel must be an int >= 1 or two of them, got "):
            pair(bad, name="kernel", where="w", minimum=1)
    with pytest.raises(InvalidArgumentError, match=r"padding must be an int >= 0 or two of them, got -1"):
        pair(-1, name="padding", where="w", minimum=0)


def test_pair_text_writes_one_number_for_equal_sizes() -> None:
    assert pair_text((2, 2)) == "2" and pair_text((2, 3)) == "2,3"
    assert pair_text((5, 5), "x") == "5x5"


def test_require_images_accepts_float_image_batches_and_names_what_it_got() -> None:
    good = np.zeros((2, 3, 4, 5), dtype=np.float32)
    assert require_images("f", "x", good, 3) is good
    assert require_images("f", "x", good, None) is good
    with pytest.raises(
        ShapeError, match=r"^f: argument 'x' expected float\[batch, 3, height, width\], got float64\[2,784\]$"
    ):
        require_images("f", "x", np.zeros((2, 784)), 3)
    with pytest.raises(ShapeError, match=r"expected float\[batch, 3, height, width\], got float32\[2,1,4,5\]"):
        require_images("f", "x", np.zeros((2, 1, 4, 5), dtype=np.float32), 3)
    with pytest.raises(ShapeError, match=r"expected float\[batch, channels, height, width\], got int64\[2,3,4,5\]"):
        require_images("f", "x", np.zeros((2, 3, 4, 5), dtype=np.int64), None)
    with pytest.raises(ShapeError, match=r"got list \[1, 2\]"):
        require_images("f", "x", [1, 2], None)


def _reference_im2col(
    x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]
) -> np.ndarray:
    """Window by window, column by column (independent of the strided formulation)."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    batch, channels = x.shape[:2]
    out = output_size((x.shape[2], x.shape[3]), kernel, stride, padding, where="reference")
    cols = np.zeros((channels * kernel[0] * kernel[1], batch * out[0] * out[1]))
    for b in range(batch):
        for p in range(out[0]):
            for q in range(out[1]):
                top, left = p * stride[0], q * stride[1]
                window = xp[b, :, top : top + kernel[0], left : left + kernel[1]]
                cols[:, (p * out[1] + q) * batch + b] = window.ravel()
    return cols


SETTINGS = [((3, 3), (1, 1), (1, 1)), ((2, 3), (2, 1), (0, 2)), ((4, 2), (3, 3), (2, 1)), ((1, 1), (1, 1), (0, 0))]


@pytest.mark.parametrize(("kernel", "stride", "padding"), SETTINGS)
@pytest.mark.parametrize("budget", [1, 10**9])  # one output row per block, and all rows in one block
def test_window_blocks_lay_each_window_out_as_a_column_with_a_row_of_ones(
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    budget: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(window_module, "ROW_BLOCK_BYTES", budget)
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    out = output_size((7, 6), kernel, stride, padding, where="test")
    blocks = [
        (first, rows, cols.copy())
        for first, rows, cols in window_blocks(padded(x, padding), kernel, stride, out, ones=True)
    ]
    assert [first for first, _, _ in blocks] == list(range(0, out[0], blocks[0][1]))
    whole = np.concatenate([cols for _, _, cols in blocks], axis=1)
    np.testing.assert_array_equal(whole[:-1], _reference_im2col(x, kernel, stride, padding))
    np.testing.assert_array_equal(whole[-1], np.ones(whole.shape[1]))
    plain = next(window_blocks(padded(x, padding), kernel, stride, out, ones=False))[2]
    assert plain.shape[0] == whole.shape[0] - 1


@pytest.mark.parametrize(("kernel", "stride", "padding"), SETTINGS)
def test_adding_window_rows_is_the_adjoint_of_reading_them(
    kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]
) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 6))
    out = output_size((7, 6), kernel, stride, padding, where="test")
    source = padded(x, padding)
    first = 1
    read = windows(source, kernel, stride, out)[:, :, :, first:]
    blocks = rng.standard_normal(read.shape)
    back = np.zeros_like(source)
    add_window_rows(back, kernel, stride, first, blocks)
    assert float(np.vdot(read, blocks)) == pytest.approx(float(np.vdot(source, back)), rel=1e-12)


def test_a_block_holds_as_many_rows_as_fit_and_at_least_one() -> None:
    assert rows_per_block(14, 300_000) == 1
    assert rows_per_block(14, 100_000) == 5
    assert rows_per_block(3, 1) == 3
    assert rows_per_block(14, 10**9) == 1


def test_offsets_visit_each_kernel_position_once_in_row_major_order() -> None:
    found = offsets((2, 3), (2, 1), (4, 5))
    assert [(i, j) for i, j, _ in found] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    _, _, (rows, columns) = found[4]
    assert (rows, columns) == (slice(1, 8, 2), slice(1, 6, 1))
