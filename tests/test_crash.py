"""kill -9 at random moments over a backlog, restart, and count: nothing lost, nothing doubled.

After the kills a last daemon finishes the backlog; then every report is exactly one case, every case
has exactly one acknowledgement (one file per outbox row in a Maildir outbox; over SMTP, at least
once with one stable Message-ID), no office mail went twice, and `stopit audit verify` passes.
The default counts keep CI short; the issue's full run is `STOPIT_SLOW=1` (1,000 reports, 20 kills).
"""

from __future__ import annotations

import email
import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT, STOPIT, stopit
from tests.servers import Dovecot, SmtpSink, maildir, write_config
from tests.test_route import OFFICES

SEED = int(os.environ.get("STOPIT_CRASH_SEED", str(int(time.time()))))
heavy = pytest.mark.skipif(not os.environ.get("STOPIT_SLOW"), reason="heavy run: set STOPIT_SLOW=1")


def report(n: int) -> bytes:
    """A distinct report from a distinct reporter (so no acknowledgement limit hides a double)."""
    return (
        f"From: Student {n} <crash{n}@campus.example.edu>\r\nTo: stopit@campus.example.edu\r\n"
        f"Subject: Fwd: he keeps writing ({n})\r\nMessage-ID: <crash-{n}@campus.example.edu>\r\n"
        f"Date: Mon, 16 Nov 2026 10:00:00 -0500\r\n\r\nThis keeps happening, see below ({n}).\r\n\r\n"
        f"---------- Forwarded message ---------\r\nFrom: X <x{n}@freemail.example>\r\nSubject: you\r\n\r\n"
        f"answer me or else.\r\n"
    ).encode()


@dataclass
class Killer:
    """Starts `stopit run`, kills it with SIGKILL at random moments, restarts it; logs kept for failures."""

    config: Path
    rng: random.Random
    logs: list[Path] = field(default_factory=list)
    proc: subprocess.Popen | None = None

    def start(self) -> subprocess.Popen:
        log = self.config.parent / f"daemon-{len(self.logs)}.log"
        self.logs.append(log)
        with open(log, "wb") as fh:
            self.proc = subprocess.Popen([*STOPIT, "--config", str(self.config), "run"], cwd=ROOT, stderr=fh)
        return self.proc

    def kill_at_progress(self, kills: int, progress: Callable[[], int], total: int) -> list[int]:
        """Kill when the work done (reports processed + mails sent) reaches random points of `total`."""
        targets = sorted(self.rng.randint(0, total) for _ in range(kills))
        moments = []
        for target in targets:
            proc = self.start()
            deadline = time.monotonic() + 60
            while progress() < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(self.rng.uniform(0, 0.03))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            moments.append(progress())
        return moments

    def finish(self, done: Callable[[], bool], timeout: float) -> None:
        proc = self.start()
        deadline = time.monotonic() + timeout
        try:
            while not done():
                assert proc.poll() is None, self.tail()
                assert time.monotonic() < deadline, f"not finished after {timeout} s\n{self.tail()}"
                time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    def tail(self) -> str:
        return self.logs[-1].read_text(errors="replace")[-3000:] if self.logs else ""


