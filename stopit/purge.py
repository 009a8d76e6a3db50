"""Owns retention: removing closed cases older than `desk.retention_years`, keeping their figures.

What goes: every message of the case (raw bytes, blob files no other row still needs), its
offending messages, outbox rows, notices, commands, follow-ups, sender keys and the links it made.
What stays: the `cases` row, emptied of reporter, subject and assignee (the sealed event log
accounts for every case it ever saw, so the row is the tombstone `stopit audit verify` expects);
a `purged_cases` row with the case's report figures (counts, no names) and what was removed; and a
`case.purged` event, after which the case is sealed again as it now is, so the chain records the
purge and still verifies.

The event log itself is append-only and keeps what earlier events said (for instance the
reporter's address in `case.opened`): removing that needs a change to how events are written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from stopit.report import case_figures
from stopit.store import iso

if TYPE_CHECKING:
    from stopit.store import Store

# Child rows first: each table's foreign keys point at rows deleted after it.
_CASE_ROWS = (
    ("followups", "case_id = ?"),
    ("office_held", "case_id = ?"),
    ("commands", "case_id = ?"),
    ("notices", "case_id = ?"),
    ("outbox", "case_id = ?"),
    ("sender_keys", "case_id = ?"),
    ("case_links", "case_id = ?"),
    ("offending", "case_id = ?"),
    ("messages", "case_id = ?"),
)


@dataclass(frozen=True)
class Candidate:
    case: int
    opened: str
    closed: str
    queue: str
    status: str
    messages: int
    bytes: int


def cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def candidates(store: Store, now: datetime, years: int) -> list[Candidate]:
    """Closed cases opened and last changed before the cutoff, not purged yet."""
    limit = iso(cutoff(now, years))
    rows = store.conn.execute(
        "SELECT c.id, c.created_at, c.updated_at, c.queue, c.status,"
        " (SELECT COUNT(*) FROM messages m WHERE m.case_id = c.id),"
        " (SELECT COALESCE(SUM(m.size), 0) FROM messages m WHERE m.case_id = c.id)"
        " FROM cases c WHERE c.status != 'open' AND c.created_at < ? AND c.updated_at < ?"
        " AND c.id NOT IN (SELECT case_id FROM purged_cases) ORDER BY c.id",
        (limit, limit),
    )
    return [Candidate(int(r[0]), r[1], r[2], r[3], r[4], int(r[5]), int(r[6])) for r in rows]


def purge_case(store: Store, case_id: int, now: datetime) -> dict[str, int]:
    """Remove one case's contents in one transaction; returns how many rows of each kind went.

    Blob files are removed after the commit, and only those no remaining row names.
    """
    with store.transaction():
        figures = next(case_figures(store.conn, now, "c.id = ?", (case_id,)), None)
        if figures is None:
            return {}
        paths = [
            r[0]
            for table in ("messages", "offending")
            for r in store.conn.execute(
                f"SELECT blob_path FROM {table} WHERE case_id=? AND blob_path IS NOT NULL", (case_id,)
            )
        ]
        removed = {}
        for table, where in _CASE_ROWS:
            removed[table] = store.conn.execute(f"DELETE FROM {table} WHERE {where}", (case_id,)).rowcount
        store.conn.execute(
            "INSERT INTO purged_cases (case_id, purged_at, figures, removed) VALUES (?, ?, ?, ?)",
            (case_id, store.now(), json.dumps(figures.to_json()), json.dumps(removed)),
        )
        store.update_case(case_id, reporter="", subject="", assignee="", ack_message_id=None, report_sha256=None)
        counts = ", ".join(f"{n} {table}" for table, n in removed.items() if n)
        store.add_event(case_id, "case.purged", f"retention period over: removed {counts or 'nothing'}")
        orphans = [p for p in set(paths) if not _still_named(store, p)]
    for path in orphans:
        (store.path.parent / path).unlink(missing_ok=True)
    removed["blob_files"] = len(orphans)
    return removed


def _still_named(store: Store, blob_path: str) -> bool:
    """Blobs are named by content: another case may hold the very same message."""
    row = store._one(
        "SELECT 1 FROM messages WHERE blob_path=? UNION ALL SELECT 1 FROM offending WHERE blob_path=? LIMIT 1",
        (blob_path, blob_path),
    )
    return row is not None
