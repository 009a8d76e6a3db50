"""Owns the database schema as named, recorded migrations (sqlite-utils' Migrations)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from stopit.store.events import REDACTED

migrations = Migrations("stopit")


def _migration(name: str, *statements: str) -> None:
    """Register migration `name`: these SQL statements, run in order (in one transaction)."""

    @migrations(name=name)
    def run(db: Database) -> None:
        for sql in statements:
            db.execute(sql)


_migration(
    "0001_initial",
    """
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            status TEXT NOT NULL DEFAULT 'open',
            queue TEXT NOT NULL,
            urgent INTEGER NOT NULL DEFAULT 0,
            reporter TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            report_sha256 TEXT,
            ack_message_id TEXT
        )""",
    """
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            kind TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            from_addr TEXT NOT NULL DEFAULT '',
            to_addrs TEXT NOT NULL DEFAULT '[]',
            message_id TEXT NOT NULL DEFAULT '',
            case_id INTEGER REFERENCES cases(id),
            origin TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            blob BLOB,
            blob_path TEXT
        )""",
    "CREATE UNIQUE INDEX messages_in_sha256 ON messages(sha256) WHERE direction = 'in'",
    "CREATE INDEX messages_message_id ON messages(message_id)",
    "CREATE INDEX messages_case ON messages(case_id)",
    "CREATE INDEX messages_state ON messages(state)",
    """
        CREATE TABLE sources (
            key TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
    """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            case_id INTEGER,
            type TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""",
    "CREATE INDEX events_case ON events(case_id)",
    # The event log is append-only: the database itself refuses edits and deletions.
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
    """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            message_row INTEGER NOT NULL REFERENCES messages(id),
            case_id INTEGER REFERENCES cases(id),
            audience TEXT NOT NULL,
            mail_from TEXT NOT NULL,
            rcpt_to TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'queued',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            sent_at TEXT
        )""",
    "CREATE INDEX outbox_due ON outbox(status, next_attempt_at)",
    """
        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL,
            stage TEXT NOT NULL,
            error TEXT NOT NULL,
            at TEXT NOT NULL,
            released_at TEXT
        )""",
)


_migration(
    "0002_outbox_reporter_index",
    # The per-reporter acknowledgement limit looks rows up by recipient and time on every report.
    "CREATE INDEX outbox_rcpt ON outbox(audience, rcpt_to, created_at)",
)


_migration(
    "0003_offending",
    """
        CREATE TABLE offending (
            id INTEGER PRIMARY KEY,
            case_id INTEGER REFERENCES cases(id),
            message_row INTEGER NOT NULL REFERENCES messages(id),
            position INTEGER NOT NULL,
            source TEXT NOT NULL,
            from_addr TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL DEFAULT '',
            message_id TEXT NOT NULL DEFAULT '',
            headers_complete INTEGER NOT NULL DEFAULT 0,
            sha256 TEXT,
            blob BLOB,
            blob_path TEXT,
            fields TEXT NOT NULL
        )""",
    "CREATE INDEX offending_case ON offending(case_id)",
    "CREATE INDEX offending_from ON offending(from_addr)",
)


_migration(
    "0004_case_route",
    "ALTER TABLE cases ADD COLUMN category TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE cases ADD COLUMN rule TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE cases ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE cases ADD COLUMN notice TEXT NOT NULL DEFAULT 'approval'",
)


_migration(
    "0005_rdap_cache",
    "CREATE TABLE rdap_cache (ip TEXT PRIMARY KEY, data TEXT NOT NULL, fetched_at TEXT NOT NULL)",
)


_migration(
    "0006_outbox_limits",
    # Limits count one person's mailbox (case-folded, +subaddress removed) and one office queue per hour.
    "ALTER TABLE outbox ADD COLUMN rcpt_key TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE outbox ADD COLUMN queue TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX outbox_rcpt_key ON outbox(audience, rcpt_key, created_at)",
    "CREATE INDEX outbox_queue ON outbox(audience, queue, created_at)",
    # Office notifications held back by the per-queue hourly limit, until one digest names them.
    """
        CREATE TABLE office_held (
            case_id INTEGER PRIMARY KEY REFERENCES cases(id),
            queue TEXT NOT NULL,
            held_at TEXT NOT NULL,
            digest_row INTEGER
        )""",
    "CREATE INDEX office_held_queue ON office_held(queue, digest_row)",
)


_migration(
    "0007_audit_keyed",
    # Events from now on are HMAC-keyed; those before stay checkable the old way, and only those.
    "ALTER TABLE events ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0",
    "CREATE TABLE audit_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    (
        "INSERT INTO audit_meta (name, value) VALUES"
        " ('legacy_events_until', (SELECT COALESCE(MAX(id), 0) FROM events)),"
        " ('legacy_cases_until', (SELECT COALESCE(MAX(id), 0) FROM cases))"
    ),
)


