"""The store: byte-exact raw messages, idempotent intake, the tamper-evident event chain, file mode."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from stopit.models import RawMessage
from stopit.store import INLINE_BLOB_LIMIT, Store
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
