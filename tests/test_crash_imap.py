"""The IMAP server goes away under an idling daemon: nothing is lost, nothing doubled, intake resumes."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.conftest import STOPIT
from tests.servers import DOVECOT, Dovecot, SmtpSink, write_config
from tests.test_crash_storage import CASES, SENT, count, wait_for


def report(n: int) -> bytes:
    return (
        f"From: Student {n} <s{n}@campus.example.edu>\r\nTo: stopit@campus.example.edu\r\nSubject: help {n}\r\n"
        f"Message-ID: <restart.{n}@campus.example.edu>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\n"
        f"He keeps writing to me ({n}).\r\n"
    ).encode()


def stored(config: Path) -> int:
    """Cases so far; 0 while the daemon has not created its database yet."""
    try:
        return count(config, CASES)
    except sqlite3.OperationalError:
        return 0


def restart(server: Dovecot) -> None:
    """Kill Dovecot and start it again on the same configuration, mail store and port."""
    os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait(timeout=10)
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID")}
    log = open(server.root / "stdout.log", "ab")  # noqa: SIM115 - owned by the process
    server.proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(server.root / "dovecot.conf")],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.5) as s:
                return s.recv(64).startswith(b"* OK")
        except OSError:
            return False

    wait_for(answers, 20, "Dovecot to answer again")


def test_dovecot_restarted_while_idle(dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path) -> None:
    config = write_config(tmp_path, dovecot.url, smtp_sink.url, "ack_limit_per_hour = 1000")
    log = tmp_path / "daemon.log"
    with open(log, "wb") as fh:
        daemon = subprocess.Popen([*STOPIT, "--config", str(config), "run"], stderr=fh)
    try:
        wait_for(lambda: b"connected to" in log.read_bytes(), 30, "the daemon to connect")
        time.sleep(1)  # into IDLE (the mailbox sweeps, then idles)
        for n in range(3):
            dovecot.append(report(n))
        wait_for(lambda: count(config, SENT) >= 3, 30, "the first acknowledgements")
        restart(dovecot)
        for n in range(3, 6):
            dovecot.append(report(n))
        wait_for(lambda: count(config, CASES) == 6 and count(config, SENT) == 6, 90, "intake after the restart")
        time.sleep(2)
        assert daemon.poll() is None  # the daemon rode it out
        assert count(config, CASES) == 6 and len(smtp_sink.handler.received) == 6  # nothing doubled
        assert dovecot.uids("INBOX") == []  # every report moved once it was stored
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    assert "Traceback" not in log.read_text()


def test_kill_between_a_batch_stored_and_its_move(dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path) -> None:
    """Reports are moved out of INBOX in batches after their commit: a kill -9 in between leaves stored reports
    in INBOX, which the next run finds stored already and only moves."""
    config = write_config(tmp_path, dovecot.url, smtp_sink.url, "ack_limit_per_hour = 1000")
    total = 120
    for n in range(total):
        dovecot.append(report(100 + n))
    daemon = subprocess.Popen([*STOPIT, "--config", str(config), "run"], stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: stored(config) >= 30, 60, "part of the batch to be stored")
        daemon.send_signal(signal.SIGSTOP)  # freeze it to look, then kill -9 exactly there
        moved = total - len(dovecot.uids("INBOX"))
        stored_but_waiting = stored(config) - moved
        daemon.kill()  # SIGKILL, mid-batch: stored rows whose IMAP messages were not moved yet
        daemon.wait(timeout=10)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert stored_but_waiting > 0
    rerun = subprocess.run([*STOPIT, "--config", str(config), "run", "--once"], capture_output=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert count(config, CASES) == total
    wait_for(lambda: len(smtp_sink.handler.received) >= total, 30, "every acknowledgement")
    ids = [r.message["Message-ID"] for r in smtp_sink.handler.received]
    assert len(set(ids)) == total  # one acknowledgement per case (a resend would repeat its Message-ID)
    assert dovecot.uids("INBOX") == []
    audit = subprocess.run([*STOPIT, "--config", str(config), "audit", "verify"], capture_output=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr
