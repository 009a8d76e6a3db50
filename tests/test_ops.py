"""Operating the desk as IT does: start, refuse, watch, reload, back up, upgrade — on real processes."""

from __future__ import annotations

import email
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT, STOPIT, stopit
from tests.servers import HANG, free_port, maildir, report_head, wait_for, write_config


def report(n: int, body: str = "") -> bytes:
    return report_head(n, f"Fwd: horrible message {n}") + f"\r\nPlease help, this keeps happening ({n}).\r\n{body}".encode()


def deliver(box: Path, data: bytes, name: str) -> None:
    (box / "tmp" / name).write_bytes(data)
    os.rename(box / "tmp" / name, box / "new" / name)


def outbox_files(box: Path) -> list[Path]:
    return sorted((box / "new").glob("*")) if (box / "new").is_dir() else []


def run_cli(config: Path, *args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*STOPIT, "--config", str(config), *args],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        env=env or {**os.environ, "PYTHONUNBUFFERED": "1"},
        **kw,
    )


class Daemon:
    """`stopit run` as a child process, its log in a file, always killed afterwards."""

    def __init__(self, config: Path, env: dict | None = None) -> None:
        self.log = config.parent / f"daemon-{time.time_ns()}.log"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        with open(self.log, "wb") as fh:
            self.proc = subprocess.Popen([*STOPIT, "--config", str(config), "run"], cwd=ROOT, stderr=fh, env=self.env)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_log(self, needle: str, timeout: float = HANG) -> None:
        try:
            wait_for(lambda: needle in self.text() or self.proc.poll() is not None, timeout, needle)
        except AssertionError:
            raise AssertionError(f"no {needle!r} within {timeout} s; the daemon's log:\n{self.text()}") from None
        assert needle in self.text(), self.text()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """(config, inbox, outbox) of a Maildir-to-Maildir desk."""
    inbox, outbox = maildir(tmp_path / "inbox"), tmp_path / "outbox"
    yield (
        write_config(tmp_path, f"maildir://{inbox}", f"maildir://{outbox}", 'emergency_text = "Call 112."'),
        inbox,
        outbox,
    )


# --- the command line ---------------------------------------------------------------------------


def test_version_and_short_help() -> None:
    from importlib.metadata import version

    out = subprocess.run([*STOPIT, "--version"], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == f"stopit {version('stopit')}"
    for args in (["-h"], ["status", "-h"], ["rules", "check", "-h"]):
        result = subprocess.run([*STOPIT, *args], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0 and result.stdout.startswith("Usage: "), args


def test_group_help_promises_only_commands_that_exist() -> None:
    from stopit.cli import main

    # Verbs that name a command; "check" and "verify" are left out, help uses them as plain words.
    verbs = {"list", "show", "release", "export", "add", "remove", "edit"}
    for name, group in main.commands.items():
        if not hasattr(group, "commands"):
            continue
        promised = {w.strip(",.").lower() for w in (group.help or "").split()} & verbs
        assert promised <= set(group.commands), f"stopit {name} --help promises {promised - set(group.commands)}"


def test_the_scheduler_says_nothing_at_info(tmp_path: Path) -> None:
    import logging

    config = write_config(tmp_path, f"maildir://{tmp_path / 'in'}", f"maildir://{tmp_path / 'out'}")
    stopit(config, "status")
    # "Job … executed successfully" came every 15 s at INFO; warnings and errors still show.
    for name in ("apscheduler", "apscheduler.executors.default", "apscheduler.scheduler"):
        logger = logging.getLogger(name)
        assert not logger.isEnabledFor(logging.INFO) and logger.isEnabledFor(logging.WARNING), name


def test_read_only_commands_never_create_a_database(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"maildir://{tmp_path / 'in'}", f"maildir://{tmp_path / 'out'}")
    for args in (
        ["cases", "list"],
        ["cases", "show", "1"],
        ["audit", "verify"],
        ["quarantine", "list"],
        ["migrate", "--dry-run"],
        ["backup", str(tmp_path / "bk")],
    ):
        result = stopit(config, *args)
        assert result.exit_code == 1, (args, result.output)
        assert f"no database at {tmp_path / 'state' / 'stopit.db'}" in result.output, (args, result.output)
        assert not (tmp_path / "state" / "stopit.db").exists(), args
    result = stopit(config, "status")
    assert result.exit_code == 2 and "no database at" in result.output
    assert not (tmp_path / "state").exists()


def test_stopit_config_variable_is_read_by_every_command(tmp_path: Path) -> None:
    site = tmp_path / "site-rules"
    site.mkdir()
    (site / "50-broken.toml").write_text('name = "broken"\nqueue = "nowhere"\n[match]\nall = true\n')
    config = write_config(tmp_path, f"maildir://{tmp_path / 'in'}", "maildir:///x", f'rules_dirs = ["{site}"]')
    env = {**os.environ, "STOPIT_CONFIG": str(config)}
    result = subprocess.run([*STOPIT, "rules", "check"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 1 and "50-broken.toml" in result.stdout, result.stdout + result.stderr
    result = subprocess.run([*STOPIT, "cases", "list"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"no database at {tmp_path / 'state' / 'stopit.db'}" in result.stderr


# --- check-config and run agree --------------------------------------------------------------------


def _site_rule_with_toml_error(tmp_path: Path) -> str:
    site = tmp_path / "rules"
    site.mkdir()
    (site / "50-site.toml").write_text('name = "site"\nqueue = "stopit"\n[match\nall = true\n')
    return f'rules_dirs = ["{site}"]'


def _site_template_with_undefined_variable(tmp_path: Path) -> str:
    site = tmp_path / "templates" / "reporter"
    site.mkdir(parents=True)
    (site / "ack.txt.j2").write_text("Dear {{ reporter_name }},\nyour case is {{ case_number }}.\n")
    return f'templates_dir = "{tmp_path / "templates"}"'


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_site_rule_with_toml_error, "50-site.toml"),
        (_site_template_with_undefined_variable, "case_number"),
        (lambda tmp: f'rules_dirs = ["{tmp / "no-such-rules"}"]', "desk.rules_dirs:"),
        (lambda tmp: f'templates_dir = "{tmp / "no-such-templates"}"', "desk.templates_dir:"),
    ],
    ids=["rule-toml-error", "template-undefined-variable", "missing-rules-dir", "missing-templates-dir"],
)
def test_run_refuses_what_check_config_rejects(tmp_path: Path, make, expected: str) -> None:
    inbox = maildir(tmp_path / "inbox")
    deliver(inbox, report(1), "r1")
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{tmp_path / 'out'}", make(tmp_path))
    checked = run_cli(config, "check-config", "--offline")
    assert checked.returncode == 1 and expected in checked.stdout.decode(), checked.stdout
    ran = run_cli(config, "run", "--once")
    err = ran.stderr.decode()
    assert ran.returncode == 1 and expected in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "state" / "stopit.db").exists()  # refused before touching anything
    assert len(list((inbox / "new").iterdir())) == 1


def test_placeholders_are_flagged_until_the_site_sets_them(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"maildir://{tmp_path / 'in'}", f"maildir://{tmp_path / 'out'}")
    out = stopit(config, "check-config", "--offline").output
    flagged = {line.split(":")[1].strip() for line in out.splitlines() if line.startswith("warning:")}
    assert flagged == {"desk.organization", "desk.emergency_text", "desk.idhr_text", "desk.confidential_text"}
    config.write_text(
        config.read_text().replace(
            "[desk]\n",
            '[desk]\norganization = "Bay College"\nemergency_text = "Call 112."\n'
            'idhr_text = "Write to equity@bay.example."\nconfidential_text = "The chaplain listens."\n',
        )
    )
    out = stopit(config, "check-config", "--offline").output
    assert "warning:" not in out and "valid" in out


def test_shipped_texts_carry_no_real_institution() -> None:
    from stopit.config import SETTINGS

    text = " ".join(str(s.default) for s in SETTINGS) + (ROOT / "config.example.toml").read_text()
    for real in ("617-253", "Ombuds Office", "Chaplains", "Violence Prevention", "Institute Discrimination"):
        assert real not in text, real


def test_check_config_calls_an_smtp_failure_an_smtp_failure(tmp_path: Path) -> None:
    inbox = maildir(tmp_path / "inbox")
    config = write_config(tmp_path, f"maildir://{inbox}", f"smtp://127.0.0.1:{free_port()}")
    result = stopit(config, "check-config")
    assert result.exit_code == 1
    assert "mailbox: ok" in result.output and "smtp: FAILED" in result.output
    assert "Traceback" not in result.output


def _unit() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (ROOT / "systemd" / "stopit.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_the_unit_and_the_readme_tell_one_story() -> None:
    from stopit.config import SECRET_SETTINGS

    unit, readme = _unit(), (ROOT / "README.md").read_text()
    assert unit["Type"] == ["notify"] and unit["WatchdogSec"] and unit["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert "DynamicUser" not in unit and unit["User"] == ["stopit"]
    assert f"useradd --system --home-dir /var/lib/stopit --shell /usr/sbin/nologin {unit['User'][0]}" in readme
    credentials = dict(c.split(":", 1) for c in unit["LoadCredential"])
    # Every credential the unit loads is one the config reads, and the README creates its file.
    assert set(credentials) == {s.credential for s in SECRET_SETTINGS.values()}
    for name, path in credentials.items():
        assert f"/etc/stopit/credentials/{name}" == path and f"tee {path}" in readme, name
    assert f"user={unit['User'][0]} argv={unit['ExecStart'][0].split(' run')[0]}" in readme.replace("  ", " ")


@pytest.mark.skipif(
    not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed (.ci/run installs it)"
)
def test_the_unit_verifies_cleanly_and_exposes_at_most_2_0(tmp_path: Path) -> None:
    unit = (ROOT / "systemd" / "stopit.service").read_text()
    (tmp_path / "stopit.service").write_text(
        unit.replace("/opt/stopit/.venv/bin/stopit", str(ROOT / ".venv/bin/stopit"))
    )
    verify = subprocess.run(
        ["systemd-analyze", "verify", "stopit.service"], cwd=tmp_path, capture_output=True, text=True
    )
    assert verify.returncode == 0 and verify.stdout + verify.stderr == "", verify.stderr
    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "stopit.service"], cwd=tmp_path, capture_output=True, text=True
    )
    score = float(security.stdout.rsplit("Overall exposure level for stopit.service:", 1)[1].split()[0])
    assert score <= 2.0, security.stdout


# --- systemd, status, one daemon per database -------------------------------------------------------


def test_systemd_notify_ready_before_the_mailbox_then_status_watchdog_stopping(tmp_path: Path) -> None:
    # The mailbox is down at boot: the desk is still READY once its database is, and says why in STATUS.
    config = write_config(tmp_path, f"imap://stopit@127.0.0.1:{free_port()}/INBOX", f"maildir://{tmp_path / 'o'}")
    sock_dir = tempfile.mkdtemp()
    path = os.path.join(sock_dir, "notify")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(20)
    daemon = Daemon(config, {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"})
    messages: list[str] = []

    def until(predicate) -> None:
        while not predicate():
            messages.append(server.recv(4096).decode())

    try:
        until(lambda: any("READY=1" in m for m in messages))
        ready = next(m for m in messages if "READY=1" in m)
        assert "STATUS=database ready" in ready
        until(lambda: any("STATUS=mailbox unavailable" in m for m in messages))
        until(lambda: sum(m == "WATCHDOG=1" for m in messages) >= 3)
        status = run_cli(config, "status", "--json")
        health = json.loads(status.stdout)
        assert status.returncode == 1 and health["verdict"] == "degraded"
        assert health["mailbox_state"].startswith("unavailable") and health["daemon_pid"] == daemon.proc.pid
        daemon.proc.send_signal(signal.SIGTERM)
        until(lambda: "STOPPING=1" in messages)
        assert daemon.proc.wait(timeout=20) == 0
    finally:
        daemon.stop()
        server.close()
    assert run_cli(config, "status").returncode == 2


def test_a_second_daemon_on_the_same_database_refuses_with_one_line(desk) -> None:
    config, _, _ = desk
    first = Daemon(config)
    try:
        first.wait_log("connected to")
        second = run_cli(config, "run")
        err = second.stderr.decode().strip()
        assert second.returncode == 1 and len(err.splitlines()) == 1, err
        assert f"another stopit daemon (pid {first.proc.pid})" in err
        assert first.proc.poll() is None
    finally:
        assert first.stop() == 0


def test_status_healthy_then_degraded_by_quarantine(desk) -> None:
    config, inbox, outbox = desk
    daemon = Daemon(config)
    try:
        daemon.wait_log("connected to")
        deliver(inbox, report(1), "r1")
        wait_for(lambda: len(outbox_files(outbox)) >= 1, what="acknowledgement")
        wait_for(lambda: run_cli(config, "status").returncode == 0, what="healthy status")
        health = json.loads(run_cli(config, "status", "--json").stdout)
        assert health["mailbox_state"] == "connected" and health["last_mailbox_contact"]
        assert health["backlog"] == 0 and health["outbox_queued"] == 0 and health["quarantined"] == 0
        assert health["db_bytes"] > 0 and health["blob_bytes"] == 0
        deliver(inbox, b"", "empty")
        wait_for(lambda: json.loads(run_cli(config, "status", "--json").stdout)["quarantined"] == 1, what="quarantine")
        degraded = run_cli(config, "status")
        assert degraded.returncode == 1 and b"in quarantine" in degraded.stdout
    finally:
        daemon.stop()


# --- ingest from the mail server ---------------------------------------------------------------------


def test_eight_concurrent_ingests_on_a_fresh_database_never_bounce(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"maildir://{tmp_path / 'in'}", f"maildir://{tmp_path / 'out'}")

    def one(n: int) -> tuple[int, str]:
        done = run_cli(config, "ingest", input=report(n))
        return done.returncode, done.stderr.decode(errors="replace")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(8)))
    codes = [code for code, _ in results]
    assert set(codes) <= {0, 75}, results
    stored = sqlite3.connect(tmp_path / "state" / "stopit.db").execute(
        "SELECT COUNT(*) FROM messages WHERE direction='in'"
    )
    assert stored.fetchone()[0] == codes.count(0)


def test_ingest_that_cannot_store_asks_the_mail_server_to_retry(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("a file where the state directory should be")
    config = write_config(tmp_path, f"maildir://{tmp_path / 'in'}", f"maildir://{tmp_path / 'out'}")
    result = run_cli(config, "ingest", input=report(1))
    assert result.returncode == 75 and b"cannot store the message now" in result.stderr
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("data", [b"", b"\n\n", bytes(range(256)) * 40], ids=["empty", "blank", "binary"])
def test_empty_or_garbage_input_is_stored_and_quarantined_without_a_case(desk, data: bytes) -> None:
    config, _, outbox = desk
    result = run_cli(config, "ingest", input=data)
    assert result.returncode == 0, result.stderr
    assert json.loads(stopit(config, "cases", "list", "--json").output) == []
    entries = json.loads(stopit(config, "quarantine", "list", "--json").output)
    assert len(entries) == 1 and entries[0]["stage"] == "intake"
    assert outbox_files(outbox) == []


def test_a_template_failing_at_send_time_still_opens_the_case_and_tells_the_desk(tmp_path: Path) -> None:
    inbox, outbox = maildir(tmp_path / "inbox"), tmp_path / "outbox"
    site = tmp_path / "templates" / "reporter"
    site.mkdir(parents=True)
    (site / "ack.txt.j2").write_text("Dear {{ reporter_name }}, case {{ case_id }} is open.\n")
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{outbox}", f'templates_dir = "{site.parent}"')
    queues = "".join(f"[queues.{q}]\n" for q in ("police", "idhr", "abuse"))
    staff = '[queues.stopit]\nstaff = ["desk-staff@campus.example.edu"]\n'
    config.write_text(config.read_text() + "\n" + staff + queues)
    daemon = Daemon(config)
    try:
        daemon.wait_log("connected to")
        # The site edits the template in place while the desk runs, and gets it wrong.
        (site / "ack.txt.j2").write_text("Dear {{ reporter_name }}, case {{ case_number }} is open.\n")
        deliver(inbox, report(1), "r1")
        wait_for(lambda: len(outbox_files(outbox)) >= 3, what="ack, office mail and the desk's alert")
    finally:
        daemon.stop()
    detail = json.loads(stopit(config, "cases", "show", "1", "--json").output)
    failed = [e for e in detail["events"] if e["type"] == "template.failed"]
    assert len(failed) == 1 and "case_number" in failed[0]["detail"]
    mails = [email.message_from_bytes(p.read_bytes()) for p in outbox_files(outbox)]
    to_reporter = [m for m in mails if m["To"] == "student1@campus.example.edu"]
    alert = [m for m in mails if "Template reporter/ack.txt.j2 failed" in m["Subject"]]
    assert len(to_reporter) == 1 and "is open" not in to_reporter[0].get_payload(decode=True).decode()
    assert len(alert) == 1 and alert[0]["To"] == "desk-staff@campus.example.edu"
    assert "case_number" in alert[0].get_payload(decode=True).decode()
    assert stopit(config, "quarantine", "list", "--json").output.strip() == "[]"


# --- reload ------------------------------------------------------------------------------------------


def test_sighup_applies_mailbox_and_smtp_changes_and_refuses_a_database_change(desk, tmp_path: Path) -> None:
    config, inbox, outbox = desk
    daemon = Daemon(config)
    try:
        daemon.wait_log("connected to")
        inbox2, outbox2 = maildir(tmp_path / "inbox2"), tmp_path / "outbox2"
        config.write_text(config.read_text().replace(str(inbox), str(inbox2)).replace(str(outbox), str(outbox2)))
        daemon.proc.send_signal(signal.SIGHUP)
        daemon.wait_log(f"connected to maildir://{inbox2}")
        assert "reconnecting mailbox and smtp" in daemon.text()
        deliver(inbox2, report(2), "r2")
        wait_for(lambda: outbox_files(outbox2), what="acknowledgement through the new SMTP settings")
        assert outbox_files(outbox) == []
        config.write_text(config.read_text().replace("state/stopit.db", "other/stopit.db"))
        daemon.proc.send_signal(signal.SIGHUP)
        daemon.wait_log("reload refused")
        assert "desk.database changed" in daemon.text()
        assert daemon.proc.poll() is None
    finally:
        assert daemon.stop() == 0
    # The scheduler's "Job … executed successfully" chatter stays out of the journal.
    assert "executed successfully" not in daemon.text()


# --- backup and upgrades -----------------------------------------------------------------------------


def test_backup_while_the_daemon_writes_is_consistent_and_restores(desk, tmp_path: Path) -> None:
    config, inbox, outbox = desk
    big = "x" * (1_200_000)  # stored as a blob file beside the database
    daemon = Daemon(config)
    try:
        daemon.wait_log("connected to")
        deliver(inbox, report(0, big), "big")
        wait_for(lambda: outbox_files(outbox), what="first acknowledgement")
        for n in range(1, 30):
            deliver(inbox, report(n), f"r{n}")
        result = run_cli(config, "backup", str(tmp_path / "bk"))
        assert result.returncode == 0, result.stderr
    finally:
        daemon.stop()
    copy = sqlite3.connect(tmp_path / "bk" / "stopit.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    blobs = [r[0] for r in copy.execute("SELECT blob_path FROM messages WHERE blob_path IS NOT NULL")]
    copy.close()
    assert blobs and all((tmp_path / "bk" / b).is_file() for b in blobs)
    for secret in ("audit.key", "desk.secret"):  # made at first use; a restored desk needs the same ones
        assert (tmp_path / "bk" / secret).read_bytes() == (tmp_path / "state" / secret).read_bytes(), secret
    # Restore as the README says: the backup's files become the state directory of a desk.
    restored = tmp_path / "restored"
    restored.mkdir()
    restored_config = restored / "config.toml"
    restored_config.write_text(
        config.read_text().replace(str(tmp_path / "state" / "stopit.db"), str(tmp_path / "bk" / "stopit.db"))
    )
    assert "event log intact" in stopit(restored_config, "audit", "verify").output
    assert json.loads(stopit(restored_config, "cases", "show", "1", "--json").output)["id"] == 1
    refused = stopit(config, "backup", str(tmp_path / "bk"))
    assert refused.exit_code == 1 and "not empty" in refused.output


def test_migrate_dry_run_lists_pending_then_run_applies_them(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from stopit.migrations import migrations
    from stopit.store import MIGRATION_NAMES

    config = write_config(tmp_path, f"maildir://{maildir(tmp_path / 'in')}", f"maildir://{tmp_path / 'o'}")
    db_path = tmp_path / "state" / "stopit.db"
    db_path.parent.mkdir()
    old = Database(db_path)
    migrations.apply(old, stop_before=MIGRATION_NAMES[-2])
    old.close()
    before = db_path.read_bytes()
    dry = stopit(config, "migrate", "--dry-run")
    assert dry.output.split() == ["pending:", MIGRATION_NAMES[-2], "pending:", MIGRATION_NAMES[-1]]
    assert db_path.read_bytes() == before  # a dry run writes nothing
    assert stopit(config, "run", "--once").exit_code == 0  # upgrades apply at start
    assert stopit(config, "migrate", "--dry-run").output.strip() == "the schema is current"


def test_status_counts_overdue_follow_ups_and_reads_a_database_without_their_table(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlite_utils import Database

    from stopit.migrations import migrations
    from stopit.status import gather
    from stopit.store import Store

    old_db = tmp_path / "old" / "stopit.db"
    old_db.parent.mkdir()
    db = Database(old_db)
    migrations.apply(db, stop_before="0004_case_route")  # long before follow-ups existed
    db.close()
    assert gather(old_db, 60).followups_overdue is None

    store = Store(tmp_path / "new" / "stopit.db")
    now = datetime.now(UTC)
    with store.transaction():
        case = store.open_case("stopit", "r@campus.example.edu", "s", "0" * 64)
        for hours in (-48, -1, 2):  # two are past their time, one is still ahead
            store.conn.execute(
                "INSERT INTO followups (case_id, kind, due_at, created_at) VALUES (?, 'reminder', ?, ?)",
                (case, (now + timedelta(hours=hours)).isoformat(), now.isoformat()),
            )
    store.close()
    health = gather(tmp_path / "new" / "stopit.db", 60)
    assert health.followups_overdue == 2 and "2 follow-up(s) overdue" in health.problems


def test_a_blob_purged_during_a_backup_means_a_newer_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stopit.backup as backup_mod
    from stopit.models import RawMessage
    from stopit.store import Store

    store = Store(tmp_path / "state" / "stopit.db")
    kept, purged = (RawMessage(report(n, "y" * 1_100_000), "test") for n in (1, 2))
    for raw in (kept, purged):
        store.store_incoming(raw)
    store.close()
    copy = backup_mod.shutil.copyfile
    purged_at = []

    def purge_then_copy(src, dst):
        if Path(src).name == purged.sha256 and not purged_at:
            # What `stopit purge` does between our snapshot and our copy: rows first, then the file.
            live = sqlite3.connect(tmp_path / "state" / "stopit.db")
            live.execute("DELETE FROM messages WHERE sha256=?", (purged.sha256,))
            live.commit()
            live.close()
            Path(src).unlink()
            purged_at.append(src)
        return copy(src, dst)

    monkeypatch.setattr(backup_mod.shutil, "copyfile", purge_then_copy)
    result = backup_mod.backup(tmp_path / "state" / "stopit.db", tmp_path / "bk")
    assert purged_at and result.blobs == 1
    names = [p.name for p in (tmp_path / "bk" / "blobs").rglob("*") if p.is_file()]
    assert names == [kept.sha256]
