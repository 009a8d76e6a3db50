"""Extraction: forwards.jsonl scored for stopit and its peer, and throughput over the whole corpus.

The peer is the PyPI package email-forward-parser (a port of crisp-oss/email-forward-parser, whose
fixtures forwards.jsonl comes from), scored with the same checker on the same cases — both given
the same neutral outer subject, so each must read the forwarded subject from the body — and on
the talon replies (which must not be taken as forwards). The fixtures are in tests/data; the
throughput run needs the third-party corpus ($STOPIT_CORPUS, else ../shared/corpus).
Run: .venv/bin/python -m bench.extract
"""

from __future__ import annotations

import time

from bench.common import ROOT  # noqa: F401 - puts the checkout on sys.path
from stopit.extract import extract
from stopit.ingest.parse import envelope_of
from stopit.models import Address, Offending, RawMessage
from tests.corpus import DATA, MISSING, corpus_root, manifest
from tests.forwards import DESK, body_of, cases, problems, report_subject, run


def throughput() -> None:
    root = corpus_root()
    if root is None:
        print(MISSING)
        return
    files = manifest(root)
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


def _peer(case: dict, body_first: bool = True) -> tuple[Offending, ...]:
    """The peer's answer. By design it prefers the outer subject to the one in the body, which a
    neutral subject defeats; `body_first` asks it about the body alone first, and with the outer
    subject only when the body alone is not a forward (Outlook's "wrote:" form needs the subject)."""
    from emailforwardparser.forward_parser import get_forwarded_metadata

    meta = get_forwarded_metadata(body_of(case), None) if body_first else None
    if meta is None or not meta.forwarded:
        meta = get_forwarded_metadata(body_of(case), report_subject(case))
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
    ours = peer = peer_as_designed = 0
    for case in all_cases:
        mine = problems(case, run(case))
        ours += not mine
        peer += not problems(case, _peer(case))
        peer_as_designed += not problems(case, _peer(case, body_first=False))
        if mine:
            print(f"  stopit misses {case['file'].split('/')[-1]} ({case['upstream_test'][:12]}): {'; '.join(mine)}")
    n = len(all_cases)
    print(
        f"forwards.jsonl fully right, neutral outer subject: stopit {ours}/{n} ({100 * ours / n:.1f}%), "
        f"email-forward-parser {peer}/{n} ({100 * peer / n:.1f}%) reading the body first, "
        f"{peer_as_designed}/{n} given the outer subject as its API expects"
    )


def talon() -> None:
    from emailforwardparser.forward_parser import get_forwarded_metadata

    from stopit.extract import main_text
    from stopit.extract.mime import walk

    ours = peer = total = 0
    for path in sorted((DATA / "talon").rglob("*.eml")):
        data = path.read_bytes()
        env = envelope_of(RawMessage(data, "bench"))
        total += 1
        ours += any(f.source in ("inline", "attachment") for f in extract(data, env, DESK))
        peer += get_forwarded_metadata(main_text(list(walk(data))), env.subject).forwarded
    print(f"talon replies taken as forwards: stopit {ours}/{total}, email-forward-parser {peer}/{total}")


def junk(step: int = 4) -> None:
    """How the SpamAssassin public corpus would be classified if each message reached the desk:
    spam should be junk or automatic, ham never junk (commercial 'hard ham' is bulk mail too)."""
    from collections import Counter

    from stopit.extract import read_parts
    from stopit.extract.junk import unsolicited
    from stopit.ingest.classify import classify
    from stopit.models import Facts

    root = corpus_root()
    if root is None:
        print(MISSING)
        return
    for folder in sorted(p for p in (root / "spamassassin-public-corpus").iterdir() if p.is_dir()):
        kinds: Counter[str] = Counter()
        for path in sorted(folder.iterdir())[::step]:
            data = path.read_bytes()
            env = envelope_of(RawMessage(data, "bench"))
            read = read_parts(data)
            why = unsolicited(env, read.parts, read.text, extract(data, env, DESK, read=read), DESK, ())
            kinds[classify(env, Facts(), why).kind.value] += 1
        total = sum(kinds.values())
        print(f"{folder.name}: " + ", ".join(f"{k} {n}/{total}" for k, n in kinds.most_common()))


if __name__ == "__main__":
    score()
    talon()
    junk()
    throughput()
