"""Owns the outbox: mail queued in the same transaction as the case, its attempts and outcomes."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from stopit.errors import StoreError
from stopit.models import Delivery, OutgoingMail
from stopit.store.db import iso
from stopit.store.messages import Messages
from stopit.values import mailbox_key


class OutboxClaimLost(StoreError):
    """Another sender changed this outbox row first."""


class Outbox(Messages):
    def add_outgoing(self, mail: OutgoingMail, case_id: int | None) -> int:
        """Queue one mail; returns its message row. Caller's transaction (the one that opens the case)."""
        self._require_tx()
        self._touch_case(case_id)
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
            " next_attempt_at, created_at, rcpt_key, queue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message_row,
                case_id,
                mail.audience,
                mail.mail_from,
                json.dumps([r.lower() for r in mail.rcpt_to]),
                now,
                now,
                mailbox_key(mail.rcpt_to[0]) if len(mail.rcpt_to) == 1 else "",
                mail.queue,
            ),
        )
        return message_row

    def acks_since(self, address: str, since: datetime) -> int:
        """Acknowledgements to this person's mailbox (any case or +subaddress of it) since `since`."""
        row = self._one(
            "SELECT COUNT(*) FROM outbox WHERE audience='reporter' AND rcpt_key=? AND created_at >= ?",
            (mailbox_key(address), iso(since)),
        )
        return int(row[0]) if row else 0

    def office_mails_since(self, since: datetime) -> dict[str, int]:
        """Office notifications queued per queue since `since` (the hourly limit's count)."""
        rows = self.conn.execute(
            "SELECT queue, COUNT(*) FROM outbox WHERE audience='office' AND created_at >= ? GROUP BY queue",
            (iso(since),),
        )
        return {str(q): int(n) for q, n in rows}

    def hold_office(self, case_id: int, queue: str) -> None:
        """Caller's transaction: the case's office mail waits for the queue's next digest."""
        self._require_tx()
        self.conn.execute(
            "INSERT OR IGNORE INTO office_held (case_id, queue, held_at) VALUES (?, ?, ?)", (case_id, queue, self.now())
        )

    def held_office(self) -> dict[str, list[int]]:
        """Cases per queue whose office mail is held and not yet in a digest."""
        held: dict[str, list[int]] = {}
        for queue, case_id in self.conn.execute(
            "SELECT queue, case_id FROM office_held WHERE digest_row IS NULL ORDER BY case_id"
        ):
            held.setdefault(str(queue), []).append(int(case_id))
        return held

    def mark_digested(self, case_ids: list[int], digest_row: int) -> None:
        """Caller's transaction."""
        self._require_tx()
        self.conn.executemany(
            "UPDATE office_held SET digest_row=? WHERE case_id=? AND digest_row IS NULL",
            [(digest_row, c) for c in case_ids],
        )

    def due_deliveries(self, limit: int = 100) -> list[Delivery]:
        rows = self.conn.execute(
            "SELECT o.id, m.message_id, o.mail_from, o.rcpt_to, o.message_row, o.attempts"
            " FROM outbox o JOIN messages m ON m.id = o.message_row"
            " WHERE o.status='queued' AND o.next_attempt_at <= ? ORDER BY o.id LIMIT ?",
            (self.now(), limit),
        ).fetchall()
        return [
            Delivery(r[1], r[2], tuple(json.loads(r[3])), self.raw_bytes(r[4]), outbox_id=r[0], attempts=r[5])
            for r in rows
        ]

    def next_due_at(self) -> datetime | None:
        row = self._one("SELECT MIN(next_attempt_at) FROM outbox WHERE status='queued'")
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def _outbox_case(self, outbox_id: int) -> tuple[int | None, int]:
        row = self._one("SELECT case_id, message_row FROM outbox WHERE id=?", (outbox_id,))
        if row is None:
            raise StoreError(f"no outbox row {outbox_id}")
        return row[0], row[1]

    def _move_outbox(self, outbox_id: int, to: str, expected: str, sets: str = "", params: tuple = ()) -> None:
        """Compare-and-set the outbox row's status; a lost race raises OutboxClaimLost."""
        cur = self.conn.execute(
            f"UPDATE outbox SET status=?{sets} WHERE id=? AND status=?", (to, *params, outbox_id, expected)
        )
        if cur.rowcount != 1:
            raise OutboxClaimLost(f"outbox {outbox_id} is no longer {expected!r}: another sender took it")

    def claim_delivery(self, outbox_id: int) -> bool:
        """'queued' → 'sending' before the transport is called; False if another sender has it.

        Own transaction. A crash after this leaves the row 'sending' until `requeue_interrupted`:
        delivery is at least once, never twice by a race.
        """
        with self.transaction():
            try:
                self._move_outbox(outbox_id, "sending", "queued")
            except OutboxClaimLost:
                return False
        return True

    def requeue_interrupted(self) -> int:
        """Rows left 'sending' by a process that died mid-send go back to the queue. Own transaction.

        Call only while holding the processor lock: then no other sender can be alive.
        """
        with self.transaction():
            rows = self.conn.execute("SELECT id, case_id FROM outbox WHERE status='sending'").fetchall()
            for outbox_id, case_id in rows:
                self._move_outbox(outbox_id, "queued", "sending")
                self.add_event(case_id, "mail.interrupted", f"outbox {outbox_id}: sender stopped mid-send; resending")
        return len(rows)

    def mark_sent(self, outbox_id: int, response: str) -> None:
        """Own transaction."""
        with self.transaction():
            case_id, message_row = self._outbox_case(outbox_id)
            sets = ", sent_at=?, attempts=attempts+1, last_error=''"
            self._move_outbox(outbox_id, "sent", "sending", sets, (self.now(),))
            self.set_state(message_row, "sent")
            self.add_event(case_id, "mail.sent", f"outbox {outbox_id}: {response}")

    def mark_retry(self, outbox_id: int, error: str, delay: timedelta) -> None:
        """Own transaction."""
        with self.transaction():
            case_id, _ = self._outbox_case(outbox_id)
            sets = ", attempts=attempts+1, last_error=?, next_attempt_at=?"
            self._move_outbox(outbox_id, "queued", "sending", sets, (error, iso(self.clock() + delay)))
            self.add_event(
                case_id,
                "mail.deferred",
                f"outbox {outbox_id}: {error}; retry in {int(delay.total_seconds())} s",
            )

    def mark_failed(self, outbox_id: int, error: str) -> None:
        """Own transaction."""
        with self.transaction():
            case_id, message_row = self._outbox_case(outbox_id)
            self._move_outbox(outbox_id, "failed", "sending", ", attempts=attempts+1, last_error=?", (error,))
            self.set_state(message_row, "failed")
            self.add_event(case_id, "mail.failed", f"outbox {outbox_id}: {error}")

    def outbox_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"))
