"""Staff by mail, in process: reading commands, proving the sender, threading tokens, and every notice gate."""

from __future__ import annotations

import email
import json
import re
from email.policy import compat32
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from stopit.config import from_text
from stopit.desk import Desk, handle
from stopit.extract import read_parts
from stopit.ingest.parse import envelope_of
from stopit.models import RawMessage
from stopit.staff.auth import staff_proof
from stopit.staff.commands import split_body
from stopit.staff.notice import ReporterIds, leak_scan
from stopit.store import Store
from stopit.tokens import Strength, Tokens, thread_of
from stopit.trace import Lookups
from stopit.values import Mailbox

DESK = "stopit@campus.example.edu"
STAFF = "desk-staff@campus.example.edu"
POLICE = "dispatch@police.campus.example.edu"
REPORTER = "maria.lopez@campus.example.edu"
OFFENDER = "bully@mail.example.net"
MX = "mx.campus.example.edu"
CONFIG = f"""
[desk]
address = "{DESK}"
org_domains = ["campus.example.edu"]
trusted_networks = ["18.9.28.0/24"]
authserv_ids = ["{MX}"]
offline = true

[queues.stopit]
staff = ["{STAFF}"]

[queues.police]
staff = ["{POLICE}"]

[queues.idhr]
staff = ["idhr@campus.example.edu"]

[queues.abuse]
staff = ["abuse-desk@campus.example.edu"]
"""
OUR_AR = f"Authentication-Results: {MX}; dkim=pass header.d=campus.example.edu; spf=pass smtp.mailfrom={STAFF}\r\n"


# --- reading a staff message ------------------------------------------------------------------------------


def test_commands_are_the_top_lines_and_the_note_is_the_rest_without_quote_or_signature() -> None:
    body = (
        "\r\nSTOPIT: consent yes\r\nstopit:notice send --unverified\r\n\r\n"
        "Talked to the student by phone; a notice is fine with them.\r\n\r\n-- \r\nDana, Stopit desk\r\n"
        "On Mon, 30 Nov 2026 at 10:00, Stopit <stopit@campus.example.edu> wrote:\r\n> Stopit: status closed\r\n"
    )
    commands, note = split_body(body)
    assert [(c.verb, c.args) for c in commands] == [("consent", ("yes",)), ("notice", ("send", "--unverified"))]
    assert note == "Talked to the student by phone; a notice is fine with them."


def test_a_command_below_the_first_words_is_only_text() -> None:
    commands, note = split_body("Thanks!\nStopit: status closed\n")
    assert commands == () and "Stopit: status closed" in note


def test_outlook_reply_header_block_ends_the_note() -> None:
    commands, note = split_body(
        "Stopit: status waiting\n\nWaiting for the student.\n\n________________________________\n"
        "From: Stopit <stopit@campus.example.edu>\nSent: Monday\n"
    )
    assert [c.line for c in commands] == ["status waiting"]
    assert note == "Waiting for the student."


TALON_REPLIES = Path(__file__).parent / "data" / "talon" / "standard_replies"
# What a quoted original brings along in these replies; none of it is the writer's answer.
QUOTED = re.compile(r"\bHi\b|wrote|написал|Original Message|^(From|Subject|To|Sent):", re.MULTILINE)


@pytest.mark.parametrize("path", sorted(TALON_REPLIES.glob("*.eml")), ids=lambda p: p.stem)
def test_real_clients_replies_leave_only_the_answer_in_the_note(path: Path) -> None:
    """talon's replies from a dozen clients (top- and bottom-posted): each answers "Hello" to a mail "Hi"."""
    commands, note = split_body(read_parts(path.read_bytes()).text)
    assert commands == ()
    assert note.splitlines()[0] == "Hello"
    assert not QUOTED.search(note), note


