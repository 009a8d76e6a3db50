"""The annual report over N synthetic cases with their events (default 100,000): time and peak RSS.

The cases are written straight into a fresh database with the real schema (migrations applied),
shaped like a busy year: one report, one offending message, the desk's own mail and ~7 events per
case; staff commands on 60 %, notices on 30 % (a tenth of them bounced, half answered), incidents
of 3-10 reports, repeat senders. The report then runs in a child process, which measures its own
wall time, CPU time and peak RSS (VmHWM, the interpreter included). Target: ≤ 10 s, ≤ 300 MB.
Run: .venv/bin/python -m bench.report [N]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import ROOT
from stopit.store import Store, iso

YEAR = datetime(2026, 1, 1, tzinfo=UTC)
QUEUES = ("stopit", "police", "idhr", "abuse")
CATEGORIES = ("harassment", "threat", "sexual harassment", "discriminatory harassment", "phishing", "spam")
SOURCES = ("attachment", "inline", "pasted", "redirect", "self")
EVENTS = ("message.received", "case.opened", "offending.found", "route.decided", "mail.queued", "mail.queued")


def _h(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def populate(path: Path, count: int, seed: int = 14) -> None:
    """`count` cases over one year, with everything the report reads; sender keys for bench.link too."""
    Store(path).close()  # the real schema
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    message_id = outbox_id = event_id = 0
    incident, incident_left = 0, 0
    rows: dict[str, list[tuple]] = {k: [] for k in ("cases", "messages", "offending", "events", "outbox", "commands")}
    rows.update(notices=[], keys=[], links=[], incidents=[])
    for case in range(1, count + 1):
        opened = YEAR + timedelta(seconds=rng.randrange(365 * 86400))
        at = iso(opened)
        due = (opened + timedelta(days=7)).date().isoformat()
        status = "closed" if rng.random() < 0.7 else "open"
        rows["cases"].append((case, status, rng.choice(QUEUES), at, at, rng.choice(CATEGORIES), due))
        sha = _h("report", case)
        message_id += 1
        rows["messages"].append((message_id, "in", "report", "processed", sha, 4000, case, at))
        report_row = message_id
        rows["offending"].append((case, report_row, rng.choice(SOURCES), sha))
        for kind in ("office", "reporter"):
            message_id += 1
            outbox_id += 1
            rows["messages"].append((message_id, "out", kind, "sent", _h(kind, case), 3000, case, at))
            rows["outbox"].append((outbox_id, message_id, case, kind, "sent", at))
        for type_ in EVENTS:
            event_id += 1
            rows["events"].append((event_id, at, None if type_ == "message.received" else case, type_))
        if rng.random() < 0.6:
            for n in range(rng.randint(1, 3)):
                done = iso(opened + timedelta(hours=rng.expovariate(1 / 30) + n))
                rows["commands"].append((case, done, "staff@campus.example.edu", "assign me", "run"))
        if rng.random() < 0.3:
            sent = opened + timedelta(days=rng.uniform(0.5, 9))
            message_id += 1
            outbox_id += 1
            status_ = "failed" if rng.random() < 0.1 else "sent"
            rows["messages"].append((message_id, "out", "offender", status_, _h("n", case), 2000, case, iso(sent)))
            rows["outbox"].append((outbox_id, message_id, case, "offender", status_, iso(sent)))
            rows["notices"].append((case, f"sender{case % 9000}@freemail.example", outbox_id, iso(sent)))
            if status_ == "sent" and rng.random() < 0.5:
                message_id += 1
                answer = iso(sent + timedelta(days=2))
                rows["messages"].append((message_id, "in", "reply", "processed", _h("a", case), 900, case, answer))
        if incident_left == 0 and rng.random() < 0.02:
            incident, incident_left = case, rng.randint(3, 10)
        if incident_left:
            rows["incidents"].append((case, incident))
            if case != incident:
                rows["links"].append((case, incident, "same Message-ID", 1))
            incident_left -= 1
        elif case > 10 and rng.random() < 0.2:
            rows["links"].append((case, rng.randrange(1, case), "same sender address", 0))
        sender = f"sender{rng.randrange(40_000)}@freemail.example"
        for kind, value in (("address", sender), ("handoff_ip", f"198.51.{rng.randrange(256)}.{rng.randrange(256)}")):
            rows["keys"].append((case, kind, value, at))
        rows["keys"].append((case, "message_id", f"m{incident if incident_left else case}@freemail.example", at))
        rows["keys"].append((case, "body", _h("body", incident if incident_left else case), at))
    _insert(conn, rows)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    # Fold the write-ahead log back in: the report should read a desk's database, not a 400 MB WAL.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _insert(conn: sqlite3.Connection, rows: dict[str, list[tuple]]) -> None:
    conn.executemany(
        "INSERT INTO cases (id, status, queue, created_at, updated_at, category, contact_due) VALUES (?,?,?,?,?,?,?)",
        rows["cases"],
    )
    conn.executemany(
        "INSERT INTO messages (id, direction, kind, state, sha256, size, case_id, at) VALUES (?,?,?,?,?,?,?,?)",
        rows["messages"],
    )
    conn.executemany(
        "INSERT INTO offending (case_id, message_row, position, source, sha256, fields) VALUES (?,?,0,?,?,'{}')",
        rows["offending"],
    )
    conn.executemany(
        "INSERT INTO events (id, at, case_id, type, detail, prev_hash, hash, keyed) VALUES (?,?,?,?,'','','',1)",
        rows["events"],
    )
    conn.executemany(
        "INSERT INTO outbox (id, message_row, case_id, audience, mail_from, rcpt_to, status, next_attempt_at,"
        " created_at) VALUES (?,?,?,?,'stopit@campus.example.edu','[]',?,?,?)",
        [(*r, r[5]) for r in rows["outbox"]],
    )
    conn.executemany(
        "INSERT INTO commands (case_id, at, by, command, result) VALUES (?,?,?,?,?)",
        rows["commands"],
    )
    conn.executemany(
        "INSERT INTO notices (case_id, kind, to_addr, outbox_id, message_id, at) VALUES (?,'notice',?,?,'',?)",
        rows["notices"],
    )
    # The answers come from the notice's recipient.
    conn.execute(
        "UPDATE messages SET from_addr = (SELECT n.to_addr FROM notices n WHERE n.case_id = messages.case_id)"
        " WHERE kind = 'reply'"
    )
    conn.executemany("INSERT INTO sender_keys (case_id, kind, value, at) VALUES (?,?,?,?)", rows["keys"])
    conn.executemany("INSERT OR IGNORE INTO case_links VALUES (?,?,?,?)", rows["links"])
    conn.executemany("INSERT OR IGNORE INTO incidents VALUES (?,?)", rows["incidents"])


_CHILD = """
import json, resource, sys, time
from datetime import date, datetime, UTC
t0 = time.perf_counter()
import sqlite3
from stopit import report
conn = sqlite3.connect(sys.argv[1])
built = report.build(conn, date(2026, 1, 1), date(2026, 12, 31), datetime(2027, 1, 15, tzinfo=UTC))
page = report.render(built, "html")
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so it would show the parent's setup.
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "peak_rss_mb": hwm / 1024, "cpu": usage.ru_utime + usage.ru_stime,
                  "cases": built.cases, "html_bytes": len(page), "figures": built.to_json()}))
