"""Extraction: throughput over the whole shared corpus, and forwards.jsonl scored for stopit and its peer.

The peer is the PyPI package email-forward-parser (a port of crisp-oss/email-forward-parser, whose
fixtures forwards.jsonl comes from), scored with the same checker on the same cases, and on the
talon replies (which must not be taken as forwards).
Run: .venv/bin/python -m bench.extract
"""

from __future__ import annotations

import time

from bench.common import ROOT  # noqa: F401 - puts the checkout on sys.path
from stopit.extract import extract
from stopit.ingest.parse import envelope_of
from stopit.models import Address, Offending, RawMessage
from tests.corpus import CORPUS, corpus_files
from tests.forwards import DESK, cases, problems, report_subject, run


def throughput() -> None:
    files = corpus_files()
    total_bytes = 0
    start = time.perf_counter()
    found = 0
    for item in files:
        data = item.path.read_bytes()
        total_bytes += len(data)
        found += len(extract(data, envelope_of(RawMessage(data, "bench")), DESK))
    elapsed = time.perf_counter() - start
    print(
        f"extract over the whole corpus: {len(files)} messages, {total_bytes / 1e6:.1f} MB in "
        f"{elapsed:.1f} s = {len(files) / elapsed:.0f} messages/s; {found} offending messages found"
    )


def _peer(case: dict) -> tuple[Offending, ...]:
    from emailforwardparser.forward_parser import get_forwarded_metadata

    body = (CORPUS / case["file"]).read_text(encoding="utf-8")
    meta = get_forwarded_metadata(body, report_subject(case))
    if not meta.forwarded:
        return ()
    email = meta.email

    def box(m) -> Address:
        return Address(m.address, m.name)

    return (
        Offending(
            "inline",
            box(email.from_),
            tuple(map(box, email.to)),
            tuple(map(box, email.cc)),
            (),
            email.subject,
            "",
            email.date,
            "",
            email.body,
            meta.message,
            False,
        ),
    )


def score() -> None:
    all_cases = cases()
    ours = sum(1 for c in all_cases if not problems(c, run(c)))
    peer = sum(1 for c in all_cases if not problems(c, _peer(c)))
    print(
        f"forwards.jsonl fully right: stopit {ours}/{len(all_cases)} ({100 * ours / len(all_cases):.1f}%), "
        f"email-forward-parser {peer}/{len(all_cases)} ({100 * peer / len(all_cases):.1f}%)"
    )


def talon() -> None:
    from emailforwardparser.forward_parser import get_forwarded_metadata

    from stopit.extract import main_text
    from stopit.extract.mime import walk

    ours = peer = total = 0
    for path in sorted((CORPUS / "talon").rglob("*.eml")):
        data = path.read_bytes()
        env = envelope_of(RawMessage(data, "bench"))
        total += 1
        ours += any(f.source in ("inline", "attachment") for f in extract(data, env, DESK))
        peer += get_forwarded_metadata(main_text(list(walk(data))), env.subject).forwarded
    print(f"talon replies taken as forwards: stopit {ours}/{total}, email-forward-parser {peer}/{total}")


if __name__ == "__main__":
    score()
    talon()
    throughput()
