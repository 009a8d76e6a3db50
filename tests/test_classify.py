"""Classification: reports, replies, RFC 3834 automatic mail and bounces."""

from __future__ import annotations

import pytest

from stopit.ingest.classify import classify
from stopit.ingest.parse import envelope_of
from stopit.models import Facts, Kind, RawMessage

BASE = "From: A Person <a@campus.example.edu>\nTo: stopit@campus.example.edu\nSubject: {subject}\n"


def env(extra: str = "", subject: str = "Fwd: hello", body: str = "hi\n", content_type: str = ""):
    ct = f"Content-Type: {content_type}\n" if content_type else ""
    return envelope_of(RawMessage(f"{BASE.format(subject=subject)}{extra}{ct}\n{body}".encode(), "t"))


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        ("", Kind.REPORT),
        ("Auto-Submitted: no\n", Kind.REPORT),
        ("Auto-Submitted: auto-replied\n", Kind.AUTO),
        ("Auto-Submitted: auto-generated; owner-email=x@y\n", Kind.AUTO),
        ("Precedence: bulk\n", Kind.AUTO),
        ("Precedence: junk\n", Kind.AUTO),
        ("Precedence: list\n", Kind.AUTO),
        ("List-Id: <announce.example.edu>\n", Kind.AUTO),
        ("X-Auto-Response-Suppress: All\n", Kind.AUTO),
        ("Return-Path: <>\n", Kind.AUTO),
        ("Return-Path: <MAILER-DAEMON@mx.example.edu>\n", Kind.BOUNCE),
    ],
)
def test_headers_decide_the_kind(extra: str, kind: Kind) -> None:
    assert classify(env(extra), Facts()).kind is kind


def test_delivery_status_report_is_a_bounce() -> None:
    e = env(
        content_type='multipart/report; report-type=delivery-status; boundary="b"',
        body="--b\nContent-Type: text/plain\n\nfailed\n--b--\n",
    )
    result = classify(e, Facts())
    assert result.kind is Kind.BOUNCE and "delivery-status" in result.reason


def test_out_of_office_subject_is_automatic() -> None:
    assert classify(env(subject="Automatic reply: [stopit #3] We received your report"), Facts()).kind is Kind.AUTO


def test_a_reply_to_our_mail_is_a_reply_and_a_report_that_quotes_the_word_is_not() -> None:
    assert classify(env(), Facts(replied_case=7)).kind is Kind.REPLY
    assert classify(env(subject="Fwd: automatic reply from my harasser?"), Facts()).kind is Kind.REPORT


def test_hostile_headers_do_not_raise() -> None:
    nasty = (
        b"From: =?x-unknown?Q?=FF=FE?= <\xff@\xfe>\nSubject: =?utf-8?B?////?=\n"
        b"Message-ID: <<<>>>\nTo: ,,,,@,\n\n\xff\xfe"
    )
    e = envelope_of(RawMessage(nasty, "t"))
    assert classify(e, Facts()).kind is Kind.REPORT
    assert e.message_id == ""
