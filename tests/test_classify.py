"""Classification: reports, replies, RFC 3834 automatic mail, bounces, and junk aimed at the desk."""

from __future__ import annotations

import email
import hashlib
import json
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from click.testing import CliRunner

from stopit.cli import main
from stopit.extract import extract, read_parts
from stopit.extract.junk import signs, unsolicited
from stopit.ingest.classify import classify, not_a_message
from stopit.ingest.parse import envelope_of
from stopit.models import Classification, Facts, Kind, RawMessage
from stopit.store import Store
from tests.conftest import stopit
from tests.servers import write_config

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


# --- mail that is not a report: unsolicited bulk mail and phishing sent to the desk itself -----

DESK = "stopit@campus.example.edu"
ORG = ("campus.example.edu",)


def kind_of(data: bytes) -> Classification:
    """Classified as the pipeline does: the content's signs (junk.unsolicited) passed to classify()."""
    raw = RawMessage(data, "t")
    e = envelope_of(raw)
    read = read_parts(data)
    offending = extract(data, e, DESK, read=read)
    return classify(e, Facts(), unsolicited(e, read.parts, read.text, offending, DESK, ORG))


def mail(
    body: str = "",
    html: str | None = None,
    sender: str = "Night Owl <nightowl@freemail.example>",
    to: str = DESK,
    subject: str = "hello",
    **headers: str,
) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Mon, 16 Nov 2026 23:58:05 -0500"
    msg["Message-ID"] = "<m1@sender.example>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body or "see the HTML part")
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


NEWSLETTER_HTML = (
    "<html><body><p>Black Friday: 70% off everything!</p>"
    + "".join(f'<a href="https://click.shop.example/ls/{n}">Deal {n}</a><br>' for n in range(9))
    + '<img src="https://click.shop.example/open.gif" width="1" height="1">'
    + '<p><a href="https://click.shop.example/unsub">Unsubscribe</a> | View in browser</p></body></html>'
)
PHISHING_HTML = (
    "<html><body><p>Dear user,</p><p>Your mailbox is full and incoming mail will be rejected. "
    "Verify your account within 24 hours to keep it open.</p>"
    '<p><a href="http://campus-mail.example-login.top/owa">https://mail.campus.example.edu/owa</a></p>'
    "<p>IT Help Desk</p></body></html>"
)


@pytest.mark.parametrize(
    ("data", "sign"),
    [
        (  # a newsletter through an email service provider, without any List-* header
            mail(
                "Black Friday deals",
                NEWSLETTER_HTML,
                sender="Shop <news@shop.example>",
                subject="70% off",
                X_SG_EID="abc123",
            ),
            "bulk-mail service",
        ),
        (  # credential phishing aimed at the desk mailbox, undisclosed recipients
            mail(
                "",
                PHISHING_HTML,
                sender="IT Help Desk <helpdesk@mailbox-service.example>",
                to="undisclosed-recipients:;",
                subject="Mailbox quota exceeded",
            ),
            "goes to campus-mail.example-login.top",
        ),
        (  # the upstream spam filter already said so
            mail(
                "Cheap meds, best prices, order today.",
                sender="Pharmacy <sales@pills.example>",
                X_Spam_Flag="YES",
                X_Spam_Status="Yes, score=14.2 required=5.0",
            ),
            "spam filter",
        ),
        (  # Microsoft's verdict on a blind copy to the desk
            mail(
                "Congratulations, you have won! Claim your prize now.",
                sender="Lottery <winner@prize.example>",
                to="someone@elsewhere.example",
                X_Forefront_Antispam_Report="CIP:203.0.113.9;CTRY:;LANG:en;SCL:9;SRV:;",
            ),
            "spam confidence 9",
        ),
        (  # an advance-fee scam: shouting subject, answers collected elsewhere, sales language
            mail(
                "Congratulations! A confidential investment opportunity awaits you. Act now and reply today.",
                sender="Mr. Smith <smith@bank-transfers.example>",
                subject="URGENT BUSINESS PROPOSAL",
                Reply_To="smith.private@freemail.example",
            ),
            "replies go to freemail.example",
        ),
        (  # plain-text phishing in German, worded unlike any phrase in the table, with its link
            mail(
                "Sicherheitswarnung: Ihr Postfach ist voll. Bestätigen Sie Ihr Passwort innerhalb von 24 Stunden, "
                "sonst wird es gesperrt: https://webmail-campus.example-login.top/owa",
                sender="IT-Service <it-service@mail-support.example>",
                subject="Postfach voll",
            ),
            "under pressure",
        ),
    ],
    ids=["newsletter", "phishing", "spamassassin-flag", "microsoft-scl-bcc", "advance-fee", "plain-phishing-de"],
)
def test_unsolicited_mail_to_the_desk_is_junk(data: bytes, sign: str) -> None:
    result = kind_of(data)
    assert result.kind is Kind.JUNK
    assert sign in result.reason


