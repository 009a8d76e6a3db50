"""Owns carrying one incoming message through the stages: store its bytes, plan, apply the plan."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import jinja2

from stopit import casework, pipeline
from stopit.act.dkim import Signer, signer_from_config
from stopit.act.headers import UnsafeMail
from stopit.act.render import compose, template_environment
from stopit.config import Config
from stopit.errors import ProcessingError, StoreError
from stopit.ingest.classify import not_a_message
from stopit.ingest.parse import envelope_of, parse_message
from stopit.models import Envelope, Facts, Offending, OutgoingMail, PlannedMail, RawMessage
from stopit.plan import (
    AddFollowUp,
    CancelFollowUps,
    EventType,
    FinishFollowUp,
    HoldOffice,
    MarkBounced,
    MarkDigested,
    MarkEscalated,
    OpenCase,
    Plan,
    RecordCommand,
    RecordEvent,
    SaveOffending,
    SendMail,
    UpdateCase,
)
from stopit.route.rules import RuleSet, load_rules
from stopit.store import AlreadyClaimed, Store
from stopit.tokens import OUR_IDS, Tokens, tokens_for
from stopit.trace import Lookups
from stopit.values import AutoSubmitted

log = logging.getLogger("stopit.desk")



@dataclass(frozen=True)
class Outcome:
    """What happened to one incoming message."""

    sha256: str
    state: str
    kind: str = ""
    case_id: int | None = None
    duplicate: bool = False
    detail: str = ""

    def log_line(self) -> str:
        case = f"case #{self.case_id}" if self.case_id else "no case"
        dup = " (already stored)" if self.duplicate else ""
        return f"{case} {self.kind or '-'} {self.state}{dup} sha256={self.sha256[:12]} {self.detail}"


@dataclass
class Desk:
    """What processing needs, built once at start-up and passed explicitly."""

    config: Config
    store: Store
    templates: jinja2.Environment
    lookups: Lookups
    rules: RuleSet
    tokens: Tokens
    signer: Signer | None = None  # outbound DKIM, when [smtp] dkim_selector and dkim_key_file are set

    @classmethod
    def open(cls, config: Config, store: Store | None = None) -> Desk:
        rules = load_rules(list(config["desk.rules_dirs"]), set(config.queues))
        store = store or Store(config.database)
        templates, lookups = template_environment(config), network_lookups(config, store)
        return cls(config, store, templates, lookups, rules, tokens_for(config), signer_from_config(config))

    def reload(self, config: Config) -> None:
        """Take a new config and rule set, both checked first; on any mistake keep the old ones."""
        rules = load_rules(list(config["desk.rules_dirs"]), set(config.queues))
        templates = template_environment(config)
        lookups = network_lookups(config, self.store)
        tokens, signer = tokens_for(config), signer_from_config(config)
        self.config, self.rules, self.templates, self.lookups, self.tokens = config, rules, templates, lookups, tokens
        self.signer = signer


def network_lookups(config: Config, store: Store | None = None) -> Lookups:
    """DNS for DKIM and SPF with hard time limits, and RDAP answers from the cache only (the daemon
    fetches missing ones in the background, so intake never waits for RDAP); nothing when offline."""
    if config["desk.offline"]:
        return Lookups()
    from stopit.trace.auth import dns_resolver, spf_checker

    rdap = None
    if store is not None:
        max_age = timedelta(days=int(config["desk.rdap_cache_days"]))
        rdap = lambda ip: store.rdap_cached(ip, max_age)  # noqa: E731 - a one-line closure over the store
    return Lookups(resolver=dns_resolver(), spf=spf_checker(), rdap=rdap)


def gather_facts(desk: Desk, env: Envelope, raw: RawMessage, offending: tuple[Offending, ...] = ()) -> Facts:
    ids = (*env.references, *env.in_reply_to)
    if not ids and env.content_type == "multipart/report":
        # A bounce of our own mail names our Message-ID only inside the returned headers.
        ids = tuple(m.decode("ascii", "replace") for m in OUR_IDS.findall(raw.data))
    reporter = env.from_.address if env.from_ else ""
    since = desk.store.clock() - timedelta(hours=1)
    senders = [o.from_.address for o in offending if o.from_ and o.from_.address]
    links = desk.store.report_links(offending, desk.store.clock(), link_ip_window(desk.config), since)
    return Facts(
        replied_case=desk.store.case_for_message_ids(ids),
        acks_last_hour=desk.store.acks_since(reporter, since) if reporter else 0,
        office_last_hour=tuple(sorted(desk.store.office_mails_since(since).items())),
        # A repeat sender: earlier incidents linked by any identifier (more copies of the same message are
        # not repeats); by From address alone only for cases older than the sender index.
        offender_cases=links.repeat if links.linked else desk.store.cases_for_senders(senders),
        linked=links.linked,
        incident=links.incident,
        incident_office_last_hour=links.incident_office_since,
    )


def link_ip_window(config: Config) -> timedelta:
    return timedelta(days=int(config["desk.link_ip_days"]))


def apply_plan(desk: Desk, plan: Plan, attachment: bytes | None = None, message_row: int | None = None) -> int | None:
    """Carry out every action of `plan` in order, in the caller's transaction; returns the case acted on.

    The same for a plan from a message, a staff command or the clock: the edges do only what the plan says.
    """
    store = desk.store
    case_id = plan.case_id
    last_row: int | None = None
    for action in plan.actions:
        if isinstance(action, FinishFollowUp | MarkEscalated):
            # Compare-and-set: a restart or a second processor never acts on the same row twice.
            done = (
                store.finish_followup(action.followup_id, action.state)
                if isinstance(action, FinishFollowUp)
                else store.mark_escalated(action.outbox_id)
            )
            if not done:
                raise AlreadyDone(f"{action} was acted on already")
        elif isinstance(action, MarkBounced):
            store.mark_bounced(action.outbox_id, action.detail)
        elif isinstance(action, OpenCase):
            case_id = store.open_case(action.queue, action.reporter, action.subject, action.report_sha256)
            store.update_case(
                case_id,
                urgent=int(action.urgent),
                category=action.category,
                rule=action.rule,
                tags=json.dumps(list(action.tags)),
                notice=action.notice,
                contact_due=action.contact_due,
                language=action.language,
            )
        elif isinstance(action, RecordEvent):
            store.add_event(action.case_id or case_id, action.type, action.detail)
        elif isinstance(action, CancelFollowUps) and case_id is not None:
            store.cancel_followups(case_id, action.kinds)
        elif isinstance(action, SaveOffending) and message_row is not None:
            for position, item in enumerate(action.items):
                store.add_offending(case_id, message_row, position, item)
            if plan.opens is not None and case_id is not None:
                store.link_new_case(case_id, action.items, link_ip_window(desk.config))
        elif isinstance(action, HoldOffice) and case_id is not None:
            store.hold_office(case_id, action.queue)
        elif isinstance(action, UpdateCase) and case_id is not None:
            store.update_case(case_id, **dict(action.fields))
        elif isinstance(action, RecordCommand) and case_id is not None:
            store.record_command(case_id, action.by, action.command, action.result, action.reason, message_row)
        elif isinstance(action, AddFollowUp) and case_id is not None:
            store.add_followup(case_id, action.kind, action.due_at, action.detail)
        elif isinstance(action, SendMail):
            last_row = _send(desk, action, case_id, attachment) or last_row
        elif isinstance(action, MarkDigested) and last_row is not None:
            store.mark_digested(list(action.case_ids), last_row)
    return case_id


class AlreadyDone(StoreError):
    """A clock plan's row was acted on by someone else first: the whole plan is rolled back."""