"""


def measure(count: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="stopit-bench-report-") as tmp:
        db = Path(tmp) / "stopit.db"
        started = time.perf_counter()
        populate(db, count)
        setup = time.perf_counter() - started
        with contextlib.closing(sqlite3.connect(db)) as conn:
            events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(db)], check=True, capture_output=True, text=True, cwd=ROOT
        ).stdout
    return {**json.loads(out), "setup_seconds": setup, "events": events, "load": os.getloadavg()[0]}


def main(count: int = 100_000) -> None:
    figures = measure(count)
    print(
        f"annual report over {figures['cases']:,} cases ({figures['events']:,} events);"
        f" setup {figures['setup_seconds']:.1f} s"
    )
    print(
        f"  time (import, query, figures, HTML with 5 pygal charts): {figures['seconds']:.2f} s wall,"
        f" {figures['cpu']:.2f} s CPU   (target <= 10 s; load average {figures['load']:.1f} on {os.cpu_count()} cores)"
    )
    print(f"  peak RSS of that process: {figures['peak_rss_mb']:.0f} MB   (target <= 300 MB)")
    print(
        f"  HTML: {figures['html_bytes']:,} bytes; median hours to first action "
        f"{figures['figures']['median_hours_to_first_action']}, deadlines {figures['figures']['deadlines']}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
