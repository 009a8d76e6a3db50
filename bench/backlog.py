"""Backlog: N reports already waiting in the mailbox when the daemon starts (real Dovecot + aiosmtpd).

Prints the time until every acknowledgement is delivered, the throughput, and the daemon's RSS over
the run (peak and samples, to show it stays flat). Target: 10,000 in ≤ 5 min, RSS ≤ 200 MB.
Run: .venv/bin/python -m bench.backlog [N]
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.common import report, rss_kib, start_daemon, write_config
from tests.servers import start_dovecot, start_smtp_sink


def fill_maildir(maildir: Path, count: int) -> None:
    """Deliver straight into the user's Maildir, as Dovecot's LDA would, to set up fast."""
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (maildir / "new" / f"{1_700_000_000 + n}.M{n}P1.bench").write_bytes(report(n))
    for path in [maildir, *maildir.rglob("*")]:
        shutil.chown(path, *owner(maildir.parent))


def owner(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_uid, st.st_gid


def main(count: int = 10_000) -> None:
    figures = measure(count)
    elapsed, left, samples = figures["seconds"], figures["left_in_inbox"], figures["rss_samples"]
    print(
        f"backlog of {count} reports: all acknowledgements delivered in {elapsed:.1f} s "
        f"({count / elapsed:.0f} reports/s); {left} left in INBOX"
    )
    print(f"daemon peak RSS {figures['peak_mb']:.1f} MB")
    step = max(1, len(samples) // 10)
    print("RSS over the run (s: MB): " + ", ".join(f"{t:.0f}: {kib / 1024:.1f}" for t, kib in samples[::step]))


def measure(count: int = 10_000) -> dict:
    """seconds until every ack is delivered, left_in_inbox, peak_mb, rss_samples [(s, KiB)]."""
    dovecot, sink = start_dovecot(), start_smtp_sink()
    work = Path(tempfile.mkdtemp(prefix="stopit-backlog-"))
    try:
        home = dovecot.root / "mail" / "stopit"
        home.mkdir(exist_ok=True)
        shutil.chown(home, *owner(dovecot.root / "mail"))
        fill_maildir(home / "Maildir", count)
        assert len(dovecot.uids("INBOX")) == count
        config = write_config(work, dovecot.url, sink.url, f"ack_limit_per_hour = {count}")
        start = time.monotonic()
        daemon = start_daemon(config, work / "daemon.log")
        samples: list[tuple[float, int]] = []
        try:
            while len(sink.handler.received) < count:
                if daemon.poll() is not None:
                    raise RuntimeError((work / "daemon.log").read_text()[-2000:])
                samples.append((time.monotonic() - start, rss_kib(daemon.pid)))
                if time.monotonic() - start > 900:
                    raise RuntimeError(f"only {len(sink.handler.received)} of {count} after 15 min")
                time.sleep(0.5)
            elapsed = time.monotonic() - start
            peak = rss_kib(daemon.pid, "VmHWM")
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
        finally:
            if daemon.poll() is None:
                daemon.kill()
        left = len(dovecot.uids("INBOX"))
    finally:
        dovecot.stop()
        sink.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {"seconds": elapsed, "left_in_inbox": left, "peak_mb": peak / 1024, "rss_samples": samples}


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("note: run as root so the Maildir can be handed to Dovecot's mail user", file=sys.stderr)
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
