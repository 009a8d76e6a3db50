"""Shared pieces of the benchmarks: real servers, a running daemon, figures printed plainly."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import write_config  # noqa: E402


def report(n: int) -> bytes:
    return (
        f"From: Student {n} <student{n}@campus.example.edu>\r\nTo: stopit@campus.example.edu\r\n"
        f"Subject: Fwd: you again ({n})\r\nMessage-ID: <bench-{n}-{time.time_ns()}@campus.example.edu>\r\n"
        f"Date: Mon, 16 Nov 2026 10:00:00 -0500\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"This keeps happening. Forwarded below.\r\n\r\n---------- Forwarded message ---------\r\n"
        f"From: someone <someone{n}@freemail.example>\r\nSubject: you again\r\n\r\nanswer me.\r\n"
    ).encode()


def start_daemon(config: Path, log: Path, timeout: float = 20, level: str = "info") -> subprocess.Popen:
    """Start `stopit run` with its log in `log`; return once it has logged in to the mailbox."""
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/stopit"), "--config", str(config), "--log-level", level, "run"],
            stderr=fh,
            stdout=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        if "connected to" in log.read_text():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"daemon did not connect: {log.read_text()}")


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def describe(name: str, values: list[float]) -> str:
    return (
        f"{name}: n={len(values)} p50={percentile(values, 50) * 1000:.0f} ms "
        f"p99={percentile(values, 99) * 1000:.0f} ms mean={statistics.mean(values) * 1000:.0f} ms "
        f"max={max(values) * 1000:.0f} ms"
    )


__all__ = ["describe", "percentile", "report", "rss_kib", "start_daemon", "write_config"]


def leave_out_parser(prog: str) -> argparse.ArgumentParser:
    """The command line of a script that learns from the tuning part: --leave-out measures it on an unseen author."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--leave-out", metavar="WORDS", help="measure on the tuning batch named so, learned without it")
    return parser
