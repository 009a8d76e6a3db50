"""Abuse reports: RFC 5965-shaped, and no trace of the reporter in any byte or decoded view of what we send.

The leak check here is the test's own: it looks for each identifier as a substring (stricter than the
module's whole words), case- and accent-insensitively, in the raw bytes read as UTF-8 and as Latin-1 and in
every header value as the standard library decodes it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import time
import unicodedata
from datetime import UTC, datetime
from email import message_from_bytes
from email.errors import CharsetError, HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.policy import compat32, default

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stopit.act.arf import (
    REDACTION_NOTE,
    AbuseReport,
    ReporterLeak,
    build_arf,
    build_plain,
    find_identifiers,
    redact_headers,
)
from stopit.act.headers import Headers, verify_outgoing
from stopit.values import AutoSubmitted, Mailbox, MsgId

NAME = "Ximena Quintanilla-Vázquez"
ADDRESS = "xquin.vazquez@campus.example.edu"
TERMS = ("Ximena", "Quintanilla", "Vázquez", "xquin.vazquez", ADDRESS)
TEXT = "Hello,\n\nthe attached message is harassment sent from your network.\n\n" + REDACTION_NOTE + "\n"


def b_word(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?b?{base64.b64encode(text.encode(charset)).decode()}?="


def q_word(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?q?{''.join(f'={b:02X}' for b in text.encode(charset))}?="


# A harassing message as it reached the reporter's campus mailbox through Gmail, with their traces
# in every place mail servers and clients leave them.
OFFENDING = (
    "Return-Path: <bounce-xquin.vazquez=campus.example.edu@bulk.example.net>\r\n"
    "Delivered-To: xquin.vazquez@campus.example.edu\r\n"
    "Received: from mx.campus.example.edu (mx.campus.example.edu [18.9.28.4])\r\n"
    "\tby imap.campus.example.edu with LMTP id 8c1a; Mon, 30 Nov 2026 10:00:02 +0000\r\n"
    "Received: from mail-sor-f41.google.com (mail-sor-f41.google.com [209.85.220.41])\r\n"
    "\tby mx.campus.example.edu (Postfix) with ESMTPS id 4Q2\r\n"
    "\tfor <xquin.vazquez@campus.example.edu>; Mon, 30 Nov 2026 10:00:01 +0000\r\n"
    "Received: by mail-sor-f41.google.com with SMTP id a1 for <old-alias@alumni.example.edu>;\r\n"
    "\tMon, 30 Nov 2026 10:00:00 +0000\r\n"
    "X-Original-To: xqv@campus.example.edu\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=gmail.com; s=20230601;\r\n"
    "\th=to:subject:message-id:date:from:from:to:cc:subject:date:message-id;\r\n"
    "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=Zm9vYmFy\r\n"
    "Authentication-Results: mx.campus.example.edu; dkim=pass header.d=gmail.com;\r\n"
    "\tspf=pass smtp.mailfrom=harasser@gmail.com; smtp.rcptto=xquin.vazquez@campus.example.edu\r\n"
    "From: Some One <harasser@gmail.com>\r\n"
    f"To: {b_word(NAME)} <xquin.vazquez@campus.example.edu>,\r\n"
    "\tfriend@campus.example.edu\r\n"
    f'Cc: "{NAME}" <Xquin.Vazquez+lists@Campus.Example.edu>\r\n'
    f"Subject: {q_word('Ximena, te estoy viendo')} every day, Quintanilla\r\n"
    "Thread-Topic: we need to talk\r\n"
    "Message-ID: <CAF=xquin.vazquez.abc123@mail.gmail.com>\r\n"
    "X-Forwarded-For: xquin.vazquez@campus.example.edu someone@else.example\r\n"
    "Date: Mon, 30 Nov 2026 10:59:58 +0100\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: text/plain; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "I know where you live.\r\n"
).encode()


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


BIG = 100_000


def _header_views(head: bytes) -> list[str]:
    views = []
    for field in re.split(rb"\r?\n(?![ \t])", head):
        _, _, value = field.partition(b":")
        text = re.sub(r"\r?\n(?=[ \t])", "", value.decode("utf-8", "replace"))
        # The stdlib's decoders take quadratic time on a megabyte of encoded words: there, one word at a time.
        pieces = [text] if len(text) < BIG else [t for t in text.split() if t.startswith("=?")]
        for piece in pieces:
            # An unknown charset name (CharsetError) has no decoded view: the raw views above still count.
            with contextlib.suppress(CharsetError, HeaderParseError, LookupError, UnicodeError, ValueError):
                views.append(str(make_header(decode_header(piece))))
    # The stdlib's parser may raise anything on hostile input; it is only one of the views.
    with contextlib.suppress(Exception):
        if len(head) < BIG:
            views += [str(v) for _, v in message_from_bytes(head + b"\r\n\r\n", policy=default).items()]
    return views


def leaks(data: bytes, terms: tuple[str, ...], *, header_section: bool = True) -> list[str]:
    """The terms found in `data`: raw (UTF-8 and Latin-1), and in decoded header values."""
    views = [data.decode("utf-8", "replace"), data.decode("latin-1")]
    if header_section:
        views += _header_views(re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0])
    folded = [_fold(view) for view in views]
    return [term for term in terms if any(_fold(term) in view for view in folded)]


def field_list(head: bytes) -> list[bytes]:
    return [f for f in re.split(rb"(?<=\n)(?![ \t])", head) if f]


def head_and_body(data: bytes) -> tuple[bytes, bytes]:
    match = re.search(rb"\r?\n\r?\n", data)
    assert match is not None
    return data[: match.end()], data[match.end() :]


def parse(report: AbuseReport) -> Message:
    head = "".join(f"{n}: {v}\r\n" for n, v in report.mime_fields).encode()
    return message_from_bytes(head + b"\r\n" + report.body, policy=compat32)


def raw_parts(report: AbuseReport) -> list[bytes]:
    """The parts' bytes, cut at the boundary the Content-Type names (read by the stdlib)."""
    boundary = parse(report).get_param("boundary")
    assert isinstance(boundary, str)
    pieces = report.body.split(b"--" + boundary.encode())
    assert pieces[0] == b"" and pieces[-1] == b"--\r\n"
    return [p.removeprefix(b"\r\n").removesuffix(b"\r\n") for p in pieces[1:-1]]


