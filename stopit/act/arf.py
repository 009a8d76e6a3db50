"""Owns the abuse report to a sender's provider: RFC 5965 ARF or plain text, with the reporter redacted out.

The report carries the offending message so the provider can act on it, but a provider may pass a
complaint on to its customer — here, the person harassing our reporter. So before anything is attached,
every trace the reporter's own mailbox left in the header section is replaced by a fixed token:

- the recipient fields (To, Cc, Bcc, Delivered-To, X-Original-To, Envelope-To, Resent-To …) whole, when
  they name any address or the reporter (`undisclosed-recipients:;` stays: it is evidence of a Bcc);
- `for <…>` in Received lines, whoever it names (the reporter's alias, a list that forwarded to them);
- the reporter's address, its local part, and the words of their display name (3+ letters; 2+ in scripts
  written without spaces, such as Chinese, where a name also matches inside a longer run) wherever else
  they occur in the header section: in raw UTF-8 or 8-bit Latin-1 bytes, and inside RFC 2047 encoded
  words (decoded, redacted, and written again as a UTF-8 encoded word), case-insensitively, as whole words.

Everything else of the header section stays byte-identical; a fully redacted encoded word is the only
text rewritten. The body is left exactly as it came, even when it names the reporter: it is the
evidence the provider judges, and the person who wrote it already knows whom they wrote to; what the
report must not reveal is whose mailbox it came from and that they complained. Identifiers passed in a
form this module does not decode (RFC 2231 parameters, base64 inside other fields) are not found.

Redaction changes signed header fields, so the DKIM signatures of the original no longer verify; the
covering letter says so (REDACTION_NOTE). This module writes no top-level header: it returns the MIME
body and the MIME fields, which stopit.act.headers puts under our own typed header section.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import ipaddress
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial

from stopit import __version__
from stopit.act.render import TEXT_PART, text_body
from stopit.config import DNS_NAME
from stopit.extract.mime import split_head
from stopit.values import Mailbox

REDACTED_ADDRESS = "redacted@redacted.invalid"
REDACTED_WORD = "[redacted]"
REDACTION_NOTE = (
    "To protect the person who reported it, the attached message was redacted: their address and name "
    "were replaced in its header fields (To, Cc, Delivered-To, X-Original-To, the 'for' clause of Received "
    "and wherever else they appeared), so DKIM signatures over those fields no longer verify. Nothing "
    "else was changed; the body is as it was received."
)
USER_AGENT = f"stopit/{__version__}"
FEEDBACK_TYPES = ("abuse", "fraud", "virus", "other", "not-spam")

# Fields that name the message's recipients (RFC 5322, RFC 5321 trace, and what MTAs and providers add).
RECIPIENT_FIELDS = frozenset(
    name.lower()
    for name in (
        "To",
        "Cc",
        "Bcc",
        "Resent-To",
        "Resent-Cc",
        "Resent-Bcc",
        "Delivered-To",
        "X-Delivered-To",
        "X-Original-To",
        "Original-To",
        "Original-Recipient",
        "Envelope-To",
        "X-Envelope-To",
        "Apparently-To",
        "X-Apparently-To",
        "X-Rcpt-To",
        "X-Forwarded-To",
        "X-Forwarded-For",
        "X-Original-Rcpt-To",
    )
)
# Token words that must never count as a leak themselves.
_TOKEN_WORDS = frozenset({"redacted", "invalid"})
_MIN_WORD = 3
# Ideographic and syllabic scripts (CJK and beyond) write names without spaces, in two or three characters.
_IDEOGRAPHIC = "\u2e80"
_DECODE_DEPTH = 3  # an encoded word whose text is itself encoded words, and so on
# RFC 2047 encoded word, as lenient as the clients that display it, but its text stops at the next "?" so a
# hostile megabyte of "=?" costs linear time.
_EW = r"=\?([^?\r\n]*)\?([bBqQ])\?([^?\r\n]*)\?="
_ENCODED_WORD = re.compile(_EW)
_ENCODED_RUN = re.compile(rf"{_EW}(?:(?:[ \t]|\r?\n[ \t])*{_EW})*")
_ADDRESS_IN_TEXT = re.compile(r"[^\s<>\"(),;:@\[\]]+@[^\s<>\"(),;:@\[\]]+")
_WORD = re.compile(r"[^\W\d_]+")
_FIELD_NAME = re.compile(r"^([!-9;-~]+)[ \t]*:")
_RECEIVED_FOR = re.compile(r"(\bfor[ \t]+)(?:<[^<>\r\n]*>|[^\s;<>()]+@[^\s;<>()]+)", re.IGNORECASE)
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
_MAX_LINE = 998


class ReporterLeak(ValueError):
    """A report would name the reporter; `found` lists what matched."""

    def __init__(self, where: str, found: list[str]) -> None:
        super().__init__(f"{where} names the reporter ({', '.join(found)}); nothing was built")
        self.found = found


@dataclass(frozen=True)
class AbuseReport:
    """The MIME body of an abuse report and the top-level MIME fields that describe it.

    The sender puts `mime_fields` under stopit's own typed header section (stopit.act.headers) and
    `body` after it. `original` is the redacted offending message exactly as attached (before any
    transfer encoding); `omitted` names the optional facts left out: malformed, or naming the reporter.
    """

    mime_fields: tuple[tuple[str, str], ...]
    body: bytes
    human: str
    feedback: bytes
    original: bytes
    omitted: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return dict(self.mime_fields)["Content-Type"]


# -- identifiers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identifiers:
    """The terms that identify the reporter, compiled once: addresses, local parts and name words."""

    terms: tuple[str, ...]
    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, values: Iterable[str] | Identifiers) -> Identifiers:
        if isinstance(values, Identifiers):
            return values
        terms: set[str] = set()
        for value in values:
            text = unicodedata.normalize("NFC", _display(str(value)))
            for address in _ADDRESS_IN_TEXT.findall(text):
                terms.update(_address_terms(address.strip(".")))
            rest = _ADDRESS_IN_TEXT.sub(" ", text)
            terms.update(w for w in _WORD.findall(rest) if len(w) >= (2 if _ideographic(w) else _MIN_WORD))
        terms = {t for t in terms if t.casefold() not in _TOKEN_WORDS}
        if not terms:
            return cls((), None)
        alternatives = sorted({v for term in terms for v in _variants(term)}, key=lambda v: (-len(v), v))
        # Whole words: not inside a longer run of letters and digits — ASCII ones for an ASCII term, so that
        # "zab" next to an 8-bit byte counts as a word whichever charset a reader picks. One lookbehind in
        # front of each alternation keeps the scan fast (a megabyte in a tenth of a second). Ideographic
        # names stand without spaces, so they match anywhere.
        ascii_words = "|".join(re.escape(v) for v in alternatives if v.isascii())
        words = "|".join(re.escape(v) for v in alternatives if not v.isascii() and not _ideographic(v))
        anywhere = "|".join(re.escape(v) for v in alternatives if _ideographic(v))
        branches = [rf"(?<![A-Za-z0-9])(?:{ascii_words})(?![A-Za-z0-9])"] if ascii_words else []
        branches += [rf"(?<![^\W_])(?:{words})(?![^\W_])"] if words else []
        branches += [anywhere] if anywhere else []
        return cls(tuple(sorted(terms)), re.compile("|".join(branches), re.IGNORECASE))

    def find(self, text: str) -> list[str]:
        """The identifiers in `text`, as they occur."""
        return [m.group(0) for m in self.pattern.finditer(text)] if self.pattern else []

    def replace(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: REDACTED_ADDRESS if "@" in m.group(0) else REDACTED_WORD, text)


def _address_terms(address: str) -> set[str]:
    local, _, domain = address.rpartition("@")
    terms = {address}
    for part in {local, local.split("+", 1)[0]}:
        terms.add(f"{part}@{domain}")
        if len(part) >= _MIN_WORD:
            terms.add(part)
    return terms


def _ideographic(text: str) -> bool:
    return any(char >= _IDEOGRAPHIC for char in text)


def _variants(term: str) -> set[str]:
    """`term` as it may be written: composed or decomposed, without its accents (María as Maria), and in 8-bit
    Latin-1 or Windows-1252 bytes."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))
    forms = {term, unicodedata.normalize("NFD", term), plain}
    if term.isascii():
        return forms
    for case in (term, term.lower(), term.upper(), term.capitalize()):
        for charset in ("latin-1", "cp1252"):
            with contextlib.suppress(UnicodeEncodeError):
                forms.add(case.encode(charset).decode("utf-8", "surrogateescape"))
    return forms


