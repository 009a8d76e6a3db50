"""Nothing a report contains may shape the mail the desk sends: a catalogue of injection payloads, and each
finding of the security review as a named regression test, judged on the bytes that leave the desk."""

from __future__ import annotations

import base64
import email
import itertools
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses
from pathlib import Path

import pytest

from stopit.act.headers import encode_text
from stopit.config import from_text
from stopit.desk import Desk, handle
from stopit.models import RawMessage
from stopit.store import Store
from stopit.values import Mailbox, MsgId, clean_text, greeting_name, mailbox_key
from tests.conftest import stopit
from tests.corpus import absent
from tests.servers import SmtpSink, write_config

STAFF = {
    "police": "dispatch@police.campus.example.edu",
    "idhr": "idhr-staff@campus.example.edu",
    "stopit": "desk-staff@campus.example.edu",
    "abuse": "abuse-desk@campus.example.edu",
}
QUEUES = "".join(f'\n[queues.{q}]\nstaff = ["{a}"]\n' for q, a in STAFF.items())
DESK_CONFIG = """
[desk]
address = "stopit@campus.example.edu"
org_domains = ["campus.example.edu"]
offline = true
ack_limit_per_hour = 100000
office_limit_per_hour = 100000
emergency_text = "If you are in danger right now, call 911."
""" + QUEUES

REPORTER = "victim@student.example.org"
# Each route's words: a threat (police, ack_threat), sexual harassment (IDHR, ack_idhr), neither (the desk).
TOPICS = (
    "I will kill you tomorrow, I know where you live.",
    "Send me nude photos of you or I tell everyone you are a slut.",
    "You never answer, which is rude of you.",
)
# What every message we send carries, by shape; In-Reply-To and References only when a valid id is echoed.
PLAIN = {
    "from", "to", "subject", "date", "message-id", "auto-submitted", "x-auto-response-suppress",
    "x-stopit-case", "mime-version", "content-type", "content-transfer-encoding",
}  # fmt: skip
MULTIPART = PLAIN - {"content-transfer-encoding"}
THREADING = {"in-reply-to", "references"}

# --- the catalogue -------------------------------------------------------------------------------------

SEPARATORS = ("\r\n", "\n", "\r", "\r\n\t", "\x00", "\u2028", "\x85", "\x0b", "\r\n\r\n")
INJECTED = (
    "Bcc: w@evil.example",
    "Reply-To: a@evil.example",
    "Cc: c@evil.example",
    "To: t@evil.example",
    "Sender: s@evil.example",
    "Content-Type: multipart/mixed; boundary=evil",
    "\r\nYour account is suspended: log in at http://evil.example/",
)


def q_word(text: str) -> str:
    data = text.encode()
    body = "".join(chr(b) if chr(b).isalnum() else f"={b:02X}" for b in data).replace("=20", "_")
    return f"=?utf-8?q?{body}?="


def b_word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


ENCODINGS = {
    "q": q_word,
    "b": b_word,
    "q-lower": lambda t: q_word(t).replace("?q?", "?Q?").lower().replace("=?utf-8?q?", "=?UTF-8?q?"),
    "double-q": lambda t: q_word(q_word(t)),
    "b-in-q": lambda t: q_word(b_word(t)),
    "latin1-q": lambda t: "=?iso-8859-1?q?" + q_word(t)[10:],
}


@dataclass(frozen=True)
class Payload:
    text: str  # what the hostile sender means: a separator, then a header or a line of its own
    word: str  # how it stands in a header: one of ENCODINGS applied to the text


def payloads() -> Iterator[Payload]:
    for sep, inj, enc in itertools.product(SEPARATORS, INJECTED, ENCODINGS):
        yield Payload(f"hello{sep}{inj}", ENCODINGS[enc](f"hello{sep}{inj}"))


def report(from_: str, subject: str, message_id: str, body: str, more: str = "") -> bytes:
    """A report to the desk: `more` adds header lines (CRLF-terminated) before the body."""
    return (
        f"From: {from_}\r\nTo: stopit@campus.example.edu\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
        f"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n{more}\r\n{body}\r\n"
    ).encode()


