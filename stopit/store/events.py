"""Owns the audit trail: the append-only event log, keyed and hash-chained, sealing case rows and blobs.

Each event's hash is an HMAC (key: `audit.key` beside the database, mode 0600) over the previous
hash and its own fields, so nobody without the key can edit an event and recompute the chain.
Each transaction that changed a case ends with a `case.sealed` event holding a digest of the case
row, the SHA-256 of its messages and of its offending messages; `verify_chain` recomputes those
and hashes every stored blob. The head of the chain is the anchor: written to `audit.head` after
every commit and logged, so that removing the newest events shows (`stopit audit verify --anchor`).
Events written before the chain was keyed (migration 0007) are checked the old way, unkeyed.
Since migration 0014 an event's hash covers the SHA-256 of its detail rather than the text itself
(`keyed` = 2), so that at the end of a case's retention period the text (which may name the reporter)
can be removed and the chain still verifies; such an event says when (`redacted_at`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from stopit.errors import StoreError
from stopit.store.db import Database

log = logging.getLogger("stopit.audit")

GENESIS_HASH = "0" * 64
KEY_NAME = "audit.key"
ANCHOR_NAME = "audit.head"
# The head is logged at most this often (and when the store closes): the journal keeps a copy.
LOG_HEAD_SECONDS = 60.0
# The anchor file is rewritten at most this often: a busy desk commits many times a second, and the anchor
# only has to bound how far back a truncation could reach (verify and close write the newest first).
ANCHOR_SECONDS = 1.0
# `keyed` of an event whose hash covers its detail's digest (migration 0014): its text may be removed.
DIGEST_KEYED = 2
REDACTED = "(removed at the end of the retention period)"


def detail_digest(detail: str) -> str:
    return hashlib.sha256(detail.encode("utf-8")).hexdigest()


def event_hash(
    prev_hash: str,
    at: str,
    case_id: int | None,
    type_: str,
    detail: str,
    key: bytes | None = None,
    detail_sha: str | None = None,
) -> str:
    """SHA-256 of the fields (events before migration 0007); HMAC-SHA256 with `key` since; over the
    detail's digest `detail_sha` instead of its text since migration 0014."""
    covered = detail if detail_sha is None else f"sha256:{detail_sha}"
    payload = json.dumps([prev_hash, at, case_id, type_, covered], ensure_ascii=False).encode("utf-8")
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def load_key(state_dir: Path) -> bytes:
    """The audit key, created once (32 random bytes, mode 0600); concurrent first starts agree on it."""
    path = state_dir / KEY_NAME
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    tmp = state_dir / f".{KEY_NAME}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(os.urandom(32).hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # fails if another process created it first: then theirs is the key
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


@dataclass(frozen=True)
class Anchor:
    """A known head of the chain: event id and its hash."""

    id: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """`{"id": N, "hash": "…"}` (the anchor file) or `N:HASH` (as logged)."""
        text = text.strip()
        try:
            if text.startswith("{"):
                data = json.loads(text)
                return cls(int(data["id"]), str(data["hash"]))
            id_, hash_ = text.split(":", 1)
            return cls(int(id_), hash_.strip())
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"not an audit anchor (expected N:HASH or the audit.head file): {text[:80]!r}") from exc


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    count: int
    first_bad_id: int | None
    problem: str
    cases: int = 0
    blobs: int = 0
    anchor: Anchor | None = None


