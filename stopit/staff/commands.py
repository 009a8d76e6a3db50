"""Owns staff commands by mail: reading `Stopit: …` lines and the note, and planning what each one does.

Pure: the case as it stands (a `CaseView` gathered at the edge), the commands and the clock in; a Plan out.
Commands run in order against a working copy of the case, so `consent yes` then `notice send` in one mail
works; each is recorded as run or refused with its reason, and one confirmation goes back to the staff member.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from stopit.config import Config
from stopit.extract.inline import quote_start
from stopit.extract.language import localized, reporter_subject
from stopit.followups import ALL_KINDS, on_notice
from stopit.models import AbuseSpec, CaseState, PlannedMail
from stopit.plan import (
    Action,
    CancelFollowUps,
    EventType,
    Plan,
    RecordCommand,
    RecordEvent,
    SendMail,
    Trigger,
    UpdateCase,
)
from stopit.staff.notice import NoticeDraft, ReporterIds, case_gates, leak_scan, notice_gates, notice_mail
from stopit.values import AutoSubmitted, Mailbox, MsgId, clean_block, clean_text, mailbox_key

_COMMAND = re.compile(r"^\s*stopit\s*:\s*(.*?)\s*$", re.IGNORECASE)
STATUSES = ("open", "waiting", "resolved", "closed")
HELP = (
    "help — this list",
    "status open|waiting|resolved|closed",
    "queue NAME — move the case to another office (the new office gets the case mail)",
    "urgent on|off — off also clears a 'possible threat' hold (staff of the case's queue only)",
    "assign ADDRESS",
    "reply — the note below the commands goes to the reporter, from the desk address",
    "consent yes|no — the reporter agreed (or not) that the sender may be asked to stop",
    "notice preview | notice send [--unverified] [--again]",
    "abuse-report preview|send",
    "link N — the same sender as case N",
    "anonymous — keep the reporter out of every office mail from now on",
)


@dataclass(frozen=True)
class Command:
    verb: str
    args: tuple[str, ...]
    line: str


def split_body(text: str) -> tuple[tuple[Command, ...], str]:
    """The `Stopit:` lines at the very top of a staff message, and the note: the rest, without the quoted
    original and the signature."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    commands: list[Command] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _COMMAND.match(line)
        if match:
            words = _words(match.group(1))
            if words:
                commands.append(Command(words[0].lower(), tuple(words[1:]), clean_text(match.group(1), 200)))
        elif line.strip():
            break
        index += 1
    return tuple(commands), clean_block("\n".join(_note(lines[index:])).strip(), 20_000)


def _note(lines: list[str]) -> list[str]:
    """What the staff member wrote: the lines up to the signature or the quoted original, without lines
    quoted with '>'. An answer below an attribution and its quote (bottom-posting) counts too, but only when
    that quote is marked with '>': an unmarked one (a reply turned from HTML into text) runs to the end."""
    note: list[str] = []
    while lines:
        start = quote_start(lines)
        cut = len(lines) if start is None else start.start
        signature = next((i for i, line in enumerate(lines[:cut]) if line.rstrip() in ("--", "-- ")), None)
        note += [line for line in lines[: cut if signature is None else signature] if not line.lstrip().startswith(">")]
        if signature is not None or start is None or not start.attribution or not _marked(lines[start.end :]):
            break
        lines = lines[start.end :]
    return note


def _marked(lines: list[str]) -> bool:
    """Whether the first line with text is quoted with '>'."""
    return next((line for line in lines if line.strip()), "").lstrip().startswith(">")


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


@dataclass(frozen=True)
class OffendingView:
    """What the notice gates need to know of one offending message of the case."""

    sender: str
    subject: str
    date: str
    headers_complete: bool
    verified: bool  # its From is backed by an aligned DKIM or SPF pass recorded by a trusted receiver
    abuse_contacts: tuple[str, ...] = ()  # the sending provider's abuse desk, as the trace found it
    handoff_ip: str = ""
    envelope_sender: str = ""
    original: bytes | None = None  # the exact bytes, when the message arrived with them


@dataclass(frozen=True)
class CaseView:
    """One case as the staff planner sees it, gathered at the edge."""

    state: CaseState
    offending: tuple[OffendingView, ...]
    reporter: ReporterIds
    notices_to: frozenset[str]  # addresses a notice already went to
    report_message_id: str  # the reporter's first message, to thread a reply on
    linked: tuple[int, ...] = ()
    abuse_to: frozenset[str] = frozenset()  # providers an abuse report already went to


