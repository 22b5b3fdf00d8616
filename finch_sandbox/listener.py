"""Claiming the server's port before anything listens on it.

granian binds with SO_REUSEPORT, so a second server on a busy port would start anyway and the
kernel would split connections between two databases (valid tokens turning into random 401s).
`claim_port` refuses instead: a name held per port keeps two finch-sandbox servers from
starting at the same moment, and a probe bound *without* SO_REUSEPORT fails on a port that any
process already listens on. uvicorn is handed the bound socket itself (`bind_socket`).
"""

from __future__ import annotations

import contextlib
import errno
import socket
import sys
from collections.abc import Iterator


class PortInUse(Exception):
    """The port is taken; the message is one line that says by what and what to do."""


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[object, ...]]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _type, _proto, _name, address = infos[0]
    return family, address


def bind_socket(host: str, port: int, *, listen: bool = True) -> socket.socket:
    """A TCP socket bound to host:port (SO_REUSEADDR, never SO_REUSEPORT), listening unless told
    otherwise. Raises PortInUse when another process holds the port."""
    family, address = _address(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # REUSEADDR only lets us past connections of a stopped server still in TIME_WAIT; on
        # Linux it does not allow binding where a socket listens.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        if listen:
            sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(_in_use(host, port)) from None
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def _in_use(host: str, port: int, by: str = "another process") -> str:
    return (
        f"{host}:{port} is already in use by {by}; stop it, or start this one on another "
        f"port (--port or FINCH_SANDBOX_PORT)"
    )


@contextlib.contextmanager
def claim_port(host: str, port: int) -> Iterator[None]:
    """Hold the port for this process's server while the block runs, or raise PortInUse.

    Port 0 (any free port) needs no claim.
    """
    if port == 0:
        yield
        return
    with _port_lock(host, port):
        bind_socket(host, port, listen=False).close()
        yield


@contextlib.contextmanager
def _port_lock(host: str, port: int) -> Iterator[None]:
    """A name only one process can hold, for as long as the server runs: the probe alone leaves
    a moment in which two servers started together could both pass it.

    The name is a Linux abstract Unix socket: no file to leave behind, and the kernel lets go of
    it when the process ends, however it ends. Elsewhere the probe alone guards the port.
    """
    if not sys.platform.startswith("linux"):
        yield
        return
    holder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        holder.bind(f"\0finch-sandbox-port-{port}")
    except OSError as exc:
        holder.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(_in_use(host, port, "another finch-sandbox server")) from None
        raise
    try:
        yield
    finally:
        holder.close()
