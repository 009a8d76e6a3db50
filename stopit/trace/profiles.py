"""Owns what stopit knows about mail providers and domains: provider profiles, organizational domains."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from stopit.errors import ConfigError

SHIPPED = Path(__file__).with_name("providers.toml")
_IP_CHARS = re.compile(r"^\[?[0-9a-fA-F:.]+\]?$")

# Second-level labels under which registrations happen (a small, common part of the public suffix
# list): "example.co.uk" is an organization, "co.uk" is not.
_SECOND_LEVEL = {"co", "com", "net", "org", "ac", "edu", "gov", "ne", "or", "go", "gob", "nic"}

FREEMAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "ymail.com",
        "aol.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.net",
        "gmx.de",
        "gmx.com",
        "web.de",
        "zoho.com",
        "mail.com",
        "yandex.ru",
        "yandex.com",
        "mail.ru",
        "qq.com",
        "163.com",
        "126.com",
        "fastmail.com",
        "tutanota.com",
        "tuta.io",
        "hey.com",
    }
)
DISPOSABLE = frozenset(
    {
        "mailinator.com",
        "guerrillamail.com",
        "10minutemail.com",
        "temp-mail.org",
        "yopmail.com",
        "trashmail.com",
        "sharklasers.com",
        "getnada.com",
        "dispostable.com",
        "maildrop.cc",
        "throwawaymail.com",
        "mintemail.com",
        "emailondeck.com",
    }
)


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    hosts: tuple[str, ...]
    authserv_ids: tuple[str, ...]
    dkim_domains: tuple[str, ...]
    mail_domains: tuple[str, ...]
    abuse: str
    webmail_ip: str
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    def owns_ip(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address.version == n.version and address in n for n in self.networks)

    def owns_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == h or host.endswith("." + h) for h in self.hosts)


def _provider(key: str, body: dict, where: str) -> Provider:
    try:
        return Provider(
            key=key,
            name=str(body["name"]),
            hosts=tuple(body["hosts"]),
            authserv_ids=tuple(body.get("authserv_ids", ())),
            dkim_domains=tuple(body.get("dkim_domains", ())),
            mail_domains=tuple(body.get("mail_domains", ())),
            abuse=str(body.get("abuse", "")),
            webmail_ip=str(body.get("webmail_ip", "")),
            networks=tuple(ipaddress.ip_network(n, strict=False) for n in body.get("networks", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: [{key}]: missing or wrong key {exc} (expected name and hosts)") from exc


@cache
def load_providers(path: Path = SHIPPED) -> tuple[Provider, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read provider profiles: {exc}") from exc
    return tuple(_provider(k, v, str(path)) for k, v in data.items())


@lru_cache(maxsize=65536)
def organizational_domain(host: str) -> str:
    """'mail-sor-f41.google.com' → 'google.com'; 'smtp.uni.ac.uk' → 'uni.ac.uk'."""
    host = host.lower().strip().rstrip(".")
    if not host or _is_ip(host) or "." not in host:
        return ""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _is_ip(text: str) -> bool:
    if not _IP_CHARS.match(text):
        return False
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def provider_for_host(host: str, providers: tuple[Provider, ...]) -> Provider | None:
    return next((p for p in providers if p.owns_host(host)), None) if host else None


def provider_for_domain(domain: str, providers: tuple[Provider, ...]) -> Provider | None:
    domain = domain.lower()
    return next(
        (p for p in providers if domain in p.mail_domains or domain in p.dkim_domains or p.owns_host(domain)),
        None,
    )
