"""The PNG writer: a file any decoder reads back to the same pixels, and the side-by-side panel."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from verified_nn.certify import CertifyError, png_bytes, side_by_side, write_png


def _decode(data: bytes) -> np.ndarray:
    """A PNG decoder for what png_bytes writes, checking every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = body
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 0) and b"IEND" in chunks
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(height, width + 1)
    assert np.all(rows[:, 0] == 0)
    return rows[:, 1:]


def test_written_pixels_read_back_unchanged(tmp_path: Path) -> None:
    pixels = np.random.default_rng(0).integers(0, 256, (7, 13), dtype=np.uint8)
    write_png(tmp_path / "p.png", pixels)
    np.testing.assert_array_equal(_decode((tmp_path / "p.png").read_bytes()), pixels)


def test_matplotlib_reads_the_file_too(tmp_path: Path) -> None:
    image = pytest.importorskip("matplotlib.image")
    pixels = np.arange(60, dtype=np.uint8).reshape(6, 10) * 4
    write_png(tmp_path / "p.png", pixels)
    np.testing.assert_allclose(image.imread(tmp_path / "p.png"), pixels / 255, atol=1e-6)


def test_the_panel_shows_original_counterexample_and_difference() -> None:
    original = np.zeros(16)
    counterexample = np.full(16, 0.1)
    panel = side_by_side(original, counterexample, 0.1, scale=2)
    assert panel.shape == (8, 2 * (4 + 2 + 4 + 2 + 4)) and panel.dtype == np.uint8
    assert panel[0, 0] == 0 and panel[0, 2 * 6] == 26 and panel[0, 2 * 12] == 255  # 0, 0.1, +eps


def test_bad_input_is_refused() -> None:
    with pytest.raises(CertifyError, match=r"non-empty \(height, width\) uint8 array, got float64\[2, 2\]"):
        png_bytes(np.zeros((2, 2)))
    with pytest.raises(CertifyError, match="two square images of one size"):
        side_by_side(np.zeros(15), np.zeros(15), 0.1)