CASE_MAIL = "[stopit #17] Threatening messages, case 17\nThe reporter wrote: he waits outside my lab.\n"


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        # Thunderbird and Apple Mail name the writer without an address, in the staff member's language.
        ("Il giorno mar 1 dic 2026 alle ore 10:00 Stopit Desk ha scritto:\n", "Chiamato lo studente."),
        ("On 12/1/26 10:00 AM, Stopit Desk wrote:\n", "Phoned the student."),
        ("Op 1 dec. 2026 om 10:00 heeft Stopit Desk geschreven:\n", "Student gebeld."),
        # Gmail wraps a long attribution onto a second line.
        (
            "El mar, 1 dic 2026 a las 10:00, Oficina Stopit de la universidad (<stopit@campus.example.edu>)\nescribió:\n",
            "Hablé con la estudiante.",
        ),
        # Outlook: a header block without an address (the desk is in the address book), in four languages.
        ("From: Stopit Desk\nSent: Tuesday, 1 December 2026 10:00\nTo: Dana\nSubject: ", "Phoned the student."),
        ("Van: Stopit Desk\nVerzonden: dinsdag 1 december 2026 10:00\nAan: Dana\nOnderwerp: ", "Student gebeld."),
        ("De : Stopit Desk\nEnvoyé : mardi 1 décembre 2026 10:00\nÀ : Dana\nObjet : ", "Étudiante appelée."),
        ("Von: Stopit Desk\nGesendet: Dienstag, 1. Dezember 2026 10:00\nAn: Dana\nBetreff: ", "Studentin angerufen."),
        ("-----Messaggio originale-----\n", "Chiamato lo studente."),
    ],
)
def test_a_reply_in_any_clients_language_leaves_the_case_mail_out_of_the_note(reply: str, answer: str) -> None:
    """The note is what `reply` sends the reporter: the quoted case mail must never ride along."""
    commands, note = split_body(f"Stopit: reply\n\n{answer}\n\n{reply}{CASE_MAIL}")
    assert [c.verb for c in commands] == ["reply"]
    assert note == answer


def test_an_unmarked_quote_below_an_attribution_runs_to_the_end() -> None:
    """A reply turned from HTML into text loses the '>' marks: nothing below its attribution is the answer."""
    _, note = split_body(f"Phoned the student.\n\nOn 12/1/26 10:00 AM, Stopit Desk wrote:\n{CASE_MAIL}")
    assert note == "Phoned the student."


def test_a_bottom_posted_answer_and_text_that_only_looks_like_a_header_stay_in_the_note() -> None:
    _, note = split_body(
        "On 12/1/26 10:00 AM, Stopit Desk wrote:\n> [stopit #17] case 17\n\n"
        "From: the student's side this is settled.\nSubject to her consent, no notice.\n"
    )
    assert note == "From: the student's side this is settled.\nSubject to her consent, no notice."


# --- proving the staff sender ---------------------------------------------------------------------------------


def envelope(head: str, sender: str = STAFF) -> object:
    raw = RawMessage(f"{head}From: {sender}\r\nTo: {DESK}\r\nSubject: Re: x\r\n\r\nhi\r\n".encode(), "t")
    return envelope_of(raw)


@pytest.fixture(scope="module")
def config():
    return from_text(CONFIG)


@pytest.mark.parametrize(
    ("head", "ok"),
    [
        (OUR_AR, True),
        (f"Authentication-Results: {MX}; spf=pass smtp.mailfrom={STAFF}\r\n", True),
        (f"Authentication-Results: {MX}; dkim=pass header.d=sub.campus.example.edu\r\n", False),
        (f"Authentication-Results: {MX}; dkim=pass header.d=example.edu\r\n", True),  # the parent domain
        (f"Authentication-Results: {MX}; dkim=pass header.d=evil.example\r\n", False),
        (f"Authentication-Results: {MX}; dkim=fail header.d=campus.example.edu\r\n", False),
        (OUR_AR.replace(MX, "mx.evil.example"), False),  # somebody else's authserv-id
        ("", False),
        # Our id, but below a hop from outside our networks: anyone could have written it.
        ("Received: from x (x [203.0.113.7]) by mx.campus.example.edu with ESMTP; Mon, 30 Nov 2026 10:00:00 +0000\r\n"
         + OUR_AR, False),
        ("Received: from r (r [18.9.28.4]) by mx.campus.example.edu with ESMTP; Mon, 30 Nov 2026 10:00:00 +0000\r\n"
         + OUR_AR, True),
        (f"Received: from laptop (h [198.51.100.3]) (Authenticated sender: {STAFF}) by smtp.campus.example.edu"
         " with ESMTPSA id 1; Mon, 30 Nov 2026 10:00:00 +0000\r\n", True),
        ("Received: from laptop (h [198.51.100.3]) (Authenticated sender: other@campus.example.edu) by"
         " smtp.campus.example.edu with ESMTPSA id 1; Mon, 30 Nov 2026 10:00:00 +0000\r\n", False),
    ],
)  # fmt: skip
def test_staff_proof(config, head: str, ok: bool) -> None:
    assert staff_proof(envelope(head), config).ok is ok


