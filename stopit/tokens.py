"""Owns the desk's tokens: Message-IDs and plus-addresses that name a case and prove the desk minted them.

Every message stopit sends has a Message-ID `<stopit.CASE.NONCE.MAC@domain>` whose MAC is an HMAC over the
case and nonce with the desk's secret; with `[desk] plus_addressing`, the Reply-To (`stopit+CASE.MAC@…`) and
the envelope sender (`stopit+bOUTBOX.MAC@…`, VERP) carry one too. An incoming message that names one of
them with a valid MAC threads to that case strongly — strong enough for a staff command. The subject tag
`[stopit #N]` alone threads only a participant's mail, and never carries a command.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from stopit.config import Config
from stopit.errors import ConfigError
from stopit.values import Mailbox, MsgId

SECRET_FILE = "desk.secret"
CREDENTIAL = "stopit-secret"
_MSGID = re.compile(r"<stopit\.(\d+)\.([0-9a-f]{16})\.([0-9a-f]{20})@([^<>\s]+)>")
_PLUS = re.compile(r"^(?P<local>[^+@]+)\+(?P<kind>b?)(?P<number>\d+)\.(?P<mac>[0-9a-f]{12})@(?P<domain>.+)$")
_TAG = re.compile(r"\[stopit #(\d{1,9})\]", re.IGNORECASE)
# Any Message-ID of ours, as bytes: a bounce names it only inside the headers it returns.
OUR_IDS = re.compile(rb"<stopit\.\d+\.[0-9a-f]+(?:\.[0-9a-f]+)?@[^<>\s]+>")


def load_secret(config: Config) -> bytes:
    """`[desk] secret_file`, else the systemd credential, else one generated once in the state directory (0600)."""
    configured = str(config["desk.secret_file"] or "")
    if configured:
        try:
            data = Path(configured).read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"desk.secret_file: cannot read {configured}: {exc.strerror}") from exc
        if len(data) < 16:
            raise ConfigError(f"desk.secret_file: {configured} holds {len(data)} bytes; expected at least 16")
        return data
    credentials = os.environ.get("CREDENTIALS_DIRECTORY", "")
    if credentials and (Path(credentials) / CREDENTIAL).is_file():
        return (Path(credentials) / CREDENTIAL).read_bytes().strip()
    return _generated(config.state_dir / SECRET_FILE)


def _generated(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_hex(32).encode())
    try:
        os.link(tmp, path)  # fails when another process created it first: theirs is the secret
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes().strip()


def _mac(secret: bytes, text: str, length: int) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:length]


@dataclass(frozen=True)
class Tokens:
    """Mints and checks the desk's tokens with one secret."""

    secret: bytes
    desk: Mailbox
    plus_addressing: bool = False

    def message_id(self, case_id: int | None) -> MsgId:
        case = int(case_id or 0)
        nonce = secrets.token_hex(8)
        made = MsgId.parse(f"<stopit.{case}.{nonce}.{_mac(self.secret, f'm:{case}.{nonce}', 20)}@{self.desk.domain}>")
        assert made is not None  # every part is digits, hex or the desk's validated domain
        return made

    def reply_address(self, case_id: int | None) -> Mailbox | None:
        """The Reply-To that routes replies to the case, when plus addressing is on."""
        if not self.plus_addressing or not case_id:
            return None
        return Mailbox.parse(f"{self.desk.local}+{case_id}.{_mac(self.secret, f'c:{case_id}', 12)}@{self.desk.domain}")

    def bounce_address(self, outbox_id: int) -> str:
        """The envelope sender for one outbox row (VERP), when plus addressing is on; else the desk."""
        if not self.plus_addressing:
            return self.desk.address
        return f"{self.desk.local}+b{outbox_id}.{_mac(self.secret, f'b:{outbox_id}', 12)}@{self.desk.domain}"

    def case_of_message_id(self, value: str) -> int | None:
        """The case a Message-ID of ours names, when its MAC checks out."""
        match = _MSGID.fullmatch(value.strip())
        if match is None or match.group(4).lower() != self.desk.domain:
            return None
        case, nonce, mac = match.group(1), match.group(2), match.group(3)
        if not hmac.compare_digest(mac, _mac(self.secret, f"m:{int(case)}.{nonce}", 20)):
            return None
        return int(case) or None

    def _plus(self, address: str) -> tuple[str, int] | None:
        match = _PLUS.match(address.strip().lower())
        if match is None or match["domain"].rstrip(".") != self.desk.domain:
            return None
        if match["local"] != self.desk.local.lower():
            return None
        kind, number = ("b" if match["kind"] else "c"), int(match["number"])
        if not hmac.compare_digest(match["mac"], _mac(self.secret, f"{kind}:{number}", 12)):
            return None
        return kind, number

    def case_of_address(self, address: str) -> int | None:
        found = self._plus(address)
        return found[1] if found and found[0] == "c" else None

    def outbox_of_address(self, address: str) -> int | None:
        found = self._plus(address)
        return found[1] if found and found[0] == "b" else None


def tokens_for(config: Config) -> Tokens:
    desk = Mailbox.parse(config.desk_address)
    if desk is None:
        raise ConfigError(f"desk.address: {config.desk_address!r} is not a plain address")
    return Tokens(load_secret(config), desk, bool(config["desk.plus_addressing"]))


class Strength(StrEnum):
    """How an incoming message is tied to a case."""

    PROVEN = "proven"  # one of our Message-IDs or plus-addresses with a valid MAC
    TAG = "tag"  # only "[stopit #N]" in the subject: enough for a participant's note, never for a command
    NONE = "none"


@dataclass(frozen=True)
class Thread:
    case_id: int | None
    strength: Strength
    how: str


def thread_of(tokens: Tokens, ids: Iterable[str], addresses: Iterable[str], subject: str) -> Thread:
    """Which case an incoming message belongs to, in the order of trust: our Message-IDs, our plus-address
    tokens, then the subject tag (the subject was RFC 2047-decoded once by ingest)."""
    for value in ids:
        case = tokens.case_of_message_id(value)
        if case:
            return Thread(case, Strength.PROVEN, "a reply to our message")
    for address in addresses:
        case = tokens.case_of_address(address)
        if case:
            return Thread(case, Strength.PROVEN, "our case address")
    tag = _TAG.search(subject or "")
    if tag:
        return Thread(int(tag.group(1)), Strength.TAG, "the subject tag")
    return Thread(None, Strength.NONE, "")
