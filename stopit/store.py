"""Owns the SQLite database: raw messages byte-exact, cases, hash-chained events, outbox, quarantine."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stopit.errors import StoreError
from stopit.models import Delivery, Envelope, Offending, OutgoingMail, RawMessage

INLINE_BLOB_LIMIT = 1024 * 1024
GENESIS_HASH = "0" * 64

# The names of the migrations in stopit/migrations.py, in order (a test keeps the two equal). Knowing
# them here lets a short-lived `stopit ingest` skip importing sqlite-utils when the schema is current.
MIGRATION_NAMES = ("0001_initial", "0002_outbox_reporter_index", "0003_offending", "0004_case_route", "0005_rdap_cache")


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


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, at: str, case_id: int | None, type_: str, detail: str) -> str:
    payload = json.dumps([prev_hash, at, case_id, type_, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Stored:
    """The row an incoming message got, and whether this call created it."""

    row_id: int
    state: str
    is_new: bool
    case_id: int | None


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    count: int
    first_bad_id: int | None
    problem: str


def _create_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class Store:
    """One SQLite database. Writes happen inside `transaction()`, which takes the write lock at once."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = utcnow) -> None:
        self.path = Path(path)
        self.clock = clock
        self.blob_dir = self.path.parent / "blobs"
        try:
            if str(path) != ":memory:":
                _create_private(self.path)
            conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{path}: cannot open database: {exc}") from exc
        self.conn = conn
        migrate(conn)

    def close(self) -> None:
        self.conn.close()

    def now(self) -> str:
        return iso(self.clock())

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """All-or-nothing; BEGIN IMMEDIATE so a second process (stopit ingest) waits its turn."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: database is busy: {exc}") from exc
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self.conn.execute("ROLLBACK")
                raise StoreError(f"{self.path}: commit failed: {exc}") from exc

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | tuple | None:
        return self.conn.execute(sql, params).fetchone()

    # --- raw bytes --------------------------------------------------------------------------

    def _put_blob(self, sha256: str, data: bytes) -> tuple[bytes | None, str | None]:
        if len(data) <= INLINE_BLOB_LIMIT:
            return data, None
        target = self.blob_dir / sha256[:2] / sha256
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = target.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        return None, str(target.relative_to(self.path.parent))

    def raw_bytes(self, row_id: int) -> bytes:
        row = self._one("SELECT blob, blob_path FROM messages WHERE id = ?", (row_id,))
        if row is None:
            raise StoreError(f"no message row {row_id}")
        blob, blob_path = row
        if blob is not None:
            return bytes(blob)
        return (self.path.parent / blob_path).read_bytes()

    def row_for_sha256(self, sha256: str) -> int | None:
        row = self._one("SELECT id FROM messages WHERE direction='in' AND sha256=?", (sha256,))
        return row[0] if row else None

    def store_incoming(self, raw: RawMessage) -> Stored:
        """Keep the exact bytes first, before anything else looks at them; idempotent by SHA-256."""
        with self.transaction():
            row = self._one(
                "SELECT id, state, case_id FROM messages WHERE direction='in' AND sha256=?",
                (raw.sha256,),
            )
            if row:
                return Stored(row[0], row[1], False, row[2])
            blob, blob_path = self._put_blob(raw.sha256, raw.data)
            cur = self.conn.execute(
                "INSERT INTO messages (direction, state, sha256, size, origin, at, blob, blob_path)"
                " VALUES ('in', 'received', ?, ?, ?, ?, ?, ?)",
                (raw.sha256, raw.size, raw.origin, self.now(), blob, blob_path),
            )
            self.add_event(None, "message.received", f"{raw.sha256} {raw.size} bytes via {raw.origin}")
            return Stored(int(cur.lastrowid or 0), "received", True, None)

    def describe_incoming(self, row_id: int, env: Envelope, kind: str) -> None:
        self.conn.execute(
            "UPDATE messages SET kind=?, subject=?, from_addr=?, to_addrs=?, message_id=? WHERE id=?",
            (
                kind,
                env.subject,
                env.from_.address if env.from_ else "",
                json.dumps([a.address for a in env.to]),
                env.message_id,
                row_id,
            ),
        )

    def set_state(self, row_id: int, state: str, case_id: int | None = None) -> None:
        self.conn.execute(
            "UPDATE messages SET state=?, case_id=COALESCE(?, case_id) WHERE id=?",
            (state, case_id, row_id),
        )

    def unfinished_incoming(self) -> list[int]:
        """Rows stored but never finished (a crash between storing and committing the plan)."""
        return [
            r[0]
            for r in self.conn.execute("SELECT id FROM messages WHERE direction='in' AND state='received' ORDER BY id")
        ]

    # --- mailbox positions ------------------------------------------------------------------

    def record_source(self, key: str, sha256: str) -> None:
        self.conn.execute("INSERT OR IGNORE INTO sources (key, sha256, at) VALUES (?, ?, ?)", (key, sha256, self.now()))

    # --- facts for the planner --------------------------------------------------------------

    def case_for_message_ids(self, ids: tuple[str, ...]) -> int | None:
        """The case of the newest of our own messages among `ids`; others' threads never join a case."""
        for message_id in reversed(ids):
            row = self._one(
                "SELECT case_id FROM messages WHERE message_id=? AND direction='out' AND case_id IS NOT NULL LIMIT 1",
                (message_id,),
            )
            if row:
                return int(row[0])
        return None

    def acks_since(self, address: str, since: datetime) -> int:
        row = self._one(
            "SELECT COUNT(*) FROM outbox WHERE audience='reporter' AND rcpt_to=? AND created_at >= ?",
            (json.dumps([address.lower()]), iso(since)),
        )
        return int(row[0]) if row else 0

    # --- cases and events -------------------------------------------------------------------

    def open_case(self, queue: str, reporter: str, subject: str, report_sha256: str) -> int:
        now = self.now()
        cur = self.conn.execute(
            "INSERT INTO cases (queue, reporter, subject, created_at, updated_at, report_sha256)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (queue, reporter, subject, now, now, report_sha256),
        )
        return int(cur.lastrowid or 0)

    def update_case(self, case_id: int, **fields: Any) -> None:
        fields["updated_at"] = self.now()
        assignments = ", ".join(f"{name}=?" for name in fields)
        self.conn.execute(f"UPDATE cases SET {assignments} WHERE id=?", (*fields.values(), case_id))

    def add_event(self, case_id: int | None, type_: str, detail: str = "") -> None:
        """Append one event; its hash covers the previous one, so any later edit shows."""
        row = self._one("SELECT hash FROM events ORDER BY id DESC LIMIT 1")
        prev = row[0] if row else GENESIS_HASH
        at = self.now()
        self.conn.execute(
            "INSERT INTO events (at, case_id, type, detail, prev_hash, hash) VALUES (?,?,?,?,?,?)",
            (at, case_id, type_, detail, prev, event_hash(prev, at, case_id, type_, detail)),
        )

    def verify_chain(self) -> ChainCheck:
        prev = GENESIS_HASH
        count = 0
        for id_, at, case_id, type_, detail, prev_hash, hash_ in self.conn.execute(
            "SELECT id, at, case_id, type, detail, prev_hash, hash FROM events ORDER BY id"
        ):
            count += 1
            if prev_hash != prev:
                return ChainCheck(False, count, id_, "previous-hash link broken (row removed?)")
            if event_hash(prev, at, case_id, type_, detail) != hash_:
                return ChainCheck(False, count, id_, "contents do not match their hash (edited?)")
            prev = hash_
        return ChainCheck(True, count, None, "")

    # --- offending messages -----------------------------------------------------------------

    def add_offending(self, case_id: int | None, message_row: int, position: int, item: Offending) -> None:
        """One offending message found in an incoming message, with its exact bytes where they exist."""
        blob, blob_path, sha256 = None, None, None
        if item.raw is not None:
            sha256 = hashlib.sha256(item.raw).hexdigest()
            blob, blob_path = self._put_blob(sha256, item.raw)
        self.conn.execute(
            "INSERT INTO offending (case_id, message_row, position, source, from_addr, subject,"
            " message_id, headers_complete, sha256, blob, blob_path, fields)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                case_id,
                message_row,
                position,
                item.source,
                (item.from_.address if item.from_ else "").lower(),
                item.subject,
                item.message_id,
                int(item.headers_complete),
                sha256,
                blob,
                blob_path,
                json.dumps(item.to_json(), ensure_ascii=False),
            ),
        )

    def offending_for_case(self, case_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT fields FROM offending WHERE case_id=? ORDER BY message_row, position", (case_id,)
        )
        return [json.loads(r[0]) for r in rows]

    def cases_for_senders(self, addresses: list[str]) -> tuple[int, ...]:
        """Earlier cases in which any of these addresses sent an offending message."""
        wanted = [a.lower() for a in addresses if a]
        if not wanted:
            return ()
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(
            f"SELECT DISTINCT case_id FROM offending WHERE from_addr IN ({marks}) AND case_id IS NOT NULL"
            " ORDER BY case_id",
            wanted,
        )
        return tuple(r[0] for r in rows)

    def offending_bytes(self, sha256: str) -> bytes | None:
        row = self._one("SELECT blob, blob_path FROM offending WHERE sha256=? LIMIT 1", (sha256,))
        if row is None:
            return None
        return bytes(row[0]) if row[0] is not None else (self.path.parent / row[1]).read_bytes()

    # --- RDAP answers -------------------------------------------------------------------------

    def rdap_cached(self, ip: str, max_age: timedelta) -> dict[str, Any] | None:
        row = self._one("SELECT data, fetched_at FROM rdap_cache WHERE ip=?", (ip,))
        if row is None or datetime.fromisoformat(row[1]) < self.clock() - max_age:
            return None
        return json.loads(row[0])

    def rdap_save(self, ip: str, data: dict[str, Any]) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO rdap_cache (ip, data, fetched_at) VALUES (?, ?, ?)",
                (ip, json.dumps(data), self.now()),
            )

    def handoffs_without_rdap(self, since: datetime, max_age: timedelta) -> list[tuple[int, str]]:
        """(case, handoff address) of recent offending messages whose network is not yet looked up."""
        out = []
        rows = self.conn.execute(
            "SELECT o.case_id, o.fields FROM offending o JOIN cases c ON c.id = o.case_id WHERE c.created_at >= ?",
            (iso(since),),
        )
        for case_id, fields in rows:
            ip = (json.loads(fields).get("trace") or {}).get("handoff_ip")
            if ip and self.rdap_cached(ip, max_age) is None and (case_id, ip) not in out:
                out.append((case_id, ip))
        return out

    # --- outbox -----------------------------------------------------------------------------

    def add_outgoing(self, mail: OutgoingMail, case_id: int | None) -> int:
        sha256 = hashlib.sha256(mail.data).hexdigest()
        blob, blob_path = self._put_blob(sha256, mail.data)
        now = self.now()
        cur = self.conn.execute(
            "INSERT INTO messages (direction, kind, state, sha256, size, subject, from_addr,"
            " to_addrs, message_id, case_id, origin, at, blob, blob_path)"
            " VALUES ('out', ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                mail.audience,
                sha256,
                len(mail.data),
                mail.subject,
                mail.mail_from,
                json.dumps(list(mail.rcpt_to)),
                mail.message_id,
                case_id,
                mail.template,
                now,
                blob,
                blob_path,
            ),
        )
        message_row = int(cur.lastrowid or 0)
        self.conn.execute(
            "INSERT INTO outbox (message_row, case_id, audience, mail_from, rcpt_to,"
            " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                message_row,
                case_id,
                mail.audience,
                mail.mail_from,
                json.dumps([r.lower() for r in mail.rcpt_to]),
                now,
                now,
            ),
        )
        return message_row

    def due_deliveries(self, limit: int = 100) -> list[Delivery]:
        rows = self.conn.execute(
            "SELECT o.id, m.message_id, o.mail_from, o.rcpt_to, o.message_row, o.attempts"
            " FROM outbox o JOIN messages m ON m.id = o.message_row"
            " WHERE o.status='queued' AND o.next_attempt_at <= ? ORDER BY o.id LIMIT ?",
            (self.now(), limit),
        ).fetchall()
        return [Delivery(r[0], r[1], r[2], tuple(json.loads(r[3])), self.raw_bytes(r[4]), r[5]) for r in rows]

    def next_due_at(self) -> datetime | None:
        row = self._one("SELECT MIN(next_attempt_at) FROM outbox WHERE status='queued'")
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def _outbox_case(self, outbox_id: int) -> tuple[int | None, int]:
        row = self._one("SELECT case_id, message_row FROM outbox WHERE id=?", (outbox_id,))
        if row is None:
            raise StoreError(f"no outbox row {outbox_id}")
        return row[0], row[1]

    def mark_sent(self, outbox_id: int, response: str) -> None:
        with self.transaction():
            case_id, message_row = self._outbox_case(outbox_id)
            self.conn.execute(
                "UPDATE outbox SET status='sent', sent_at=?, attempts=attempts+1, last_error='' WHERE id=?",
                (self.now(), outbox_id),
            )
            self.set_state(message_row, "sent")
            self.add_event(case_id, "mail.sent", f"outbox {outbox_id}: {response}")

    def mark_retry(self, outbox_id: int, error: str, delay: timedelta) -> None:
        with self.transaction():
            case_id, _ = self._outbox_case(outbox_id)
            self.conn.execute(
                "UPDATE outbox SET attempts=attempts+1, last_error=?, next_attempt_at=? WHERE id=?",
                (error, iso(self.clock() + delay), outbox_id),
            )
            self.add_event(
                case_id,
                "mail.deferred",
                f"outbox {outbox_id}: {error}; retry in {int(delay.total_seconds())} s",
            )

    def mark_failed(self, outbox_id: int, error: str) -> None:
        with self.transaction():
            case_id, message_row = self._outbox_case(outbox_id)
            self.conn.execute(
                "UPDATE outbox SET status='failed', attempts=attempts+1, last_error=? WHERE id=?",
                (error, outbox_id),
            )
            self.set_state(message_row, "failed")
            self.add_event(case_id, "mail.failed", f"outbox {outbox_id}: {error}")

    def outbox_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"))

    # --- quarantine -------------------------------------------------------------------------

    def quarantine(self, row_id: int, sha256: str, stage: str, error: str) -> int:
        with self.transaction():
            self.set_state(row_id, "quarantined")
            cur = self.conn.execute(
                "INSERT INTO quarantine (sha256, stage, error, at) VALUES (?, ?, ?, ?)",
                (sha256, stage, error[:2000], self.now()),
            )
            self.add_event(None, "message.quarantined", f"{sha256} at {stage}: {error[:500]}")
            return int(cur.lastrowid or 0)

    def quarantined(self, include_released: bool = False) -> list[dict[str, Any]]:
        where = "" if include_released else "WHERE released_at IS NULL"
        cur = self.conn.execute(f"SELECT id, sha256, stage, error, at, released_at FROM quarantine {where} ORDER BY id")
        return [dict(zip([c[0] for c in cur.description], r, strict=True)) for r in cur]

    def release(self, quarantine_id: int) -> int:
        """Mark a quarantined message for another try; returns its message row."""
        with self.transaction():
            row = self._one("SELECT sha256, released_at FROM quarantine WHERE id=?", (quarantine_id,))
            if row is None or row[1]:
                raise StoreError(f"quarantine entry {quarantine_id} does not exist or was released")
            message_row = self.row_for_sha256(row[0])
            if message_row is None:
                raise StoreError(f"quarantine entry {quarantine_id}: message {row[0]} is missing")
            self.conn.execute("UPDATE quarantine SET released_at=? WHERE id=?", (self.now(), quarantine_id))
            self.set_state(message_row, "received")
            self.add_event(None, "message.released", f"{row[0]} from quarantine {quarantine_id}")
            return message_row

    # --- read side --------------------------------------------------------------------------

    def _dicts(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        cur = self.conn.execute(sql, params)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def list_cases(self) -> list[dict[str, Any]]:
        rows = self._dicts(
            "SELECT id, status, queue, urgent, category, reporter, subject, created_at FROM cases ORDER BY id"
        )
        for row in rows:
            row["urgent"] = bool(row["urgent"])
        return rows

    def case_detail(self, case_id: int) -> dict[str, Any] | None:
        cases = self._dicts("SELECT * FROM cases WHERE id=?", (case_id,))
        if not cases:
            return None
        case = cases[0]
        case["urgent"] = bool(case["urgent"])
        case["tags"] = json.loads(case["tags"])
        case["messages"] = [
            {
                "direction": m["direction"],
                "kind": m["kind"],
                "sha256": m["sha256"],
                "size": m["size"],
                "subject": m["subject"],
                "from": m["from_addr"],
                "to": json.loads(m["to_addrs"]),
                "message_id": m["message_id"],
                "at": m["at"],
                "state": m["state"],
            }
            for m in self._dicts("SELECT * FROM messages WHERE case_id=? ORDER BY id", (case_id,))
        ]
        case["offending"] = self.offending_for_case(case_id)
        case["events"] = self._dicts("SELECT at, type, detail FROM events WHERE case_id=? ORDER BY id", (case_id,))
        return case