# --- tokens ------------------------------------------------------------------------------------------------------


def test_message_ids_and_plus_addresses_name_their_case_only_with_a_valid_mac() -> None:
    tokens = Tokens(b"k" * 32, Mailbox(DESK), plus_addressing=True)
    other = Tokens(b"x" * 32, Mailbox(DESK), plus_addressing=True)
    mid = str(tokens.message_id(17))
    assert tokens.case_of_message_id(mid) == 17
    assert other.case_of_message_id(mid) is None
    assert tokens.case_of_message_id(mid.replace("stopit.17.", "stopit.18.")) is None
    reply = tokens.reply_address(17)
    assert reply is not None and reply.address.startswith("stopit+17.")
    assert tokens.case_of_address(reply.address) == 17
    assert tokens.case_of_address(reply.address.replace("+17.", "+18.")) is None
    assert tokens.outbox_of_address(tokens.bounce_address(99)) == 99
    thread = thread_of(tokens, [], [], "Re: =?x?= [Stopit #5] hello")
    assert (thread.case_id, thread.strength) == (5, Strength.TAG)
    assert thread_of(tokens, ["<a@b>", mid], [], "[stopit #5]").strength is Strength.PROVEN


# --- the leak scan -----------------------------------------------------------------------------------------------


def test_leak_scan_finds_every_kind_of_reporter_identifier() -> None:
    ids = ReporterIds(
        REPORTER,
        "Maria López",
        ("<report.1@campus.example.edu>",),
        "He said he would wait for me after class and I am scared of him.",
    )

    def mail(body: str) -> bytes:
        return f"From: {DESK}\r\nTo: {OFFENDER}\r\nSubject: About\r\n\r\n{body}\r\n".encode()

    assert leak_scan(mail("Please stop contacting them."), ids) == ""
    assert "address" in leak_scan(mail("Write to maria.lopez@campus.example.edu"), ids)
    assert "local part" in leak_scan(mail("maria.lopez asked us"), ids)
    assert "name" in leak_scan(mail("Dear LÓPEZ"), ids)
    assert "Message-ID" in leak_scan(mail("ref report.1@campus.example.edu"), ids)
    assert "own text" in leak_scan(mail("he said he would wait for me\r\nafter class, and I am scared"), ids)
    assert leak_scan(mail("he said he would wait for you"), ids) == ""  # seven words are not enough
    encoded = f"From: {DESK}\r\nTo: {OFFENDER}\r\nSubject: =?utf-8?q?Mar=C3=ADa_L=C3=B3pez?=\r\n\r\nhi\r\n".encode()
    assert "name" in leak_scan(encoded, ids)
    # A name word that is an ordinary word of our own notice counts only with the rest of the name.
    will = ReporterIds("w.stone@campus.example.edu", "Will Stone", (), "", frozenset({"will"}))
    assert leak_scan(mail("If they continue, other steps will remain open."), will) == ""
    assert "name" in leak_scan(mail("Will Stone told us."), will)
    assert "name" in leak_scan(mail("Ask Stone."), will)


# --- the whole path in process, with a verifiable sender ----------------------------------------------------------