def attached_original(report: AbuseReport) -> bytes:
    head, content = head_and_body(raw_parts(report)[2])
    if b"base64" in head.lower():
        return base64.b64decode(content)
    return content


def test_report_is_rfc5965_shaped() -> None:
    report = build_arf(
        OFFENDING,
        [f"{NAME} <{ADDRESS}>"],
        text=TEXT,
        original_mail_from="<harasser@gmail.com>",
        arrival_date="Mon, 30 Nov 2026 10:00:01 +0000",
        source_ip="209.85.220.41",
        reported_domains=["gmail.com"],
    )
    msg = parse(report)
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "feedback-report"
    parts = msg.get_payload()
    assert isinstance(parts, list)
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/feedback-report", "message/rfc822"]
    human = parts[0].get_payload(decode=True).decode("utf-8")
    assert human.replace("\r\n", "\n") == TEXT
    fields = message_from_bytes(head_and_body(raw_parts(report)[1])[1] + b"\r\n", policy=compat32)
    assert fields.get_all("Feedback-Type") == ["abuse"]
    assert fields.get_all("Version") == ["1"]
    assert fields.get_all("User-Agent") == [f"stopit/{__import__('stopit').__version__}"]
    assert fields["Original-Mail-From"] == "<harasser@gmail.com>"
    assert fields["Source-IP"] == "209.85.220.41"
    assert fields["Reported-Domain"] == "gmail.com"
    assert fields["Arrival-Date"] == "Mon, 30 Nov 2026 10:00:01 +0000"
    assert "Original-Rcpt-To" not in fields  # that would be the reporter
    # Its only 8-bit bytes (the name in Cc) were redacted away: ASCII with CRLF travels as it is.
    assert parts[2]["Content-Transfer-Encoding"] == "7bit"
    assert attached_original(report) == report.original
    assert report.omitted == ()


