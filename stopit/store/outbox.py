"""Owns the outbox: mail queued in the same transaction as the case, its attempts and outcomes."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from stopit.errors import StoreError
from stopit.models import Delivery, OutgoingMail
from stopit.store.db import iso
from stopit.store.messages import Messages


class Outbox(Messages):
    def add_outgoing(self, mail: OutgoingMail, case_id: int | None) -> int:
        """Queue one mail; returns its message row. Caller's transaction (the one that opens the case)."""
        self._require_tx()
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

    def acks_since(self, address: str, since: datetime) -> int:
        row = self._one(
            "SELECT COUNT(*) FROM outbox WHERE audience='reporter' AND rcpt_to=? AND created_at >= ?",
            (json.dumps([address.lower()]), iso(since)),
        )
        return int(row[0]) if row else 0

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
        """Own transaction."""
        with self.transaction():
            case_id, message_row = self._outbox_case(outbox_id)
            self.conn.execute(
                "UPDATE outbox SET status='sent', sent_at=?, attempts=attempts+1, last_error='' WHERE id=?",
                (self.now(), outbox_id),
            )
            self.set_state(message_row, "sent")
            self.add_event(case_id, "mail.sent", f"outbox {outbox_id}: {response}")

    def mark_retry(self, outbox_id: int, error: str, delay: timedelta) -> None:
        """Own transaction."""
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
        """Own transaction."""
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
