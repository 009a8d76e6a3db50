"""Latency: APPEND → acknowledgement at the SMTP server, with the daemon on real Dovecot + aiosmtpd.

Prints p50/p99 overall; our own share, from the moment Dovecot's IDLE notification reached the
daemon (Dovecot itself delays it by a fixed 0.5 s) to the acknowledgement's arrival; and
`stopit ingest` (pipe, interpreter start-up included) → acknowledgement.
Run: .venv/bin/python -m bench.latency [N]
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, describe, report, start_daemon, write_config
from tests.servers import SmtpSink, start_dovecot, start_smtp_sink

ANNOUNCED = re.compile(r"new mail announced at (\d+\.\d+)")


def main(count: int = 200) -> None:
    figures = measure(count)
    print(describe("APPEND → ack over IMAP IDLE (includes Dovecot's fixed 0.5 s)", figures["idle"]))
    print(describe("our share: IDLE notification received → ack at SMTP server", figures["ours"]))
    print(describe("stopit ingest (pipe, daemon running, interpreter start-up included) → ack", figures["pipe"]))
    print(describe("stopit ingest (pipe, no daemon: it sends the ack itself) → ack", figures["alone"]))


def measure(count: int = 200, pipe_runs: int = 20) -> dict[str, list[float]]:
    """Seconds per report: idle (APPEND → ack), ours (IDLE notice → ack), pipe and alone (ingest → ack)."""
    # A real install (pip install .) byte-compiles the package; an editable checkout under
    # PYTHONDONTWRITEBYTECODE=1 would recompile it in every `stopit ingest` process instead.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "stopit")], check=True)
    dovecot, sink = start_dovecot(), start_smtp_sink()
    work = Path(tempfile.mkdtemp(prefix="stopit-bench-"))
    config = write_config(work, dovecot.url, sink.url)
    log = work / "daemon.log"
    daemon = start_daemon(config, log, level="debug")
    appender = dovecot.client()
    total = []
    try:
        time.sleep(0.3)
        for n in range(count):
            start = time.monotonic()
            appender.append("INBOX", report(n))
            acks = sink.wait_for(n + 1, timeout=20)
            if len(acks) <= n:
                raise RuntimeError(f"no acknowledgement for report {n}")
            total.append(acks[n].at - start)
        announced = [float(x) for x in ANNOUNCED.findall(log.read_text())]
        ours = our_share(announced, [a.wall for a in sink.handler.received])
        piped = pipe_latency(config, sink, count, pipe_runs)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
        alone = pipe_latency(config, sink, count + len(piped), pipe_runs)
    finally:
        if daemon.poll() is None:
            daemon.kill()
        dovecot.stop()
        sink.stop()
    return {"idle": total, "ours": ours, "pipe": piped, "alone": alone}


def our_share(announced: list[float], arrivals: list[float]) -> list[float]:
    """For each acknowledgement, the time since the last notification that came before it."""
    shares = []
    for arrival in arrivals:
        before = [a for a in announced if a <= arrival]
        if before:
            shares.append(arrival - before[-1])
    return shares


def pipe_latency(config: Path, sink: SmtpSink, offset: int, runs: int = 20) -> list[float]:
    times = []
    for n in range(runs):
        start = time.monotonic()
        proc = subprocess.run(
            [str(ROOT / ".venv/bin/stopit"), "--config", str(config), "--log-level", "warning", "ingest"],
            input=report(10_000 + offset + n),
            capture_output=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.decode())
        acks = sink.wait_for(offset + n + 1, timeout=20)
        times.append(acks[offset + n].at - start)
    return times


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