@dataclass(frozen=True)
class StaffMessage:
    sender: Mailbox
    message_id: str
    references: tuple[str, ...]
    commands: tuple[Command, ...]
    note: str
    proof: str  # how the sender was authenticated


Render = Callable[[PlannedMail, Mapping[str, Any]], bytes]


@dataclass
class _Run:
    """The working state while one staff message's commands run."""

    case: CaseState
    actions: list[Action]
    results: list[tuple[str, str, str]]  # (command, "run"|"refused", reason)


def staff_keys(config: Config) -> frozenset[str]:
    addresses = [*config["desk.supervisors"], *(a for q in config.queues.values() for a in q.staff)]
    return frozenset(k for k in map(mailbox_key, addresses) if k)


def _queue_staff(config: Config, queue: str) -> frozenset[str]:
    q = config.queues.get(queue)
    return frozenset(k for k in map(mailbox_key, q.staff if q else ()) if k)


def decide_staff(message: StaffMessage, view: CaseView, config: Config, now: datetime, render: Render) -> Plan:
    """Run each command of an authenticated staff message in order; one confirmation back to its sender."""
    run = _Run(view.state, [], [])
    if message.note:
        run.actions.append(RecordEvent(EventType.STAFF_NOTE, f"{message.sender}: {message.note[:2000]}"))
    for command in message.commands:
        outcome = _one(command, message, view, run, config, now, render)
        verdict = "refused" if outcome.startswith("refused: ") else "run"
        reason = outcome.removeprefix("refused: ") if verdict == "refused" else outcome
        run.results.append((command.line, verdict, reason))
        run.actions.append(RecordCommand(str(message.sender), command.line, verdict, reason))
    if any(verdict == "run" for _, verdict, _ in run.results):
        run.actions.append(CancelFollowUps(("first_action",)))  # a staff member has acted on the case
    run.actions.append(_confirmation(message, run, view, config))
    return Plan(trigger=Trigger.COMMAND, actions=tuple(run.actions), case_id=view.state.id, queue=run.case.queue)


def _update(run: _Run, **fields: Any) -> None:
    run.case = replace(run.case, **{k: v for k, v in fields.items() if k in CaseState.__dataclass_fields__})
    stored = {k: (int(v) if isinstance(v, bool) else v) for k, v in fields.items()}
    run.actions.append(UpdateCase(tuple(stored.items())))


def _one(
    command: Command, message: StaffMessage, view: CaseView, run: _Run, config: Config, now: datetime, render: Render
) -> str:
    verb, args, case = command.verb, command.args, run.case
    of_queue = mailbox_key(message.sender.address) in _queue_staff(config, case.queue) | {
        k for k in map(mailbox_key, config["desk.supervisors"]) if k
    }
    if verb == "help":
        return "the list of commands is below"
    if verb == "status":
        if len(args) != 1 or args[0].lower() not in STATUSES:
            return f"refused: say one of {', '.join(STATUSES)}"
        _update(run, status=args[0].lower())
        if args[0].lower() in ("resolved", "closed"):
            run.actions.append(CancelFollowUps(ALL_KINDS))
        return f"status is now {args[0].lower()}"
    if verb == "queue":
        if len(args) != 1 or args[0] not in config.queues:
            return f"refused: say one of the queues: {', '.join(sorted(config.queues))}"
        if (case.urgent or case.notice in ("never", "hold")) and not of_queue:
            return f"refused: an urgent or held case may only be moved by staff of its queue ({case.queue})"
        target = config.queues[args[0]]
        _update(run, queue=target.name)
        staff = tuple(m for m in map(Mailbox.parse, target.staff) if m is not None)
        if staff and target.name != view.state.queue:
            run.actions.append(_office_handover(view, target.name, staff, message))
        return f"moved to {target.display_name}" + ("; its staff got the case mail" if staff else "; it has no staff")
    if verb == "urgent":
        if len(args) != 1 or args[0].lower() not in ("on", "off"):
            return "refused: say urgent on or urgent off"
        if args[0].lower() == "on":
            _update(run, urgent=True)
            return "the case is urgent"
        if not of_queue:
            return f"refused: only staff of the case's queue ({case.queue}) may take urgency off"
        fields: dict[str, Any] = {"urgent": False}
        if case.notice == "hold":
            fields["notice"] = "approval"  # a person has now cleared the "possible threat" flag
        _update(run, **fields)
        return "the case is no longer urgent" + ("; the possible-threat hold is cleared" if "notice" in fields else "")
    if verb == "assign":
        box = Mailbox.parse(args[0]) if len(args) == 1 else None
        if box is None:
            return "refused: say assign and one address"
        _update(run, assignee=box.address)
        return f"assigned to {box.address}"
    if verb == "consent":
        if len(args) != 1 or args[0].lower() not in ("yes", "no"):
            return "refused: say consent yes or consent no"
        _update(run, consent=args[0].lower() == "yes")
        return f"consent recorded: {args[0].lower()}"
    if verb == "anonymous":
        _update(run, anonymous=True)
        return "the reporter is kept out of every office mail from now on"
    if verb == "link":
        if len(args) != 1 or not args[0].lstrip("#").isdigit():
            return "refused: say link and a case number"
        other = int(args[0].lstrip("#"))
        run.actions.append(RecordEvent(EventType.CASE_UPDATED, f"linked to case {other} by {message.sender}"))
        return f"linked to case {other}"
    if verb == "reply":
        return _reply(message, view, run, config)
    if verb == "notice":
        return _notice(args, message, view, run, config, now, render)
    if verb in ("abuse-report", "abuse"):
        return _abuse_report(args, message, view, run, config, render)
    return f"refused: unknown command {verb!r} (send Stopit: help)"