@pytest.mark.parametrize(
    "data",
    [
        # a frightened person writing in their own words, from a free-mail address
        mail(
            "Hi, I don't know who else to ask. A man from my course keeps sending me messages on Instagram and "
            "yesterday he waited outside my dorm. I'm scared. Please help.",
            sender="Lea <lea.student@freemail.example>",
            subject="PLEASE HELP HE WONT STOP!!!",
        ),
        # someone signed her up to hundreds of newsletters as harassment: she says "unsubscribe" too
        mail(
            "Since Monday I get hundreds of newsletters every hour. I think my ex signed me up to harass me; "
            "I can't unsubscribe fast enough and my inbox is useless.",
            sender="Maria <maria.lopez@campus.example.edu>",
            subject="flooded with newsletters",
        ),
        # written in Outlook with an HTML signature full of links and a logo
        mail(
            "He sent me threatening messages again.",
            "<html><body><p>He sent me threatening messages again.</p><p>--<br>Jo Smith, Library<br>"
            + "".join(f'<a href="https://campus.example.edu/p{n}">link {n}</a> ' for n in range(6))
            + '<img src="cid:logo" width="120" height="40"></p></body></html>',
            sender="Jo Smith <jo.smith@campus.example.edu>",
            subject="again",
        ),
        # a forwarded phishing mail IS a report (to the IT desk), whatever it says
        mail(
            "Is this real?\n\n---------- Forwarded message ---------\nFrom: IT Help Desk <helpdesk@mailbox-service"
            ".example>\nDate: Mon, Nov 16, 2026 at 11:58 PM\nSubject: Mailbox quota exceeded\nTo: <lea@campus"
            ".example.edu>\n\nDear user, your mailbox is full. Verify your account: http://x.example-login.top\n",
            sender="Lea <lea@campus.example.edu>",
            subject="Fwd: Mailbox quota exceeded",
        ),
        # someone pastes the spam they keep getting, without a forward header, and asks
        mail(
            "I keep getting these, is this phishing? It says: Dear customer, click here to claim your prize, "
            "limited time offer. To unsubscribe reply STOP.",
            sender="Sam <sam.chen@freemail.example>",
            subject="weird mail",
        ),
        # a person asking about a phishing mail, in their own words, quoting its demands
        mail(
            "I got an email asking for my password within 24 hours or my mailbox will be suspended. "
            "The link was https://webmail-campus.example-login.top/owa. Is this real?",
            sender="Sam <sam.chen@freemail.example>",
            subject="password email",
        ),
        # a plain note in German, no signs either way
        mail("Können Sie mich bitte zurückrufen? Es geht um eine Nachricht, die ich bekommen habe.", subject="Frage"),
        # flagged as spam on the way, but a person telling what happens to them
        mail(
            "Please help me, he threatens to post my photos. I am afraid to go to class.",
            sender="anon <throwaway123@freemail.example>",
            subject="help",
            X_Spam_Flag="YES",
        ),
    ],
    ids=[
        "own-words",
        "newsletter-bombing",
        "html-signature",
        "forwarded-phishing",
        "pasted-spam-question",
        "phishing-question",
        "plain-question",
        "flagged-but-own-account",
    ],
)
def test_a_person_writing_to_the_desk_is_a_report(data: bytes) -> None:
    result = kind_of(data)
    assert result.kind is Kind.REPORT, result.reason