_migration(
    "0008_staff_work",
    # What staff decided on a case, by mail: consent, assignee, anonymity, the promised contact date.
    "ALTER TABLE cases ADD COLUMN contact_due TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE cases ADD COLUMN consent INTEGER",
    "ALTER TABLE cases ADD COLUMN assignee TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE cases ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0",
    """
        CREATE TABLE commands (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            command TEXT NOT NULL,
            result TEXT NOT NULL CHECK (result IN ('run', 'refused')),
            reason TEXT NOT NULL DEFAULT '',
            message_row INTEGER REFERENCES messages(id)
        )""",
    "CREATE INDEX commands_case ON commands(case_id)",
    # Mail that went to the sender (a notice) or to their provider (an abuse report), for the gates.
    """
        CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            kind TEXT NOT NULL CHECK (kind IN ('notice', 'abuse')),
            to_addr TEXT NOT NULL,
            outbox_id INTEGER REFERENCES outbox(id),
            message_id TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
    "CREATE INDEX notices_case ON notices(case_id)",
    "CREATE INDEX notices_to ON notices(to_addr)",
    """
        CREATE TABLE followups (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            kind TEXT NOT NULL,
            due_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'due' CHECK (state IN ('due', 'done', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            detail TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            done_at TEXT
        )""",
    "CREATE INDEX followups_due ON followups(state, due_at)",
    "CREATE INDEX followups_case ON followups(case_id)",
)


_migration(
    "0009_sender_links",
    # What identifies a sender (stopit.link), per case: looked up by (kind, value) for every new report;
    # `at` is when the offending message was written, for keys that only match near the same time.
    """
        CREATE TABLE sender_keys (
            case_id INTEGER NOT NULL REFERENCES cases(id),
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
    "CREATE INDEX sender_keys_lookup ON sender_keys(kind, value, at)",
    "CREATE INDEX sender_keys_case ON sender_keys(case_id)",
    # A case linked to an earlier one, and why (the kinds of key they share).
    """
        CREATE TABLE case_links (
            case_id INTEGER NOT NULL REFERENCES cases(id),
            linked_id INTEGER NOT NULL REFERENCES cases(id),
            why TEXT NOT NULL,
            same_message INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (case_id, linked_id)
        )""",
    "CREATE INDEX case_links_linked ON case_links(linked_id)",
    # Reports of the same message: every case of an incident names its first case.
    """
        CREATE TABLE incidents (
            case_id INTEGER PRIMARY KEY REFERENCES cases(id),
            incident INTEGER NOT NULL
        )""",
    "CREATE INDEX incidents_incident ON incidents(incident)",
)


_migration(
    "0010_purged_cases",
    # What is left of a case removed after the retention period: its figures for the annual report, and
    # how much was removed; no address, name, subject or message. The cases row itself stays, emptied,
    # so that the sealed event log still accounts for it (stopit.purge).
    """
        CREATE TABLE purged_cases (
            case_id INTEGER PRIMARY KEY,
            purged_at TEXT NOT NULL,
            figures TEXT NOT NULL,
            removed TEXT NOT NULL
        )""",
)


_migration(
    "0011_outbox_escalation",
    # An urgent office's mail that failed or bounced is escalated once; the row says when.
    "ALTER TABLE outbox ADD COLUMN escalated_at TEXT",
    "CREATE INDEX outbox_status ON outbox(status, audience)",
)


_migration(
    "0012_case_outcome",
    # What the reporter said at a check-in ("stopped", "still happening"), or "no reply" at auto-close.
    "ALTER TABLE cases ADD COLUMN outcome TEXT NOT NULL DEFAULT ''",
)


_migration(
    "0013_case_language",
    # The language the reporter was first answered in, so that a check-in or a staff reply speaks it too.
    "ALTER TABLE cases ADD COLUMN language TEXT NOT NULL DEFAULT ''",
)


_migration(
    "0014_event_detail_digest",
    # From now on an event's hash covers its detail's SHA-256 (keyed = 2), so that the text, which may name
    # the reporter, can be removed at the end of the retention period and the chain still verifies.
    "ALTER TABLE events ADD COLUMN detail_sha TEXT",
    "ALTER TABLE events ADD COLUMN redacted_at TEXT",
    # Still append-only, but for that one change: the text of such an event of a purged case replaced by the
    # marker, every other field as it was.
    "DROP TRIGGER events_no_update",
    f"""CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                  WHEN NOT (
                    OLD.keyed = 2 AND NEW.keyed = 2 AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
                    AND NEW.detail = '{REDACTED}' AND NEW.id = OLD.id AND NEW.at = OLD.at
                    AND NEW.case_id IS OLD.case_id AND NEW.type = OLD.type AND NEW.prev_hash = OLD.prev_hash
                    AND NEW.hash = OLD.hash AND NEW.detail_sha = OLD.detail_sha
                    AND EXISTS (SELECT 1 FROM purged_cases p WHERE p.case_id = OLD.case_id)
                  )
                  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
)
