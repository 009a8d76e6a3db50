"""Owns the quarantine: messages a stage could not process, kept with the stage and the error."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from stopit.errors import StoreError
from stopit.store.messages import Messages


@dataclass(frozen=True)
class QuarantineEntry:
    id: int
    sha256: str
    stage: str
    error: str
    at: str
    released_at: str | None


class Quarantine(Messages):
    def quarantine(self, row_id: int, sha256: str, stage: str, error: str) -> int:
        """Own transaction; AlreadyClaimed when another processor finished the message meanwhile."""
        with self.transaction():
            self.claim_incoming(row_id, "quarantined")
            cur = self.conn.execute(
                "INSERT INTO quarantine (sha256, stage, error, at) VALUES (?, ?, ?, ?)",
                (sha256, stage, error[:2000], self.now()),
            )
            self.add_event(None, "message.quarantined", f"{sha256} at {stage}: {error[:500]}")
            return int(cur.lastrowid or 0)

    def quarantine_entries(self, include_released: bool = False) -> list[QuarantineEntry]:
        where = "" if include_released else "WHERE released_at IS NULL"
        rows = self.conn.execute(
            f"SELECT id, sha256, stage, error, at, released_at FROM quarantine {where} ORDER BY id"
        )
        return [QuarantineEntry(*row) for row in rows]

    def quarantined(self, include_released: bool = False) -> list[dict[str, Any]]:
        """The entries as dicts (`quarantine list --json`)."""
        return [asdict(e) for e in self.quarantine_entries(include_released)]

    def release(self, quarantine_id: int) -> int:
        """Mark a quarantined message for another try; returns its message row. Own transaction."""
        with self.transaction():
            row = self._one("SELECT sha256, released_at FROM quarantine WHERE id=?", (quarantine_id,))
            if row is None or row[1]:
                raise StoreError(f"quarantine entry {quarantine_id} does not exist or was released")
            message_row = self.row_for_sha256(row[0])
            if message_row is None:
                raise StoreError(f"quarantine entry {quarantine_id}: message {row[0]} is missing")
            self.conn.execute("UPDATE quarantine SET released_at=? WHERE id=?", (self.now(), quarantine_id))
            self.claim_incoming(message_row, "received", expected="quarantined")
            self.add_event(None, "message.released", f"{row[0]} from quarantine {quarantine_id}")
            return message_row
