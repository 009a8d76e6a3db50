"""Trace: where an offending message really came from — hops, where trust ends, origin, authentication, signs.

`trace()` is pure: the message's bytes and what the desk trusts in, a Trace out. DNS is reached only
through the lookups passed in. Trust works like SpamAssassin's trusted_networks for mail our own
servers received, and like SpamCop's mailhosts for mail received by a known provider: a Received
line is believed only while every line above it was written by a host we trust.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from stopit.extract.mime import head_of
from stopit.ingest.parse import bounded_head, decode_header_value, parse_addresses
from stopit.trace.auth import (
    Authentication,
    Resolver,
    alignment,
    check_spf,
    parse_authentication_results,
    verify_arc,
    verify_dkim,
)
from stopit.trace.origin import ORIGINATING_HEADERS as ORIGINATING_HEADERS  # re-exported
from stopit.trace.origin import Origin, find_origin
from stopit.trace.origin import originating_ips as originating_ips  # re-exported
from stopit.trace.profiles import (
    DISPOSABLE,
    FREEMAIL,
    Provider,
    load_providers,
    organizational_domain,
    provider_for_domain,
    provider_for_host,
)
from stopit.trace.received import Hop, in_networks, is_private, normalise_ip, parse_received
from stopit.trace.sa import sa_untrusted as sa_untrusted  # re-exported: the CLI compares with sa_relays

CLOCK_TOLERANCE = timedelta(minutes=15)
# Only the headers whose words are read (names in From, Reply-To) need RFC 2047 decoding.
_DECODED = frozenset({"from", "reply-to", "return-path", "date", "to", "cc", "subject"})
DATE_SKEW = timedelta(hours=24)
_LOOKALIKES = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "i": "l",
        "|": "l",
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "х": "x",
        "у": "y",
        "ı": "l",
    }
)
# Gmail's and Microsoft's internal hops name the receiving host by an address, not a name.
_INTERNAL_BY = (ipaddress.ip_network("2002:a00::/24"), ipaddress.ip_network("2603:10a6::/32"))


@dataclass(frozen=True)
class Lookups:
    """The network, passed in: None means offline, and the result says so."""

    resolver: Resolver | None = None
    spf: Callable[..., tuple] | None = None
    rdap: Callable[[str], dict | None] | None = None  # cached RDAP answers; never a network call at intake


@dataclass(frozen=True)
class TraceSettings:
    trusted_networks: tuple[str, ...] = ()
    internal_networks: tuple[str, ...] = ()
    org_domains: tuple[str, ...] = ()
    providers: tuple[Provider, ...] = field(default_factory=load_providers)

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        cidrs = (*self.trusted_networks, *self.internal_networks)
        return [ipaddress.ip_network(n, strict=False) for n in cidrs]


@dataclass(frozen=True)
class Indicator:
    code: str
    detail: str

    def to_json(self) -> dict:
        return {"code": self.code, "detail": self.detail}


@dataclass(frozen=True)
class Trace:
    """What the headers tell of where a message came from; the defaults are a trace that found nothing."""

    hops: tuple[Hop, ...] = ()
    handoff_ip: str = ""
    handoff_by: str = ""
    receiver: str = ""
    provider_domain: str = ""
    provider: str = ""
    auth: Authentication = field(default_factory=Authentication)
    indicators: tuple[Indicator, ...] = ()
    abuse_contacts: tuple[dict, ...] = ()
    conclusion: str = ""
    unparsed: int = 0
    origin: Origin = field(default_factory=Origin)

    @property
    def origin_ip(self) -> str:
        return self.origin.ip

    @property
    def origin_reason(self) -> str:
        return self.origin.reason

    def to_json(self) -> dict:
        return {
            "hops": [h.to_json() for h in self.hops],
            "handoff_ip": self.handoff_ip or None,
            "handoff_by": self.handoff_by or None,
            "receiver": self.receiver or None,
            "origin_ip": self.origin_ip or None,
            "origin_reason": self.origin_reason,
            "origin_confidence": self.origin.confidence or None,
            "origin_basis": self.origin.basis,
            "origin_recorded_by": self.origin.recorded_by or None,
            "origin_account": self.origin.account or None,
            "provider_domain": self.provider_domain or None,
            "provider": self.provider or None,
            "auth": self.auth.to_json(),
            "indicators": [i.to_json() for i in self.indicators],
            "abuse_contacts": list(self.abuse_contacts),
            "conclusion": self.conclusion,
            "unparsed": self.unparsed,
        }


# --- trust ----------------------------------------------------------------------------------


def _org_host(host: str, settings: TraceSettings) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in settings.org_domains)


def receiver_of(hop: Hop, settings: TraceSettings, networks: list) -> str:
    """Who we trust to have written this line: a provider's key, 'org', 'internal', or ''."""
    by = hop.by.strip("[]")
    if _org_host(by, settings) or (normalise_ip(by) and in_networks(normalise_ip(by), networks)):
        return "org"
    provider = provider_for_host(by, settings.providers)
    if provider is not None:
        return provider.key
    ip = normalise_ip(by)
    if ip and (is_private(ip) or in_networks(ip, _INTERNAL_BY)):
        return "internal"
    if by.lower() in ("localhost", "localhost.localdomain"):
        return "internal"  # a filter or store on the machine that wrote the line above
    return ""