def _send(desk: Desk, action: SendMail, case_id: int | None, attachment: bytes | None) -> int | None:
    """Compose and queue one mail; its message row, or None when it could not be composed."""
    store, mail = desk.store, action.mail
    context = dict(action.context)
    attached = attachment if mail.attach_report else None
    try:
        outgoing = compose(desk.templates, desk.config, mail, case_id, context, store.clock(), attached, desk.tokens)
    except jinja2.TemplateError as exc:
        outgoing = _shipped_instead(desk, mail, case_id, context, attached, exc)
    except UnsafeMail as exc:
        # The case stands; this one mail is not sent, and the case log says why.
        log.warning("case %s: %s not composed: %s", case_id, mail.template, exc)
        store.add_event(case_id, EventType.MAIL_REFUSED, f"{mail.template}: {exc}")
        return None
    if action.queue:
        outgoing = replace(outgoing, queue=action.queue)
    if desk.signer is not None:
        # Signed before the outbox stores the bytes: what is stored is exactly what is sent.
        outgoing = replace(outgoing, data=desk.signer.sign(outgoing.data))
    row = store.add_outgoing(outgoing, case_id)
    if desk.tokens.plus_addressing:
        # VERP: a bounce names the outbox row in the address it is sent back to.
        store.set_envelope_sender(row, desk.tokens.bounce_address)
    recipients = ", ".join(m.address for m in mail.to)
    store.add_event(case_id, EventType.MAIL_QUEUED, f"{mail.template} to {recipients} {outgoing.message_id}")
    if action.records_ack and case_id is not None:
        store.update_case(case_id, ack_message_id=outgoing.message_id)
    if action.records_notice and case_id is not None:
        store.add_notice(case_id, action.records_notice, mail.to[0].address, outgoing.message_id)
    return row


