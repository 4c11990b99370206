"""predict's files within ceilings: .npy headers checked before the data, image sizes before decoding,
the crop before any float conversion; special files refused at once; every refusal one line naming the file."""

import io
import os
import re
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.predict import read_digit, read_inputs
from verified_nn.predict._npy import read_npy


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _header(descr: str, shape: str, version: bytes = b"\x01\x00") -> bytes:
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}".encode()
    text += b" " * (63 - len(text) % 64) + b"\n"
    return b"\x93NUMPY" + version + struct.pack("<H", len(text)) + text


GOOD = _npy(np.zeros((2, 28, 28), np.uint8))
NPY_CASES: list[tuple[str, bytes, type[Exception], str]] = [
    ("objects", _header("|O", "(784,)") + bytes(8 * 784), InvalidArgumentError, r"holds object, not plain numbers"),
    ("strings", _header("<U3", "(784,)"), InvalidArgumentError, r"holds <U3, not plain numbers"),
    (
        "huge batch",
        _header("|u1", "(100000000, 784)"),
        InvalidArgumentError,
        r"holds 100,000,000 images, over the limit of 10,000 images \(set VERIFIED_NN_MAX_IMAGES",
    ),
    (
        "shape overflowing int64",
        _header("<f8", "(2**62, 2**62, 28)".replace("2**62", str(2**62))),
        ShapeError,
        r"expected one example \(784,\), \(28, 28\) or a batch of them, got float64\[",
    ),
    ("negative size", _header("|u1", "(-1, 784)"), InvalidArgumentError, r"not a numeric .npy array"),
    (
        "truncated",
        GOOD[:-1],
        InvalidArgumentError,
        r"truncated: the header declares uint8\[2, 28, 28\], 1,568 bytes; the file holds 1,567",
    ),
    ("trailing", GOOD + b"x", InvalidArgumentError, r"trailing bytes: the header declares uint8\[2, 28, 28\]"),
    ("bad magic", b"\x93NUMPZ" + GOOD[6:], InvalidArgumentError, r"not a numeric .npy array"),
    ("version 9", GOOD[:6] + b"\x09\x00" + GOOD[8:], InvalidArgumentError, r"not a numeric .npy array"),
    ("header not a literal", _header("|u1", "__import__('os')"), InvalidArgumentError, r"not a numeric .npy array"),
    ("empty", b"", InvalidArgumentError, r"not a numeric .npy array"),
    ("other shape", _npy(np.zeros((3, 5), np.float32)), ShapeError, r"got float32\[3, 5\]"),
]


