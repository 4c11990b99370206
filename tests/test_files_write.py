"""The one writer: complete under its name or not at all, never through a link, the old file kept on failure."""

import os
import re
import signal
from pathlib import Path

import pytest
from faults import dead_pid, killed_by, run_python

from verified_nn.files import OutputError, _write as write_module, write_output


def _listing(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_write_output_creates_and_replaces_the_file_and_leaves_no_part_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "model.bin"
    assert write_output(target, b"first", parents=True) == target
    write_output(target, b"second")
    assert target.read_bytes() == b"second"
    assert _listing(target.parent) == ["model.bin"]


def test_the_file_is_fsynced_before_the_rename_and_the_directory_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        events.append("fsync directory" if os.path.isdir(f"/proc/self/fd/{descriptor}") else "fsync file")
        real_fsync(descriptor)

    def replace(source: str, target: str) -> None:
        events.append("rename")
        real_replace(source, target)

    monkeypatch.setattr("os.fsync", fsync)
    monkeypatch.setattr("os.replace", replace)
    write_output(tmp_path / "f", b"content")
    assert events == ["fsync file", "rename", "fsync directory"]


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_a_failed_write_keeps_the_old_file_removes_its_part_file_and_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    target = tmp_path / "f"
    write_output(target, b"old")
    real_write = os.write

    def failing(*args: object) -> object:
        raise OSError(28, "No space left on device")

    def half_then_full(descriptor: int, data: bytes) -> int:  # the first half fits, then the disk is full
        monkeypatch.setattr("os.write", failing)
        return real_write(descriptor, bytes(data)[: len(data) // 2])

    monkeypatch.setattr(f"os.{where}", half_then_full if where == "write" else failing)
    with pytest.raises(OutputError) as caught:
        write_output(target, b"new content")
    assert str(caught.value) == f"{target}: cannot write (No space left on device); the previous file is unchanged"
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert _listing(tmp_path) == ["f"]


def test_a_full_disk_is_one_line_naming_the_file_and_nothing_is_left_half_written(tmp_path: Path) -> None:
    """RLIMIT_FSIZE in a child: the file system refuses bytes past 64 KiB, as a full disk would."""
    (tmp_path / "old").write_bytes(b"old")
    code = (
        "from verified_nn.files import OutputError, write_output\n"
        "for name in ('old', 'new'):\n"
        "    try:\n"
        "        write_output(name, b'x' * (1 << 20))\n"
        "    except OutputError as error:\n"
        "        print(error)\n"
    )
    result = run_python(code, cwd=tmp_path, file_size=1 << 16)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "old: cannot write (File too large); the previous file is unchanged",
        "new: cannot write (File too large); nothing was written",
    ]
    assert _listing(tmp_path) == ["old"] and (tmp_path / "old").read_bytes() == b"old"


@pytest.mark.parametrize("moment", ["while writing", "before the rename"])
def test_a_writer_killed_at_any_moment_leaves_the_old_file_whole_and_its_part_file_is_swept_later(
    tmp_path: Path, moment: str
) -> None:
    (tmp_path / "model").write_bytes(b"old")
    hook = "os.write" if moment == "while writing" else "os.replace"
    code = (
        "import os, signal\n"
        "from verified_nn.files import write_output\n"
        "real = os.write\n"
        "def killed(*args):\n"
        "    if args and isinstance(args[0], int): real(args[0], b'half')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        f"{hook} = killed\n"
        "write_output('model', b'new' * 1000)\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert killed_by(result), result
    parts = [name for name in _listing(tmp_path) if name.startswith(".model.part-")]
    assert len(parts) == 1 and (tmp_path / "model").read_bytes() == b"old"
    write_module._SWEPT.clear()  # this process has not written here yet
    write_output(tmp_path / "other", b"next")  # any write into the directory sweeps dead writers' part files
    assert _listing(tmp_path) == ["model", "other"]


def test_an_interrupt_while_writing_removes_the_part_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_output(tmp_path / "f", b"content")
    assert _listing(tmp_path) == []


def test_a_link_planted_at_the_part_files_name_is_neither_followed_nor_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"untouched")
    planted = tmp_path / ".f.part-1-00000000"
    planted.symlink_to(victim)
    monkeypatch.setattr(write_module, "part_path", lambda path: planted)
    with pytest.raises(OutputError, match=r"f: cannot write in .* \(File exists\)$"):
        write_output(tmp_path / "f", b"payload")
    assert victim.read_bytes() == b"untouched" and planted.is_symlink(), "a name we did not create is not removed"


def test_a_link_or_fifo_in_the_outputs_place_is_refused_and_left_alone(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"untouched")
    (tmp_path / "link").symlink_to(victim)
    os.mkfifo(tmp_path / "fifo")
    for name, message in (("link", "is a symbolic link"), ("fifo", r"is a FIFO \(named pipe\), not a regular file")):
        with pytest.raises(OutputError, match=rf"^{re.escape(str(tmp_path / name))}: {message}"):
            write_output(tmp_path / name, b"payload")
    assert victim.read_bytes() == b"untouched" and (tmp_path / "link").is_symlink()
    assert _listing(tmp_path) == ["fifo", "link", "victim"]


def test_a_link_planted_while_the_part_file_was_written_is_refused_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim, target = tmp_path / "victim", tmp_path / "out"
    victim.write_bytes(b"untouched")
    real_fsync = os.fsync

    def plant(descriptor: int) -> None:
        real_fsync(descriptor)
        if not target.is_symlink():
            target.symlink_to(victim)

    monkeypatch.setattr("os.fsync", plant)
    with pytest.raises(OutputError, match="is a symbolic link"):
        write_output(target, b"payload")
    assert victim.read_bytes() == b"untouched" and target.is_symlink()
    assert _listing(tmp_path) == ["out", "victim"]


def test_the_output_is_never_one_of_the_inputs(tmp_path: Path) -> None:
    model = tmp_path / "m.safetensors"
    model.write_bytes(b"model")
    with pytest.raises(OutputError, match="is the same file as the input"):
        write_output(model, b"export", inputs=[model])
    assert model.read_bytes() == b"model"


def test_a_dead_writers_part_file_is_swept_at_the_first_write_into_its_directory(tmp_path: Path) -> None:
    stale = tmp_path / f".a.part-{dead_pid()}-0123abcd"
    live = tmp_path / f".b.part-{os.getppid()}-00ff"
    for path in (stale, live):
        path.write_bytes(b"half")
    write_module._SWEPT.clear()
    write_output(tmp_path / "c", b"c")
    assert _listing(tmp_path) == [live.name, "c"]


def test_the_process_is_not_stopped_by_sigxfsz(tmp_path: Path) -> None:
    """Python ignores SIGXFSZ, so a file size limit is an error the writer reports, not a killed process."""
    result = run_python("from verified_nn.files import write_output; write_output('f', bytes(4096))", cwd=tmp_path, file_size=1024)
    assert not killed_by(result, signal.SIGXFSZ) and "File too large" in result.stderr
