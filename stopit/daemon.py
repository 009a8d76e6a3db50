"""Owns the long-running process: intake, the outbox sender and the scheduler in one asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from stopit.act.send import Transport, drain, make_transport
from stopit.desk import Desk, Outcome, handle, resume_unfinished
from stopit.errors import MailboxError, StoreError
from stopit.ingest.mailbox import FETCH_BATCH, Incoming, Mailbox, open_mailbox
from stopit.wake import MAX_PATH, socket_path

log = logging.getLogger("stopit.daemon")

MAX_BACKOFF_SECONDS = 300.0
OUTBOX_SWEEP_SECONDS = 15
MOVE_BATCH = 500


def sd_notify(*states: str) -> bool:
    """Tell systemd how we are (READY=1, STATUS=…, WATCHDOG=1, STOPPING=1); a no-op outside systemd."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr[0] == "@":
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(addr)
            sock.sendall("\n".join(states).encode())
    except OSError as exc:
        log.warning("cannot notify systemd at %s: %s", addr, exc)
        return False
    return True


class _WakeListener(asyncio.DatagramProtocol):
    def __init__(self, on_poke: Callable[[], None]) -> None:
        self.on_poke = on_poke

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.on_poke()


async def listen_for_pokes(state_dir: Path, on_poke: Callable[[], None]) -> asyncio.BaseTransport | None:
    """Listen for `stopit ingest`'s pokes; None when the socket path cannot be used."""
    path = socket_path(state_dir)
    if len(str(path)) > MAX_PATH:
        log.warning("%s is too long for a socket; piped reports wait for the next outbox sweep", path)
        return None
    path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    sock.bind(str(path))
    os.chmod(path, 0o660)
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(lambda: _WakeListener(on_poke), sock=sock)
    return transport


@dataclass
class RunStats:
    processed: int = 0
    quarantined: int = 0
    duplicates: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    mailbox_errors: int = 0

    def count(self, outcome: Outcome) -> None:
        if outcome.duplicate:
            self.duplicates += 1
        elif outcome.state == "quarantined":
            self.quarantined += 1
        else:
            self.processed += 1

    def add_sends(self, counts: dict[str, int]) -> None:
        self.sent += counts["sent"]
        self.deferred += counts["deferred"]
        self.failed += counts["failed"]

    @property
    def clean(self) -> bool:
        return not (self.quarantined or self.failed or self.mailbox_errors)


