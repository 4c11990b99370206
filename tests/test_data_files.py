"""Reading files safely: bounded reads of regular files only (writing is tests/test_files_*.py)."""

import os
import re
from pathlib import Path

import pytest
from devices import device_node

from verified_nn.core import InvalidArgumentError
from verified_nn.data import (
    DEFAULT_DATA_LIMIT,
    LIMIT_VARIABLE,
    DataError,
    data_limit,
    open_file,
    read_file,
)


def test_read_file_returns_the_content_of_a_file_within_the_limit(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 100)
    assert read_file(tmp_path / "f", limit=100) == b"x" * 100
    assert read_file(tmp_path / "f", limit=10**12, what="model file") == b"x" * 100
    (tmp_path / "empty").write_bytes(b"")
    assert read_file(tmp_path / "empty", limit=0) == b""


def test_read_file_refuses_a_file_over_the_limit_naming_file_kind_and_limit(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 101)
    with pytest.raises(
        DataError, match=rf"^{tmp_path / 'big'}: model file of 101 bytes is over the limit of 100 bytes$"
    ):
        read_file(tmp_path / "big", limit=100, what="model file")


def test_read_file_reads_files_whose_size_the_kernel_does_not_report(tmp_path: Path) -> None:
    # /proc files say st_size 0 but have content: the reader must not trust the size, nor exceed the limit.
    status = read_file("/proc/self/status", limit=1 << 20)
    assert status.startswith(b"Name:")
    with pytest.raises(DataError, match="grew past the limit of 10 bytes while being read"):
        read_file("/proc/self/status", limit=10)


def test_missing_and_unreadable_names_give_one_line_data_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=rf"^{tmp_path / 'absent'}: no such file$"):
        read_file(tmp_path / "absent", limit=10)
    (tmp_path / "plain").write_bytes(b"")
    with pytest.raises(DataError, match=r"a component of the path is not a directory$"):
        read_file(tmp_path / "plain" / "inside", limit=10)
    with pytest.raises(DataError, match=r"not a valid file name$"):
        read_file("bad\0name", limit=10)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(DataError, match=r"too many levels of symbolic links$"):
        read_file(tmp_path / "loop", limit=10)


def test_special_files_are_refused_before_they_are_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")  # opening this for reading in blocking mode would hang
    cases = {tmp_path / "fifo": "a FIFO (named pipe)", tmp_path: "a directory"}
    device = device_node(tmp_path / "device")
    if device is not None:
        cases[device] = "a character device"
        (tmp_path / "link").symlink_to(device)  # a link is followed to what it names
        cases[tmp_path / "link"] = "a character device"
    for path, kind in cases.items():
        with pytest.raises(DataError, match="^" + re.escape(f"{path}: is {kind}, not a regular file") + "$"):
            read_file(path, limit=1 << 20)


def test_open_file_checks_the_descriptor_it_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A regular file swapped for a FIFO between the check and the open is caught on the descriptor."""
    (tmp_path / "f").write_bytes(b"data")
    os.mkfifo(tmp_path / "fifo")
    real_open = os.open

    def swapped(path: object, flags: int, *args: int) -> int:
        assert flags & os.O_NONBLOCK, "the data file must be opened without blocking"
        return real_open(tmp_path / "fifo", flags, *args)

    monkeypatch.setattr("os.open", swapped)
    with pytest.raises(DataError, match=r"f: is a FIFO \(named pipe\), not a regular file$"):
        open_file(tmp_path / "f", limit=100)


def test_a_negative_limit_is_an_invalid_argument(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="limit must be a non-negative number of bytes, got -1"):
        read_file(tmp_path, limit=-1)


def test_the_data_limit_comes_from_the_argument_the_environment_or_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LIMIT_VARIABLE, raising=False)
    assert data_limit() == DEFAULT_DATA_LIMIT == 1 << 30
    assert data_limit(5) == 5
    monkeypatch.setenv(LIMIT_VARIABLE, " 2048 ")
    assert data_limit() == 2048
    for bad in ("-1", "0", "1e9", "lots", "\uff11\uff12"):
        monkeypatch.setenv(LIMIT_VARIABLE, bad)
        with pytest.raises(InvalidArgumentError, match=rf"^{LIMIT_VARIABLE} must be a positive whole number of bytes"):
            data_limit()
    with pytest.raises(InvalidArgumentError, match="limit must be a positive number of bytes, got 0"):
        data_limit(0)
