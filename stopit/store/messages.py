"""Owns the messages table for incoming mail: idempotent intake, states, mailbox positions, threads."""

from __future__ import annotations

import json
from dataclasses import dataclass

from stopit.errors import StoreError
from stopit.models import Envelope, RawMessage
from stopit.store.blobs import Blobs
from stopit.store.events import Events


class AlreadyClaimed(StoreError):
    """Another processor changed this row first (compare-and-set lost): this one must not act on it."""

    def __init__(self, row_id: int, expected: str, found: str) -> None:
        super().__init__(f"message row {row_id} is {found!r}, not {expected!r}: another processor took it")
        self.row_id, self.expected, self.found = row_id, expected, found


@dataclass(frozen=True)
class Stored:
    """The row an incoming message got, and whether this call created it."""

    row_id: int
    state: str
    is_new: bool
    case_id: int | None


class Messages(Events, Blobs):
    def raw_bytes(self, row_id: int) -> bytes:
        row = self._one("SELECT blob, blob_path FROM messages WHERE id = ?", (row_id,))
        if row is None:
            raise StoreError(f"no message row {row_id}")
        return self._blob_bytes(row[0], row[1])

    def row_for_sha256(self, sha256: str) -> int | None:
        row = self._one("SELECT id FROM messages WHERE direction='in' AND sha256=?", (sha256,))
        return row[0] if row else None

    def store_incoming(self, raw: RawMessage) -> Stored:
        """Keep the exact bytes first, before anything else looks at them; idempotent by SHA-256.

        Own transaction.
        """
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
        """Caller's transaction."""
        self._require_tx()
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

    def claim_incoming(self, row_id: int, state: str = "processed", expected: str = "received") -> None:
        """Compare-and-set the row from `expected` to `state`, or raise AlreadyClaimed.

        Caller's transaction: the claim commits together with everything the plan wrote, so a
        message is acted on once even by two processes racing (each plans; only one applies).
        """
        self._require_tx()
        cur = self.conn.execute(
            "UPDATE messages SET state=? WHERE id=? AND direction='in' AND state=?", (state, row_id, expected)
        )
        if cur.rowcount != 1:
            found = self._one("SELECT state FROM messages WHERE id=?", (row_id,))
            raise AlreadyClaimed(row_id, expected, found[0] if found else "missing")

    def set_state(self, row_id: int, state: str, case_id: int | None = None) -> None:
        """Caller's transaction."""
        self._require_tx()
        self._touch_case(case_id)
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

    def record_source(self, key: str, sha256: str) -> None:
        """Where in a mailbox a message was found. Caller's transaction."""
        self._require_tx()
        self.conn.execute("INSERT OR IGNORE INTO sources (key, sha256, at) VALUES (?, ?, ?)", (key, sha256, self.now()))

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
