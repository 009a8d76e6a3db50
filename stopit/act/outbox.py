"""Owns the outbox loop: drain what is due, sleep until the next retry or a wake-up, swap transports on reload."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from stopit.act.send import Transport, drain
from stopit.config import Config
from stopit.errors import StoreError
from stopit.store import Store

log = logging.getLogger("stopit.outbox")

SWEEP_SECONDS = 15


class OutboxLoop:
    """Sends queued mail as it becomes due; `wake()` when new mail is queued, `replace()` on reload."""

    def __init__(self, store: Store, transport: Transport, config: Callable[[], Config]) -> None:
        self.store = store
        self.transport = transport
        self.config = config
        self.counts = {"sent": 0, "deferred": 0, "failed": 0}
        self.stopping = False
        self.wakeup = asyncio.Event()
        self._replacement: Transport | None = None

    def wake(self) -> None:
        self.wakeup.set()

    def stop(self) -> None:
        self.stopping = True
        self.wakeup.set()

    def replace(self, transport: Transport) -> None:
        """Send with `transport` from the next drain on; the old connection is closed first."""
        self._replacement = transport
        self.wakeup.set()

    async def drain_once(self) -> None:
        if self._replacement is not None:
            old, self.transport, self._replacement = self.transport, self._replacement, None
            await old.close()
            log.info("SMTP settings changed on reload: reconnecting")
        counts = await drain(self.store, self.transport, self.config())
        for outcome, n in counts.items():
            self.counts[outcome] += n
        if counts["deferred"]:
            # The relay refused for now: worth a look when it lasts (`stopit status` shows the oldest).
            log.warning("%d mail(s) deferred, retried with backoff", counts["deferred"])

    async def run(self) -> None:
        while not self.stopping:
            self.wakeup.clear()
            try:
                await self.drain_once()
                next_due = self.store.next_due_at()
            except StoreError as exc:
                log.error("outbox: %s", exc)
                next_due = None
            timeout = float(SWEEP_SECONDS)
            if next_due is not None:
                timeout = max(0.05, min(timeout, (next_due - self.store.clock()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=timeout)
        await self.transport.close()
