"""Follow-ups are rows: reminders on time, once, in one digest per address; check-ins in daytime only."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.policy import compat32

import pytest

from stopit.desk import Desk, handle
from stopit.followups import checkin_answer, in_quiet_hours, morning
from stopit.models import RawMessage
from stopit.schedule import run_clock
from tests.test_staff import (
    OFFENDER,
    POLICE,
    REPORTER,
    STAFF,
    answer_to,
    body_of,
    make_desk,
    offending,
    office_mail,
    outbox,
    report_with,
    staff_reply,
)


@pytest.fixture
def desk(tmp_path) -> Desk:
    return make_desk(tmp_path)


def open_case(desk: Desk) -> datetime:
    handle(desk, RawMessage(report_with(offending()), "t"))
    return datetime.fromisoformat(desk.store.case_detail(1)["created_at"])


def reminders(desk: Desk, since: int) -> list[tuple[list[str], bytes]]:
    return [(r, d) for r, d in outbox(desk)[since:] if b"reminder" in d.lower() or b"things due" in d.lower()]


def test_the_day_before_then_missed_then_supervisors_each_once(desk: Desk) -> None:
    desk.config.values["desk.supervisors"] = ["boss@campus.example.edu"]
    opened = open_case(desk)
    start = len(outbox(desk))
    first_day = opened + timedelta(days=1, hours=20)  # past 08:00 of the day before the 2-day deadline
    assert run_clock(desk, opened + timedelta(hours=1)) == 0
    run_clock(desk, first_day)
    run_clock(desk, first_day)  # a restart in the same minute repeats nothing
    (tomorrow,) = reminders(desk, start)
    assert tomorrow[0] == [STAFF] and "due tomorrow" in body_of(tomorrow[1])
    assert "Stopit: consent yes" in body_of(tomorrow[1])
    msg = email.message_from_bytes(tomorrow[1], policy=compat32)
    assert desk.tokens.case_of_message_id(msg["Message-ID"]) == 1  # one case: replying to it commands
    mark = len(outbox(desk))
    run_clock(desk, opened + timedelta(days=2, hours=1))
    (missed,) = reminders(desk, mark)
    assert "missed" in body_of(missed[1])
    mark = len(outbox(desk))
    # The supervisors' step falls due at 08:00 of the day after the missed deadline: a case opened
    # between midnight and six is three days and two hours old before that morning comes.
    supervisors_due = morning(opened + timedelta(days=3), desk.config) + timedelta(minutes=1)
    run_clock(desk, max(opened + timedelta(days=3, hours=2), supervisors_due))
    (boss,) = reminders(desk, mark)
    assert boss[0] == ["boss@campus.example.edu"] and "supervisors" in body_of(boss[1])
    mark = len(outbox(desk))
    run_clock(desk, opened + timedelta(days=30))
    # The first action is done with; the contact deadline, long missed while nobody ran the clock, is one
    # catch-up straight to the supervisors.
    (late,) = reminders(desk, mark)
    assert late[0] == ["boss@campus.example.edu"]
    assert "contacting the sender" in body_of(late[1]) and "first staff action" not in body_of(late[1])


def test_a_week_of_downtime_catches_up_once_in_one_digest(desk: Desk) -> None:
    opened = open_case(desk)
    start = len(outbox(desk))
    later = opened + timedelta(days=9)
    run_clock(desk, later)
    sent = reminders(desk, start)
    assert len(sent) == 1  # first action and contact, both long missed: one digest, not one per day
    text = body_of(sent[0][1])
    assert "a first staff action" in text and "contacting the sender" in text
    run_clock(desk, later + timedelta(minutes=1))
    assert len(reminders(desk, start)) == 1


def test_a_staff_action_ends_the_first_action_reminders(desk: Desk) -> None:
    opened = open_case(desk)
    handle(desk, RawMessage(staff_reply(desk, office_mail(desk), "Stopit: status waiting"), "t"))
    start = len(outbox(desk))
    run_clock(desk, opened + timedelta(days=6, hours=20))  # the day before the contact deadline
    (only,) = reminders(desk, start)
    assert "a first staff action" not in body_of(only[1]) and "contacting the sender" in body_of(only[1])


def notice_sent(desk: Desk) -> datetime:
    opened = open_case(desk)
    body = "Stopit: consent yes\r\nStopit: notice send --unverified"
    handle(desk, RawMessage(staff_reply(desk, office_mail(desk), body), "t"))
    assert any(r == [OFFENDER] for r, _ in outbox(desk))
    return opened


def test_check_ins_wait_for_daytime_and_go_to_the_reporter(desk: Desk) -> None:
    desk.config.values["desk.timezone"] = "Europe/Berlin"
    notice_sent(desk)
    start = len(outbox(desk))
    due = datetime.fromisoformat(desk.store.followups(1)[-1].due_at) if False else None
    rows = {f.kind: f for f in desk.store.followups(1)}
    due = datetime.fromisoformat(rows["checkin"].due_at)
    night = due.astimezone(desk.followups_tz if hasattr(desk, "followups_tz") else UTC)
    night = datetime(due.year, due.month, due.day, 22, 30, tzinfo=UTC) + timedelta(days=1)  # 23:30 in Berlin
    assert in_quiet_hours(night, desk.config)
    run_clock(desk, night)
    assert not any(r == [REPORTER] for r, _ in outbox(desk)[start:])
    morning = night + timedelta(hours=9)  # 08:30 in Berlin
    assert not in_quiet_hours(morning, desk.config)
    run_clock(desk, morning)
    (checkin,) = [d for r, d in outbox(desk)[start:] if r == [REPORTER]]
    assert "STILL HAPPENING" in body_of(checkin)


def test_still_happening_with_threat_words_makes_an_urgent_police_case(desk: Desk) -> None:
    notice_sent(desk)
    rows = {f.kind: f for f in desk.store.followups(1)}
    run_clock(desk, datetime.fromisoformat(rows["checkin"].due_at).replace(hour=10) + timedelta(days=1))
    checkin = next(d for r, d in outbox(desk) if r == [REPORTER] and b"Has it stopped" in d)
    answer = answer_to(checkin, REPORTER, "STILL HAPPENING\r\nHe wrote that he will kill me when he finds me after class.")
    start = len(outbox(desk))
    handle(desk, RawMessage(answer, "t"))
    state = desk.store.case_state(1)
    assert state.urgent is True and state.queue == "police" and state.outcome == "still happening"
    assert state.status == "open"
    assert [r for r, _ in outbox(desk)[start:]] == [[POLICE]]


def test_stopped_resolves_the_case_and_no_reply_closes_it_later(desk: Desk) -> None:
    notice_sent(desk)
    assert checkin_answer("Stopped. Thank you!") == "stopped"
    assert checkin_answer("  geht weiter, leider") == "still happening"
    assert checkin_answer("I am not sure") == ""
    rows = {f.kind: f for f in desk.store.followups(1)}
    run_clock(desk, datetime.fromisoformat(rows["auto_close"].due_at) + timedelta(hours=12))
    state = desk.store.case_state(1)
    assert state.status == "closed" and state.outcome == "no reply"


def test_followups_list_and_a_rehearsal_run_at_a_later_time(tmp_path) -> None:
    import json
    import mailbox

    from tests.conftest import stopit
    from tests.servers import write_config
    from tests.test_staff_mail import EXTRA

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    mailbox.Maildir(str(inbox), create=True).add(report_with(offending()))
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{out}", EXTRA)
    assert stopit(config, "run", "--once").exit_code == 0
    rows = json.loads(stopit(config, "followups", "list", "--json").output)
    assert {(r["case"], r["kind"], r["state"]) for r in rows} == {(1, "first_action", "due"), (1, "contact", "due")}
    assert all(set(r) == {"case", "kind", "due_at", "state"} for r in rows)
    at = (datetime.fromisoformat(min(r["due_at"] for r in rows)) + timedelta(hours=1)).isoformat()
    text = stopit(config, "followups", "list", "--at", at).output
    assert "DUE" in text and "later" in text
    before = len(list(mailbox.Maildir(str(out))))
    assert stopit(config, "run", "--once", "--at", at).exit_code == 0
    sent = [bytes(m) for m in mailbox.Maildir(str(out))]
    assert len(sent) == before + 1 and any(b"due tomorrow" in m for m in sent)
