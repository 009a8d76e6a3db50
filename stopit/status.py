"""Owns the desk's health: the state file the daemon keeps beside the database, and `stopit status`.

The daemon writes `<database>.state.json` (its pid, when it started, the mailbox's state and the last
successful contact with it) whenever these change; `status` reads that file and the database, both
read-only, and never creates either. Verdicts, for a monitoring check: 0 healthy, 1 degraded, 2 down.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stopit.lock import daemon_pid
from stopit.store.db import iso

HEALTHY, DEGRADED, DOWN = 0, 1, 2
VERDICTS = {HEALTHY: "healthy", DEGRADED: "degraded", DOWN: "down"}

# An undelivered mail older than this means the relay has refused us for a while (retries back off
# to an hour); a stored report not processed within this time means intake is stuck.
OUTBOX_STALE = timedelta(hours=1)
BACKLOG_STALE = timedelta(minutes=10)
# The clock job turns due follow-ups into mail every minute: one still due after this is overdue.
FOLLOWUP_GRACE = timedelta(minutes=5)
# The daemon touches the mailbox at least every mailbox.poll_seconds; allow a few misses.
CONTACT_GRACE_POLLS = 3
CONTACT_GRACE_MIN = timedelta(minutes=5)
# Below this, the next report may not fit: the daemon would stop taking mail (it waits, losing nothing).
DISK_LOW_BYTES = 1024 * 1024


# 'sending' is a claimed row whose delivery is under way (or was interrupted and will be requeued).
_UNDELIVERED = "status IN ('queued', 'sending')"


def _now() -> datetime:
    return datetime.now(UTC)


def state_path(database: Path) -> Path:
    return database.with_name(f"{database.name}.state.json")


@dataclass
class DaemonState:
    """What only the running daemon knows; saved atomically on every change."""

    pid: int
    started_at: str
    mailbox: str = ""
    mailbox_state: str = "starting"
    last_mailbox_contact: str = ""
    updated_at: str = ""
    # "ok", or why the daemon waits for the database ("unavailable: … locked / disk is full"); it retries.
    database_state: str = "ok"

    def save(self, database: Path) -> None:
        self.updated_at = _now().isoformat(timespec="seconds")
        target = state_path(database)
        fd, tmp = tempfile.mkstemp(prefix=".state-", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(self), fh)
        os.replace(tmp, target)


def read_state(database: Path) -> DaemonState | None:
    try:
        data = json.loads(state_path(database).read_text(encoding="utf-8"))
        return DaemonState(**data)
    except (OSError, ValueError, TypeError):
        return None


@dataclass(frozen=True)
class Health:
    """Everything `stopit status` reports; `problems` say why the verdict is not healthy."""

    verdict: int
    database: str
    db_bytes: int
    blob_bytes: int
    daemon_pid: int | None
    started_at: str
    mailbox: str
    mailbox_state: str
    last_mailbox_contact: str
    backlog: int
    oldest_backlog: str
    outbox_queued: int
    oldest_undelivered: str
    oldest_undelivered_age_s: int | None
    outbox_failed: int
    quarantined: int
    followups_overdue: int | None
    problems: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": VERDICTS[self.verdict], "exit_code": self.verdict}


def _age(at: str, now: datetime) -> timedelta | None:
    if not at:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None
    return now - (moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _scalar(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def _overdue_followups(conn: sqlite3.Connection, now: datetime) -> int | None:
    """Follow-ups still due well after their time (the clock acts on them every minute); None on a
    database from before the follow-ups table."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='followups'").fetchone() is None:
        return None
    due = iso(now - FOLLOWUP_GRACE)
    return int(_scalar(conn, "SELECT COUNT(*) FROM followups WHERE state='due' AND due_at < ?", (due,)) or 0)


def _db_bytes(database: Path) -> int:
    return sum(p.stat().st_size for p in database.parent.glob(f"{database.name}*") if p.is_file())


def _down(database: Path, problems: list[str]) -> Health:
    """No database to read: nothing but the reason."""
    return Health(DOWN, str(database), 0, 0, None, "", "", "", "", 0, "", 0, "", None, 0, 0, None, tuple(problems))


