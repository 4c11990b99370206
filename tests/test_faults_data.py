"""Fault suite for the data readers: hostile IDX headers, decompression bombs, special files, killed fetches.

Every case asserts a one-line DataError that names the file and the problem, within a memory bound
measured by tracemalloc (in-process) or by the child's peak RSS (cases that would hang or exhaust memory
if the guard regressed run in a child process with a timeout and an address-space limit).
"""

import gzip
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datafiles import FILES, spec_for, write_dataset
from devices import device_node

from verified_nn.data import (
    LIMIT_VARIABLE,
    DataError,
    DatasetSpec,
    fetch,
    load,
    parse_idx,
    read_bytes,
    read_images,
    read_labels,
)

MiB = 1 << 20
CHILD_TIMEOUT = 60.0  # seconds; the cases take well under one, the margin is for a loaded machine


def _refusal(call: Callable[[], object], path: Path | str, message: str) -> int:
    """Run ``call``, expecting one line of DataError naming ``path`` and matching ``message``; the peak memory."""
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as caught:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: "), text
    assert re.search(message, text), text
    return peak


def _idx(code: int, dims: tuple[int, ...], payload: bytes = b"", *, ndim: int | None = None) -> bytes:
    count = len(dims) if ndim is None else ndim
    return struct.pack(">HBB", 0, code, count) + struct.pack(f">{len(dims)}I", *dims) + payload


# (id, header and payload bytes, reader, expected message). Every reader is given the bytes both as they
# are and gzip-compressed.
HEADERS: list[tuple[str, bytes, str, str]] = [
    ("ndim 0", _idx(0x08, ()), "parse", r"IDX header declares 0 dimensions; 1 to 16 are supported"),
    ("ndim 255", _idx(0x08, (1,) * 255), "parse", r"IDX header declares 255 dimensions; 1 to 16 are supported"),
    ("ndim 17", _idx(0x08, (1,) * 17), "parse", r"declares 17 dimensions"),
    ("ndim 255 short", _idx(0x08, (), ndim=255), "parse", r"declares 255 dimensions"),
    ("images with ndim 0", _idx(0x08, ()), "images", r"magic number 2048 where image files have 2051"),
    ("images with ndim 255", _idx(0x08, (), ndim=255), "images", r"magic number 2303 where image files have 2051"),
    (
        "product overflows int64",
        _idx(0x0E, (2**32 - 1,) * 3),
        "parse",
        rf"header \(4294967295, 4294967295, 4294967295\) declares {(2**32 - 1) ** 3 * 8:,} bytes of"
        r" data, over the limit of 1,073,741,824 bytes \(set VERIFIED_NN_MAX_DATA_BYTES to raise it\)",
    ),
    ("images of 2**32-1 each way", _idx(0x08, (2**32 - 1,) * 3), "images", r"bytes of data, over the limit"),
    ("labels of 2**32-1", _idx(0x08, (2**32 - 1,)), "labels", r"4,294,967,295 bytes of data, over the limit"),
    ("product wraps to zero in int64", _idx(0x08, (65536,) * 4), "parse", r"18,446,744,073,709,551,616 bytes of data"),
    (
        "one byte short",
        _idx(0x08, (3, 28, 28), bytes(3 * 784 - 1)),
        "images",
        r"truncated: header \(3, 28, 28\) needs 2352 data bytes, file has 2351",
    ),
    ("header cut", _idx(0x08, (3, 28, 28))[:9], "images", r"truncated IDX header \(needs 16 bytes, has 9\)"),
    ("three bytes", b"\x00\x00\x08", "labels", r"truncated IDX header \(3 bytes\)"),
    ("unknown dtype", _idx(0x0A, (3,), bytes(3)), "parse", r"not an IDX file \(magic number 0x00000a01\)"),
    (
        "nonzero lead",
        b"\x01" + _idx(0x08, (3,), bytes(3))[1:],
        "labels",
        r"not an IDX file \(magic number 0x01000801\)",
    ),
    ("trailing bytes", _idx(0x08, (3,), bytes(5)), "labels", r"2 bytes beyond the \(3,\) the header describes"),
]


def _read(kind: str, path: Path) -> object:
    if kind == "images":
        return read_images(path)
    if kind == "labels":
        return read_labels(path)
    return parse_idx(read_bytes(path), source=str(path))


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize(
    ("content", "kind", "message"), [case[1:] for case in HEADERS], ids=[case[0] for case in HEADERS]
)
def test_a_hostile_idx_header_is_one_line_naming_the_file_and_the_problem(
    tmp_path: Path, content: bytes, kind: str, message: str, compressed: bool
) -> None:
    path = tmp_path / ("f.gz" if compressed else "f")
    path.write_bytes(gzip.compress(content) if compressed else content)
    peak = _refusal(lambda: _read(kind, path), path, message)
    assert peak < 2 * MiB, f"{peak:,} bytes traced for a header of {len(content)} bytes"


