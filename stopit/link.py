"""Owns what identifies a sender across reports: the keys of one offending message, pure.

A key is one identifier the sender leaves behind: the normalised From address, Reply-To, the
envelope sender (Return-Path), the verified DKIM domain with the From's local part, the handoff
and origin IP addresses (matched only near the message's time, since addresses change hands),
and two that name the message itself — its Message-ID and a fingerprint of its body. A new case
sharing any key with an earlier one is linked to it; sharing one of the message's own keys means
it is the same message reported again, so both belong to one incident.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from stopit.models import Offending
from stopit.values import mailbox_key

# The keys that name the message itself, not only its sender: a match makes one incident.
SAME_MESSAGE = frozenset({"message_id", "body"})
# The keys that only mean the same sender near the same time: addresses change hands.
TIMED = frozenset({"handoff_ip", "origin_ip"})
# In the order a person would name them in "why".
KINDS = ("address", "reply_to", "envelope", "dkim", "handoff_ip", "origin_ip", "message_id", "body")
WHY = {
    "address": "same sender address",
    "reply_to": "same Reply-To",
    "envelope": "same envelope sender",
    "dkim": "same DKIM-signed sender",
    "handoff_ip": "same handoff IP near the same time",
    "origin_ip": "same origin IP near the same time",
    "message_id": "same Message-ID",
    "body": "same message body",
}
# Bodies shorter than this ("ok", "see attached") say nothing about who wrote them.
MIN_BODY_CHARS = 40

_QUOTED = re.compile(r"^\s*>.*$", re.MULTILINE)
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class SenderKey:
    kind: str
    value: str


def body_fingerprint(text: str) -> str:
    """SHA-256 of the body's words: case, accents' forms, punctuation, spacing and quoted lines ignored.

    '' when too little is left to tell one message from another."""
    words = _NON_WORD.sub(" ", unicodedata.normalize("NFKC", _QUOTED.sub("", text)).casefold()).split()
    joined = " ".join(words)
    if len(joined) < MIN_BODY_CHARS:
        return ""
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def _envelope_sender(item: Offending) -> str:
    # Imported here: the store imports this module, and `stopit ingest` must start fast.
    from stopit.extract.mime import head_of
    from stopit.trace import header_fields

    source = item.raw if item.raw is not None else item.header_bytes
    if source is None:
        return ""
    for name, value in header_fields(head_of(source)):
        if name.lower() == "return-path":
            return mailbox_key(value.strip().strip("<>"))
    return ""


def _dkim_senders(item: Offending, local: str) -> list[str]:
    """`local@d=` for each DKIM signature that verified: the domain vouched for the message."""
    if not local or not item.trace:
        return []
    signatures = item.trace.auth.dkim
    return [f"{local}@{s.domain.lower()}" for s in signatures if s.result == "pass" and s.domain]


def sender_keys(item: Offending) -> tuple[SenderKey, ...]:
    """Every identifier of one offending message's sender (and of the message itself), deduplicated."""
    found: list[SenderKey] = []
    address = mailbox_key(item.from_.address) if item.from_ and item.from_.address else ""
    found.append(SenderKey("address", address))
    found += [SenderKey("reply_to", mailbox_key(r.address)) for r in item.reply_to if r.address]
    found.append(SenderKey("envelope", _envelope_sender(item)))
    found += [SenderKey("dkim", d) for d in _dkim_senders(item, address.partition("@")[0])]
    if item.trace:
        # A known provider's outbound server carries millions of senders: its address says nothing of who
        # sent this. A small server's address does, near the same time.
        if not item.trace.provider:
            found.append(SenderKey("handoff_ip", item.trace.handoff_ip))
        # A guessed origin (low confidence: no login, no provider vouching) would link strangers.
        if item.trace.origin.confidence in ("high", "medium"):
            found.append(SenderKey("origin_ip", item.trace.origin_ip))
    found.append(SenderKey("message_id", item.message_id.strip().strip("<>").lower()))
    found.append(SenderKey("body", body_fingerprint(item.body)))
    # Each identifier once, in the order found.
    return tuple(dict.fromkeys(k for k in found if k.value))


def keys_of(offending: tuple[Offending, ...]) -> tuple[SenderKey, ...]:
    """The keys of every offending message of one report (not of messages quoted inside them: their
    senders may be bystanders the offender forwarded)."""
    return tuple(dict.fromkeys(k for item in offending for k in sender_keys(item)))


def sent_at(offending: tuple[Offending, ...], fallback: datetime) -> datetime:
    """When the offending message was written (its Date), for matching timed keys; else `fallback`."""
    for item in offending:
        if item.date:
            try:
                moment = datetime.fromisoformat(item.date)
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=fallback.tzinfo)
    return fallback


def why_text(kinds: set[str] | frozenset[str]) -> str:
    return ", ".join(WHY[k] for k in KINDS if k in kinds)
