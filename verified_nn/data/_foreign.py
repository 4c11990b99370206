"""A file in a data directory that is not the dataset's: say what it is and how to use it, never replace it.

A user who puts IDX files of their own data under MNIST's names in ``--data-dir`` meant to train on them.
Fetching MNIST over them would destroy their data and train on MNIST without a word, so such a file is
left untouched and refused with a message saying what it holds and how to train on it (``--data``). Only
in the library's own cache (``$XDG_CACHE_HOME/verified-nn``, else ``~/.cache/verified-nn``), which nobody
is meant to edit by hand, is a file that fails its checksum taken for a damaged download and fetched again.
"""

import os
import struct
from pathlib import Path
from typing import Final

from ._errors import DataError
from ._files import open_file
from ._idx import _DTYPES as IDX_DTYPES
from ._inflate import GZIP_SIGNATURE, GzipStream
from ._sources import DatasetSpec

CACHE_NAME: Final = "verified-nn"
_PEEK: Final = 1 << 16  # bytes read to tell what a file is


def cache_dir() -> Path:
    """The library's own cache: ``$XDG_CACHE_HOME/verified-nn``, else ``~/.cache/verified-nn``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / CACHE_NAME


def in_own_cache(directory: Path) -> bool:
    """Whether ``directory`` lies in the library's own cache, where damaged files may be fetched again."""
    try:
        return directory.resolve().is_relative_to(cache_dir().resolve())
    except (OSError, RuntimeError):
        return False


def what_it_is(path: Path) -> str:
    """A few words on what ``path`` holds: ``an IDX file of uint8 (100, 8, 8)``, ``a gzip file``, ``12 bytes``."""
    try:
        with open_file(path, limit=1 << 62, what="data file") as handle:
            head = handle.read(_PEEK)
    except (DataError, OSError):
        return "unreadable"
    size = f"{path.stat().st_size:,} bytes"
    if head[:2] == GZIP_SIGNATURE:
        try:
            head = GzipStream(head, source=str(path)).read(4 + 4 * 255)
        except DataError:
            return f"a gzip file of {size}"
    if len(head) >= 4 and head[:2] == b"\0\0" and head[2] in IDX_DTYPES and 1 <= head[3] <= 16:
        ndim = head[3]
        if len(head) >= 4 + 4 * ndim:
            shape = struct.unpack(f">{ndim}I", head[4 : 4 + 4 * ndim])
            return f"an IDX file of {IDX_DTYPES[head[2]].name} {tuple(shape)}"
    return f"a file of {size}"


def refusal(spec: DatasetSpec, directory: Path, name: str, digest: str) -> DataError:
    """The error for ``directory/name``, a file of ``spec``'s name whose SHA-256 ``digest`` is not the expected one."""
    path = directory / name
    role = next((role for role, file in spec.files.items() if file == name), "")
    split, _, kind = role.partition("-")
    held = what_it_is(path)
    images, labels = (directory / spec.file(split, part) for part in ("images", "labels")) if kind else (path, path)
    if kind in ("images", "labels") and held.startswith("an IDX file") and images.is_file() and labels.is_file():
        use = f"to train on your own data, pass it with --data {images} {labels} (Dataset.from_idx)"
    else:  # not an IDX pair: the pair's names would mislead (a CSV under an IDX name, a partner missing)
        use = "to use your own data, pass its file with --data PATH"
    return DataError(
        f"{path}: not {spec.name}'s {name} ({held}, SHA-256 {digest[:12]}...): left untouched; {use}; "
        f"to use {spec.name}, move it away or choose another --data-dir"
    )
