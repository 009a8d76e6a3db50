"""Owns the advisory file locks beside the database: one migrator at a time, one daemon per database.

flock(2) locks belong to an open file and vanish with the process, so a crash never leaves a stale
lock behind; a lock file that exists with nobody holding it means nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
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
    """The one `stopit run` on a database holds this for its lifetime; its pid is written inside."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database, "daemon")
        self.handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise StoreError naming the running daemon's pid."""
        try:
            handle = _open(self.path)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open the daemon lock: {exc}") from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = handle.read().strip() or "?"
            handle.close()
            raise StoreError(
                f"another stopit daemon (pid {pid}) already runs on {self.path.parent}; refusing to start a second"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle

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
            text = handle.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None
