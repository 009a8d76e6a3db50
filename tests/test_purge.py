"""Retention: closed cases past `retention_years` go, their figures stay, and the audit chain still verifies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from stopit.store import INLINE_BLOB_LIMIT
from tests.conftest import stopit
from tests.records import close, file_report, open_desk, send_notice, sender_answers, staff_command

BODY = "Stop posting in the group or everyone will see the photos. This is the last warning you get."


def _report(config: Path, start: str, end: str) -> dict:
    result = stopit(config, "report", "--from", start, "--to", end, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_purge_removes_old_closed_cases_keeps_figures_and_the_chain(tmp_path: Path) -> None:
    desk, clock, config = open_desk(tmp_path, datetime(2021, 5, 3, 9, 0, tzinfo=UTC))
    store = desk.store
    old = file_report(desk, "ann@campus.example.edu", "pest@freemail.example", BODY, "<p1@x>", big=True)
    again = file_report(desk, "bob@campus.example.edu", "pest@freemail.example", BODY, "<p1@x>", big=True)
    clock.advance(hours=3)
    staff_command(store, old)
    notice = send_notice(store, old, "pest@freemail.example")
    sender_answers(desk, old, "pest@freemail.example", notice)
    close(store, old)
    still_open = file_report(
        desk, "cat@campus.example.edu", "x@else.example", "Some other words, not the same.", "<p2@x>"
    )
    clock.now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    recent = file_report(
        desk, "dan@campus.example.edu", "pest@freemail.example", "A new message this year, a new one.", "<p3@x>"
    )
    close(store, recent)
    before = _report(config, "2021-01-01", "2021-12-31")
    blobs_before = sorted(p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file())

    listed = stopit(config, "purge", "--dry-run")
    assert listed.exit_code == 0 and f"case #{old} closed" in listed.output and "1 case(s)" in listed.output
    assert f"case #{still_open} " not in listed.output and f"case #{recent} " not in listed.output
    assert store.conn.execute("SELECT COUNT(*) FROM messages WHERE case_id=?", (old,)).fetchone()[0] > 0

    done = stopit(config, "purge", "--yes")
    assert done.exit_code == 0 and "1 case(s) removed" in done.output, done.output
    for table in ("messages", "offending", "outbox", "notices", "commands", "sender_keys"):
        assert store.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE case_id=?", (old,)).fetchone()[0] == 0, table
    row = store.conn.execute("SELECT reporter, subject, queue FROM cases WHERE id=?", (old,)).fetchone()
    assert row[:2] == ("", "") and row[2]
    tomb = json.loads(store.conn.execute("SELECT removed FROM purged_cases WHERE case_id=?", (old,)).fetchone()[0])
    assert tomb["messages"] >= 4 and tomb["offending"] == 1
    # The big offending message is the same bytes in `again`: that blob file stays, as `again` still needs it;
    # the big report and office mail that only `old` had are gone.
    blobs_after = sorted(p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file())
    (shared,) = store.conn.execute("SELECT sha256 FROM offending WHERE case_id=?", (again,)).fetchone()
    assert shared in blobs_after and len(store.offending_bytes(shared) or b"") > INLINE_BLOB_LIMIT
    named = store.conn.execute(
        "SELECT blob_path FROM messages WHERE blob_path IS NOT NULL"
        " UNION SELECT blob_path FROM offending WHERE blob_path IS NOT NULL"
    ).fetchall()
    assert blobs_after == sorted(Path(p).name for (p,) in named) and len(blobs_after) < len(blobs_before)

    after = _report(config, "2021-01-01", "2021-12-31")
    assert {k: v for k, v in after.items() if k != "purged_cases"} == {
        k: v for k, v in before.items() if k != "purged_cases"
    }
    assert (before["purged_cases"], after["purged_cases"]) == (0, 1)
    events = [e["type"] for e in store.case_detail(old)["events"]]
    assert events[-2:] == ["case.purged", "case.sealed"]
    # The log no longer says who reported, who sent it or what it was about; the other cases' events do.
    texts = " ".join(e["detail"] for e in store.case_detail(old)["events"])
    assert not any(word in texts for word in ("ann@", "pest@", "@campus")), texts
    assert "ann@" not in " ".join(r[0] for r in store.conn.execute("SELECT detail FROM events"))
    assert "bob@" in " ".join(e["detail"] for e in store.case_detail(again)["events"])
    audit = stopit(config, "audit", "verify")
    assert audit.exit_code == 0 and "intact" in audit.output, audit.output
    assert stopit(config, "purge", "--dry-run").output.startswith("0 case(s)")


def test_purge_needs_one_of_dry_run_or_yes(tmp_path: Path) -> None:
    _, _, config = open_desk(tmp_path)
    assert stopit(config, "purge").exit_code == 2
