"""Owns asking RDAP (with ipwhois) who is responsible for an address, and reading its abuse contact."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("stopit.rdap")


def abuse_contact(ip: str, timeout: float = 5.0, response: dict[str, Any] | None = None) -> dict[str, Any]:
    """The network and abuse addresses RDAP lists for `ip`; `response` parses a saved answer offline."""
    from ipwhois.exceptions import IPDefinedError
    from ipwhois.net import Net
    from ipwhois.rdap import RDAP

    try:
        net = Net(ip, timeout=int(max(1, timeout)))
    except IPDefinedError as exc:  # private, reserved or documentation ranges have no RDAP entry
        return {"ip": ip, "network": "", "cidr": "", "country": "", "abuse_emails": [], "note": str(exc)}
    result = RDAP(net).lookup(
        retry_count=0,
        depth=1 if response is None else 0,
        bootstrap=True,
        response=response,
        root_ent_check=response is None,
        rate_limit_timeout=0,
    )
    emails: list[str] = []
    for entity in (result.get("objects") or {}).values():
        if "abuse" in (entity.get("roles") or []):
            for email in (entity.get("contact") or {}).get("email") or []:
                value = str(email.get("value", "")).strip().lower()
                if value and value not in emails:
                    emails.append(value)
    network = result.get("network") or {}
    return {
        "ip": ip,
        "network": network.get("name") or "",
        "cidr": network.get("cidr") or "",
        "country": network.get("country") or "",
        "abuse_emails": emails,
    }
