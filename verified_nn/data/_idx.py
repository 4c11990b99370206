"""Reading and writing IDX files (the MNIST format): big-endian header, magic number, dims, payload.

Layout: two zero bytes, a dtype code, the number of dims ``d``, then ``d`` big-endian uint32 sizes,
then the values in row-major order. Files may be gzip-compressed (detected by content, not name).

Every header is treated as hostile: 1 to 16 dims, sizes multiplied as Python ints and checked against
the ceiling (:func:`data_limit`, 1 GiB unless $VERIFIED_NN_MAX_DATA_BYTES says otherwise) before any
buffer is made, and a gzip stream inflated no further than the header declares (plus 64 KiB to see it
end). Every problem is a one-line DataError naming the file.
"""

import dataclasses
import gzip
import math
import struct
from pathlib import Path
from typing import Any, Final

import numpy as np

from verified_nn.files import write_output

from ._errors import DataError
from ._files import read_file
from ._inflate import GZIP_SIGNATURE, GzipStream, gzip_can_hold
from ._limits import LIMIT_VARIABLE, data_limit

IMAGES_MAGIC: Final = 2051  # uint8, 3 dims: (n, rows, cols)
LABELS_MAGIC: Final = 2049  # uint8, 1 dim: (n,)
MAX_NDIM: Final = 16  # IDX allows 255; numpy arrays stop at 64, and no dataset here needs more than 3
_SLACK: Final = 1 << 16  # bytes inflated past the declared size to tell "ends here" from "goes on"
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


@dataclasses.dataclass(frozen=True)
class IdxHeader:
    """What an IDX header declares: the values' dtype, the array's shape, and the sizes that follow."""

    dtype: np.dtype[Any]  # big-endian where the type has more than one byte
    shape: tuple[int, ...]  # each size < 2**32; at least one and at most MAX_NDIM of them
    header_bytes: int  # 4 + 4 * len(shape)
    data_bytes: int  # product of the shape times the item size (a Python int: it cannot overflow)


def _header(content: bytes | memoryview, source: str, magic: int | None, limit: int) -> IdxHeader:
    """Validate the header at the start of ``content`` (which may hold only the header)."""
    if len(content) < 4:
        raise DataError(f"{source}: truncated IDX header ({len(content)} bytes)")
    zero, code, ndim = struct.unpack(">HBB", content[:4])
    found = struct.unpack(">I", content[:4])[0]
    if zero != 0 or code not in _DTYPES:
        raise DataError(f"{source}: not an IDX file (magic number {found:#010x})")
    if magic is not None and found != magic:
        raise DataError(f"{source}: magic number {found} where {_KINDS.get(magic, 'these')} files have {magic}")
    if not 1 <= ndim <= MAX_NDIM:
        raise DataError(f"{source}: IDX header declares {ndim} dimensions; 1 to {MAX_NDIM} are supported")
    header_bytes = 4 + 4 * ndim
    if len(content) < header_bytes:
        raise DataError(f"{source}: truncated IDX header (needs {header_bytes} bytes, has {len(content)})")
    shape = struct.unpack(f">{ndim}I", content[4:header_bytes])
    dtype = _DTYPES[code]
    data_bytes = math.prod(shape) * dtype.itemsize
    if header_bytes + data_bytes > limit:
        raise DataError(
            f"{source}: header {shape} declares {data_bytes:,} bytes of data, over the limit of {limit:,} bytes"
            f" (set {LIMIT_VARIABLE} to raise it)"
        )
    if math.prod(max(size, 1) for size in shape) * dtype.itemsize > limit:  # (0, 2**31, 2**31): empty, yet
        raise DataError(  # numpy refuses such a shape, and it is no dataset's
            f"{source}: header {shape} declares an empty array whose other sizes multiply past the limit"
            f" of {limit:,} bytes"
        )
    return IdxHeader(dtype=dtype, shape=shape, header_bytes=header_bytes, data_bytes=data_bytes)


def parse_idx(
    content: bytes | memoryview, *, source: str, magic: int | None = None, limit: int | None = None
) -> np.ndarray[Any, Any]:
    """The array an IDX byte string holds (a read-only view of ``content``); DataError if malformed.

    With ``magic``, the file's magic number (dtype code and number of dims) must equal it. A header
    declaring more than ``limit`` bytes (default: :func:`data_limit`) is refused before anything
    else is done with it.
    """
    header = _header(content, source, magic, data_limit(limit))
    actual = len(content) - header.header_bytes
    if actual < header.data_bytes:
        raise DataError(
            f"{source}: truncated: header {header.shape} needs {header.data_bytes} data bytes, file has {actual}"
        )
    if actual > header.data_bytes:
        extra = actual - header.data_bytes
        raise DataError(f"{source}: {extra} bytes beyond the {header.shape} the header describes")
    array: np.ndarray[Any, Any] = np.frombuffer(content, dtype=header.dtype, offset=header.header_bytes)
    array = array.reshape(header.shape)
    array.flags.writeable = False
    return array


