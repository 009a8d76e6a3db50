"""Owns the database schema as named, recorded migrations (sqlite-utils' Migrations)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from stopit.store.events import REDACTED

migrations = Migrations("stopit")


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    db.execute("""
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
        )""")
    db.execute("""
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
        )""")
    db.execute("CREATE UNIQUE INDEX messages_in_sha256 ON messages(sha256) WHERE direction = 'in'")
    db.execute("CREATE INDEX messages_message_id ON messages(message_id)")
    db.execute("CREATE INDEX messages_case ON messages(case_id)")
    db.execute("CREATE INDEX messages_state ON messages(state)")
    db.execute("""
        CREATE TABLE sources (
            key TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            case_id INTEGER,
            type TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX events_case ON events(case_id)")
    # The event log is append-only: the database itself refuses edits and deletions.
    db.execute("""CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""")
    db.execute("""CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""")
    db.execute("""
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
        )""")
    db.execute("CREATE INDEX outbox_due ON outbox(status, next_attempt_at)")
    db.execute("""
        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL,
            stage TEXT NOT NULL,
            error TEXT NOT NULL,
            at TEXT NOT NULL,
            released_at TEXT
        )""")


@migrations(name="0002_outbox_reporter_index")
def _outbox_reporter_index(db: Database) -> None:
    # The per-reporter acknowledgement limit looks rows up by recipient and time on every report.
    db.execute("CREATE INDEX outbox_rcpt ON outbox(audience, rcpt_to, created_at)")


@migrations(name="0003_offending")
def _offending(db: Database) -> None:
    db.execute("""
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
        )""")
    db.execute("CREATE INDEX offending_case ON offending(case_id)")
    db.execute("CREATE INDEX offending_from ON offending(from_addr)")


@migrations(name="0004_case_route")
def _case_route(db: Database) -> None:
    for column, default in (("category", "''"), ("rule", "''"), ("tags", "'[]'"), ("notice", "'approval'")):
        db.execute(f"ALTER TABLE cases ADD COLUMN {column} TEXT NOT NULL DEFAULT {default}")


@migrations(name="0005_rdap_cache")
def _rdap_cache(db: Database) -> None:
    db.execute("CREATE TABLE rdap_cache (ip TEXT PRIMARY KEY, data TEXT NOT NULL, fetched_at TEXT NOT NULL)")


@migrations(name="0006_outbox_limits")
def _outbox_limits(db: Database) -> None:
    # Limits count one person's mailbox (case-folded, +subaddress removed) and one office queue per hour.
    db.execute("ALTER TABLE outbox ADD COLUMN rcpt_key TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE outbox ADD COLUMN queue TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX outbox_rcpt_key ON outbox(audience, rcpt_key, created_at)")
    db.execute("CREATE INDEX outbox_queue ON outbox(audience, queue, created_at)")
    # Office notifications held back by the per-queue hourly limit, until one digest names them.
    db.execute("""
        CREATE TABLE office_held (
            case_id INTEGER PRIMARY KEY REFERENCES cases(id),
            queue TEXT NOT NULL,
            held_at TEXT NOT NULL,
            digest_row INTEGER
        )""")
    db.execute("CREATE INDEX office_held_queue ON office_held(queue, digest_row)")


@migrations(name="0007_audit_keyed")
def _audit_keyed(db: Database) -> None:
    # Events from now on are HMAC-keyed; those before stay checkable the old way, and only those.
    db.execute("ALTER TABLE events ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE TABLE audit_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute(
        "INSERT INTO audit_meta (name, value) VALUES"
        " ('legacy_events_until', (SELECT COALESCE(MAX(id), 0) FROM events)),"
        " ('legacy_cases_until', (SELECT COALESCE(MAX(id), 0) FROM cases))"
    )


@migrations(name="0008_staff_work")
def _staff_work(db: Database) -> None:
    # What staff decided on a case, by mail: consent, assignee, anonymity, the promised contact date.
    db.execute("ALTER TABLE cases ADD COLUMN contact_due TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE cases ADD COLUMN consent INTEGER")
    db.execute("ALTER TABLE cases ADD COLUMN assignee TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE cases ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0")
    db.execute("""
        CREATE TABLE commands (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            command TEXT NOT NULL,
            result TEXT NOT NULL CHECK (result IN ('run', 'refused')),
            reason TEXT NOT NULL DEFAULT '',
            message_row INTEGER REFERENCES messages(id)
        )""")
    db.execute("CREATE INDEX commands_case ON commands(case_id)")
    # Mail that went to the sender (a notice) or to their provider (an abuse report), for the gates.
    db.execute("""
        CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            kind TEXT NOT NULL CHECK (kind IN ('notice', 'abuse')),
            to_addr TEXT NOT NULL,
            outbox_id INTEGER REFERENCES outbox(id),
            message_id TEXT NOT NULL,
            at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX notices_case ON notices(case_id)")
    db.execute("CREATE INDEX notices_to ON notices(to_addr)")
    db.execute("""
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
        )""")
    db.execute("CREATE INDEX followups_due ON followups(state, due_at)")
    db.execute("CREATE INDEX followups_case ON followups(case_id)")


@migrations(name="0009_sender_links")
def _sender_links(db: Database) -> None:
    # What identifies a sender (stopit.link), per case: looked up by (kind, value) for every new report;
    # `at` is when the offending message was written, for keys that only match near the same time.
    db.execute("""
        CREATE TABLE sender_keys (
            case_id INTEGER NOT NULL REFERENCES cases(id),
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX sender_keys_lookup ON sender_keys(kind, value, at)")
    db.execute("CREATE INDEX sender_keys_case ON sender_keys(case_id)")
    # A case linked to an earlier one, and why (the kinds of key they share).
    db.execute("""
        CREATE TABLE case_links (
            case_id INTEGER NOT NULL REFERENCES cases(id),
            linked_id INTEGER NOT NULL REFERENCES cases(id),
            why TEXT NOT NULL,
            same_message INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (case_id, linked_id)
        )""")
    db.execute("CREATE INDEX case_links_linked ON case_links(linked_id)")
    # Reports of the same message: every case of an incident names its first case.
    db.execute("""
        CREATE TABLE incidents (
            case_id INTEGER PRIMARY KEY REFERENCES cases(id),
            incident INTEGER NOT NULL
        )""")
    db.execute("CREATE INDEX incidents_incident ON incidents(incident)")


@migrations(name="0010_purged_cases")
def _purged_cases(db: Database) -> None:
    # What is left of a case removed after the retention period: its figures for the annual report, and
    # how much was removed; no address, name, subject or message. The cases row itself stays, emptied,
    # so that the sealed event log still accounts for it (stopit.purge).
    db.execute("""
        CREATE TABLE purged_cases (
            case_id INTEGER PRIMARY KEY,
            purged_at TEXT NOT NULL,
            figures TEXT NOT NULL,
            removed TEXT NOT NULL
        )""")


@migrations(name="0011_outbox_escalation")
def _outbox_escalation(db: Database) -> None:
    # An urgent office's mail that failed or bounced is escalated once; the row says when.
    db.execute("ALTER TABLE outbox ADD COLUMN escalated_at TEXT")
    db.execute("CREATE INDEX outbox_status ON outbox(status, audience)")


@migrations(name="0012_case_outcome")
def _case_outcome(db: Database) -> None:
    # What the reporter said at a check-in ("stopped", "still happening"), or "no reply" at auto-close.
    db.execute("ALTER TABLE cases ADD COLUMN outcome TEXT NOT NULL DEFAULT ''")


@migrations(name="0013_case_language")
def _case_language(db: Database) -> None:
    # The language the reporter was first answered in, so that a check-in or a staff reply speaks it too.
    db.execute("ALTER TABLE cases ADD COLUMN language TEXT NOT NULL DEFAULT ''")


@migrations(name="0014_event_detail_digest")
def _event_detail_digest(db: Database) -> None:
    # From now on an event's hash covers its detail's SHA-256 (keyed = 2), so that the text, which may name
    # the reporter, can be removed at the end of the retention period and the chain still verifies.
    db.execute("ALTER TABLE events ADD COLUMN detail_sha TEXT")
    db.execute("ALTER TABLE events ADD COLUMN redacted_at TEXT")
    # Still append-only, but for that one change: the text of such an event of a purged case replaced by the
    # marker, every other field as it was.
    db.execute("DROP TRIGGER events_no_update")
    db.execute(f"""CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                  WHEN NOT (
                    OLD.keyed = 2 AND NEW.keyed = 2 AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
                    AND NEW.detail = '{REDACTED}' AND NEW.id = OLD.id AND NEW.at = OLD.at
                    AND NEW.case_id IS OLD.case_id AND NEW.type = OLD.type AND NEW.prev_hash = OLD.prev_hash
                    AND NEW.hash = OLD.hash AND NEW.detail_sha = OLD.detail_sha
                    AND EXISTS (SELECT 1 FROM purged_cases p WHERE p.case_id = OLD.case_id)
                  )
                  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""")
