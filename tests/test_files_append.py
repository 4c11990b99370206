"""The append-only log: earlier lines survive kills and full disks, links and FIFOs are refused."""

import os
import re
from pathlib import Path

import pytest
from faults import killed_by, run_python

from verified_nn.files import AppendFile, OutputError


def test_lines_are_appended_after_what_the_file_holds(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    with AppendFile(log) as first:
        first.write_line("one")
    with AppendFile(log) as second:
        second.write_line("two")
        second.write_line("caf\u00e9 \udcff")  # not UTF-8 encodable: escaped, never an error
    assert log.read_bytes() == b"one\ntwo\ncaf\xc3\xa9 \\udcff\n"


def test_a_line_cut_short_by_a_killed_writer_is_ended_before_the_next_one(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    log.write_bytes(b"whole\ncut sho")
    with AppendFile(log) as file:
        file.write_line("next")
    assert log.read_bytes() == b"whole\ncut sho\nnext\n"


def test_links_fifos_and_directories_are_refused_without_blocking(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    (tmp_path / "link.log").symlink_to(victim)
    (tmp_path / "dangling.log").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "fifo.log")
    (tmp_path / "dir.log").mkdir()
    cases = {
        "link.log": "is a symbolic link",
        "dangling.log": "is a symbolic link",
        "fifo.log": r"is a FIFO \(named pipe\), not a regular file",
        "dir.log": "is a directory, not a regular file",
    }
    for name, message in cases.items():
        with pytest.raises(OutputError, match=rf"^{re.escape(str(tmp_path / name))}: {message}"):
            AppendFile(tmp_path / name)
    assert victim.read_text() == "untouched\n" and not (tmp_path / "nowhere").exists()


def test_a_fifo_swapped_in_after_the_check_is_not_opened_in_blocking_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.mkfifo(tmp_path / "fifo")
    real_open = os.open

    def swapped(path: object, flags: int, *args: int) -> int:
        assert flags & os.O_NONBLOCK and flags & os.O_NOFOLLOW
        return real_open(tmp_path / "fifo", flags, *args)

    monkeypatch.setattr("os.open", swapped)
    with pytest.raises(OutputError, match=r"run.log: is a FIFO \(named pipe\), not a regular file$"):
        AppendFile(tmp_path / "run.log")


def test_a_full_disk_keeps_every_earlier_line_and_leaves_no_half_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "run.log"
    file = AppendFile(log)
    file.write_line("kept")
    real_write = os.write

    def half_then_full(descriptor: int, data: bytes) -> int:
        def full(*args: object) -> int:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("os.write", full)
        return real_write(descriptor, bytes(data)[:3])

    monkeypatch.setattr("os.write", half_then_full)
    with pytest.raises(OutputError) as caught:
        file.write_line("lost line")
    assert str(caught.value) == (
        f"{log}: cannot append (No space left on device); the lines written before are kept"
    )
    monkeypatch.undo()
    file.write_line("after")
    file.close()
    file.close()
    assert log.read_text() == "kept\nafter\n"


def test_a_file_size_limit_and_a_kill_each_leave_only_whole_earlier_lines(tmp_path: Path) -> None:
    code = (
        "from verified_nn.files import AppendFile, OutputError\n"
        "log = AppendFile('run.log')\n"
        "try:\n"
        "    for i in range(100000):\n"
        "        log.write_line(f'line {i:06d} ' + 'x' * 50)\n"
        "except OutputError as error:\n"
        "    print(error)\n"
    )
    result = run_python(code, cwd=tmp_path, file_size=10_000)
    assert result.stdout == "run.log: cannot append (File too large); the lines written before are kept\n"
    lines = (tmp_path / "run.log").read_text().split("\n")
    assert lines[-1] == "" and all(re.fullmatch(r"line \d{6} x{50}", line) for line in lines[:-1])
    assert len(lines) - 1 == 10_000 // 63
    kill = (
        "import os, signal\n"
        "from verified_nn.files import AppendFile\n"
        "log = AppendFile('run.log')\n"
        "log.write_line('before the kill')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    assert killed_by(run_python(kill, cwd=tmp_path))
    assert (tmp_path / "run.log").read_text().endswith("x" * 50 + "\nbefore the kill\n")
