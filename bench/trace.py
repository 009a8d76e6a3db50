"""Tracing speed and agreement with SpamAssassin's own Received parser (../shared/tools/sa_relays).

Run: .venv/bin/python -m bench.trace [DIR]        speed on DIR (default: the 6,046-message SpamAssassin
                                                 public corpus), then the modern-chain agreement
     .venv/bin/python -m bench.trace --store     re-run sa_relays on tests/data/chains and store its answers

The agreement figure compares stopit's full relay list with SpamAssassin's (trusted and untrusted
relays, originating-IP headers included) on the modern public Received chains in tests/data/chains.
It uses sa_relays live when SpamAssassin is installed, else the answers stored beside the chains.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT
from stopit.extract.mime import split_head
from stopit.trace import header_fields, trace
from stopit.trace.sa import sa_relay_addresses
from tests.corpus import CORPUS

SA_RELAYS = CORPUS.parent / "tools" / "sa_relays"
CHAINS = ROOT / "tests" / "data" / "chains"
STORED = CHAINS / "sa_relays.jsonl"


def timed(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - start, out.stdout.count(b"\n")


def spamassassin_available() -> bool:
    """sa_relays is there and Perl can load SpamAssassin's parser."""
    if not SA_RELAYS.exists() or shutil.which("perl") is None:
        return False
    probe = subprocess.run(["perl", "-MMail::SpamAssassin", "-e", "1"], capture_output=True, timeout=60)
    return probe.returncode == 0


def run_sa_relays() -> list[dict]:
    """sa_relays' answer for every chain, file names relative to tests/data/chains, sorted."""
    names = "".join(f"{path}\n" for path in sorted(CHAINS.rglob("*.eml")))  # not the stored answers
    out = subprocess.run(
        [str(SA_RELAYS), "--files-from", "-"], input=names, capture_output=True, text=True, check=True, timeout=300
    )
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    for row in rows:
        row["file"] = str(Path(row["file"]).resolve().relative_to(CHAINS))
    return sorted(rows, key=lambda r: r["file"])


def stored_sa_relays() -> list[dict]:
    return [json.loads(line) for line in STORED.read_text(encoding="utf-8").splitlines()]


def full_list(row: dict) -> list[str]:
    """SpamAssassin's full relay list: trusted relays, then untrusted ones, newest first."""
    return [r["ip"] for r in row["trusted"] + row["untrusted"]]


def ours(data: bytes) -> list[str]:
    return sa_relay_addresses(list(trace(data).hops), header_fields(split_head(data)[0]))


def chain_agreement(rows: list[dict]) -> tuple[int, dict[str, tuple[list[str], list[str]]]]:
    """(messages compared, {file: (ours, SpamAssassin's)} where the full relay lists differ)."""
    differences = {}
    for row in rows:
        mine, theirs = ours((CHAINS / row["file"]).read_bytes()), full_list(row)
        if mine != theirs:
            differences[row["file"]] = (mine, theirs)
    return len(rows), differences


def report_chains(rows: list[dict], source: str) -> None:
    total, differences = chain_agreement(rows)
    same = total - len(differences)
    print(f"full relay list identical to SpamAssassin ({source}): {same}/{total} ({same / total:.1%}) modern chains")
    for name, (mine, theirs) in differences.items():
        print(f"  {name}\n    stopit:       {mine}\n    SpamAssassin: {theirs}")


def speed(target: str) -> tuple[float, int, float, int]:
    """(sa_relays seconds, its messages, stopit trace seconds, its messages) over `target`."""
    sa_seconds, sa_lines = timed([str(SA_RELAYS), target])
    our_seconds, our_lines = timed([str(ROOT / ".venv/bin/stopit"), "trace", "--json", "--offline", target])
    return sa_seconds, sa_lines, our_seconds, our_lines


def main(target: str) -> None:
    sa_seconds, sa_lines, our_seconds, our_lines = speed(target)
    print(f"sa_relays:    {sa_lines} messages in {sa_seconds:.1f} s ({sa_lines / sa_seconds:.0f}/s)")
    print(f"stopit trace: {our_lines} messages in {our_seconds:.1f} s ({our_lines / our_seconds:.0f}/s)")
    print(f"ratio stopit/sa_relays: {our_seconds / sa_seconds:.2f} (≤ 1.00 means no slower)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--store"]:
        STORED.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in run_sa_relays()), encoding="utf-8")
        print(f"stored sa_relays' answers for {len(stored_sa_relays())} chains in {STORED.relative_to(ROOT)}")
        sys.exit(0)
    main(sys.argv[1] if len(sys.argv) > 1 else str(CORPUS / "spamassassin-public-corpus"))
    live = spamassassin_available()
    report_chains(run_sa_relays() if live else stored_sa_relays(), "sa_relays live" if live else "stored answers")
