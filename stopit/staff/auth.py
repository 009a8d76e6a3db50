"""Owns proving that a message really comes from the staff address it names, from our own servers' records.

Only two records count: the topmost Authentication-Results header written by our own MX (its authserv-id
is in `[desk] authserv_ids`) showing an aligned DKIM or SPF pass, or a Received line written by one of our
trusted hosts recording an authenticated submission (ESMTPA/ESMTPSA) for that very address. Anything below
a Received line from outside `trusted_networks` could have been written by anyone and is not read.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from stopit.config import Config
from stopit.models import Envelope
from stopit.trace.received import in_networks, normalise_ip, parse_received


@dataclass(frozen=True)
class Proof:
    ok: bool
    how: str


def _aligned(domain: str, from_domain: str) -> bool:
    domain, from_domain = domain.lower().rstrip("."), from_domain.lower().rstrip(".")
    return bool(domain) and (from_domain == domain or from_domain.endswith("." + domain))


def _property(result: object, name: str) -> str:
    for prop in getattr(result, "properties", []) or []:
        if f"{prop.type}.{prop.name}".lower() == name:
            return str(prop.value or "")
    return ""


def _judge(value: str, from_address: str) -> Proof | None:
    """The verdict of one Authentication-Results value of ours; None when it says nothing either way."""
    import authres

    try:
        parsed = authres.AuthenticationResultsHeader.parse_value(value)
    except Exception:
        return Proof(False, "our Authentication-Results header could not be read")
    from_domain = from_address.rpartition("@")[2]
    for result in parsed.results:
        method, verdict = str(result.method).lower(), str(result.result).lower()
        if method == "dkim" and verdict == "pass":
            d = _property(result, "header.d") or _property(result, "header.i").rpartition("@")[2]
            if _aligned(d, from_domain):
                return Proof(True, f"DKIM pass for {d}, recorded by our mail server")
        if method == "spf" and verdict == "pass":
            mailfrom = _property(result, "smtp.mailfrom")
            if _aligned(mailfrom.rpartition("@")[2] or mailfrom, from_domain):
                return Proof(True, f"SPF pass for {mailfrom}, recorded by our mail server")
    return Proof(False, "our mail server recorded no aligned DKIM or SPF pass for the From address")


def staff_proof(env: Envelope, config: Config) -> Proof:
    """Whether our own servers vouch that `env` was sent by its From address."""
    sender = env.from_.address.lower() if env.from_ else ""
    if not sender:
        return Proof(False, "no From address")
    ours = {str(i).lower() for i in config["desk.authserv_ids"]}
    networks = [ipaddress.ip_network(n, strict=False) for n in config["desk.trusted_networks"]]
    trusted = True  # the top of the header section was written by our own servers
    for name, value in env.headers:
        lname = name.lower()
        if lname == "received":
            hop = parse_received(value)
            if hop.auth and hop.account.lower() == sender:
                return Proof(True, f"authenticated submission ({hop.auth}) recorded by {hop.by or 'our server'}")
            ip = normalise_ip(hop.ip)
            trusted = bool(ip) and in_networks(ip, networks)
            if not trusted:
                break
        elif lname == "authentication-results":
            authserv = value.split(";", 1)[0].strip().split()[0].lower() if value.strip() else ""
            if authserv in ours:
                verdict = _judge(value, sender)
                if verdict is not None:
                    return verdict
    if not ours:
        return Proof(False, "no authserv_ids are configured, so no Authentication-Results can be believed")
    return Proof(False, "no Authentication-Results from our own mail server and no authenticated submission")
