"""``certify --scheduler``: the address's form checked at once, a refused port, a silent server and a server
that is not Dask refused within the connect timeout, each in one line naming --scheduler; servers started
here on loopback."""

import contextlib
import re
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from faults import one_line, run_command

from verified_nn.certify import CertifyError, SchedulerAddress, map_on_cluster, parse_address, probe_scheduler

pytest.importorskip("distributed")

# Refused by a fail-fast command well before it: the commands took 33 s (a refused port) and 62-65 s (a
# malformed address) before; each now answers within --connect-timeout (1 s here) plus the start of Python.
BOUND = 30.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tcp://127.0.0.1:8786", SchedulerAddress("tcp", "127.0.0.1", 8786)),
        ("localhost:1", SchedulerAddress("tcp", "localhost", 1)),
        ("tls://scheduler.example.org:443", SchedulerAddress("tls", "scheduler.example.org", 443)),
        ("[::1]:9", SchedulerAddress("tcp", "::1", 9)),
        ("tcp://host", SchedulerAddress("tcp", "host", 8786)),
    ],
)
def test_addresses_of_the_documented_forms_are_parsed(text: str, expected: SchedulerAddress) -> None:
    assert parse_address(text) == expected and parse_address(str(expected)) == expected


BAD = {
    "tcp://::::": "an IPv6 address is written",
    "udp://host:1": "the scheme 'udp' is not one of tcp, tls",
    "inproc://127.0.0.1/1/1": "the scheme 'inproc' is not one of tcp, tls",
    "tcp://:8786": "no host",
    "tcp://a b:1": "'a b' is not a host name or IP address",
    "tcp://h:0": "the port must be a number from 1 to 65535",
    "tcp://h:65536": "the port must be a number from 1 to 65535",
    "tcp://h:12/path": "the port must be a number",
    "tcp://h:-1": "the port must be a number",
    "tcp://[::1": "an IPv6 address is written",
    "": "not an address",
    "tcp://h\x00:1": "not an address",
    "x" * 400: "not an address",
}


@pytest.mark.parametrize("text", list(BAD))
def test_malformed_addresses_are_refused_at_once_naming_the_option(text: str) -> None:
    with pytest.raises(CertifyError, match=r"^--scheduler .*: " + BAD[text].replace("(", r"\(").replace(")", r"\)")):
        parse_address(text)


def _server(respond: Callable[[socket.socket], None]) -> Iterator[int]:
    """A TCP server on loopback that hands each connection to ``respond``; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    connections: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(connection)
            with contextlib.suppress(OSError):
                respond(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for connection in connections:
            connection.close()


@pytest.fixture
def garbage_port() -> Iterator[int]:
    """Speaks HTTP, as a web server on the scheduler's port would."""
    yield from _server(lambda c: c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))


@pytest.fixture
def huge_frame_port() -> Iterator[int]:
    """Announces a frame of 3 EiB, as the issue's non-Dask server was read."""
    yield from _server(lambda c: c.sendall((3 << 60).to_bytes(8, "little") + b"\x01" + bytes(7)))


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts and says nothing."""
    yield from _server(lambda c: None)


@pytest.fixture
def closing_port() -> Iterator[int]:
    """Accepts and hangs up."""
    yield from _server(lambda c: c.close())


@pytest.fixture
def refused_port() -> int:
    """A loopback port nothing listens on (bound then closed: the kernel refuses connections to it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _certify(tmp_path: Path, scheduler: str) -> subprocess.CompletedProcess[str]:
    command = ["certify", "absent.safetensors", "--eps", "0.01", "--scheduler", scheduler, "--connect-timeout", "1"]
    return run_command(command, cwd=tmp_path, timeout=BOUND)


@pytest.mark.parametrize(
    ("server", "message"),
    [
        ("refused_port", r"cannot connect \(connection refused\)"),
        ("garbage_port", r"not a Dask scheduler \(it sent 'HTTP/1.1 400 Bad', not a Dask handshake\)"),
        ("huge_frame_port", r"not a Dask scheduler \(it sent"),
        ("silent_port", r"no Dask handshake in time: not a Dask scheduler \(or one too busy to answer: raise --connect-timeout\)"),
        ("closing_port", r"the server closed the connection: not a Dask scheduler"),
    ],
)
def test_a_server_that_is_not_a_scheduler_is_one_line_within_the_timeout(
    tmp_path: Path, request: pytest.FixtureRequest, server: str, message: str
) -> None:
    port = request.getfixturevalue(server)
    result = _certify(tmp_path, f"tcp://127.0.0.1:{port}")
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith(f"verified-nn: error: --scheduler tcp://127.0.0.1:{port}: ")
    assert re.search(message, line), line


@pytest.mark.parametrize("text", ["tcp://::::", "tcp://127.0.0.1:99999", "nonsense://x", "tcp://h:1/x"])
def test_a_malformed_address_is_refused_by_the_command_before_anything_else(tmp_path: Path, text: str) -> None:
    result = _certify(tmp_path, text)
    assert result.returncode == 2 and one_line(result).startswith(f"verified-nn: error: --scheduler {text!r}: ")


def test_an_unresolvable_host_and_a_bad_timeout_are_one_line(tmp_path: Path) -> None:
    result = _certify(tmp_path, "tcp://no-such-host.invalid:8786")
    assert result.returncode == 2 and "--scheduler tcp://no-such-host.invalid:8786: cannot resolve" in one_line(result)
    for value in ("0", "-1", "nan", "inf", "61"):
        command = ["certify", "m", "--eps", "0.01", "--scheduler", "tcp://127.0.0.1:1", "--connect-timeout", value]
        result = run_command(command, cwd=tmp_path, timeout=BOUND)
        assert "--connect-timeout must lie in (0, 60] seconds" in one_line(result)


def test_the_library_refuses_a_bad_scheduler_the_same_way(refused_port: int, silent_port: int) -> None:
    with pytest.raises(CertifyError, match=r"cannot connect \(connection refused\)"):
        probe_scheduler(parse_address(f"127.0.0.1:{refused_port}"), timeout=1)
    with pytest.raises(CertifyError, match=r"no Dask handshake in time"):
        probe_scheduler(parse_address(f"127.0.0.1:{silent_port}"), timeout=0.5)


def test_verify_spec_and_the_map_every_cluster_command_uses_fail_fast_too(
    tmp_path: Path, refused_port: int, silent_port: int
) -> None:
    """verify-spec --scheduler went straight to distributed's client: 30 s of retries on a refused port."""
    pytest.importorskip("distributed")
    (tmp_path / "i.csv").write_text("m.onnx,p.vnnlib,5\n")
    for scheduler, message in ((f"tcp://127.0.0.1:{refused_port}", "cannot connect"), ("tcp://h:0", "the port must be")):
        command = ["verify-spec", "--instances", "i.csv", "--results", "r.csv", "--scheduler", scheduler]
        result = run_command(command, cwd=tmp_path, timeout=BOUND)
        assert result.returncode == 2 and message in one_line(result) and "--scheduler" in one_line(result)
        assert not (tmp_path / "r.csv").exists()
    with pytest.raises(CertifyError, match=r"no Dask handshake in time"):
        map_on_cluster(abs, [1], scheduler=f"tcp://127.0.0.1:{silent_port}", purpose="test", connect_timeout=0.5)
