"""IDX reading and writing, and every kind of bad file raising the one DataError that names it."""

import gzip
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from datafiles import arrays

from verified_nn.data import DataError, parse_idx, read_images, read_labels, write_idx


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_images_round_trip_through_the_writer(tmp_path: Path, name: str) -> None:
    images, _ = arrays("train")
    write_idx(tmp_path / name, images)
    assert (tmp_path / name).read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz") else b"\x00\x00")
    loaded = read_images(tmp_path / name)
    assert loaded.shape == (30, 784) and loaded.dtype == np.uint8
    np.testing.assert_array_equal(loaded, images.reshape(30, 784))


def test_header_is_big_endian_with_the_standard_magic(tmp_path: Path) -> None:
    _, labels = arrays("test")
    write_idx(tmp_path / "labels", labels)
    raw = (tmp_path / "labels").read_bytes()
    assert struct.unpack(">II", raw[:8]) == (2049, 12)
    np.testing.assert_array_equal(read_labels(tmp_path / "labels"), labels)


def test_other_idx_dtypes_round_trip(tmp_path: Path) -> None:
    values = np.arange(12, dtype=np.float64).reshape(3, 4) / 7
    write_idx(tmp_path / "f", values)
    np.testing.assert_array_equal(parse_idx((tmp_path / "f").read_bytes(), source="f"), values)


def _valid_images(tmp_path: Path) -> bytes:
    images, _ = arrays("train")
    write_idx(tmp_path / "valid", images)
    return (tmp_path / "valid").read_bytes()


@pytest.mark.parametrize(
    ("name", "corrupt", "message"),
    [
        (
            "truncated",
            lambda raw: raw[:-100],
            r"truncated: header \(30, 28, 28\) needs 23520 data bytes, file has 23420",
        ),
        ("short-header", lambda raw: raw[:10], r"truncated IDX header \(needs 16 bytes, has 10\)"),
        (
            "wrong-magic",
            lambda raw: raw[:2] + b"\x08\x01" + raw[4:],
            r"magic number 2049 where image files have 2051",
        ),
        ("not-idx", lambda raw: b"PK\x03\x04" + raw[4:], r"not an IDX file \(magic number 0x504b0304\)"),
        (
            "dims-disagree",
            lambda raw: raw[:4] + struct.pack(">I", 31) + raw[8:],
            r"truncated: header \(31, 28, 28\) needs 24304 data bytes, file has 23520",
        ),
        (
            "extra-bytes",
            lambda raw: raw + b"\x00" * 5,
            r"5 bytes beyond the \(30, 28, 28\) the header describes",
        ),
        ("empty", lambda raw: b"", r"empty file"),
    ],
)
def test_bad_image_files_raise_data_error_naming_the_file(
    tmp_path: Path, name: str, corrupt: Callable[[bytes], bytes], message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(corrupt(_valid_images(tmp_path)))
    with pytest.raises(DataError, match=rf"^{path}: {message}"):
        read_images(path)


def test_a_non_gzip_file_named_gz_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "images.gz"
    path.write_bytes(_valid_images(tmp_path))
    with pytest.raises(DataError, match=rf"^{path}: named .gz but is not a gzip file"):
        read_images(path)


def test_a_truncated_gzip_stream_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(_valid_images(tmp_path))[:-40])
    with pytest.raises(DataError, match=rf"^{path}: truncated gzip stream"):
        read_images(path)


def test_corrupt_gzip_data_is_refused(tmp_path: Path) -> None:
    compressed = bytearray(gzip.compress(_valid_images(tmp_path)))
    compressed[-6] ^= 0xFF  # inside the CRC / length trailer
    path = tmp_path / "images.gz"
    path.write_bytes(bytes(compressed))
    with pytest.raises(DataError, match=rf"^{path}: corrupt gzip data"):
        read_images(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=rf"^{tmp_path / 'absent'}: no such file"):
        read_labels(tmp_path / "absent")


def test_data_error_is_a_value_error() -> None:
    assert issubclass(DataError, ValueError)


def test_the_writer_refuses_a_dtype_idx_cannot_hold(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="IDX cannot hold dtype complex128"):
        write_idx(tmp_path / "c", np.zeros(3, dtype=np.complex128))