def _sender_is_inside(hop: Hop, vouch: str, settings: TraceSettings, networks: list) -> bool:
    """Whether the host that handed this hop over belongs to whoever wrote it (an internal hop)."""
    if not hop.ip:
        return True
    if in_networks(hop.ip, networks) or is_private(hop.ip) or in_networks(hop.ip, _INTERNAL_BY):
        return True
    if vouch == "org":
        return bool(hop.rdns) and _org_host(hop.rdns, settings)
    provider = next((p for p in settings.providers if p.key == vouch), None)
    if provider is None:
        return False
    return provider.owns_ip(hop.ip) or (bool(hop.rdns) and provider.owns_host(hop.rdns))


def mark_trust(hops: list[Hop], settings: TraceSettings) -> tuple[list[Hop], int | None, str]:
    """Trusted flags, the index of the handoff hop, and who received it there."""
    networks = settings.networks()
    marked: list[Hop] = []
    handoff: int | None = None
    vouch = ""
    trusting = True
    for i, hop in enumerate(hops):
        if trusting:
            writer = receiver_of(hop, settings, networks)
            if writer == "internal":
                # A host named by a private address: the provider above it, or, at the very top,
                # the recipient's own mailbox system delivering internally.
                writer = vouch or ("internal" if i == 0 else "")
            if not writer:
                trusting = False
            else:
                vouch = writer
        if not trusting:
            marked.append(hop)
            continue
        marked.append(replace(hop, trusted=True))
        if hop.ip and not _sender_is_inside(hop, vouch, settings, networks):
            handoff = i
            trusting = False
    return marked, handoff, vouch


# --- origin ---------------------------------------------------------------------------------


# --- signs of spoofing and forgery ----------------------------------------------------------


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower().strip(">").strip()


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _skeleton(domain: str) -> str:
    """A domain folded for comparison: accents stripped, look-alike letters and digits merged."""
    if _is_punycode(domain):
        with contextlib.suppress(UnicodeError):
            domain = domain.encode("ascii").decode("idna")
    folded = unicodedata.normalize("NFKD", domain)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded.lower().translate(_LOOKALIKES).replace("rn", "m").replace("vv", "w")


def _is_punycode(domain: str) -> bool:
    return domain.startswith("xn--") or ".xn--" in domain


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def lookalike_of(domain: str, org_domains: tuple[str, ...]) -> str:
    """The org domain that `domain` imitates, or ''."""
    domain = domain.lower()
    for org in org_domains:
        if domain == org or domain.endswith("." + org):
            continue
        if _edit_distance(_skeleton(domain), _skeleton(org)) <= 2:
            return org
    return ""


