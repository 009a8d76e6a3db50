"""The database locked by another process, and the disk full: ingest asks the MTA to retry (exit 75),
the daemon waits, says so in the log and in `stopit status`, resumes by itself, and loses nothing.

The fast versions lower the store's busy timeout (a class attribute) in the child processes; the
issue's 40-second hold with the real 30-second timeout runs with STOPIT_SLOW=1.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, STOPIT, stopit
from tests.corpus import absent
from tests.servers import wait_for, write_config
from tests.test_crash import heavy, maildir, report

# `stopit` with Database.busy_timeout set to argv[1] seconds.
_PATCHED = (
    "import sys; import stopit.store.db as db; db.Database.busy_timeout = float(sys.argv.pop(1)); "
    "from stopit.cli import main; main(prog_name='stopit')"
)

_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def stopit_cmd(config: Path, busy: float | None, *args: str) -> list[str]:
    head = [*STOPIT] if busy is None else [sys.executable, "-c", _PATCHED, str(busy)]
    return [*head, "--config", str(config), *args]


def hold_database(db: Path, seconds: float) -> subprocess.Popen:
    """Another process takes the write lock and keeps it for `seconds`."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def desk(tmp_path: Path) -> tuple[Path, Path, Path]:
    inbox, outbox = maildir(tmp_path / "inbox"), tmp_path / "outbox"
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{outbox}", "ack_limit_per_hour = 1000")
    result = stopit(config, "migrate")  # the database exists before anyone holds it
    assert result.exit_code == 0, result.output
    return config, inbox, outbox


def count(config: Path, sql: str) -> int:
    db = sqlite3.connect(f"file:{config.parent / 'state' / 'stopit.db'}?mode=ro", uri=True, timeout=30)
    try:
        return int(db.execute(sql).fetchone()[0])
    finally:
        db.close()


CASES = "SELECT COUNT(*) FROM cases"
SENT = "SELECT COUNT(*) FROM outbox WHERE status='sent'"


def status_json(config: Path) -> dict:
    result = subprocess.run([*STOPIT, "--config", str(config), "status", "--json"], cwd=ROOT, capture_output=True)
    return json.loads(result.stdout)


def locked_database(tmp_path: Path, busy: float | None, hold: float) -> dict[str, float]:
    config, inbox, outbox = desk(tmp_path)
    db = config.parent / "state" / "stopit.db"
    log = tmp_path / "daemon.log"
    with open(log, "wb") as fh:
        daemon = subprocess.Popen(stopit_cmd(config, busy, "run"), cwd=ROOT, stderr=fh)
    try:
        wait_for(lambda: b"connected to" in log.read_bytes(), 30, "the daemon")
        holder = hold_database(db, hold)
        start = time.monotonic()
        for n in range(5):
            (inbox / "new" / f"r{n}").write_bytes(report(n))
        ingest = subprocess.run(
            stopit_cmd(config, busy, "ingest"), input=report(99), cwd=ROOT, capture_output=True, timeout=120
        )
        ingest_s = time.monotonic() - start
        assert ingest.returncode == 75, ingest.stderr.decode()[-1000:]
        assert b"cannot store the message now" in ingest.stderr
        problems = wait_for(
            lambda: [p for p in status_json(config)["problems"] if p.startswith("database unavailable")],
            hold + 10,
            "status to name the busy database",
        )
        assert daemon.poll() is None, log.read_text()
        holder.wait(timeout=hold + 30)
        released = time.monotonic()
        wait_for(lambda: count(config, CASES) == 5 and count(config, SENT) == 5, 60, "the backlog after the lock")
        caught_up_s = time.monotonic() - released
        assert daemon.poll() is None, log.read_text()
        wait_for(lambda: not status_json(config)["problems"], 20, "status healthy again")
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    text = log.read_text()
    assert "database unavailable, intake waits" in text and "Traceback" not in text, text[-3000:]
    assert len(list((outbox / "new").iterdir())) == 5
    figures = {
        "hold_s": hold,
        "ingest_exit_75_after_s": round(ingest_s, 1),
        "caught_up_after_release_s": round(caught_up_s, 1),
    }
    print(f"database locked: {figures}; status said {problems[0][:100]!r}")
    return figures


def test_database_locked_by_another_process_fast(tmp_path: Path) -> None:
    figures = locked_database(tmp_path, busy=1.0, hold=6.0)
    assert figures["ingest_exit_75_after_s"] < 6.0


@pytest.mark.slow
@heavy
def test_database_locked_for_40_seconds(tmp_path: Path) -> None:
    figures = locked_database(tmp_path, busy=None, hold=40.0)
    assert figures["ingest_exit_75_after_s"] < 40.0


# --- disk full ------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs for the state directory; skipped where this container may not mount."""
    mount = tmp_path / "state"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        absent(f"cannot mount a small tmpfs here (disk-full test needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    """Write until the filesystem says ENOSPC."""
    filler = directory / "filler"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    return filler


def test_disk_full_stops_intake_without_losing_anything_and_resumes(tmp_path: Path, small_disk: Path) -> None:
    inbox, outbox = maildir(tmp_path / "inbox"), tmp_path / "outbox"
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{outbox}", "ack_limit_per_hour = 1000")
    log = tmp_path / "daemon.log"
    with open(log, "wb") as fh:
        daemon = subprocess.Popen(stopit_cmd(config, None, "run"), cwd=ROOT, stderr=fh)
    try:
        wait_for(lambda: b"connected to" in log.read_bytes(), 30, "the daemon")
        filler = fill(small_disk)
        for n in range(5):
            (inbox / "new" / f"r{n}").write_bytes(report(n) + b"x" * 20_000)
        ingest = subprocess.run(stopit_cmd(config, None, "ingest"), input=report(99), cwd=ROOT, capture_output=True)
        assert ingest.returncode == 75, ingest.stderr.decode()[-1000:]
        wait_for(lambda: b"database unavailable" in log.read_bytes(), 30, "the daemon to say the disk is full")
        problems = status_json(config)["problems"]
        assert any("disk nearly full" in p for p in problems), problems
        assert daemon.poll() is None and count(config, CASES) == 0
        assert len(list((inbox / "new").iterdir())) == 5  # nothing taken that could not be stored
        filler.unlink()
        # The five waiting reports are taken once there is room. The piped one may have reached the
        # database before the disk filled up even though ingest said 75 (a later step failed): the mail
        # server's retry then finds it stored, and either way it becomes exactly one case.
        wait_for(lambda: count(config, CASES) >= 5 and count(config, SENT) >= 5, 90, "intake to resume")
        assert not list((inbox / "new").iterdir())
        ingest = subprocess.run(stopit_cmd(config, None, "ingest"), input=report(99), cwd=ROOT, capture_output=True)
        assert ingest.returncode == 0, ingest.stderr.decode()[-1000:]
        wait_for(lambda: count(config, CASES) == 6 and count(config, SENT) == 6, 30, "the piped report")
        time.sleep(1)
        assert count(config, CASES) == 6  # never doubled
        assert daemon.poll() is None
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert stopit(config, "audit", "verify").exit_code == 0
    print("disk full: 5 reports waited in the Maildir and 1 piped report got 75; all 6 cases after space returned")