def direct_report(p: Payload, topic: str) -> bytes:
    """The payload in every header of the report itself that the desk reads."""
    word = p.word
    return (
        f"From: {word} <{REPORTER}>\r\n"
        f"To: {word} <stopit@campus.example.edu>\r\n"
        f"Subject: {word}\r\n"
        f"Message-ID: <{word}>\r\n"
        f"References: <{word}@x.example> <ok.1@x.example>\r\n"
        f"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
        f"\r\n"
        f"Please help. He wrote to me: {topic}\r\n"
    ).encode()


def offending_fields(p: Payload, date: str) -> str:
    """The offending message's own From, Date, Subject and To, the payload in From and Subject."""
    return f"From: {p.word} <bully@mail.example.net>\r\nDate: {date}\r\nSubject: {p.word}\r\nTo: <{REPORTER}>\r\n"


def inline_forward(p: Payload, topic: str) -> bytes:
    """The payload in the fields of an offending message forwarded inline (what extraction produces)."""
    forwarded = (
        "This keeps happening.\r\n\r\n---------- Forwarded message ---------\r\n"
        + offending_fields(p, "Sun, Nov 29, 2026 at 11:58 PM")
        + f"\r\n{topic}"
    )
    return report(f"Vic Tim <{REPORTER}>", "Fwd: see below", f"<fwd.{abs(hash(p))}@student.example.org>", forwarded)


def attached(p: Payload, topic: str) -> bytes:
    """The payload in the headers of an offending message attached as message/rfc822."""
    inner = (
        "Received: from mail.example.net (mail.example.net [203.0.113.9]) by mx.student.example.org"
        " with ESMTPS id 1; Sun, 29 Nov 2026 22:00:00 +0000\r\n"
        + offending_fields(p, "Sun, 29 Nov 2026 22:00:00 +0000")
        + f"Message-ID: <{p.word}>\r\n\r\n{topic}\r\n"
    )
    filename = p.text.replace("\r", "%0D").replace("\n", "%0A")
    parts = (
        f"--b1\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n--b1\r\nContent-Type: message/rfc822\r\n"
        f"Content-Disposition: attachment; filename*=utf-8''{filename}\r\n\r\n{inner}\r\n--b1--"
    )
    mime = 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n'
    return report(REPORTER, "Fwd: see attached", f"<att.{abs(hash(p))}@student.example.org>", parts, mime)


SHAPES = {"direct": direct_report, "inline": inline_forward, "attached": attached}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    made = open_desk(tmp_path_factory.mktemp("injection"))
    try:
        yield made
    finally:
        made.store.close()


def open_desk(state: Path, **settings: int) -> Desk:
    text = DESK_CONFIG.replace("offline = true", f'offline = true\ndatabase = "{state}/stopit.db"')
    for key, value in settings.items():
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
    config = from_text(text)
    return Desk.open(config, Store(config.database))


def sent_since(desk: Desk, after: int) -> list[tuple[tuple[str, ...], bytes]]:
    rows = desk.store.conn.execute(
        "SELECT o.rcpt_to, o.message_row FROM outbox o WHERE o.id > ? ORDER BY o.id", (after,)
    ).fetchall()
    import json

    return [(tuple(json.loads(r[0])), desk.store.raw_bytes(r[1])) for r in rows]


def last_outbox_id(desk: Desk) -> int:
    row = desk.store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()
    return int(row[0])


def first_text(msg: Message) -> str:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode("utf-8")


def check_sent(rcpt: tuple[str, ...], data: bytes, openings: set[str], reporter: str = REPORTER) -> str:
    """Everything we require of one message we send, whatever the report held; returns its body."""
    head, _, _ = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        assert len(line) <= 998 and b"\x00" not in line and b"\r" not in line and b"\n" not in line
        assert line.isascii()
    msg = email.message_from_bytes(data, policy=compat32)
    names = [k.lower() for k in msg]
    assert len(names) == len(set(names)), f"a header twice: {names}"
    expected = MULTIPART if msg.get_content_maintype() == "multipart" else PLAIN
    assert set(names) - THREADING == expected, f"header names differ: {sorted(set(names) ^ expected)}"
    to = tuple(a.lower() for _, a in getaddresses(msg.get_all("To")))
    assert to == rcpt, f"To {to} is not the envelope {rcpt}"
    assert set(rcpt) <= {reporter, *STAFF.values()}, f"unexpected recipient {rcpt}"
    for name in THREADING:
        for token in (msg.get(name) or "").split():
            assert MsgId.parse(token) is not None, f"{name} echoes {token!r}"
    body = first_text(msg)
    assert any(body.startswith(o) for o in openings), f"body starts with {body[:80]!r}"
    return body


