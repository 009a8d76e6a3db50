"""Owns the reporting mailbox: IMAP (imapclient, IDLE or polling) or a local Maildir, behind one interface."""

from __future__ import annotations

import contextlib
import logging
import mailbox as stdlib_mailbox
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import imapclient
from imapclient.exceptions import IMAPClientError

from stopit.config import Config, Endpoint
from stopit.errors import MailboxError
from stopit.models import RawMessage

log = logging.getLogger("stopit.mailbox")

FETCH_BATCH = 25
# A batch is bounded by bytes too: eight 50 MB reports are fetched one by one, never held together.
FETCH_MAX_BYTES = 32 * 1024 * 1024
SIZE_QUERY_CHUNK = 1000
IDLE_SLICE_SECONDS = 1.0
IDLE_RENEW_SECONDS = 1.0
# RFC 2177: clients should re-issue IDLE at least every 29 minutes.
IDLE_MAX_SECONDS = 25 * 60

NETWORK_ERRORS = (IMAPClientError, OSError, ssl.SSLError, socket.timeout, EOFError)


@dataclass(frozen=True)
class Incoming:
    """One message waiting in the mailbox: its stable key, its bytes, and the mailbox's handle."""

    key: str
    raw: RawMessage
    handle: str | int


def _announces_mail(responses: list) -> bool:
    """An EXISTS, or a RECENT count above zero, among untagged responses."""
    return any(
        isinstance(r, tuple) and len(r) > 1 and (r[1] == b"EXISTS" or (r[1] == b"RECENT" and r[0])) for r in responses
    )


def byte_batches(
    sized: list[tuple[str | int, int]], max_count: int = FETCH_BATCH, max_bytes: int = FETCH_MAX_BYTES
) -> list[list[str | int]]:
    """Consecutive batches of at most `max_count` handles and `max_bytes` (a larger message goes alone)."""
    batches: list[list[str | int]] = []
    current: list[str | int] = []
    size = 0
    for handle, length in sized:
        if current and (len(current) >= max_count or size + length > max_bytes):
            batches.append(current)
            current, size = [], 0
        current.append(handle)
        size += length
    if current:
        batches.append(current)
    return batches


class Mailbox(Protocol):
    def connect(self) -> None: ...

    def pending(self) -> list[str | int]: ...

    def batches(self, handles: list[str | int]) -> list[list[str | int]]: ...

    def fetch(self, handles: list[str | int]) -> Iterator[Incoming]: ...

    def move(self, handles: list[str | int], folder: str) -> None: ...

    def wait(self, seconds: float, stopping: Callable[[], bool]) -> None: ...

    def close(self) -> None: ...

    def describe(self) -> str: ...


