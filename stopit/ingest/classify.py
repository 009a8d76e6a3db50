"""Owns deciding whether an incoming message is a report, a reply, an automatic message, a bounce or junk.

Junk is unsolicited bulk mail or phishing aimed at the desk itself; whether a message is junk is
read from its content by stopit.extract.junk, and passed in, since classification sees only headers.
"""

from __future__ import annotations

import re

from stopit.models import Classification, Envelope, Facts, Kind

_AUTO_PRECEDENCE = {"bulk", "junk", "list"}
_LIST_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post")
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)? ?(reply|response)|out of (the )?office|abwesenheitsnotiz|"
    r"r[ée]ponse automatique|respuesta autom[áa]tica|undeliverable|delivery status notification)",
    re.IGNORECASE,
)


# A message begins with a header field (RFC 5322 field name and colon), or the mbox "From " line.
_FIRST_FIELD = re.compile(rb"(From |[\x21-\x39\x3b-\x7e]+[ \t]*:)")


# Fields every real message has at least one of; a bare body that opens with "Note: …" has none.
_MESSAGE_FIELDS = frozenset(
    b"from to cc subject date message-id received return-path sender reply-to mime-version content-type "
    b"delivered-to resent-from".split()
)
_FIELD_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]*:", re.M)


def not_a_message(data: bytes) -> str | None:
    """Why `data` cannot be a mail message at all (empty, no header field first, or none a message
    has); None if it can be."""
    if not data.strip():
        return "empty input: no header and no body"
    start = data.lstrip(b"\r\n")
    if not _FIRST_FIELD.match(start):
        return f"not a mail message: it begins with {data[:12]!r}, not a header field"
    head = re.split(rb"\r?\n\r?\n", start[:65536], maxsplit=1)[0]
    names = {m.group(1).lower() for m in _FIELD_NAME.finditer(head)}
    if start.startswith(b"From ") or names & _MESSAGE_FIELDS:
        return None
    return "not a mail message: no From, To, Subject, Date or other message header at the top (a bare body?)"


def _return_path(env: Envelope) -> str | None:
    if not env.has_header("Return-Path"):
        return None
    return env.header("Return-Path").strip().strip("<>").strip()


def bounce_reason(env: Envelope) -> str | None:
    if env.content_type == "multipart/report" and env.report_type == "delivery-status":
        return "multipart/report; report-type=delivery-status"
    sender = env.from_.address if env.from_ else ""
    if _BOUNCE_SENDERS.match(sender):
        return f"From {sender}"
    return_path = _return_path(env)
    if return_path is not None and _BOUNCE_SENDERS.match(return_path):
        return f"Return-Path <{return_path}>"
    return None


def auto_reason(env: Envelope) -> str | None:
    """Why RFC 3834 says this message must not be answered, or None."""
    auto_submitted = env.header("Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = env.header("Precedence").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in _LIST_HEADERS:
        if env.has_header(name):
            return f"{name} header (mailing list)"
    if env.has_header("X-Auto-Response-Suppress"):
        return f"X-Auto-Response-Suppress: {env.header('X-Auto-Response-Suppress')}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if env.has_header(name):
            return f"{name} header"
    if _return_path(env) == "":
        return "empty Return-Path (<>)"
    if env.content_type == "multipart/report":
        return f"multipart/report; report-type={env.report_type or '?'}"
    if _AUTO_SUBJECT.match(env.subject):
        return f"automatic subject: {env.subject[:60]!r}"
    return None


def classify(env: Envelope, facts: Facts, junk: str | None = None) -> Classification:
    """Bounces first, then any automatic message, then replies to our mail, then junk (`junk` is
    why the content says it is unsolicited mail, from stopit.extract.junk), else a report."""
    reason = bounce_reason(env)
    if reason:
        return Classification(Kind.BOUNCE, reason)
    reason = auto_reason(env)
    if reason:
        return Classification(Kind.AUTO, reason)
    if facts.replied_case is not None:
        return Classification(Kind.REPLY, f"answers our message on case #{facts.replied_case}")
    if junk:
        return Classification(Kind.JUNK, junk)
    return Classification(Kind.REPORT, "a new message to the desk")
