"""Owns the nudge a piped `stopit ingest` gives the running daemon, so that the daemon sends at once.

The daemon listens (stopit.daemon); this module stays light, for the short-lived ingest process.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path

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
