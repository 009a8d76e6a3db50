"""Owns cases and the offending messages found for them, and the case read side for the CLI."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from stopit.models import Offending
from stopit.store.blobs import Blobs
from stopit.store.events import Events

# What is stored about one offending message stays small whatever it carried (its bytes are kept
# whole, as a blob): a hostile trace is cut to its first hops, then dropped, with a note saying so.
MAX_FIELDS_BYTES = 256 * 1024
KEEP_HOPS = 50


def bounded_fields(fields: dict[str, Any]) -> str:
    text = json.dumps(fields, ensure_ascii=False)
    if len(text) <= MAX_FIELDS_BYTES:
        return text
    trace = fields.get("trace")
    if isinstance(trace, dict) and isinstance(trace.get("hops"), list):
        hops = trace["hops"]
        fields = {**fields, "trace": {**trace, "hops": hops[:KEEP_HOPS]}, "truncated": f"{len(hops)} hops, first kept"}
        text = json.dumps(fields, ensure_ascii=False)
    if len(text) > MAX_FIELDS_BYTES:
        small = {k: v for k, v in fields.items() if k not in ("trace", "body", "chain")}
        small["truncated"] = f"{len(text)} bytes of fields; trace, body and chain not stored (the bytes are)"
        text = json.dumps(small, ensure_ascii=False)[:MAX_FIELDS_BYTES]
        if len(text) == MAX_FIELDS_BYTES:  # still too big: keep only what names the message
            names = ("source", "from", "subject", "message_id", "headers_complete", "truncated")
            text = json.dumps({k: str(small.get(k, ""))[:1000] for k in names}, ensure_ascii=False)
    return text


class Cases(Events, Blobs):
    def open_case(self, queue: str, reporter: str, subject: str, report_sha256: str) -> int:
        """Caller's transaction."""
        self._require_tx()
        now = self.now()
        cur = self.conn.execute(
            "INSERT INTO cases (queue, reporter, subject, created_at, updated_at, report_sha256)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (queue, reporter, subject, now, now, report_sha256),
        )
        case_id = int(cur.lastrowid or 0)
        self._touch_case(case_id)
        return case_id

    def update_case(self, case_id: int, **fields: Any) -> None:
        """Caller's transaction."""
        self._require_tx()
        fields["updated_at"] = self.now()
        assignments = ", ".join(f"{name}=?" for name in fields)
        self.conn.execute(f"UPDATE cases SET {assignments} WHERE id=?", (*fields.values(), case_id))
        self._touch_case(case_id)

    # --- offending messages -----------------------------------------------------------------

    def add_offending(self, case_id: int | None, message_row: int, position: int, item: Offending) -> None:
        """One offending message found in an incoming message, with its exact bytes where they exist.

        Caller's transaction.
        """
        self._require_tx()
        self._touch_case(case_id)
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
                bounded_fields(item.to_json()),
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
        return None if row is None else self._blob_bytes(row[0], row[1])

    # --- read side (the keys are the `cases … --json` contract) -----------------------------

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