def _key() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    import base64

    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def offending(subject: str = "you again", body: str = "Your talk was awful and everyone laughed at you.") -> bytes:
    return (
        "Received: from mail.example.net (mail.example.net [203.0.113.9]) by mx.campus.example.edu (Postfix)"
        " with ESMTPS id 4AB; Sun, 29 Nov 2026 23:58:02 +0000\r\n"
        f"From: Bully <{OFFENDER}>\r\nTo: {REPORTER}\r\nSubject: {subject}\r\n"
        "Date: Sun, 29 Nov 2026 23:58:00 +0000\r\nMessage-ID: <o1@mail.example.net>\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def report_with(attached: bytes, words: str = "He keeps writing to me. I do not know him.") -> bytes:
    return (
        (
            f"From: Maria Lopez <{REPORTER}>\r\nTo: {DESK}\r\nSubject: Fwd: see attached\r\n"
            "Message-ID: <report.1@campus.example.edu>\r\nDate: Mon, 30 Nov 2026 09:00:00 +0000\r\n"
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
            f"--b\r\nContent-Type: text/plain\r\n\r\n{words}\r\n"
            f"--b\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + attached
        + b"\r\n--b--\r\n"
    )


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path)


def make_desk(tmp_path: Path) -> Desk:
    """A desk on a fresh database whose DNS knows the key that signs the offending test messages."""
    cfg = from_text(CONFIG.replace("offline = true", f'offline = true\ndatabase = "{tmp_path}/s.db"'))
    made = Desk.open(cfg, Store(cfg.database))
    private, record = _key()
    made.lookups = Lookups(resolver=lambda name, timeout=5: record if name.startswith(b"s1._domainkey.") else b"")
    made.private_key = private  # type: ignore[attr-defined]
    return made


def signed(desk: Desk, data: bytes) -> bytes:
    include = [b"from", b"to", b"subject", b"date", b"message-id"]
    return dkim.sign(data, b"s1", b"mail.example.net", desk.private_key, include_headers=include) + data


def outbox(desk: Desk) -> list[tuple[list[str], bytes]]:
    rows = desk.store.conn.execute("SELECT rcpt_to, message_row FROM outbox ORDER BY id").fetchall()
    return [(json.loads(r[0]), desk.store.raw_bytes(r[1])) for r in rows]


def answer_to(to_message: bytes, sender: str, body: str, head: str = "", to: str = DESK) -> bytes:
    """`sender`'s answer to one of the desk's mails, threaded by its Message-ID; `head` adds lines on top."""
    msg = email.message_from_bytes(to_message, policy=compat32)
    return (
        f"{head}From: {sender}\r\nTo: {to}\r\nSubject: Re: {msg['Subject']}\r\n"
        f"Message-ID: <r.{abs(hash(body))}@campus.example.edu>\r\nIn-Reply-To: {msg['Message-ID']}\r\n"
        f"Date: Mon, 30 Nov 2026 11:00:00 +0000\r\n\r\n{body}\r\n"
    ).encode()


def staff_reply(desk: Desk, to_message: bytes, body: str, head: str = OUR_AR, sender: str = STAFF) -> bytes:
    return answer_to(to_message, f"Dana <{sender}>", body, head)


def office_mail(desk: Desk, to: str = STAFF) -> bytes:
    return next(data for rcpt, data in outbox(desk) if rcpt == [to])


def test_consent_then_notice_sends_a_verified_notice_that_never_names_the_reporter(desk: Desk) -> None:
    handle(desk, RawMessage(report_with(signed(desk, offending())), "t"))
    before = len(outbox(desk))
    reply = staff_reply(desk, office_mail(desk), "Stopit: consent yes\r\nStopit: notice send\r\nSpoke to her.")
    outcome = handle(desk, RawMessage(reply, "t"))
    assert outcome.state == "processed"
    new = outbox(desk)[before:]
    notice = next(data for rcpt, data in new if rcpt == [OFFENDER])
    confirmation = next(data for rcpt, data in new if rcpt == [STAFF])
    text = notice.decode("ascii").lower()
    for needle in ("maria", "lopez", REPORTER, "report.1", "he keeps writing"):
        assert needle not in text
    msg = email.message_from_bytes(notice, policy=compat32)
    assert desk.tokens.case_of_message_id(msg["Message-ID"]) == 1
    body = msg.get_payload(decode=True).decode()
    assert '"you again"' in body and "Please stop contacting them" in body
    assert b"notice sent to bully@mail.example.net" in email.message_from_bytes(confirmation).get_payload(decode=True)
    case = desk.store.case_detail(1)
    assert case["consent"] is True and case["status"] == "waiting"
    assert [c["result"] for c in case["commands"]] == ["run", "run"]
    assert case["notices"][0]["to"] == OFFENDER and case["notices"][0]["message_id"] == msg["Message-ID"]
    # The sender answers: it joins case 1, staff are told, the reporter is not.
    answer = answer_to(notice, OFFENDER, "Sorry, I will stop.")
    before = len(outbox(desk))
    assert handle(desk, RawMessage(answer, "t")).case_id == 1
    told = outbox(desk)[before:]
    assert [rcpt for rcpt, _ in told] == [[STAFF]]
    assert b"the sender answered" in told[0][1]


def test_no_consent_refuses_the_notice(desk: Desk) -> None:
    handle(desk, RawMessage(report_with(signed(desk, offending())), "t"))
    before = len(outbox(desk))
    handle(desk, RawMessage(staff_reply(desk, office_mail(desk), "Stopit: notice send"), "t"))
    new = outbox(desk)[before:]
    assert [rcpt for rcpt, _ in new] == [[STAFF]]
    assert b"no consent" in email.message_from_bytes(new[0][1]).get_payload(decode=True)
    assert desk.store.case_detail(1)["commands"][0]["result"] == "refused"


def test_an_unverified_sender_needs_the_flag(desk: Desk) -> None:
    handle(desk, RawMessage(report_with(offending()), "t"))  # not signed: nothing proves the From
    office = office_mail(desk)
    handle(desk, RawMessage(staff_reply(desk, office, "Stopit: consent yes\r\nStopit: notice send"), "t"))
    assert not any(rcpt == [OFFENDER] for rcpt, _ in outbox(desk))
    handle(desk, RawMessage(staff_reply(desk, office, "Stopit: notice send --unverified"), "t"))
    assert sum(rcpt == [OFFENDER] for rcpt, _ in outbox(desk)) == 1
    handle(desk, RawMessage(staff_reply(desk, office, "Stopit: notice send --unverified"), "t"))
    assert sum(rcpt == [OFFENDER] for rcpt, _ in outbox(desk)) == 1  # a second needs --again
    handle(desk, RawMessage(staff_reply(desk, office, "Stopit: notice send --unverified --again"), "t"))
    assert sum(rcpt == [OFFENDER] for rcpt, _ in outbox(desk)) == 2


def test_a_threat_case_refuses_the_notice_until_its_own_staff_move_it(desk: Desk) -> None:
    threat = offending("tonight", "I know where you live and I will kill you tonight.")
    handle(desk, RawMessage(report_with(signed(desk, threat)), "t"))
    police_mail = office_mail(desk, POLICE)
    reply = staff_reply(desk, police_mail, "Stopit: consent yes\r\nStopit: notice send", sender=STAFF)
    handle(desk, RawMessage(reply.replace(STAFF.encode(), b"desk-staff@campus.example.edu"), "t"))
    assert not any(rcpt == [OFFENDER] for rcpt, _ in outbox(desk))
    commands = desk.store.case_detail(1)["commands"]
    assert commands[-1]["result"] == "refused" and "urgent" in commands[-1]["reason"]
    # Staff of another queue may not take urgency off; the police desk may.
    handle(desk, RawMessage(staff_reply(desk, police_mail, "Stopit: urgent off"), "t"))
    assert desk.store.case_state(1).urgent is True
    police_ar = OUR_AR.replace(f"smtp.mailfrom={STAFF}", f"smtp.mailfrom={POLICE}").replace(
        "header.d=campus.example.edu", "header.d=police.campus.example.edu"
    )
    handle(desk, RawMessage(staff_reply(desk, police_mail, "Stopit: urgent off", police_ar, POLICE), "t"))
    assert desk.store.case_state(1).urgent is False


@pytest.mark.parametrize(
    ("what", "head", "mangle"),
    [
        ("foreign authserv-id", OUR_AR.replace(MX, "mx.evil.example"), None),
        ("no Authentication-Results", "", None),
        ("wrong MAC", OUR_AR, lambda r: r.replace(b"In-Reply-To: <stopit.1.", b"In-Reply-To: <stopit.2.")),
        ("only the subject tag", OUR_AR, lambda r: r.replace(b"In-Reply-To:", b"X-Was-In-Reply-To:")),
    ],
)
def test_unproven_commands_run_nothing_and_say_why(desk: Desk, what: str, head: str, mangle) -> None:
    handle(desk, RawMessage(report_with(offending()), "t"))
    reply = staff_reply(desk, office_mail(desk), "Stopit: consent yes\r\nStopit: notice send --unverified", head)
    if mangle:
        reply = mangle(reply)
    before = len(outbox(desk))
    handle(desk, RawMessage(reply, "t"))
    new = outbox(desk)[before:]
    assert [rcpt for rcpt, _ in new] == [[STAFF]], what
    assert b"not run" in new[0][1]
    state = desk.store.case_state(1)
    assert state.consent is None
    assert desk.store.case_detail(1)["notices"] == []


def test_a_non_staff_sender_cannot_command(desk: Desk) -> None:
    handle(desk, RawMessage(report_with(offending()), "t"))
    reply = staff_reply(desk, office_mail(desk), "Stopit: notice send --unverified", sender="eve@evil.example")
    handle(desk, RawMessage(reply, "t"))
    assert not any(rcpt == [OFFENDER] for rcpt, _ in outbox(desk))
    assert desk.store.case_detail(1)["commands"] == []


def test_a_site_template_that_names_the_reporter_is_refused(desk: Desk, tmp_path: Path) -> None:
    site = tmp_path / "site" / "offender"
    site.mkdir(parents=True)
    (site / "notice.txt.j2").write_text("Hello, Maria Lopez asked us to write. {{ case_id }}\n")
    from stopit.act.render import template_environment

    desk.config = from_text(
        CONFIG.replace("offline = true", f'offline = true\ndatabase = "{tmp_path}/s.db"\n'
                       f'templates_dir = "{tmp_path / "site"}"')
    )  # fmt: skip
    desk.templates = template_environment(desk.config)
    handle(desk, RawMessage(report_with(offending()), "t"))
    handle(
        desk,
        RawMessage(
            staff_reply(desk, office_mail(desk), "Stopit: consent yes\r\nStopit: notice send --unverified"), "t"
        ),
    )
    assert not any(rcpt == [OFFENDER] for rcpt, _ in outbox(desk))
    reason = desk.store.case_detail(1)["commands"][-1]["reason"]
    assert "identify the reporter" in reason and "name" in reason


def test_a_staff_members_tagged_new_mail_joins_the_case_and_gets_no_acknowledgement(desk: Desk) -> None:
    handle(desk, RawMessage(report_with(offending()), "t"))
    mail = (
        f"{OUR_AR}From: {STAFF}\r\nTo: {DESK}\r\nSubject: =?utf-8?q?Note_for_=5Bstopit_#1=5D?=\r\n"
        "Message-ID: <new.1@campus.example.edu>\r\n\r\nCalled the student.\r\n"
    ).encode()
    before = len(outbox(desk))
    assert handle(desk, RawMessage(mail, "t")).case_id == 1
    assert outbox(desk)[before:] == []
    assert any(e["type"] == "staff.note" for e in desk.store.case_detail(1)["events"])


def test_a_reporters_follow_up_with_threat_words_makes_the_case_urgent_for_the_police(desk: Desk) -> None:
    handle(desk, RawMessage(report_with(offending("hey", "Nice haircut, loser.")), "t"))
    assert desk.store.case_state(1).urgent is False
    ack = next(data for rcpt, data in outbox(desk) if rcpt == [REPORTER])
    followup = answer_to(ack, REPORTER, "Now he wrote that he will kill me after class tomorrow.")
    before = len(outbox(desk))
    handle(desk, RawMessage(followup, "t"))
    state = desk.store.case_state(1)
    assert state.urgent is True and state.queue == "police"
    new = outbox(desk)[before:]
    assert [rcpt for rcpt, _ in new] == [[POLICE]]
    assert b"URGENT" in new[0][1]


# --- what offices and reporters are told ----------------------------------------------------------------------------


def body_of(data: bytes) -> str:
    msg = email.message_from_bytes(data, policy=compat32)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    return " ".join(part.get_payload(decode=True).decode().split())


def test_the_office_mail_carries_the_reporters_words_and_the_commands_that_fit(desk: Desk) -> None:
    handle(desk, RawMessage(report_with(offending(), "He keeps writing to me at night."), "t"))
    text = body_of(office_mail(desk))
    assert "He keeps writing to me at night." in text
    assert "Stopit: consent yes" in text and "Stopit: notice send" in text
    assert "contact the sender of the offending message by" in text


def test_an_anonymous_reporter_is_kept_out_of_office_mail(desk: Desk) -> None:
    raw = report_with(offending(), "ANONYMOUS\r\nMy name is Maria Lopez and he keeps writing.")
    handle(desk, RawMessage(raw, "t"))
    office = office_mail(desk)
    assert REPORTER.encode() not in office and b"maria" not in office.lower()
    assert b"message/rfc822" not in office
    assert "asked not to be named" in body_of(office)
    assert desk.store.case_state(1).anonymous is True


def test_a_threat_with_no_police_staff_is_escalated_and_the_reporter_is_told_the_truth(tmp_path: Path) -> None:
    text = CONFIG.replace(f'[queues.police]\nstaff = ["{POLICE}"]', "[queues.police]\nstaff = []")
    text = text.replace(
        "offline = true", f'offline = true\ndatabase = "{tmp_path}/s.db"\nsupervisors = ["boss@campus.example.edu"]'
    )
    cfg = from_text(text)
    desk = Desk.open(cfg, Store(cfg.database))
    handle(desk, RawMessage(report_with(offending("tonight", "I know where you live and I will kill you.")), "t"))
    sent = {tuple(r): data for r, data in outbox(desk)}
    ack = body_of(sent[(REPORTER,)])
    assert "by hand as soon as they can" in ack and "straight away" not in ack
    escalation = sent[("boss@campus.example.edu", STAFF)]
    assert b"URGENT" in escalation and "has no staff configured" in body_of(escalation)


def test_with_police_staff_the_acknowledgement_says_it_was_passed_on(desk: Desk) -> None:
    handle(desk, RawMessage(report_with(offending("tonight", "I know where you live and I will kill you.")), "t"))
    ack = body_of(next(data for r, data in outbox(desk) if r == [REPORTER]))
    assert "passed it to" in ack and "straight away" in ack and "today" not in ack


def test_the_desk_signs_what_it_stores_and_the_signature_verifies_offline(tmp_path: Path) -> None:
    from tests.test_dkim import ed25519_key, rsa_key

    for key_path, record in (rsa_key(tmp_path, serialization.PrivateFormat.PKCS8), ed25519_key(tmp_path, True)):
        db = tmp_path / f"{key_path.stem}.db"
        cfg = from_text(
            CONFIG.replace("offline = true", f'offline = true\ndatabase = "{db}"')
            + f'\n[smtp]\ndkim_selector = "s2026"\ndkim_key_file = "{key_path}"\n'
        )
        desk = Desk.open(cfg, Store(cfg.database))
        handle(desk, RawMessage(report_with(offending()), "t"))
        mails = outbox(desk)
        assert len(mails) == 2
        for _, data in mails:
            assert data.startswith(b"DKIM-Signature:")

            def dns(name: bytes, timeout: int = 5, record: str = record) -> bytes:
                return record.encode() if name.startswith(b"s2026._domainkey.campus.example.edu") else b""

            assert dkim.verify(data, dnsfunc=dns)
            at = data.index(b"\r\n\r\n") + 10  # one byte of the body
            changed = data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]
            assert not dkim.verify(changed, dnsfunc=dns)