def test_the_writer_refuses_what_the_reader_would_refuse(tmp_path: Path) -> None:
    from verified_nn.data import write_idx

    with pytest.raises(DataError, match=r"IDX cannot hold an array of shape \(\) \(1 to 16 sizes < 2\*\*32\)"):
        write_idx(tmp_path / "scalar", np.zeros((), dtype=np.uint8))
    with pytest.raises(
        DataError, match=r"IDX cannot hold an array of shape \(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1\)"
    ):
        write_idx(tmp_path / "deep", np.zeros((1,) * 17, dtype=np.uint8))


def _zeros_member(size: int) -> bytes:
    """One gzip member holding ``size`` zero bytes, compressed in 1 MiB steps (never held whole)."""
    encoder = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MiB)
    parts = [encoder.compress(block) for _ in range(size // MiB)]
    parts.append(encoder.compress(bytes(size % MiB)))
    parts.append(encoder.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """The issue's case: a few MB of gzip expanding to 6 GB, whose IDX header declares MNIST's 47 MB.

    The first member holds the header and the 47,040,000 bytes it declares; a 64 MiB member of zeros
    then follows again and again (gzip allows concatenated members) until the whole inflates to 6 GB.
    """
    encoder = zlib.compressobj(9, zlib.DEFLATED, 31)
    pieces = [encoder.compress(_idx(0x08, (60000, 28, 28)))]
    pieces += [encoder.compress(bytes(MiB)) for _ in range(47_040_000 // MiB)]
    pieces += [encoder.compress(bytes(47_040_000 % MiB)), encoder.flush()]
    return b"".join(pieces) + _zeros_member(64 * MiB) * ((6 << 30) // (64 * MiB))


def test_a_decompression_bomb_is_inflated_no_further_than_its_header_declares(tmp_path: Path, bomb: bytes) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(bomb)
    assert len(bomb) < 8 * MiB
    started = time.perf_counter()
    peak = _refusal(
        lambda: read_images(path),
        path,
        r"decompression stopped: the gzip data holds more than the 47,040,016 bytes its IDX header \(60000, 28, 28\) declares",
    )
    elapsed = time.perf_counter() - started
    print(f"bomb of {len(bomb):,} bytes (6 GiB inflated): refused in {elapsed:.2f} s, peak {peak / MiB:.1f} MiB traced")
    assert peak < 47_040_016 + len(bomb) + 8 * MiB, f"{peak:,} bytes traced"


def test_a_small_bomb_costs_what_its_small_header_declares(tmp_path: Path) -> None:
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(_idx(0x08, (100,)) + bytes(100), mtime=0) + _zeros_member(256 * MiB))
    peak = _refusal(lambda: read_labels(path), path, r"decompression stopped: .* more than the 108 bytes")
    assert peak < 1 * MiB, f"{peak:,} bytes traced to refuse a 108-byte file padded with 256 MiB of zeros"


def test_a_header_claiming_more_than_the_gzip_data_can_hold_is_refused_before_inflating(tmp_path: Path) -> None:
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(_idx(0x08, (1000, 1000, 1000)), mtime=0))  # 1 GB declared, 50 bytes of gzip
    peak = _refusal(
        lambda: read_images(path),
        path,
        r"header \(1000, 1000, 1000\) declares 1,000,000,000 bytes of data, more than \d+ bytes of gzip can hold",
    )
    assert peak < 1 * MiB


def test_the_ceiling_can_be_lowered_and_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "labels"
    path.write_bytes(_idx(0x08, (1000,), bytes(1000)))
    _refusal(lambda: read_labels(path, limit=500), path, r"IDX file of 1,008 bytes is over the limit of 500 bytes")
    monkeypatch.setenv(LIMIT_VARIABLE, "500")
    _refusal(lambda: read_labels(path), path, r"over the limit of 500 bytes")
    assert read_labels(path, limit=1008).shape == (1000,)
    compressed = tmp_path / "labels.gz"
    compressed.write_bytes(gzip.compress(_idx(0x08, (1000,), bytes(1000))))
    _refusal(
        lambda: read_labels(compressed),
        compressed,
        r"header \(1000,\) declares 1,000 bytes of data, over the limit of 500",
    )
    _refusal(lambda: read_bytes(compressed), compressed, r"decompresses to more than the limit of 500 bytes")


def test_gzip_faults_are_named(tmp_path: Path) -> None:
    valid = gzip.compress(_idx(0x08, (3,), bytes(3)), mtime=0)
    cases = {
        "trailing garbage": (valid + b"junk", r"4 bytes that are not gzip after the end of the gzip data"),
        "cut in the trailer": (valid[:-3], r"truncated gzip stream"),
        "cut in the header": (valid[:5], r"truncated gzip stream"),
        "bad length": (valid[:-4] + b"\x00\x00\x00\x01", r"corrupt gzip data \(.*incorrect length check\)"),
        "bad crc": (valid[:-8] + b"\x00" * 4 + valid[-4:], r"corrupt gzip data \(.*incorrect data check\)"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / f"{name}.gz"
        path.write_bytes(content)
        _refusal(lambda path=path: read_labels(path), path, message)  # type: ignore[misc]
    two = tmp_path / "two-members.gz"
    two.write_bytes(gzip.compress(_idx(0x08, (3,)), mtime=0) + gzip.compress(b"\x01\x02\x03", mtime=0))
    assert read_labels(two).tolist() == [1, 2, 3], "concatenated gzip members are one stream"


def test_a_split_with_no_images_is_refused(tmp_path: Path) -> None:
    from verified_nn.data import write_idx

    folder = tmp_path / "tiny"
    write_dataset(folder)
    write_idx(folder / FILES["train-images"], np.zeros((0, 28, 28), dtype=np.uint8))
    write_idx(folder / FILES["train-labels"], np.zeros(0, dtype=np.uint8))
    spec = spec_for({name: (folder / name).read_bytes() for name in FILES.values()})
    _refusal(lambda: load(spec, "train", directory=tmp_path), folder / FILES["train-images"], r"holds no images$")


# Special files: run in a child process with a timeout and a 1 GiB address-space limit, so that a
# regression fails (timeout, MemoryError, or a peak RSS over the bound) instead of hanging the suite.

CHILD = """
import json, re, sys, time
from pathlib import Path
from verified_nn.data import DataError, fetch, load, read_images, read_labels, sha256_of
from datafiles import FILES, spec_for
spec = spec_for(dict.fromkeys(FILES.values(), b""))  # the special file stands first: train-images
readers = {
    "images": read_images,
    "labels": read_labels,
    "sha256": sha256_of,
    "fetch": lambda path: fetch(spec, path.parent, report=lambda _: None),
    "load": lambda path: load(spec, "train", directory=path.parent.parent, download=False),
}
answers = []
for how, name in zip(sys.argv[1::2], sys.argv[2::2]):
    started = time.perf_counter()
    try:
        readers[how](Path(name))
        outcome = "no error"
    except DataError as error:
        outcome = str(error)
    answers.append({"outcome": outcome, "seconds": time.perf_counter() - started})
# VmHWM, not getrusage: ru_maxrss survives exec and would report the forking test process's peak.
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
print(json.dumps({"answers": answers, "rss_kib": peak}))
"""


def _child(cases: list[tuple[str, Path]]) -> tuple[list[dict[str, Any]], int]:
    """Run (reader, path) cases in one child with 1 GiB of address space; the answers and the peak RSS in KiB."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent), "OPENBLAS_NUM_THREADS": "1"}
    arguments = [str(part) for case in cases for part in case]
    command = ["bash", "-c", 'ulimit -v 1048576; exec "$0" -c "$@"', sys.executable, CHILD, *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=CHILD_TIMEOUT, env=env, check=False)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report["answers"], report["rss_kib"]


@pytest.fixture
def special_files(tmp_path: Path) -> Iterator[dict[str, tuple[Path, str]]]:
    """Special files under a dataset file's name, each in its own folder, with the kind the refusal names."""
    made: dict[str, tuple[Path, str]] = {}

    def place(label: str, kind: str) -> Path:
        path = tmp_path / label.replace("/", "") / FILES["train-images"]
        path.parent.mkdir()
        made[label] = (path, kind)
        return path

    os.mkfifo(place("fifo", "a FIFO (named pipe)"))
    if (zero := device_node(tmp_path / "zero")) is not None:  # a private node, linked to as a link to /dev/zero is
        place("link to a device", "a character device").symlink_to(zero)
    place("directory", "a directory").mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(place("socket", "a socket")))
    device = device_node(tmp_path / "disk", block=True)
    if device is not None:
        place("block device", "a block device").symlink_to(device)
    yield made
    server.close()


def test_special_files_are_refused_at_once_by_every_entry(special_files: dict[str, tuple[Path, str]]) -> None:
    cases: list[tuple[str, Path]] = []
    expected: list[str] = []
    for path, kind in special_files.values():
        staged = path.parent / "tiny" / path.name  # where load() looks: directory/<dataset>/<file>
        staged.parent.mkdir()
        staged.symlink_to(path)
        for how in ("images", "labels", "sha256", "fetch", "load"):
            target = staged if how == "load" else path
            cases.append((how, target))
            expected.append(f"{target}: is {kind}, not a regular file")
    answers, peak = _child(cases)
    assert [answer["outcome"] for answer in answers] == expected
    slowest = max(answer["seconds"] for answer in answers)
    print(
        f"{len(cases)} special-file cases: slowest refused in {slowest * 1000:.1f} ms, child peak RSS {peak / 1024:.0f} MiB"
    )
    assert peak < 100 * 1024, f"{peak} KiB"  # the interpreter and the library take about 45 MiB


# Fetching: nothing lands outside the data directory, and a killed fetch leaves nothing behind.


def test_a_dataset_file_name_that_is_a_path_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    for name in ("../escaped.gz", "/etc/escaped.gz", "..", "a\0b", "sub/dir.gz"):
        spec = DatasetSpec("evil", {"train-images": name}, {name: "0" * 64}, ("a",), (), ())
        out = tmp_path / "out"
        _refusal(lambda spec=spec, out=out: fetch(spec, out, report=lambda _: None), "evil", "is not a plain file name")  # type: ignore[misc]
        assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_download_over_the_limit_is_refused_and_nothing_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = tmp_path / "served"
    contents = write_dataset(served)
    spec = spec_for(contents, mirrors=(served.as_uri() + "/",))
    monkeypatch.setenv(LIMIT_VARIABLE, "1000")  # the images files are larger than this
    with pytest.raises(
        DataError, match=r"train-images-idx3-ubyte.gz: \d[\d,]* bytes announced, over the limit of 1,000"
    ):
        fetch(spec, tmp_path / "out", report=lambda _: None)
    assert not any(p.name.startswith("train-images") for p in (tmp_path / "out").iterdir())
    monkeypatch.delenv(LIMIT_VARIABLE)
    fetch(spec, tmp_path / "out", report=lambda _: None)


class _Endless(http.server.BaseHTTPRequestHandler):
    """Answers every request with a body that never ends and no Content-Length."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        try:
            while True:
                self.wfile.write(bytes(64 * 1024))
        except OSError:  # the client hung up, as it should
            pass

    def log_message(self, *args: Any) -> None:
        pass


def test_a_server_sending_without_end_is_cut_off_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        contents = write_dataset(tmp_path / "src")
        spec = spec_for(contents, mirrors=(f"http://127.0.0.1:{server.server_address[1]}/",))
        monkeypatch.setenv(LIMIT_VARIABLE, str(4 * MiB))
        tracemalloc.start()
        try:
            with pytest.raises(
                DataError, match=r"train-images-idx3-ubyte.gz: more than the limit of 4,194,304 bytes sent"
            ):
                fetch(spec, tmp_path / "out", report=lambda _: None)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 8 * MiB, f"{peak:,} bytes traced"
        assert list((tmp_path / "out").iterdir()) == []
    finally:
        server.shutdown()
        server.server_close()


KILLED = """
import os, sys, time
from pathlib import Path
from datafiles import FILES, spec_for
from verified_nn.data import fetch
served = Path(sys.argv[1])
contents = {name: (served / name).read_bytes() for name in FILES.values()}
spec = spec_for(contents, mirrors=(served.as_uri() + "/",))
os.replace = lambda source, target: time.sleep(600)  # stop between the fsync and the rename
fetch(spec, Path(sys.argv[2]), report=lambda _: None)
"""


def test_a_fetch_killed_mid_write_leaves_a_part_file_the_next_fetch_removes(tmp_path: Path) -> None:
    served = tmp_path / "served"
    contents = write_dataset(served)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    child = subprocess.Popen([sys.executable, "-c", KILLED, str(served), str(out)], env=env)
    try:
        deadline = time.monotonic() + CHILD_TIMEOUT
        while not (out.is_dir() and any(".part-" in p.name for p in out.iterdir())):
            assert time.monotonic() < deadline and child.poll() is None, "the child never started writing"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    left = [p.name for p in out.iterdir()]
    assert len(left) == 1 and left[0].startswith(f".train-images-idx3-ubyte.gz.part-{child.pid}-"), left
    spec = spec_for(contents, mirrors=(served.as_uri() + "/",))
    fetch(spec, out, report=lambda _: None)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES.values())
    assert all(hashlib.sha256((out / n).read_bytes()).hexdigest() == spec.sha256[n] for n in FILES.values())
