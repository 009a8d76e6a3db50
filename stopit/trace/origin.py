"""Owns where the sender's own address comes from, and how sure we are of it.

In order: a login recorded by a server we trust (confidence high); a line written by the sending
provider's own server, recognised because the handoff host's name is the `by` of the line below it
(medium when the trusted receiver's reverse DNS gave that name and the line records a login, low
otherwise); an originating-IP header; what a known webmail is known to hide. Below the handoff the
same rule is followed through the provider's own relays (private addresses, loopback filters,
hosts of its own domain) to the line that records the user. Nothing is inferred when the names do
not match, the handoff host looks like a home or dynamic connection (then the sender's own machine
wrote the lines below), or a line on the way cannot be read; a named mail server of another
organization found there is a relay, not the sender.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from stopit.trace.profiles import Provider, organizational_domain
from stopit.trace.received import IP_IN_TEXT, Hop, is_private, normalise_ip

# Headers in which a provider records the address its user connected from.
ORIGINATING_HEADERS = (
    "X-Originating-IP",
    "X-Yahoo-Post-IP",
    "X-AOL-IP",
    "X-Sender-IP",
    "X-SenderIP",
    "X-Apparently-From",
    "X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp",
    "X-MS-Exchange-Organization-OriginalClientIPAddress",
)
# Words ISPs put in the names of customer lines (one label, or one part of a dashed label).
_DYNAMIC_WORDS = frozenset(
    "dyn dynamic dynip dhcp dsl adsl vdsl xdsl cable pool ppp pppoe dial dialup broadband cpe res resi "  # noqa: SIM905
    "residential customer cust client clients home user users hsd1 ftth fttx fibre fiber mobile gprs "
    "wireless wifi lte 3g 4g 5g".split()
)
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
_GENERIC_NAMES = frozenset({"unknown", "user", "localhost", "localhost.localdomain", "mailserver", "mail"})
MAX_STEPS = 8  # lines of one provider's own relays followed below the handoff


@dataclass(frozen=True)
class Origin:
    """The sender's own address (or why there is none), with the basis and a confidence level."""

    ip: str = ""
    reason: str = ""
    confidence: str = ""  # "high", "medium", "low"; "" when there is no address
    basis: str = "none"  # trusted_chain, inferred, provider_header, none
    recorded_by: str = ""
    account: str = ""
    login: str = ""  # the login the recording server names (method, account), if any