def test_report_fits_under_our_typed_header_section() -> None:
    report = build_arf(OFFENDING, [NAME, ADDRESS], text=TEXT)
    headers = Headers(
        from_=Mailbox("stopit@campus.example.edu"),
        from_name="Stopit",
        to=(Mailbox("abuse@gmail.com"),),
        subject="[stopit #17] Abuse report",
        date=datetime(2026, 11, 30, 12, tzinfo=UTC),
        message_id=MsgId("<stopit.17.abc@campus.example.edu>"),
        auto_submitted=AutoSubmitted.GENERATED,
        case_id=17,
    )
    data = headers.to_bytes(report.mime_fields) + b"\r\n" + report.body
    verify_outgoing(data, headers, [name for name, _ in report.mime_fields])
    assert message_from_bytes(data, policy=default).get_content_type() == "multipart/report"


@pytest.mark.parametrize("given_as", ["mailbox", "separately", "encoded"])
def test_no_reporter_identifier_anywhere_and_everything_else_byte_identical(given_as: str) -> None:
    identifiers = {
        "mailbox": [f'"{NAME}" <{ADDRESS}>'],
        "separately": [NAME, ADDRESS],
        "encoded": [f"{b_word(NAME)} <{ADDRESS}>"],
    }[given_as]
    assert leaks(OFFENDING, TERMS) == list(TERMS)  # the fixture does hold every identifier
    report = build_arf(OFFENDING, identifiers, text=TEXT)
    original = attached_original(report)
    assert leaks(original, TERMS) == []
    human, feedback = raw_parts(report)[:2]
    assert leaks(human + feedback, TERMS, header_section=False) == []
    assert leaks(report.body.replace(raw_parts(report)[2], b""), TERMS) == []

    before, body_before = head_and_body(OFFENDING)
    after, body_after = head_and_body(original)
    assert body_after == body_before
    old, new = field_list(before), field_list(after)
    assert [f.split(b":")[0] for f in old] == [f.split(b":")[0] for f in new]
    recipients = (b"to", b"cc", b"delivered-to", b"x-original-to", b"x-forwarded-for")
    for a, b in zip(old, new, strict=True):
        if not leaks(a, TERMS) and b"for <" not in a and a.split(b":")[0].lower() not in recipients:
            assert a == b
    # Recipient fields are replaced whole, whoever they name; so is a Received's `for`.
    by_name = {f.split(b":")[0].lower(): f for f in new}
    for name in recipients:
        assert by_name[name].endswith(b": redacted@redacted.invalid\r\n")
    assert b"for <old-alias@alumni.example.edu>" not in original
    assert original.count(b"for <redacted@redacted.invalid>") == 2
    # Text around a redacted word is kept: the raw parts of the Subject, the trace of the envelope sender.
    assert b"every day, [redacted]\r\n" in original
    assert b"Return-Path: <bounce-[redacted]=campus.example.edu@bulk.example.net>\r\n" in original
    assert b"Message-ID: <CAF=[redacted].abc123@mail.gmail.com>\r\n" in original
    folded = re.search(rb"Subject: (.*\r\n(?:[ \t].*\r\n)*)", original)
    assert folded is not None
    subject = str(make_header(decode_header(re.sub(r"\r\n(?=[ \t])", "", folded.group(1).decode()).strip())))
    assert subject == "[redacted], te estoy viendo every day, [redacted]"


