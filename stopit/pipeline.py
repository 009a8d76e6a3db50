"""Owns the pure middle: one parsed message and the facts about it in, a plan of what to do out."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from stopit import followups
from stopit.config import Config, Queue
from stopit.extract import Read, extract, read_parts
from stopit.extract.junk import unsolicited
from stopit.extract.language import LANGUAGES, REPORTER_SUBJECTS, localized, reporter_language
from stopit.ingest.classify import classify
from stopit.models import Classification, Envelope, Facts, Kind, Offending, PlannedMail, RawMessage
from stopit.plan import (
    Action,
    EventType,
    HoldOffice,
    OpenCase,
    Plan,
    RecordEvent,
    SaveOffending,
    SendMail,
    Trigger,
    UpdateCase,
)
from stopit.route import Route, route
from stopit.route.conditions import Subject
from stopit.route.rules import RuleSet
from stopit.trace import Lookups, TraceSettings, trace
from stopit.values import Mailbox, MsgId, clean_block, clean_text, greeting_name, mailbox_key, msg_ids

ACK_TEMPLATE = "reporter/ack.txt.j2"
# No rules at all: every report stays in the default queue. The desk and the CLI pass the loaded rules.
EMPTY_RULES = RuleSet(())
NEED_HEADERS_TEMPLATE = "reporter/need_headers.txt.j2"


# The acknowledgement's subject in the reporter's language (templates/reporter/<language>/).
ACK_SUBJECTS = REPORTER_SUBJECTS["ack"]
ACK_SUBJECT = ACK_SUBJECTS["en"]


def _reporter(env: Envelope) -> str:
    return env.from_.address if env.from_ else ""


def reporter_mailbox(env: Envelope) -> Mailbox | None:
    """The reporter's address, parsed once: one plain addr-spec, or None (nothing is sent back then)."""
    return Mailbox.parse(env.from_.address) if env.from_ else None


def desk_keys(config: Config) -> frozenset[str]:
    """Mailboxes of the desk itself (any +subaddress, any case) and of its staff: never acknowledged."""
    addresses = [config.desk_address, *config["desk.supervisors"]]
    addresses += [a for queue in config.queues.values() for a in queue.staff]
    return frozenset(k for k in (mailbox_key(a) for a in addresses) if k)


def _ack_refusal(env: Envelope, facts: Facts, config: Config, offending: tuple[Offending, ...]) -> str | None:
    """Why no acknowledgement may go out for this report, or None."""
    if any(o.source == "self" for o in offending):
        return "the desk received this message from its own sender, who is not a reporter"
    reporter = reporter_mailbox(env)
    if reporter is None:
        return "the report has no usable From address"
    if reporter.key in desk_keys(config):
        return "the report comes from an address of the desk or its staff"
    limit = int(config["desk.ack_limit_per_hour"])
    if facts.acks_last_hour >= limit:
        return f"this mailbox already got {facts.acks_last_hour} acknowledgements this hour (limit {limit})"
    return None


def ack_template(offending: tuple[Offending, ...]) -> str:
    """Ask for full headers when there is an offending message but none arrived with its headers."""
    if offending and not any(o.headers_complete for o in offending):
        return NEED_HEADERS_TEMPLATE
    return ACK_TEMPLATE


def describe_offending(item: Offending) -> str:
    sender = item.from_.address or item.from_.name if item.from_ else "unknown sender"
    complete = "full headers" if item.headers_complete else "no full headers"
    return f"{item.source}: from {sender}, subject {item.subject[:80]!r}, {complete}"


def _offending_events(offending: tuple[Offending, ...]) -> list[RecordEvent]:
    if not offending:
        return [RecordEvent(EventType.OFFENDING_NONE, "no offending message found; the report is in its own words")]
    return [RecordEvent(EventType.OFFENDING_FOUND, describe_offending(o)) for o in offending]


def keep_offending(offending: tuple[Offending, ...]) -> list[Action]:
    """The offending messages a reply brought: an event for each, then kept with their traces (none: nothing)."""
    return [*_offending_events(offending), SaveOffending(offending)] if offending else []


def route_subject(analysis: Analysis, config: Config, facts: Facts, rules: RuleSet) -> Subject:
    """What the routing rules may look at for this report."""
    return Subject(
        report=analysis.env,
        report_text=analysis.text,
        offending=analysis.offending,
        attachment_types=analysis.read.attachment_types,
        org_domains=tuple(d.lower() for d in config["desk.org_domains"]),
        offender_cases=len(facts.offender_cases),
        lexicons=rules.lexicons,
        patterns=rules.patterns,
    )


