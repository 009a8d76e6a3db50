"""Owns the plan: what the pure middle decided, as typed actions that the edges carry out and explain prints.

A plan comes from an incoming message (pipeline.decide), a staff command (commands.decide) or the clock
(schedule); the desk applies every kind the same way, in one transaction, in the order given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from stopit.models import Classification, Kind, Offending, PlannedMail


class EventType(StrEnum):
    """Every kind of line in a case's log."""

    CASE_OPENED = "case.opened"
    CASE_UPDATED = "case.updated"
    OFFENDING_FOUND = "offending.found"
    OFFENDING_NONE = "offending.none"
    ROUTE_DECIDED = "route.decided"
    NOTICE_BLOCKED = "notice.blocked"
    NOTICE_SENT = "notice.sent"
    NOTICE_REFUSED = "notice.refused"
    OFFICE_SKIPPED = "office.skipped"
    OFFICE_HELD = "office.held"
    OFFICE_DIGEST = "office.digest"
    OFFICE_ESCALATED = "office.escalated"
    ACK_SKIPPED = "ack.skipped"
    MAIL_QUEUED = "mail.queued"
    MAIL_REFUSED = "mail.refused"
    MAIL_SENT = "mail.sent"
    MAIL_DEFERRED = "mail.deferred"
    MAIL_FAILED = "mail.failed"
    MAIL_BOUNCED = "mail.bounced"
    TEMPLATE_FAILED = "template.failed"
    REPORT_RECEIVED = "report.received"
    REPLY_RECEIVED = "reply.received"
    AUTO_RECEIVED = "auto.received"
    BOUNCE_RECEIVED = "bounce.received"
    JUNK_RECEIVED = "junk.received"  # unsolicited mail to the desk: counted per day for IT's abuse queue
    JUNK_DIGEST = "junk.digest"  # the day's count, told to the IT abuse queue once
    STAFF_NOTE = "staff.note"
    STAFF_COMMAND = "staff.command"
    FOLLOWUP_DUE = "followup.due"
    FOLLOWUP_REMINDED = "followup.reminded"
    CHECKIN_SENT = "checkin.sent"
    CHECKIN_ANSWERED = "checkin.answered"
    CASE_CLOSED = "case.closed"
    TRACE_RDAP = "trace.rdap"
    CASE_LINKED = "case.linked"
    OFFICE_INCIDENT = "office.incident"
    EVIDENCE_EXPORTED = "evidence.exported"
    CASE_PURGED = "case.purged"


class Trigger(StrEnum):
    MESSAGE = "message"
    COMMAND = "command"
    CLOCK = "clock"


@dataclass(frozen=True)
class OpenCase:
    """Open a new case; later actions of the same plan act on it."""

    queue: str
    reporter: str
    subject: str
    report_sha256: str
    urgent: bool = False
    category: str = ""
    rule: str = ""
    tags: tuple[str, ...] = ()
    notice: str = "approval"
    contact_due: str = ""  # the date by which the sender is to be contacted, as promised to staff (ISO)
    language: str = ""  # the reporter's, as the acknowledgement was written in: later mail to them follows it


@dataclass(frozen=True)
class RecordEvent:
    type: EventType
    detail: str
    case_id: int | None = None  # another case than the plan's (a digest of several cases)


@dataclass(frozen=True)
class SaveOffending:
    """Keep the offending messages found in the incoming message, with their traces."""

    items: tuple[Offending, ...]


@dataclass(frozen=True)
class SendMail:
    """Render `mail` with `context` (computed in the plan) and queue it in the outbox."""

    mail: PlannedMail
    context: Mapping[str, Any] = field(default_factory=dict)
    queue: str = ""  # the office queue the mail is for (per-queue limits)
    records_ack: bool = False  # its Message-ID becomes the case's acknowledgement id
    records_notice: str = ""  # "notice" or "abuse": recorded as mail to the sender's side, for the gates


@dataclass(frozen=True)
class HoldOffice:
    """The queue's hourly limit is reached: the case waits for the queue's next digest."""

    queue: str


@dataclass(frozen=True)
class UpdateCase:
    """Set columns of the case; `expect` makes it compare-and-set on those columns' current values."""

    fields: tuple[tuple[str, Any], ...]
    expect: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class RecordCommand:
    """One staff command, run or refused, with why (the `commands` of `cases show --json`)."""

    by: str
    command: str
    result: str  # "run" | "refused"
    reason: str


@dataclass(frozen=True)
class MarkDigested:
    """These cases' held office mail went out in the digest this plan sends."""

    case_ids: tuple[int, ...]