def find_identifiers(data: bytes, identifiers: Iterable[str] | Identifiers) -> list[str]:
    """What in `data` identifies the reporter: in the raw text and in what every RFC 2047 word decodes to."""
    ids = Identifiers.of(identifiers)
    text = data.decode("utf-8", "surrogateescape")
    found = ids.find(text)
    for field in _fields(text):
        found += [hit for hit in ids.find(_display(field)) if hit not in found]
    return found


# -- encoded words ---------------------------------------------------------------------------------------


def _decode_run(run: str) -> str:
    """The text of adjacent encoded words, as a reader sees it: runs of one charset joined before decoding."""
    pieces: list[tuple[str, list[bytes]]] = []
    for match in _ENCODED_WORD.finditer(run):
        charset, encoding, payload = match.groups()
        charset = charset.split("*", 1)[0].lower()
        raw = payload.encode("utf-8", "surrogateescape")
        if encoding in "bB":
            decoded = binascii.a2b_base64(raw + b"=" * (-len(raw) % 4)) if raw else b""
        else:
            decoded = binascii.a2b_qp(raw, header=True)
        if pieces and pieces[-1][0] == charset:
            pieces[-1][1].append(decoded)
        else:
            pieces.append((charset, [decoded]))
    return "".join(_bytes_text(b"".join(chunks), charset) for charset, chunks in pieces)


