"""The backbone end to end against a real Dovecot and a real aiosmtpd: reports in, cases and acks out."""

from __future__ import annotations

import email
import hashlib
import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from stopit.store import Store
from tests.conftest import ROOT, STOPIT, stopit, stopit_process
from tests.servers import HANG, Dovecot, SmtpSink, report_head, write_config

REPORTS = sorted((ROOT / "demo" / "reports").glob("*.eml"))
REPORTERS = {  # the demo files that are real reports, by sender
    "01-gmail-inline-forward.eml": "maria.lopez@campus.example.edu",
    "02-forward-as-attachment.eml": "j.okafor@campus.example.edu",
    "03-threat.eml": "sam.chen@campus.example.edu",
    "07-described-in-own-words.eml": "priya.n@campus.example.edu",
}


def report(n: int, sender: str = "") -> bytes:
    head = report_head(n, f"Fwd: horrible message {n}", sender=sender)
    return head + f"\r\nPlease help, this keeps happening ({n}).\r\n".encode()


def cases_json(config: Path) -> list[dict]:
    return json.loads(stopit(config, "cases", "list", "--json").output)


def case_json(config: Path, case_id: int) -> dict:
    return json.loads(stopit(config, "cases", "show", str(case_id), "--json").output)


def one_report_answered(dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path, answer: str) -> Path:
    """A desk whose SMTP server will answer its first DATA with `answer`, one report waiting in INBOX."""
    config = write_config(tmp_path, dovecot.url, smtp_sink.url)
    smtp_sink.handler.script.append(answer)
    dovecot.append(report(1))
    return config