def _ack_for(route: Route, queue: Queue, offending: tuple[Offending, ...]) -> str:
    """The rule's acknowledgement, else the queue's, else the plain one (asking for headers if missing)."""
    return route.ack_template or queue.ack_template or ack_template(offending)


def office_subject(route: Route, offending: tuple[Offending, ...], env: Envelope, confidential: bool) -> str:
    """Our words, then the offending subject as clean, bounded text ("[stopit #N]" is put in front later)."""
    urgent = "URGENT: " if route.urgent else ""
    if confidential:
        return f"{urgent}{route.category}"
    about = next((o.subject for o in offending if o.subject), env.subject) or "(no subject)"
    return f"{urgent}{route.category}: {clean_text(about, 120)}"


def staff_mailboxes(addresses: tuple[str, ...]) -> tuple[Mailbox, ...]:
    return tuple(m for m in (Mailbox.parse(a) for a in addresses) if m is not None)


def _office_mail(
    route: Route, queue: Queue, offending: tuple[Offending, ...], env: Envelope, anonymous: bool
) -> PlannedMail | None:
    staff = staff_mailboxes(queue.staff)
    if not staff:
        return None
    template = "office/new_case_confidential.txt.j2" if queue.confidential else queue.office_template
    return PlannedMail.to_staff(
        template,
        staff,
        office_subject(route, offending, env, queue.confidential),
        # The report itself names the reporter: an anonymous reporter's office mail carries content only.
        attach_report=not (queue.confidential or anonymous),
    )


_ANONYMOUS = re.compile(r"^\W*anonymous\W*$", re.IGNORECASE)
_SUBJECT_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|aw|wg|tr|rv)\s*:\s*)+", re.IGNORECASE)