def _apply(desk: Desk, plan: Plan, env: Envelope, row_id: int, raw: RawMessage) -> int | None:
    store = desk.store
    with store.transaction():
        # Compare-and-set first: if another processor applied this message meanwhile, nothing below runs.
        store.claim_incoming(row_id)
        case_id = apply_plan(desk, plan, raw.data, row_id)
        store.describe_incoming(row_id, env, plan.kind.value)
        store.set_state(row_id, "processed", case_id)
    return case_id


def _shipped_instead(
    desk: Desk, mail: PlannedMail, case_id: int | None, context: dict[str, Any], attachment: bytes | None, exc: Any
) -> OutgoingMail:
    """A (site) template failed at send time: the case stands, the shipped template goes out instead,
    and the desk's staff are told. If the shipped one fails too, the message is quarantined."""
    store, error = desk.store, f"{type(exc).__name__}: {exc}"
    log.error("case %s: template %s failed (%s); sending the shipped one instead", case_id, mail.template, error)
    store.add_event(case_id, "template.failed", f"{mail.template}: {error}; the shipped template was used")
    shipped = template_environment(replace(desk.config, values={**desk.config.values, "desk.templates_dir": ""}))
    staff = pipeline.staff_mailboxes(desk.config.queues[desk.config["desk.default_queue"]].staff)
    if staff:
        subject = f"Template {mail.template} failed"
        note = PlannedMail("office", "office/template_failed.txt.j2", staff, subject, None, (), AutoSubmitted.GENERATED)
        details = {**context, "failed_template": mail.template, "error": error}
        store.add_outgoing(compose(shipped, desk.config, note, case_id, details, store.clock()), case_id)
    return compose(shipped, desk.config, mail, case_id, context, store.clock(), attachment)


def _plan_for(desk: Desk, raw: RawMessage) -> tuple[Envelope, Plan]:
    limit = int(desk.config["desk.max_message_bytes"])
    reason = not_a_message(raw.data)
    if reason:
        raise ProcessingError("intake", reason)
    if raw.size > limit:
        raise ProcessingError("intake", f"{raw.size} bytes is over desk.max_message_bytes ({limit})")
    try:
        env = envelope_of(raw, parse_message(raw.data))
    except (ValueError, LookupError, TypeError, RecursionError, AttributeError) as exc:
        raise ProcessingError("parse", f"{type(exc).__name__}: {exc}") from exc
    analysis = pipeline.analyse(raw, env, desk.config, desk.lookups)
    facts = gather_facts(desk, env, raw, analysis.offending)
    now = desk.store.clock()
    about_a_case = casework.plan_case_message(desk, analysis, facts, now)
    return env, about_a_case or pipeline.decide(analysis, facts, desk.config, desk.rules, now)


def process_stored(desk: Desk, row_id: int, raw: RawMessage) -> Outcome:
    """Plan and apply for a message whose bytes are already stored; failures quarantine it."""
    try:
        return _process_stored(desk, row_id, raw)
    except AlreadyClaimed as exc:
        return Outcome(raw.sha256, exc.found, duplicate=True, detail=str(exc))


def _process_stored(desk: Desk, row_id: int, raw: RawMessage) -> Outcome:
    stage = "plan"
    try:
        env, plan = _plan_for(desk, raw)
        stage = "act"
        case_id = _apply(desk, plan, env, row_id, raw)
    except StoreError:
        raise
    except ProcessingError as exc:
        qid = desk.store.quarantine(row_id, raw.sha256, exc.stage, str(exc))
        return Outcome(raw.sha256, "quarantined", detail=f"quarantine #{qid}: {exc}")
    except Exception as exc:
        log.exception("message %s failed at %s", raw.sha256[:12], stage)
        qid = desk.store.quarantine(row_id, raw.sha256, stage, f"{type(exc).__name__}: {exc}")
        return Outcome(raw.sha256, "quarantined", detail=f"quarantine #{qid}: {stage}: {exc}")
    mails = f"{len(plan.mails)} mail(s) queued" if plan.mails else "nothing to send"
    return Outcome(raw.sha256, "processed", plan.kind.value, case_id, detail=f"{mails}; {plan.reason}")


def handle(desk: Desk, raw: RawMessage) -> Outcome:
    """Store the exact bytes first; then plan and apply, unless this message was done before."""
    stored = desk.store.store_incoming(raw)
    if not stored.is_new and stored.state != "received":
        return Outcome(raw.sha256, stored.state, case_id=stored.case_id, duplicate=True)
    outcome = process_stored(desk, stored.row_id, raw)
    log.info("%s", outcome.log_line())
    return outcome


def resume_unfinished(desk: Desk) -> list[Outcome]:
    """Finish messages stored before a crash, or released from quarantine, but never planned."""
    outcomes = []
    for row_id in desk.store.unfinished_incoming():
        raw = RawMessage(desk.store.raw_bytes(row_id), "resume")
        outcome = process_stored(desk, row_id, raw)
        log.info("%s (resumed)", outcome.log_line())
        outcomes.append(outcome)
    return outcomes