def test_body_is_left_as_evidence_even_when_it_names_the_reporter() -> None:
    raw = b"From: a@b.example\r\nTo: xquin.vazquez@campus.example.edu\r\n\r\nXimena, I see you.\r\n"
    redacted = redact_headers(raw, [NAME, ADDRESS])
    assert redacted.endswith(b"\r\n\r\nXimena, I see you.\r\n")
    assert b"To: redacted@redacted.invalid\r\n" in redacted
    assert find_identifiers(redacted, [NAME]) == ["Ximena"]


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (b"From: a@b.example\r\nTo: x@campus.example.edu\r\nSubject: hi\r\n\r\nplain\r\n", "7bit"),
        (b"From: a@b.example\nTo: x@campus.example.edu\n\nbare line feeds\n", "base64"),
        (b"From: a@b.example\r\nSubject: caf\xe9\r\n\r\n8-bit\r\n", "base64"),
        (b"From: a@b.example\r\nSubject: " + b"x" * 1000 + b"\r\n\r\nlong\r\n", "base64"),
    ],
    ids=["ascii-crlf", "bare-lf", "8bit", "long-line"],
)
def test_original_travels_7bit_only_when_it_can_as_it_is(raw: bytes, encoding: str) -> None:
    report = build_arf(raw, [ADDRESS], text="Report.")
    part = parse(report).get_payload()[2]
    assert part["Content-Transfer-Encoding"] == encoding
    assert attached_original(report) == report.original
    assert report.original == raw.replace(b"x@campus.example.edu", b"redacted@redacted.invalid")


def test_a_covering_text_naming_the_reporter_is_refused() -> None:
    with pytest.raises(ReporterLeak) as caught:
        build_arf(OFFENDING, [NAME, ADDRESS], text="Our student Ximena Quintanilla received this.")
    assert "Ximena" in caught.value.found and "Quintanilla" in caught.value.found
    with pytest.raises(ReporterLeak):
        build_plain(OFFENDING, [NAME, ADDRESS], text="Reply to xquin.vazquez@campus.example.edu")


def test_facts_that_are_malformed_or_name_the_reporter_are_left_out() -> None:
    report = build_arf(
        OFFENDING,
        [NAME, ADDRESS],
        text=TEXT,
        original_mail_from="<bounce-xquin.vazquez=campus.example.edu@bulk.example.net>",
        arrival_date="yesterday\r\nX-Injected: 1",
        source_ip="209.85.220.41\r\nReported-Domain: evil",
        reported_domains=["gmail.com", "bad domain\r\nX: y"],
    )
    assert set(report.omitted) == {"Original-Mail-From", "Arrival-Date", "Source-IP", "Reported-Domain"}
    assert report.feedback.count(b"\r\n") == 4  # the three required fields and one Reported-Domain
    assert b"Reported-Domain: gmail.com\r\n" in report.feedback
    with pytest.raises(ValueError, match="feedback_type"):
        build_arf(OFFENDING, [ADDRESS], text=TEXT, feedback_type="abuse\r\nX: y")


def test_plain_variant_carries_text_facts_and_the_redacted_message() -> None:
    report = build_plain(OFFENDING, [NAME, ADDRESS], text=TEXT, source_ip="209.85.220.41")
    assert dict(report.mime_fields)["Content-Type"].startswith("text/plain")
    assert all(len(line) <= 78 for line in report.body.split(b"\r\n"))
    shown = binascii.a2b_qp(report.body).decode("utf-8").replace("\r\n", "\n")
    assert shown.startswith(TEXT.rstrip("\n"))
    assert "Source-IP: 209.85.220.41" in shown and "Feedback-Type: abuse" in shown
    assert report.original.replace(b"\r\n", b"\n").decode() in shown
    assert leaks(report.body, TERMS, header_section=False) == []
    assert leaks(shown.encode(), TERMS, header_section=False) == []