class Daemon:
    """Intake and outbox run as two tasks; the scheduler only wakes them, the database holds the state."""

    def __init__(self, desk: Desk, mailbox: Mailbox | None = None, transport: Transport | None = None) -> None:
        self.desk = desk
        self.config = desk.config
        self.mailbox = mailbox or open_mailbox(desk.config)
        self.transport = transport or make_transport(desk.config)
        self.stats = RunStats()
        self.stopping = False
        self.poll_requested = False
        self.outbox_wakeup = asyncio.Event()
        self.stored_wakeup = asyncio.Event()
        self.stop_event = asyncio.Event()

    # --- control ----------------------------------------------------------------------------

    def stop(self) -> None:
        if not self.stopping:
            log.info("stopping: finishing the message in hand")
            sd_notify("STOPPING=1")
        self.stopping = True
        self.stop_event.set()
        self.outbox_wakeup.set()
        self.stored_wakeup.set()

    def reload(self) -> None:
        """SIGHUP: re-read config and rules; if either is wrong, say why and keep the old ones."""
        from stopit import config as config_mod
        from stopit.errors import ConfigError

        path = self.desk.config.path
        try:
            fresh = config_mod.load(str(path)) if path else self.desk.config
            self.desk.reload(fresh)
        except ConfigError as exc:
            log.error("reload refused, keeping the running config and rules: %s", exc)
            sd_notify("STATUS=reload refused: config or rules invalid")
            return
        self.config = self.desk.config
        log.info("reloaded %s: %d rules", path, len(self.desk.rules.rules))
        sd_notify("STATUS=config and rules reloaded")

    async def backfill_rdap(self) -> None:
        """Who runs the networks mail came from: looked up off the intake path, with time limits."""
        from stopit.desk import backfill_rdap
        from stopit.trace.rdap import abuse_contact

        async def fetch(ip: str) -> dict:
            return await asyncio.to_thread(abuse_contact, ip, 5.0)

        found = await backfill_rdap(self.desk, fetch)
        if found:
            log.info("RDAP: abuse contacts noted on %d case(s)", found)

    def request_poll(self) -> None:
        self.poll_requested = True

    def _interrupted(self) -> bool:
        return self.stopping or self.poll_requested

    # --- intake -----------------------------------------------------------------------------

    def _handle_one(self, item: Incoming) -> Outcome:
        outcome = handle(self.desk, item.raw)
        with self.desk.store.transaction():
            self.desk.store.record_source(item.key, item.raw.sha256)
        self.stats.count(outcome)
        return outcome

    async def sweep(self) -> int:
        """Process everything waiting in the mailbox; a message is moved only after it is committed.

        Moves are gathered into large batches: a MOVE costs Dovecot time in proportion to the size
        of the folder, whatever the number of messages moved, so a backlog moved 25 at a time is
        dominated by the moves. Acknowledgements do not wait for the move.
        """
        handles = await asyncio.to_thread(self.mailbox.pending)
        moves: dict[str, list[str | int]] = {"processed": [], "quarantine": []}
        done = 0
        for start in range(0, len(handles), FETCH_BATCH):
            if self.stopping:
                break
            batch = handles[start : start + FETCH_BATCH]
            incoming = await asyncio.to_thread(lambda b=batch: list(self.mailbox.fetch(b)))
            for item in incoming:
                if self.stopping:
                    break
                outcome = self._handle_one(item)
                moves["quarantine" if outcome.state == "quarantined" else "processed"].append(item.handle)
                done += 1
            self.outbox_wakeup.set()
            if sum(map(len, moves.values())) >= MOVE_BATCH:
                await self._move(moves)
        await self._move(moves)
        return done

    async def _move(self, moves: dict[str, list[str | int]]) -> None:
        for kind, handles in moves.items():
            if handles:
                folder = str(self.config[f"mailbox.{kind}_folder"])
                await asyncio.to_thread(self.mailbox.move, list(handles), folder)
                handles.clear()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stop_event.wait(), timeout=seconds)
        except TimeoutError:
            return

    async def intake_loop(self) -> None:
        backoff = 1.0
        poll = float(self.config["mailbox.poll_seconds"])
        while not self.stopping:
            try:
                await asyncio.to_thread(self.mailbox.connect)
                log.info("connected to %s", self.mailbox.describe())
                sd_notify("READY=1", f"STATUS=watching {self.mailbox.describe()}")
                backoff = 1.0
                while not self.stopping:
                    self.poll_requested = False
                    # Sweep until a SEARCH finds nothing: a message that arrived during our own
                    # FETCH or MOVE was announced in that command's reply, and IDLE will not repeat it.
                    while await self.sweep() and not self.stopping:
                        pass
                    await asyncio.to_thread(self.mailbox.wait, poll, self._interrupted)
            except MailboxError as exc:
                self.stats.mailbox_errors += 1
                log.warning("mailbox: %s; retrying in %.0f s", exc, backoff)
                sd_notify(f"STATUS=mailbox unavailable: {exc}")
                await asyncio.to_thread(self.mailbox.close)
                await self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        await asyncio.to_thread(self.mailbox.close)

    # --- outbox -----------------------------------------------------------------------------

    async def outbox_loop(self) -> None:
        while not self.stopping:
            self.outbox_wakeup.clear()
            try:
                self.stats.add_sends(await drain(self.desk.store, self.transport, self.config))
            except StoreError as exc:
                log.error("outbox: %s", exc)
            next_due = self.desk.store.next_due_at()
            timeout = float(OUTBOX_SWEEP_SECONDS)
            if next_due is not None:
                timeout = max(0.05, min(timeout, (next_due - self.desk.store.clock()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.outbox_wakeup.wait(), timeout=timeout)
        await self.transport.close()

    def poked(self) -> None:
        """`stopit ingest` stored a message (or queued mail): process and send without waiting."""
        self.stored_wakeup.set()
        self.outbox_wakeup.set()

    async def stored_loop(self) -> None:
        """Process messages that `stopit ingest` stored, in this process, on the loop's thread."""
        while not self.stopping:
            await self.stored_wakeup.wait()
            self.stored_wakeup.clear()
            if self.stopping:
                break
            for outcome in resume_unfinished(self.desk):
                self.stats.count(outcome)
            self.outbox_wakeup.set()

    async def watchdog_loop(self) -> None:
        usec = os.environ.get("WATCHDOG_USEC")
        pid = os.environ.get("WATCHDOG_PID")
        if not usec or (pid and pid != str(os.getpid())):
            return
        interval = int(usec) / 2_000_000
        while not self.stopping:
            sd_notify("WATCHDOG=1")
            await self._sleep(interval)

    # --- entry points -----------------------------------------------------------------------

    def _scheduler(self) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
        scheduler.add_job(
            self.request_poll, "interval", seconds=int(self.config["mailbox.poll_seconds"]), id="poll-mailbox"
        )
        scheduler.add_job(self.outbox_wakeup.set, "interval", seconds=OUTBOX_SWEEP_SECONDS, id="outbox-due")
        if not self.config["desk.offline"]:
            scheduler.add_job(self.backfill_rdap, "interval", minutes=10, id="rdap-backfill")
        return scheduler

    async def run_forever(self) -> RunStats:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        for outcome in resume_unfinished(self.desk):
            self.stats.count(outcome)
        scheduler = self._scheduler()
        scheduler.start()
        waker = await listen_for_pokes(self.config.state_dir, self.poked)
        try:
            await asyncio.gather(self.intake_loop(), self.outbox_loop(), self.stored_loop(), self.watchdog_loop())
        finally:
            scheduler.shutdown(wait=False)
            if waker is not None:
                waker.close()
                socket_path(self.config.state_dir).unlink(missing_ok=True)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
        return self.stats

    async def run_once(self) -> RunStats:
        """Process what is in the mailbox now, drain the outbox, and return."""
        for outcome in resume_unfinished(self.desk):
            self.stats.count(outcome)
        try:
            await asyncio.to_thread(self.mailbox.connect)
            await self.sweep()
        except MailboxError as exc:
            self.stats.mailbox_errors += 1
            log.error("mailbox: %s", exc)
        finally:
            await asyncio.to_thread(self.mailbox.close)
        try:
            self.stats.add_sends(await drain(self.desk.store, self.transport, self.config))
        finally:
            await self.transport.close()
        return self.stats