def test_junk_reason_names_every_sign_that_fired() -> None:
    data = mail("", PHISHING_HTML, sender="IT <noreply@mailbox-service.example>", to="undisclosed-recipients:;")
    read = read_parts(data)
    found = {s.name for s in signs(envelope_of(RawMessage(data, "t")), read.parts, read.text, DESK, ORG)}
    assert found == {"phishing", "deceptive-link", "impersonal", "bulk-sender"}


@pytest.mark.parametrize(
    ("data", "is_message"),
    [
        (b"Hello,\nhe keeps writing to me. What can I do?\n", False),
        (b"Note: he wrote again last night\n\nWhat can I do?\n", False),
        (b"", False),
        (b"\x89PNG\r\n\x1a\n\x00\x00", False),
        (b"Subject: help\n\nhe wrote again\n", True),
        (b"From nobody Mon Nov 16 23:58:05 2026\nFrom: a@b.example\n\nhi\n", True),
    ],
)
def test_a_bare_body_is_not_a_message(data: bytes, is_message: bool) -> None:
    assert (not_a_message(data) is None) is is_message


def test_junk_is_recorded_and_never_answered_while_a_report_beside_it_is(tmp_path: Path) -> None:
    junk = mail("Black Friday deals", NEWSLETTER_HTML, sender="Shop <news@shop.example>", X_SG_EID="abc123")
    own_words = mail(
        "A man from my course keeps sending me messages and waited outside my dorm. I'm scared.",
        sender="Lea <lea.student@freemail.example>",
        subject="please help",
    )
    inbox = tmp_path / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True)
    (inbox / "new" / "1.junk").write_bytes(junk)
    (inbox / "new" / "2.report").write_bytes(own_words)
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{tmp_path / 'outbox'}")

    stopit(config, "run", "--once")

    store = Store(tmp_path / "state" / "stopit.db")
    kinds = dict(store.conn.execute("SELECT sha256, kind FROM messages WHERE direction='in'"))
    digest = {name: hashlib.sha256(data).hexdigest() for name, data in (("junk", junk), ("report", own_words))}
    assert (kinds[digest["junk"]], kinds[digest["report"]]) == ("junk", "report")
    assert [r[0] for r in store.conn.execute("SELECT report_sha256 FROM cases")] == [digest["report"]]
    # One line a day's count can be read from, with the signs that decided it.
    (detail,) = [r[0] for r in store.conn.execute("SELECT detail FROM events WHERE type='junk.received'")]
    assert "bulk-mail service" in detail
    sent_to = [email.message_from_bytes(p.read_bytes())["To"] for p in (tmp_path / "outbox" / "new").iterdir()]
    assert any("lea.student@freemail.example" in str(t) for t in sent_to)
    assert not any("shop.example" in str(t) for t in sent_to), "backscatter: the spammer got mail"


def test_explain_says_when_a_file_is_not_an_email_at_all(tmp_path: Path) -> None:
    bare = tmp_path / "body.txt"
    bare.write_bytes(b"Hi,\nhe keeps writing to me at night. What can I do?\n")
    result = CliRunner().invoke(main, ["explain", str(bare)])
    assert result.exit_code == 1
    assert result.output.startswith(f"{bare}: not a mail message") and "no case" in result.output
    as_json = json.loads(CliRunner().invoke(main, ["explain", "--json", str(bare)]).output)
    assert as_json["kind"] == "not-a-message"
    message = tmp_path / "report.eml"
    message.write_bytes(
        b"From: lea@campus.example.edu\nTo: " + DESK.encode() + b"\nSubject: help\n\n" + bare.read_bytes()
    )
    assert CliRunner().invoke(main, ["explain", "--offline", str(message)]).output.startswith(f"{message}: report")
