"""Every benchmark in one go, one table: `bash bench/run` (full, minutes) or `bash bench/run --quick`.

Each row comes from the benchmark module's `measure()` (the same code `python -m bench.NAME` prints
from); a benchmark whose prerequisites are missing (Dovecot, the shared corpus, SpamAssassin) is
listed as skipped with the reason, and one that fails says how, without stopping the others.
"""

from __future__ import annotations

import shutil
import sys
import time
import traceback
from collections.abc import Callable

from bench.common import percentile

Row = tuple[str, str, str]  # figure, value, target
FULL = {"latency": 200, "pipe": 20, "backlog": 10_000, "large": 50, "route": 1000, "trace": ""}
QUICK = {"latency": 20, "pipe": 5, "backlog": 300, "large": 5, "route": 200, "trace": "easy-ham-1"}


def _ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1000:.0f} ms, p99 {percentile(values, 99) * 1000:.0f} ms (n={len(values)})"


def latency(size: dict) -> list[Row]:
    from bench.latency import measure

    f = measure(size["latency"], size["pipe"])
    return [
        ("latency: APPEND → ack over IMAP IDLE (Dovecot adds 0.5 s)", _ms(f["idle"]), ""),
        ("latency: our share, IDLE notice → ack", _ms(f["ours"]), ""),
        ("latency: stopit ingest (pipe) → ack, daemon running", _ms(f["pipe"]), ""),
        ("latency: stopit ingest (pipe) → ack, no daemon", _ms(f["alone"]), ""),
    ]


def backlog(size: dict) -> list[Row]:
    from bench.backlog import measure

    n = size["backlog"]
    f = measure(n)
    return [
        (f"backlog: {n:,} waiting reports → all acks", f"{f['seconds']:.0f} s ({n / f['seconds']:.0f}/s)", "≤ 300 s"),
        ("backlog: daemon peak RSS", f"{f['peak_mb']:.0f} MB", "≤ 200 MB"),
    ]


def trace(size: dict) -> list[Row]:
    from bench.trace import SA_RELAYS, speed
    from tests.corpus import CORPUS

    target = CORPUS / "spamassassin-public-corpus" / size["trace"]
    if not target.exists() or not SA_RELAYS.exists():
        raise LookupError(f"needs {target} and {SA_RELAYS}")
    sa_s, _, our_s, our_n = speed(str(target))
    value = f"{our_s:.1f} s vs {sa_s:.1f} s over {our_n:,} messages: ratio {our_s / sa_s:.2f}"
    return [("trace: stopit trace vs sa_relays", value, "≤ 1.00")]


def large(size: dict) -> list[Row]:
    from bench.large import measure

    f = measure(size["large"])
    value = f"{f['seconds']:.1f} s, peak RSS {f['peak_mb']:.0f} MB, {f['mails']} mail(s)"
    return [(f"large: {f['report_mb']:.0f} MB report, stopit ingest (no daemon) → case and mail", value, "")]


def route(size: dict) -> list[Row]:
    from bench.route import measure
    from tests.corpus import CORPUS

    if not CORPUS.is_dir():
        raise LookupError(f"needs the corpus at {CORPUS}")
    f = measure(size["route"])
    value = f"{f['share']:.1f}% ({f['route_s']:.2f} s of {f['pipeline_s']:.2f} s, {f['reports']} reports)"
    return [
        ("routing: share of the whole pipeline", value, "< 10%"),
        ("routing: stopit explain, whole command", _ms(f["explain"]), ""),
    ]


BENCHES: dict[str, Callable[[dict], list[Row]]] = {
    "latency": latency,
    "backlog": backlog,
    "trace": trace,
    "large": large,
    "route": route,
}
NEEDS_DOVECOT = {"latency", "backlog"}


def main(args: list[str]) -> int:
    quick = "--quick" in args
    size = QUICK if quick else FULL
    chosen = [a for a in args if not a.startswith("-")] or list(BENCHES)
    rows: list[Row] = []
    failed = 0
    for name in chosen:
        begin = time.monotonic()
        print(f"running {name} …", file=sys.stderr, flush=True)
        try:
            if name in NEEDS_DOVECOT and not (shutil.which("dovecot") or shutil.which("/usr/sbin/dovecot")):
                raise LookupError("needs Dovecot (bash .ci/run installs it)")
            rows += BENCHES[name](size)
        except LookupError as exc:
            rows.append((f"{name}: skipped", str(exc), ""))
        except Exception as exc:
            traceback.print_exc()
            rows.append((f"{name}: FAILED", f"{type(exc).__name__}: {exc}"[:100], ""))
            failed += 1
        print(f"  {name} took {time.monotonic() - begin:.0f} s", file=sys.stderr, flush=True)
    headers = ("benchmark" + (" (--quick)" if quick else ""), "result", "target")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
