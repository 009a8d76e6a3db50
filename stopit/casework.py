"""Owns the messages that belong to an existing case by who sent them: staff, the reporter, the notified sender.

An edge module: it reads the case from the store (a `CaseView`, the participants, the thread's proof) and
hands the pure planners (stopit.staff.commands, stopit.replies) what they need. Anything that is not about a
case, or comes from someone who is not a participant, goes to the ordinary planner as before.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from stopit import pipeline
from stopit.act.render import compose
from stopit.extract import read_parts
from stopit.ingest.classify import classify
from stopit.ingest.parse import envelope_of
from stopit.models import CaseState, Classification, Facts, Kind, PlannedMail, RawMessage
from stopit.plan import Action, EventType, MarkBounced, Plan, RecordEvent, SendMail, Trigger
from stopit.replies import decide_reporter_followup, decide_sender_answer
from stopit.resources import shipped_dir
from stopit.staff.auth import staff_proof
from stopit.staff.commands import (
    CaseView,
    OffendingView,
    Render,
    StaffMessage,
    decide_staff,
    refused_reply,
    split_body,
)
from stopit.staff.notice import NOTICE_TEMPLATE, ReporterIds
from stopit.tokens import OUR_IDS, Strength, Thread, thread_of
from stopit.values import Mailbox, mailbox_key

if TYPE_CHECKING:
    from stopit.desk import Desk

log = logging.getLogger("stopit.casework")


def thread_for(desk: Desk, analysis: pipeline.Analysis) -> Thread:
    env = analysis.env
    ids = (*env.in_reply_to, *env.references)
    delivered = [v for k, v in env.headers if k.lower() in ("delivered-to", "x-original-to")]
    addresses = [a.address for a in env.to] + delivered
    return thread_of(desk.tokens, ids, addresses, env.subject)


def _staff_keys(desk: Desk, queue: str | None) -> frozenset[str]:
    """Staff of `queue` (every queue when None) and the supervisors."""
    config = desk.config
    queues = [config.queues[queue]] if queue in config.queues else list(config.queues.values()) if queue is None else []
    addresses = [*config["desk.supervisors"], *(a for q in queues for a in q.staff)]
    return frozenset(k for k in map(mailbox_key, addresses) if k)


def _participant(desk: Desk, state: CaseState, key: str) -> str:
    if key and key == mailbox_key(state.reporter):
        return "reporter"
    if key in _staff_keys(desk, state.queue):
        return "staff"
    if key in {mailbox_key(a) for a in desk.store.notice_recipients(state.id)}:
        return "sender"
    return ""


def plan_case_message(desk: Desk, analysis: pipeline.Analysis, facts: Facts, now: datetime) -> Plan | None:
    """The plan for a message about an existing case from one of its participants (or from any staff
    address), or None when the ordinary planner decides."""
    env = analysis.env
    kind = classify(env, facts).kind
    if kind is Kind.BOUNCE:
        return _bounce(desk, analysis)
    sender = Mailbox.parse(env.from_.address) if env.from_ else None
    if sender is None or kind is Kind.AUTO:
        return None
    thread = thread_for(desk, analysis)
    proven = thread.case_id if thread.strength is Strength.PROVEN else None
    case_id = proven or facts.replied_case or (thread.case_id if thread.strength is Strength.TAG else None)
    state = desk.store.case_state(case_id) if case_id else None
    role = _participant(desk, state, sender.key) if state else ""
    if state is not None and not role and case_id != (proven or facts.replied_case):
        state = None  # a subject tag alone joins only a participant's mail
    plan: Plan | None = None
    if sender.key in _staff_keys(desk, None):
        plan = _from_staff(desk, analysis, facts, sender, state, proven, now)
    elif state is not None and role == "reporter":
        plan = decide_reporter_followup(analysis, facts, state, desk.config, desk.rules, now)
    elif state is not None and role == "sender":
        plan = decide_sender_answer(analysis, state, desk.config)
    if plan is None or plan.classification is not None:
        return plan
    how = thread.how or "a reply to our message"
    return replace(plan, classification=Classification(Kind.REPLY, f"from the case's {role or 'staff'}, by {how}"))


def _bounce(desk: Desk, analysis: pipeline.Analysis) -> Plan | None:
    """A message of ours came back: found by its VERP address, else by our Message-ID in what it returns.
    The outbox row says bounced; staff are told when it was a notice (an urgent office's mail is escalated
    by the clock)."""
    env, store = analysis.env, desk.store
    delivered = [v for k, v in env.headers if k.lower() in ("delivered-to", "x-original-to")]
    row = None
    for address in [a.address for a in env.to] + delivered:
        outbox_id = desk.tokens.outbox_of_address(address)
        row = store.outbox_row(outbox_id=outbox_id) if outbox_id else None
        if row:
            break
    for found in [] if row else OUR_IDS.findall(analysis.raw.data):
        row = store.outbox_row(message_id=found.decode("ascii", "replace"))
        if row:
            break
    if row is None:
        return None
    outbox_id, case_id, audience, recipients = row
    detail = f"outbox {outbox_id} ({audience} mail to {', '.join(json.loads(recipients))}) came back"
    actions: list[Action] = [MarkBounced(outbox_id, env.subject[:200]), RecordEvent(EventType.MAIL_BOUNCED, detail)]
    state = store.case_state(case_id) if case_id else None
    if state is not None and audience == "offender":
        queue = desk.config.queues.get(state.queue)
        staff = pipeline.staff_mailboxes(queue.staff) if queue else ()
        if staff:
            mail = PlannedMail.to_staff(
                "office/bounced.txt.j2",
                staff,
                "the notice to the sender bounced",
            )
            actions.append(SendMail(mail, {"recipients": json.loads(recipients), "why": env.subject[:200]}))
    classification = Classification(Kind.BOUNCE, f"a bounce of our outbox row {outbox_id}")
    return Plan(trigger=Trigger.MESSAGE, actions=tuple(actions), case_id=case_id, classification=classification)


def _from_staff(
    desk: Desk,
    analysis: pipeline.Analysis,
    facts: Facts,
    sender: Mailbox,
    state: CaseState | None,
    proven: int | None,
    now: datetime,
) -> Plan:
    env = analysis.env
    commands, note = split_body(analysis.text)
    if state is None:
        # Not about a case we can tell: an ordinary report (staff addresses never get an acknowledgement).
        plan = pipeline.decide(analysis, facts, desk.config, desk.rules, now)
        if not commands:
            return plan
        why = "your message does not refer to a case: reply to a case mail from the desk"
        return _with(plan, refused_reply(sender, env.message_id, None, why))
    noted: list[Action] = [RecordEvent(EventType.STAFF_NOTE, f"{sender}: {note[:2000]}")] if note else []
    why = ""
    if proven != state.id:
        why = (
            "it refers to the case only by the subject tag (or by an older message of ours): a command needs a "
            "reply to one of the desk's case mails"
        )
    else:
        proof = staff_proof(env, desk.config)
        if not proof.ok:
            why = f"the desk could not confirm that it comes from {sender}: {proof.how}"
        else:
            message = StaffMessage(sender, env.message_id, env.references, commands, note, proof.how)
            return decide_staff(message, case_view(desk, state), desk.config, now, _renderer(desk, state.id, now))
    if commands:
        log.warning("case %s: commands from a staff address not run: %s", state.id, why)
        noted.append(RecordEvent(EventType.STAFF_COMMAND, f"commands from {sender} not run: {why}"))
        noted.append(refused_reply(sender, env.message_id, state.id, why))
    if not noted:
        noted.append(RecordEvent(EventType.REPLY_RECEIVED, f"a message from staff address {sender}"))
    return Plan(trigger=Trigger.MESSAGE, actions=tuple(noted), case_id=state.id, queue=state.queue)


def _with(plan: Plan, action: Action) -> Plan:
    return replace(plan, actions=(*plan.actions, action))


def _renderer(desk: Desk, case_id: int, now: datetime) -> Render:
    """The notice rendered exactly as it would be sent, for the leak scan."""

    def render(mail: PlannedMail, context: Mapping[str, Any]) -> bytes:
        return compose(desk.templates, desk.config, mail, case_id, dict(context), now, None, desk.tokens).data

    return render


@lru_cache(maxsize=1)
def ordinary_words() -> frozenset[str]:
    """The words of the shipped notice template's own text (not of a site's copy, which could name anyone)."""
    source = (shipped_dir("templates") / NOTICE_TEMPLATE).read_text(encoding="utf-8")
    text = re.sub(r"{[{%#].*?[}%#]}", " ", source, flags=re.DOTALL)
    return frozenset(w.casefold() for w in re.findall(r"[^\W\d_]+", text))


def verified_sender(item: Mapping[str, Any]) -> bool:
    """An offending message with full headers whose From is backed by an aligned DKIM or SPF pass."""
    if not item.get("headers_complete"):
        return False
    trace = item.get("trace") or {}
    auth = trace.get("auth") or {}
    alignment = auth.get("alignment") or {}
    if alignment.get("dkim_aligned") is True or alignment.get("spf_aligned") is True:
        return True
    for record in auth.get("authentication_results") or []:
        if record.get("believed") and any(
            r.get("method") == "dmarc" and r.get("result") == "pass" for r in record.get("results") or []
        ):
            return True
    return False


def case_view(desk: Desk, state: CaseState) -> CaseView:
    store = desk.store
    offending = store.offending_for_case(state.id)
    views = tuple(
        OffendingView(
            sender=((o.get("from") or {}).get("address") or ""),
            subject=o.get("subject") or "",
            date=o.get("date_raw") or o.get("date") or "",
            headers_complete=bool(o.get("headers_complete")),
            verified=verified_sender(o),
            abuse_contacts=tuple(c.get("contact", "") for c in (o.get("trace") or {}).get("abuse_contacts") or []),
            handoff_ip=(o.get("trace") or {}).get("handoff_ip") or "",
            original=store.offending_bytes(o["sha256"]) if o.get("sha256") and o.get("headers_complete") else None,
        )
        for o in offending
    )
    reporter_key = mailbox_key(state.reporter)
    theirs = [r for r in store.incoming_of_case(state.id) if reporter_key and mailbox_key(r[1]) == reporter_key]
    name, own = "", ""
    if theirs:
        raw = RawMessage(store.raw_bytes(theirs[0][0]), "case")
        env = envelope_of(raw)
        name = env.from_.name if env.from_ else ""
        notes = [o.get("note") or "" for o in offending if o.get("note")]
        own = "\n".join(notes) if notes else read_parts(raw.data).text
    reporter = ReporterIds(state.reporter, name, tuple(str(r[2]) for r in theirs if r[2]), own, ordinary_words())
    return CaseView(
        state=state,
        offending=views,
        reporter=reporter,
        # One notice covers an incident: the same message reported by many people is asked to stop once.
        notices_to=frozenset(
            mailbox_key(n["to"]) for c in store.incident_cases(state.id) for n in store.notices_for(c, "notice")
        ),
        abuse_to=frozenset(mailbox_key(n["to"]) for n in store.notices_for(state.id, "abuse")),
        report_message_id=str(theirs[0][2]) if theirs else "",
    )
