"""Tracing speed and agreement: `stopit trace` and SpamAssassin's sa_relays on the same files, one run.

Run: .venv/bin/python -m bench.trace [DIR]   (default: the 6,046-message SpamAssassin public corpus)
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench.common import ROOT
from tests.corpus import CORPUS


def timed(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - start, out.stdout.count(b"\n")


def main(target: str) -> None:
    sa_seconds, sa_lines = timed([str(CORPUS.parent / "tools" / "sa_relays"), target])
    our_seconds, our_lines = timed([str(ROOT / ".venv/bin/stopit"), "trace", "--json", "--offline", target])
    print(f"sa_relays:    {sa_lines} messages in {sa_seconds:.1f} s ({sa_lines / sa_seconds:.0f}/s)")
    print(f"stopit trace: {our_lines} messages in {our_seconds:.1f} s ({our_lines / our_seconds:.0f}/s)")
    print(f"ratio stopit/sa_relays: {our_seconds / sa_seconds:.2f} (≤ 1.00 means no slower)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(CORPUS / "spamassassin-public-corpus"))