@pytest.mark.parametrize(("content", "error", "message"), [c[1:] for c in NPY_CASES], ids=[c[0] for c in NPY_CASES])
def test_a_hostile_npy_file_is_one_line_naming_it_before_its_data_is_read(
    tmp_path: Path, content: bytes, error: type[Exception], message: str
) -> None:
    path = tmp_path / "x.npy"
    path.write_bytes(content)
    tracemalloc.start()
    try:
        with pytest.raises(error) as caught:
            read_inputs(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and "\n" not in text and re.search(message, text), text
    assert peak < 1 << 20


def test_good_npy_files_read_as_before(tmp_path: Path) -> None:
    for array in (np.zeros(784, np.uint8), np.ones((28, 28), np.float32), np.zeros((3, 784), ">f8")):
        (tmp_path / "a.npy").write_bytes(_npy(array))
        assert np.array_equal(read_npy(tmp_path / "a.npy"), array)
    fortran = np.asfortranarray(np.arange(2 * 784, dtype=np.float64).reshape(2, 784) / 2000)
    (tmp_path / "f.npy").write_bytes(_npy(fortran))
    assert np.array_equal(read_npy(tmp_path / "f.npy"), fortran)
    assert [name for name, _ in read_inputs(tmp_path / "f.npy")] == [
        f"{tmp_path / 'f.npy'}[0]",
        f"{tmp_path / 'f.npy'}[1]",
    ]


def test_fifos_directories_and_missing_files_are_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.npy")
    os.mkfifo(tmp_path / "fifo.png")
    (tmp_path / "dir.npy").mkdir()
    (tmp_path / "folder").mkdir()
    (tmp_path / "table.csv").write_text("a,label\n1,0\n")
    folder = r"is a directory; predict reads \.npy arrays and image files \(a folder of labelled images is scored "
    for name, message in (
        ("fifo.npy", r"is a FIFO \(named pipe\), not a regular file"),
        ("fifo.png", r"is a FIFO \(named pipe\), not a regular file"),
        ("dir.npy", folder + r"with evaluate --data FOLDER\)"),
        ("folder", folder + r"with evaluate --data FOLDER\)"),
        (
            "table.csv",
            r"predict reads \.npy arrays and image files, not \.csv tables: save the inputs with numpy\.save, "
            r"or score labelled data with evaluate --data",
        ),
        ("missing.png", r"no such file"),
    ):
        with pytest.raises(InvalidArgumentError, match=rf"^{re.escape(str(tmp_path / name))}: {message}$"):
            read_inputs(tmp_path / name)


PIL = pytest.importorskip("PIL.Image")


def _png(path: Path, size: tuple[int, int], *, mode: str = "L", ink: bool = True) -> Path:
    image = PIL.new(mode, size, 255)
    if ink:
        image.paste(0, (size[0] // 3, size[1] // 3, size[0] // 3 + 40, size[1] // 3 + 60))
    image.save(path)
    return path


def test_an_image_over_the_pixel_ceiling_is_refused_from_its_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _png(tmp_path / "big.png", (300, 200))
    monkeypatch.setenv("VERIFIED_NN_MAX_IMAGE_PIXELS", "59999")
    with pytest.raises(
        InvalidArgumentError,
        match=r"big.png: the image \(300 x 200\) declares 60,000 pixels, over the limit of 59,999 pixels \(set VERIFIED_NN_MAX_IMAGE_PIXELS",
    ):
        read_digit(path)
    monkeypatch.setenv("VERIFIED_NN_MAX_IMAGE_PIXELS", "60000")
    assert read_digit(path).shape == (28, 28)


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    PIL.new("1", (20_000, 20_000), 0).save(path)  # a few hundred KB declaring 400,000,000 pixels
    tracemalloc.start()
    try:
        with pytest.raises(
            InvalidArgumentError, match=r"bomb.png: the image declares 400,000,000 pixels, over the limit of 16,777,216"
        ):
            read_digit(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


def test_damaged_and_blank_images_are_one_line_naming_the_file(tmp_path: Path) -> None:
    good = _png(tmp_path / "good.png", (100, 100)).read_bytes()
    (tmp_path / "cut.png").write_bytes(good[: len(good) // 2])
    (tmp_path / "end cut.png").write_bytes(good[:-6])  # every pixel there, the closing chunk cut short
    (tmp_path / "sum cut.png").write_bytes(good[:-2])  # only the closing chunk's checksum cut: verify misses it
    (tmp_path / "text.png").write_text("not an image")
    _png(tmp_path / "blank.png", (50, 50), ink=False)
    for name, message in (
        ("cut.png", r"a damaged image file Pillow cannot (decode|read)"),
        ("end cut.png", r"a damaged image file Pillow cannot decode \((truncated|broken) PNG file"),
        ("sum cut.png", r"a damaged image file: the PNG is cut short of its end$"),
        ("text.png", r"not an image file Pillow can read"),
        ("blank.png", r"the image is blank"),
    ):
        with pytest.raises(InvalidArgumentError, match=rf"^{re.escape(str(tmp_path / name))}: {message}") as caught:
            read_digit(tmp_path / name)
        assert "\n" not in str(caught.value)


def test_memory_follows_the_digit_not_the_file(tmp_path: Path) -> None:
    """A 4096 x 4096 page with a small digit: nothing of the page's size is converted to floats."""
    path = _png(tmp_path / "page.png", (4096, 4096))
    tracemalloc.start()
    try:
        digit = read_digit(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digit.shape == (28, 28) and digit.max() > 0
    # the decoded page (16 MiB of uint8) and a boolean mask of it; a float64 copy would be 128 MiB
    assert peak < 64 << 20, f"{peak:,} bytes"


def test_a_big_endian_array_reads_in_native_byte_order(tmp_path: Path) -> None:
    """An array saved on a big-endian machine: the same values, in the byte order the kernels expect."""
    array = np.linspace(0, 1, 2 * 28 * 28, dtype=">f4").reshape(2, 28, 28)
    (tmp_path / "b.npy").write_bytes(_npy(array))
    read = read_npy(tmp_path / "b.npy")
    assert read.dtype == np.dtype("float32") and read.dtype.isnative
    assert np.array_equal(read, array.astype("float32"))
