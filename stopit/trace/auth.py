"""Owns checking a message's authentication: every DKIM signature, the ARC chain, SPF, Authentication-Results.

DNS is reached only through the `Resolver` passed in (a function from a name to TXT records), so the
checks run offline in tests and are skipped, and said to be skipped, when the desk is offline.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("stopit.trace")

# dkimpy's dnsfunc: a name (bytes) in, the TXT record (bytes) out, b"" when there is none.
Resolver = Callable[[bytes], bytes]
NOT_CHECKED = "not checked (offline)"


@dataclass(frozen=True)
class Signature:
    domain: str
    selector: str
    result: str

    def to_json(self) -> dict:
        return {"domain": self.domain, "selector": self.selector, "result": self.result}


@dataclass(frozen=True)
class Authentication:
    dkim: tuple[Signature, ...] = ()
    arc: str = "none"
    spf: str = "not checked"
    authentication_results: tuple[dict, ...] = field(default=())
    alignment: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "alignment": self.alignment,
            "dkim": [s.to_json() for s in self.dkim],
            "arc": self.arc,
            "spf": self.spf,
            "authentication_results": list(self.authentication_results),
        }


def _tag(value: str, name: str) -> str:
    match = re.search(rf"(?:^|;)\s*{name}\s*=\s*([^;]+)", value)
    return re.sub(r"\s+", "", match.group(1)) if match else ""


def alignment(
    from_domain: str, dkim: tuple[Signature, ...], spf: str, envfrom: str, org_of: Callable[[str], str]
) -> dict:
    """DMARC-style relaxed alignment: does a verified DKIM d= or an SPF-passing envelope domain share
    the From address's organizational domain? None where it could not be checked."""
    sender_org = org_of(from_domain)
    passing = [s.domain for s in dkim if s.result == "pass"]
    checked = [s for s in dkim if not s.result.startswith("not checked")]
    dkim_aligned = any(org_of(d) == sender_org for d in passing) if checked else None
    spf_domain = envfrom.rpartition("@")[2].lower()
    spf_aligned = None
    if spf.startswith("pass"):
        spf_aligned = org_of(spf_domain) == sender_org
    elif spf.split(" ", 1)[0] in ("fail", "softfail", "neutral", "none") and envfrom:
        spf_aligned = False
    return {"from_domain": from_domain, "dkim_aligned": dkim_aligned, "spf_aligned": spf_aligned}


def dkim_signatures(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(d=, s=) of every DKIM-Signature, top first."""
    return [(_tag(v, "d").lower(), _tag(v, "s")) for k, v in headers if k.lower() == "dkim-signature"]


def verify_dkim(data: bytes, headers: list[tuple[str, str]], resolver: Resolver | None) -> tuple[Signature, ...]:
    """Verify each signature on its own; a message forwarded with its bytes intact often still passes."""
    found = dkim_signatures(headers)
    if resolver is None:
        return tuple(Signature(d, s, NOT_CHECKED) for d, s in found)
    import dkim

    results = []
    for index, (domain, selector) in enumerate(found):
        try:
            ok = dkim.DKIM(data, logger=log).verify(idx=index, dnsfunc=resolver)
            result = "pass" if ok else "fail"
        except dkim.DKIMException as exc:
            result = f"fail ({exc})"[:200]
        except Exception as exc:
            result = f"error ({type(exc).__name__})"
        results.append(Signature(domain, selector, result))
    return tuple(results)


def verify_arc(data: bytes, headers: list[tuple[str, str]], resolver: Resolver | None) -> str:
    if not any(k.lower() == "arc-seal" for k, _ in headers):
        return "none"
    if resolver is None:
        return NOT_CHECKED
    import dkim

    try:
        result, _, reason = dkim.arc_verify(data, dnsfunc=resolver, logger=log)
    except Exception as exc:
        return f"error ({type(exc).__name__})"
    text = result.decode() if isinstance(result, bytes) else str(result)
    return text if text == "pass" else f"{text} ({reason})"[:200]


def check_spf(ip: str, envfrom: str, helo: str, spf_lookup: Callable[..., tuple] | None) -> str:
    if not ip or not envfrom:
        return "none (no handoff address or envelope sender)"
    if spf_lookup is None:
        return NOT_CHECKED
    try:
        result, explanation = spf_lookup(i=ip, s=envfrom, h=helo or envfrom.rpartition("@")[2])[:2]
    except Exception as exc:
        return f"temperror ({type(exc).__name__})"
    return f"{result} ({explanation})" if explanation else str(result)


def parse_authentication_results(headers: list[tuple[str, str]], trusted_ids: set[str]) -> tuple[dict, ...]:
    """Every Authentication-Results header; `believed` only when a trusted receiver added it."""
    import authres

    out = []
    for name, value in headers:
        if name.lower() != "authentication-results":
            continue
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(value)
            authserv = str(parsed.authserv_id).lower()
            results = [{"method": str(r.method), "result": str(r.result)} for r in parsed.results]
        except Exception:
            authserv = value.split(";", 1)[0].strip().lower()
            results = []
        out.append({"authserv_id": authserv, "believed": authserv in trusted_ids, "results": results})
    return tuple(out)


def dns_resolver(timeout: float = 2.0) -> Resolver:
    """A real TXT lookup with a hard time limit, for when the desk may use DNS."""
    import dns.exception
    import dns.resolver

    resolver = dns.resolver.Resolver()
    resolver.lifetime = timeout

    def lookup(name: bytes, timeout: int = 5) -> bytes:
        try:
            answer = resolver.resolve(name.decode().rstrip("."), "TXT")
        except (dns.exception.DNSException, UnicodeError):
            return b""
        return b"".join(b"".join(r.strings) for r in answer)

    return lookup


def spf_checker() -> Callable[..., tuple]:
    import spf

    return spf.check2
