"""Owns the SQLite connection: opening it privately, named migrations, and who holds the transaction.

Transaction ownership is explicit. A method that opens its own transaction says so in its docstring
("Own transaction."); a helper that writes as part of a larger change calls `_require_tx()` first,
so that calling it outside the caller's `transaction()` is a bug that shows at once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stopit.errors import StoreError
from stopit.lock import migration_lock

# The names of the migrations in stopit/migrations.py, in order (a test keeps the two equal). Knowing
# them here lets a short-lived `stopit ingest` skip importing sqlite-utils when the schema is current.
MIGRATION_NAMES = (
    "0001_initial",
    "0002_outbox_reporter_index",
    "0003_offending",
    "0004_case_route",
    "0005_rdap_cache",
    "0006_outbox_limits",
    "0007_audit_keyed",
    "0008_staff_work",
    "0009_sender_links",
    "0010_purged_cases",
    "0011_outbox_escalation",
    "0012_case_outcome",
    "0013_case_language",
    "0014_event_detail_digest",
)


# Errors of the disk under the database and blobs (full, quota, read-only, I/O), not of a message.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _schema_is_current(conn: sqlite3.Connection) -> bool:
    try:
        applied = {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'stopit'")}
    except sqlite3.OperationalError:
        return False
    return set(MIGRATION_NAMES) <= applied


def migrate(conn: sqlite3.Connection) -> None:
    """Apply any pending named migrations (sqlite-utils' Migrations)."""
    if _schema_is_current(conn):
        return
    from sqlite_utils import Database

    from stopit.migrations import migrations

    migrations.apply(Database(conn))


def create_private(path: Path) -> None:
    """Create `path` (and its directory) readable by its owner only, whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class Database:
    """One SQLite connection. Writes happen inside `transaction()`, which takes the write lock at once."""

    # How long a write waits for another process's transaction before giving up with StoreError.
    busy_timeout: float = 30.0

    def __init__(self, path: Path, clock: Callable[[], datetime] = utcnow) -> None:
        self.path = Path(path)
        self.clock = clock
        self.blob_dir = self.path.parent / "blobs"
        try:
            if str(path) != ":memory:":
                create_private(self.path)
            conn = sqlite3.connect(str(path), timeout=self.busy_timeout, check_same_thread=False, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{path}: cannot open database: {exc}") from exc
        self.conn = conn
        # Concurrent first starts (eight piped ingests on a fresh database) take turns to migrate.
        try:
            with migration_lock(self.path):
                migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"{path}: cannot migrate the database: {exc}") from exc

    def close(self) -> None:
        self.conn.close()

    def now(self) -> str:
        return iso(self.clock())

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """All-or-nothing; BEGIN IMMEDIATE so a second process (stopit ingest) waits its turn.

        Not reentrant: opening one inside another is a bug in the caller, reported as such.
        """
        if self.conn.in_transaction:
            raise StoreError(f"{self.path}: a transaction is already open (nested transaction)")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: database is busy: {exc}") from exc
        try:
            yield self
            self._before_commit()
        except (sqlite3.OperationalError, OSError) as exc:
            self._rollback()
            if isinstance(exc, OSError) and exc.errno not in STORAGE_ERRNOS:
                raise
            # Locked, full, read-only, I/O: the storage, not the message. Callers wait and retry.
            raise StoreError(f"{self.path}: cannot write now: {exc}") from exc
        except BaseException:
            self._rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(f"{self.path}: commit failed: {exc}") from exc
        self._after_transaction(committed=True)

    def _rollback(self) -> None:
        # SQLite may already have rolled back by itself (disk full, I/O error): then there is nothing to undo.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self._after_transaction(committed=False)

    def _before_commit(self) -> None:
        """Hook: last writes of a transaction (the audit trail seals what changed)."""

    def _after_transaction(self, committed: bool) -> None:
        """Hook: after COMMIT or ROLLBACK (the audit trail moves its anchor)."""

    def _require_tx(self) -> None:
        """Writers that are part of a larger change run inside the caller's transaction, never alone."""
        if not self.conn.in_transaction:
            raise StoreError("this store method must run inside the caller's store.transaction()")

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(sql, params).fetchone()

    def _dicts(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        cur = self.conn.execute(sql, params)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]
