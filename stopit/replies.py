"""Owns what a reply to an existing case means: the reporter's follow-up, routed again, and the sender's answer.

Pure. A reporter who writes again ("it says they will find me after class") is read like a new report: new
threat words make the case urgent and move it to the police queue at once, and the queue's staff always get
the message. A sender's answer to a notice joins the case and goes to staff; the reporter is never told
automatically what the sender said.
"""

from __future__ import annotations

from datetime import datetime

from stopit.config import Config
from stopit.followups import checkin_answer
from stopit.models import CaseState, Facts, PlannedMail
from stopit.pipeline import Analysis, hit_reason, keep_offending, route_subject, staff_mailboxes
from stopit.plan import (
    Action,
    CancelFollowUps,
    EventType,
    Plan,
    RecordEvent,
    SendMail,
    Trigger,
    UpdateCase,
)
from stopit.route import route
from stopit.route.rules import RuleSet


def _to_staff(
    case: CaseState, queue: str, config: Config, who: str, analysis: Analysis, extra: dict[str, object]
) -> list[Action]:
    target = config.queues.get(queue)
    staff = staff_mailboxes(target.staff) if target else ()
    if not staff:
        return [RecordEvent(EventType.OFFICE_SKIPPED, f"queue {queue} has no staff to tell about this {who} message")]
    confidential = bool(target and target.confidential)
    urgent = bool(extra.get("urgent"))
    about = "the reporter wrote again" if who == "reporter" else "the sender answered the notice"
    mail = PlannedMail.to_staff(
        "office/followup.txt.j2",
        staff,
        f"{'URGENT: ' if urgent else ''}{about}",
        # Confidential offices and anonymous cases get the case number and our words only.
        attach_report=not (confidential or case.anonymous),
    )
    text = "" if confidential or (case.anonymous and who == "reporter") else analysis.text
    context = {
        "who": who,
        "text": text or "(not shown: see the case on the desk)",
        "queue_name": target.display_name if target else queue,
        "urgent": urgent,
        "became_urgent": bool(extra.get("became_urgent")),
        "checkin": str(extra.get("checkin") or ""),
    }
    return [SendMail(mail, context, queue=queue)]


def decide_reporter_followup(
    analysis: Analysis, facts: Facts, case: CaseState, config: Config, rules: RuleSet, now: datetime
) -> Plan:
    """The reporter wrote again on their case: keep it, route it again, and tell the queue's staff."""
    actions: list[Action] = [RecordEvent(EventType.REPLY_RECEIVED, "the reporter wrote again")]
    answer = checkin_answer(analysis.text)
    if answer == "stopped":
        actions += [
            UpdateCase((("outcome", "stopped"), ("status", "resolved"))),
            RecordEvent(EventType.CHECKIN_ANSWERED, "the reporter says it has stopped"),
            CancelFollowUps(("checkin", "auto_close")),
        ]
    elif answer == "still happening":
        actions += [
            UpdateCase((("outcome", "still happening"), ("status", "open"))),
            RecordEvent(EventType.CHECKIN_ANSWERED, "the reporter says it is still happening: the case is open again"),
        ]
    actions += keep_offending(analysis.offending)
    subject = route_subject(analysis, config, facts, rules)
    decision = route(subject, rules, case.queue)
    queue, became_urgent = case.queue, False
    if decision.urgent and not case.urgent:
        # New danger in a follow-up outranks where the case was: it goes where the rules send danger.
        queue = decision.queue if decision.queue in config.queues else case.queue
        became_urgent = True
        fields: dict[str, object] = {"urgent": 1, "queue": queue}
        if decision.notice in ("never", "hold"):
            fields["notice"] = decision.notice
        actions.append(UpdateCase(tuple(fields.items())))
        why = hit_reason(decision, "")
        actions.append(
            RecordEvent(EventType.ROUTE_DECIDED, f"follow-up: now urgent, queue {queue} by rule {decision.rule}: {why}")
        )
    urgent = case.urgent or became_urgent
    extra = {"urgent": urgent, "became_urgent": became_urgent, "checkin": answer}
    actions += _to_staff(case, queue, config, "reporter", analysis, extra)
    return Plan(trigger=Trigger.MESSAGE, actions=tuple(actions), case_id=case.id, queue=queue, route=decision)


def decide_sender_answer(analysis: Analysis, case: CaseState, config: Config) -> Plan:
    """The sender a notice went to answered: it joins the case and goes to staff, not to the reporter."""
    actions: list[Action] = [
        RecordEvent(EventType.REPLY_RECEIVED, "the sender answered the notice"),
        CancelFollowUps(("answer",)),
    ]
    actions += _to_staff(case, case.queue, config, "sender", analysis, {"urgent": case.urgent})
    return Plan(trigger=Trigger.MESSAGE, actions=tuple(actions), case_id=case.id, queue=case.queue)
