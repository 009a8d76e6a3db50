"""Owns handing rendered mail to the world: SMTP (aiosmtplib) or a Maildir, and draining the outbox."""

from __future__ import annotations

import hashlib
import logging
import mailbox
import os
import ssl
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import aiosmtplib

from stopit.config import Config, Endpoint
from stopit.errors import PermanentFailure, TemporaryFailure
from stopit.models import Delivery
from stopit.store import Store

log = logging.getLogger("stopit.send")

MAX_RETRY_DELAY = timedelta(hours=1)


class Transport(Protocol):
    async def send(self, delivery: Delivery) -> str: ...

    async def close(self) -> None: ...


def maildir_key(delivery: Delivery) -> str:
    """A stable file name for one outbox row: its id, and a digest of its Message-ID (which never changes)."""
    digest = hashlib.sha256(delivery.message_id.encode("utf-8", "replace")).hexdigest()[:16]
    return f"stopit-outbox-{delivery.outbox_id}-{digest}"


class MaildirTransport:
    """Writes each outgoing message into a Maildir: the embedded default, and a dry run you can read."""

    def __init__(self, path: Path) -> None:
        self.box = mailbox.Maildir(str(path), create=True)
        self.path = Path(path)

    async def send(self, delivery: Delivery) -> str:
        """Idempotent: the file is named by the outbox row, so a resend after a crash finds it there."""
        key = maildir_key(delivery)
        if (self.path / "new" / key).exists() or any((self.path / "cur").glob(f"{key}:*")):
            return f"already in the Maildir as {key}"
        tmp = self.path / "tmp" / key
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(delivery.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / "new" / key)
        return f"written to Maildir as {key}"

    async def close(self) -> None:
        return None


def tls_context(ca_file: str, verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file or None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _classify_smtp_error(exc: Exception) -> Exception:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        text = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        if any(400 <= c < 500 for c in codes):
            return TemporaryFailure(text)
        return PermanentFailure(text)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        text = f"{exc.code} {exc.message}"
        return PermanentFailure(text) if exc.code >= 500 else TemporaryFailure(text)
    return TemporaryFailure(f"{type(exc).__name__}: {exc}")


class SmtpTransport:
    """One reused SMTP connection, renewed after a fault. 4xx and network: temporary; 5xx: permanent."""

    def __init__(
        self, endpoint: Endpoint, password: str | None, timeout: float, ca_file: str = "", verify: bool = True
    ) -> None:
        self.endpoint = endpoint
        self.password = password
        self.timeout = timeout
        self.tls = tls_context(ca_file, verify)
        self.client: aiosmtplib.SMTP | None = None

    async def _connect(self) -> aiosmtplib.SMTP:
        if self.client is not None and self.client.is_connected:
            return self.client
        scheme = self.endpoint.scheme
        client = aiosmtplib.SMTP(
            hostname=self.endpoint.host,
            port=self.endpoint.port,
            timeout=self.timeout,
            use_tls=scheme == "smtps",
            start_tls=scheme == "smtp+starttls",
            tls_context=self.tls,
        )
        await client.connect()
        if self.endpoint.user:
            await client.login(self.endpoint.user, self.password or "")
        self.client = client
        return client

    async def _drop(self) -> None:
        client, self.client = self.client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                client.close()

    async def send(self, delivery: Delivery) -> str:
        try:
            client = await self._connect()
            errors, response = await client.sendmail(delivery.mail_from, list(delivery.rcpt_to), delivery.data)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            failure = _classify_smtp_error(exc)
            if not isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
                await self._drop()
            else:
                await self._reset()
            raise failure from exc
        refused = "; ".join(f"{r}: {e.code} {e.message}" for r, e in errors.items())
        return response + (f" (refused: {refused})" if refused else "")

    async def _reset(self) -> None:
        if self.client is not None and self.client.is_connected:
            try:
                await self.client.rset()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                await self._drop()

    async def close(self) -> None:
        await self._drop()


def make_transport(config: Config) -> Transport:
    endpoint = config.smtp
    if endpoint.is_maildir:
        return MaildirTransport(Path(endpoint.path))
    return SmtpTransport(
        endpoint,
        config.password("smtp") if endpoint.user else None,
        float(config["smtp.timeout_seconds"]),
        str(config["smtp.tls_ca_file"]),
        bool(config["smtp.tls_verify"]),
    )


def retry_delay(config: Config, attempts_before: int) -> timedelta:
    base = timedelta(seconds=int(config["smtp.retry_base_seconds"]))
    return min(base * (2**attempts_before), MAX_RETRY_DELAY)


async def deliver_one(store: Store, transport: Transport, config: Config, item: Delivery) -> str:
    """Send one outbox row and record the outcome; returns 'sent', 'deferred' or 'failed'."""
    try:
        response = await transport.send(item)
    except PermanentFailure as exc:
        store.mark_failed(item.outbox_id, str(exc))
        log.warning("outbox %d failed permanently: %s", item.outbox_id, exc)
        return "failed"
    except TemporaryFailure as exc:
        if item.attempts + 1 >= int(config["smtp.max_attempts"]):
            store.mark_failed(item.outbox_id, f"gave up after {item.attempts + 1} attempts: {exc}")
            return "failed"
        store.mark_retry(item.outbox_id, str(exc), retry_delay(config, item.attempts))
        log.info("outbox %d deferred: %s", item.outbox_id, exc)
        return "deferred"
    store.mark_sent(item.outbox_id, response)
    return "sent"


async def drain(store: Store, transport: Transport, config: Config) -> dict[str, int]:
    """Send every row that is due now, oldest first; counts outcomes."""
    counts = {"sent": 0, "deferred": 0, "failed": 0}
    while True:
        batch = store.due_deliveries(limit=100)
        if not batch:
            return counts
        for item in batch:
            # Compare-and-set 'queued' → 'sending': even two senders on one database never send a row twice.
            if store.claim_delivery(item.outbox_id):
                counts[await deliver_one(store, transport, config, item)] += 1
