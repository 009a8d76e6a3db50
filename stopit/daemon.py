"""Owns the long-running process's lifecycle: lock, start-up, signals, reload, the scheduler, shutdown.

The work itself lives beside what it drives: the intake loops in stopit.ingest.intake, the outbox
loop in stopit.act.outbox, systemd's protocol in stopit.systemd, the health file in stopit.status.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from stopit import preflight, schedule, systemd
from stopit.act.outbox import SWEEP_SECONDS, OutboxLoop
from stopit.act.send import Transport, make_transport
from stopit.config import Config
from stopit.desk import Desk, Outcome, handle, resume_unfinished
from stopit.errors import ConfigError, StoreError
from stopit.ingest.intake import Intake, PipedIntake
from stopit.ingest.mailbox import Incoming, Mailbox, open_mailbox
from stopit.lock import DaemonLock
from stopit.status import DaemonState
from stopit.wake import listen_for_pokes, socket_path

log = logging.getLogger("stopit.daemon")


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

    @property
    def clean(self) -> bool:
        return not (self.quarantined or self.failed or self.mailbox_errors)

    @property
    def exit_code(self) -> int:
        """`run --once`: 0 all done, 1 something needs a human, 75 mail deferred for a later try."""
        if not self.clean:
            return 1
        return 75 if self.deferred else 0


def refuse_start(config: Config) -> None:
    """Raise ConfigError with every problem check-config would report: the desk never starts with one."""
    found = preflight.problems(config)
    if found:
        raise ConfigError("the configuration is not usable (see stopit check-config): " + "; ".join(found))


def _mail_settings(config: Config) -> tuple[object, ...]:
    """What the mailbox and SMTP connections are built from: a change means reconnecting."""
    return (config.mailbox_settings, config.smtp_settings, config.password("mailbox"), config.password("smtp"))


class Daemon:
    """One per database (a lock says so). Intake, piped intake and outbox run as tasks on one loop."""

    def __init__(self, desk: Desk, mailbox: Mailbox | None = None, transport: Transport | None = None) -> None:
        self.desk = desk
        self.stats = RunStats()
        self.stopping = False
        box = mailbox or open_mailbox(desk.config)
        self.state = DaemonState(os.getpid(), datetime.now(UTC).isoformat(timespec="seconds"), box.describe())
        self.intake = Intake(
            box, lambda: self.desk.config.mailbox_settings, self._process, self._mailbox_state, self._queued
        )
        self.outbox = OutboxLoop(desk.store, transport or make_transport(desk.config), lambda: self.desk.config)
        self.piped = PipedIntake(self._resume, self._queued)
        self.intake.on_database = self._database_state
        self._stop_event = asyncio.Event()
        self.scheduler: AsyncIOScheduler | None = None

    @property
    def config(self) -> Config:
        return self.desk.config

    # --- what the loops call back -----------------------------------------------------------

    def _process(self, item: Incoming) -> bool:
        outcome = handle(self.desk, item.raw)
        with self.desk.store.transaction():
            self.desk.store.record_source(item.key, item.raw.sha256)
        self.stats.count(outcome)
        return outcome.state == "quarantined"

    def _resume(self) -> int:
        outcomes = resume_unfinished(self.desk)
        for outcome in outcomes:
            self.stats.count(outcome)
        return len(outcomes)

    def _queued(self) -> None:
        self.outbox.wake()

    def _mailbox_state(self, state: str, contact: bool) -> None:
        changed = state != self.state.mailbox_state
        self.state.mailbox = self.intake.mailbox.describe()
        self.state.mailbox_state = state
        if contact:
            self.state.last_mailbox_contact = datetime.now(UTC).isoformat(timespec="seconds")
        self._save_state()
        if changed and not self.stopping:
            systemd.notify(f"STATUS=mailbox {state} ({self.state.mailbox}); database ready")

    def _database_state(self, state: str) -> None:
        self.state.database_state = state
        self._save_state()
        systemd.notify(f"STATUS=database {state}; retrying" if state != "ok" else "STATUS=database available again")

    def _save_state(self) -> None:
        try:
            self.state.save(self.config.database)
        except OSError as exc:
            log.warning("cannot write the state file beside %s: %s", self.config.database, exc)

    # --- control ----------------------------------------------------------------------------

    def stop(self) -> None:
        if not self.stopping:
            log.info("stopping: finishing the message in hand")
            systemd.notify("STOPPING=1")
        self.stopping = True
        self._stop_event.set()
        self.intake.stop()
        self.outbox.stop()
        self.piped.stop()

    def reload(self) -> None:
        """SIGHUP: re-read config and rules and apply them, reconnecting the mailbox or SMTP when
        their settings changed; if anything is wrong, say why and keep running as before."""
        from stopit import config as config_mod

        path = self.config.path
        old = self.config
        try:
            fresh = config_mod.load(str(path)) if path else old
            if fresh.database != old.database:
                raise ConfigError(f"desk.database changed to {fresh.database}: restart the daemon to switch databases")
            refuse_start(fresh)
            reconnect = _mail_settings(fresh) != _mail_settings(old)
            mailbox = open_mailbox(fresh) if reconnect and fresh.mailbox_settings != old.mailbox_settings else None
            transport = make_transport(fresh) if reconnect and fresh.smtp_settings != old.smtp_settings else None
            if reconnect and mailbox is None and transport is None:  # only a password changed
                mailbox, transport = open_mailbox(fresh), make_transport(fresh)
            self.desk.reload(fresh)
        except ConfigError as exc:
            log.error("reload refused, keeping the running config and rules: %s", exc)
            systemd.notify("STATUS=reload refused: config or rules invalid (see the journal)")
            return
        if mailbox is not None:
            self.intake.replace(mailbox)
            poll = fresh.mailbox_settings.poll_seconds
            if self.scheduler is not None and poll != old.mailbox_settings.poll_seconds:
                self.scheduler.reschedule_job("poll-mailbox", trigger="interval", seconds=poll)
        if transport is not None:
            self.outbox.replace(transport)
        changed = [n for n, v in (("mailbox", mailbox), ("smtp", transport)) if v is not None]
        log.info(
            "reloaded %s: %d rules%s",
            path,
            len(self.desk.rules.rules),
            f"; reconnecting {' and '.join(changed)}" if changed else "",
        )
        systemd.notify("STATUS=config and rules reloaded")

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop_event.wait(), timeout=seconds)
        except TimeoutError:
            return

    # --- entry points -----------------------------------------------------------------------

    def _scheduler(self) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
        poll = self.config.mailbox_settings.poll_seconds
        scheduler.add_job(self.intake.request_poll, "interval", seconds=poll, id="poll-mailbox")
        scheduler.add_job(self.outbox.wake, "interval", seconds=SWEEP_SECONDS, id="outbox-due")
        # A piped message whose poke was lost (stored while we started) is picked up within a sweep.
        scheduler.add_job(self.piped.poke, "interval", seconds=SWEEP_SECONDS, id="stored-sweep")
        # Time as a stage (digests, escalations, follow-ups, RDAP): stopit.schedule owns those jobs.
        schedule.add_jobs(scheduler, lambda: self.desk, self._queued)
        return scheduler

    def _collect(self) -> RunStats:
        for outcome, n in self.outbox.counts.items():
            setattr(self.stats, outcome, n)
        self.stats.mailbox_errors = self.intake.errors
        return self.stats

    async def run_forever(self) -> RunStats:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        # The database is open and migrated and the config checked: ready, whatever the mailbox does.
        # (An IMAP outage at boot must not turn into a restart loop; intake retries with backoff.)
        self._save_state()
        systemd.notify("READY=1", f"STATUS=database ready; connecting to {self.state.mailbox}")
        # Messages stored before a crash are resumed by the piped-intake task, once the socket listens
        # (so that none stored meanwhile is missed) and where a busy database is waited for.
        self.piped.poke()
        scheduler = self.scheduler = self._scheduler()
        scheduler.start()
        waker = await listen_for_pokes(self.config.state_dir, self._poked)
        try:
            await asyncio.gather(
                self.intake.run(),
                self.outbox.run(),
                self.piped.run(),
                systemd.heartbeat(lambda: self.stopping, self._sleep),
            )
        finally:
            scheduler.shutdown(wait=False)
            if waker is not None:
                waker.close()
                socket_path(self.config.state_dir).unlink(missing_ok=True)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
        return self._collect()

    def _poked(self) -> None:
        """`stopit ingest` stored a message (or queued mail): process and send without waiting."""
        self.piped.poke()
        self.outbox.wake()

    async def run_once(self) -> RunStats:
        """Process what is in the mailbox now, drain the outbox, and return."""
        try:
            self._resume()
        except StoreError as exc:
            self.intake.errors += 1
            log.error("database unavailable; stored messages wait for the next run: %s", exc)
        await self.intake.once()
        try:
            schedule.run_clock(self.desk)
        except StoreError as exc:
            log.error("database unavailable; what is due waits for the next run: %s", exc)
        try:
            await self.outbox.drain_once()
        finally:
            await self.outbox.transport.close()
        return self._collect()


def open_daemon(config: Config) -> tuple[Daemon, DaemonLock]:
    """Take the database's daemon lock, check the config as check-config does, then open the desk.

    Raises StoreError (another daemon runs, or the database cannot be opened) or ConfigError.
    """
    lock = DaemonLock(config.database)
    lock.acquire()
    try:
        refuse_start(config)
        desk = Desk.open(config)
        # We hold the lock, so no other sender is alive: a row left 'sending' was interrupted by a crash.
        desk.store.requeue_interrupted()
        return Daemon(desk), lock
    except BaseException:
        lock.release()
        raise