def spoofing_signs(headers: list[tuple[str, str]], org_domains: tuple[str, ...]) -> list[Indicator]:
    def values(name: str) -> list[str]:
        return [v for k, v in headers if k.lower() == name]

    from_ = parse_addresses(values("from"))
    if not from_:
        return [Indicator("no_from", "the message has no readable From address")]
    sender = from_[0]
    domain = _domain(sender.address)
    signs = []
    return_path = [_domain(v.strip("<> ")) for v in values("return-path") if "@" in v]
    if return_path and organizational_domain(return_path[0]) != organizational_domain(domain):
        detail = f"From is at {domain} but the envelope sender (Return-Path) is at {return_path[0]}"
        signs.append(Indicator("return_path_differs", detail))
    for reply in parse_addresses(values("reply-to")):
        if organizational_domain(_domain(reply.address)) != organizational_domain(domain):
            detail = f"replies would go to {reply.address}, not to {domain}"
            signs.append(Indicator("reply_to_differs", detail))
    named = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", sender.name)
    if any(n.lower() != sender.address.lower() for n in named):
        detail = f"the display name shows {named[0]} but the message is from {sender.address}"
        signs.append(Indicator("display_name_address", detail))
    imitated = lookalike_of(domain, org_domains)
    if imitated:
        signs.append(Indicator("lookalike_domain", f"{domain} looks like our own {imitated}"))
    if domain in DISPOSABLE:
        signs.append(Indicator("disposable_sender", f"{domain} is a disposable-address service"))
    elif domain in FREEMAIL:
        signs.append(Indicator("freemail_sender", f"{domain} is a free mail service anyone can join"))
    return signs


def chain_signs(hops: list[Hop], handoff: int | None, settings: TraceSettings) -> list[Indicator]:
    """Received lines that cannot all be true: the marks of forged lines below the handoff."""
    networks = settings.networks()
    signs = []
    if handoff is not None:
        for hop in hops[handoff + 1 :]:
            if receiver_of(hop, settings, networks) not in ("", "internal"):
                detail = f"a line below the handoff claims {hop.by} received it: likely forged"
                signs.append(Indicator("forged_trusted_hop", detail))
    stamps = [(i, datetime.fromisoformat(h.timestamp)) for i, h in enumerate(hops) if h.timestamp]
    for (i, newer), (j, older) in itertools.pairwise(stamps):
        if newer.tzinfo and older.tzinfo and older - newer > CLOCK_TOLERANCE:
            detail = f"hop {j + 1} says {older.isoformat()}, later than hop {i + 1} above it"
            signs.append(Indicator("time_order", detail))
    for upper, lower in itertools.pairwise(hops):
        received_at = organizational_domain(lower.by)
        sent_from = {organizational_domain(upper.rdns), organizational_domain(upper.helo)}
        if upper.trusted and upper.rdns and received_at and received_at not in sent_from:
            detail = f"{upper.by} got it from {upper.rdns}, but the line below says {lower.by} received it"
            signs.append(Indicator("chain_break", detail))
    return signs


def date_signs(headers: list[tuple[str, str]], hops: list[Hop], handoff: int | None) -> list[Indicator]:
    from stopit.extract import parse_date

    date = next((v for k, v in headers if k.lower() == "date"), "")
    received_at = hops[handoff].timestamp if handoff is not None else ""
    written = parse_date(date)
    if not written or not received_at:
        return []
    try:
        gap = abs(datetime.fromisoformat(received_at) - datetime.fromisoformat(written))
    except (ValueError, TypeError):
        return []
    if gap > DATE_SKEW:
        return [Indicator("date_skew", f"Date says {date}, {gap} away from when our trusted server got it")]
    return []


# --- putting it together --------------------------------------------------------------------


