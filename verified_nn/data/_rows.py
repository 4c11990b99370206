"""The rows of a ``.npy`` array read from its file as they are asked for: neither loaded whole nor mapped.

A dataset larger than memory trains in bounded memory because only the rows of one batch (or one chunk
of an evaluation) are ever in memory. The file is read with ``preadv`` into the result's own buffer, one
call per run of consecutive rows. It is not memory-mapped: a mapping would count the whole file against
the process's address space (``RLIMIT_AS``) and its touched pages against its resident memory.
"""

import math
import os
from typing import Any, Final

import numpy as np

from ._errors import DataError
from ._files import open_file

MAX_HEADER_BYTES: Final = 10_000  # numpy's own default ceiling on a .npy header


class _Descriptor:
    """An open file descriptor, closed when the last view of its file is gone (no ResourceWarning)."""

    def __init__(self, descriptor: int) -> None:
        self.fileno = descriptor

    def __del__(self) -> None:
        os.close(self.fileno)


def _header(path: str, handle: Any) -> tuple[tuple[int, ...], np.dtype[Any], bool, int]:
    """``(shape, dtype, fortran_order, offset)`` of a ``.npy`` file; DataError naming it if malformed."""
    try:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle, max_header_size=MAX_HEADER_BYTES)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle, max_header_size=MAX_HEADER_BYTES)
    except Exception as error:  # numpy parses the header as a Python literal: a hostile one fails in many ways
        raise DataError(f"{path}: not a .npy file ({str(error).splitlines()[0] if str(error) else error})") from None
    return tuple(int(size) for size in shape), np.dtype(dtype), bool(fortran), handle.tell()


class FileRows:
    """The array of a ``.npy`` file, read row by row on demand; behaves like a read-only array of rows.

    ``rows[i]``, ``rows[start:stop]`` and ``rows[indices]`` return numpy arrays of those rows (in the file's
    dtype, native byte order); ``len``, ``shape``, ``dtype`` and ``ndim`` describe the whole; ``subset``
    selects rows without reading them. ``numpy.asarray(rows)`` reads everything. Numbers only, or with
    ``names`` strings too (a file of class names); never pickled objects.
    """

    def __init__(self, path: str | os.PathLike[str], *, limit: int | None = None, names: bool = False) -> None:
        self.path = os.fspath(path)
        with open_file(self.path, limit=limit if limit is not None else 1 << 62, what=".npy file") as handle:
            shape, dtype, fortran, offset = _header(self.path, handle)
            size = os.fstat(handle.fileno()).st_size
            self._descriptor = _Descriptor(os.dup(handle.fileno()))
        if dtype.hasobject or dtype.kind not in ("biufUS" if names else "biuf"):
            raise DataError(f"{self.path}: holds {dtype} values, not {'numbers or strings' if names else 'numbers'}")
        if len(shape) < 1:
            raise DataError(f"{self.path}: holds a single value, not rows")
        if fortran and len(shape) > 1:
            raise DataError(
                f"{self.path}: stored in Fortran order, so its rows are not contiguous in the file; "
                "save it with numpy.save(path, numpy.ascontiguousarray(array))"
            )
        needed = offset + math.prod(shape) * dtype.itemsize
        if size != needed:
            raise DataError(f"{self.path}: {size:,} bytes where its header {shape} {dtype} needs {needed:,}")
        self._base_shape = shape
        self._file_dtype = dtype
        self._offset = offset
        self._row_bytes = math.prod(shape[1:]) * dtype.itemsize
        self._indices: np.ndarray[Any, Any] | None = None

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._file_dtype.newbyteorder("=")

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self), *self._base_shape[1:])

    @property
    def ndim(self) -> int:
        return len(self._base_shape)

    @property
    def nbytes(self) -> int:
        return len(self) * self._row_bytes

    def __len__(self) -> int:
        return self._base_shape[0] if self._indices is None else len(self._indices)

    def subset(self, rows: np.ndarray[Any, Any] | slice) -> "FileRows":
        """The rows ``rows`` (indices or a slice of this view), without reading them."""
        chosen = np.arange(len(self))[rows]
        view = object.__new__(FileRows)
        view.__dict__.update(self.__dict__)
        view._indices = chosen if self._indices is None else self._indices[chosen]
        return view

    def __getitem__(self, key: Any) -> np.ndarray[Any, Any]:
        if isinstance(key, int | np.integer):
            row: np.ndarray[Any, Any] = self._read(np.array([int(key)]))[0]
            return row
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step == 1 and self._indices is None:
                return self._read_run(start, max(stop - start, 0))
            return self._read(np.arange(start, stop, step))
        return self._read(np.asarray(key))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray[Any, Any]:
        rows = self[:]
        return rows if dtype is None else rows.astype(dtype)

    def __repr__(self) -> str:
        return f"FileRows({self.path!r}, shape={self.shape}, dtype={self.dtype})"

    def _read_run(self, first: int, count: int) -> np.ndarray[Any, Any]:
        out = np.empty((count, *self._base_shape[1:]), dtype=self._file_dtype)
        self._fill(out, first)
        return out if self._file_dtype.isnative else out.astype(self.dtype)

    def _fill(self, out: np.ndarray[Any, Any], first: int) -> None:
        """Read ``len(out)`` rows starting at file row ``first`` into ``out``."""
        if out.nbytes == 0:
            return
        buffer = memoryview(out.data).cast("B")  # type: ignore[arg-type, unused-ignore]  # out is C-contiguous
        position, done = self._offset + first * self._row_bytes, 0
        while done < out.nbytes:
            got = os.preadv(self._descriptor.fileno, [buffer[done:]], position + done)
            if got == 0:
                raise DataError(f"{self.path}: ended early (the file shrank while it was read)")
            done += got

    def _read(self, key: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Rows ``key`` (of this view) in that order: one read per run of consecutive file rows."""
        if key.ndim != 1 or not (key.dtype.kind in "iu" or key.size == 0):
            raise IndexError(f"{self.path}: rows are selected by a slice or a list of indices, got {key!r}")
        count = len(self)
        if key.size and (key.min() < -count or key.max() >= count):
            raise IndexError(f"{self.path}: row index out of range for {count} rows")
        wanted = np.where(key < 0, key + count, key).astype(np.int64)
        rows = wanted if self._indices is None else self._indices[wanted]
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        out = np.empty((len(rows), *self._base_shape[1:]), dtype=self._file_dtype)
        if not len(rows):
            return out if self._file_dtype.isnative else out.astype(self.dtype)
        sorted_rows = out if np.array_equal(order, np.arange(len(order))) else np.empty_like(out)
        breaks = np.flatnonzero(np.diff(ordered) != 1) + 1
        for start, stop in zip(np.r_[0, breaks], np.r_[breaks, len(ordered)], strict=True):
            self._fill(sorted_rows[start:stop], int(ordered[start]))
        if sorted_rows is not out:
            out[order] = sorted_rows
        return out if self._file_dtype.isnative else out.astype(self.dtype)
