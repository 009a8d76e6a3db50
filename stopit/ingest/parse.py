"""Owns reading raw message bytes into an Envelope without ever raising on hostile input."""

from __future__ import annotations

import email
import email.header
import email.utils
import itertools
import re
from email.message import Message
from email.policy import compat32

from stopit.models import Address, Envelope, RawMessage

_MSGID = re.compile(r"<[^<>\s]+>")
_MAX_HEADER_CHARS = 64 * 1024


_HEADER_END = re.compile(rb"\r?\n\r?\n")
# Real header sections stay under 100 KB; a hostile one (20 MB of fields, 100,000 Received lines)
# must not cost minutes and gigabytes in every stage that reads headers. Beyond these bounds fields
# are not read (the stored bytes are untouched): at most this many of one name, and this many bytes.
MAX_FIELDS_OF_ONE_NAME = 100
MAX_HEADER_BYTES = 512 * 1024
_FIELD_BREAK = re.compile(rb"\n(?![ \t])")
# Fields that decide what a message is and who sent it: read wherever they stand.
_ESSENTIAL = re.compile(
    rb"^(?:from|to|cc|subject|date|message-id|in-reply-to|references|reply-to|sender|return-path|mime-version"
    rb"|content-type|content-transfer-encoding|content-disposition|auto-submitted|precedence|list-id"
    rb"|x-auto-response-suppress|resent-from|resent-sender)[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*\n?",
    re.I | re.M,
)


def bounded_head(head: bytes) -> bytes:
    """The header section as every stage reads it: all of it when it is of a sane size; else, of its
    first MAX_HEADER_BYTES, at most MAX_FIELDS_OF_ONE_NAME fields of each name, then every essential
    field found after that (the scan beyond the bound runs in the regex engine, not field by field)."""
    if len(head) <= MAX_HEADER_BYTES:
        return head
    cut = head.rfind(b"\n", 0, MAX_HEADER_BYTES) + 1
    prefix, rest = head[:cut], head[cut:]
    starts = [0, *(m.end() for m in _FIELD_BREAK.finditer(prefix)), len(prefix)]
    kept: list[bytes] = []
    seen: dict[bytes, int] = {}
    for start, end in itertools.pairwise(starts):
        field = prefix[start:end]
        name = field.split(b":", 1)[0].strip().lower()
        seen[name] = seen.get(name, 0) + 1
        if seen[name] <= MAX_FIELDS_OF_ONE_NAME:
            kept.append(field)
    for match in _ESSENTIAL.finditer(rest):
        field = match.group(0)[:MAX_HEADER_BYTES]
        name = field.split(b":", 1)[0].strip().lower()
        seen[name] = seen.get(name, 0) + 1
        if seen[name] <= MAX_FIELDS_OF_ONE_NAME:
            kept.append(field if field.endswith(b"\n") else field + b"\r\n")
    return b"".join(kept)


def parse_message(data: bytes) -> Message:
    """The header section, by the stdlib's lenient (compat32) parse: it records defects instead of raising.

    Only the headers: the envelope needs nothing else, and the stdlib's parse of a body costs about
    eight times its size (a 50 MB report peaked at 390 MB here). Bodies are walked on the raw bytes.
    """
    end = _HEADER_END.search(data)
    return email.message_from_bytes(bounded_head(data[: end.start()] if end else data), policy=compat32)


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


_ADDR_SPEC = re.compile(r"^[^\s@<>()\[\]\\,;:\"]+@[^\s@<>()\[\]\\,;:\"]+$")


def _elements(value: str) -> list[tuple[str, str]]:
    """(display part, address part) of each mailbox in one address header, split outside quotes,
    comments and angle brackets; a group's name (text before a top-level colon) is dropped."""
    out: list[tuple[str, str]] = []
    name: list[str] = []
    angle: list[str] = []
    quoted = False
    depth = 0
    in_angle = False
    escaped = False
    for char in value:
        if escaped:
            (angle if in_angle else name).append(char)
            escaped = False
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            name.append(char)
            quoted = char != '"'
        elif depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
        elif in_angle:
            if char == ">":
                in_angle = False
            else:
                angle.append(char)
        elif char == '"':
            quoted = True
            name.append(char)
        elif char == "(":
            depth = 1
        elif char == "<":
            in_angle, angle = True, []
        elif char in ",;":
            out.append(("".join(name), "".join(angle)))
            name, angle = [], []
        elif char == ":" and not angle:
            name = []
        else:
            name.append(char)
    out.append(("".join(name), "".join(angle)))
    return out


def parse_addresses(values: list[str]) -> tuple[Address, ...]:
    """The mailboxes of address headers, parsed on the raw value before any RFC 2047 decoding, so that an
    encoded word cannot add an address; an angle address wins over anything around it; names decoded last."""
    found = []
    for value in values:
        for display, angled in _elements(value[:_MAX_HEADER_CHARS]):
            addr = (angled or display).strip()
            if not _ADDR_SPEC.match(addr):
                continue
            found.append(Address(addr, decode_header_value(display.strip().strip('"')) if angled else ""))
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
