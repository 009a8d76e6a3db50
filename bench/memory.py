"""Memory: peak RSS of `stopit ingest` / `stopit run --once` on very large and hostile reports.

Each case runs in a fresh process on a Maildir-to-Maildir desk; its peak RSS is the kernel's
VmHWM of that process. Printed: the message size, the peak, the peak over the size, and the peak over the size
after the interpreter's own baseline (a 1 KB report); for Received floods the trace JSON stored;
for deep nesting the outcome. Target: a 50 MB report at ≤ 4× its size.
Run: .venv/bin/python -m bench.memory [MB]
"""

from __future__ import annotations

import base64
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from bench.common import ROOT, write_config
from tests.servers import report_head

MB = 1024 * 1024


def _headers(n: int, extra: str = "") -> bytes:
    return report_head(n, f"Fwd: look at this ({n})", extra)


def offending(payload_bytes: int, received: int = 0) -> bytes:
    """The message a reporter forwards as an attachment: `payload_bytes` of attachment, `received` hops."""
    hops = "".join(
        f"Received: from relay{i}.example.net (relay{i}.example.net [192.0.2.{i % 250 + 1}])\r\n"
        f"\tby mx{i}.example.org with ESMTPS id {i:08x}; Mon, 16 Nov 2026 09:{i % 60:02d}:00 -0500\r\n"
        for i in range(received)
    )
    head = (
        f"{hops}From: X <x@freemail.example>\r\nTo: victim@campus.example.edu\r\nSubject: you\r\n"
        "Message-ID: <offender@freemail.example>\r\nDate: Mon, 16 Nov 2026 09:00:00 -0500\r\n"
        "MIME-Version: 1.0\r\n"
    ).encode()
    if not payload_bytes:
        return head + b"Content-Type: text/plain\r\n\r\nanswer me.\r\n"
    blob = base64.encodebytes(os.urandom(payload_bytes)).replace(b"\n", b"\r\n")
    return (
        head + b'Content-Type: multipart/mixed; boundary="in"\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\n'
        b"answer me.\r\n--in\r\nContent-Type: application/octet-stream; name=x.bin\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + blob + b"--in--\r\n"
    )


def report_with(attached: bytes, n: int = 0, extra_headers: str = "") -> bytes:
    """A report forwarding `attached` as message/rfc822."""
    return (
        _headers(n, extra_headers) + b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="out"\r\n\r\n'
        b"--out\r\nContent-Type: text/plain\r\n\r\nThis keeps happening, attached.\r\n"
        b"--out\r\nContent-Type: message/rfc822\r\n\r\n" + attached + b"\r\n--out--\r\n"
    )


def nested(depth: int) -> bytes:
    head = _headers(7, "MIME-Version: 1.0\r\n")
    opens = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth))
    closes = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return head + opens + b"Content-Type: text/plain\r\n\r\nhelp\r\n" + closes


class Figure(NamedTuple):
    """One printed row: what ran, the message's size, the process's peak RSS, and any note."""

    name: str
    size: int
    peak_kib: int
    detail: str = ""


# The child reports its own high-water mark: ru_maxrss from wait4 would include the parent's size
# at fork time (Linux keeps the old mm's peak across execve).
_CHILD = """
import atexit, sys
def _hwm():
    status = open("/proc/self/status").read()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    open(sys.argv.pop(1), "w").write(kib)
out = sys.argv[1]
atexit.register(lambda: (sys.argv.insert(1, out), _hwm()))
del sys.argv[1]
from stopit.cli import main
main(prog_name="stopit")
"""


def run(args: list[str], data: bytes | None = None) -> tuple[int, str]:
    """Run a stopit command in a fresh interpreter; its own peak RSS (VmHWM, KiB) and its stderr."""
    with tempfile.NamedTemporaryFile("r", suffix=".hwm") as hwm:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, hwm.name, *args],
            cwd=ROOT,
            input=data,
            stdin=None if data is not None else subprocess.DEVNULL,
            capture_output=True,
        )
        if proc.returncode not in (0, 1):
            raise RuntimeError(proc.stderr.decode("utf-8", "replace")[-3000:])
        return int(Path(hwm.name).read_text() or 0), proc.stderr.decode("utf-8", "replace")


class Desk:
    """A fresh Maildir-to-Maildir desk in a temporary directory."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="stopit-mem-"))
        self.inbox = self.dir / "inbox"
        for sub in ("new", "cur", "tmp"):
            (self.inbox / sub).mkdir(parents=True)
        self.config = write_config(
            self.dir, f"maildir://{self.inbox}", f"maildir://{self.dir / 'outbox'}", "ack_limit_per_hour = 1000"
        )

    def ingest(self, data: bytes) -> tuple[int, str]:
        return run(["--config", str(self.config), "ingest"], data)

    def run_once(self, messages: list[bytes]) -> tuple[int, str]:
        for n, data in enumerate(messages):
            (self.inbox / "new" / f"m{n}").write_bytes(data)
        return run(["--config", str(self.config), "run", "--once"])

    def query(self, sql: str) -> list[tuple]:
        db = sqlite3.connect(self.dir / "state" / "stopit.db")
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def measure(mb: int = 50) -> list[Figure]:
    figures = []
    desk = Desk()
    try:
        small = report_with(offending(0))
        desk.ingest(report_with(offending(0), 99))  # the first ingest creates and migrates the database
        peak, _ = desk.ingest(small)
        figures.append(Figure("baseline: 1 KB report (ingest, no daemon)", len(small), peak))
        big = report_with(offending(int(mb * MB * 0.74)), 1)
        peak, _ = desk.ingest(big)
        figures.append(Figure(f"{mb} MB report, attachment in a forwarded message (ingest)", len(big), peak))
        headers = report_with(offending(0), 2, "".join(f"X-Filler-{i}: {'h' * 990}\r\n" for i in range(20_000)))
        peak, _ = desk.ingest(headers)
        figures.append(Figure("20 MB header section (ingest)", len(headers), peak))
        flood = report_with(offending(0, received=120_000), 3)
        peak, _ = desk.ingest(flood)
        stored = desk.query("SELECT MAX(LENGTH(fields)) FROM offending")[0][0] or 0
        figures.append(
            Figure("Received flood in the forwarded message (ingest)", len(flood), peak, f"trace JSON {stored:,} B")
        )
        deep = nested(5000)
        peak, _ = desk.ingest(deep)
        outcome = desk.query("SELECT stage, error FROM quarantine ORDER BY id DESC LIMIT 1")
        where = f"quarantined at {outcome[0][0]}: {outcome[0][1][:80]}" if outcome else "processed"
        figures.append(Figure("5,000 nested multiparts (ingest)", len(deep), peak, where))
    finally:
        desk.close()
    desk = Desk()
    try:
        batch = [report_with(offending(int(mb * MB * 0.74)), 10 + n) for n in range(8)]
        peak, _ = desk.run_once(batch)
        figures.append(
            Figure(f"eight {mb} MB reports in one Maildir (run --once)", max(map(len, batch)), peak, "size: one")
        )
    finally:
        desk.close()
    return figures


def main(mb: int = 50) -> None:
    figures = measure(mb)
    base = figures[0].peak_kib * 1024
    for f in figures:
        peak = f.peak_kib * 1024
        ratio = peak / f.size
        over = (peak - base) / f.size
        print(
            f"{f.name}: {f.size / MB:.1f} MB, peak RSS {peak / MB:.0f} MB = {ratio:.1f}x its size"
            f" ({over:.1f}x above the {base / MB:.0f} MB baseline){'; ' + f.detail if f.detail else ''}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