@dataclass(frozen=True)
class MarkEscalated:
    """The failure of this outbox row has been escalated (once)."""

    outbox_id: int


@dataclass(frozen=True)
class MarkBounced:
    """A message of ours came back: its outbox row says so (compare-and-set: once)."""

    outbox_id: int
    detail: str


@dataclass(frozen=True)
class CancelFollowUps:
    """What was due of these kinds on the case is no longer needed (the event it waited for happened)."""

    kinds: tuple[str, ...]


@dataclass(frozen=True)
class FinishFollowUp:
    """A follow-up row was acted on (compare-and-set: a restart never repeats it)."""

    followup_id: int
    state: str = "done"


@dataclass(frozen=True)
class AddFollowUp:
    """Something due on the case at a time: a row the scheduler acts on once."""

    kind: str
    due_at: datetime
    detail: str = ""


Action = (
    OpenCase
    | RecordEvent
    | SaveOffending
    | SendMail
    | HoldOffice
    | UpdateCase
    | RecordCommand
    | AddFollowUp
    | FinishFollowUp
    | MarkDigested
    | MarkEscalated
    | MarkBounced
    | CancelFollowUps
)


def action_json(action: Action) -> dict[str, Any]:
    """One action as plain data, for explain and the case log."""
    if isinstance(action, SendMail):
        mail = action.mail
        return {
            "type": "send",
            "audience": mail.audience,
            "to": [str(a) for a in mail.to],
            "template": mail.template,
            "subject": f"[stopit #N] {mail.subject}",
        }
    if isinstance(action, RecordEvent):
        return {"type": "event", "event": str(action.type), "detail": action.detail}
    if isinstance(action, OpenCase):
        return {"type": "open_case", "queue": action.queue, "urgent": action.urgent, "contact_due": action.contact_due}
    if isinstance(action, SaveOffending):
        return {"type": "save_offending", "count": len(action.items)}
    if isinstance(action, HoldOffice):
        return {"type": "hold_office", "queue": action.queue}
    if isinstance(action, UpdateCase):
        return {"type": "update_case", "fields": dict(action.fields)}
    if isinstance(action, RecordCommand):
        return {"type": "command", "command": action.command, "result": action.result, "reason": action.reason}
    if isinstance(action, AddFollowUp):
        return {"type": "follow_up", "kind": action.kind, "due_at": action.due_at.isoformat()}
    if isinstance(action, FinishFollowUp):
        return {"type": "follow_up_done", "id": action.followup_id, "state": action.state}
    if isinstance(action, CancelFollowUps):
        return {"type": "cancel_follow_ups", "kinds": list(action.kinds)}
    if isinstance(action, MarkBounced):
        return {"type": "bounced", "outbox": action.outbox_id, "detail": action.detail}
    if isinstance(action, MarkDigested):
        return {"type": "digested", "cases": list(action.case_ids)}
    return {"type": "escalated", "outbox": action.outbox_id}


@dataclass(frozen=True)
class Plan:
    """The whole decision about one message, command or moment, as data."""

    trigger: Trigger
    actions: tuple[Action, ...]
    case_id: int | None = None  # the existing case acted on; None when the plan opens one (or needs none)
    classification: Classification | None = None
    reporter: str = ""
    queue: str = ""
    subject: str = ""
    route: Any = None  # stopit.route.Route, for reports
    offending: tuple[Offending, ...] = ()
    need_headers: bool = False

    @property
    def kind(self) -> Kind:
        return self.classification.kind if self.classification else Kind.AUTO

    @property
    def reason(self) -> str:
        return self.classification.reason if self.classification else f"a plan of the {self.trigger}"

    @property
    def opens(self) -> OpenCase | None:
        return next((a for a in self.actions if isinstance(a, OpenCase)), None)

    @property
    def open_case(self) -> bool:
        return self.opens is not None

    @property
    def sends(self) -> tuple[SendMail, ...]:
        return tuple(a for a in self.actions if isinstance(a, SendMail))

    @property
    def mails(self) -> tuple[PlannedMail, ...]:
        return tuple(a.mail for a in self.sends)

    @property
    def events(self) -> tuple[RecordEvent, ...]:
        return tuple(a for a in self.actions if isinstance(a, RecordEvent))

    def to_json(self) -> dict[str, Any]:
        return {
            "trigger": str(self.trigger),
            "kind": self.kind.value,
            "reason": self.classification.reason if self.classification else "",
            "case": self.case_id,
            "queue": self.queue,
            "actions": [action_json(a) for a in self.actions],
        }
