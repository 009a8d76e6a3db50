"""Extract: find the offending message(s) inside a report — attached, inline, pasted, redirected or direct.

`extract()` is pure: the report's exact bytes and its envelope in, a tuple of Offending out. The
order is the order staff read them in: a redirected or direct message, then attachments in the
order they were attached, then a pasted header block, then an inline forward.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from stopit.extract.dates import parse_date
from stopit.extract.html import html_to_text
from stopit.extract.inline import InlineForward, find_inline_forward, strip_prefixes, subject_says
from stopit.extract.mime import RawPart, head_of, parse_headers, split_head, walk
from stopit.ingest.parse import decode_header_value, message_ids, parse_addresses
from stopit.models import Envelope, Offending

MAX_BODY_CHARS = 200_000
MAX_NESTING = 6
_MESSAGE_TYPES = {"message/rfc822", "message/global"}
_HEADER_ONLY_TYPES = {"text/rfc822-headers", "message/rfc822-headers"}
_MSG_TYPES = {"application/vnd.ms-outlook", "application/x-msg"}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Headers only a mail system writes: their presence means a pasted block is a real header block.
_MACHINE_HEADERS = re.compile(
    r"^(Received|Return-Path|Message-ID|DKIM-Signature|ARC-Seal|Authentication-Results|"
    r"Received-SPF|X-Originating-IP|Delivered-To|X-Received|MIME-Version)\s*:",
    re.IGNORECASE | re.M,
)
_HEADER_LINE = re.compile(r"^[!-9;-~]{1,76}:[ \t]?\S?.*$")
_CONTINUATION = re.compile(r"^[ \t]+\S")


def extract(
    data: bytes, env: Envelope, desk_address: str, depth: int = 0, read: Read | None = None
) -> tuple[Offending, ...]:
    """Every offending message in the report `data` (whose header facts are `env`; `read` its parts, if
    the caller has them already)."""
    read = read or read_parts(data)
    parts = list(read.parts)
    root = parts[0]
    found: list[Offending] = []
    if env.has_header("Resent-From") or env.has_header("Resent-Sender"):
        found.append(
            _from_message(data, "redirect", "", depth, "redirected (Resent-From: " + env.header("Resent-From") + ")")
        )
    for part in parts:
        if part is root and root.content_type not in _MESSAGE_TYPES:
            continue
        attached = _attached(part, depth)
        if attached is not None:
            found.append(attached)
    text = read.text
    pasted = find_pasted(text)
    if pasted is not None:
        found.append(_from_headers_text(pasted, depth))
    else:
        inline = find_inline_forward(text, env.subject, to_desk=_addressed_to(root, desk_address))
        if inline is not None:
            found.append(_from_inline(inline, env.subject))
    if not found and _sent_to_us_directly(env, desk_address, root):
        found.append(_from_message(data, "self", "", depth, "the desk received this message directly (Cc or Bcc)"))
    return tuple(found)


# --- the report's own text ------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """A message's MIME parts and its own words, read once and handed to every stage that looks at them."""

    parts: tuple[RawPart, ...]
    text: str  # the message's own words (see main_text)

    @property
    def attachment_types(self) -> tuple[str, ...]:
        return tuple(p.content_type for p in self.parts[1:] if not p.content_type.startswith("multipart/"))


def read_parts(data: bytes) -> Read:
    parts = tuple(walk(data))
    return Read(parts, main_text(parts))


def _is_attachment(part: RawPart) -> bool:
    disposition = str(part.headers.get("Content-Disposition", "")).lower()
    return disposition.startswith("attachment") or bool(part.filename)


def main_text(parts: Sequence[RawPart]) -> str:
    """The report's own words: its first inline text/plain part, else its first HTML part as text."""
    plain = next((p for p in parts if p.content_type == "text/plain" and not _is_attachment(p)), None)
    if plain is not None:
        return plain.text()[: MAX_BODY_CHARS * 5]
    markup = next((p for p in parts if p.content_type == "text/html" and not _is_attachment(p)), None)
    if markup is not None:
        return html_to_text(markup.text())
    return ""


def body_text(data: bytes) -> str:
    """The readable body of a whole message."""
    return main_text(list(walk(data)))[:MAX_BODY_CHARS].strip()


# --- attached messages ----------------------------------------------------------------------


def _attached(part: RawPart, depth: int) -> Offending | None:
    name = part.filename.lower()
    if part.content_type in _MESSAGE_TYPES or name.endswith(".eml"):
        return _from_message(part.decoded(), "attachment", part.filename, depth, f"MIME part {part.path}")
    if part.content_type in _HEADER_ONLY_TYPES:
        return _from_message(
            part.decoded(),
            "attachment",
            part.filename,
            depth,
            f"headers only ({part.content_type}, MIME part {part.path})",
        )
    if part.content_type in _MSG_TYPES or name.endswith(".msg"):
        body = part.decoded()
        if body.startswith(_OLE2_MAGIC):
            return _from_outlook_msg(part, depth)
        if _looks_like_message(body):
            return _from_message(body, "attachment", part.filename, depth, f"MIME part {part.path}")
    return None


def _looks_like_message(data: bytes) -> bool:
    head, _ = split_head(data[:65536])
    names = {line.split(b":", 1)[0].strip().lower() for line in head.splitlines() if b":" in line}
    return b"from" in names and bool(names & {b"date", b"subject", b"received", b"message-id"})


