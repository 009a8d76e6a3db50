"""Owns reading raw message bytes into an Envelope without ever raising on hostile input."""

from __future__ import annotations

import email
import email.header
import email.utils
import re
from email.message import Message
from email.policy import compat32

from stopit.models import Address, Envelope, RawMessage

_MSGID = re.compile(r"<[^<>\s]+>")
_MAX_HEADER_CHARS = 64 * 1024


def parse_message(data: bytes) -> Message:
    """The stdlib's lenient (compat32) parse: it records defects instead of raising."""
    return email.message_from_bytes(data, policy=compat32)


def decode_header_value(value: object) -> str:
    """A header value as readable text; RFC 2047 words decoded, undecodable bytes replaced."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    text = str(value)[:_MAX_HEADER_CHARS]
    try:
        parts = email.header.decode_header(text)
        decoded = "".join(
            chunk.decode(charset or "ascii", errors="replace") if isinstance(chunk, bytes) else chunk
            for chunk, charset in parts
        )
    except (LookupError, ValueError, AssertionError, email.errors.HeaderParseError):
        decoded = text
    return " ".join(decoded.split())


def parse_addresses(values: list[str]) -> tuple[Address, ...]:
    found = []
    try:
        pairs = email.utils.getaddresses([v[:_MAX_HEADER_CHARS] for v in values])
    except (ValueError, IndexError, TypeError, RecursionError):
        return ()
    for name, addr in pairs:
        addr = addr.strip()
        if "@" in addr:
            found.append(Address(addr, decode_header_value(name)))
    return tuple(found)


def message_ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value or ""))


def _all(msg: Message, name: str) -> list[str]:
    return [str(v) for v in (msg.get_all(name) or [])]


def envelope_of(raw: RawMessage, msg: Message | None = None) -> Envelope:
    """The header facts of one message; missing or broken headers become empty values."""
    msg = msg if msg is not None else parse_message(raw.data)
    headers = tuple((str(k), decode_header_value(v)) for k, v in msg.items())
    from_ = parse_addresses(_all(msg, "From"))
    ids = message_ids(str(msg.get("Message-ID", "")))
    return Envelope(
        sha256=raw.sha256,
        size=raw.size,
        subject=decode_header_value(msg.get("Subject", "")),
        from_=from_[0] if from_ else None,
        to=parse_addresses(_all(msg, "To") + _all(msg, "Cc")),
        reply_to=parse_addresses(_all(msg, "Reply-To")),
        message_id=ids[0] if ids else "",
        in_reply_to=message_ids(str(msg.get("In-Reply-To", ""))),
        references=message_ids(" ".join(_all(msg, "References"))),
        date=decode_header_value(msg.get("Date", "")),
        headers=headers,
        content_type=msg.get_content_type(),
        report_type=str(msg.get_param("report-type", "") or "").lower(),
        defects=tuple(type(d).__name__ for d in msg.defects),
    )
