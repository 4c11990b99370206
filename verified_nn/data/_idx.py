"""Reading and writing IDX files (the MNIST format): big-endian header, magic number, dims, payload.

Layout: two zero bytes, a dtype code, the number of dims ``d``, then ``d`` big-endian uint32 sizes,
then the values in row-major order. Files may be gzip-compressed (detected by content, not name).
"""

import gzip
import os
import struct
import zlib
from pathlib import Path
from typing import Any, Final

import numpy as np

from ._errors import DataError

IMAGES_MAGIC: Final = 2051  # uint8, 3 dims: (n, rows, cols)
LABELS_MAGIC: Final = 2049  # uint8, 1 dim: (n,)
_GZIP_SIGNATURE: Final = b"\x1f\x8b"
_KINDS: Final = {IMAGES_MAGIC: "image", LABELS_MAGIC: "label"}

_DTYPES: Final[dict[int, np.dtype[Any]]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES: Final = {dtype.newbyteorder("="): code for code, dtype in _DTYPES.items()}


def read_bytes(path: Path) -> bytes:
    """The decompressed content of ``path``; DataError if missing, empty or not valid gzip."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror or error})") from None
    if not raw:
        raise DataError(f"{path}: empty file")
    if raw[:2] == _GZIP_SIGNATURE:
        try:
            return gzip.decompress(raw)
        except EOFError:
            raise DataError(f"{path}: truncated gzip stream") from None
        except (OSError, zlib.error) as error:
            raise DataError(f"{path}: corrupt gzip data ({error})") from None
    if str(path).endswith(".gz"):
        raise DataError(f"{path}: named .gz but is not a gzip file")
    return raw


def parse_idx(content: bytes, *, source: str, magic: int | None = None) -> np.ndarray[Any, Any]:
    """The array an IDX byte string holds (a read-only view of ``content``); DataError if malformed.

    With ``magic``, the file's magic number (dtype code and number of dims) must equal it.
    """
    if len(content) < 4:
        raise DataError(f"{source}: truncated IDX header ({len(content)} bytes)")
    zero, code, ndim = struct.unpack(">HBB", content[:4])
    found = struct.unpack(">I", content[:4])[0]
    if zero != 0 or code not in _DTYPES:
        raise DataError(f"{source}: not an IDX file (magic number {found:#010x})")
    if magic is not None and found != magic:
        raise DataError(f"{source}: magic number {found} where {_KINDS.get(magic, 'these')} files have {magic}")
    header = 4 + 4 * ndim
    if len(content) < header:
        raise DataError(f"{source}: truncated IDX header (needs {header} bytes, has {len(content)})")
    shape = struct.unpack(f">{ndim}I", content[4:header])
    dtype = _DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(content) - header
    if actual < expected:
        raise DataError(f"{source}: truncated: header {shape} needs {expected} data bytes, file has {actual}")
    if actual > expected:
        raise DataError(f"{source}: {actual - expected} bytes beyond the {shape} the header describes")
    array: np.ndarray[Any, Any] = np.frombuffer(content, dtype=dtype, offset=header).reshape(shape)
    return array


def read_images(path: Path) -> np.ndarray[Any, Any]:
    """uint8 images of shape (n, rows * cols) from an IDX images file (magic 2051); read-only."""
    array = parse_idx(read_bytes(path), source=str(path), magic=IMAGES_MAGIC)
    return array.reshape(array.shape[0], array.shape[1] * array.shape[2])


def read_labels(path: Path) -> np.ndarray[Any, Any]:
    """uint8 labels of shape (n,) from an IDX labels file (magic 2049); read-only."""
    return parse_idx(read_bytes(path), source=str(path), magic=LABELS_MAGIC)


def write_idx(path: Path, array: np.ndarray[Any, Any], *, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when ``compress`` or the name ends in .gz).

    The write is atomic: the file appears complete under its name or not at all.
    """
    dtype = np.dtype(array.dtype).newbyteorder("=")
    if dtype not in _CODES:
        raise DataError(f"{path}: IDX cannot hold dtype {array.dtype}")
    code = _CODES[dtype]
    header = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    content = header + np.ascontiguousarray(array, dtype=_DTYPES[code]).tobytes()
    if compress if compress is not None else str(path).endswith(".gz"):
        content = gzip.compress(content, mtime=0)
    atomic_write(Path(path), content)


def atomic_write(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary sibling and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part-{os.getpid()}")
    try:
        with open(partial, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