def test_run_once_acknowledges_reports_and_never_answers_automatic_mail(
    dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    config = write_config(tmp_path, dovecot.url, smtp_sink.url)
    for path in REPORTS:
        dovecot.append(path.read_bytes())

    result = stopit(config, "run", "--once")
    assert result.exit_code == 0, result.output

    acks = smtp_sink.wait_for(len(REPORTERS))
    assert sorted(a.rcpt_tos[0] for a in acks) == sorted(REPORTERS.values())
    cases = cases_json(config)
    assert len(cases) == len(REPORTERS)
    by_reporter = {c["reporter"]: c for c in cases}
    for ack in acks:
        msg = ack.message
        case = by_reporter[ack.rcpt_tos[0]]
        assert ack.mail_from == "stopit@campus.example.edu"
        assert msg["Subject"] == f"[stopit #{case['id']}] We received your report"
        assert msg["Auto-Submitted"] == "auto-replied"
        original = next(p for p, r in REPORTERS.items() if r == ack.rcpt_tos[0])
        original_id = email.message_from_bytes((ROOT / "demo/reports" / original).read_bytes())["Message-ID"]
        assert msg["In-Reply-To"] == original_id
        assert original_id in msg["References"]
        detail = case_json(config, case["id"])
        assert detail["ack_message_id"] == msg["Message-ID"]
        out = [m for m in detail["messages"] if m["direction"] == "out"]
        assert [m["message_id"] for m in out] == [msg["Message-ID"]]
        assert {e["type"] for e in detail["events"]} >= {"case.opened", "mail.queued", "mail.sent"}

    # Every message left INBOX only for Processed, and the desk kept exactly those bytes.
    assert dovecot.uids("INBOX") == []
    processed = dovecot.messages("Processed")
    assert len(processed) == len(REPORTS)
    store = Store(tmp_path / "state" / "stopit.db")
    for data in processed:
        row = store.row_for_sha256(hashlib.sha256(data).hexdigest())
        assert row is not None and store.raw_bytes(row) == data

    # A second run, and the same bytes appended again, change nothing.
    dovecot.append(REPORTS[0].read_bytes())
    assert stopit(config, "run", "--once").exit_code == 0
    assert len(cases_json(config)) == len(REPORTERS)
    assert len(smtp_sink.handler.received) == len(REPORTERS)
    assert dovecot.uids("INBOX") == []


def test_changed_uidvalidity_does_not_open_a_second_case(dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path) -> None:
    url = dovecot.url.replace("/INBOX", "/Reports")
    config = write_config(tmp_path, url, smtp_sink.url)
    client = dovecot.client()
    client.create_folder("Reports")
    client.append("Reports", report(1))
    data = report(2)
    client.append("Reports", data)
    assert stopit(config, "run", "--once").exit_code == 0
    # The folder is recreated, as after a server migration: a new UIDVALIDITY, the same messages.
    client.delete_folder("Reports")
    client.create_folder("Reports")
    client.append("Reports", data)
    client.logout()
    assert stopit(config, "run", "--once").exit_code == 0
    assert len(cases_json(config)) == 2
    assert len(smtp_sink.wait_for(2)) == 2


def test_ack_rate_limit_per_reporter(dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path) -> None:
    config = write_config(tmp_path, dovecot.url, smtp_sink.url, "ack_limit_per_hour = 2")
    for n in range(4):
        dovecot.append(report(n, "same.person@campus.example.edu"))
    assert stopit(config, "run", "--once").exit_code == 0
    assert len(cases_json(config)) == 4
    time.sleep(0.2)
    assert len(smtp_sink.handler.received) == 2
    skipped = [
        e
        for c in (3, 4)
        for e in case_json(config, c)["events"]
        if e["type"] == "ack.skipped"
    ]
    assert len(skipped) == 2 and "limit 2" in skipped[0]["detail"]


def test_temporary_smtp_failure_is_retried_and_delivered_once(
    dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    config = one_report_answered(dovecot, smtp_sink, tmp_path, "451 4.3.0 try again later")
    first = stopit(config, "run", "--once")
    assert first.exit_code == 75, first.output  # deferred: not failed, but not done either (EX_TEMPFAIL)
    assert smtp_sink.handler.received == []
    time.sleep(1.1)  # retry_base_seconds = 1
    assert stopit(config, "run", "--once").exit_code == 0
    assert len(smtp_sink.handler.received) == 1
    assert smtp_sink.handler.attempts == 2
    events = [e["type"] for e in case_json(config, 1)["events"]]
    assert events.index("mail.deferred") < events.index("mail.sent")
    assert stopit(config, "run", "--once").exit_code == 0
    assert len(smtp_sink.handler.received) == 1


def test_permanent_smtp_failure_is_recorded_and_not_retried(
    dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    config = one_report_answered(dovecot, smtp_sink, tmp_path, "550 5.1.1 no such user")
    assert stopit(config, "run", "--once").exit_code == 1
    failed = [e for e in case_json(config, 1)["events"] if e["type"] == "mail.failed"]
    assert len(failed) == 1 and "550" in failed[0]["detail"]
    time.sleep(1.1)
    stopit(config, "run", "--once")
    assert smtp_sink.handler.attempts == 1


def test_piped_ingest_stores_and_acknowledges_and_is_idempotent(
    dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    config = write_config(tmp_path, dovecot.url, smtp_sink.url)
    data = report(5)
    proc = subprocess.run(
        [*STOPIT, "--config", str(config), "ingest"], input=data, cwd=ROOT, capture_output=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert len(smtp_sink.wait_for(1)) == 1
    # The same message later also lands in the IMAP mailbox: one case, one acknowledgement.
    dovecot.append(data)
    assert stopit(config, "run", "--once").exit_code == 0
    assert len(cases_json(config)) == 1
    assert len(smtp_sink.handler.received) == 1
    assert dovecot.uids("INBOX") == []


def test_ingest_tempfails_when_it_cannot_store(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    config = tmp_path / "config.toml"
    config.write_text(f'[desk]\ndatabase = "{blocker}/stopit.db"\n')
    proc = subprocess.run(
        [*STOPIT, "--config", str(config), "ingest"],
        input=report(1),
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 75
    assert b"cannot store" in proc.stderr


@pytest.mark.slow
def test_daemon_acknowledges_over_idle_and_stops_on_sigterm(
    dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    config = write_config(tmp_path, dovecot.url, smtp_sink.url)
    proc = stopit_process(config, "run", stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + HANG
        line = ""
        while "connected to" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
        assert "connected to" in line
        time.sleep(0.3)  # let it enter IDLE
        dovecot.append(report(1))
        acks = smtp_sink.wait_for(1)
        assert len(acks) == 1
        assert acks[0].message["Subject"] == "[stopit #1] We received your report"
        # A piped message is stored by `stopit ingest` and processed by the running daemon.
        piped = subprocess.run(
            [*STOPIT, "--config", str(config), "ingest"], input=report(2), cwd=ROOT, capture_output=True, timeout=60
        )
        assert piped.returncode == 0 and b"the daemon takes it from here" in piped.stderr
        acks = smtp_sink.wait_for(2)
        assert [a.message["Subject"] for a in acks][1] == "[stopit #2] We received your report"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert dovecot.uids("INBOX") == []
    assert len(dovecot.uids("Processed")) == 1


def test_check_config_logs_in_and_connects_and_says_what_works(
    dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    config = write_config(tmp_path, dovecot.url, smtp_sink.url)
    result = stopit(config, "check-config")
    assert result.exit_code == 0, result.output
    assert "mailbox: ok" in result.output and "0 message(s) waiting" in result.output
    assert "smtp: ok" in result.output and "database: ok" in result.output
    (tmp_path / "imap.password").write_text("wrong\n")
    result = stopit(config, "check-config")
    assert result.exit_code == 1 and "mailbox: FAILED" in result.output
    assert "wrong" not in result.output  # a secret never appears in output


@pytest.mark.parametrize("scheme", ["imaps", "imap+starttls"])
def test_tls_to_the_mailbox_verified_against_its_certificate(scheme: str, smtp_sink: SmtpSink, tmp_path: Path) -> None:
    from tests.servers import start_dovecot

    server = start_dovecot(tls=True)
    try:
        port = server.imaps_port if scheme == "imaps" else server.port
        url = f"{scheme}://stopit@localhost:{port}/INBOX"
        config = write_config(tmp_path, url, smtp_sink.url)
        config.write_text(
            config.read_text().replace("poll_seconds = 5", f'poll_seconds = 5\ntls_ca_file = "{server.certificate}"')
        )
        server.append(report(1))
        assert stopit(config, "run", "--once").exit_code == 0
        assert len(smtp_sink.wait_for(1)) == 1
        assert server.uids("INBOX") == []
        # Without the CA the certificate cannot be verified, and the desk says so instead of going on.
        config.write_text(config.read_text().replace(f'tls_ca_file = "{server.certificate}"', ""))
        result = stopit(config, "check-config")
        assert result.exit_code == 1 and "CERTIFICATE_VERIFY_FAILED" in result.output
    finally:
        server.stop()
