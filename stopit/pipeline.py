"""Owns the pure middle: one parsed message and the facts about it in, a plan of what to do out."""

from __future__ import annotations

from dataclasses import replace

from stopit.config import Config
from stopit.extract import extract
from stopit.ingest.classify import classify
from stopit.models import Envelope, Facts, Kind, Offending, Plan, PlannedEvent, PlannedMail, RawMessage
from stopit.trace import Lookups, TraceSettings, trace

ACK_TEMPLATE = "reporter/ack.txt.j2"
NEED_HEADERS_TEMPLATE = "reporter/need_headers.txt.j2"


def ack_subject(case_placeholder: str = "{case}") -> str:
    return f"[stopit #{case_placeholder}] We received your report"


def _reporter(env: Envelope) -> str:
    return env.from_.address if env.from_ else ""


def _ack_refusal(env: Envelope, facts: Facts, config: Config, offending: tuple[Offending, ...]) -> str | None:
    """Why no acknowledgement may go out for this report, or None."""
    reporter = _reporter(env)
    if any(o.source == "self" for o in offending):
        return "the desk received this message from its own sender, who is not a reporter"
    if not reporter:
        return "the report has no usable From address"
    if reporter.lower() == config.desk_address.lower():
        return "the report claims to come from the desk itself"
    limit = int(config["desk.ack_limit_per_hour"])
    if facts.acks_last_hour >= limit:
        return f"{reporter} already got {facts.acks_last_hour} acknowledgements this hour (limit {limit})"
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


def _offending_events(offending: tuple[Offending, ...]) -> list[PlannedEvent]:
    if not offending:
        return [PlannedEvent("offending.none", "no offending message found; the report is in its own words")]
    return [PlannedEvent("offending.found", describe_offending(o)) for o in offending]


def _plan_report(
    env: Envelope, facts: Facts, config: Config, offending: tuple[Offending, ...], plan_base: dict
) -> Plan:
    events = [PlannedEvent("case.opened", f"report {env.sha256[:12]} from {_reporter(env) or '?'}")]
    events.extend(_offending_events(offending))
    mails: list[PlannedMail] = []
    refusal = _ack_refusal(env, facts, config, offending)
    if refusal:
        events.append(PlannedEvent("ack.skipped", refusal))
    else:
        mails.append(
            PlannedMail(
                audience="reporter",
                template=ack_template(offending),
                to=(_reporter(env),),
                subject=ack_subject(),
                in_reply_to=env.message_id,
                references=(*env.references, env.message_id) if env.message_id else env.references,
            )
        )
    return Plan(
        open_case=True,
        case_id=None,
        mails=tuple(mails),
        events=tuple(events),
        offending=offending,
        **plan_base,
    )


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
        if (source is not None and item.headers_complete) or item.source in ("redirect", "self"):
            item = replace(item, trace=trace(source or b"", settings, lookups).to_json())
        out.append(item)
    return tuple(out)


def plan(
    raw: RawMessage, env: Envelope, facts: Facts, config: Config, lookups: Lookups | None = None
) -> Plan:
    """Decide, without I/O, what the desk does with the message `raw` (whose header facts are `env`).

    The only outside world is `lookups` (DNS for DKIM and SPF), passed in; None means offline.
    """
    lookups = lookups or Lookups()
    classification = classify(env, facts)
    base = {
        "classification": classification,
        "queue": str(config["desk.default_queue"]),
        "reporter": "" if classification.kind is not Kind.REPORT else _reporter(env),
        "subject": env.subject,
    }
    if classification.kind is Kind.REPORT:
        offending = traced(extract(raw.data, env, config.desk_address), config, lookups)
        if any(o.source == "self" for o in offending):
            base["reporter"] = ""
        return _plan_report(env, facts, config, offending, base)
    event = PlannedEvent(f"{classification.kind.value}.received", classification.reason)
    if classification.kind is Kind.REPLY:
        offending = traced(extract(raw.data, env, config.desk_address), config, lookups)
        events = (event, *(_offending_events(offending) if offending else ()))
        return Plan(open_case=False, case_id=facts.replied_case, events=events, offending=offending, **base)
    return Plan(open_case=False, case_id=facts.replied_case, events=(event,), **base)
