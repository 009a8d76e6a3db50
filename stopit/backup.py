"""Owns backups and schema upgrades seen from outside: a consistent copy while the daemon runs, pending migrations.

A backup is a directory: `stopit.db` written by SQLite's online backup API (a consistent snapshot,
even mid-write), plus every blob that snapshot refers to. Blobs are content-addressed and never
rewritten, and each is on disk before the row naming it commits, so copying the blobs the snapshot
names — after taking the snapshot — gives a consistent pair. Only `stopit purge` deletes blobs: one
that vanishes mid-copy means a newer snapshot is taken, in which its rows are gone too.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from stopit.errors import StoreError

# Every column that names a blob file, relative to the database's directory.
BLOB_COLUMNS = (("messages", "blob_path"), ("offending", "blob_path"))
# The audit chain's key and its last anchored head live beside the database (stopit.store.events):
# without the key a restored event log cannot be verified.
AUDIT_KEY, AUDIT_HEAD = "audit.key", "audit.head"
# The secret that signs our Message-IDs when the site gives none (stopit.tokens): replies to mail
# sent before a restore are threaded to their cases only with the same secret.
SECRETS_BESIDE = (AUDIT_KEY, "desk.secret")


@dataclass(frozen=True)
class BackupResult:
    database: Path
    db_bytes: int
    blobs: int
    blob_bytes: int


def _read_only(database: Path) -> sqlite3.Connection:
    if not database.exists():
        raise StoreError(f"no database at {database} (check desk.database)")
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)


def _blob_paths(conn: sqlite3.Connection) -> list[str]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    found: set[str] = set()
    for table, column in BLOB_COLUMNS:
        if table in tables:
            sql = f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"
            found.update(r[0] for r in conn.execute(sql))
    return sorted(found)


class _BlobGone(Exception):
    """A blob the snapshot names was removed meanwhile (`stopit purge`): take a newer snapshot."""


def backup(database: Path, target: Path, attempts: int = 3) -> BackupResult:
    """Write a consistent copy of `database` and its blobs into the new or empty directory `target`."""
    if target.exists() and any(target.iterdir()):
        raise StoreError(f"{target}: exists and is not empty (give a new directory)")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    for attempt in range(attempts):
        try:
            return _backup_once(database, target)
        except _BlobGone as gone:
            for item in target.iterdir():
                shutil.rmtree(item) if item.is_dir() else item.unlink()
            if attempt == attempts - 1:
                raise StoreError(f"{gone}: blobs keep disappearing (a purge running?); try again later") from None
    raise AssertionError("unreachable")


def _backup_once(database: Path, target: Path) -> BackupResult:
    copy = target / database.name
    source = _read_only(database)
    # The head first: it may only name an event the snapshot taken next already holds.
    _copy_beside(database, target, AUDIT_HEAD)
    try:
        dest = sqlite3.connect(str(copy))
        try:
            source.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{database}: backup failed: {exc}") from exc
    finally:
        source.close()
    copy.chmod(0o600)
    # The blobs the snapshot names, read from the copy: rows committed after the snapshot are not in it.
    snapshot = sqlite3.connect(str(copy))
    try:
        paths = _blob_paths(snapshot)
    finally:
        snapshot.close()
    blob_bytes = 0
    for relative in paths:
        src, dst = database.parent / relative, target / relative
        dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            shutil.copyfile(src, dst)
        except FileNotFoundError:
            raise _BlobGone(str(src)) from None
        except OSError as exc:
            raise StoreError(f"{src}: cannot copy blob: {exc}") from exc
        if hashlib.sha256(dst.read_bytes()).hexdigest() != Path(relative).name:
            raise StoreError(f"{src}: blob does not match its SHA-256 name; the backup is not trustworthy")
        blob_bytes += dst.stat().st_size
    for name in SECRETS_BESIDE:
        _copy_beside(database, target, name)
    return BackupResult(copy, copy.stat().st_size, len(paths), blob_bytes)


def _copy_beside(database: Path, target: Path, name: str) -> None:
    source = database.parent / name
    if source.is_file():
        shutil.copyfile(source, target / name)
        (target / name).chmod(0o600)


def pending_migrations(database: Path) -> list[str]:
    """The names of the migrations `stopit run` would apply to `database` (read-only)."""
    from sqlite_utils import Database

    from stopit.migrations import migrations

    conn = _read_only(database)
    try:
        return [m.name for m in migrations.pending(Database(conn))]
    finally:
        conn.close()