def originating_ips(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(header, address) for each provider header that records the client's own address."""
    found = []
    wanted = {h.lower() for h in ORIGINATING_HEADERS}
    for name, value in headers:
        if name.lower() in wanted:
            match = IP_IN_TEXT.search(value)
            ip = normalise_ip(match.group(0)) if match else ""
            if ip:
                found.append((name, ip))
    return found


def looks_dynamic(name: str, ip: str) -> bool:
    """Whether a host name reads like a home, mobile or dynamic line rather than a mail server."""
    name = name.lower().rstrip(".")
    if not name or normalise_ip(name):
        return False
    if _DYNAMIC_WORDS.intersection(re.split(r"[.\-_]+", name)):
        return True
    numbers = re.findall(r"\d+", name)
    octets = ip.split(".") if "." in ip else []
    if len(octets) == 4 and len(numbers) >= 4:
        joined = " ".join(str(int(n)) for n in numbers)
        forward = " ".join(str(int(o)) for o in octets)
        backward = " ".join(str(int(o)) for o in reversed(octets))
        return f" {forward} " in f" {joined} " or f" {backward} " in f" {joined} "
    return False


def _is_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return bool(host) and host not in _GENERIC_NAMES and not normalise_ip(host.strip("[]")) and "?" not in host


def same_host(name: str, by: str) -> bool:
    """Whether `by` names the host called `name` (exactly, or by its first label when unqualified)."""
    name, by = name.lower().rstrip("."), by.lower().rstrip(".")
    if not _is_name(name) or not by or normalise_ip(by.strip("[]")):
        return False
    return by == name or ("." not in by and "." in name and name.split(".", 1)[0] == by)


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def _names(hop: Hop) -> set[str]:
    return {n.lower().rstrip(".") for n in (hop.rdns, hop.helo) if _is_name(n)}


def _login(hop: Hop) -> str:
    if hop.account and hop.auth:
        return f"{hop.auth}, account {hop.account}"
    return hop.auth or (f"account {hop.account}" if hop.account else "")


def _inferred(hops: list[Hop], handoff: int) -> Origin:
    """Follow the sending provider's own lines below the handoff to the address its server recorded."""
    sender = hops[handoff]
    first = sender.rdns if _is_name(sender.rdns) else sender.helo
    if not _is_name(first):
        return Origin(reason="the handoff host gave no name to tie the lines below it to, so they are not believed")
    if looks_dynamic(sender.rdns, sender.ip) or looks_dynamic(sender.helo, sender.ip):
        return Origin(
            reason=f"the handoff host {first} looks like a home or dynamic connection: the lines below it were "
            "written by the sender's own machine, so they are not believed"
        )
    names, writer, via = _names(sender), first, ""
    for line in hops[handoff + 1 : handoff + 1 + MAX_STEPS]:
        if not line.by and not line.raw.lower().startswith(("from ", "(from ")):
            continue  # a note such as "(qmail 123 invoked from network)", not a handover
        if not line.parsed or not line.by:
            return Origin(reason=f"the line below {writer} cannot be read, so it is not believed")
        if line.by.lower().rstrip(".") not in names and not any(same_host(n, line.by) for n in names):
            return Origin(
                reason=f"the line below the handoff host {writer} was written by {line.by}, a different name, "
                "so it is not believed"
            )
        if not via:  # the name the first link was made by: the receiver's DNS lookup, or the sender's word
            via = "reverse DNS" if same_host(sender.rdns, line.by) else "HELO"
            first = sender.rdns if via == "reverse DNS" else sender.helo
        writer = line.by
        login = _login(line)
        if not line.ip and login:
            return Origin(reason=f"the sending server {writer} recorded a login ({login}) but no address")
        if not line.ip:
            names |= {writer.lower()}
            continue
        client = line.rdns or line.helo
        internal = is_private(line.ip) or (
            not login
            and bool(organizational_domain(client))
            and organizational_domain(client) == organizational_domain(writer)
            and not looks_dynamic(client, line.ip)
        )
        if internal:  # the provider's own relay: its name is the writer of the next line down
            names = {writer.lower(), *_names(line)} | (_LOOPBACK_NAMES if _is_loopback(line.ip) else set())
            continue
        if not login and _is_name(line.rdns) and not looks_dynamic(line.rdns, line.ip):
            # A mail server of another organization relayed it here: that is no user's own address.
            return Origin(
                reason=f"{writer} received it from another organization's mail server, {line.rdns} ({line.ip}), "
                "so the sender's own address is not recorded by a server tied to the handoff"
            )
        org = organizational_domain(writer) or writer
        what = f"when its user logged in to send ({login})" if login else "as the connecting client (no login recorded)"
        return Origin(
            ip=line.ip,
            reason=f"recorded by {org}'s server {writer} {what}; inferred because the handoff host's {via} "
            f"name {first} leads to the server that wrote that line, not confirmed by a server we trust",
            confidence="medium" if login and via == "reverse DNS" else "low",
            basis="inferred",
            recorded_by=writer,
            account=line.account,
            login=login,
        )
    return Origin(reason=f"the sending server {writer} did not record its user's own address")


def find_origin(
    hops: list[Hop], handoff: int | None, headers: list[tuple[str, str]], provider: Provider | None
) -> Origin:
    """The best-founded sender address, or the reason there is none, with its basis and confidence."""
    trusted_auth = [h for h in hops if h.trusted and (h.auth or h.account) and h.ip and not is_private(h.ip)]
    if trusted_auth:
        hop = trusted_auth[-1]
        return Origin(
            hop.ip,
            f"recorded by {hop.by} when the sender logged in to send ({_login(hop)})",
            "high",
            "trusted_chain",
            hop.by,
            hop.account,
            _login(hop),
        )
    inferred = _inferred(hops, handoff) if handoff is not None else Origin()
    if inferred.ip and inferred.login:
        return inferred
    # Microsoft's X-Sender-IP names the host that connected to it: the handoff, not the sender's client.
    handoff_ip = hops[handoff].ip if handoff is not None else ""
    recorded = [(n, ip) for n, ip in originating_ips(headers) if not is_private(ip) and ip != handoff_ip]
    if recorded:
        name, ip = recorded[0]
        confidence = "medium" if provider is not None else "low"
        return Origin(ip, f"from the {name} header written by the sending provider", confidence, "provider_header")
    if inferred.ip:
        return inferred
    if provider is not None and provider.webmail_ip:
        return Origin(reason=provider.webmail_ip)
    if handoff is None:
        return Origin(reason="no server we trust recorded where the message came from")
    return inferred
