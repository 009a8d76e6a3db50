"""Owns the "please stop" notice: to whom it may go, every gate before it goes, and the leak scan of its bytes.

The notice is the one message stopit sends to the sender of the offending mail. Each gate is a reason, in
words staff can act on, why it may not go now; the leak scan reads the complete rendered notice (headers and
body, decoded) and refuses it when anything in it identifies the reporter.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.policy import compat32
from typing import TYPE_CHECKING, Any

from stopit.config import Config
from stopit.models import CaseState, PlannedMail
from stopit.values import AutoSubmitted, Mailbox, mailbox_key

if TYPE_CHECKING:
    from stopit.staff.commands import CaseView

NOTICE_TEMPLATE = "offender/notice.txt.j2"
NOTICE_SUBJECT = "About messages sent from your address"
# Addresses of an organization that belong to a function, not a person: never a notice's recipient.
ROLE_LOCAL_PARTS = frozenset(
    {
        "postmaster", "abuse", "hostmaster", "webmaster", "security", "noreply", "no-reply", "donotreply",
        "mailer-daemon", "root", "admin", "administrator", "info", "support", "helpdesk", "it-help", "privacy",
        "legal",
    }
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class ReporterIds:
    """Everything that could identify the reporter, gathered from the case at the edge."""

    address: str = ""
    name: str = ""
    message_ids: tuple[str, ...] = ()
    own_text: str = ""  # the reporter's own words, outside the offending message(s)
    # Words of the desk's own shipped notice: a name word that is also one of them ("Will", "May") is looked
    # for only together with the rest of the name, or the notice could never be sent to such a reporter.
    ordinary: frozenset[str] = frozenset()

    def needles(self) -> list[tuple[str, str]]:
        """(what it is, the casefolded text to look for)."""
        found: list[tuple[str, str]] = []
        if self.address:
            found.append(("their address", self.address.casefold()))
            local = self.address.rpartition("@")[0].split("+", 1)[0]
            if len(local) >= 3:
                found.append(("their address's local part", local.casefold()))
        names = [w.casefold() for w in _WORD.findall(self.name)]
        found += [("a word of their name", w) for w in names if len(w) >= 3 and w not in self.ordinary]
        if len(names) > 1:
            found.append(("their name", " ".join(names)))
        found += [("the Message-ID of their message", m.strip("<>").casefold()) for m in self.message_ids if m]
        # Any eight words in a row from their own text: a whole sentence, or enough of one to recognise it.
        for sentence in _SENTENCE_END.split(self.own_text):
            words = _WORD.findall(sentence.casefold())
            found += [("eight words of their own text", " ".join(words[i : i + 8])) for i in range(len(words) - 7)]
        return found


def _decoded_text(data: bytes) -> str:
    """Every header value and every text part of a rendered message, decoded, as one searchable text."""
    msg = email.message_from_bytes(data, policy=compat32)
    pieces: list[str] = []
    for name, value in msg.items():
        words = decode_header(str(value))
        text = "".join(w.decode(c or "ascii", "replace") if isinstance(w, bytes) else w for w, c in words)
        pieces.append(f"{name}: {text}")
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                pieces.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(pieces).casefold()


def leak_scan(data: bytes, reporter: ReporterIds) -> str:
    """What in the rendered bytes identifies the reporter ('' when nothing does)."""
    text = _decoded_text(data)
    words_only = " ".join(_WORD.findall(text))
    for label, needle in reporter.needles():
        if " " in needle:  # words of their text: compare word by word, whatever the line breaks and punctuation
            if f" {needle} " in f" {words_only} ":
                return f"{label}: {needle[:60]!r}"
        elif re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", text):
            return f"{label}: {needle!r}"
    return ""


@dataclass(frozen=True)
class NoticeDraft:
    """Who the notice would go to, whether that address is proven, and what the notice may say."""

    recipient: Mailbox | None
    verified: bool
    why: str
    context: dict[str, Any] = field(default_factory=dict)
    allow_unverified: bool = False  # staff said `--unverified`

    @classmethod
    def of(cls, view: CaseView, config: Config, unverified: bool) -> NoticeDraft:
        senders = [o for o in view.offending if Mailbox.parse(o.sender)]
        if not senders:
            return cls(None, False, "no offending message names a sender address")
        chosen = next((o for o in senders if o.verified), senders[0])
        box = Mailbox.parse(chosen.sender)
        assert box is not None
        messages = [{"date": o.date or "an unknown date", "subject": o.subject or "(no subject)"}
                    for o in view.offending if mailbox_key(o.sender) == box.key]  # fmt: skip
        return cls(box, chosen.verified, "", {"messages": messages, "recipient": box.address}, unverified)


def notice_mail(draft: NoticeDraft, view: CaseView, config: Config) -> PlannedMail:
    assert draft.recipient is not None
    return PlannedMail(
        audience="offender",
        template=NOTICE_TEMPLATE,
        to=(draft.recipient,),
        subject=NOTICE_SUBJECT,
        auto_submitted=AutoSubmitted.NO,
    )


def case_gates(case: CaseState, config: Config) -> str:
    """Why nothing may go to the sender's side now, whatever it is ('' when the case allows it)."""
    queue = config.queues.get(case.queue)
    if case.urgent:
        return "the case is urgent: staff of its queue must first say `urgent off`"
    if case.notice == "never" or (queue is not None and queue.notice == "never"):
        return f"no notice may go from the {case.queue} queue: staff of that queue must first move it (`queue stopit`)"
    if case.notice == "hold":
        return "a possible threat is flagged on this case: staff of its queue must clear it first (`urgent off`)"
    reporter_decides = queue is not None and queue.notice == "reporter"
    if (config["desk.notice_requires_consent"] or reporter_decides) and case.consent is not True:
        return "no consent from the reporter is recorded (`consent yes` once they have agreed)"
    return ""


def notice_gates(case: CaseState, view: CaseView, draft: NoticeDraft, config: Config, again: bool) -> str:
    """Why the notice may not go now ('' when every gate is open)."""
    refusal = case_gates(case, config)
    if refusal:
        return refusal
    if not draft.verified and not draft.allow_unverified:
        return (
            f"the sender's address {draft.recipient} is not authenticated (no aligned DKIM or SPF pass recorded "
            "by a trusted receiver on an offending message with full headers); `notice send --unverified` sends anyway"
        )
    assert draft.recipient is not None
    key = draft.recipient.key
    if key in view.notices_to and not again:
        return f"a notice already went to {draft.recipient} (`notice send --again` sends another)"
    if key == mailbox_key(case.reporter):
        return "the recipient is the reporter"
    staff = {mailbox_key(a) for q in config.queues.values() for a in q.staff} | {
        mailbox_key(a) for a in config["desk.supervisors"]
    }
    if key in staff or key == mailbox_key(config.desk_address):
        return "the recipient is the desk or one of its staff"
    org = {d.lower() for d in config["desk.org_domains"]}
    domain = draft.recipient.domain
    ours = domain in org or any(domain.endswith("." + d) for d in org)
    if ours and draft.recipient.local.split("+", 1)[0].lower() in ROLE_LOCAL_PARTS:
        return f"{draft.recipient} is a role address of ours, not a person"
    return ""

