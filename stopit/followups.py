"""Owns what is due on a case over time: the follow-up rows events create, and what a due row plans.

Deadlines (a first staff action, contacting the sender, the sender's answer) are reminded in three steps:
the queue's staff the day before, the staff again when it is missed, the supervisors a day after that. A
row that falls due late (the daemon was down) plans only the step that now applies: one catch-up, not one
per missed day. Reminders fall due at 08:00 local time, so one clock run finds all of a day's and each
staff address gets one digest. Check-ins ask the reporter "has it stopped?" after a notice, never in
quiet hours; no answer by `auto_close_days` closes the case as "no reply".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from stopit.config import Config, Queue
from stopit.extract.language import localized, reporter_subject
from stopit.models import CaseState, FollowUp, PlannedMail
from stopit.plan import (
    Action,
    AddFollowUp,
    CancelFollowUps,
    EventType,
    FinishFollowUp,
    RecordEvent,
    SendMail,
    UpdateCase,
)
from stopit.values import AutoSubmitted, Mailbox, MsgId

DEADLINES = {
    "first_action": "a first staff action",
    "contact": "contacting the sender",
    "answer": "the sender's answer to the notice",
}
ALL_KINDS = ("first_action", "contact", "answer", "checkin", "auto_close")
STEPS = ("due tomorrow", "missed", "missed for a day: to the supervisors")
# A reporter's answer to a check-in: the first line, in the languages the templates speak.
STOPPED = re.compile(r"^\W*(stopped|it stopped|hat aufgehört|aufgehört|arrêté|c'est arrêté|paró|se detuvo)\b",
                     re.IGNORECASE)  # fmt: skip
STILL = re.compile(
    r"^\W*(still happening|still|geht weiter|hört nicht auf|ça continue|continue|sigue|todavía)\b", re.IGNORECASE
)


def local(config: Config) -> ZoneInfo:
    return ZoneInfo(str(config["desk.timezone"]))


def morning(moment: datetime, config: Config) -> datetime:
    """08:00 local time on the day of `moment`: reminders of one day fall due together."""
    tz = local(config)
    day = moment.astimezone(tz).date()
    return datetime.combine(day, time(8, 0), tzinfo=tz)


def contact_days(queue: Queue, config: Config) -> int:
    return queue.contact_days or int(config["desk.offender_deadline_days"])


def in_quiet_hours(now: datetime, config: Config) -> bool:
    span = str(config["desk.quiet_hours"])
    if not span:
        return False
    start, end = (time.fromisoformat(t) for t in span.split("-"))
    at = now.astimezone(local(config)).time()
    return (start <= at or at < end) if start > end else (start <= at < end)


def _deadline(kind: str, deadline: datetime, config: Config) -> AddFollowUp:
    return AddFollowUp(kind, morning(deadline - timedelta(days=1), config), f"{deadline.isoformat()}|0")


def on_open(queue: Queue, policy: str, config: Config, now: datetime) -> list[Action]:
    """A case opened: a first staff action is due, and contacting the sender unless no notice may go."""
    due: list[Action] = [_deadline("first_action", now + timedelta(days=queue.first_action_days), config)]
    if policy != "never":
        due.append(_deadline("contact", now + timedelta(days=contact_days(queue, config)), config))
    return due


def on_notice(queue: Queue, config: Config, now: datetime) -> list[Action]:
    """A notice went out: the sender's answer, the reporter's check-ins and the auto-close are due."""
    answer = _deadline("answer", now + timedelta(days=queue.answer_days), config)
    due: list[Action] = [CancelFollowUps(("contact",)), answer]
    if queue.checkin_days:
        due.append(AddFollowUp("checkin", now + timedelta(days=queue.checkin_days[0]), f"1|{now.isoformat()}"))
    due.append(AddFollowUp("auto_close", now + timedelta(days=queue.auto_close_days), now.isoformat()))
    return due


@dataclass(frozen=True)
class Reminder:
    """One line of a staff reminder digest."""

    case_id: int
    what: str
    step: str
    deadline: str
    waited_days: int
    commands: tuple[str, ...]


@dataclass(frozen=True)
class Due:
    """What one due row plans: actions on its case, and a reminder line for each of some addresses."""

    actions: tuple[Action, ...]
    reminders: tuple[tuple[Mailbox, Reminder], ...] = ()


def _commands(kind: str) -> tuple[str, ...]:
    if kind == "answer":
        return ("Stopit: status resolved", "Stopit: reply", "Stopit: help")
    return ("Stopit: consent yes", "Stopit: notice send", "Stopit: status waiting", "Stopit: help")


def decide_due(item: FollowUp, case: CaseState, config: Config, now: datetime, report_id: str) -> Due | None:
    """The plan for one due row, or None when it must wait (a check-in in quiet hours)."""
    finish = FinishFollowUp(item.id)
    if case.status == "closed" or (case.status == "resolved" and item.kind != "auto_close"):
        return Due((FinishFollowUp(item.id, "cancelled"),))
    queue = config.queues.get(case.queue)
    if queue is None:
        return Due((FinishFollowUp(item.id, "cancelled"),))
    if item.kind in DEADLINES:
        return _deadline_due(item, case, queue, config, now, finish)
    if item.kind == "checkin":
        return _checkin_due(item, case, queue, config, now, finish, report_id)
    if item.kind == "auto_close":
        if case.outcome:
            return Due((finish,))
        closing = (UpdateCase((("status", "closed"), ("outcome", "no reply"))),
                   RecordEvent(EventType.CASE_CLOSED, "closed as 'no reply': no check-in was answered"))  # fmt: skip
        return Due((finish, *closing))
    return Due((FinishFollowUp(item.id, "cancelled"),))


def _deadline_due(
    item: FollowUp, case: CaseState, queue: Queue, config: Config, now: datetime, finish: FinishFollowUp
) -> Due:
    text, _, _ = item.detail.partition("|")
    deadline = datetime.fromisoformat(text)
    # Late rows (the daemon was down) jump to the step that applies now: one catch-up, not one per day.
    step = 0 if now < deadline else 1 if now < deadline + timedelta(days=1) else 2
    staff = [m for m in map(Mailbox.parse, queue.staff) if m]
    supervisors = [m for m in map(Mailbox.parse, config["desk.supervisors"]) if m]
    to = supervisors if step == 2 and supervisors else staff
    waited = max(0, (now - (deadline - timedelta(days=_span(item.kind, queue, config)))).days)
    reminder = Reminder(case.id, DEADLINES[item.kind], STEPS[step], deadline.strftime("%A %d %B %Y"), waited,
                        _commands(item.kind))  # fmt: skip
    actions: list[Action] = [finish, RecordEvent(EventType.FOLLOWUP_REMINDED, f"{reminder.what}: {reminder.step}")]
    if step < 2:
        next_at = deadline if step == 0 else deadline + timedelta(days=1)
        actions.append(AddFollowUp(item.kind, morning(next_at, config) if step else next_at, f"{text}|{step + 1}"))
    return Due(tuple(actions), tuple((m, reminder) for m in to))


def _span(kind: str, queue: Queue, config: Config) -> int:
    return {"first_action": queue.first_action_days, "answer": queue.answer_days}.get(kind) or contact_days(
        queue, config
    )


def _checkin_due(
    item: FollowUp, case: CaseState, queue: Queue, config: Config, now: datetime, finish: FinishFollowUp,
    report_id: str,
) -> Due | None:
    if in_quiet_hours(now, config):
        return None  # no mail to a reporter at night; the row waits for the morning
    reporter = Mailbox.parse(case.reporter)
    number_text, _, notice_at = item.detail.partition("|")
    number = int(number_text or 1)
    actions: list[Action] = [finish]
    if reporter is not None:
        language = case.language or str(config["desk.language"])  # a case from before languages were kept
        first = MsgId.parse(report_id)
        mail = PlannedMail(
            audience="reporter",
            template=localized("reporter/checkin.txt.j2", language),
            to=(reporter,),
            subject=reporter_subject("checkin", language),
            in_reply_to=first,
            references=(first,) if first else (),
            auto_submitted=AutoSubmitted.GENERATED,
        )
        actions += [SendMail(mail, {"number": number}), RecordEvent(EventType.CHECKIN_SENT, f"check-in {number}")]
    if number < len(queue.checkin_days) and notice_at:
        at = datetime.fromisoformat(notice_at) + timedelta(days=queue.checkin_days[number])
        actions.append(AddFollowUp("checkin", at, f"{number + 1}|{notice_at}"))
    return Due(tuple(actions))


def checkin_answer(text: str) -> str:
    """'stopped', 'still happening' or '' from the first words of a reporter's reply."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if STOPPED.match(first):
        return "stopped"
    if STILL.match(first):
        return "still happening"
    return ""