def _bytes_text(data: bytes, charset: str) -> str:
    try:
        return codecs.decode(data, codecs.lookup(charset).name, "replace")
    except (LookupError, ValueError):
        return data.decode("utf-8", "replace")


def _display(text: str, depth: int = 0) -> str:
    """`text` with every encoded word decoded, and decoded again when the result holds encoded words."""

    def decoded(match: re.Match[str]) -> str:
        try:
            inner = _decode_run(match.group(0))
        except (binascii.Error, ValueError):
            return match.group(0)
        return _display(inner, depth + 1) if depth < _DECODE_DEPTH else inner

    return _ENCODED_RUN.sub(decoded, text)


def _encode(text: str, fold: str) -> str:
    """`text` as UTF-8 Q encoded words with every byte escaped: no identifier can show in the raw bytes."""
    try:
        data = text.encode("utf-8", "surrogateescape")  # 8-bit bytes of the original go back as they were
    except UnicodeEncodeError:
        data = text.encode("utf-8", "replace")
    words: list[str] = []
    start = 0
    while start < len(data):
        end = min(start + 20, len(data))  # 20 escaped bytes: a 72-character word, inside RFC 2047's 75
        while start + 1 < end < len(data) and 0x80 <= data[end] < 0xC0:
            end -= 1  # never cut a UTF-8 character in two
        words.append(data[start:end].hex("=").upper())
        start = end
    return fold.join(f"=?utf-8?q?={w}?=" for w in words) if words else "=?utf-8?q??="


# -- redaction ---------------------------------------------------------------------------------------------


def _fields(text: str) -> list[str]:
    """The header section cut into fields (a line and its continuation lines); stray lines stand alone."""
    fields: list[list[str]] = []
    for line in _LINE.findall(text):
        if fields and line[:1] in (" ", "\t") and _FIELD_NAME.match(fields[-1][0]):
            fields[-1].append(line)
        else:
            fields.append([line])
    return ["".join(lines) for lines in fields]


def _redact_text(text: str, ids: Identifiers, fold: str, depth: int = 0) -> str:
    """Identifiers replaced in raw text and inside encoded words; only the words that held one are rewritten."""
    out: list[str] = []
    position = 0
    for match in _ENCODED_RUN.finditer(text):
        out.append(ids.replace(text[position : match.start()]))
        run = match.group(0)
        try:
            decoded = _decode_run(run)
        except (binascii.Error, ValueError):  # undecodable: no reader sees more than its raw text either
            out.append(ids.replace(run))
            position = match.end()
            continue
        clean = _redact_text(decoded, ids, fold, depth + 1) if depth < _DECODE_DEPTH else ids.replace(decoded)
        out.append(_encode(clean, fold) if clean != decoded else ids.replace(run))
        position = match.end()
    out.append(ids.replace(text[position:]))
    return "".join(out)