def _from_outlook_msg(part: RawPart, depth: int) -> Offending | None:
    from stopit.extract.outlook import msg_to_offending

    return msg_to_offending(part.decoded(), part.filename, f"MIME part {part.path}")


def headers_complete(headers: list[tuple[str, str]]) -> bool:
    """A real header block: at least one Received line, and From and Date."""
    names = {k.lower() for k, _ in headers}
    return {"received", "from", "date"} <= names


def _from_message(data: bytes, source: str, filename: str, depth: int, detail: str) -> Offending:
    headers = parse_headers(head_of(data))
    pairs = [(str(k), decode_header_value(v)) for k, v in headers.items()]
    from_ = parse_addresses([str(v) for v in headers.get_all("From") or []])
    date_raw = decode_header_value(headers.get("Date", ""))
    ids = message_ids(str(headers.get("Message-ID", "")))
    subject = decode_header_value(headers.get("Subject", ""))
    chain: tuple[Offending, ...] = ()
    if depth < MAX_NESTING and source != "redirect":
        inner_env = _envelope_for_nesting(pairs, subject)
        chain = _flatten(extract(data, inner_env, "", depth + 1))
    return Offending(
        source=source,
        from_=from_[0] if from_ else None,
        to=parse_addresses([str(v) for v in headers.get_all("To") or []]),
        cc=parse_addresses([str(v) for v in headers.get_all("Cc") or []]),
        reply_to=parse_addresses([str(v) for v in headers.get_all("Reply-To") or []]),
        subject=subject,
        date=parse_date(date_raw),
        date_raw=date_raw,
        message_id=ids[0] if ids else "",
        body=body_text(data),
        note="",
        headers_complete=headers_complete(pairs),
        raw=data,
        filename=filename,
        detail=detail,
        chain=chain,
    )


def _flatten(found: tuple[Offending, ...]) -> tuple[Offending, ...]:
    out: list[Offending] = []
    for item in found:
        out.append(item)
        out.extend(item.chain)
    return tuple(out)


def _envelope_for_nesting(pairs: list[tuple[str, str]], subject: str) -> Envelope:
    return Envelope(
        sha256="",
        size=0,
        subject=subject,
        from_=None,
        to=(),
        reply_to=(),
        message_id="",
        in_reply_to=(),
        references=(),
        date="",
        headers=tuple(pairs),
        content_type="",
        report_type="",
    )


# --- inline forwards ------------------------------------------------------------------------


def _from_inline(found: InlineForward, report_subject: str, nested: bool = False) -> Offending:
    date_raw = found.fields.get("date", "")
    subject = found.fields.get("subject") or strip_prefixes(report_subject)
    return Offending(
        source="inline",
        from_=found.from_,
        to=found.mailboxes("to"),
        cc=found.mailboxes("cc"),
        reply_to=found.mailboxes("reply_to"),
        subject=subject,
        date=parse_date(date_raw),
        date_raw=date_raw,
        message_id="",
        body=found.body[:MAX_BODY_CHARS],
        note="" if nested else found.note,
        headers_complete=False,
        detail=f"forwarded inline ({found.separator or found.form})",
        chain=tuple(_from_inline(n, subject, nested=True) for n in found.nested),
    )


# --- pasted header blocks -------------------------------------------------------------------


def find_pasted(text: str) -> str | None:
    """A full header block pasted into the text ("show original"), from its first line to the end."""
    if not _MACHINE_HEADERS.search(text):
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    for start, line in enumerate(lines):
        if not _MACHINE_HEADERS.match(line) and not line.lower().startswith(("from:", "delivered-to:")):
            continue
        end = _header_run_end(lines, start)
        block = lines[start:end]
        names = {b.split(":", 1)[0].strip().lower() for b in block if not _CONTINUATION.match(b)}
        if "from" in names and ("received" in names or "message-id" in names) and len(names) >= 3:
            return "\n".join(lines[start:])
    return None


def _header_run_end(lines: list[str], start: int) -> int:
    i = start
    while i < len(lines) and (_HEADER_LINE.match(lines[i]) or (i > start and _CONTINUATION.match(lines[i]))):
        i += 1
    return i


def _from_headers_text(text: str, depth: int) -> Offending:
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8", "surrogateescape")
    found = _from_message(data, "pasted", "", depth, "header block pasted into the report")
    return Offending(**{**found.__dict__, "raw": None, "header_bytes": data})


# --- mail sent straight to the desk ---------------------------------------------------------


def _sent_to_us_directly(env: Envelope, desk_address: str, root: RawPart) -> bool:
    """Harassment that reached the desk itself, in Cc or Bcc, rather than a person's report."""
    if not desk_address or env.from_ is None or subject_says(env.subject) == "forward":
        return False
    to_header = parse_addresses([str(v) for v in root.headers.get_all("To") or []])
    return bool(to_header) and not _addressed_to(root, desk_address)


def _addressed_to(root: RawPart, desk_address: str) -> bool:
    """Whether the desk is among the To addresses (a report), rather than Cc, Bcc or absent."""
    to_header = parse_addresses([str(v) for v in root.headers.get_all("To") or []])
    return bool(desk_address) and desk_address.lower() in {a.address.lower() for a in to_header}
