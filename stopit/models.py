"""The plain, frozen data that travels between stopit's stages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from stopit.values import AutoSubmitted, Mailbox, MsgId

if TYPE_CHECKING:  # the trace stage builds on these models; only its result type is named here
    from stopit.trace import Trace


class Kind(StrEnum):
    """What an incoming message is, as far as the desk is concerned."""

    REPORT = "report"
    REPLY = "reply"
    AUTO = "auto"
    BOUNCE = "bounce"
    JUNK = "junk"  # unsolicited bulk mail or phishing sent to the desk itself: recorded, never answered


@dataclass(frozen=True)
class Address:
    address: str
    name: str = ""

    def __str__(self) -> str:
        return self.address


@dataclass(frozen=True)
class RawMessage:
    """The exact bytes of one message as they arrived, and where they came from."""

    data: bytes
    origin: str
    sha256: str = field(default="")

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Envelope:
    """The header facts of one incoming message that every later stage needs, decoded safely."""

    sha256: str
    size: int
    subject: str
    from_: Address | None
    to: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    date: str
    headers: tuple[tuple[str, str], ...]
    content_type: str
    report_type: str
    defects: tuple[str, ...] = ()

    def header(self, name: str) -> str:
        """The first header called `name` (any case), or ''."""
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), "")

    def has_header(self, name: str) -> bool:
        lname = name.lower()
        return any(k.lower() == lname for k, _ in self.headers)


@dataclass(frozen=True)
class Offending:
    """One offending message found in a report, with as much of its origin as survived forwarding."""

    source: str  # attachment | inline | pasted | redirect | self
    from_: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    subject: str
    date: str  # ISO 8601 when the client's date could be read, else ''
    date_raw: str
    message_id: str
    body: str
    note: str
    headers_complete: bool
    raw: bytes | None = None  # the exact bytes, for attachments, redirects and direct mail
    filename: str = ""
    detail: str = ""
    chain: tuple[Offending, ...] = ()  # messages forwarded inside this one, outermost first
    header_bytes: bytes | None = None  # a pasted header block, rebuilt as bytes, for tracing
    trace: Trace | None = None  # the trace stage's findings

    def to_json(self) -> dict:
        def box(a: Address | None) -> dict | None:
            return None if a is None else {"address": a.address or None, "name": a.name or None}

        return {
            "source": self.source,
            "from": box(self.from_),
            "to": [box(a) for a in self.to],
            "cc": [box(a) for a in self.cc],
            "reply_to": [box(a) for a in self.reply_to],
            "subject": self.subject,
            "date": self.date or None,
            "date_raw": self.date_raw or None,
            "message_id": self.message_id or None,
            "body": self.body,
            "note": self.note or None,
            "headers_complete": self.headers_complete,
            "filename": self.filename or None,
            "size": len(self.raw) if self.raw is not None else None,
            "sha256": hashlib.sha256(self.raw).hexdigest() if self.raw is not None else None,
            "detail": self.detail or None,
            "chain": [c.to_json() for c in self.chain],
            "trace": self.trace.to_json() if self.trace is not None else None,
        }


@dataclass(frozen=True)
class Classification:
    kind: Kind
    reason: str


@dataclass(frozen=True)
class Facts:
    """What the database knows that the pure planner needs; gathered at the edge, passed in."""

    replied_case: int | None = None
    acks_last_hour: int = 0  # acknowledgements to the reporter's normalised mailbox
    office_last_hour: tuple[tuple[str, int], ...] = ()  # office notifications per queue
    offender_cases: tuple[int, ...] = ()  # earlier cases with the same offending sender
    linked: tuple[LinkedCase, ...] = ()  # earlier cases sharing a sender identifier (stopit.link)
    incident: int | None = None  # the incident this report of an already reported message joins
    incident_office_last_hour: int = 0  # office mail for that incident this hour


@dataclass(frozen=True)
class LinkedCase:
    """An earlier case linked to a report: what the office may be told (never who reported it)."""

    id: int
    opened: str  # date
    queue: str
    why: str


@dataclass(frozen=True)
class PlannedMail:
    """One message the desk means to send, before it is rendered.

    Every value is typed (stopit.values): recipients were parsed once, msg-ids checked, and the subject is
    our text plus clean, bounded words from the report. compose() puts "[stopit #N]" in front.
    """

    audience: str
    template: str
    to: tuple[Mailbox, ...]
    subject: str
    in_reply_to: MsgId | None = None
    references: tuple[MsgId, ...] = ()
    auto_submitted: AutoSubmitted = AutoSubmitted.REPLIED
    attach_report: bool = False
    abuse: AbuseSpec | None = None  # an abuse report: the letter becomes the human part of it

    @classmethod
    def to_staff(cls, template: str, to: tuple[Mailbox, ...], subject: str, **more: Any) -> PlannedMail:
        """Mail the desk generates for staff (case mail, reminders, digests, alerts)."""
        return cls("office", template, to, subject, auto_submitted=AutoSubmitted.GENERATED, **more)


@dataclass(frozen=True)
class AbuseSpec:
    """What an abuse report to a provider carries besides its letter: stopit.act.arf.build_report's parameters,
    by name (render passes the spec whole, so a field added here is a parameter there)."""

    original: bytes  # the offending message, exactly as received; redacted when the report is built
    identifiers: tuple[str, ...]  # the reporter's address and name: redacted out, and never allowed in
    plain: bool = False  # one text/plain part instead of RFC 5965 multipart/report
    original_mail_from: str = ""
    arrival_date: str = ""
    source_ip: str = ""
    reported_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmtpMessage:
    """What SMTP carries: the message's bytes and its envelope (the Message-ID, for logs and bounces)."""

    message_id: str
    mail_from: str
    rcpt_to: tuple[str, ...]
    data: bytes


@dataclass(frozen=True)
class OutgoingMail(SmtpMessage):
    """A rendered message ready for the outbox."""

    subject: str
    audience: str
    template: str
    queue: str = ""  # the office queue, for office mail


@dataclass(frozen=True)
class Delivery(SmtpMessage):
    """One outbox row due for sending."""

    outbox_id: int
    attempts: int


@dataclass(frozen=True)
class CaseState:
    """What the gates of a staff command need to know about one case."""

    id: int
    status: str
    queue: str
    urgent: bool
    reporter: str
    notice: str
    consent: bool | None
    assignee: str
    anonymous: bool
    tags: tuple[str, ...]
    ack_message_id: str
    contact_due: str
    outcome: str = ""
    language: str = ""  # the reporter's ('' when unknown: the desk's own)


@dataclass(frozen=True)
class FollowUp:
    """One row of something due on a case at a time (stopit.followups says what it means)."""

    id: int
    case_id: int
    kind: str
    due_at: str
    state: str
    attempts: int
    detail: str