def case_digest(conn: sqlite3.Connection, case_id: int, columns: list[str]) -> str:
    """What a seal covers: the case row's columns, its messages' and offending messages' SHA-256."""
    row = conn.execute(f"SELECT {', '.join(columns)} FROM cases WHERE id=?", (case_id,)).fetchone()
    messages = conn.execute("SELECT direction, sha256 FROM messages WHERE case_id=? ORDER BY id", (case_id,))
    offending = conn.execute("SELECT sha256, fields FROM offending WHERE case_id=? ORDER BY id", (case_id,))
    payload = [
        list(row) if row else None,
        [list(m) for m in messages],
        [[sha, hashlib.sha256(fields.encode("utf-8")).hexdigest()] for sha, fields in offending],
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def event_problem(
    fields: tuple[str, str, int | None, str, str],
    hash_: str,
    keyed: int,
    detail_sha: str | None,
    redacted_at: str | None,
    key: bytes,
) -> str:
    """Why one event's stored hash does not cover its fields ('' when it does): `fields` are prev_hash,
    at, case_id, type and detail; a redacted event's text is no longer there to check, its digest is."""
    digest = detail_sha if keyed == DIGEST_KEYED else None
    if event_hash(*fields, key if keyed else None, digest) != hash_:
        return "contents do not match their hash (edited?)"
    if digest is not None and redacted_at is None and detail_digest(fields[4]) != digest:
        return "detail does not match its digest (edited?)"
    if redacted_at is not None and fields[4] != REDACTED:
        return "a removed text was replaced by another (edited?)"
    return ""


class Events(Database):
    _key: bytes | None = None
    _dirty_cases: set[int] | None = None
    _events_added = False
    _head_logged_at = 0.0
    _anchor_written_at = 0.0
    _anchor_pending: Anchor | None = None  # the head as committed, not yet in the anchor file

    @property
    def audit_key(self) -> bytes:
        if self._key is None:
            self._key = os.urandom(32) if str(self.path) == ":memory:" else load_key(self.path.parent)
        return self._key

    @property
    def anchor_path(self) -> Path:
        return self.path.parent / ANCHOR_NAME

    def add_event(self, case_id: int | None, type_: str, detail: str = "") -> None:
        """Append one event; its keyed hash covers the previous one, so any later edit shows.

        Caller's transaction.
        """
        self._require_tx()
        row = self._one("SELECT hash FROM events ORDER BY id DESC LIMIT 1")
        prev = row[0] if row else GENESIS_HASH
        at = self.now()
        sha = detail_digest(detail)
        self.conn.execute(
            "INSERT INTO events (at, case_id, type, detail, prev_hash, hash, keyed, detail_sha)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (
                at, case_id, type_, detail, prev,
                event_hash(prev, at, case_id, type_, detail, self.audit_key, sha), DIGEST_KEYED, sha,
            ),
        )
        self._events_added = True

    def _touch_case(self, case_id: int | None) -> None:
        """This transaction changed the case (its row, messages or offending): seal it before COMMIT."""
        if case_id is None:
            return
        if self._dirty_cases is None:
            self._dirty_cases = set()
        self._dirty_cases.add(int(case_id))

    def _seal_columns(self) -> list[str]:
        return [r[1] for r in self.conn.execute("PRAGMA table_info(cases)")]

    def _before_commit(self) -> None:
        if self._dirty_cases:
            columns = self._seal_columns()
            for case_id in sorted(self._dirty_cases):
                digest = case_digest(self.conn, case_id, columns)
                self.add_event(case_id, "case.sealed", f"{digest} over {','.join(columns)}")
        super()._before_commit()

    def _after_transaction(self, committed: bool) -> None:
        added, self._events_added, self._dirty_cases = self._events_added, False, None
        if committed and added:
            # The head as this commit left it: written later, it still bounds what was there.
            self._anchor_pending = self.head()
            if time.monotonic() - self._anchor_written_at >= ANCHOR_SECONDS:
                self._write_anchor()
        super()._after_transaction(committed)

    def head(self) -> Anchor | None:
        row = self._one("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")
        return Anchor(int(row[0]), str(row[1])) if row else None

    def flush_anchor(self) -> None:
        """Write the anchor now if commits since the last write have not been anchored."""
        if self._anchor_pending is not None:
            self._write_anchor()

    def _write_anchor(self) -> None:
        head, self._anchor_pending = self._anchor_pending, None
        self._anchor_written_at = time.monotonic()
        if head is None or str(self.path) == ":memory:":
            return
        tmp = self.anchor_path.with_name(f".{ANCHOR_NAME}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(json.dumps({"id": head.id, "hash": head.hash}) + "\n")
            os.replace(tmp, self.anchor_path)
        except OSError as exc:
            log.warning("cannot write the audit anchor %s: %s", self.anchor_path, exc)
            return
        if time.monotonic() - self._head_logged_at >= LOG_HEAD_SECONDS:
            self._log_head(head)

    def _log_head(self, head: Anchor) -> None:
        self._head_logged_at = time.monotonic()
        log.info("audit head %d:%s", head.id, head.hash)

    def close(self) -> None:
        self.flush_anchor()
        head = self.head() if self._head_logged_at else None
        if head is not None:
            self._log_head(head)
        super().close()

    def stored_anchor(self) -> Anchor | None:
        try:
            return Anchor.parse(self.anchor_path.read_text(encoding="ascii"))
        except FileNotFoundError:
            return None

    def _legacy_until(self, name: str) -> int:
        row = self._one("SELECT value FROM audit_meta WHERE name=?", (name,))
        return int(row[0]) if row else 0

    def verify_chain(self, anchor: Anchor | None = None) -> ChainCheck:
        """Recompute the chain, the case seals, every blob's hash, and check the anchor.

        `anchor` defaults to the `audit.head` file; a chain shorter than its anchor was cut.
        """
        self.flush_anchor()
        anchor = anchor or self.stored_anchor()
        legacy_events = self._legacy_until("legacy_events_until")
        prev, count, anchor_seen = GENESIS_HASH, 0, anchor is None
        seals: dict[int, str] = {}
        received: set[str] = set()
        purged = {int(r[0]) for r in self.conn.execute("SELECT case_id FROM purged_cases")}
        rows = self.conn.execute(
            "SELECT id, at, case_id, type, detail, prev_hash, hash, keyed, detail_sha, redacted_at FROM events"
            " ORDER BY id"
        )
        for id_, at, case_id, type_, detail, prev_hash, hash_, keyed, detail_sha, redacted_at in rows:
            count += 1
            if prev_hash != prev:
                return ChainCheck(False, count, id_, "previous-hash link broken (row removed?)")
            if not keyed and id_ > legacy_events:
                return ChainCheck(False, count, id_, "unkeyed event after the chain was keyed (forged?)")
            problem = event_problem(
                (prev, at, case_id, type_, detail), hash_, keyed, detail_sha, redacted_at, self.audit_key
            )
            if problem:
                return ChainCheck(False, count, id_, problem)
            if redacted_at is not None and case_id not in purged:
                return ChainCheck(False, count, id_, "text removed from a case that was not purged (edited?)")
            if anchor is not None and id_ == anchor.id:
                if hash_ != anchor.hash:
                    return ChainCheck(False, count, id_, "differs from the anchor (chain rewritten?)")
                anchor_seen = True
            if type_ == "case.sealed" and case_id is not None:
                seals[case_id] = detail
            elif type_ == "message.received":
                received.add(detail.split(" ", 1)[0])
            prev = hash_
        if not anchor_seen:
            assert anchor is not None
            return ChainCheck(False, count, None, f"the chain ends before its anchor, event {anchor.id} (cut?)")
        problem = self._check_cases(seals) or self._check_messages(received)
        if problem:
            return ChainCheck(False, count, None, problem)
        cases = self._one("SELECT COUNT(*) FROM cases")[0]
        blobs, problem = self._check_blobs()
        return ChainCheck(not problem, count, None, problem, cases, blobs, anchor)

    def _check_cases(self, seals: dict[int, str]) -> str:
        legacy = self._legacy_until("legacy_cases_until")
        for (case_id,) in self.conn.execute("SELECT id FROM cases ORDER BY id").fetchall():
            seal = seals.pop(case_id, None)
            if seal is None:
                if case_id > legacy:
                    return f"case {case_id} was never sealed (inserted outside the store?)"
                continue
            digest, _, columns = seal.partition(" over ")
            if case_digest(self.conn, case_id, columns.split(",")) != digest:
                return f"case {case_id} differs from its last seal (row, messages or offending edited?)"
        if seals:
            return f"case {min(seals)} is sealed in the log but missing from the database (deleted?)"
        return ""

    def _check_messages(self, received: set[str]) -> str:
        for id_, sha256 in self.conn.execute("SELECT id, sha256 FROM messages WHERE direction='in' ORDER BY id"):
            if sha256 not in received:
                return f"message row {id_} ({sha256[:12]}) has no message.received event (inserted?)"
        return ""

    def _check_blobs(self) -> tuple[int, str]:
        """Every stored message and offending message still hashes to the SHA-256 its row names."""
        count = 0
        for table in ("messages", "offending"):
            rows = self.conn.execute(
                f"SELECT id, sha256, blob, blob_path FROM {table} WHERE sha256 IS NOT NULL ORDER BY id"
            )
            for id_, sha256, blob, blob_path in rows:
                try:
                    data = bytes(blob) if blob is not None else (self.path.parent / str(blob_path)).read_bytes()
                except OSError as exc:
                    return count, f"{table} row {id_}: blob unreadable: {exc}"
                if hashlib.sha256(data).hexdigest() != sha256:
                    return count, f"{table} row {id_}: bytes do not match their SHA-256 (blob edited?)"
                count += 1
        return count, ""
