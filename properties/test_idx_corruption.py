"""Random corruptions of valid IDX files: reading either succeeds or raises DataError, nothing else."""

import gzip
import struct
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, strategies as st

from verified_nn.data import DataError, read_images, read_labels, write_idx

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
