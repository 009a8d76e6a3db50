"""Owns every header value the desk writes: typed, validated once, stripped of controls, bounded, encoded here.

Nothing a report contains may shape the mail we send. Values from reports reach outgoing mail only as the
types of stopit.values (a checked `MsgId`, a one-addr-spec `Mailbox`, clean bounded text), and text is
encoded again here by `encode_text` — never by the standard library's
header registry, which decodes RFC 2047 words it is handed and so turned `=?utf-8?q?=0D=0A…?=` into real
header lines on Python versions without the gh-121650 fix.
"""

from __future__ import annotations

import base64
import email
import email.errors
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import policy as email_policy
from email.utils import format_datetime, getaddresses

from stopit.values import MAX_NAME, MAX_SUBJECT, AutoSubmitted, Mailbox, MsgId, clean_text

# Defence in depth: where the running Python can check what its generator writes, ask it to.
SAFE_POLICY = (
    email_policy.SMTP.clone(verify_generated_headers=True)
    if hasattr(email_policy.SMTP, "verify_generated_headers")
    else email_policy.SMTP
)


class UnsafeMail(ValueError):
    """A composed message failed the check that it holds exactly the headers and recipients we planned."""


_VERIFIES = hasattr(email_policy.SMTP, "verify_generated_headers")
# Raised by the generator's check on Pythons that have it (3.11.10+, 3.12.5+); absent before.
_HEADER_WRITE_ERROR: type[Exception] = getattr(email.errors, "HeaderWriteError", UnsafeMail)
LINE_LIMIT = 78  # RFC 5322's recommended length; 998 is the hard limit we never approach


def encode_text(text: str, name_length: int) -> str:
    """`text` (already clean) as a header value: plain ASCII folded at spaces, else RFC 2047 UTF-8 words."""
    plain = text.isascii() and "=?" not in text and all(len(w) <= LINE_LIMIT - 2 for w in text.split())
    if plain:
        return _fold_words(text.split(), name_length)
    words, chunk = [], ""
    for char in text:
        # 42 bytes of UTF-8 → 56 base64 characters → a 68-character encoded word: with "Subject: " in front
        # the line stays inside 78.
        if len((chunk + char).encode()) > 42:
            words.append(chunk)
            chunk = ""
        chunk += char
    if chunk:
        words.append(chunk)
    encoded = [f"=?utf-8?b?{base64.b64encode(w.encode()).decode('ascii')}?=" for w in words]
    return _fold_words(encoded, name_length)


def _fold_words(words: list[str], name_length: int) -> str:
    lines: list[str] = []
    line = ""
    used = name_length + 2
    for word in words:
        if line and used + len(line) + 1 + len(word) > LINE_LIMIT:
            lines.append(line)
            line, used = word, 1
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\r\n ".join(lines)


def _structured(tokens: Iterable[str], name_length: int) -> str:
    """Tokens we validated (msg-ids, addresses), folded between tokens only."""
    return _fold_words(list(tokens), name_length)


@dataclass(frozen=True)
class Headers:
    """The complete header section of one message we send, as typed values."""

    from_: Mailbox
    from_name: str
    to: tuple[Mailbox, ...]
    subject: str
    date: datetime
    message_id: MsgId
    auto_submitted: AutoSubmitted
    case_id: int | None = None
    in_reply_to: MsgId | None = None
    references: tuple[MsgId, ...] = ()
    reply_to: Mailbox | None = None

    def fields(self) -> list[tuple[str, str]]:
        """(name, encoded value) in the order we write them."""
        name = clean_text(self.from_name, MAX_NAME)
        from_value = f"{encode_text(name, 4)} <{self.from_}>" if name else str(self.from_)
        fields = [
            ("From", from_value),
            ("To", _structured([f"{m}," for m in self.to[:-1]] + [str(self.to[-1])], 2)),
            ("Subject", encode_text(clean_text(self.subject, MAX_SUBJECT), 7)),
            ("Date", format_datetime(self.date)),
            ("Message-ID", str(self.message_id)),
        ]
        if self.reply_to is not None:
            fields.append(("Reply-To", str(self.reply_to)))
        if self.in_reply_to is not None:
            fields.append(("In-Reply-To", str(self.in_reply_to)))
        if self.references:
            fields.append(("References", _structured((str(r) for r in self.references), 10)))
        fields += [
            ("Auto-Submitted", self.auto_submitted.value),
            # Outlook and Exchange honour this and send no out-of-office reply to our automatic mail.
            ("X-Auto-Response-Suppress", "All"),
        ]
        if self.case_id is not None:
            fields.append(("X-Stopit-Case", str(int(self.case_id))))
        return fields

    def to_bytes(self, extra: Iterable[tuple[str, str]] = ()) -> bytes:
        """The header lines, CRLF-terminated; `extra` are our own fixed MIME fields."""
        if not self.to:
            raise UnsafeMail("a message needs at least one recipient")
        lines = [f"{name}: {value}\r\n" for name, value in [*self.fields(), *extra]]
        data = "".join(lines).encode("ascii")
        _check_lines(data)
        return data

    def names(self) -> list[str]:
        return [name for name, _ in self.fields()]


def _check_lines(data: bytes) -> None:
    for line in data.split(b"\r\n"):
        if len(line) > 998 or b"\r" in line or b"\n" in line or b"\x00" in line:
            raise UnsafeMail("a header line is too long or holds a line break or NUL")


def verify_outgoing(data: bytes, headers: Headers, mime_names: Iterable[str]) -> None:
    """Read the finished header section back and insist on exactly the planned names and recipients.

    A last check, independent of how the bytes were built: had anything a report contained slipped into
    the header section, the set of names or the recipients would differ. Where the running Python can
    verify what its generator writes (SAFE_POLICY), the section is also written out again under it.
    """
    end = data.find(b"\r\n\r\n")
    if end < 0:
        raise UnsafeMail("no end of the header section")
    head = data[: end + 2]
    _check_lines(head[:-2])
    # Unfold as RFC 5322 does (a line starting with white space continues the field above), then name
    # every field: the same reading any mail client makes of these bytes.
    fields = head.decode("ascii").replace("\r\n ", " ").replace("\r\n\t", "\t").split("\r\n")[:-1]
    names, to_values = [], []
    for field in fields:
        name, colon, value = field.partition(":")
        if not colon or not name or name != name.strip() or not name.isprintable():
            raise UnsafeMail(f"a line of the header section is not a field: {field[:60]!r}")
        names.append(name.lower())
        if name.lower() == "to":
            to_values.append(value)
    expected = sorted(n.lower() for n in [*headers.names(), *mime_names])
    if sorted(names) != expected:
        raise UnsafeMail(f"header names differ from the plan: {sorted(set(names) ^ set(expected))}")
    recipients = sorted(a.lower() for _, a in getaddresses(to_values))
    if recipients != sorted(m.address.lower() for m in headers.to):
        raise UnsafeMail("recipients differ from the plan")
    if _VERIFIES:
        try:
            email.message_from_bytes(head + b"\r\n", policy=SAFE_POLICY).as_bytes()
        except _HEADER_WRITE_ERROR as exc:
            raise UnsafeMail(f"the standard library refused a header: {exc}") from exc
