"""Side by side with SpamAssassin's own Received parser (../shared/tools/sa_relays): the corpus and modern chains."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path

from bench.trace import chain_agreement, full_list, run_sa_relays, spamassassin_available, stored_sa_relays
from stopit.extract.mime import split_head
from stopit.trace import header_fields, sa_untrusted, trace
from stopit.trace.received import parse_received
from stopit.trace.sa import sa_originating, sa_relay_addresses
from tests.corpus import absent, corpus, corpus_files


def sa_relays() -> Path:
    """SpamAssassin's parser as a tool kept beside the corpus (../shared/tools), missing like the corpus."""
    tool = corpus().parent / "tools" / "sa_relays"
    if not tool.exists():
        absent(f"sa_relays not found at {tool}: the SpamAssassin comparison is skipped")
    return tool


@cache
def spamassassin() -> dict[str, dict]:
    """sa_relays' answer for every corpus file, with no trusted networks."""
    tool, root = sa_relays(), corpus()
    out = subprocess.run([str(tool), str(root)], capture_output=True, text=True, check=True, timeout=600)
    rows = (json.loads(line) for line in out.stdout.splitlines())
    return {str((tool.parent / r["file"]).resolve()): r for r in rows}


def ours(data: bytes, full: bool = False) -> list[str]:
    hops, headers = list(trace(data).hops), header_fields(split_head(data)[0])
    if full:
        return sa_relay_addresses(hops, headers)
    # SpamAssassin's own originating_ip_headers, read its way (one address per header name).
    return sa_untrusted(hops, sa_originating(headers), ())


@cache
def comparison(full: bool = False) -> tuple[int, dict[str, tuple[list[str], list[str]]]]:
    """Messages with Received lines, and where our list differs: untrusted relays, or (`full`) all."""
    theirs = spamassassin()
    total, differences = 0, {}
    for item in corpus_files():
        data = item.path.read_bytes()
        if not any(name.lower() == "received" for name, _ in header_fields(split_head(data)[0])):
            continue
        total += 1
        row = theirs[str(item.path.resolve())]
        mine, sa = ours(data, full), full_list(row) if full else [x["ip"] for x in row["untrusted"]]
        if mine != sa:
            differences[str(item.path.relative_to(item.root))] = (mine, sa)
    return total, differences


def test_untrusted_relays_match_spamassassin_on_99_percent_of_the_corpus() -> None:
    total, differences = comparison()
    agreement = 1 - len(differences) / total
    print(f"\nuntrusted relays identical to sa_relays: {total - len(differences)}/{total} ({agreement:.2%})")
    assert total > 6000
    assert agreement >= 0.99


def test_full_relay_list_matches_spamassassin_on_99_percent_of_the_corpus() -> None:
    # Trusted relays too: the localhost hops of 2002's fetchmail setups are dropped as SpamAssassin does.
    total, differences = comparison(full=True)
    agreement = 1 - len(differences) / total
    print(f"\nfull relay list identical to sa_relays: {total - len(differences)}/{total} ({agreement:.2%})")
    assert agreement >= 0.99


def test_proxied_webmail_we_report_the_connecting_proxy_spamassassin_the_claimed_client() -> None:
    # "from cacher2-ext.wise.edt.ericsson.se ([194.237.142.13]) (proxying for 159.107.166.28) … with HTTP":
    # the receiving server saw 194.237.142.13; "proxying for" is what the proxy claims about its client.
    # The handoff must be an address the receiver itself saw, so we keep the proxy. (We differ on purpose.)
    mine, sa = comparison()[1]["spamassassin-public-corpus/easy-ham-1/00107.787086c3c593b9e2335199019b130158.txt"]
    assert mine[-1] == "194.237.142.13" and sa[-1] == "159.107.166.28"


def test_address_only_lines_are_kept_as_claimed_relays() -> None:
    # "from 200.21.241.94 by 92.63.87.69; …" in a spam message: SpamAssassin's parser drops a line
    # whose receiving host is an address. We keep it as an untrusted, claimed hop: staff see every
    # line the sender wrote, and it can never be trusted, so the handoff is unaffected.
    mine, sa = comparison()[1]["nodemailer-mailparser/spam.eml"]
    assert "200.21.241.94" in mine and "200.21.241.94" not in sa


# --- modern public chains (tests/data/chains, see SOURCES there) --------------------------------


def test_full_relay_list_matches_spamassassin_on_98_percent_of_modern_public_chains() -> None:
    # SpamAssassin's answers are stored beside the chains (bench.trace --store), so this runs without it.
    total, differences = chain_agreement(stored_sa_relays())
    agreement = 1 - len(differences) / total
    print(f"\nfull relay list identical to SpamAssassin: {total - len(differences)}/{total} ({agreement:.1%})")
    assert total >= 50
    assert agreement >= 0.98, differences


def test_the_stored_answers_are_what_sa_relays_says_today() -> None:
    if not spamassassin_available():
        absent("SpamAssassin (sa_relays) is not installed: the stored answers are used as they are")
    live, stored = run_sa_relays(), stored_sa_relays()
    assert [(r["file"], full_list(r)) for r in live] == [(r["file"], full_list(r)) for r in stored]


def test_spamassassin_style_list_always_trusts_loopback_like_spamassassin() -> None:
    hops = [
        parse_received(f"from {peer} by mx.campus.example.edu with ESMTP id 1; Mon, 16 Nov 2026 21:14:09 -0500")
        for peer in ("localhost ([127.0.0.1])", "localhost ([::1])", "mail.example.org ([18.9.28.5])")
    ]
    outside = parse_received(
        "from bad.example ([198.51.100.7]) by mx.campus.example.edu with ESMTP id 2; Mon, 16 Nov 2026 21:14:08 -0500"
    )
    # With trusted_networks given, 127/8 and ::1 stay trusted, as SpamAssassin always adds them.
    assert sa_untrusted([*hops, outside], [], ("18.9.28.0/24",)) == ["198.51.100.7"]
    assert sa_untrusted([*hops, outside], [], ("192.0.2.0/24",)) == ["18.9.28.5", "198.51.100.7"]
