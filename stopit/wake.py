"""Owns the nudge a piped `stopit ingest` gives the running daemon, so that the daemon sends at once.

Both ends live here: `poke` for the short-lived ingest process (so this module imports nothing
heavy at the top) and `listen_for_pokes` for the daemon's event loop.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger("stopit.wake")

SOCKET_NAME = "wake.sock"
# AF_UNIX paths are limited to 107 bytes on Linux.
MAX_PATH = 107


def socket_path(state_dir: Path) -> Path:
    return state_dir / SOCKET_NAME


def poke(state_dir: Path, what: bytes = b"stored") -> bool:
    """Tell a daemon listening beside the database that work is waiting; False if none listens."""
    path = socket_path(state_dir)
    if len(str(path)) > MAX_PATH or not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(str(path))
            sock.send(what)
    except OSError:
        return False
    return True


async def listen_for_pokes(state_dir: Path, on_poke: Callable[[], None]) -> asyncio.BaseTransport | None:
    """Listen for `stopit ingest`'s pokes; None when the socket path cannot be used."""
    import asyncio
    import os

    class Listener(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: object) -> None:
            on_poke()

    path = socket_path(state_dir)
    if len(str(path)) > MAX_PATH:
        log.warning("%s is too long for a socket; piped reports wait for the next outbox sweep", path)
        return None
    path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    sock.bind(str(path))
    os.chmod(path, 0o660)
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(Listener, sock=sock)
    return transport
