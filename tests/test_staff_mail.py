"""The staff workflow end to end on real servers: Dovecot holds the desk's mailbox, aiosmtpd receives what
the desk sends. Report → office mail → staff reply with our MX's Authentication-Results → commands run →
the notice arrives without a trace of the reporter → the sender's answer threads back and staff are told."""

from __future__ import annotations

import email
import json
import re
from email.policy import compat32
from pathlib import Path

import pytest

from tests.conftest import stopit
from tests.servers import Dovecot, Received, SmtpSink, write_config
from tests.test_route import OFFICES
from tests.test_staff import (
    DESK,
    MX,
    OFFENDER,
    OUR_AR,
    POLICE,
    REPORTER,
    STAFF,
    answer_to,
    body_of,
    offending,
    report_with,
)

EXTRA = f'authserv_ids = ["{MX}"]\nplus_addressing = true\n' + OFFICES


def run(config: Path) -> None:
    result = stopit(config, "run", "--once")
    assert result.exit_code in (0, 75), result.output  # 75: some mail deferred for a retry


def arrived(sink: SmtpSink, count: int, to: str) -> list[Received]:
    return [r for r in sink.wait_for(count) if r.rcpt_tos == [to]]


def reply_to(received: Received, sender: str, body: str, head: str = "") -> bytes:
    msg = received.message
    return answer_to(received.data, sender, body, f"{head}References: {msg['Message-ID']}\r\n", msg["Reply-To"] or DESK)


@pytest.fixture
def desk(dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path) -> tuple[Path, Dovecot, SmtpSink, Received]:
    config = write_config(tmp_path, dovecot.url, smtp_sink.url, EXTRA)
    dovecot.append(report_with(offending(), "He keeps writing to me. I do not know who he is at all."))
    run(config)
    (office,) = arrived(smtp_sink, 2, STAFF)
    return config, dovecot, smtp_sink, office


def test_report_to_notice_to_answer_over_imap_and_smtp(desk) -> None:
    config, dovecot, sink, office = desk
    assert re.match(r"stopit\+1\.[0-9a-f]{12}@campus\.example\.edu", office.message["Reply-To"])
    body = "Stopit: consent yes\r\nStopit: notice send --unverified\r\nTalked to the student by phone."
    dovecot.append(reply_to(office, STAFF, body, OUR_AR))
    run(config)
    (notice,) = arrived(sink, 4, OFFENDER)
    (confirmation,) = arrived(sink, 4, STAFF)[1:]
    # Nothing of the reporter anywhere in the notice's bytes.
    lowered = notice.data.lower()
    for needle in (REPORTER, "maria", "lopez", "report.1@campus", "he keeps writing to me"):
        assert needle.encode() not in lowered
    assert notice.mail_from.startswith("stopit+b") and notice.message["From"].endswith(f"<{DESK}>")
    assert '"you again"' in body_of(notice.data)
    text = body_of(confirmation.data)
    assert "consent recorded: yes" in text and f"notice sent to {OFFENDER}" in text
    # The sender answers the notice: it joins case 1 and staff are told; the reporter hears nothing.
    dovecot.append(reply_to(notice, OFFENDER, "Sorry, it will not happen again."))
    run(config)
    told = arrived(sink, 5, STAFF)
    assert len(told) == 3 and "the sender answered" in body_of(told[-1].data)
    assert len(arrived(sink, 5, REPORTER)) == 1  # only the acknowledgement
    case = json.loads(stopit(config, "cases", "show", "1", "--json").output)
    assert case["consent"] is True and case["anonymous"] is False and case["assignee"] == ""
    assert [(c["command"], c["result"]) for c in case["commands"]] == [
        ("consent yes", "run"),
        ("notice send --unverified", "run"),
    ]
    (sent,) = case["notices"]
    assert sent["to"] == OFFENDER and sent["state"] == "sent" and sent["message_id"] == notice.message["Message-ID"]
    assert {"at", "by", "command", "result", "reason"} <= set(case["commands"][0])
    assert {"to", "state", "outbox_id", "message_id", "at"} <= set(sent)


def unproven(message: bytes) -> bytes:
    """Written to the plain desk address, so that only the Message-IDs (or the subject) could tie it to a case."""
    return re.sub(rb"(?m)^To: .*$", b"To: " + DESK.encode(), message, count=1)


@pytest.mark.parametrize(
    ("what", "head", "mangle"),
    [
        ("a foreign Authentication-Results", OUR_AR.replace(MX, "mx.elsewhere.example"), None),
        ("ours below an outside hop", "Received: from x (x [203.0.113.7]) by mx.campus.example.edu with ESMTP; "
         "Mon, 30 Nov 2026 12:00:00 +0000\r\n" + OUR_AR, None),
        ("no Authentication-Results", "", None),
        ("a wrong HMAC", OUR_AR, lambda b: unproven(re.sub(rb"(<stopit\.1\.[0-9a-f]{16}\.)[0-9a-f]{20}", rb"\g<1>0123456789abcdef0123", b))),
        ("only the subject tag", OUR_AR, lambda b: unproven(re.sub(rb"(?m)^(In-Reply-To|References): .*\r\n", b"", b))),
    ],
)  # fmt: skip
def test_unproven_replies_run_nothing_and_say_why(desk, what: str, head: str, mangle) -> None:
    config, dovecot, sink, office = desk
    message = reply_to(office, STAFF, "Stopit: consent yes\r\nStopit: notice send --unverified", head)
    dovecot.append(mangle(message) if mangle else message)
    run(config)
    answers = arrived(sink, 3, STAFF)
    assert len(answers) == 2, what
    assert "were not run" in body_of(answers[1].data), what
    assert arrived(sink, 3, OFFENDER) == []
    case = json.loads(stopit(config, "cases", "show", "1", "--json").output)
    assert case["consent"] is None and case["notices"] == [] and case["commands"] == []


def test_a_non_staff_sender_gets_nothing_run(desk) -> None:
    config, dovecot, sink, office = desk
    dovecot.append(reply_to(office, "eve@evil.example", "Stopit: notice send --unverified", OUR_AR))
    run(config)
    # `run --once` returns after its mail is handed over: no need to wait for a third that never comes.
    assert len(sink.handler.received) == 2  # the acknowledgement and the office mail, nothing more
    assert arrived(sink, 2, OFFENDER) == [] and arrived(sink, 2, "eve@evil.example") == []


def test_a_threat_case_refuses_the_notice_over_real_mail(dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path) -> None:
    config = write_config(tmp_path, dovecot.url, smtp_sink.url, EXTRA)
    dovecot.append(report_with(offending("tonight", "I know where you live and I will kill you tonight.")))
    run(config)
    (police,) = arrived(smtp_sink, 2, POLICE)
    police_ar = OUR_AR.replace(STAFF, POLICE).replace("header.d=campus", "header.d=police.campus")
    dovecot.append(reply_to(police, POLICE, "Stopit: consent yes\r\nStopit: notice send --unverified", police_ar))
    run(config)
    (confirmation,) = arrived(smtp_sink, 3, POLICE)[1:]
    assert "REFUSED: the case is urgent" in body_of(confirmation.data)
    assert arrived(smtp_sink, 3, OFFENDER) == []
    msg = email.message_from_bytes(confirmation.data, policy=compat32)
    assert msg["In-Reply-To"].startswith("<r.")