def _redact_field(field: str, ids: Identifiers, linesep: str) -> str:
    ending = field[len(field.rstrip("\r\n")) :]
    fold = (ending or linesep) + " "
    name_match = _FIELD_NAME.match(field)
    name = name_match.group(1).lower() if name_match else ""
    if name_match and name in RECIPIENT_FIELDS:
        value = field[name_match.end() : len(field) - len(ending)]
        if "@" in value or "@" in _display(value) or ids.find(_display(value)) or ids.find(value):
            space = value[: len(value) - len(value.lstrip(" \t"))] or " "
            return f"{field[: name_match.end()]}{space}{REDACTED_ADDRESS}{ending}"
    if name.endswith("received"):
        field = _RECEIVED_FOR.sub(lambda m: f"{m.group(1)}<{REDACTED_ADDRESS}>", field)
    redacted = _redact_text(field, ids, fold)
    if ids.find(_display(redacted)):
        # An identifier only a reader joining raw text and encoded words would see ("Mar=?utf-8?q?ia?="):
        # the whole value (a stray line: all of it) is written again from what the reader sees, redacted.
        start = name_match.end() if name_match else 0
        seen = _display(redacted[start : len(redacted) - len(ending)]).lstrip(" \t")
        redacted = f"{field[:start]}{' ' if start else ''}{_encode(ids.replace(seen), fold)}{ending}"
    return redacted


def redact_headers(raw: bytes, identifiers: Iterable[str] | Identifiers) -> bytes:
    """`raw` with the reporter's identifiers replaced in its header section; the body byte for byte as it was."""
    ids = Identifiers.of(identifiers)
    head, body = split_head(raw)
    separator = raw[len(head) : len(raw) - len(body)]
    text = head.decode("utf-8", "surrogateescape")
    linesep = "\r\n" if "\r\n" in text or not text.count("\n") else "\n"
    fields = _fields(text)
    redacted = "".join(_redact_field(field, ids, linesep) for field in fields).encode("utf-8", "surrogateescape")
    left = find_identifiers(redacted, ids)
    if left:  # never expected: the redaction above and this check read the same views
        raise ReporterLeak("the redacted header section", left)
    return redacted + separator + body


# -- the report ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    lines: tuple[str, ...]
    omitted: tuple[str, ...]

    @property
    def feedback(self) -> bytes:
        """The message/feedback-report part's content."""
        return "".join(f"{line}\r\n" for line in self.lines).encode("ascii")


def _facts(
    ids: Identifiers,
    feedback_type: str,
    user_agent: str,
    original_mail_from: str,
    arrival_date: str | datetime,
    source_ip: str,
    reported_domains: Iterable[str],
) -> _Facts:
    """The message/feedback-report fields (RFC 5965 §3.1-3.2). An optional value that does not parse is left out,
    and so is one that names the reporter (an envelope sender may carry the recipient VERP-encoded)."""
    if feedback_type not in FEEDBACK_TYPES:
        raise ValueError(f"feedback_type {feedback_type!r} is not one of {', '.join(FEEDBACK_TYPES)}")
    if not re.fullmatch(r"[!-~]+(?: [!-~]+)*", user_agent) or len(user_agent) > 200:
        raise ValueError(f"user_agent {user_agent!r} is not a product token")
    lines = [f"Feedback-Type: {feedback_type}", f"User-Agent: {user_agent}", "Version: 1"]
    omitted: list[str] = []

    def add(name: str, given: object, value: str | None) -> None:
        if value and not ids.find(value):
            lines.append(f"{name}: {value}")
        elif given:
            omitted.append(name)

    add("Original-Mail-From", original_mail_from, _reverse_path(original_mail_from))
    add("Arrival-Date", arrival_date, _date(arrival_date))
    add("Source-IP", source_ip, _ip(source_ip))
    for domain in reported_domains:
        add("Reported-Domain", domain, domain.lower().rstrip(".") if DNS_NAME.match(domain.rstrip(".")) else None)
    return _Facts(tuple(lines), tuple(omitted))


def _reverse_path(value: str) -> str | None:
    path = value.strip()
    inner = path[1:-1] if path.startswith("<") and path.endswith(">") else path
    if path == "<>":
        return "<>"
    box = Mailbox.parse(inner)
    return f"<{box}>" if box else None


def _date(value: str | datetime) -> str | None:
    if isinstance(value, datetime):
        return format_datetime(value)
    try:
        return format_datetime(parsedate_to_datetime(value)) if value else None
    except (TypeError, ValueError, IndexError):
        return None


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip().strip("[]"))) if value else None
    except ValueError:
        return None


