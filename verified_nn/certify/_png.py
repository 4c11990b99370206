"""A minimal PNG writer (8-bit greyscale, zlib from the standard library): no imaging dependency.

PNG is a signature and chunks of ``length, type, data, CRC-32``; an 8-bit greyscale image needs IHDR
(size, bit depth 8, colour type 0), one IDAT holding the zlib-compressed rows (each prefixed by the
filter byte 0, "none"), and IEND (the PNG specification, sections 5 and 11).
"""

import struct
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.files import write_output

from ._errors import CertifyError

Array: TypeAlias = np.ndarray[Any, Any]

SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(pixels: Array) -> bytes:
    """The PNG encoding of a ``(height, width)`` uint8 greyscale image."""
    if pixels.ndim != 2 or pixels.dtype != np.uint8 or 0 in pixels.shape:
        raise CertifyError(
            f"a PNG needs a non-empty (height, width) uint8 array, got {pixels.dtype}{list(pixels.shape)}"
        )
    height, width = pixels.shape
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = np.hstack([np.zeros((height, 1), dtype=np.uint8), pixels])  # filter byte 0 before each row
    return (
        SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + _chunk(b"IEND", b"")
    )


def write_png(path: str | Path, pixels: Array, *, inputs: Iterable[str | Path] = ()) -> None:
    """Write a ``(height, width)`` uint8 greyscale image to ``path`` as PNG (:func:`verified_nn.files.write_output`:
    atomically, never through a symbolic link nor over one of ``inputs``)."""
    write_output(path, png_bytes(pixels), inputs=inputs)


def side_by_side(original: Array, counterexample: Array, eps: float, *, scale: int = 4) -> Array:
    """Original, counterexample and their difference (mid-grey is 0, black/white is -eps/+eps), enlarged.

    ``original`` and ``counterexample`` are square images flattened to ``(side * side,)`` in [0, 1].
    """
    side = round(len(original) ** 0.5)
    if side * side != len(original) or counterexample.shape != original.shape:
        raise CertifyError(f"expected two square images of one size, got {original.shape} and {counterexample.shape}")
    difference = (counterexample.astype(np.float64) - original) / (2 * eps) + 0.5 if eps > 0 else original * 0 + 0.5
    panels = [np.asarray(p, dtype=np.float64).reshape(side, side) for p in (original, counterexample, difference)]
    gap = np.ones((side, 2))
    strip = np.hstack([panels[0], gap, panels[1], gap, panels[2]])
    pixels = np.clip(np.rint(strip * 255), 0, 255).astype(np.uint8)
    return np.kron(pixels, np.ones((scale, scale), dtype=np.uint8))