class MaildirMailbox:
    """A Maildir as the reporting mailbox; Processed and Quarantine are Maildir++ subfolders."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.box: stdlib_mailbox.Maildir | None = None

    def describe(self) -> str:
        return f"maildir://{self.path}"

    def connect(self) -> None:
        try:
            self.box = stdlib_mailbox.Maildir(str(self.path), create=True)
        except OSError as exc:
            raise MailboxError(f"{self.path}: cannot open Maildir: {exc}") from exc

    def _files(self) -> list[Path]:
        found: list[Path] = []
        for sub in ("new", "cur"):
            folder = self.path / sub
            if folder.is_dir():
                found.extend(p for p in folder.iterdir() if not p.name.startswith("."))
        return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))

    def pending(self) -> list[str | int]:
        return [f"{p.parent.name}/{p.name}" for p in self._files()]

    def batches(self, handles: list[str | int]) -> list[list[str | int]]:
        sized = []
        for handle in handles:
            try:
                sized.append((handle, (self.path / str(handle)).stat().st_size))
            except OSError:
                sized.append((handle, 0))
        return byte_batches(sized)

    def fetch(self, handles: list[str | int]) -> Iterator[Incoming]:
        for handle in handles:
            path = self.path / str(handle)
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            key = f"maildir://{self.path}/{str(handle).split('/', 1)[1].split(':2,')[0]}"
            yield Incoming(key, RawMessage(data, key), handle)

    def move(self, handles: list[str | int], folder: str) -> None:
        target = self.path / f".{folder}"
        # Reports are private whatever the umask: folders 0700, each moved message 0600.
        target.mkdir(exist_ok=True, mode=0o700)
        for sub in ("new", "cur", "tmp"):
            (target / sub).mkdir(exist_ok=True, mode=0o700)
        for handle in handles:
            name = str(handle).split("/", 1)[1]
            try:
                os.rename(self.path / str(handle), target / "cur" / name)
            except FileNotFoundError:
                continue
            with contextlib.suppress(OSError):  # not ours to change (another owner): leave it
                os.chmod(target / "cur" / name, 0o600)

    def wait(self, seconds: float, stopping: Callable[[], bool]) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not stopping():
            if self._files():
                return
            time.sleep(0.2)

    def close(self) -> None:
        self.box = None


class ImapMailbox:
    """An IMAP folder. Messages are known by (mailbox, UIDVALIDITY, UID); nothing is ever deleted."""

    def __init__(self, endpoint: Endpoint, password: str | None, config: Config) -> None:
        self.endpoint = endpoint
        self.password = password
        self.folder = endpoint.path or "INBOX"
        self.use_idle = bool(config["mailbox.idle"])
        self.timeout = float(config["mailbox.timeout_seconds"])
        self.folders = (str(config["mailbox.processed_folder"]), str(config["mailbox.quarantine_folder"]))
        self.ssl_context = ssl.create_default_context(cafile=config["mailbox.tls_ca_file"] or None)
        if not config["mailbox.tls_verify"]:
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE
        self.client: imapclient.IMAPClient | None = None
        self.uidvalidity = 0
        self.capabilities: set[bytes] = set()

    def describe(self) -> str:
        e = self.endpoint
        return f"{e.scheme}://{e.user}@{e.host}:{e.port}/{self.folder}"

    def connect(self) -> None:
        e = self.endpoint
        try:
            client = imapclient.IMAPClient(
                e.host,
                port=e.port,
                ssl=e.scheme == "imaps",
                ssl_context=self.ssl_context,
                timeout=self.timeout,
            )
            if e.scheme == "imap+starttls":
                client.starttls(self.ssl_context)
            client.login(e.user, self.password or "")
            self.capabilities = set(client.capabilities())
            for folder in self.folders:
                if not client.folder_exists(folder):
                    client.create_folder(folder)
            selected = client.select_folder(self.folder)
        except NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.describe()}: {type(exc).__name__}: {exc}") from exc
        self.client = client
        self.uidvalidity = int(selected.get(b"UIDVALIDITY", 0))

    def _client(self) -> imapclient.IMAPClient:
        if self.client is None:
            raise MailboxError(f"{self.describe()}: not connected")
        return self.client

    def _key(self, uid: int) -> str:
        e = self.endpoint
        return f"imap://{e.user}@{e.host}/{self.folder};UIDVALIDITY={self.uidvalidity}/;UID={uid}"

    def pending(self) -> list[str | int]:
        try:
            return list(self._client().search(["NOT", "DELETED"]))
        except NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.describe()}: SEARCH failed: {exc}") from exc

    def batches(self, handles: list[str | int]) -> list[list[str | int]]:
        """Batches bounded by count and by RFC822.SIZE, asked for in one FETCH per thousand messages."""
        sizes: dict[int, int] = {}
        uids = [int(h) for h in handles]
        for start in range(0, len(uids), SIZE_QUERY_CHUNK):
            chunk = uids[start : start + SIZE_QUERY_CHUNK]
            try:
                found = self._client().fetch(chunk, ["RFC822.SIZE"])
            except NETWORK_ERRORS as exc:
                raise MailboxError(f"{self.describe()}: FETCH RFC822.SIZE failed: {exc}") from exc
            sizes.update({uid: int(data.get(b"RFC822.SIZE", 0)) for uid, data in found.items()})
        return byte_batches([(uid, sizes.get(uid, 0)) for uid in uids])

    def fetch(self, handles: list[str | int]) -> Iterator[Incoming]:
        for start in range(0, len(handles), FETCH_BATCH):
            batch = [int(h) for h in handles[start : start + FETCH_BATCH]]
            try:
                found = self._client().fetch(batch, ["BODY.PEEK[]"])
            except NETWORK_ERRORS as exc:
                raise MailboxError(f"{self.describe()}: FETCH failed: {exc}") from exc
            for uid in batch:
                data = found.get(uid, {}).get(b"BODY[]")
                if data is None:
                    continue
                key = self._key(uid)
                yield Incoming(key, RawMessage(bytes(data), key), uid)

    def move(self, handles: list[str | int], folder: str) -> None:
        client = self._client()
        uids = [int(h) for h in handles]
        try:
            if b"MOVE" in self.capabilities:
                client.move(uids, folder)
                return
            client.copy(uids, folder)
            client.add_flags(uids, [imapclient.DELETED])
            if b"UIDPLUS" in self.capabilities:
                client.uid_expunge(uids)
        except NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.describe()}: moving to {folder} failed: {exc}") from exc

    def wait(self, seconds: float, stopping: Callable[[], bool]) -> None:
        """IDLE until the server says something changed, `seconds` pass, or we are stopping."""
        client = self._client()
        try:
            if not (self.use_idle and b"IDLE" in self.capabilities):
                self._sleep(seconds, stopping)
                client.noop()
                return
            if self._announced_since_last_command(client):
                return
            deadline = time.monotonic() + min(seconds, IDLE_MAX_SECONDS)
            while time.monotonic() < deadline and not stopping():
                if self._idle_once(client, min(deadline, time.monotonic() + IDLE_RENEW_SECONDS), stopping):
                    log.debug("new mail announced at %.6f", time.time())
                    return
        except NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.describe()}: waiting for mail failed: {exc}") from exc

    def _idle_once(self, client: imapclient.IMAPClient, until: float, stopping: Callable[[], bool]) -> bool:
        """One IDLE until `until`; True when new mail was announced: during it, as it began, or in the
        reply to DONE. Mail that lands between our last command and IDLE's start is announced only
        when IDLE ends (Dovecot registers its watch at IDLE), so IDLE is renewed every second: that
        mail waits at most a second, not the poll interval."""
        self._start_idle(client)
        announced = self._held_exists(client)
        try:
            while not announced and time.monotonic() < until and not stopping():
                responses = client.idle_check(timeout=max(0.01, min(IDLE_SLICE_SECONDS, until - time.monotonic())))
                announced = _announces_mail(responses)
        finally:
            _, done = client.idle_done()
            self._held_counts(client)  # the same EXISTS, kept by imaplib too: already seen here
        return announced or _announces_mail(done)

    @staticmethod
    def _start_idle(client: imapclient.IMAPClient) -> None:
        """client.idle(), except that untagged responses before the server's continuation are kept,
        not an error: Dovecot sends a new EXISTS there when mail arrived just before IDLE, and
        imapclient's "Unexpected IDLE response" cost a reconnect (the seconds-long outliers)."""
        client._idle_tag = client._imap._command("IDLE")
        while client._imap._get_response() is not None:
            pass  # an untagged response, stored by imaplib: _held_exists reads it

    @staticmethod
    def _held_counts(client: imapclient.IMAPClient) -> list[int]:
        """EXISTS counts imaplib kept from replies imapclient did not read them from (taken out)."""
        # imaplib keeps the untagged responses that came with other commands' replies; imapclient
        # reads only the ones it asked for, so an EXISTS sent with a SEARCH, MOVE or IDLE's
        # continuation waits here.
        held = client._imap.untagged_responses.pop("EXISTS", [])
        client._imap.untagged_responses.pop("RECENT", None)
        return [int(c) for c in held if str(c).isdigit() or (isinstance(c, bytes) and c.isdigit())]

    def _held_exists(self, client: imapclient.IMAPClient) -> bool:
        counts = self._held_counts(client)
        return bool(counts) and counts[-1] > 0

    def _announced_since_last_command(self, client: imapclient.IMAPClient) -> bool:
        """Whether mail arrived that the server already announced, in reply to one of our own
        commands (FETCH, MOVE): IDLE would not announce it again, so sweep before idling."""
        earlier = self._held_counts(client)
        _, responses = client.noop()
        counts = earlier + [r[0] for r in responses if isinstance(r, tuple) and len(r) > 1 and r[1] == b"EXISTS"]
        return bool(counts) and counts[-1] > 0

    @staticmethod
    def _sleep(seconds: float, stopping: Callable[[], bool]) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not stopping():
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.logout()
        except NETWORK_ERRORS:
            client.shutdown()


def open_mailbox(config: Config) -> Mailbox:
    endpoint = config.mailbox
    if endpoint.is_maildir:
        return MaildirMailbox(Path(endpoint.path))
    return ImapMailbox(endpoint, config.password("mailbox"), config)