def dsn(returned: bytes) -> bytes:
    """A delivery status notification as Postfix writes it, returning the headers of `returned`."""
    head = returned.partition(b"\r\n\r\n")[0]
    return (
        b"From: MAILER-DAEMON@mx.mail.example.net (Mail Delivery System)\r\n"
        b"To: " + DESK.encode() + b"\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Auto-Submitted: auto-replied\r\nMessage-ID: <dsn.1@mx.mail.example.net>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\n<bully@mail.example.net>: user unknown\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.mail.example.net\r\n\r\n"
        b"Final-Recipient: rfc822; bully@mail.example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\n" + head + b"\r\n--r--\r\n"
    )


def test_a_bounced_notice_is_recorded_and_staff_are_told(desk: Desk) -> None:
    handle(desk, RawMessage(report_with(offending()), "t"))
    office = office_mail(desk)
    handle(desk, RawMessage(staff_reply(desk, office, "Stopit: consent yes\r\nStopit: notice send --unverified"), "t"))
    notice = next(data for rcpt, data in outbox(desk) if rcpt == [OFFENDER])
    before = len(outbox(desk))
    outcome = handle(desk, RawMessage(dsn(notice), "t"))
    assert outcome.case_id == 1
    status = desk.store.conn.execute("SELECT status FROM outbox WHERE audience='offender'").fetchone()[0]
    assert status == "bounced"
    assert desk.store.case_detail(1)["notices"][0]["state"] == "bounced"
    told = outbox(desk)[before:]
    assert [r for r, _ in told] == [[STAFF]] and "came back undelivered" in body_of(told[0][1])