def _reply(message: StaffMessage, view: CaseView, run: _Run, config: Config) -> str:
    reporter = Mailbox.parse(view.state.reporter)
    if reporter is None:
        return "refused: the case has no reporter address to write to"
    if not message.note:
        return "refused: there is no text below the commands to send"
    language = view.state.language or str(config["desk.language"])  # a case from before languages were kept
    mail = PlannedMail(
        audience="reporter",
        template=localized("reporter/staff_reply.txt.j2", language),
        to=(reporter,),
        subject=reporter_subject("staff_reply", language),
        in_reply_to=MsgId.parse(view.report_message_id),
        references=tuple(m for m in [MsgId.parse(view.report_message_id)] if m),
        auto_submitted=AutoSubmitted.NO,
    )
    run.actions.append(SendMail(mail, {"note": message.note}))
    return f"your note goes to the reporter from {config.desk_address}"


def _notice(
    args: tuple[str, ...],
    message: StaffMessage,
    view: CaseView,
    run: _Run,
    config: Config,
    now: datetime,
    render: Render,
) -> str:
    flags = {a.lower() for a in args[1:]}
    action = args[0].lower() if args else ""
    if action not in ("preview", "send") or flags - {"--unverified", "--again"}:
        return "refused: say notice preview, or notice send [--unverified] [--again]"
    draft = NoticeDraft.of(view, config, "--unverified" in flags)
    if draft.recipient is None:
        return f"refused: {draft.why}"
    mail = notice_mail(draft, view, config)
    context = draft.context
    # The gates first (their reasons are what staff can act on), the leak scan of the bytes last.
    refusal = notice_gates(run.case, view, draft, config, again="--again" in flags) if action == "send" else ""
    if refusal:
        return f"refused: {refusal}"
    found = leak_scan(render(mail, context), view.reporter)
    if found:
        return f"refused: the rendered notice would identify the reporter ({found}); nothing was sent"
    if action == "preview":
        preview = replace(mail, audience="office", to=(message.sender,), subject=f"Preview: {mail.subject}")
        run.actions.append(SendMail(preview, context))
        return f"a preview of the notice to {draft.recipient} is on its way to you only"
    run.actions.append(SendMail(mail, context, records_notice="notice"))
    run.actions.append(RecordEvent(EventType.NOTICE_SENT, f"notice to {draft.recipient} approved by {message.sender}"))
    queue = config.queues.get(run.case.queue)
    if queue is not None:
        run.actions += on_notice(queue, config, now)
    _update(run, status="waiting")
    return f"notice sent to {draft.recipient}; the case waits for the sender's answer"


ABUSE_TEMPLATE = "provider/abuse_report.txt.j2"


