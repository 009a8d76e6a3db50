"""A desk on a fixed, movable clock with real cases in it, for the report, evidence and purge tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from stopit.config import from_text
from stopit.desk import Desk, handle
from stopit.models import OutgoingMail, RawMessage
from stopit.store import Store

QUEUES = "".join(
    f'[queues.{q}]\nstaff = ["{q}-staff@campus.example.edu"]\n' for q in ("stopit", "police", "idhr", "abuse")
)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def desk_config(tmp_path: Path) -> Path:
    """An offline desk writing to a Maildir outbox, its database in `tmp_path`, the four offices staffed."""
    text = (
        f'[desk]\ndatabase = "{tmp_path / "s.db"}"\noffline = true\n[smtp]\nurl = "maildir://{tmp_path}/out"\n' + QUEUES
    )
    config = tmp_path / "c.toml"
    config.write_text(text)
    return config


def open_desk(tmp_path: Path, start: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) -> tuple[Desk, Clock, Path]:
    config = desk_config(tmp_path)
    clock = Clock(start)
    return Desk.open(from_text(config.read_text()), Store(tmp_path / "s.db", clock=clock)), clock, config


def offending(
    sender: str,
    body: str,
    message_id: str,
    big: bool = False,
    subject: str = "about the party",
    date: str = "Mon, 02 Mar 2026 08:00:00 +0000",
    **headers: str,
) -> bytes:
    """The message a reporter forwards; `headers` add fields (underscores for dashes)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = "student@campus.example.edu"
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body + ("\n" + "x" * 80) * (14000 if big else 0))
    return msg.as_bytes()


def report_of(reporter: str, attached: bytes, subject: str, message_id: str, words: str) -> bytes:
    """`reporter`'s report to the desk: their `words`, and the offending message attached as message/rfc822."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = reporter
    mail["To"] = "stopit@campus.example.edu"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    mail.set_content(words)
    mail.add_attachment(attached, maintype="message", subtype="rfc822")
    return mail.as_bytes()


def file_report(desk: Desk, reporter: str, sender: str, body: str, message_id: str, big: bool = False) -> int:
    mail = report_of(
        reporter,
        offending(sender, body, message_id, big),
        "Fwd: about the party",
        f"<{reporter.split('@')[0]}.{message_id.strip('<>')}>",
        "Please make it stop.",
    )
    case_id = handle(desk, RawMessage(mail, "test")).case_id
    assert case_id is not None
    return case_id


def staff_command(store: Store, case_id: int, command: str = "assign me") -> None:
    with store.transaction():
        store.record_command(case_id, "stopit-staff@campus.example.edu", command, "run", "", None)


def send_notice(store: Store, case_id: int, to: str, delivered: bool = True) -> str:
    """A notice to the sender, queued and then delivered (or refused by the sender's server)."""
    message_id = f"<stopit.{case_id}.notice@campus.example.edu>"
    mail = OutgoingMail(
        message_id,
        "stopit@campus.example.edu",
        (to,),
        b"Subject: Please stop\n\nPlease stop.\n",
        "Please stop",
        "offender",
        "offender/notice.txt.j2",
    )
    with store.transaction():
        store.add_outgoing(mail, case_id)
        store.add_notice(case_id, "notice", to, message_id)
    outbox_id = store.conn.execute("SELECT MAX(id) FROM outbox").fetchone()[0]
    assert store.claim_delivery(outbox_id)
    if delivered:
        store.mark_sent(outbox_id, "250 ok")
    else:
        store.mark_failed(outbox_id, "550 no such user")
    return message_id


def sender_answers(desk: Desk, case_id: int, sender: str, notice_id: str) -> None:
    """The sender replies to the notice: stored byte-exact and filed on the case as a reply."""
    from stopit.ingest.parse import envelope_of

    raw = RawMessage(
        f"From: {sender}\nTo: stopit@campus.example.edu\nSubject: Re: Please stop\nIn-Reply-To: {notice_id}\n"
        f"Message-ID: <answer.{case_id}@else.example>\n\nOK, I will stop.\n".encode(),
        "test",
    )
    stored = desk.store.store_incoming(raw)
    with desk.store.transaction():
        desk.store.describe_incoming(stored.row_id, envelope_of(raw), "reply")
        desk.store.set_state(stored.row_id, "processed", case_id)


def close(store: Store, case_id: int) -> None:
    with store.transaction():
        store.update_case(case_id, status="closed")
