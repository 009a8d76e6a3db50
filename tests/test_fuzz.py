"""Hostile input: mutated corpus messages through parse, classify, extract, trace and route.

Every mutated message goes through `desk.handle`, the per-message boundary: nothing may escape it,
and every message ends processed or quarantined (with its bytes kept). The seeds are the fixtures in
tests/data and the demo reports, so a fresh clone fuzzes too; STOPIT_FUZZ_EXAMPLES sets the volume
(CI: 150 per property; the closing run of issue 12: 5,000).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stopit.config import from_text
from stopit.desk import Desk, handle
from stopit.models import RawMessage
from tests.conftest import ROOT
from tests.corpus import DATA, manifest

EXAMPLES = int(os.environ.get("STOPIT_FUZZ_EXAMPLES", "150"))
SEEDS = sorted(
    (f.path.read_bytes() for f in manifest(DATA) if f.size < 64 * 1024 and f.path.suffix in (".eml", ".msg", "")),
    key=len,
)[::3] + [p.read_bytes() for p in sorted((ROOT / "demo" / "reports").glob("*.eml"))]
OUTCOMES: Counter[str] = Counter()


def split(data: bytes) -> tuple[list[bytes], bytes]:
    """Header fields (folded lines stay with their field), and the rest from the empty line on."""
    match = re.search(rb"\r?\n\r?\n", data)
    head, rest = (data[: match.start()], data[match.start() :]) if match else (data, b"")
    return re.split(rb"\r?\n(?![ \t])", head), rest


def join(fields: list[bytes], rest: bytes) -> bytes:
    return b"\r\n".join(fields) + rest


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        fields, body = split(data)
        kind = draw(
            st.sampled_from(
                [
                    "cut",
                    "dup",
                    "drop",
                    "shuffle",
                    "boundary",
                    "encoding",
                    "charset",
                    "nest",
                    "huge",
                    "bytes",
                    "received",
                ]
            )
        )
        if kind == "cut":
            data = data[: draw(st.integers(0, len(data)))]
        elif kind == "dup" and fields:
            i = draw(st.integers(0, len(fields) - 1))
            data = join([*fields[: i + 1], *([fields[i]] * draw(st.integers(1, 50))), *fields[i + 1 :]], body)
        elif kind == "drop" and fields:
            i = draw(st.integers(0, len(fields) - 1))
            data = join(fields[:i] + fields[i + 1 :], body)
        elif kind == "shuffle":
            data = join(draw(st.permutations(fields)), body)
        elif kind == "boundary":
            found = re.findall(rb'boundary="?([^";\r\n]+)', data, re.I)
            if found:
                data = data.replace(
                    found[0], draw(st.sampled_from([b"", b"x", found[0][:-1], found[0] * 2])), draw(st.integers(1, 3))
                )
        elif kind == "encoding":
            data = re.sub(
                rb"(?i)content-transfer-encoding:[^\r\n]*",
                b"Content-Transfer-Encoding: "
                + draw(st.sampled_from([b"base64", b"quoted-printable", b"x-uuencode", b"8bit", b"\xff"])),
                data,
                count=1,
            )
        elif kind == "charset":
            bogus = draw(st.sampled_from([b"x-unknown", b"utf-7", b"\xc3\x28", b"utf-16", b"iso-2022-jp", b""]))
            data = (
                re.sub(rb'(?i)charset="?[^";\s]*"?', b'charset="' + bogus + b'"', data) if b"harset" in data else data
            )
        elif kind == "nest":
            for _ in range(draw(st.integers(1, 40))):
                data = b"Content-Type: message/rfc822\r\nSubject: Fwd\r\nFrom: a@b.example\r\n\r\n" + data
        elif kind == "huge":
            name = draw(st.sampled_from([b"Subject", b"X-Long", b"From", b"References", b"Content-Type"]))
            data = name + b": " + b"A" * draw(st.integers(1000, 300_000)) + b"\r\n" + data
        elif kind == "bytes":
            raw = bytearray(data)
            for _ in range(draw(st.integers(1, 20))):
                if raw:
                    raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
            data = bytes(raw)
        elif kind == "received":
            hops = b"".join(
                b"Received: from h%d.example ([198.51.100.%d]) by mx.example; Mon, 16 Nov 2026 10:00:00 -0000\r\n"
                % (i, i % 250)
                for i in range(draw(st.integers(1, 3000)))
            )
            data = hops + data
    return data


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    work = tmp_path_factory.mktemp("fuzz")
    config = from_text(
        f'[desk]\ndatabase = "{work / "s.db"}"\noffline = true\nack_limit_per_hour = 1000000\n'
        f'[smtp]\nurl = "maildir://{work / "out"}"\n[mailbox]\nurl = "maildir://{work / "in"}"\n'
    )
    opened = Desk.open(config)
    yield opened
    print(f"fuzzing volume: {sum(OUTCOMES.values())} messages through the desk, outcomes {dict(OUTCOMES)}")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=mutated())
def test_no_mutated_message_escapes_the_per_message_boundary(desk: Desk, data: bytes) -> None:
    outcome = handle(desk, RawMessage(data, "fuzz"))
    OUTCOMES[outcome.state + (" (again)" if outcome.duplicate else "")] += 1
    assert outcome.state in ("processed", "quarantined"), outcome
    row = desk.store.row_for_sha256(outcome.sha256)
    assert row is not None and desk.store.raw_bytes(row) == data  # kept byte-exact, whatever happened
    state = desk.store.conn.execute("SELECT state FROM messages WHERE id=?", (row,)).fetchone()[0]
    assert state == outcome.state


def test_the_fuzzed_desk_still_verifies(desk: Desk) -> None:
    check = desk.store.verify_chain()
    assert check.ok, check


# --- bounds that hostile input must not break ---------------------------------------------------


def nested(depth: int) -> bytes:
    opens = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth))
    closes = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    head = b"From: v@campus.example.edu\r\nSubject: help\r\nMIME-Version: 1.0\r\n"
    return head + opens + b"Content-Type: text/plain\r\n\r\nhelp\r\n" + closes


def test_five_thousand_nested_multiparts_are_quarantined_with_a_clear_reason(desk: Desk) -> None:
    outcome = handle(desk, RawMessage(nested(5000), "fuzz"))
    assert outcome.state == "quarantined", outcome
    entry = next(e for e in desk.store.quarantine_entries() if e.sha256 == outcome.sha256)
    assert entry.stage == "parse" and "nested deeper than 24 levels" in entry.error
    assert "Recursion" not in entry.error


def test_a_received_flood_is_traced_in_bounded_time_and_stored_small(desk: Desk) -> None:
    import time

    hops = b"".join(
        b"Received: from relay%d.example.net (relay%d.example.net [192.0.2.%d])\r\n\tby mx.example.org; "
        b"Mon, 16 Nov 2026 09:00:00 -0500\r\n" % (i, i, i % 250 + 1)
        for i in range(100_000)
    )
    offender = (
        hops + b"From: X <x@freemail.example>\r\nSubject: you\r\nDate: Mon, 16 Nov 2026 09:00:00 -0500\r\n\r\nhi\r\n"
    )
    report = (
        b"From: v@campus.example.edu\r\nTo: stopit@campus.example.edu\r\nSubject: look\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="o"\r\n\r\n--o\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n'
        b"--o\r\nContent-Type: message/rfc822\r\n\r\n" + offender + b"\r\n--o--\r\n"
    )
    start = time.monotonic()
    outcome = handle(desk, RawMessage(report, "fuzz"))
    took = time.monotonic() - start
    assert outcome.state == "processed" and outcome.case_id
    fields = desk.store.conn.execute("SELECT fields FROM offending WHERE case_id=?", (outcome.case_id,)).fetchone()[0]
    print(f"{len(report) / 1e6:.1f} MB of Received lines: {took:.1f} s, {len(fields):,} B of fields stored")
    assert len(fields) <= 256 * 1024 and fields.count('"by"') <= 100
    assert took < 60


def test_batches_are_bounded_by_bytes(tmp_path: Path) -> None:
    from stopit.ingest.mailbox import FETCH_MAX_BYTES, MaildirMailbox, byte_batches

    assert byte_batches([(n, 10) for n in range(60)]) == [list(range(25)), list(range(25, 50)), list(range(50, 60))]
    big = FETCH_MAX_BYTES // 2 + 1
    assert byte_batches([("a", big), ("b", big), ("c", 1), ("d", 3 * FETCH_MAX_BYTES)]) == [["a"], ["b", "c"], ["d"]]
    box = MaildirMailbox(tmp_path / "box")
    box.connect()
    for n in range(3):
        (tmp_path / "box" / "new" / f"m{n}").write_bytes(b"x" * big)
    assert [len(b) for b in box.batches(box.pending())] == [1, 1, 1]


@pytest.mark.slow
def test_a_50_mb_report_peaks_below_four_times_its_size_over_a_small_ones() -> None:
    from bench.memory import MB, offending, report_with
    from bench.memory import Desk as BenchDesk

    desk = BenchDesk()
    try:
        # A desk in use: its database exists and is migrated. The same process reading a 1 KB report is the
        # baseline: the interpreter, the libraries and the danger score's sentence encoder (about 130 MB, the
        # same for any report) are not what a large report costs.
        baseline_kib, _ = desk.ingest(report_with(offending(0)))
        data = report_with(offending(int(50 * MB * 0.74)), 1)
        peak_kib, log = desk.ingest(data)
        cases = desk.query("SELECT COUNT(*) FROM cases")[0][0] - 1
    finally:
        desk.close()
    ratio = (peak_kib - baseline_kib) * 1024 / len(data)
    print(f"50 MB report: peak RSS {peak_kib / 1024:.0f} MB, {ratio:.2f}x its size over the 1 KB report's")
    assert cases == 1, log[-2000:]
    assert ratio <= 4.0
