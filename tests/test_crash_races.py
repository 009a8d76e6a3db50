"""One processor per database, and claims by compare-and-set: racing processes never double a case or a mail.

Each test races real `stopit` processes on one Maildir and one database, then counts: exactly one case
per report, exactly one acknowledgement per case (one file per outbox row), nothing left unprocessed.
"""

from __future__ import annotations

import email
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.conftest import ROOT
from tests.servers import write_config
from tests.test_ops import deliver, maildir, report, run_cli


def desk_config(tmp_path: Path) -> tuple[Path, Path, Path]:
    inbox, outbox = maildir(tmp_path / "inbox"), tmp_path / "outbox"
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{outbox}", "ack_limit_per_hour = 100000")
    return config, inbox, outbox


def tally(config: Path, outbox: Path) -> dict[str, object]:
    """What a race left behind: cases per report, acknowledgements per case, rows not yet done."""
    db = sqlite3.connect(config.parent / "state" / "stopit.db")
    try:
        cases = Counter(r[0] for r in db.execute("SELECT report_sha256 FROM cases"))
        unfinished = db.execute("SELECT COUNT(*) FROM messages WHERE direction='in' AND state='received'").fetchone()
        reports = db.execute("SELECT COUNT(*) FROM messages WHERE direction='in'").fetchone()[0]
        queued = dict(db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"))
    finally:
        db.close()
    files = sorted((outbox / "new").glob("*")) if (outbox / "new").is_dir() else []
    acks: Counter[str] = Counter()
    for path in files:
        msg = email.message_from_bytes(path.read_bytes())
        acks[f"{msg['To']} {msg['Subject']}"] += 1
    return {
        "reports": reports,
        "cases": sum(cases.values()),
        "doubled_cases": sum(n - 1 for n in cases.values() if n > 1),
        "unfinished": unfinished[0],
        "outbox": queued,
        "files": len(files),
        "doubled_mail": sum(n - 1 for n in acks.values() if n > 1),
    }


def assert_exactly_once(result: dict[str, object], reports: int) -> None:
    print(f"race result: {json.dumps(result)}")
    assert result["reports"] == reports
    assert result["doubled_cases"] == 0 and result["cases"] == reports, result
    assert result["unfinished"] == 0, result
    assert result["doubled_mail"] == 0 and result["files"] == reports, result
    assert result["outbox"] == {"sent": reports}, result


def test_two_run_once_on_one_maildir_and_database(tmp_path: Path) -> None:
    config, inbox, outbox = desk_config(tmp_path)
    for n in range(60):
        deliver(inbox, report(n), f"r{n}")
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: run_cli(config, "run", "--once"), range(2)))
    for r in results:
        assert r.returncode == 0 or b"already runs" in r.stderr, r.stderr[-2000:]
    run_cli(config, "run", "--once")  # whatever a refused run left, the next one takes
    assert_exactly_once(tally(config, outbox), 60)


def test_forty_parallel_ingests_without_a_daemon_send_each_mail_once(tmp_path: Path) -> None:
    config, _, outbox = desk_config(tmp_path)
    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(lambda n: ingest_as_the_mta_does(config, n), range(40)))
    assert [r.returncode for r in results] == [0] * 40, [r.stderr[-500:] for r in results if r.returncode]
    assert_exactly_once(tally(config, outbox), 40)


def ingest_as_the_mta_does(config: Path, n: int, tries: int = 4):
    """Pipe report n to `stopit ingest`; on 75 (EX_TEMPFAIL, e.g. the database busy past ingest's timeout)
    try again a moment later, as Postfix does. The promise under test: each report ends up exactly once."""
    for attempt in range(tries):
        result = run_cli(config, "ingest", input=report(n))
        if result.returncode != 75:
            return result
        time.sleep(0.5 * (attempt + 1))
    return result


def test_ingest_beside_a_run_once_loop(tmp_path: Path) -> None:
    config, _, outbox = desk_config(tmp_path)
    done = threading.Event()

    def loop() -> None:
        while not done.is_set():
            run_cli(config, "run", "--once")

    runner = threading.Thread(target=loop)
    runner.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda n: ingest_as_the_mta_does(config, n), range(40)))
    finally:
        done.set()
        runner.join()
    assert [r.returncode for r in results] == [0] * 40
    run_cli(config, "run", "--once")  # a message stored while a run held the lock waits for the next run
    assert_exactly_once(tally(config, outbox), 40)


