"""Owns the read side of an evidence export: a case's messages byte-exact, its log, the hash links between."""

from __future__ import annotations

from typing import Any

from stopit.store.work import Work

_EVENT = "SELECT id, at, case_id, type, detail, prev_hash, hash, keyed, detail_sha, redacted_at FROM events"


class Custody(Work):
    def case_incoming(self, case_id: int, first_sha256: str = "") -> list[tuple[int, str]]:
        """(row, SHA-256) of every message received on the case; `first_sha256` (the report) first."""
        rows = self.conn.execute(
            "SELECT id, sha256 FROM messages WHERE case_id=? AND direction='in' ORDER BY sha256 != ?, id",
            (case_id, first_sha256),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    def case_offending(self, case_id: int) -> list[tuple[str | None, bytes | None, str]]:
        """(SHA-256, exact bytes, fields JSON) of each offending message; no bytes for inline forwards."""
        rows = self.conn.execute(
            "SELECT sha256, blob, blob_path, fields FROM offending WHERE case_id=? ORDER BY message_row, position",
            (case_id,),
        ).fetchall()
        return [
            (sha, None if sha is None else self._blob_bytes(blob, path), fields) for sha, blob, path, fields in rows
        ]

    def case_log(self, case_id: int, received: list[str]) -> list[dict[str, Any]]:
        """The case's events with their hashes, and the `message.received` events of the SHA-256s given
        (written before the case existed, so without its number). In chain order."""
        rows = self._dicts(f"{_EVENT} WHERE case_id=? ORDER BY id", (case_id,))
        for sha in received:
            rows += self._dicts(
                f"{_EVENT} WHERE type='message.received' AND case_id IS NULL AND detail LIKE ? ORDER BY id LIMIT 1",
                (f"{sha} %",),
            )
        return sorted(rows, key=lambda r: r["id"])

    def chain_links(self, first: int, last: int) -> list[list[Any]]:
        """[id, prev_hash, hash] of every event from `first` to `last`: the links, none of the contents."""
        rows = self.conn.execute(
            "SELECT id, prev_hash, hash FROM events WHERE id BETWEEN ? AND ? ORDER BY id", (first, last)
        )
        return [list(r) for r in rows]

    def event_hash_of(self, event_id: int) -> str | None:
        row = self._one("SELECT hash FROM events WHERE id=?", (event_id,))
        return None if row is None else str(row[0])

    def event_naming(self, type_: str, ending: str) -> int | None:
        """The first event of this type whose detail ends with `ending` (a custody record, by its manifest)."""
        row = self._one(
            "SELECT id FROM events WHERE type=? AND detail LIKE ? ORDER BY id LIMIT 1", (type_, f"%{ending}")
        )
        return None if row is None else int(row[0])