def _abuse_contacts(provider: Provider | None, provider_domain: str, rdap: dict | None) -> tuple[dict, ...]:
    contacts = []
    if provider is not None and provider.abuse:
        contacts.append({"contact": provider.abuse, "for": provider.name, "basis": "provider table"})
    elif provider_domain:
        contacts.append(
            {
                "contact": f"abuse@{provider_domain}",
                "for": provider_domain,
                "basis": "RFC 2142 role address of the sending organization",
            }
        )
    for email in (rdap or {}).get("abuse_emails", []):
        assert rdap is not None  # only an answer has e-mail addresses
        if all(c["contact"] != email for c in contacts):
            contacts.append(
                {
                    "contact": email,
                    "for": rdap.get("network") or rdap["ip"],
                    "basis": f"RDAP abuse contact of the network of {rdap['ip']}",
                }
            )
    return tuple(contacts)


def _conclusion(t: dict) -> str:
    parts = []
    provider, dkim_pass = t["provider"], t["dkim_pass"]
    if provider:
        parts.append(f"Sent through {provider.name}.")
    for domain in dkim_pass:
        parts.append(f"DKIM signature by {domain} verified, so {domain} really sent it.")
    for sig in t["dkim_failed"]:
        parts.append(
            f"DKIM signature by {sig.domain} did not verify ({sig.result}): the message was "
            "changed on the way or the signature is forged."
        )
    if t["dkim_unchecked"]:
        parts.append("DKIM signatures were not checked (offline).")
    if t["handoff_ip"]:
        host = f" ({t['handoff_rdns']})" if t["handoff_rdns"] else ""
        parts.append(
            f"{_capital(t['receiver_name'])} received it from {t['handoff_ip']}{host}; this address could "
            "not be forged by the sender."
        )
    elif t["trusted_count"]:
        parts.append(f"{_capital(t['receiver_name'])} received it, but recorded no outside address.")
    else:
        parts.append(
            "No server we trust wrote any of its Received lines, so where it came from cannot "
            "be confirmed: every line could be forged."
        )
    origin = t["origin"]
    if origin.basis == "inferred":
        parts.append(
            f"The sender's own address was probably {origin.ip} ({origin.reason}; confidence {origin.confidence})."
        )
    elif origin.ip:
        parts.append(f"The sender's own address was {origin.ip} ({origin.reason}; confidence {origin.confidence}).")
    elif origin.reason and (t["handoff_ip"] or t["trusted_count"]):
        # With no trusted line at all the sentence above already says nothing was recorded.
        parts.append(_capital(origin.reason) + ".")
    for sign in t["indicators"]:
        parts.append(f"Warning: {sign.detail}.")
    for contact in t["abuse"]:
        parts.append(f"Report to {contact['for']}'s abuse desk: {contact['contact']}.")
    parts.append("Headers show which servers carried the message, not who typed it.")
    return " ".join(parts)


def header_fields(head: bytes) -> list[tuple[str, str]]:
    """(name, value) pairs of a header block, unfolded; lines that are not fields are skipped."""
    fields: list[tuple[str, str]] = []
    lines = bounded_head(head).decode("utf-8", "replace").splitlines()
    if lines and lines[0].startswith("From "):
        lines = lines[1:]  # an mbox separator line, not a field
    for line in lines:
        if line[:1] in (" ", "\t"):
            if fields:
                fields[-1] = (fields[-1][0], fields[-1][1] + " " + line.strip())
            continue
        name, colon, value = line.partition(":")
        if not (colon and name and " " not in name.strip() and len(name) < 80):
            break  # a line that is no header field ends the header section, as in every mail parser
        fields.append((name.strip(), value.strip()))
    return fields


