"""Owns removing a case's contents from the database at the end of its retention period.

The `cases` row stays as the tombstone (emptied of reporter, subject, assignee): the sealed event log
accounts for every case it ever saw, so `stopit audit verify` needs the row, and the row's re-seal
after the purge records what is left. Its report figures go to `purged_cases`.
"""

from __future__ import annotations

import json
from typing import Any

from stopit.store.events import DIGEST_KEYED, REDACTED
from stopit.store.work import Work

# Child rows first: each table's foreign keys point at rows deleted after it. Links *to* this case
# from later cases stay: they name only its number.
CASE_ROWS = (
    "followups",
    "office_held",
    "commands",
    "notices",
    "outbox",
    "sender_keys",
    "case_links",
    "offending",
    "messages",
)


class Retention(Work):
    def retention_candidates(self, before: str) -> list[tuple[Any, ...]]:
        """(id, created_at, updated_at, queue, status, messages, bytes) of closed cases opened and last
        changed before `before`, not purged yet."""
        return self.conn.execute(
            "SELECT c.id, c.created_at, c.updated_at, c.queue, c.status,"
            " (SELECT COUNT(*) FROM messages m WHERE m.case_id = c.id),"
            " (SELECT COALESCE(SUM(m.size), 0) FROM messages m WHERE m.case_id = c.id)"
            " FROM cases c WHERE c.status != 'open' AND c.created_at < ? AND c.updated_at < ?"
            " AND c.id NOT IN (SELECT case_id FROM purged_cases) ORDER BY c.id",
            (before, before),
        ).fetchall()

    def purge_case_rows(self, case_id: int, figures: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
        """Delete the case's rows, keep its figures and an emptied case row; returns what went and the
        blob files no remaining row names (to remove after the commit).

        Caller's transaction.
        """
        self._require_tx()
        paths = {
            str(r[0])
            for table in ("messages", "offending")
            for r in self.conn.execute(
                f"SELECT blob_path FROM {table} WHERE case_id=? AND blob_path IS NOT NULL", (case_id,)
            )
        }
        removed = {
            table: self.conn.execute(f"DELETE FROM {table} WHERE case_id=?", (case_id,)).rowcount for table in CASE_ROWS
        }
        self.conn.execute(
            "INSERT INTO purged_cases (case_id, purged_at, figures, removed) VALUES (?, ?, ?, ?)",
            (case_id, self.now(), json.dumps(figures), json.dumps(removed)),
        )
        self.update_case(case_id, reporter="", subject="", assignee="", ack_message_id=None, report_sha256=None)
        # The events' texts go too (they name the reporter, the sender, subjects); their digests stay in the
        # chain. Seals name no one and are what `audit verify` reads; events from before migration 0014
        # cover their text itself and keep it.
        removed["event_texts"] = self.conn.execute(
            "UPDATE events SET detail=?, redacted_at=? WHERE case_id=? AND keyed=? AND redacted_at IS NULL"
            " AND type != 'case.sealed'",
            (REDACTED, self.now(), case_id, DIGEST_KEYED),
        ).rowcount
        counts = ", ".join(f"{n} {table}" for table, n in removed.items() if n)
        self.add_event(case_id, "case.purged", f"retention period over: removed {counts or 'nothing'}")
        # Blobs are named by content: another case may hold the very same message.
        orphans = [p for p in sorted(paths) if not self._blob_named(p)]
        return removed, orphans

    def _blob_named(self, blob_path: str) -> bool:
        row = self._one(
            "SELECT 1 FROM messages WHERE blob_path=? UNION ALL SELECT 1 FROM offending WHERE blob_path=? LIMIT 1",
            (blob_path, blob_path),
        )
        return row is not None
