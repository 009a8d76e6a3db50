"""Owns SpamAssassin's view of a Received chain, so stopit can be measured against sa_relays.

SpamAssassin lists a relay for every Received line it reads as a TCP handover (an address and a
receiving host), then one for each of its `originating_ip_headers`, and trusts relays from the top
while they are private or authenticated (or inside `trusted_networks`, which always holds 127/8
and ::1). Nothing here decides what stopit believes; `mark_trust` does that.
"""

from __future__ import annotations

import ipaddress
import re

from stopit.trace.received import IP_IN_TEXT, Hop, in_networks, is_private, normalise_ip

# SpamAssassin's default originating_ip_headers (10_default_prefs.cf), in its order.
SA_ORIGINATING_HEADERS = (
    "X-Yahoo-Post-IP",
    "X-Originating-IP",
    "X-Apparently-From",
    "X-SenderIP",
    "X-AOL-IP",
    "X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp",
)
_SA_FETCHER = re.compile(r"with (?:POP3|IMAP)")  # SpamAssassin's test, case and all
ALWAYS_TRUSTED = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def sa_originating(headers: list[tuple[str, str]]) -> list[str]:
    """One address per originating header, as SpamAssassin reads them: its order, the last such header."""
    found = []
    for wanted in SA_ORIGINATING_HEADERS:
        values = [v for k, v in headers if k.lower() == wanted.lower()]
        match = IP_IN_TEXT.search(values[-1]) if values else None
        ip = normalise_ip(match.group(0)) if match else ""
        if ip:
            found.append(ip)
    return found


def sa_relays(
    hops: list[Hop], originating: list[str], trusted_networks: tuple[str, ...] = ()
) -> list[tuple[str, bool]]:
    """(address, trusted) for every relay SpamAssassin keeps, newest first.

    A relay is trusted while every relay above it is: private or authenticated, or with
    `trusted_networks` inside them (127/8 and ::1 always). A mail fetcher's line ("with POP3",
    "with IMAP": fetchmail, getmail) met while still among trusted relays restarts the list, as
    SpamAssassin does, because the relays above it only moved the mail from a mailbox.
    """
    networks = [ipaddress.ip_network(n, strict=False) for n in trusted_networks]
    kept: list[tuple[str, bool]] = []
    trusting = True
    candidates = [(h.ip, bool(h.auth), h.raw) for h in hops if h.is_relay or _SA_FETCHER.search(h.raw)]
    for ip, auth, raw in [*candidates, *((ip, False, "") for ip in originating)]:
        if not ip:  # a fetcher's line: restart while the relays so far are all trusted
            if trusting and raw.lower().startswith(("from ", "(from ")):
                kept.clear()
            continue
        if trusting and not auth:
            trusting = in_networks(ip, [*networks, *ALWAYS_TRUSTED]) if networks else is_private(ip)
        kept.append((ip, trusting))
    return kept


def sa_untrusted(hops: list[Hop], originating: list[str], trusted_networks: tuple[str, ...]) -> list[str]:
    """SpamAssassin's untrusted relay addresses, for comparing with sa_relays (same trust rules)."""
    return [ip for ip, trusted in sa_relays(hops, originating, trusted_networks) if not trusted]


def sa_relay_addresses(hops: list[Hop], headers: list[tuple[str, str]]) -> list[str]:
    """SpamAssassin's full relay list (trusted, then untrusted) for a message: the addresses, in order."""
    return [ip for ip, _ in sa_relays(hops, sa_originating(headers))]
