"""Time as a stage: held office mail goes out as one digest, failed urgent notifications are escalated once."""

from __future__ import annotations

import email
from datetime import timedelta
from email.policy import compat32
from pathlib import Path

from stopit.desk import handle
from stopit.models import RawMessage
from stopit.schedule import run_clock
from tests.test_injection import STAFF, TOPICS, open_desk, report, sent_since
from tests.test_staff import POLICE, body_of


def test_held_office_mail_goes_out_as_one_digest_once_the_hour_has_room(tmp_path: Path) -> None:
    desk = open_desk(tmp_path, office_limit_per_hour=5)
    for n in range(12):
        handle(desk, RawMessage(report(f"r{n}@student.example.org", f"help {n}", f"<d.{n}@x.example>", TOPICS[2]), "t"))
    office = [data for rcpt, data in sent_since(desk, 0) if rcpt == (STAFF["stopit"],)]
    assert len(office) == 5
    now = desk.store.clock()
    assert run_clock(desk, now) == 0  # the hour is full: the held cases wait
    later = now + timedelta(minutes=61)
    assert run_clock(desk, later) == 1
    digest = [data for rcpt, data in sent_since(desk, 0) if rcpt == (STAFF["stopit"],)][5:]
    assert len(digest) == 1
    text = body_of(digest[0])
    assert "7 more case(s)" in text and "case 12" in text and "case 6," in text
    assert run_clock(desk, later) == 0  # a restart never sends it twice


def test_a_failed_urgent_notification_is_escalated_once(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    desk.config.values["desk.supervisors"] = ["boss@campus.example.edu"]
    handle(desk, RawMessage(report("v@student.example.org", "help", "<t.1@x.example>", TOPICS[0]), "t"))
    row = desk.store.conn.execute("SELECT id FROM outbox WHERE audience='office'").fetchone()[0]
    assert desk.store.claim_delivery(row)
    desk.store.mark_failed(row, "550 5.1.1 no such user")
    before = desk.store.conn.execute("SELECT MAX(id) FROM outbox").fetchone()[0]
    assert run_clock(desk) == 1
    (escalated,) = sent_since(desk, before)
    assert set(escalated[0]) == {"boss@campus.example.edu", STAFF["stopit"]}
    msg = email.message_from_bytes(escalated[1], policy=compat32)
    assert msg["Subject"].startswith("[stopit #1] URGENT") and "550 5.1.1" in body_of(escalated[1])
    assert run_clock(desk) == 0
    events = [e["type"] for e in desk.store.case_detail(1)["events"]]
    assert events.count("office.escalated") == 1
    assert POLICE.startswith("dispatch@")  # the police desk was the one not reached


def test_it_abuse_gets_yesterdays_junk_count_once_a_day_after_eight(tmp_path: Path) -> None:
    from tests.test_classify import NEWSLETTER_HTML, mail

    desk = open_desk(tmp_path)
    for n in range(3):
        junk = mail(f"Deals {n}", NEWSLETTER_HTML, sender="Shop <news@shop.example>", X_SG_EID=f"e{n}")
        junk = junk.replace(b"<m1@sender.example>", f"<junk{n}@shop.example>".encode())
        assert handle(desk, RawMessage(junk, "t")).kind == "junk"
    assert sent_since(desk, 0) == []  # never answered
    arrived = desk.store.clock()
    next_day = arrived.replace(hour=7, minute=0) + timedelta(days=1)
    assert run_clock(desk, next_day) == 0  # before 08:00: not yet
    assert run_clock(desk, next_day + timedelta(hours=2)) == 1
    (count,) = sent_since(desk, 0)
    assert count[0] == (STAFF["abuse"],) and "3 unsolicited message(s)" in body_of(count[1])
    assert run_clock(desk, next_day + timedelta(hours=5)) == 0  # once a day
