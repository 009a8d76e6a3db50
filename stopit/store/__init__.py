"""Owns the SQLite database: raw messages byte-exact, cases, hash-chained events, outbox, quarantine.

One module per part, composed into `Store`:

    db          connection, migrations, `transaction()` and `_require_tx()`
    blobs       raw bytes inline or as private files named by SHA-256
    events      the append-only hash-chained event log
    messages    incoming messages: idempotent intake, states, mailbox positions, threads
    cases       cases, offending messages, the case read side
    outbox      queued mail and its delivery outcomes
    quarantine  messages a stage could not process
    work        the staff side: commands, notices to senders, follow-ups
    links       the sender index: keys per case, links between cases, incidents
    retention   removing a case's contents when its retention period is over
    custody     the read side of an evidence export: messages, the case log, hash links
    caches      RDAP answers

Methods that open their own transaction say "Own transaction." in their docstring; those that
write as part of a larger change say "Caller's transaction." and refuse to run without one.
"""

from __future__ import annotations

from stopit.models import CaseState
from stopit.store.blobs import INLINE_BLOB_LIMIT
from stopit.store.caches import Caches
from stopit.store.custody import Custody
from stopit.store.db import MIGRATION_NAMES, create_private, iso, migrate, utcnow
from stopit.store.events import GENESIS_HASH, Anchor, ChainCheck, event_hash, event_problem
from stopit.store.links import Links, Match
from stopit.store.messages import AlreadyClaimed, Stored
from stopit.store.outbox import Outbox, OutboxClaimLost
from stopit.store.quarantine import Quarantine, QuarantineEntry
from stopit.store.retention import Retention
from stopit.store.work import FollowUp, Work

__all__ = [
    "GENESIS_HASH",
    "INLINE_BLOB_LIMIT",
    "MIGRATION_NAMES",
    "AlreadyClaimed",
    "Anchor",
    "CaseState",
    "ChainCheck",
    "FollowUp",
    "Match",
    "OutboxClaimLost",
    "QuarantineEntry",
    "Store",
    "Stored",
    "create_private",
    "event_hash",
    "event_problem",
    "iso",
    "migrate",
    "utcnow",
]


class Store(Retention, Custody, Links, Outbox, Quarantine, Work, Caches):
    """One SQLite database. Writes happen inside `transaction()`, which takes the write lock at once."""