def asks_anonymity(env: Envelope, text: str) -> bool:
    """The word ANONYMOUS alone in the reporter's subject or first line: keep them out of office mail."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return bool(_ANONYMOUS.match(_SUBJECT_PREFIX.sub("", env.subject)) or _ANONYMOUS.match(first_line))


def notice_policy(decision: Route, queue: Queue) -> str:
    """never (a queue or rule forbids it), hold (a possible threat), reporter (they decide), or approval."""
    if "never" in (decision.notice, queue.notice):
        return "never"
    if decision.notice == "hold":
        return "hold"
    return "reporter" if queue.notice == "reporter" else "approval"


def office_commands(policy: str, urgent: bool) -> list[str]:
    """The command lines that make sense for a new case, for the office mail."""
    first = ["Stopit: urgent off"] if urgent or policy == "hold" else []
    if policy == "never":
        return [*first, "Stopit: queue stopit   (only once the danger is ruled out)", "Stopit: status waiting",
                "Stopit: reply", "Stopit: help"]  # fmt: skip
    return [*first, "Stopit: consent yes", "Stopit: notice preview", "Stopit: notice send", "Stopit: reply",
            "Stopit: assign ADDRESS", "Stopit: status resolved", "Stopit: help"]  # fmt: skip


def reporter_words(analysis: Analysis) -> str:
    """What the reporter wrote themselves: their notes above forwards, else their whole message."""
    notes = [o.note for o in analysis.offending if o.note]
    return clean_block("\n\n".join(notes) if notes else analysis.text, 3000)


def mail_context(
    analysis: Analysis, decision: Route, queue: Queue, facts: Facts, config: Config, now: datetime
) -> dict[str, Any]:
    """Every variable the reporter and office templates may use, decided here so explain can show it.

    Values from the report are cleaned (stopit.values) here and again, recursively, when rendered.
    """
    env = analysis.env
    days = int(config["desk.offender_deadline_days"])
    anonymous = asks_anonymity(env, analysis.text)
    policy = notice_policy(decision, queue)
    return {
        "anonymous": anonymous,
        "reporter_words": "" if anonymous else reporter_words(analysis),
        "notice_policy": policy,
        "commands": office_commands(policy, decision.urgent),
        "office_notified": False,  # set by the plan once it knows whether the office mail goes out
        # Only something that looks like a name: a display name is the sender's to choose, and spammers
        # choose "WIN 1000 USD NOW at http://…" to have it echoed in mail from the university.
        "reporter_name": greeting_name(env.from_.name) if env.from_ else "",
        "report_subject": clean_text(env.subject),
        "need_headers": needs_headers(analysis.offending),
        "reporter": "" if anonymous else _reporter(env),
        "queue_name": queue.display_name,
        "urgent": decision.urgent,
        "category": decision.category or "harassment",
        "rule": decision.rule,
        "route_reason": hit_reason(decision, ""),
        "notice": decision.notice,
        "deadline": (now + timedelta(days=days)).strftime("%A %d %B %Y"),
        "received_at": now.strftime("%Y-%m-%d %H:%M %Z"),
        "linked_cases": list(facts.offender_cases),
        # Earlier cases of the same sender: number, date, office and why — never who reported them.
        "linked": [{"id": c.id, "opened": c.opened, "queue": c.queue, "why": c.why} for c in facts.linked],
        "offending": [o.to_json() for o in analysis.offending],
    }


def needs_headers(offending: tuple[Offending, ...]) -> bool:
    return bool(offending) and not any(o.headers_complete for o in offending)


def _plan_report(
    analysis: Analysis, facts: Facts, config: Config, decision: Route, classification: Classification, now: datetime
) -> Plan:
    env, offending = analysis.env, analysis.offending
    queue = config.queues.get(decision.queue) or config.queues[str(config["desk.default_queue"])]
    reporter_text = "" if any(o.source == "self" for o in offending) else _reporter(env)
    days = int(config["desk.offender_deadline_days"])
    # The reporter is answered in their own language when it is clear; staff mail stays in the desk's.
    language = reporter_language(analysis.text, offending, LANGUAGES, str(config["desk.language"]))
    actions: list[Action] = [
        OpenCase(
            queue=queue.name,
            reporter=reporter_text,
            subject=env.subject,
            report_sha256=env.sha256,
            urgent=decision.urgent,
            category=decision.category,
            rule=decision.rule,
            tags=decision.tags,
            notice=decision.notice,
            contact_due=(now + timedelta(days=days)).date().isoformat(),
            language=language,
        ),
        RecordEvent(EventType.CASE_OPENED, f"report {env.sha256[:12]} from {_reporter(env) or '?'}"),
        *_offending_events(offending),
        RecordEvent(
            EventType.ROUTE_DECIDED,
            f"queue {queue.name} by rule {decision.rule or 'default'}"
            f"{' (urgent)' if decision.urgent else ''}: {hit_reason(decision)}; {decision.danger.summary()}",
        ),
    ]
    if decision.notice == "never" or queue.notice == "never":
        blocked = "no notice may go to the sender of this case automatically"
        actions.append(RecordEvent(EventType.NOTICE_BLOCKED, blocked))
    elif decision.notice == "hold":
        held = "possible threat: no notice may go to the sender until a person has cleared it"
        actions.append(RecordEvent(EventType.NOTICE_BLOCKED, held))
    if offending:
        actions.append(SaveOffending(offending))
    context = mail_context(analysis, decision, queue, facts, config, now)
    office = _office_mail(decision, queue, offending, env, bool(context["anonymous"]))
    office_limit = int(config["desk.office_limit_per_hour"])
    if office is None:
        actions.append(RecordEvent(EventType.OFFICE_SKIPPED, f"queue {queue.name} has no staff addresses configured"))
        if decision.urgent:
            actions += escalation(config, queue, f"an urgent case, but {queue.display_name} has no staff configured")
    elif facts.incident is not None and facts.incident_office_last_hour:
        # One office mail per incident update, not one per reporter of the same message.
        joined = f"another report of incident #{facts.incident}, whose office mail went out this hour"
        actions.append(RecordEvent(EventType.OFFICE_INCIDENT, joined))
        context["office_notified"] = True
    elif dict(facts.office_last_hour).get(queue.name, 0) >= office_limit:
        actions.append(
            RecordEvent(EventType.OFFICE_HELD, f"queue {queue.name} had {office_limit} notifications this hour")
        )
        actions.append(HoldOffice(queue.name))
    else:
        actions.append(SendMail(office, context, queue=queue.name))
        context["office_notified"] = True
    if context["anonymous"]:
        actions.append(UpdateCase((("anonymous", 1),)))
    actions += followups.on_open(queue, str(context["notice_policy"]), config, now)
    refusal = _ack_refusal(env, facts, config, offending)
    reporter = reporter_mailbox(env)
    if refusal or reporter is None:
        actions.append(RecordEvent(EventType.ACK_SKIPPED, refusal or "no reporter address"))
    else:
        ack = PlannedMail(
            audience="reporter",
            template=localized(_ack_for(decision, queue, offending), language),
            to=(reporter,),
            subject=ACK_SUBJECTS.get(language, ACK_SUBJECT),
            in_reply_to=MsgId.parse(env.message_id),
            references=msg_ids((*env.references, env.message_id)),
        )
        actions.append(SendMail(ack, context, records_ack=True))
    return Plan(
        trigger=Trigger.MESSAGE,
        actions=tuple(actions),
        classification=classification,
        reporter=reporter_text,
        queue=queue.name,
        subject=env.subject,
        route=decision,
        offending=offending,
        need_headers=needs_headers(offending),
    )


def escalation(config: Config, queue: Queue, why: str) -> list[Action]:
    """An urgent office could not be told: tell the supervisors and the desk's own staff at once."""
    desk_queue = config.queues.get(str(config["desk.default_queue"]))
    addresses = (*config["desk.supervisors"], *(desk_queue.staff if desk_queue else ()))
    seen: dict[str, Mailbox] = {}
    for box in staff_mailboxes(tuple(addresses)):
        seen.setdefault(box.key, box)
    if not seen:
        return [RecordEvent(EventType.OFFICE_ESCALATED, f"{why}; no supervisors or desk staff are configured to tell")]
    mail = PlannedMail.to_staff(
        "office/escalation.txt.j2",
        tuple(seen.values()),
        f"URGENT: {queue.display_name} was not reached",
    )
    return [
        RecordEvent(EventType.OFFICE_ESCALATED, f"{why}; told {', '.join(seen)}"),
        SendMail(mail, {"why": why, "queue_name": queue.display_name}),
    ]