def _seven_bit_safe(data: bytes) -> bool:
    """Fit to travel as it is: ASCII, no NUL, CRLF line ends only (bare LF or CR are refused by many MTAs), and
    no line over RFC 5322's 998 octets."""
    if not data.isascii() or b"\x00" in data:
        return False
    if data.count(b"\n") != data.count(b"\r\n") or data.count(b"\r") != data.count(b"\r\n"):
        return False
    return all(len(line) <= _MAX_LINE for line in data.split(b"\r\n"))


def _boundary(*parts: bytes) -> str:
    while True:
        boundary = f"stopit-report-{secrets.token_hex(12)}"
        if not any(boundary.encode() in part for part in parts):
            return boundary


def _part(fields: Iterable[tuple[str, str]], content: bytes) -> bytes:
    head = b"".join(f"{name}: {value}\r\n".encode("ascii") for name, value in fields)
    # The line break before the next boundary belongs to the boundary, so the content keeps its own last one.
    return head + b"\r\n" + content + b"\r\n"


def build_report(
    original: bytes,
    identifiers: Iterable[str] | Identifiers,
    *,
    text: str,
    plain: bool = False,
    feedback_type: str = "abuse",
    user_agent: str = USER_AGENT,
    original_mail_from: str = "",
    arrival_date: str | datetime = "",
    source_ip: str = "",
    reported_domains: Iterable[str] = (),
) -> AbuseReport:
    """An abuse report on `original` (the offending message) with the reporter's `identifiers` redacted from
    it: RFC 5965 (see _arf), or with `plain` the same as one text/plain part (see _plain). Raises
    ReporterLeak when `text` names the reporter; a fact that does is left out. Every parameter but `text`,
    `feedback_type` and `user_agent` is a field of stopit.models.AbuseSpec, by name: render passes one whole."""
    ids = Identifiers.of(identifiers)
    leaked = find_identifiers(text.encode("utf-8"), ids)
    if leaked:
        raise ReporterLeak("the covering text", leaked)
    facts = _facts(ids, feedback_type, user_agent, original_mail_from, arrival_date, source_ip, reported_domains)
    return (_plain if plain else _arf)(facts, redact_headers(original, ids), text)


build_arf = partial(build_report, plain=False)
build_plain = partial(build_report, plain=True)


def _arf(facts: _Facts, original: bytes, text: str) -> AbuseReport:
    """multipart/report; report-type=feedback-report with three parts, in order — `text` for people, the
    machine-readable facts, and the offending message redacted (7bit when it is fit to travel as it is, else
    base64)."""
    feedback = facts.feedback
    human = text_body(text)
    encoding = "7bit" if _seven_bit_safe(original) else "base64"
    payload = original if encoding == "7bit" else base64.encodebytes(original).replace(b"\n", b"\r\n")[:-2]
    boundary = _boundary(human, feedback, payload)
    delimiter = b"--" + boundary.encode("ascii") + b"\r\n"
    body = b"".join(
        [
            delimiter,
            _part(TEXT_PART, human),
            delimiter,
            _part((("Content-Type", "message/feedback-report"),), feedback),
            delimiter,
            _part((("Content-Type", "message/rfc822"), ("Content-Transfer-Encoding", encoding)), payload),
            b"--" + boundary.encode("ascii") + b"--\r\n",
        ]
    )
    content_type = f'multipart/report; report-type=feedback-report;\r\n boundary="{boundary}"'
    return AbuseReport(
        mime_fields=(("MIME-Version", "1.0"), ("Content-Type", content_type)),
        body=body,
        human=text,
        feedback=feedback,
        original=original,
        omitted=facts.omitted,
    )


def _plain(facts: _Facts, original: bytes, text: str) -> AbuseReport:
    """One text/plain part, for desks that want it inline: `text`, the facts, then the redacted message.
    Quoted-printable keeps every byte of it recoverable, but a message that is not UTF-8 shows garbled
    here: the exact bytes travel only in the ARF form."""
    letter = "\n".join([text.rstrip("\n"), "", "-- Facts (RFC 5965 fields) --", *facts.lines, ""])
    inline = letter.encode("utf-8") + b"\n-- The message, with the reporter's identifiers redacted --\n"
    inline += original.replace(b"\r\n", b"\n")
    body = binascii.b2a_qp(inline, istext=True).replace(b"\n", b"\r\n")
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return AbuseReport(
        mime_fields=(("MIME-Version", "1.0"), *TEXT_PART),
        body=body,
        human=text,
        feedback=facts.feedback,
        original=original,
        omitted=facts.omitted,
    )
