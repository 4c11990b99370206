"""Random corruptions of valid carrier packages: reading gives the members asked for or DataError, promptly.

A Debian package (ar around an xz- or un-compressed tar) and a wheel (zip) are truncated, have bytes
flipped, have a 10-byte window overwritten with the characters of a size field (digits, "-", spaces),
or get bytes inserted. Every read must end (within a few seconds, enforced by an alarm) with a dict of
the members asked for or a one-line DataError naming the archive: never a hang, a loop, a traceback
from zipfile or tarfile, or a file written anywhere.
"""

import io
import lzma
import signal
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from hypothesis import event, given, strategies as st

from verified_nn.data import DataError
from verified_nn.data._archives import read_from_deb, read_from_wheel

MEMBERS = {"./usr/share/x/a.gz": b"alpha" * 50, "./usr/share/x/b.gz": bytes(range(256)) * 3}
WANTED = sorted(MEMBERS)


def _tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, content in MEMBERS.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


def _ar_entry(name: bytes, content: bytes) -> bytes:
    header = name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6) + b"100644".ljust(8)
    return header + str(len(content)).encode().ljust(10) + b"`\n" + content + (b"\n" if len(content) % 2 else b"")


def _deb(compressed: bool) -> bytes:
    name, payload = (b"data.tar.xz", lzma.compress(_tar())) if compressed else (b"data.tar", _tar())
    return (
        b"!<arch>\n"
        + _ar_entry(b"debian-binary", b"2.0\n")
        + _ar_entry(b"control.tar.xz", b"")
        + _ar_entry(name, payload)
    )


def _wheel() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in MEMBERS.items():
            archive.writestr(name, content)
    return out.getvalue()


VALID = {"deb": _deb(False), "deb.xz": _deb(True), "wheel": _wheel()}


@st.composite
def corruptions(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(VALID)))
    raw = bytearray(VALID[kind])
    how = draw(st.sampled_from(["truncate", "flip", "size field", "insert"]))
    if how == "truncate":
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            raw[draw(st.integers(0, len(raw) - 1))] ^= draw(st.integers(1, 255))
    elif how == "size field":
        start = draw(st.integers(0, len(raw) - 10))
        raw[start : start + 10] = draw(st.text("0123456789- ", min_size=10, max_size=10)).encode()
    else:
        at = draw(st.integers(0, len(raw)))
        raw[at:at] = draw(st.binary(min_size=1, max_size=64))
    event(f"{kind}: {how}")
    return kind, bytes(raw)


class _HungError(Exception):
    pass


@contextmanager
def _within(seconds: float) -> Iterator[None]:
    def alarm(signum: int, frame: FrameType | None) -> None:
        raise _HungError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@given(corruptions())
def test_a_corrupted_archive_gives_its_members_or_one_line_naming_it(case: tuple[str, bytes]) -> None:
    kind, content = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("p.whl" if kind == "wheel" else "p.deb")
        path.write_bytes(content)
        reader = read_from_wheel if kind == "wheel" else read_from_deb
        try:
            with _within(10.0):
                result = reader(path, WANTED)
        except DataError as error:
            assert str(error).startswith(f"{path}: ") and "\n" not in str(error)
        else:
            assert sorted(result) == WANTED and all(isinstance(value, bytes) for value in result.values())
        assert [p.name for p in Path(folder).iterdir()] == [path.name], "reading wrote a file"
