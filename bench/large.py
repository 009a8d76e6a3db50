"""A 50 MB report: piped to `stopit ingest` with no daemon running, until the case is open and its mail written.

The report forwards, as an attachment, an offending message that carries a 50 MB file. Prints the
wall time of the whole `stopit ingest` (interpreter start-up, store, extract, trace, route, render,
send to a Maildir) and its peak RSS, sampled from /proc while it runs.
Run: .venv/bin/python -m bench.large [MB]
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, write_config

QUEUES = ("stopit", "police", "idhr", "abuse")


def big_report(megabytes: int) -> bytes:
    payload = base64.encodebytes(os.urandom(megabytes * 1024 * 1024 * 3 // 4))
    offending = (
        b"From: Someone <someone@freemail.example>\r\nTo: student@campus.example.edu\r\n"
        b"Subject: look at this\r\nMessage-ID: <big@freemail.example>\r\nDate: Mon, 16 Nov 2026 09:00:00 -0500\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="inner"\r\n\r\n'
        b"--inner\r\nContent-Type: text/plain\r\n\r\nyou will regret this.\r\n"
        b'--inner\r\nContent-Type: application/octet-stream; name="video.bin"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + payload + b"--inner--\r\n"
    )
    return (
        b"From: Student <student@campus.example.edu>\r\nTo: stopit@campus.example.edu\r\n"
        b"Subject: Fwd: look at this\r\nMessage-ID: <report-big@campus.example.edu>\r\n"
        b"Date: Mon, 16 Nov 2026 10:00:00 -0500\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="outer"\r\n'
        b"\r\n--outer\r\nContent-Type: text/plain\r\n\r\nThis came with a huge file. Please help.\r\n"
        b"--outer\r\nContent-Type: message/rfc822\r\n\r\n" + offending + b"\r\n--outer--\r\n"
    )


def measure(megabytes: int = 50) -> dict:
    """seconds for the whole ingest, peak_mb of its process, report_mb, mails written."""
    work = Path(tempfile.mkdtemp(prefix="stopit-large-"))
    config = write_config(work, f"maildir://{work / 'inbox'}", f"maildir://{work / 'out'}")
    # Every office has staff, so the office mail with the report attached byte-exact is written too.
    offices = "".join(f'[queues.{q}]\nstaff = ["{q}-staff@campus.example.edu"]\n' for q in QUEUES)
    config.write_text(config.read_text() + "\n" + offices)
    data = big_report(megabytes)
    start = time.monotonic()
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/stopit"), "--config", str(config), "--log-level", "warning", "ingest"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    peak = 0
    assert proc.stdin is not None
    proc.stdin.write(data)
    proc.stdin.close()
    while proc.poll() is None:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            peak = max(peak, next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmHWM:")))
        except (OSError, StopIteration, ValueError):
            pass
        time.sleep(0.02)
    seconds = time.monotonic() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(err)
    mails = len(list((work / "out" / "new").glob("*")))
    return {"seconds": seconds, "peak_mb": peak / 1024, "report_mb": len(data) / 1e6, "mails": mails}


def main(megabytes: int = 50) -> None:
    f = measure(megabytes)
    print(
        f"{f['report_mb']:.0f} MB report piped to stopit ingest (no daemon): case and {f['mails']} mail(s) "
        f"in {f['seconds']:.1f} s, peak RSS {f['peak_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