OPENINGS = {"Hello,", "URGENT: a new", "a new", "If you are in danger", "Dear Vic Tim,"}


def test_catalogue_of_injection_payloads_never_shapes_what_we_send(desk: Desk) -> None:
    catalogue = list(payloads())
    assert len(catalogue) >= 300
    placements = 0
    sent = 0
    for n, payload in enumerate(catalogue):
        for shape, build in SHAPES.items():
            before = last_outbox_id(desk)
            outcome = handle(desk, RawMessage(build(payload, TOPICS[n % len(TOPICS)]), "test"))
            assert outcome.state == "processed", (shape, payload, outcome)
            mails = sent_since(desk, before)
            assert mails, (shape, payload, "nothing was sent")
            for rcpt, data in mails:
                try:
                    check_sent(rcpt, data, OPENINGS)
                except AssertionError as exc:
                    raise AssertionError(f"{shape} {payload}: {exc}") from None
            sent += len(mails)
            placements += {"direct": 5, "inline": 2, "attached": 4}[shape]
    print(f"\n{len(catalogue)} payloads in {placements} header placements; {sent} messages checked")
    assert placements >= 3000


def test_clean_reports_show_the_same_shape(desk: Desk) -> None:
    """The baseline the catalogue is judged against: a clean report of each route sends these names."""
    for n, topic in enumerate(TOPICS):
        mails = run_one(desk, report(REPORTER, "help", f"<clean.{n}@student.example.org>", topic))
        assert len(mails) == 2
        for rcpt, data in mails:
            check_sent(rcpt, data, OPENINGS)
            msg = email.message_from_bytes(data, policy=compat32)
            if rcpt == (REPORTER,):
                assert msg["In-Reply-To"] == f"<clean.{n}@student.example.org>"


# --- the findings, one test each -------------------------------------------------------------------------


def run_one(desk: Desk, raw: bytes) -> list[tuple[tuple[str, ...], bytes]]:
    before = last_outbox_id(desk)
    outcome = handle(desk, RawMessage(raw, "test"))
    assert outcome.state == "processed", outcome
    return sent_since(desk, before)


FINDING_1_ID = "<=?utf-8?q?x=0D=0AReply-To:_a@evil.example=0D=0ABcc:_w@evil.example=0D=0A=0D=0AYour_account_is_suspended?=>"


def test_finding_1_encoded_word_in_message_id_injects_nothing(desk: Desk) -> None:
    mails = run_one(desk, report("Third Party <third.party@other.example>", "hello", FINDING_1_ID, TOPICS[2]))
    ack = next(data for rcpt, data in mails if rcpt == ("third.party@other.example",))
    msg = email.message_from_bytes(ack, policy=compat32)
    assert msg["Reply-To"] is None and msg["Bcc"] is None
    assert msg["In-Reply-To"] is None  # not a valid msg-id: dropped, never echoed
    assert first_text(msg).startswith("Dear Third Party,")
    assert b"suspended" not in ack


def test_finding_2_encoded_crlf_in_offending_subject_stays_text(desk: Desk) -> None:
    for subject in (
        "=?utf-8?q?bad=0D=0ABcc:_x@evil.example?=",
        q_word("=?utf-8?q?hi=0D=0AReply-To:_harasser@evil.example?="),
        "=?utf-8?q?hello=0D=0A=0D=0AThis_case_is_closed,_no_action_needed.?=",
    ):
        for topic in TOPICS[:2]:
            raw = inline_forward(Payload("hello", q_word("hello")), topic).replace(
                q_word("hello").encode(), subject.encode(), 2
            )
            for rcpt, data in run_one(desk, raw):
                body = check_sent(rcpt, data, OPENINGS)
                msg = email.message_from_bytes(data, policy=compat32)
                assert msg["Bcc"] is None and msg["Reply-To"] is None
                assert not body.startswith("This case is closed")


def test_finding_4_controls_never_reach_headers(desk: Desk) -> None:
    raw = report(REPORTER, "h\x00i \x01there", "<ok\x00@x>", TOPICS[2], "In-Reply-To: <a9\x00\x01zz@x>\r\n")
    for rcpt, data in run_one(desk, raw):
        check_sent(rcpt, data, OPENINGS)
        head = data.partition(b"\r\n\r\n")[0]
        assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", head)


