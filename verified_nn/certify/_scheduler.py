"""A Dask scheduler's address, checked before any work: its form at once, then one short, bounded probe.

``distributed.Client`` retries a refused connection for 30 seconds, reads a server that is not Dask as
a frame of exabytes, and waits for a minute in its destructor after a failed start. So the address is
first parsed here (``tcp://host:port``, ``tls://host:port`` or ``host:port``; port 1-65535), then the
host is resolved and a TCP connection opened within ``timeout`` seconds, and, for ``tcp://``, the
first frame the server sends is read: a Dask scheduler greets every connection with a small handshake
(an 8-byte length, a frame count and sizes, then msgpack), which anything else fails to be. Only then
is the client started, with the same timeout.
"""

import dataclasses
import ipaddress
import re
import socket
import struct
import threading
import time
from typing import Any, Final

from ._errors import CertifyError

SCHEMES: Final = ("tcp", "tls")
DEFAULT_PORT: Final = 8786  # Dask's
DEFAULT_CONNECT_TIMEOUT: Final = 3.0  # seconds to resolve, connect and hear the scheduler's handshake
MAX_HANDSHAKE: Final = 1 << 16  # bytes: a scheduler's handshake is a few hundred
_LABEL: Final = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"  # one dot-separated part of a host name
_HOST: Final = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")


@dataclasses.dataclass(frozen=True)
class SchedulerAddress:
    """A scheduler's address, parsed: ``tcp://host:8786``."""

    scheme: str  # "tcp" or "tls"
    host: str  # a name, an IPv4 address, or an IPv6 address (without brackets)
    port: int  # 1..65535

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def _bad(text: str, why: str) -> CertifyError:
    return CertifyError(f"--scheduler {text!r}: {why}; expected an address such as tcp://host:8786")


def parse_address(text: str) -> SchedulerAddress:
    """``text`` as a :class:`SchedulerAddress`, or CertifyError naming ``--scheduler`` and what is wrong.

    Accepted: ``tcp://host:port``, ``tls://host:port``, ``host:port`` (tcp), ``[IPv6]:port``; without a
    port, Dask's 8786.
    """
    if not isinstance(text, str) or not text.strip() or not text.isprintable() or len(text) > 300:
        raise _bad(str(text)[:300], "not an address")
    scheme, separator, rest = text.strip().partition("://")
    if not separator:
        scheme, rest = "tcp", text.strip()
    if scheme not in SCHEMES:
        raise _bad(text, f"the scheme {scheme!r} is not one of {', '.join(SCHEMES)}")
    if rest.startswith("["):  # [IPv6]:port
        host, bracket, tail = rest[1:].partition("]")
        if not bracket or (tail and not tail.startswith(":")):
            raise _bad(text, "an IPv6 address is written [address]:port")
        port_text = tail[1:] if tail else None
    elif rest.count(":") > 1:
        raise _bad(text, "an IPv6 address is written [address]:port")
    else:
        host, colon, after = rest.partition(":")
        port_text = after if colon else None
    if not host:
        raise _bad(text, "no host")
    if not _valid_host(host):
        raise _bad(text, f"{host!r} is not a host name or IP address")
    if port_text is None:
        return SchedulerAddress(scheme=scheme, host=host, port=DEFAULT_PORT)
    valid = port_text.isascii() and port_text.isdigit() and len(port_text) <= 5 and 1 <= int(port_text) <= 65535
    if not valid:
        raise _bad(text, "the port must be a number from 1 to 65535")
    return SchedulerAddress(scheme=scheme, host=host, port=int(port_text))


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return len(host) <= 253 and _HOST.fullmatch(host) is not None


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.001)


