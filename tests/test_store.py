"""The store: byte-exact raw messages, idempotent intake, the tamper-evident event chain, file mode."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from stopit.models import RawMessage
from stopit.store import INLINE_BLOB_LIMIT, Store
from stopit.store.events import REDACTED
from tests.conftest import stopit


def test_raw_bytes_round_trip_small_and_large_and_dedupe(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    small = RawMessage(b"Subject: x\r\n\r\n\x00\xff body", "t")
    large = RawMessage(os.urandom(INLINE_BLOB_LIMIT + 10), "t")
    a, b = store.store_incoming(small), store.store_incoming(large)
    assert a.is_new and b.is_new
    assert store.raw_bytes(a.row_id) == small.data
    assert store.raw_bytes(b.row_id) == large.data
    assert (tmp_path / "blobs" / large.sha256[:2] / large.sha256).exists()
    again = store.store_incoming(small)
    assert not again.is_new and again.row_id == a.row_id


def test_database_file_is_private(tmp_path: Path) -> None:
    Store(tmp_path / "s.db").close()
    assert stat.S_IMODE((tmp_path / "s.db").stat().st_mode) == 0o600


def test_a_removed_event_text_must_be_the_marker_and_only_in_a_purged_case(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with store.transaction():
        case = store.open_case("stopit", "a@b.c", "subject", "0" * 64)
        store.add_event(case, "note", "reported by a@b.c")
    # The database itself allows the removal only in a purged case, and only as the marker.
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("UPDATE events SET detail=?, redacted_at='x' WHERE type='note'", (REDACTED,))
    store.conn.execute("DROP TRIGGER events_no_update")
    store.conn.execute("UPDATE events SET detail=?, redacted_at='x' WHERE type='note'", (REDACTED,))
    check = store.verify_chain()
    assert not check.ok and "not purged" in check.problem
    store.conn.execute("INSERT INTO purged_cases VALUES (?, 'x', '{}', '{}')", (case,))
    assert store.verify_chain().ok
    store.conn.execute("UPDATE events SET detail='reported by someone else' WHERE type='note'")
    check = store.verify_chain()
    assert not check.ok and "edited" in check.problem


def test_events_are_append_only_and_tampering_is_detected(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with store.transaction():
        case = store.open_case("stopit", "a@b.c", "subject", "0" * 64)
        for n in range(3):
            store.add_event(case, "note", f"event {n}")
    assert store.verify_chain().ok
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("UPDATE events SET detail='forged' WHERE id=2")
    # Someone with raw file access drops the guard and edits a row: the chain shows it.
    store.conn.execute("DROP TRIGGER events_no_update")
    store.conn.execute("UPDATE events SET detail='forged' WHERE id=2")
    check = store.verify_chain()
    assert not check.ok and check.first_bad_id == 2 and "edited" in check.problem
    config = tmp_path / "c.toml"
    config.write_text(f'[desk]\ndatabase = "{tmp_path / "s.db"}"\n')
    result = stopit(config, "audit", "verify")
    assert result.exit_code == 1 and "BROKEN at event 2" in result.output


def test_stored_but_unplanned_message_is_finished_after_a_crash(tmp_path: Path) -> None:
    from stopit.config import from_text
    from stopit.desk import Desk, resume_unfinished

    cfg = from_text(f'[desk]\ndatabase = "{tmp_path / "s.db"}"\n[smtp]\nurl = "maildir://{tmp_path}/o"')
    desk = Desk.open(cfg)
    raw = RawMessage(b"From: v@campus.example.edu\nSubject: help\nMessage-ID: <r1@x>\n\nbody\n", "t")
    desk.store.store_incoming(raw)  # the process died right after this
    outcomes = resume_unfinished(desk)
    assert [o.case_id for o in outcomes] == [1]
    assert resume_unfinished(desk) == []
    assert desk.store.outbox_counts() == {"queued": 1}


def test_quarantined_message_can_be_released_and_processed(tmp_path: Path) -> None:
    from stopit.config import from_text
    from stopit.desk import Desk, handle

    cfg = from_text(
        f'[desk]\ndatabase = "{tmp_path / "s.db"}"\nmax_message_bytes = 10\n[smtp]\nurl = "maildir://{tmp_path}/o"'
    )
    desk = Desk.open(cfg)
    raw = RawMessage(b"From: v@campus.example.edu\nSubject: help\n\nbody\n", "t")
    outcome = handle(desk, raw)
    assert outcome.state == "quarantined" and "max_message_bytes" in outcome.detail
    entry = desk.store.quarantined()[0]
    assert entry["stage"] == "intake"
    config = tmp_path / "c.toml"
    config.write_text(f'[desk]\ndatabase = "{tmp_path / "s.db"}"\n[smtp]\nurl = "maildir://{tmp_path}/o"')
    result = stopit(config, "quarantine", "release", str(entry["id"]))
    assert "case #1 report processed" in result.output
    assert desk.store.quarantined() == []


def test_migration_names_known_to_the_store_match_the_migrations() -> None:
    from stopit.migrations import migrations
    from stopit.store import MIGRATION_NAMES

    assert tuple(m.name for m in migrations._migrations) == MIGRATION_NAMES


def test_helpers_that_need_the_callers_transaction_refuse_to_run_without_one(tmp_path: Path) -> None:
    from stopit.errors import StoreError

    store = Store(tmp_path / "s.db")
    with pytest.raises(StoreError, match="inside the caller's"):
        store.add_event(None, "note", "outside")
    with pytest.raises(StoreError, match="inside the caller's"):
        store.open_case("stopit", "a@b.c", "s", "0" * 64)
    with store.transaction(), pytest.raises(StoreError, match="nested"), store.transaction():
        pass
    assert store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0


# --- the audit trail: keyed, anchored, covering case rows and blobs -----------------------------------


def _desk_with_cases(tmp_path: Path, count: int):
    from stopit.config import from_text
    from stopit.desk import Desk, handle

    cfg = from_text(f'[desk]\ndatabase = "{tmp_path / "s.db"}"\n[smtp]\nurl = "maildir://{tmp_path}/o"')
    desk = Desk.open(cfg)
    for n in range(count):
        body = b"x" * (INLINE_BLOB_LIMIT + 1) if n == 0 else b"please help"
        raw = RawMessage(
            b"From: v%d@campus.example.edu\nSubject: help %d\nMessage-ID: <r%d@x>\n\n%s\n" % (n, n, n, body), "t"
        )
        assert handle(desk, raw).case_id == n + 1
    config = tmp_path / "c.toml"
    config.write_text(f'[desk]\ndatabase = "{tmp_path / "s.db"}"\n[smtp]\nurl = "maildir://{tmp_path}/o"')
    return desk, config


def _unguarded(store: Store) -> sqlite3.Connection:
    """Someone with raw file access: the append-only triggers dropped."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS events_no_update")
    conn.execute("DROP TRIGGER IF EXISTS events_no_delete")
    return conn