def test_a_bounced_urgent_office_mail_is_escalated(desk: Desk) -> None:
    from stopit.schedule import run_clock

    desk.config.values["desk.supervisors"] = ["boss@campus.example.edu"]
    handle(desk, RawMessage(report_with(offending("tonight", "I know where you live and I will kill you.")), "t"))
    police = office_mail(desk, POLICE)
    handle(desk, RawMessage(dsn(police), "t"))
    before = len(outbox(desk))
    assert run_clock(desk) == 1
    (escalated,) = outbox(desk)[before:]
    assert set(escalated[0]) == {"boss@campus.example.edu", STAFF}


def test_an_abuse_report_goes_to_the_provider_as_arf_without_the_reporter(desk: Desk) -> None:
    handle(desk, RawMessage(report_with(signed(desk, offending())), "t"))
    contacts = desk.store.offending_for_case(1)[0]["trace"]["abuse_contacts"]
    provider = contacts[0]["contact"]
    assert provider.endswith("example.net")
    body = "Stopit: consent yes\r\nStopit: abuse-report send"
    handle(desk, RawMessage(staff_reply(desk, office_mail(desk), body), "t"))
    report = next(data for rcpt, data in outbox(desk) if rcpt == [provider])
    msg = email.message_from_bytes(report, policy=compat32)
    assert msg.get_content_type() == "multipart/report" and msg.get_param("report-type") == "feedback-report"
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/feedback-report", "message/rfc822"]
    assert b"Feedback-Type: abuse" in report
    for needle in (REPORTER.encode(), b"maria", b"lopez"):
        assert needle not in report.lower()
    assert desk.store.case_detail(1)["commands"][-1]["result"] == "run"
    # One report per provider unless staff say --again.
    handle(desk, RawMessage(staff_reply(desk, office_mail(desk), "Stopit: abuse-report send"), "t"))
    assert "already went" in desk.store.case_detail(1)["commands"][-1]["reason"]


def test_one_notice_covers_an_incident(desk: Desk) -> None:
    message = signed(desk, offending())
    handle(desk, RawMessage(report_with(message), "t"))
    first_from = f"From: Maria Lopez <{REPORTER}>".encode()
    second = report_with(message).replace(first_from, b"From: Jordan Smith <other.student@campus.example.edu>", 1)
    second = second.replace(b"<report.1@", b"<report.2@", 1)
    handle(desk, RawMessage(second, "t"))
    assert desk.store.incident_of(2) == 1
    offices = [data for rcpt, data in outbox(desk) if rcpt == [STAFF]]
    body = "Stopit: consent yes\r\nStopit: notice send"
    handle(desk, RawMessage(staff_reply(desk, offices[0], body), "t"))
    assert sum(rcpt == [OFFENDER] for rcpt, _ in outbox(desk)) == 1
    ack2 = next(data for rcpt, data in outbox(desk) if rcpt == ["other.student@campus.example.edu"])
    handle(desk, RawMessage(staff_reply(desk, ack2, body), "t"))  # any case mail of case 2 will do
    assert sum(rcpt == [OFFENDER] for rcpt, _ in outbox(desk)) == 1
    assert "already went" in desk.store.case_detail(2)["commands"][-1]["reason"]