def _inflate_idx(compressed: bytes, source: str, magic: int | None, limit: int) -> memoryview:
    """Decompress an IDX file only as far as its header says it reaches, plus a little to see it end.

    The buffer for the declared size is allocated uninitialised, so memory is committed only as the
    stream actually fills it: a header that promises more than the stream holds costs nothing extra.
    """
    stream = GzipStream(compressed, source=source)
    head = stream.read(4)
    ndim = head[3] if len(head) == 4 else 0
    head += stream.read(4 * min(ndim, MAX_NDIM))
    header = _header(head, source, magic, limit)
    declared = header.header_bytes + header.data_bytes
    if declared > gzip_can_hold(len(compressed)):
        raise DataError(
            f"{source}: header {header.shape} declares {header.data_bytes:,} bytes of data, more than"
            f" {len(compressed):,} bytes of gzip can hold"
        )
    content = np.empty(declared, dtype=np.uint8).data  # a writable memoryview of the new buffer
    content[: header.header_bytes] = head
    filled = header.header_bytes + stream.readinto(content[header.header_bytes :])
    extra = len(stream.read(_SLACK)) if filled == declared else 0
    if extra == _SLACK:
        raise DataError(
            f"{source}: decompression stopped: the gzip data holds more than the {declared:,} bytes"
            f" its IDX header {header.shape} declares"
        )
    if extra:
        raise DataError(f"{source}: {extra} bytes beyond the {header.shape} the header describes")
    return content[:filled]


def _load_idx(path: Path, magic: int | None, limit: int | None) -> np.ndarray[Any, Any]:
    limit = data_limit(limit)
    raw = read_file(path, limit=limit, what="IDX file")
    if not raw:
        raise DataError(f"{path}: empty file")
    if raw[:2] == GZIP_SIGNATURE:
        return parse_idx(_inflate_idx(raw, str(path), magic, limit), source=str(path), magic=magic, limit=limit)
    if str(path).endswith(".gz"):
        raise DataError(f"{path}: named .gz but is not a gzip file")
    return parse_idx(raw, source=str(path), magic=magic, limit=limit)


def read_bytes(path: Path, *, limit: int | None = None) -> bytes:
    """The decompressed content of ``path``, at most ``limit`` bytes (default :func:`data_limit`).

    DataError names the file if it is missing, special, empty, not valid gzip, or over the limit
    before or after decompression.
    """
    limit = data_limit(limit)
    raw = read_file(path, limit=limit, what="data file")
    if not raw:
        raise DataError(f"{path}: empty file")
    if raw[:2] == GZIP_SIGNATURE:
        content = GzipStream(raw, source=str(path)).read(limit + 1)
        if len(content) > limit:
            raise DataError(f"{path}: decompresses to more than the limit of {limit:,} bytes")
        return content
    if str(path).endswith(".gz"):
        raise DataError(f"{path}: named .gz but is not a gzip file")
    return raw


def read_idx(path: Path, *, limit: int | None = None) -> np.ndarray[Any, Any]:
    """The array of any IDX file (any dtype the format has, any shape), read-only; ``limit`` as for images."""
    return _load_idx(path, None, limit)


def read_images(path: Path, *, limit: int | None = None) -> np.ndarray[Any, Any]:
    """uint8 images of shape (n, rows * cols) from an IDX images file (magic 2051); read-only.

    The file, and its content once decompressed, may hold at most ``limit`` bytes (default
    :func:`data_limit`); a gzip stream is inflated only as far as the header declares.
    """
    array = _load_idx(path, IMAGES_MAGIC, limit)
    return array.reshape(array.shape[0], array.shape[1] * array.shape[2])


def read_labels(path: Path, *, limit: int | None = None) -> np.ndarray[Any, Any]:
    """uint8 labels of shape (n,) from an IDX labels file (magic 2049); read-only (``limit`` as for images)."""
    return _load_idx(path, LABELS_MAGIC, limit)


def write_idx(path: Path, array: np.ndarray[Any, Any], *, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when ``compress`` or the name ends in .gz).

    The write is atomic and durable (:func:`verified_nn.files.write_output`, creating missing directories):
    the file appears complete under its name or not at all.
    """
    dtype = np.dtype(array.dtype).newbyteorder("=")
    if dtype not in _CODES:
        raise DataError(f"{path}: IDX cannot hold dtype {array.dtype}")
    if not 1 <= array.ndim <= MAX_NDIM or max(array.shape) >= 1 << 32:
        raise DataError(f"{path}: IDX cannot hold an array of shape {array.shape} (1 to {MAX_NDIM} sizes < 2**32)")
    code = _CODES[dtype]
    header = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    content = header + np.ascontiguousarray(array, dtype=_DTYPES[code]).tobytes()
    if compress if compress is not None else str(path).endswith(".gz"):
        content = gzip.compress(content, mtime=0)
    write_output(path, content, parents=True)
