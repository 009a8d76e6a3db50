"""The relay misbehaves: 4xx answers, 5xx answers, a connection closed mid-DATA, a timeout, and our own
process killed mid-DATA. Temporary faults retry until delivered, permanent ones fail once and stay
failed; delivery is at least once, and a mail delivered twice carries the same Message-ID both times.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from stopit.act.send import drain, make_transport
from stopit.config import Config, load
from stopit.desk import Desk, handle
from stopit.models import RawMessage
from tests.conftest import ROOT, STOPIT, stopit
from tests.servers import SinkHandler, SmtpSink, start_controller, write_config
from tests.test_crash import maildir, report


@dataclass
class FaultyHandler(SinkHandler):
    """Before answering each DATA, takes the next fault: "close", "sleep:S", or an SMTP reply line."""

    faults: list[str] = field(default_factory=list)
    data_started: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.data_started.set()
        fault = self.faults.pop(0) if self.faults else ""
        if fault == "close":
            self.attempts += 1
            server.transport.close()
            return "421 closing"
        if fault.startswith("sleep:"):
            await asyncio.sleep(float(fault.split(":")[1]))
        elif fault:
            self.attempts += 1
            return fault
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def faulty_sink() -> Iterator[SmtpSink]:
    handler = FaultyHandler()
    controller, port = start_controller(handler)
    try:
        yield SmtpSink(controller, handler, port)
    finally:
        controller.stop()


def one_report_desk(tmp_path: Path, smtp_url: str) -> tuple[Desk, Config]:
    inbox = maildir(tmp_path / "inbox")
    path = write_config(tmp_path, f"maildir://{inbox}", smtp_url)
    path.write_text(path.read_text().replace("retry_base_seconds = 1", "retry_base_seconds = 1\ntimeout_seconds = 2"))
    cfg = load(str(path))
    desk = Desk.open(cfg)
    assert handle(desk, RawMessage(report(1), "test")).case_id == 1
    return desk, cfg


def drain_until_settled(desk: Desk, cfg: Config, rounds: int = 6) -> list[dict[str, int]]:
    """Drain, and again once each retry is due, until nothing is queued."""
    counts = []
    for _ in range(rounds):
        transport = make_transport(cfg)

        async def once(t=transport) -> dict[str, int]:
            try:
                return await drain(desk.store, t, cfg)
            finally:
                await t.close()

        counts.append(asyncio.run(once()))
        if "queued" not in desk.store.outbox_counts():
            break
        time.sleep(1.1)
    return counts


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        ("421 4.3.2 service shutting down", "sent"),
        ("451 4.3.0 local error", "sent"),
        ("452 4.3.1 insufficient storage", "sent"),
        ("close", "sent"),
        ("sleep:3", "sent"),  # longer than smtp.timeout_seconds = 2
        ("550 5.1.1 mailbox unknown", "failed"),
        ("554 5.7.1 rejected", "failed"),
    ],
)
def test_relay_faults_are_retried_or_failed_and_never_lose_the_mail(
    tmp_path: Path, faulty_sink: SmtpSink, fault: str, outcome: str
) -> None:
    handler = faulty_sink.handler
    assert isinstance(handler, FaultyHandler)
    handler.faults.append(fault)
    desk, cfg = one_report_desk(tmp_path, faulty_sink.url)
    rounds = drain_until_settled(desk, cfg)
    print(f"{fault}: drains {rounds}")
    assert desk.store.outbox_counts() == {outcome: 1}
    assert rounds[0]["deferred" if outcome == "sent" else "failed"] == 1
    ids = Counter(r.message["Message-ID"] for r in handler.received)
    if outcome == "failed":
        assert not ids and len(rounds) == 1
        return
    # At least once: a relay that took the mail but never said so (the timeout) may get it again,
    # with the same Message-ID, so the recipient's client shows one message.
    assert len(ids) == 1, ids
    assert sum(ids.values()) == 1 or (fault.startswith("sleep") and sum(ids.values()) == 2)
    assert stopit(cfg.path, "audit", "verify").exit_code == 0


def test_kill_9_in_the_middle_of_smtp_data_resends_the_same_message_id(tmp_path: Path, faulty_sink: SmtpSink) -> None:
    handler = faulty_sink.handler
    assert isinstance(handler, FaultyHandler)
    handler.faults.append("sleep:4")
    inbox = maildir(tmp_path / "inbox")
    config = write_config(tmp_path, f"maildir://{inbox}", faulty_sink.url)
    (inbox / "new" / "r1").write_bytes(report(1))

    def daemon(log: str) -> subprocess.Popen:
        with open(tmp_path / log, "wb") as fh:
            return subprocess.Popen([*STOPIT, "--config", str(config), "run"], cwd=ROOT, stderr=fh)

    first = daemon("first.log")
    try:
        assert handler.data_started.wait(30), (tmp_path / "first.log").read_text()
        time.sleep(0.5)  # the message is being sent: the relay holds DATA open
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    second = daemon("second.log")
    try:
        deadline = time.monotonic() + 30
        while not handler.received and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    ids = Counter(r.message["Message-ID"] for r in handler.received)
    print(f"killed mid-DATA: relay received {dict(ids)}")
    # The killed sender's DATA may still complete at the relay; the restarted one resends the row it
    # found 'sending': at least once, never a second, different mail.
    assert len(ids) == 1 and 1 <= sum(ids.values()) <= 2
    desk = Desk.open(load(str(config)))
    assert desk.store.outbox_counts() == {"sent": 1}
    events = [e["type"] for e in (desk.store.case_detail(1) or {})["events"]]
    assert events.count("mail.interrupted") == 1 and events.count("mail.sent") == 1
    assert stopit(config, "audit", "verify").exit_code == 0