def hit_reason(decision: Route, none: str = "no rule matched") -> str:
    """Why the rule that decided the route hit; `none` when no rule did."""
    return next((t.why for t in decision.tried if t.hit), none)


def trace_settings(config: Config) -> TraceSettings:
    return TraceSettings(
        trusted_networks=tuple(config["desk.trusted_networks"]),
        internal_networks=tuple(config["desk.internal_networks"]),
        org_domains=tuple(d.lower() for d in config["desk.org_domains"]),
    )


def traced(offending: tuple[Offending, ...], config: Config, lookups: Lookups) -> tuple[Offending, ...]:
    """Each offending message with the trace of whatever headers it kept (inline forwards have none)."""
    settings = trace_settings(config)
    out = []
    for item in offending:
        source = item.raw if item.raw is not None else item.header_bytes
        if source is not None:
            item = replace(item, trace=trace(source, settings, lookups))
        out.append(item)
    return tuple(out)


@dataclass(frozen=True)
class Analysis:
    """Everything read from one message before any fact from the database is needed."""

    raw: RawMessage
    env: Envelope
    read: Read  # its MIME parts and its own words
    offending: tuple[Offending, ...]

    @property
    def text(self) -> str:
        """The message's own words."""
        return self.read.text


def analyse(raw: RawMessage, env: Envelope, config: Config, lookups: Lookups) -> Analysis:
    """Extraction, then tracing: the offending messages of a report or reply, with their origins."""
    read = read_parts(raw.data)
    offending = traced(extract(raw.data, env, config.desk_address, read=read), config, lookups)
    return Analysis(raw, env, read, offending)


def decide(analysis: Analysis, facts: Facts, config: Config, rules: RuleSet, now: datetime) -> Plan:
    """Decide, without I/O, what the desk does with one analysed message; `now` is the only clock."""
    env, offending = analysis.env, analysis.offending
    org_domains = trace_settings(config).org_domains
    junk = unsolicited(env, analysis.read.parts, analysis.text, offending, config.desk_address, org_domains)
    classification = classify(env, facts, junk)
    if classification.kind is Kind.REPORT:
        subject = route_subject(analysis, config, facts, rules)
        decision = route(subject, rules, str(config["desk.default_queue"]))
        return _plan_report(analysis, facts, config, decision, classification, now)
    actions: list[Action] = [RecordEvent(EventType(f"{classification.kind.value}.received"), classification.reason)]
    if classification.kind is Kind.REPLY:
        actions += keep_offending(offending)
    return Plan(
        trigger=Trigger.MESSAGE,
        actions=tuple(actions),
        case_id=facts.replied_case,
        classification=classification,
        queue=str(config["desk.default_queue"]),
        subject=env.subject,
        offending=offending if classification.kind is Kind.REPLY else (),
    )


def plan(
    raw: RawMessage,
    env: Envelope,
    facts: Facts,
    config: Config,
    lookups: Lookups | None = None,
    rules: RuleSet = EMPTY_RULES,
    now: datetime | None = None,
) -> Plan:
    """analyse() then decide() in one call, for explain and tests; `now` defaults to the wall clock."""
    analysis = analyse(raw, env, config, lookups or Lookups())
    return decide(analysis, facts, config, rules, now or datetime.now(UTC))
