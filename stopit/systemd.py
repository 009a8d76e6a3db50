"""Owns talking to systemd: sd_notify (READY, STATUS, WATCHDOG, STOPPING) and the watchdog's heartbeat.

Outside systemd (no $NOTIFY_SOCKET) every call is a quiet no-op, so the daemon runs the same anywhere.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable

log = logging.getLogger("stopit.systemd")


def notify(*states: str) -> bool:
    """Send `READY=1`, `STATUS=…`, `WATCHDOG=1`, `STOPPING=1` …; False outside systemd or on error."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr[0] == "@":
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(addr)
            sock.sendall("\n".join(states).encode())
    except OSError as exc:
        log.warning("cannot notify systemd at %s: %s", addr, exc)
        return False
    return True


def watchdog_interval() -> float | None:
    """Half of WatchdogSec (systemd's advice), when the watchdog is armed for this process."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000


async def heartbeat(stopping: Callable[[], bool], sleep: Callable[[float], Awaitable[None]]) -> None:
    """WATCHDOG=1 every half interval while the event loop is alive; a hung loop gets restarted."""
    interval = watchdog_interval()
    if interval is None:
        return
    while not stopping():
        notify("WATCHDOG=1")
        await sleep(interval)