def gather(database: Path, poll_seconds: int, now: datetime | None = None) -> Health:
    """Read the daemon's state file and the database (read-only) and judge the desk's health."""
    now = now or _now()
    problems: list[str] = []
    if not database.exists():
        problems.append(f"no database at {database}")
        return _down(database, problems)
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        backlog = int(_scalar(conn, "SELECT COUNT(*) FROM messages WHERE direction='in' AND state='received'"))
        oldest_backlog = _scalar(conn, "SELECT MIN(at) FROM messages WHERE direction='in' AND state='received'") or ""
        queued = int(_scalar(conn, f"SELECT COUNT(*) FROM outbox WHERE {_UNDELIVERED}"))
        oldest_out = _scalar(conn, f"SELECT MIN(created_at) FROM outbox WHERE {_UNDELIVERED}") or ""
        failed = int(_scalar(conn, "SELECT COUNT(*) FROM outbox WHERE status='failed'"))
        quarantined = int(_scalar(conn, "SELECT COUNT(*) FROM quarantine WHERE released_at IS NULL"))
        overdue = _overdue_followups(conn, now)
    except sqlite3.Error as exc:
        problems.append(f"cannot read {database}: {exc}")
        return _down(database, problems)
    finally:
        conn.close()

    pid = daemon_pid(database)
    state = read_state(database) if pid is not None else None
    verdict = HEALTHY
    if pid is None:
        problems.append("no stopit daemon is running on this database")
        verdict = DOWN
    elif state is None:
        problems.append("the daemon has not written its state yet")
        verdict = DEGRADED
    else:
        contact = _age(state.last_mailbox_contact, now)
        grace = max(CONTACT_GRACE_MIN, timedelta(seconds=CONTACT_GRACE_POLLS * poll_seconds))
        if state.database_state != "ok":
            problems.append(f"database {state.database_state}")
        if state.mailbox_state != "connected":
            problems.append(f"mailbox {state.mailbox_state}")
        elif contact is None or contact > grace:
            problems.append(f"no contact with the mailbox since {state.last_mailbox_contact or 'start'}")
    out_age = _age(oldest_out, now)
    if out_age is not None and out_age > OUTBOX_STALE:
        problems.append(f"mail undelivered for {int(out_age.total_seconds() // 60)} min")
    backlog_age = _age(oldest_backlog, now)
    if backlog_age is not None and backlog_age > BACKLOG_STALE:
        problems.append(f"{backlog} stored report(s) waiting since {oldest_backlog}")
    free = shutil.disk_usage(database.parent).free
    if free < DISK_LOW_BYTES:
        problems.append(f"disk nearly full: {free} bytes free under {database.parent}; intake waits for space")
    if quarantined:
        problems.append(f"{quarantined} message(s) in quarantine (stopit quarantine list)")
    if failed:
        problems.append(f"{failed} outgoing mail(s) failed permanently")
    if overdue:
        problems.append(f"{overdue} follow-up(s) overdue")
    if verdict == HEALTHY and problems:
        verdict = DEGRADED
    return Health(
        verdict=verdict,
        database=str(database),
        db_bytes=_db_bytes(database),
        blob_bytes=sum(p.stat().st_size for p in (database.parent / "blobs").rglob("*") if p.is_file()),
        daemon_pid=pid,
        started_at=state.started_at if state else "",
        mailbox=state.mailbox if state else "",
        mailbox_state=state.mailbox_state if state else ("down" if pid is None else "unknown"),
        last_mailbox_contact=state.last_mailbox_contact if state else "",
        backlog=backlog,
        oldest_backlog=oldest_backlog,
        outbox_queued=queued,
        oldest_undelivered=oldest_out,
        oldest_undelivered_age_s=int(out_age.total_seconds()) if out_age is not None else None,
        outbox_failed=failed,
        quarantined=quarantined,
        followups_overdue=overdue,
        problems=tuple(problems),
    )


def describe(health: Health) -> list[str]:
    """The lines `stopit status` prints."""
    age = health.oldest_undelivered_age_s
    lines = [
        f"stopit: {VERDICTS[health.verdict]}",
        f"daemon: {'pid ' + str(health.daemon_pid) if health.daemon_pid else 'not running'}"
        + (f", started {health.started_at}" if health.started_at else ""),
        f"mailbox: {health.mailbox or '-'} {health.mailbox_state}; last contact {health.last_mailbox_contact or '-'}",
        f"backlog: {health.backlog} stored report(s) not yet processed",
        f"outbox: {health.outbox_queued} queued"
        + (f", oldest undelivered {age // 60} min ({health.oldest_undelivered})" if age is not None else "")
        + f"; {health.outbox_failed} failed",
        f"quarantine: {health.quarantined}",
    ]
    if health.followups_overdue is not None:
        lines.append(f"follow-ups overdue: {health.followups_overdue}")
    lines.append(
        f"database: {health.database} ({health.db_bytes / 1e6:.1f} MB with WAL and state, "
        f"blobs {health.blob_bytes / 1e6:.1f} MB)"
    )
    lines.extend(f"problem: {p}" for p in health.problems)
    return lines
