"""Owns the typed values that may cross from a report into mail we send: msg-ids, mailboxes and clean text.

Every value a report contains is checked here once, at the edge of the plan: a `MsgId` matches RFC 5322
msg-id syntax exactly (no encoded words, whitespace or controls), a `Mailbox` is one plain addr-spec, and
text is stripped of every control character (C0, C1, U+2028/2029, bidi overrides) and bounded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self

MAX_MSGID = 250
MAX_REFERENCES = 10
MAX_SUBJECT = 200
MAX_NAME = 64
MAX_TEXT_VALUE = 20_000

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_MSGID = re.compile(rf"<({_DOT_ATOM})@({_DOT_ATOM}|\[[\x21-\x5a\x5e-\x7e]*\])>")
_LOCAL = re.compile(rf"^{_DOT_ATOM}$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_ENCODED_WORD = re.compile(r"=\?[^?]*\?[bBqQ]\?", re.ASCII)
# Invisible or line-breaking characters: line and paragraph separators, bidi embeddings, overrides and
# isolates, zero-width spaces and marks, the byte-order mark.
_INVISIBLE = "\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b\u200e\u200f\ufeff"
# For one line: every C0 and C1 control and DEL as well.
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
# For a mail body: the same, except line feed and tab.
_CONTROLS_BUT_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")


class AutoSubmitted(StrEnum):
    """The RFC 3834 Auto-Submitted values we send."""

    REPLIED = "auto-replied"
    GENERATED = "auto-generated"
    NO = "no"


def clean_text(value: object, limit: int = MAX_SUBJECT) -> str:
    """One line of text for a header or a template: controls removed, whitespace collapsed, bounded."""
    text = _CONTROLS.sub(" ", unicodedata.normalize("NFC", str(value or "")))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean_block(value: object, limit: int = MAX_TEXT_VALUE) -> str:
    """Multi-line text for a mail body: line breaks kept, every other control removed, bounded."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS_BUT_LINES.sub("", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean_context(value: Any) -> Any:
    """Every string in a template context cleaned for a mail body, recursively; other values as they are."""
    if isinstance(value, str):
        return clean_block(value)
    if isinstance(value, Mapping):
        return {k: clean_context(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_context(v) for v in value]
    return value


_NAME_OK = re.compile(r"^[^\W\d_]+(?:[ '’.-]+[^\W\d_]+)*\.?$")


def greeting_name(value: object) -> str:
    """A display name fit to greet someone with, or '' — never a URL, an address, a slogan or a number."""
    name = clean_text(value, 10_000)
    if not name or len(name) > 40 or len(name.split()) > 4:
        return ""
    # A dot straight before a letter reads as a host name ("www.x.com"), not as an initial ("J. Doe").
    return name if _NAME_OK.match(name) and not re.search(r"\.[^\W\d_]", name) else ""


@dataclass(frozen=True, order=True)
class _Checked:
    """A string that passed its type's check; `parse` makes one from untrusted text, or refuses (None)."""

    value: str

    @classmethod
    def parse(cls, text: object) -> Self | None:
        accepted = cls._accept(str(text or "").strip())
        return None if accepted is None else cls(accepted)

    @staticmethod
    def _accept(candidate: str) -> str | None:
        """The value to keep for the stripped `candidate`, or None when it is not one."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.value


class MsgId(_Checked):
    """One RFC 5322 msg-id, angle brackets included."""

    @staticmethod
    def _accept(candidate: str) -> str | None:
        if len(candidate) > MAX_MSGID or _ENCODED_WORD.search(candidate) or not _MSGID.fullmatch(candidate):
            return None
        return candidate


def msg_ids(values: Iterable[object], keep_last: int = MAX_REFERENCES) -> tuple[MsgId, ...]:
    """The valid msg-ids among `values`, in order, without repeats, at most the last `keep_last`."""
    seen: dict[str, MsgId] = {}
    for value in values:
        parsed = MsgId.parse(value)
        if parsed is not None and parsed.value not in seen:
            seen[parsed.value] = parsed
    return tuple(seen.values())[-keep_last:]


class Mailbox(_Checked):
    """One addr-spec we may send to: a dot-atom local part and a DNS domain, nothing else."""

    @staticmethod
    def _accept(candidate: str) -> str | None:
        if len(candidate) > 254 or candidate.count("@") != 1:
            return None
        local, _, domain = candidate.partition("@")
        domain = domain[:-1] if domain.endswith(".") else domain
        labels = domain.split(".")
        if not (0 < len(local) <= 64 and _LOCAL.match(local) and _ENCODED_WORD.search(local) is None):
            return None
        if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
            return None
        return f"{local}@{domain.lower()}"

    @property
    def address(self) -> str:
        return self.value

    @property
    def local(self) -> str:
        return self.address.rpartition("@")[0]

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    @property
    def key(self) -> str:
        """The address as one person's mailbox: case-folded, without a +subaddress."""
        return f"{self.local.split('+', 1)[0].casefold()}@{self.domain}"


def mailbox_key(text: object) -> str:
    """The normalised key of an address, or '' when it is not one we would send to."""
    box = Mailbox.parse(text)
    return box.key if box else ""