def _resolve(address: SchedulerAddress, deadline: float, timeout: float) -> list[Any]:
    """``getaddrinfo`` before the deadline (it has no timeout of its own: it runs in a daemon thread)."""
    found: list[Any] = []
    failure: list[BaseException] = []

    def resolve() -> None:
        try:
            found.extend(socket.getaddrinfo(address.host, address.port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as error:
            failure.append(error)

    worker = threading.Thread(target=resolve, daemon=True)
    worker.start()
    worker.join(_left(deadline))
    if worker.is_alive():
        raise CertifyError(f"--scheduler {address}: cannot resolve {address.host} within {timeout:g} s")
    if failure or not found:
        reason = (getattr(failure[0], "strerror", None) or str(failure[0])) if failure else "no address"
        raise CertifyError(f"--scheduler {address}: cannot resolve {address.host} ({reason})")
    return found


def _receive(connection: socket.socket, count: int, address: SchedulerAddress, deadline: float) -> bytes:
    data = b""
    while len(data) < count:
        connection.settimeout(_left(deadline))
        try:
            chunk = connection.recv(count - len(data))
        except TimeoutError:
            raise CertifyError(
                f"--scheduler {address}: no Dask handshake in time: not a Dask scheduler "
                "(or one too busy to answer: raise --connect-timeout)"
            ) from None
        except OSError as error:
            raise CertifyError(f"--scheduler {address}: the connection failed ({error.strerror or error})") from None
        if not chunk:
            raise CertifyError(f"--scheduler {address}: the server closed the connection: not a Dask scheduler")
        data += chunk
    return data


def _check_handshake(connection: socket.socket, address: SchedulerAddress, deadline: float) -> None:
    """Read the frame a Dask scheduler sends first and check that it is one: sizes that add up, then msgpack."""
    header = _receive(connection, 16, address, deadline)
    total, frames = struct.unpack("<QQ", header)
    if not (16 <= total <= MAX_HANDSHAKE and 1 <= frames <= 64 and total >= 8 + 8 * frames):
        shown = header.decode("ascii", "backslashreplace")
        raise CertifyError(f"--scheduler {address}: not a Dask scheduler (it sent {shown!r}, not a Dask handshake)")
    rest = _receive(connection, total - 8, address, deadline)
    sizes = struct.unpack(f"<{frames}Q", rest[: 8 * frames])
    if sum(sizes) != total - 8 - 8 * frames:
        raise CertifyError(f"--scheduler {address}: not a Dask scheduler (its first frame does not add up)")
    import msgpack  # type: ignore[import-untyped, unused-ignore]  # distributed's own dependency, untyped

    start, decoded = 8 * frames, []
    for size in sizes:
        try:
            decoded.append(msgpack.unpackb(rest[start : start + size], raw=False, strict_map_key=False))
        except Exception:  # msgpack raises several types for bytes that are not msgpack
            decoded.append(None)
        start += size
    if not any(isinstance(item, dict) for item in decoded):
        raise CertifyError(f"--scheduler {address}: not a Dask scheduler (its handshake is not a Dask message)")


def probe_scheduler(address: SchedulerAddress, *, timeout: float = DEFAULT_CONNECT_TIMEOUT) -> None:
    """Resolve, connect and (for tcp) hear a Dask handshake within ``timeout`` seconds in all, else CertifyError
    saying which step failed: a refused port, an unreachable host or a silent server costs at most ``timeout``."""
    deadline = time.monotonic() + timeout
    last: OSError | None = None
    for family, kind, protocol, _, target in _resolve(address, deadline, timeout)[:4]:
        connection = socket.socket(family, kind, protocol)
        try:
            connection.settimeout(_left(deadline))
            connection.connect(target)
        except TimeoutError:
            connection.close()
            raise CertifyError(f"--scheduler {address}: no answer within {timeout:g} s (--connect-timeout)") from None
        except OSError as error:
            connection.close()
            last = error
            continue
        try:
            if address.scheme == "tcp":
                _check_handshake(connection, address, deadline)
        finally:
            connection.close()
        return
    reason = (last.strerror or str(last)) if last is not None else "no address to connect to"
    raise CertifyError(f"--scheduler {address}: cannot connect ({reason.lower()})")
