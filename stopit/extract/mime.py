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

from stopit.errors import ProcessingError
from stopit.ingest.parse import bounded_head

MAX_DEPTH = 24
MAX_PARTS = 2000
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_NEWLINE = re.compile(rb"\n")


@dataclass(frozen=True)
class RawPart:
    """One MIME part: its parsed headers and its body bytes exactly as they stand in the message.

    The body is a view into the whole message's bytes, never a copy kept per part: a 50 MB report
    walked into parts, nested three deep, would otherwise hold four copies of itself.
    """

    headers: Message
    view: memoryview
    path: str
    depth: int

    @property
    def body(self) -> bytes:
        """The body's bytes (a fresh copy; prefer `view` for large bodies)."""
        return bytes(self.view)

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
                return binascii.a2b_base64(self.view)  # skips line breaks and junk; no copy first
            except (binascii.Error, ValueError):
                pass
            try:
                return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", self.view) + b"==")
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


def header_end(data: bytes | memoryview) -> tuple[int, int]:
    """(where the header section ends, where the body starts): at the first empty line."""
    if data[:2] == b"\r\n" or data[:1] == b"\n":
        return 0, 2 if data[:2] == b"\r\n" else 1
    match = _HEADER_END.search(data)
    if not match:
        return len(data), len(data)
    return match.start(), match.end()


def head_of(data: bytes) -> bytes:
    """The header section's bytes, without copying the body."""
    return data[: header_end(data)[0]]


def split_head(data: bytes) -> tuple[bytes, bytes]:
    """(header bytes, body bytes) at the first empty line; a message with no body has b'' body."""
    head_end, body_start = header_end(data)
    return data[:head_end], data[body_start:]


def parse_headers(head: bytes) -> Message:
    return BytesHeaderParser(policy=compat32).parsebytes(bounded_head(head) + b"\n\n")


def _boundary(headers: Message) -> bytes | None:
    try:
        value = headers.get_param("boundary")
    except (ValueError, TypeError, LookupError):
        return None
    if not value or not isinstance(value, str):
        return None
    # A folded parameter is unfolded by removing the line break only (RFC 5322 §2.2.3).
    return re.sub(r"\r?\n(?=[ \t])", "", value).encode("utf-8", "surrogateescape")


def split_multipart(body: bytes | memoryview, boundary: bytes) -> list[bytes | memoryview]:
    """The parts' bytes between delimiter lines; the line break before a delimiter belongs to it.

    Slices of `body`: views when `body` is a memoryview, so nothing is copied.
    """
    delimiter = re.compile(rb"(?:^|\r?\n)--" + re.escape(boundary) + rb"(--)?[ \t]*(?=\r?\n|$)")
    parts: list[bytes | memoryview] = []
    start: int | None = None
    for match in delimiter.finditer(body):
        if start is not None:
            parts.append(body[start : match.start()])
        if match.group(1):
            start = None
            break
        line_end = _find_newline(body, match.end())
        start = len(body) if line_end < 0 else line_end + 1
        if len(parts) >= MAX_PARTS:
            break
    if start is not None and start < len(body):
        parts.append(body[start:])  # no close delimiter: keep what is there
    return parts


def _find_newline(data: bytes | memoryview, start: int) -> int:
    match = _NEWLINE.search(data, start)
    return match.start() if match else -1


def walk(data: bytes | memoryview, path: str = "1", depth: int = 0, digest: bool = False) -> Iterator[RawPart]:
    """Every part of `data`, depth first, the message itself first. Attached messages are leaves."""
    view = data if isinstance(data, memoryview) else memoryview(data)
    head_end, body_start = header_end(view)
    headers = parse_headers(bytes(view[:head_end]))
    if digest:
        headers.set_default_type("message/rfc822")  # RFC 2046 §5.1.5
    part = RawPart(headers, view[body_start:], path, depth)
    body = part.view
    yield part
    if not part.content_type.startswith("multipart/"):
        return
    boundary = _boundary(headers)
    if not boundary:
        return
    if depth >= MAX_DEPTH:
        # Hostile (5,000 levels cost a RecursionError elsewhere): say so, and quarantine the message.
        raise ProcessingError("parse", f"MIME parts nested deeper than {MAX_DEPTH} levels (at part {path})")
    is_digest = part.content_type == "multipart/digest"
    for n, chunk in enumerate(split_multipart(body, boundary), start=1):
        yield from walk(chunk, f"{path}.{n}", depth + 1, is_digest)