def test_audit_chain_intact_with_key_and_anchor_private(tmp_path: Path) -> None:
    desk, config = _desk_with_cases(tmp_path, 3)
    check = desk.store.verify_chain()
    assert check.ok and check.cases == 3 and check.blobs >= 6 and check.anchor == desk.store.head(), check
    for name in ("audit.key", "audit.head"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    result = stopit(config, "audit", "verify")
    assert result.exit_code == 0 and "3 cases sealed" in result.output, result.output


def test_deleting_the_last_ten_events_fails_verification(tmp_path: Path) -> None:
    desk, config = _desk_with_cases(tmp_path, 4)
    head = desk.store.head()
    assert head is not None and head.id > 10
    conn = _unguarded(desk.store)
    conn.execute("DELETE FROM events WHERE id > ?", (head.id - 10,))
    check = desk.store.verify_chain()
    assert not check.ok and "before its anchor" in check.problem, check
    # The same with the head as logged, even when the anchor file was removed too.
    (tmp_path / "audit.head").unlink()
    result = stopit(config, "audit", "verify", "--anchor", f"{head.id}:{head.hash}")
    assert result.exit_code == 1 and "before its anchor" in result.output, result.output


def test_editing_an_event_and_recomputing_the_chain_fails_verification(tmp_path: Path) -> None:
    from stopit.store import GENESIS_HASH, event_hash

    desk, _ = _desk_with_cases(tmp_path, 2)
    conn = _unguarded(desk.store)
    conn.execute("UPDATE events SET detail = 'nothing happened' WHERE id = 3")
    # Recompute every hash as a forger without the key would: plain SHA-256, or a guessed key.
    for key in (None, b"\0" * 32):
        prev = GENESIS_HASH
        for id_, at, case_id, type_, detail in conn.execute(
            "SELECT id, at, case_id, type, detail FROM events ORDER BY id"
        ).fetchall():
            new = event_hash(prev, at, case_id, type_, detail, key)
            conn.execute("UPDATE events SET prev_hash=?, hash=? WHERE id=?", (prev, new, id_))
            prev = new
        check = desk.store.verify_chain()
        assert not check.ok and check.first_bad_id == 1 and "edited" in check.problem, check
    # Passing the rows off as written before the chain was keyed does not work either.
    conn.execute("UPDATE events SET keyed = 0")
    check = desk.store.verify_chain()
    assert not check.ok and "unkeyed event after the chain was keyed" in check.problem, check


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE cases SET queue='idhr' WHERE id=2", "case 2 differs from its last seal"),
        ("UPDATE cases SET reporter='someone@else.example' WHERE id=1", "case 1 differs from its last seal"),
        ("UPDATE messages SET case_id=1 WHERE case_id=2", "differs from its last seal"),
        (
            "UPDATE messages SET blob = X'00' WHERE id = (SELECT MIN(id) FROM messages WHERE blob IS NOT NULL)",
            "bytes do not match their SHA-256",
        ),
        (
            "INSERT INTO messages (direction, state, sha256, size, at, blob) VALUES"
            " ('in', 'processed', 'ab', 1, '2026-01-01', X'00')",
            "no message.received event",
        ),
    ],
)
def test_case_rows_messages_and_blobs_are_covered(tmp_path: Path, tamper: str, expected: str) -> None:
    desk, _ = _desk_with_cases(tmp_path, 2)
    conn = _unguarded(desk.store)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(tamper)
    check = desk.store.verify_chain()
    assert not check.ok and expected in check.problem, check


def test_editing_a_blob_file_fails_verification(tmp_path: Path) -> None:
    desk, _ = _desk_with_cases(tmp_path, 1)
    blob = next((tmp_path / "blobs").rglob("*"))
    while blob.is_dir():
        blob = next(blob.iterdir())
    blob.write_bytes(blob.read_bytes().replace(b"x", b"y", 1))
    check = desk.store.verify_chain()
    assert not check.ok and "bytes do not match" in check.problem, check


def test_the_head_is_logged_for_an_outside_anchor(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="stopit.audit")
    desk, _ = _desk_with_cases(tmp_path, 1)
    desk.store.close()
    head = Store(tmp_path / "s.db").head()
    assert head is not None
    assert f"audit head {head.id}:{head.hash}" in caplog.text
