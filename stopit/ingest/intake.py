"""Owns the intake loops: watch the mailbox (sweep, batched moves, IDLE or poll, reconnect with backoff),
and pick up what `stopit ingest` stored. What happens to each message is the caller's `process`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from stopit.config import MailboxSettings
from stopit.errors import MailboxError, StoreError
from stopit.ingest.mailbox import Incoming, Mailbox

log = logging.getLogger("stopit.intake")

MAX_BACKOFF_SECONDS = 300.0
# While the database is busy (another process holds it) or full, intake waits this long at most.
MAX_DATABASE_WAIT_SECONDS = 30.0
MOVE_BATCH = 500

# process(item) → True when the message was quarantined (it then goes to the quarantine folder).
Process = Callable[[Incoming], bool]
# on_state(state, contact): "connected", "unavailable: …", "stopped"; contact=True after a good exchange.
OnState = Callable[[str, bool], None]


class Intake:
    """The reporting mailbox, watched until `stop()`. A new mailbox (SIGHUP) replaces it between waits."""

    def __init__(
        self,
        mailbox: Mailbox,
        settings: Callable[[], MailboxSettings],
        process: Process,
        on_state: OnState,
        processed: Callable[[], None],
    ) -> None:
        self.mailbox = mailbox
        self.settings = settings
        self.process = process
        self.on_state = on_state
        self.processed = processed
        self.stopping = False
        self.poll_requested = False
        self.errors = 0
        # on_database("ok" | "unavailable: …"): the daemon reports it in its state file for `stopit status`.
        self.on_database: Callable[[str], None] = lambda state: None
        self._database_wait = 1.0
        self._replacement: Mailbox | None = None
        self._stop_event = asyncio.Event()

    def stop(self) -> None:
        self.stopping = True
        self._stop_event.set()

    def request_poll(self) -> None:
        self.poll_requested = True

    def replace(self, mailbox: Mailbox) -> None:
        """Use `mailbox` from the next wait on (the old one is logged out first)."""
        self._replacement = mailbox
        self.poll_requested = True

    def _interrupted(self) -> bool:
        return self.stopping or self.poll_requested

    async def sweep(self) -> int:
        """Process everything waiting in the mailbox; a message is moved only after it is committed.

        Moves are gathered into large batches: a MOVE costs Dovecot time in proportion to the size
        of the folder, whatever the number of messages moved, so a backlog moved 25 at a time is
        dominated by the moves. Acknowledgements do not wait for the move.
        """
        handles = await asyncio.to_thread(self.mailbox.pending)
        moves: dict[str, list[str | int]] = {"processed": [], "quarantine": []}
        done = 0
        for batch in await asyncio.to_thread(self.mailbox.batches, handles):
            if self.stopping:
                break
            incoming = await asyncio.to_thread(self._fetch, batch)
            for item in incoming:
                if self.stopping:
                    break
                moves["quarantine" if self.process(item) else "processed"].append(item.handle)
                done += 1
            self.processed()
            if sum(map(len, moves.values())) >= MOVE_BATCH:
                await self._move(moves)
        await self._move(moves)
        return done

    def _fetch(self, handles: list[str | int]) -> list[Incoming]:
        return list(self.mailbox.fetch(handles))

    async def _move(self, moves: dict[str, list[str | int]]) -> None:
        settings = self.settings()
        folders = {"processed": settings.processed_folder, "quarantine": settings.quarantine_folder}
        for kind, handles in moves.items():
            if handles:
                await asyncio.to_thread(self.mailbox.move, list(handles), folders[kind])
                handles.clear()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop_event.wait(), timeout=seconds)
        except TimeoutError:
            return

    async def database_unavailable(self, exc: StoreError) -> None:
        """Nothing was lost (unprocessed messages stay in the mailbox): say so, wait, try again."""
        log.warning("database unavailable, intake waits %.0f s and retries: %s", self._database_wait, exc)
        self.on_database(f"unavailable: {exc}")
        await self._sleep(self._database_wait)
        self._database_wait = min(self._database_wait * 2, MAX_DATABASE_WAIT_SECONDS)

    def database_available(self) -> None:
        if self._database_wait > 1.0:
            log.info("database available again; intake resumed")
            self.on_database("ok")
        self._database_wait = 1.0

    async def _swap_if_replaced(self) -> bool:
        if self._replacement is None:
            return False
        await asyncio.to_thread(self.mailbox.close)
        self.mailbox, self._replacement = self._replacement, None
        log.info("mailbox changed on reload: now %s", self.mailbox.describe())
        return True

    async def run(self) -> None:
        backoff = 1.0
        while not self.stopping:
            await self._swap_if_replaced()
            try:
                await asyncio.to_thread(self.mailbox.connect)
                log.info("connected to %s", self.mailbox.describe())
                self.on_state("connected", True)
                backoff = 1.0
                while not self.stopping:
                    self.poll_requested = False
                    # Sweep until a SEARCH finds nothing: a message that arrived during our own
                    # FETCH or MOVE was announced in that command's reply, and IDLE will not repeat it.
                    try:
                        while await self.sweep() and not self.stopping:
                            pass
                    except StoreError as exc:
                        await self.database_unavailable(exc)
                        continue
                    self.database_available()
                    self.on_state("connected", True)
                    await asyncio.to_thread(self.mailbox.wait, float(self.settings().poll_seconds), self._interrupted)
                    if self._replacement is not None:
                        break
            except MailboxError as exc:
                self.errors += 1
                log.warning("mailbox: %s; retrying in %.0f s", exc, backoff)
                self.on_state(f"unavailable: {exc}", False)
                await asyncio.to_thread(self.mailbox.close)
                await self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        await asyncio.to_thread(self.mailbox.close)
        self.on_state("stopped", False)

    async def once(self) -> None:
        """Connect, process what is there now, disconnect (`stopit run --once`)."""
        try:
            await asyncio.to_thread(self.mailbox.connect)
            await self.sweep()
            self.on_state("connected", True)
        except MailboxError as exc:
            self.errors += 1
            log.error("mailbox: %s", exc)
            self.on_state(f"unavailable: {exc}", False)
        except StoreError as exc:
            self.errors += 1
            log.error("database unavailable; what was not processed stays in the mailbox: %s", exc)
        finally:
            await asyncio.to_thread(self.mailbox.close)


class PipedIntake:
    """Messages `stopit ingest` stored and poked us about: processed here, where everything is loaded."""

    def __init__(self, resume: Callable[[], int], processed: Callable[[], None]) -> None:
        self.resume = resume
        self.processed = processed
        self.stopping = False
        self.wakeup = asyncio.Event()

    def poke(self) -> None:
        self.wakeup.set()

    def stop(self) -> None:
        self.stopping = True
        self.wakeup.set()

    async def run(self) -> None:
        while not self.stopping:
            await self.wakeup.wait()
            self.wakeup.clear()
            if self.stopping:
                break
            try:
                if self.resume():
                    self.processed()
            except StoreError as exc:
                # Busy or full: the messages stay stored; the next poke or stored-sweep tries again.
                log.warning("database unavailable, stored messages wait: %s", exc)