def test_hostile_megabyte_lines_are_redacted_in_linear_time() -> None:
    hostile = b"=?a?q? " * 150_000  # a million bytes of encoded-word starts that never close
    raw = (
        b"Subject: " + b"x" * 1_000_000 + b" Ximena\r\n"
        b"X-Junk: " + hostile + b"\r\n"
        b"X-Names: " + q_word("Ximena ").encode() * 50_000 + b"\r\n"
        b"To: xquin.vazquez@campus.example.edu\r\n\r\nbody\r\n"
    )
    started = time.monotonic()
    report = build_arf(raw, [NAME, ADDRESS], text="Report.")
    assert time.monotonic() - started < 60
    original = attached_original(report)
    assert b"X-Junk: " + hostile + b"\r\n" in original
    assert original.startswith(b"Subject: " + b"x" * 1_000_000 + b" [redacted]\r\n")
    assert leaks(original, TERMS) == []


def test_8bit_latin1_and_split_encoded_words_are_found() -> None:
    raw = (
        b"From: a@b.example\r\n"
        b"Subject: Hola V\xe1zquez\r\n"  # Latin-1 bytes, as old clients write them
        b"Comments: =?utf-8?q?Xim?= =?utf-8?q?ena?= and =?iso-8859-1?q?V=E1zq?= =?iso-8859-1?q?uez?=\r\n"
        b"Keywords: Xim=?utf-8?q?ena?=\r\n"
        b"\r\n"
    )
    redacted = redact_headers(raw, [NAME])
    assert leaks(redacted, TERMS) == []
    assert b"Subject: Hola [redacted]\r\n" in redacted


# -- property: whatever the header section holds, no identifier survives and nothing else changes ---------

VOCABULARY = _fold(
    "redacted@redacted.invalid [redacted] utf-8 iso-8859-1 =?q?b?= "
    "Subject Comments Keywords X-Mailer Thread-Topic Message-ID List-Id To Cc Delivered-To X-Original-To "
    "Received from by with for Authentication-Results smtp.rcptto campus.example.edu"
)
LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóúñçøüßğł"
name_words = st.text(alphabet=LETTERS, min_size=3, max_size=9).map(str.capitalize)
local_parts = st.from_regex(r"[a-z][a-z0-9]{2,8}(?:[._-][a-z0-9]{1,6})?", fullmatch=True)
neutral_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x24F, blacklist_characters="\x7f"), max_size=60
)
NEUTRAL_NAMES = ("Subject", "Comments", "Keywords", "X-Mailer", "Thread-Topic", "Message-ID", "List-Id")


def _neutral_field(name: str, text: str, encoded: bool, folded: bool) -> bytes:
    value = b_word(text) if encoded and text else text
    if folded:
        value = value.replace(" ", "\r\n ", 1)
    return f"{name}: {value}\r\n".encode()


