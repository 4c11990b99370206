"""Bounded decompression: a gzip or xz stream is inflated only as far as its reader asks, never further.

A decompression bomb (a small file that expands to gigabytes) therefore costs what the reader asked
for, not what the stream would produce: the IDX reader asks for the size the header declares plus a
little, and stops there.
"""

import lzma
import zlib
from collections.abc import Iterator
from typing import Final, Protocol

from ._errors import DataError

GZIP_SIGNATURE: Final = b"\x1f\x8b"
MAX_DEFLATE_RATIO: Final = 1032  # deflate never expands more than about 1032:1 (258-byte matches in 2 bits)
XZ_MEMORY_LIMIT: Final = 128 << 20  # bytes the xz decoder may allocate (xz -9 needs 65 MiB)
_CHUNK: Final = 1 << 20  # most bytes inflated per call (zlib briefly holds twice this)
_INPUT_SLICE: Final = 1 << 16  # most compressed bytes handed to zlib per call


class Stream(Protocol):
    """What the readers need of a decompressing stream."""

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only at the end of the stream."""
        ...


def gzip_can_hold(compressed_size: int) -> int:
    """An upper bound on what ``compressed_size`` bytes of gzip can decompress to."""
    return MAX_DEFLATE_RATIO * compressed_size


class GzipStream:
    """The decompressed bytes of a gzip file held in memory (one member or several, concatenated).

    The input is handed to zlib in slices of 64 KiB, so what zlib hands back unconsumed stays small.
    """

    def __init__(self, compressed: bytes, *, source: str) -> None:
        self._source = source
        self._input = memoryview(compressed)
        self._position = 0  # the first byte of input not yet handed to a decoder
        self._pending: bytes = b""  # input a decoder handed back (its unconsumed tail, or a next member)
        self._decoder = zlib.decompressobj(wbits=31)  # 31: a gzip header and trailer around deflate

    def _feed(self) -> bytes | memoryview:
        if self._pending:
            pending, self._pending = self._pending, b""
            return pending
        data = self._input[self._position : self._position + _INPUT_SLICE]
        self._position += len(data)
        return data

    def _next_member(self) -> bool:
        rest = self._decoder.unused_data
        following = (rest + bytes(self._input[self._position : self._position + 2]))[:2]
        if not following:
            return False
        if following != GZIP_SIGNATURE:
            count = len(rest) + len(self._input) - self._position
            raise DataError(f"{self._source}: {count} bytes that are not gzip after the end of the gzip data")
        self._decoder = zlib.decompressobj(wbits=31)
        self._pending = rest
        return True

    def _chunks(self, size: int) -> Iterator[bytes]:
        """Decompressed chunks totalling up to ``size`` bytes; fewer only when the stream ends (its
        checksum then verified)."""
        produced = 0
        while produced < size:
            if self._decoder.eof:
                if not self._next_member():
                    return
                continue
            data = self._feed()
            try:
                chunk = self._decoder.decompress(data, min(size - produced, _CHUNK))
            except zlib.error as error:
                raise DataError(f"{self._source}: corrupt gzip data ({error})") from None
            self._pending = self._decoder.unconsumed_tail
            if chunk:
                produced += len(chunk)
                yield chunk
            elif not self._decoder.eof:
                if not data:  # nothing left to feed, nothing out, no end: the file was cut short
                    raise DataError(f"{self._source}: truncated gzip stream")
                if len(self._pending) == len(data):
                    raise DataError(f"{self._source}: corrupt gzip data (the decoder made no progress)")

    def read(self, size: int) -> bytes:
        """Up to ``size`` decompressed bytes; fewer only at the end of the stream."""
        return b"".join(self._chunks(size))

    def readinto(self, target: memoryview) -> int:
        """Fill ``target`` with decompressed bytes; return how many (fewer only at the end of the stream)."""
        filled = 0
        for chunk in self._chunks(len(target)):
            target[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
        return filled


class XzStream:
    """The decompressed bytes of an xz (or legacy lzma) stream held in memory."""

    def __init__(self, compressed: bytes, *, source: str) -> None:
        self._source = source
        self._decoder = lzma.LZMADecompressor(memlimit=XZ_MEMORY_LIMIT)
        self._pending = compressed

    def read(self, size: int) -> bytes:
        """Up to ``size`` decompressed bytes; fewer only at the end of the stream."""
        out = bytearray()
        while len(out) < size and not self._decoder.eof:
            data = b""
            if self._decoder.needs_input:  # else the decoder still holds input it has not inflated yet
                if not self._pending:
                    raise DataError(f"{self._source}: truncated xz stream")
                data, self._pending = self._pending, b""
            try:
                chunk = self._decoder.decompress(data, min(size - len(out), _CHUNK))
            except lzma.LZMAError as error:
                raise DataError(f"{self._source}: corrupt xz data ({error})") from None
            if not (chunk or data or self._decoder.eof or self._decoder.needs_input):
                raise DataError(f"{self._source}: corrupt xz data (the decoder made no progress)")
            out += chunk
        if self._decoder.eof and self._decoder.unused_data.strip(b"\0"):
            raise DataError(f"{self._source}: data after the end of the xz stream")
        return bytes(out)


class PlainStream:
    """Bytes already in memory, read as a stream."""

    def __init__(self, content: bytes) -> None:
        self._view = memoryview(content)
        self._position = 0

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only at the end."""
        start = self._position
        self._position = min(start + size, len(self._view))
        return bytes(self._view[start : self._position])


class CappedStream:
    """A stream that fails once more than ``limit`` bytes have come out of it."""

    def __init__(self, inner: Stream, *, limit: int, what: str) -> None:
        self._inner = inner
        self._limit = limit
        self._what = what
        self._total = 0

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left, up to the limit, when ``size`` is negative)."""
        room = self._limit + 1 - self._total
        data = self._inner.read(room if size < 0 else min(size, room))
        self._total += len(data)
        if self._total > self._limit:
            raise DataError(f"{self._what} decompresses to more than the limit of {self._limit:,} bytes")
        return data