def _abuse_report(
    args: tuple[str, ...], message: StaffMessage, view: CaseView, run: _Run, config: Config, render: Render
) -> str:
    """A report to the sending provider's abuse desk, with the offending message attached and redacted."""
    action = args[0].lower() if args else ""
    flags = {a.lower() for a in args[1:]}
    if action not in ("preview", "send") or flags - {"--again"}:
        return "refused: say abuse-report preview, or abuse-report send [--again]"
    item = next((o for o in view.offending if o.original is not None and o.headers_complete), None)
    if item is None or item.original is None:
        return "refused: no offending message arrived with its full headers to show the provider"
    org = {d.lower() for d in config["desk.org_domains"]}
    contacts = [m for m in map(Mailbox.parse, item.abuse_contacts) if m]
    outside = [m for m in contacts if not any(m.domain == d or m.domain.endswith("." + d) for d in org)]
    if contacts and not outside:
        return "refused: the sender is inside our own organization: that is the IT abuse queue's job (`queue abuse`)"
    if not outside:
        return "refused: the trace found no abuse contact for the sending provider"
    provider = outside[0]
    spec = AbuseSpec(
        original=item.original,
        identifiers=tuple(x for x in (view.reporter.address, view.reporter.name) if x),
        plain=str(config["desk.abuse_report_format"]) == "plain",
        original_mail_from=item.envelope_sender,
        arrival_date=item.date,
        source_ip=item.handoff_ip,
        reported_domains=(item.sender.rpartition("@")[2],) if "@" in item.sender else (),
    )
    mail = PlannedMail(
        audience="provider",
        template=ABUSE_TEMPLATE,
        to=(provider,),
        subject="Abuse report: harassing messages sent through your service",
        auto_submitted=AutoSubmitted.NO,
        abuse=spec,
    )
    context = {
        "provider": provider.address,
        "sender": item.sender,
        "date": item.date,
        "subject": item.subject,
    }
    try:
        render(mail, context)
    except ValueError as exc:  # UnsafeMail: the report would name the reporter
        return f"refused: {exc}"
    if action == "preview":
        preview = replace(mail, audience="office", to=(message.sender,), subject=f"Preview: {mail.subject}")
        run.actions.append(SendMail(preview, context))
        return f"a preview of the abuse report to {provider} is on its way to you only"
    refusal = case_gates(run.case, config)
    if refusal:
        return f"refused: {refusal}"
    if provider.key in view.abuse_to and "--again" not in flags:
        return f"refused: an abuse report already went to {provider} (`abuse-report send --again` sends another)"
    run.actions.append(SendMail(mail, context, records_notice="abuse"))
    run.actions.append(RecordEvent(EventType.NOTICE_SENT, f"abuse report to {provider} approved by {message.sender}"))
    return f"abuse report sent to {provider}, with the offending message redacted of the reporter's identifiers"


def _office_handover(view: CaseView, queue: str, staff: tuple[Mailbox, ...], message: StaffMessage) -> SendMail:
    mail = PlannedMail.to_staff(
        "office/handover.txt.j2",
        staff,
        f"case moved to your office by {message.sender.address}",
    )
    return SendMail(mail, {"moved_by": message.sender.address, "note": message.note}, queue=queue)


def _confirmation(message: StaffMessage, run: _Run, view: CaseView, config: Config) -> SendMail:
    mail = PlannedMail(
        audience="office",
        template="office/confirmation.txt.j2",
        to=(message.sender,),
        subject=_confirmation_subject(run),
        in_reply_to=MsgId.parse(message.message_id),
        references=tuple(m for m in map(MsgId.parse, (*message.references, message.message_id)) if m)[-10:],
        auto_submitted=AutoSubmitted.GENERATED,
    )
    case = run.case
    context = {
        "results": [{"command": c, "result": v, "reason": r} for c, v, r in run.results],
        "help": list(HELP) if any(c.verb == "help" for c in message.commands) else [],
        "note_added": bool(message.note),
        "proof": message.proof,
        "status": case.status,
        "queue_name": config.queues[case.queue].display_name if case.queue in config.queues else case.queue,
        "urgent": case.urgent,
        "consent": case.consent,
        "assignee": case.assignee,
        "notice_policy": case.notice,
    }
    return SendMail(mail, context)


def _confirmation_subject(run: _Run) -> str:
    if not run.results:
        return "note added"
    return "commands: " + ", ".join(f"{command} ({verdict})" for command, verdict, _ in run.results)


def refused_reply(sender: Mailbox, message_id: str, case_id: int | None, why: str) -> SendMail:
    """The one short answer to a message that claims a staff address but could not prove it, or did not
    thread to a case strongly enough to command it: nothing was run, and why."""
    mail = PlannedMail(
        audience="office",
        template="office/commands_refused.txt.j2",
        to=(sender,),
        subject="your commands were not run",
        in_reply_to=MsgId.parse(message_id),
        references=tuple(m for m in [MsgId.parse(message_id)] if m),
        auto_submitted=AutoSubmitted.REPLIED,
    )
    return SendMail(mail, {"why": why, "case": case_id})
