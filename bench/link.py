"""Linking lookups per incoming report over N earlier cases (default 100,000): time per report, indexed.

The earlier cases come from bench.report's synthetic year (four sender keys each: address, handoff
IP, Message-ID, body fingerprint; incidents of 3-10 reports). Each incoming report is an Offending
with five keys — half of them from a sender already seen, a tenth a copy of an incident's message —
and goes through what the desk does: `report_links` while planning (linked cases, repeat sender,
incident and its office mail this hour) and `link_new_case` when the case opens, in its
transaction. Prints mean, p95 and max per report, and SQLite's plan for the lookup (it must use
the sender_keys_lookup index). Target: ≤ 5 ms per report.
Run: .venv/bin/python -m bench.link [N] [REPORTS]
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import stopit.trace  # noqa: F401 - loaded in the daemon already; stopit.link imports it on first use
from bench.common import percentile
from bench.report import YEAR, _h, populate
from stopit.models import Address, Offending
from stopit.store import Store
from stopit.trace import Trace

WINDOW = timedelta(days=30)


def incoming(n: int, rng: random.Random, cases: int) -> Offending:
    known = rng.random() < 0.5
    sender = f"sender{rng.randrange(40_000)}@freemail.example" if known else f"new{n}@elsewhere.example"
    copy = rng.random() < 0.1
    earlier = rng.randrange(1, cases)
    body = "This is a synthetic message body long enough to be fingerprinted, number " + str(n)
    return Offending(
        source="attachment",
        from_=Address(sender),
        to=(),
        cc=(),
        reply_to=(Address(f"reply{n}@elsewhere.example"),),
        subject="",
        date=(YEAR + timedelta(days=rng.uniform(0, 365))).isoformat(),
        date_raw="",
        message_id=f"m{earlier}@freemail.example" if copy else f"in{n}@bench.example",
        body=body,
        note="",
        headers_complete=True,
        trace=Trace(handoff_ip=f"198.51.{rng.randrange(256)}.{rng.randrange(256)}"),
    )


def measure(cases: int, reports: int) -> dict:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="stopit-bench-link-") as tmp:
        db = Path(tmp) / "stopit.db"
        populate(db, cases)
        clock_now = [datetime(2027, 1, 1, tzinfo=UTC)]
        store = Store(db, clock=lambda: clock_now[0])
        plan = (
            sqlite3.connect(db)
            .execute(
                "EXPLAIN QUERY PLAN SELECT DISTINCT case_id FROM sender_keys WHERE kind=? AND value=?"
                " AND at BETWEEN ? AND ? ORDER BY case_id LIMIT 200",
                ("handoff_ip", "198.51.1.1", "2026", "2027"),
            )
            .fetchall()
        )
        lookups, writes, linked = [], [], 0
        for n in range(reports):
            item = (incoming(n, rng, cases),)
            since = clock_now[0] - timedelta(hours=1)
            started = time.perf_counter()
            found = store.report_links(item, clock_now[0], WINDOW, since)
            lookups.append((time.perf_counter() - started) * 1000)
            linked += bool(found.linked)
            with store.transaction():
                case = store.open_case("stopit", "", "", _h("in", n))
                started = time.perf_counter()
                store.link_new_case(case, item, WINDOW)
                writes.append((time.perf_counter() - started) * 1000)
        store.close()
    # The first report after start-up reads the index from disk; the figures are for the ones after it.
    cold = lookups.pop(0) + writes.pop(0)
    return {"lookups": lookups, "writes": writes, "linked": linked, "plan": [r[-1] for r in plan], "cold": cold}


def describe(name: str, values: list[float]) -> str:
    return (
        f"{name}: mean {sum(values) / len(values):.2f}  p50 {percentile(values, 50):.2f}"
        f"  p95 {percentile(values, 95):.2f}  p99 {percentile(values, 99):.2f}  max {max(values):.2f}"
    )


def main(cases: int = 100_000, reports: int = 2_000) -> None:
    figures = measure(cases, reports)
    print(f"linking {reports:,} incoming reports against {cases:,} earlier cases ({figures['linked']:,} linked)")
    print("  " + describe("lookup while planning (ms)", figures["lookups"]))
    print("  " + describe("index + link when the case opens (ms)", figures["writes"]))
    total = [a + b for a, b in zip(figures["lookups"], figures["writes"], strict=True)]
    print("  " + describe("both, per report (ms)", total) + "   (target <= 5 ms)")
    print(f"  the first report after start-up (cold page cache): {figures['cold']:.2f} ms")
    print("  query plan: " + "; ".join(figures["plan"]))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
