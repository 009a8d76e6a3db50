"""Owns the advisory file locks beside the database: one migrator at a time, one daemon per database.

flock(2) locks belong to an open file and vanish with the process, so a crash never leaves a stale
lock behind; a lock file that exists with nobody holding it means nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from stopit.errors import StoreError


def lock_path(database: Path, purpose: str) -> Path:
    """`stopit.db` → `stopit.db.<purpose>.lock`, beside it in the state directory."""
    return database.with_name(f"{database.name}.{purpose}.lock")


def _open(path: Path) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    return os.fdopen(fd, "r+", encoding="ascii")


@contextlib.contextmanager
def migration_lock(database: Path) -> Iterator[None]:
    """Held while the schema is checked and migrated: concurrent first starts take turns."""
    if str(database) == ":memory:":
        yield
        return
    try:
        handle = _open(lock_path(database, "migrate"))
    except OSError as exc:
        raise StoreError(f"{database}: cannot take the migration lock: {exc}") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class DaemonLock:
    """The one processor of a database holds this: `stopit run` for its lifetime, or a piped `stopit
    ingest` (role "ingest") while no daemon runs. Its pid and role are written inside."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database, "daemon")
        self.handle: IO[str] | None = None

    def acquire(self, role: str = "daemon", wait: float = 30.0) -> None:
        """Take the lock, or raise StoreError naming the running daemon's pid.

        A daemon holding it refuses at once; a short-lived holder (an ingest processing what it
        stored) is waited for, up to `wait` seconds.
        """
        try:
            handle = _open(self.path)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open the daemon lock: {exc}") from exc
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                pid, _, holder = handle.read().strip().partition(" ")
                if (holder or "daemon") == "daemon" or time.monotonic() >= deadline:
                    handle.close()
                    raise StoreError(
                        f"another stopit {holder or 'daemon'} (pid {pid or '?'}) already runs on "
                        f"{self.path.parent}; refusing to start a second"
                    ) from None
                time.sleep(0.05)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {role}\n")
        handle.flush()
        self.handle = handle

    def try_acquire(self, role: str) -> bool:
        """Take the lock if nobody holds it; False when a daemon or another processor does."""
        try:
            self.acquire(role, wait=0.0)
        except StoreError:
            return False
        return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def daemon_pid(database: Path) -> int | None:
    """The pid of the daemon holding the lock on `database`, or None when no daemon runs."""
    path = lock_path(database, "daemon")
    try:
        handle = open(path, encoding="ascii")  # noqa: SIM115 - closed below on every path
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pid, _, role = handle.read().strip().partition(" ")
            if role and role != "daemon":
                return None  # a piped ingest processing its message, not a daemon
            return int(pid) if pid.isdigit() else -1
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None
