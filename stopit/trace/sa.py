"""Owns SpamAssassin's view of a Received chain, so stopit can be measured against sa_relays.

SpamAssassin lists a relay for every Received line it reads as a TCP handover (an address and a
receiving host), then one for each of its `originating_ip_headers`, and trusts relays from the top
while they are private or authenticated (or inside `trusted_networks`, which always holds 127/8
and ::1). Nothing here decides what stopit believes; `mark_trust` does that.
"""

from __future__ import annotations

import ipaddress

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


def sa_relays(hops: list[Hop], originating: list[str]) -> list[tuple[str, bool]]:
    """(address, authenticated) for every relay SpamAssassin would list, newest first."""
    return [(h.ip, bool(h.auth)) for h in hops if h.is_relay] + [(ip, False) for ip in originating]


def sa_untrusted(hops: list[Hop], originating: list[str], trusted_networks: tuple[str, ...]) -> list[str]:
    """SpamAssassin's untrusted relay addresses, for comparing with sa_relays (same trust rules)."""
    networks = [ipaddress.ip_network(n, strict=False) for n in trusted_networks]
    untrusted, trusting = [], True
    for ip, auth in sa_relays(hops, originating):
        if trusting and not auth:
            trusting = in_networks(ip, [*networks, *ALWAYS_TRUSTED]) if networks else is_private(ip)
        if not trusting:
            untrusted.append(ip)
    return untrusted


def sa_relay_addresses(hops: list[Hop], headers: list[tuple[str, str]]) -> list[str]:
    """SpamAssassin's full relay list (trusted, then untrusted) for a message: the addresses, in order."""
    return [ip for ip, _ in sa_relays(hops, sa_originating(headers))]
