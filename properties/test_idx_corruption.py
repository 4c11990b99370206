"""Random corruptions of valid IDX files: reading either succeeds or raises DataError, nothing else."""

import gzip
import math
import re
import struct
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import event, given, strategies as st

from verified_nn.data import DataError, parse_idx, read_bytes, read_images, read_labels, write_idx

_RNG = np.random.default_rng(0)
_IMAGES = _RNG.integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
_LABELS = np.arange(4, dtype=np.uint8)


def _valid(kind: str, compressed: bool) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f"
        write_idx(path, _IMAGES if kind == "images" else _LABELS, compress=compressed)
        return path.read_bytes()


VALID = {(kind, gz): _valid(kind, gz) for kind in ("images", "labels") for gz in (False, True)}


@st.composite
def corruptions(draw: st.DrawFn) -> tuple[str, bool, bytes]:
    kind = draw(st.sampled_from(["images", "labels"]))
    compressed = draw(st.booleans())
    raw = bytearray(VALID[(kind, compressed)])
    how = draw(st.sampled_from(["truncate", "flip", "header", "append"]))
    if how == "truncate":
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            raw[draw(st.integers(0, len(raw) - 1))] ^= draw(st.integers(1, 255))
    elif how == "header":
        plain = bytearray(gzip.decompress(raw) if compressed else raw)
        offset = draw(st.sampled_from([0, 4, 8, 12]))
        if offset < len(plain):
            plain[offset : offset + 4] = struct.pack(">I", draw(st.integers(0, 2**32 - 1)))
        raw = bytearray(gzip.compress(bytes(plain)) if compressed else plain)
    else:
        raw += draw(st.binary(min_size=1, max_size=16))
    return kind, compressed, bytes(raw)


@given(corruptions())
def test_only_data_error_escapes_from_a_corrupted_file(case: tuple[str, bool, bytes]) -> None:
    """Truncations, byte flips, header rewrites and appended bytes give a valid array or DataError."""
    kind, compressed, content = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("f.gz" if compressed else "f")
        path.write_bytes(content)
        reader = read_images if kind == "images" else read_labels
        try:
            array = reader(path)
        except DataError as error:
            assert str(path) in str(error)
        else:
            assert array.dtype == np.uint8


# Headers built from scratch: any dtype byte, any ndim byte (0 and 255 included), any sizes (their product
# may overflow 64 bits), any payload length, plain or gzip. Reading gives the declared array or a one-line
# DataError naming the file: never ValueError, struct.error, MemoryError or OverflowError.

_SIZES = st.one_of(st.integers(0, 8), st.sampled_from([2**16, 2**31 - 1, 2**31, 2**32 - 1]), st.integers(0, 2**32 - 1))


_ITEM_SIZES = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}


@st.composite
def hostile_headers(draw: st.DrawFn) -> tuple[bytes, bool]:
    """Most draws take the valid choice at each step, so that every later check is reached too."""
    lead = draw(st.sampled_from([b"\x00\x00"] * 8 + [b"\x00\x01", b"\xff\xff"]))
    code = draw(st.sampled_from([*sorted(_ITEM_SIZES) * 3, 0x0A, 0xFF]))
    ndim = draw(st.one_of(st.integers(1, 4), st.sampled_from([0, 16, 17, 64, 255])))
    listed = draw(st.one_of(st.just(min(ndim, 20)), st.integers(0, min(ndim, 20))))  # fewer sizes than declared
    sizes = draw(st.lists(_SIZES, min_size=listed, max_size=listed))
    declared = math.prod(sizes) * _ITEM_SIZES.get(code, 1)
    fits = st.just(declared) if declared <= 4096 else st.integers(0, 600)
    payload = bytes(draw(st.one_of(fits, st.integers(0, 600))))
    content = lead + bytes([code, ndim]) + struct.pack(f">{listed}I", *sizes) + payload
    return content, draw(st.booleans())


def _kind_of(problem: str) -> str:
    """The problem named in a message, without its figures: how the statistics group outcomes."""
    return "refused: " + re.sub(r"\d[\d,]*", "N", re.sub(r"\(.*?\)", "(...)", problem))


@given(hostile_headers())
def test_a_hostile_header_gives_the_declared_array_or_one_line_naming_the_file(case: tuple[bytes, bool]) -> None:
    content, compressed = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("f.gz" if compressed else "f")
        path.write_bytes(gzip.compress(content) if compressed else content)
        try:
            array = parse_idx(read_bytes(path), source=str(path))
        except DataError as error:
            message = str(error)
            assert message.startswith(f"{path}: ") and "\n" not in message
            event(_kind_of(message.removeprefix(f"{path}: ")))
        else:
            event("read: the declared array")
            ndim = content[3]
            shape = struct.unpack(f">{ndim}I", content[4 : 4 + 4 * ndim])
            assert array.shape == shape and not array.flags.writeable
            assert 4 + 4 * ndim + array.nbytes == len(content)
        for reader in (read_images, read_labels):  # the typed readers agree or refuse, one line each
            try:
                reader(path)
            except DataError as error:
                assert str(error).startswith(f"{path}: ") and "\n" not in str(error)
