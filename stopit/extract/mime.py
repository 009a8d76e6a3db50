"""Owns walking a message's MIME tree on the raw bytes, so that each part's body keeps its exact bytes.

The stdlib parser re-serialises what it parses; evidence must not change, so parts are cut out of
the original bytes at their boundaries (RFC 2046 §5.1.1) and only then parsed for their headers.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

MAX_DEPTH = 24
MAX_PARTS = 2000
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class RawPart:
    """One MIME part: its parsed headers and its body bytes exactly as they stand in the message."""

    headers: Message
    body: bytes
    path: str
    depth: int

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    @property
    def filename(self) -> str:
        try:
            return str(self.headers.get_filename() or "")
        except (LookupError, ValueError, TypeError):
            return ""

    @property
    def transfer_encoding(self) -> str:
        return str(self.headers.get("Content-Transfer-Encoding", "")).strip().lower()

    def decoded(self) -> bytes:
        """The body with its Content-Transfer-Encoding undone (7bit, 8bit and binary are as-is)."""
        if self.transfer_encoding == "base64":
            try:
                return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", self.body) + b"==")
            except (binascii.Error, ValueError):
                return self.body
        if self.transfer_encoding == "quoted-printable":
            return quopri.decodestring(self.body)
        return self.body

    def text(self) -> str:
        charset = str(self.headers.get_content_charset() or "utf-8")
        try:
            return self.decoded().decode(charset, errors="replace")
        except LookupError:
            return self.decoded().decode("utf-8", errors="replace")


def split_head(data: bytes) -> tuple[bytes, bytes]:
    """(header bytes, body bytes) at the first empty line; a message with no body has b'' body."""
    if data.startswith((b"\r\n", b"\n")):
        return b"", data[2 if data.startswith(b"\r\n") else 1 :]
    match = _HEADER_END.search(data)
    if not match:
        return data, b""
    return data[: match.start()], data[match.end() :]


def parse_headers(head: bytes) -> Message:
    return BytesHeaderParser(policy=compat32).parsebytes(head + b"\n\n")


def _boundary(headers: Message) -> bytes | None:
    try:
        value = headers.get_param("boundary")
    except (ValueError, TypeError, LookupError):
        return None
    if not value or not isinstance(value, str):
        return None
    # A folded parameter is unfolded by removing the line break only (RFC 5322 §2.2.3).
    return re.sub(r"\r?\n(?=[ \t])", "", value).encode("utf-8", "surrogateescape")


def split_multipart(body: bytes, boundary: bytes) -> list[bytes]:
    """The parts' bytes between delimiter lines; the line break before a delimiter belongs to it."""
    delimiter = re.compile(rb"(?:^|\r?\n)--" + re.escape(boundary) + rb"(--)?[ \t]*(?=\r?\n|$)")
    parts: list[bytes] = []
    start: int | None = None
    for match in delimiter.finditer(body):
        if start is not None:
            parts.append(body[start : match.start()])
        if match.group(1):
            start = None
            break
        line_end = body.find(b"\n", match.end())
        start = len(body) if line_end < 0 else line_end + 1
        if len(parts) >= MAX_PARTS:
            break
    if start is not None and start < len(body):
        parts.append(body[start:])  # no close delimiter: keep what is there
    return parts


def walk(data: bytes, path: str = "1", depth: int = 0, digest: bool = False) -> Iterator[RawPart]:
    """Every part of `data`, depth first, the message itself first. Attached messages are leaves."""
    head, body = split_head(data)
    headers = parse_headers(head)
    if digest:
        headers.set_default_type("message/rfc822")  # RFC 2046 §5.1.5
    part = RawPart(headers, body, path, depth)
    yield part
    if depth >= MAX_DEPTH or not part.content_type.startswith("multipart/"):
        return
    boundary = _boundary(headers)
    if not boundary:
        return
    is_digest = part.content_type == "multipart/digest"
    for n, chunk in enumerate(split_multipart(body, boundary), start=1):
        yield from walk(chunk, f"{path}.{n}", depth + 1, is_digest)