@st.composite
def header_sections(draw: st.DrawFn) -> tuple[bytes, tuple[str, ...], list[str], list[bool]]:
    """(header section, terms, identifiers, which fields hold an identifier)."""
    first, last = draw(name_words), draw(name_words)
    local = draw(local_parts)
    address = f"{local}@campus.example.edu"
    terms = (first, last, local, address)
    assume(all(len(_fold(t)) >= 3 and _fold(t) not in VOCABULARY for t in (first, last, local)))
    assume(_fold(first) not in _fold(last) and _fold(last) not in _fold(first))
    display = f"{first} {last}"
    shapes = [
        f"To: {display} <{address}>",
        f'Cc: "{display}" <{address}>, other@example.org',
        f"Delivered-To: {address}",
        f"X-Original-To: {address}",
        f"To: {b_word(display)} <{address}>",
        f"To: {q_word(display, 'utf-8')}\r\n <{address}>",
        f"Received: from a.example by mx.campus.example.edu\r\n\tfor <{address}>; Mon, 30 Nov 2026 10:00:00 +0000",
        f"Subject: {{neutral}} {first} {{neutral}}",
        f"Subject: {b_word(f'hi {last}, {first}')}",
        f"Comments: {q_word(first[:2])} {q_word(first[2:] + ' x')}",
        f"Authentication-Results: mx; spf=pass smtp.rcptto={address}",
        f"Message-ID: <{local}.123@mail.example.org>",
        f"Subject: =?iso-8859-1?q?{first}?= and {{latin-1}}hola {last}",
    ]
    fields: list[bytes] = []
    holds: list[bool] = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            text = draw(neutral_text)
            field = _neutral_field(draw(st.sampled_from(NEUTRAL_NAMES)), text, draw(st.booleans()), True)
            # Neither the text nor its base64 may hold a term by chance.
            assume(not leaks(field, terms))
            fields.append(field)
            holds.append(False)
        else:
            shape = draw(st.sampled_from(shapes))
            while "{neutral}" in shape:
                text = draw(neutral_text.filter(lambda t: "{" not in t))
                assume(not any(_fold(t) in _fold(text) for t in terms))
                shape = shape.replace("{neutral}", text, 1)
            head, _, latin = shape.partition("{latin-1}")
            try:  # old clients write 8-bit Latin-1 straight into the header
                fields.append(head.encode() + latin.encode("latin-1") + b"\r\n")
            except UnicodeEncodeError:
                fields.append(shape.replace("{latin-1}", "").encode() + b"\r\n")
            holds.append(True)
    identifiers = draw(st.sampled_from([[display, address], [f"{display} <{address}>"], [b_word(display), address]]))
    return b"".join(fields), terms, identifiers, holds


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(header_sections(), st.binary(max_size=200).filter(lambda b: b"\n\n" not in b and b"\r\n\r\n" not in b))
def test_property_no_identifier_survives_and_the_rest_is_byte_identical(
    section: tuple[bytes, tuple[str, ...], list[str], list[bool]], body: bytes
) -> None:
    head, terms, identifiers, holds = section
    raw = head + b"\r\n" + body
    report = build_arf(raw, identifiers, text="Abuse report.")
    original = attached_original(report)
    assert original == report.original
    assert original.endswith(b"\r\n" + body)
    redacted_head = original[: len(original) - len(body) - 2]
    assert leaks(redacted_head, terms) == []
    old, new = field_list(head), field_list(redacted_head)
    assert len(old) == len(new) == len(holds)
    for a, b, held in zip(old, new, holds, strict=True):
        assert a.split(b":")[0] == b.split(b":")[0]
        if not held:
            assert a == b
        elif a.split(b":")[0] in (b"To", b"Cc", b"Delivered-To", b"X-Original-To"):
            assert b.split(b":", 1)[1] == b" redacted@redacted.invalid\r\n"


FRAGMENTS = [
    b"=?", b"?=", b"?q?", b"?b?", b"utf-8", b"iso-8859-1", b"Zo", b"\xc3\xab", b"\xeb", b"zab", b"@campus.example.edu",
    b"To:", b"Received:", b"X:", b" for <", b">", b"\r\n", b"\n", b"\r", b" ", b"\t", b"=5A", b"=6F", b"Wm/Dqw==",
    b"_", b"\r\n\r\n", b"\x00",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(b"".join))
def test_property_any_bytes_give_a_report_without_the_reporter_as_a_word(raw: bytes) -> None:
    report = build_arf(raw, ["Zoë Ab <zab@campus.example.edu>"], text="Abuse report.")
    original = attached_original(report)
    assert original == report.original
    # The header section ends at the first empty line; a message that starts with one has none.
    match = re.search(rb"\r?\n\r?\n", raw)
    if raw.startswith((b"\r\n", b"\n")):
        assert original == raw
    elif match is not None:
        assert original.endswith(raw[match.start() :])  # the body, and the blank line before it, untouched
    head = b"" if original.startswith((b"\r\n", b"\n")) else re.split(rb"\r?\n\r?\n", original, maxsplit=1)[0]
    word = re.compile(r"(?<![^\W_])(?:zoe|zab)(?![^\W_])")
    for view in [head.decode("utf-8", "replace"), head.decode("latin-1"), *_header_views(head)]:
        assert not word.search(_fold(view)), view