_RACE_WITHOUT_LOCK = """
import sys
from stopit import config as config_mod
from stopit.desk import Desk, resume_unfinished
desk = Desk.open(config_mod.load(sys.argv[1]))
sys.stdout.write(str(sum(1 for o in resume_unfinished(desk) if not o.duplicate)))
"""


def test_claims_keep_one_case_per_report_even_when_two_processors_bypass_the_lock(tmp_path: Path) -> None:
    """A bug that lets two processes process at once must still not double anything."""
    from stopit.config import load
    from stopit.models import RawMessage
    from stopit.store import Store

    config, _, outbox = desk_config(tmp_path)
    store = Store(load(str(config)).database)
    for n in range(80):
        store.store_incoming(RawMessage(report(n), "test"))
    store.close()
    procs = [
        subprocess.Popen([sys.executable, "-c", _RACE_WITHOUT_LOCK, str(config)], cwd=ROOT, stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    applied = [int(p.communicate(timeout=300)[0] or 0) for p in procs]
    print(f"three processors without the lock applied {applied} of 80")
    assert sum(applied) == 80
    run_cli(config, "run", "--once")  # sends what the three queued
    assert_exactly_once(tally(config, outbox), 80)


def test_outbox_claims_make_two_senders_send_each_row_once(tmp_path: Path) -> None:
    import asyncio

    from stopit.act.send import MaildirTransport, drain
    from stopit.config import load
    from stopit.desk import Desk, handle
    from stopit.models import RawMessage

    config, _, outbox = desk_config(tmp_path)
    cfg = load(str(config))
    desks = [Desk.open(cfg), Desk.open(cfg)]
    for n in range(30):
        handle(desks[0], RawMessage(report(n), "test"))

    class Slow(MaildirTransport):
        async def send(self, delivery):  # give the other sender time to try the same row
            await asyncio.sleep(0.001)
            return await super().send(delivery)

    async def both() -> list[dict[str, int]]:
        return await asyncio.gather(*(drain(d.store, Slow(outbox), cfg) for d in desks))

    counts = asyncio.run(both())
    print(f"two senders on one outbox: {counts}")
    assert sum(c["sent"] for c in counts) == 30
    assert_exactly_once(tally(config, outbox), 30)


def test_maildir_outbox_delivery_is_idempotent_after_a_crash_between_send_and_mark(tmp_path: Path) -> None:
    import asyncio

    from stopit.act.send import MaildirTransport, drain
    from stopit.config import load
    from stopit.desk import Desk, handle
    from stopit.models import RawMessage

    config, _, outbox = desk_config(tmp_path)
    cfg = load(str(config))
    desk = Desk.open(cfg)
    handle(desk, RawMessage(report(1), "test"))
    item = desk.store.due_deliveries()[0]
    assert desk.store.claim_delivery(item.outbox_id)
    asyncio.run(MaildirTransport(outbox).send(item))  # the process dies here, before mark_sent
    assert desk.store.requeue_interrupted() == 1  # the next processor, holding the lock
    asyncio.run(drain(desk.store, MaildirTransport(outbox), cfg))
    files = list((outbox / "new").iterdir())
    assert len(files) == 1 and files[0].read_bytes() == item.data
    assert os.stat(files[0]).st_mode & 0o777 == 0o600
    assert desk.store.outbox_counts() == {"sent": 1}
    detail = desk.store.case_detail(1)
    assert detail is not None and [e["type"] for e in detail["events"]].count("mail.interrupted") == 1


def test_quarantine_release_hands_the_message_to_the_running_daemon(tmp_path: Path) -> None:
    from tests.test_ops import Daemon, wait_for

    inbox, outbox = maildir(tmp_path / "inbox"), tmp_path / "outbox"
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{outbox}", "max_message_bytes = 10")
    assert run_cli(config, "ingest", input=report(1)).returncode == 0
    assert tally(config, outbox)["cases"] == 0  # quarantined: over the size limit
    config.write_text(config.read_text().replace("max_message_bytes = 10", ""))
    daemon = Daemon(config)
    try:
        daemon.wait_log("connected to")
        released = run_cli(config, "quarantine", "release", "1")
        assert b"the daemon takes it from here" in released.stdout, released.stdout + released.stderr
        wait_for(lambda: tally(config, outbox)["files"] == 1, 20, "the daemon to process the released message")
    finally:
        daemon.stop()
    assert_exactly_once(tally(config, outbox), 1)