def database(config: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{config.parent / 'state' / 'stopit.db'}?mode=ro", uri=True, timeout=30)


def progress(config: Path) -> int:
    """Reports processed plus mails sent so far (0 before the database exists)."""
    if not (config.parent / "state" / "stopit.db").exists():
        return 0
    db = database(config)
    try:
        done = db.execute("SELECT COUNT(*) FROM messages WHERE direction='in' AND state='processed'").fetchone()[0]
        sent = db.execute("SELECT COUNT(*) FROM outbox WHERE status='sent'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()
    return int(done) + int(sent)


def settled(config: Path, count: int) -> bool:
    """Every report stored and processed, every mail sent."""
    path = config.parent / "state" / "stopit.db"
    if not path.exists():
        return False
    db = database(config)
    try:
        stored = db.execute("SELECT COUNT(*) FROM messages WHERE direction='in' AND state='processed'").fetchone()[0]
        waiting = db.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()[0]
    except sqlite3.OperationalError:
        return False
    finally:
        db.close()
    return stored >= count and waiting == 0


@dataclass(frozen=True)
class Delivered:
    message_id: str
    to: str
    subject: str


def check_exactly_once(config: Path, count: int, delivered: list[Delivered], resends_allowed: bool) -> dict:
    """The promises, counted; returns the figures for the test's printout."""
    db = database(config)
    try:
        cases = db.execute("SELECT id, report_sha256, ack_message_id FROM cases").fetchall()
        rows = db.execute(
            "SELECT o.id, o.case_id, o.audience, m.message_id, o.status FROM outbox o"
            " JOIN messages m ON m.id = o.message_row"
        ).fetchall()
        interrupted = db.execute("SELECT COUNT(*) FROM events WHERE type='mail.interrupted'").fetchone()[0]
        quarantined = db.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
    finally:
        db.close()
    per_report = Counter(sha for _, sha, _ in cases)
    assert len(per_report) == count and max(per_report.values()) == 1, f"{len(cases)} cases for {count} reports"
    assert quarantined == 0
    acks = Counter(case for _, case, audience, _, _ in rows if audience == "reporter")
    assert set(acks) == {c for c, _, _ in cases} and max(acks.values()) == 1, "one acknowledgement per case"
    offices = Counter(case for _, case, audience, _, _ in rows if audience == "office")
    assert set(offices) == set(acks) and max(offices.values()) == 1, "one office mail per case"
    assert {s for *_, s in rows} == {"sent"}
    ids_of_rows = Counter(mid for _, _, _, mid, _ in rows)
    assert max(ids_of_rows.values()) == 1, "every outbox row has its own Message-ID"
    copies = Counter(d.message_id for d in delivered)
    assert set(copies) == set(ids_of_rows), "every queued mail arrived, and nothing else did"
    resent = sum(n - 1 for n in copies.values())
    if not resends_allowed:
        assert resent == 0, f"{resent} mails delivered twice"
    assert {c[2] for c in cases} <= set(copies), "each case's acknowledgement is the one delivered"
    result = stopit(config, "audit", "verify")
    assert result.exit_code == 0, result.output
    return {
        "reports": count,
        "cases": len(cases),
        "acks": sum(acks.values()),
        "office_mails": sum(offices.values()),
        "delivered": len(delivered),
        "resent_same_message_id": resent,
        "interrupted_sends_requeued": interrupted,
        "audit": result.output.strip(),
    }


def maildir_outbox(outbox: Path) -> list[Delivered]:
    out = []
    for path in sorted((outbox / "new").glob("*")) + sorted((outbox / "cur").glob("*")):
        msg = email.message_from_bytes(path.read_bytes())
        out.append(Delivered(str(msg["Message-ID"]), str(msg["To"]), str(msg["Subject"])))
    return out


def sink_outbox(sink: SmtpSink) -> list[Delivered]:
    return [
        Delivered(str(r.message["Message-ID"]), ",".join(r.rcpt_tos), str(r.message["Subject"]))
        for r in sink.handler.received
    ]


def crash_run(config: Path, count: int, kills: int, delivered: Callable[[], list[Delivered]], smtp: bool) -> dict:
    rng = random.Random(SEED)
    killer = Killer(config, rng)
    # Kills fall anywhere from start-up to the last mail: a report and its two mails are three steps.
    at = killer.kill_at_progress(kills, lambda: progress(config), 3 * count)
    killer.finish(lambda: settled(config, count), timeout=60 + count * 0.5)
    figures = check_exactly_once(config, count, delivered(), resends_allowed=smtp)
    figures.update({"kills": kills, "killed_at_progress": f"{at} of {3 * count}", "seed": SEED})
    print("crash run: " + json.dumps(figures))
    return figures


def desk_config(tmp_path: Path, mailbox_url: str, smtp_url: str, count: int) -> Path:
    """Every case notifies its office too, with no hourly limit turning office mail into digests."""
    config = write_config(
        tmp_path, mailbox_url, smtp_url, f"ack_limit_per_hour = {count}\noffice_limit_per_hour = {count}"
    )
    with open(config, "a") as fh:
        fh.write(OFFICES)
    return config


SIZES = [pytest.param(150, 5, id="150-reports-5-kills"), pytest.param(1000, 20, id="1000-20", marks=[heavy])]


@pytest.mark.slow
@pytest.mark.parametrize(("count", "kills"), SIZES)
def test_kill_9_over_a_maildir_backlog(tmp_path: Path, count: int, kills: int) -> None:
    inbox, outbox = maildir(tmp_path / "inbox"), tmp_path / "outbox"
    for n in range(count):
        (inbox / "new" / f"{1_700_000_000 + n}.M{n}P1.crash").write_bytes(report(n))
    config = desk_config(tmp_path, f"maildir://{inbox}", f"maildir://{outbox}", count)
    crash_run(config, count, kills, lambda: maildir_outbox(outbox), smtp=False)
    assert not list((inbox / "new").iterdir()) and not list((inbox / "cur").iterdir())
    assert len(list((inbox / ".Processed" / "cur").iterdir())) == count


@pytest.mark.slow
@pytest.mark.parametrize(("count", "kills"), [pytest.param(80, 4, id="80-4"), pytest.param(1000, 20, marks=[heavy])])
def test_kill_9_over_a_dovecot_backlog_sending_by_smtp(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink, count: int, kills: int
) -> None:
    from bench.backlog import fill_maildir, owner

    home = dovecot.root / "mail" / "stopit"
    home.mkdir(exist_ok=True)
    os.chown(home, *owner(dovecot.root / "mail"))
    fill_maildir(home / "Maildir", 0)
    for n in range(count):
        (home / "Maildir" / "new" / f"{1_700_000_000 + n}.M{n}P1.crash").write_bytes(report(n))
        os.chown(home / "Maildir" / "new" / f"{1_700_000_000 + n}.M{n}P1.crash", *owner(home))
    config = desk_config(tmp_path, dovecot.url, smtp_sink.url, count)
    crash_run(config, count, kills, lambda: sink_outbox(smtp_sink), smtp=True)
    assert dovecot.uids("INBOX") == []
    assert len(dovecot.uids("Processed")) == count
