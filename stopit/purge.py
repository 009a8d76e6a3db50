"""Owns retention: which closed cases are past `desk.retention_years`, and purging them with their figures kept.

What goes: every message of the case (raw bytes, blob files no other row still needs), its
offending messages, outbox rows, notices, commands, follow-ups, sender keys and the links it made.
What stays: the `cases` row, emptied of reporter, subject and assignee (the sealed event log
accounts for every case it ever saw, so the row is the tombstone `stopit audit verify` expects);
a `purged_cases` row with the case's report figures (counts, no names) and what was removed; and a
`case.purged` event, after which the case is sealed again as it now is, so the chain records the
purge and still verifies. The rows themselves are removed by the store (stopit/store/retention.py).

The case's events lose their text (which names the reporter, the sender, subjects): since migration
0014 an event's hash covers its text's SHA-256, so the text can go and the chain still verifies; the
database allows that one change only to events of a case in `purged_cases`. Events written before
migration 0014 cover their text itself and keep it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from stopit.report import case_figures
from stopit.store import iso

if TYPE_CHECKING:
    from stopit.store import Store


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
    rows = store.retention_candidates(iso(cutoff(now, years)))
    return [Candidate(int(r[0]), r[1], r[2], r[3], r[4], int(r[5]), int(r[6])) for r in rows]


def purge_case(store: Store, case_id: int, now: datetime) -> dict[str, int]:
    """Remove one case's contents in one transaction, keeping its figures; returns how many rows of each
    kind went. Blob files are removed after the commit, and only those no remaining row names."""
    with store.transaction():
        figures = next(case_figures(store.conn, now, "c.id = ?", (case_id,)), None)
        if figures is None:
            return {}
        removed, orphans = store.purge_case_rows(case_id, figures.to_json())
    for path in orphans:
        (store.path.parent / path).unlink(missing_ok=True)
    return {**removed, "blob_files": len(orphans)}