def trace(data: bytes, settings: TraceSettings | None = None, lookups: Lookups | None = None) -> Trace:
    """Trace one message from its exact bytes (headers are enough)."""
    settings = settings or TraceSettings()
    lookups = lookups or Lookups()
    raw_headers = header_fields(head_of(data))
    headers = [(k, decode_header_value(v) if k.lower() in _DECODED else v) for k, v in raw_headers]
    raw_received = [v for k, v in raw_headers if k.lower() == "received"]
    hops, handoff, vouch = mark_trust([parse_received(v) for v in raw_received], settings)
    handoff_hop = hops[handoff] if handoff is not None else None
    providers = settings.providers
    signatures = verify_dkim(data, headers, lookups.resolver)
    dkim_pass = [s.domain for s in signatures if s.result == "pass"]
    handoff_host = handoff_hop.rdns or handoff_hop.helo if handoff_hop else ""
    provider = provider_for_host(handoff_host, providers) or next(
        (p for d in dkim_pass if (p := provider_for_domain(d, providers))), None
    )
    provider_domain = organizational_domain(handoff_host) or (organizational_domain(dkim_pass[0]) if dkim_pass else "")
    receiver = next((p for p in providers if p.key == vouch), None)
    receiver_name = receiver.name if receiver else ("our own mail servers" if vouch == "org" else "")
    trusted_ids = {i for p in providers if p.key == vouch for i in p.authserv_ids}
    trusted_ids |= {h.by.lower() for h in hops if h.trusted} | set(settings.org_domains)
    envfrom = next((v.strip("<> ") for k, v in headers if k.lower() == "return-path"), "") or (
        handoff_hop.envfrom if handoff_hop else ""
    )
    spf = check_spf(
        handoff_hop.ip if handoff_hop else "", envfrom, handoff_hop.helo if handoff_hop else "", lookups.spf
    )
    from_domain = next(
        (a.address.rpartition("@")[2].lower() for a in parse_addresses([v for k, v in headers if k.lower() == "from"])),
        "",
    )
    auth = Authentication(
        alignment=alignment(from_domain, signatures, spf, envfrom, organizational_domain),
        dkim=signatures,
        arc=verify_arc(data, headers, lookups.resolver),
        spf=spf,
        authentication_results=parse_authentication_results(headers, trusted_ids),
    )
    origin = find_origin(hops, handoff, headers, provider)
    not_aligned = (
        [Indicator("not_aligned", f"no verified signature or SPF pass matches the From domain {from_domain}")]
        if auth.alignment.get("dkim_aligned") is False and not auth.alignment.get("spf_aligned")
        else []
    )
    indicators = [
        *not_aligned,
        *chain_signs(hops, handoff, settings),
        *date_signs(headers, hops, handoff),
        *spoofing_signs(headers, settings.org_domains),
    ]
    rdap = lookups.rdap(handoff_hop.ip) if lookups.rdap and handoff_hop and handoff_hop.ip else None
    abuse = _abuse_contacts(provider, provider_domain, rdap)
    conclusion = _conclusion(
        {
            "provider": provider,
            "dkim_pass": dkim_pass,
            "dkim_failed": [s for s in signatures if s.result.startswith(("fail", "error"))],
            "dkim_unchecked": any(s.result.startswith("not checked") for s in signatures),
            "handoff_ip": handoff_hop.ip if handoff_hop else "",
            "handoff_rdns": handoff_hop.rdns if handoff_hop else "",
            "receiver_name": receiver_name or "A server we trust",
            "trusted_count": sum(h.trusted for h in hops),
            "origin": origin,
            "indicators": indicators,
            "abuse": abuse,
        }
    )
    return Trace(
        hops=tuple(hops),
        handoff_ip=handoff_hop.ip if handoff_hop else "",
        handoff_by=handoff_hop.by if handoff_hop else "",
        receiver=receiver_name,
        provider_domain=provider_domain,
        provider=provider.name if provider else "",
        auth=auth,
        indicators=tuple(indicators),
        abuse_contacts=abuse,
        conclusion=conclusion,
        unparsed=sum(1 for h in hops if not h.parsed),
        origin=origin,
    )