def test_finding_5_display_name_cannot_pick_the_recipient(desk: Desk) -> None:
    raw = report(
        "=?utf-8?q?Eve=0D=0ABcc:_x@evil.example?= <eve1@student.example.org>", "help", "<f5@x.example>", TOPICS[2]
    )
    mails = run_one(desk, raw)
    recipients = {r for rcpt, _ in mails for r in rcpt}
    assert "eve1@student.example.org" in recipients
    assert not any("evil" in r for r in recipients)
    case = desk.store.conn.execute("SELECT reporter FROM cases ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert case == "eve1@student.example.org"


def test_finding_6_names_are_greeted_only_when_they_look_like_names() -> None:
    assert greeting_name("Maria López") == "Maria López"
    assert greeting_name("Jean-Luc O'Neil") == "Jean-Luc O'Neil"
    for spam in ("WIN 1000 USD NOW at http://x.example", "x" * 55_000, "Call 0800 123456", "a@b.example", "www.x.com"):
        assert greeting_name(spam) == ""


def test_finding_6_a_long_name_does_not_make_a_long_acknowledgement(desk: Desk) -> None:
    name = "WIN 1000 USD NOW at http://spam.example " * 1400  # about 55 KB
    raw = report(f'"{name}" <{REPORTER}>', "help", "<f6@student.example.org>", TOPICS[2])
    ack = next(data for rcpt, data in run_one(desk, raw) if rcpt == (REPORTER,))
    assert len(ack) < 8000 and b"spam.example" not in ack


def test_finding_6_plus_addresses_share_one_limit(tmp_path: Path) -> None:
    desk = open_desk(tmp_path, ack_limit_per_hour=3)
    acks = 0
    for n in range(10):
        raw = report(f"Flood+{n}@Student.Example.org", f"help {n}", f"<flood.{n}@x.example>", f"{TOPICS[2]} {n}")
        acks += sum(1 for rcpt, _ in run_one(desk, raw) if STAFF["stopit"] not in rcpt)
    assert acks == 3
    assert mailbox_key("Flood+7@Student.Example.org.") == "flood@student.example.org"


def test_finding_6_office_mail_has_an_hourly_limit_then_a_digest(tmp_path: Path) -> None:
    desk = open_desk(tmp_path, office_limit_per_hour=5)
    office = 0
    for n in range(20):
        raw = report(f"r{n}@student.example.org", f"help {n}", f"<office.{n}@x.example>", f"{TOPICS[2]} {n}")
        office += sum(1 for rcpt, _ in run_one(desk, raw) if rcpt == (STAFF["stopit"],))
    assert office == 5
    held = desk.store.held_office()
    assert len(held["stopit"]) == 15


@pytest.mark.parametrize(
    "sender",
    ["stopit+loop@campus.example.edu", "STOPIT@campus.example.edu.", "desk-staff@campus.example.edu"],
)
def test_finding_6_no_acknowledgement_to_the_desk_or_its_staff(desk: Desk, sender: str) -> None:
    mails = run_one(desk, report(sender, "loop", f"<loop.{abs(hash(sender))}@campus.example.edu>", TOPICS[2]))
    assert all(rcpt == (STAFF["stopit"],) for rcpt, _ in mails)


# --- over real SMTP: what the relay accepts and what arrives ----------------------------------------------


def test_finding_3_a_100000_character_line_still_reaches_the_police(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    """aiosmtpd, like any RFC 5321 server, refuses lines over 1,000 octets: the attachment must be wrapped."""
    inbox = tmp_path / "inbox"
    box = mailbox.Maildir(str(inbox), create=True)
    long_subject = "I will kill you " + "x" * 100_000
    raw = report(REPORTER, long_subject, "<long@student.example.org>", TOPICS[0])
    box.add(raw)
    config = write_config(tmp_path, f"maildir://{inbox}", smtp_sink.url, QUEUES)
    result = stopit(config, "run", "--once")
    assert result.exit_code == 0, result.output
    received = smtp_sink.wait_for(2)
    police = next(r for r in received if r.rcpt_tos == [STAFF["police"]])
    msg = email.message_from_bytes(police.data, policy=compat32)
    # Split by hand: a parser would re-read the attached message rather than hand over its bytes.
    part = police.data.split(b"--" + msg.get_boundary().encode())[2]
    part_head, _, part_body = part.partition(b"\r\n\r\n")
    assert b"Content-Type: message/rfc822" in part_head and b"Content-Transfer-Encoding: base64" in part_head
    assert max(len(line) for line in police.data.split(b"\r\n")) <= 998
    # The evidence arrives byte-exact once the transfer encoding is undone.
    assert base64.b64decode(part_body) == raw
    subject = "".join(
        w.decode(c or "ascii") if isinstance(w, bytes) else w for w, c in decode_header(msg["Subject"])
    )
    assert len(subject) <= 200


def test_finding_1_over_smtp_the_bytes_that_arrive(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    inbox = tmp_path / "inbox"
    mailbox.Maildir(str(inbox), create=True).add(
        report(
            "Third Party <third.party@other.example>", q_word("hi\r\nBcc: w@evil.example"), FINDING_1_ID, TOPICS[1]
        )
    )
    config = write_config(tmp_path, f"maildir://{inbox}", smtp_sink.url, QUEUES)
    assert stopit(config, "run", "--once").exit_code == 0
    for received in smtp_sink.wait_for(2):
        body = check_sent(
            tuple(received.rcpt_tos), received.data, OPENINGS | {"Dear Third Party,"}, "third.party@other.example"
        )
        assert "suspended" not in body


# --- the typed values themselves ---------------------------------------------------------------------------


def test_msgid_syntax_is_exact() -> None:
    assert MsgId.parse("<a.b@c.d>") is not None
    assert MsgId.parse("<a@[192.0.2.1]>") is not None
    for bad in ("<a b@c>", "<a@b", "<=?utf-8?q?x?=@c>", "<a\r\n@b>", "<a@b>\x00", "<" + "a" * 300 + "@b>", "<@b>"):
        assert MsgId.parse(bad) is None, bad


def test_mailbox_is_one_plain_addr_spec() -> None:
    assert Mailbox.parse("a.b+c@Example.ORG.") == Mailbox("a.b+c@example.org")
    for bad in ("a@b", "a b@c.d", "a@b@c.d", '"a"@b.c', "a@b.c\r\nBcc: x@y.z", "=?utf-8?q?a?=@b.c", "a@-b.c", "a@1.2"):
        assert Mailbox.parse(bad) is None, bad


def test_encoded_header_text_decodes_to_what_we_meant() -> None:
    for text in ("plain words", "Grüße aus Köln " * 10, "=?utf-8?q?looks_encoded?=", "x" * 150):
        clean = clean_text(text)
        encoded = encode_text(clean, 9)
        assert all(len(line) <= 78 for line in f"Subject: {encoded}".split("\r\n"))
        decoded = "".join(
            w.decode(c or "ascii") if isinstance(w, bytes) else w for w, c in decode_header(encoded.replace("\r\n", ""))
        )
        assert decoded == clean


SYSTEM_PYTHON = "/usr/bin/python3"
CHECK_ON_SYSTEM_PYTHON = """
from datetime import datetime, UTC
from stopit.act.headers import Headers, UnsafeMail, _VERIFIES, verify_outgoing
from stopit.values import AutoSubmitted, Mailbox, MsgId
h = Headers(Mailbox("stopit@campus.example.edu"), "Stopit", (Mailbox("a@b.example"),),
            "Gr\\u00fc\\u00dfe =?utf-8?q?x=0D=0ABcc:_y?=", datetime.now(UTC), MsgId.parse("<a.b@c.d>"),
            AutoSubmitted.REPLIED)
mime = (("MIME-Version", "1.0"), ("Content-Type", "text/plain"))
data = h.to_bytes(mime) + b"\\r\\nbody\\r\\n"
verify_outgoing(data, h, [n for n, _ in mime])
try:
    verify_outgoing(data.replace(b"Auto-Submitted", b"Bcc: x@y.example\\r\\nAuto-Submitted", 1), h, ["MIME-Version", "Content-Type"])
except UnsafeMail:
    print("refused", _VERIFIES)
"""


def test_the_header_checks_hold_on_a_python_with_the_stdlib_fix_too() -> None:
    """Debian's own Python carries gh-121650's generator check; stopit must build and check mail there too."""
    import shutil
    import subprocess

    if not shutil.which(SYSTEM_PYTHON):
        absent(f"{SYSTEM_PYTHON} is not installed: Debian's own Python")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", CHECK_ON_SYSTEM_PYTHON], capture_output=True, text=True, env={"PYTHONPATH": str(root)}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "refused"
