"""Owns the pure middle: one parsed message and the facts about it in, a plan of what to do out."""

from __future__ import annotations

from stopit.config import Config
from stopit.ingest.classify import classify
from stopit.models import Envelope, Facts, Kind, Plan, PlannedEvent, PlannedMail

ACK_TEMPLATE = "reporter/ack.txt.j2"


def ack_subject(case_placeholder: str = "{case}") -> str:
    return f"[stopit #{case_placeholder}] We received your report"


def _reporter(env: Envelope) -> str:
    return env.from_.address if env.from_ else ""


def _ack_refusal(env: Envelope, facts: Facts, config: Config) -> str | None:
    """Why no acknowledgement may go out for this report, or None."""
    reporter = _reporter(env)
    if not reporter:
        return "the report has no usable From address"
    if reporter.lower() == config.desk_address.lower():
        return "the report claims to come from the desk itself"
    limit = int(config["desk.ack_limit_per_hour"])
    if facts.acks_last_hour >= limit:
        return f"{reporter} already got {facts.acks_last_hour} acknowledgements this hour (limit {limit})"
    return None


def _plan_report(env: Envelope, facts: Facts, config: Config, plan_base: dict) -> Plan:
    events = [PlannedEvent("case.opened", f"report {env.sha256[:12]} from {_reporter(env) or '?'}")]
    mails: list[PlannedMail] = []
    refusal = _ack_refusal(env, facts, config)
    if refusal:
        events.append(PlannedEvent("ack.skipped", refusal))
    else:
        mails.append(
            PlannedMail(
                audience="reporter",
                template=ACK_TEMPLATE,
                to=(_reporter(env),),
                subject=ack_subject(),
                in_reply_to=env.message_id,
                references=(*env.references, env.message_id) if env.message_id else env.references,
            )
        )
    return Plan(open_case=True, case_id=None, mails=tuple(mails), events=tuple(events), **plan_base)


def plan(env: Envelope, facts: Facts, config: Config) -> Plan:
    """Decide, without I/O, what the desk does with `env`."""
    classification = classify(env, facts)
    base = {
        "classification": classification,
        "queue": str(config["desk.default_queue"]),
        "reporter": _reporter(env),
        "subject": env.subject,
    }
    if classification.kind is Kind.REPORT:
        return _plan_report(env, facts, config, base)
    event = PlannedEvent(f"{classification.kind.value}.received", classification.reason)
    return Plan(open_case=False, case_id=facts.replied_case, events=(event,), **base)
