"""Owns reading one Received header into a hop: ip, rdns, helo, by, with, id, for, envelope-from, auth, time.

Covers what real servers write (Postfix, Sendmail, Exim, qmail, Courier, Exchange/Office 365, Gmail,
Yahoo, Zimbra, Dovecot LMTP …) without a code path per server: the 'from' clause is read for the
address the receiving server recorded (bracketed, parenthesised, IPv6 or IPv6-mapped), and the rest
for its keywords. A line it cannot read is kept, marked unparsed, and never raises.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from functools import lru_cache

_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"
_IPV6 = r"(?:[0-9a-fA-F]{0,4}:){2,7}(?:[0-9a-fA-F]{0,4}|" + _IPV4 + r")"
_IP = rf"(?:{_IPV4}|{_IPV6})"
# An address anywhere in a header value (X-Originating-IP: [192.0.2.1], "Ip=[…]" …).
IP_IN_TEXT = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}")
# A port may follow the address: "[192.0.2.1:49601]", "(192.0.2.1:23198)" (ecelerity, XMail).
_BRACKETED_IP = re.compile(rf"\[(?:IPv6:)?({_IP})(?:%[\w.~-]*)?(?::\d{{1,5}})?\]", re.IGNORECASE)
# "(ip)", "(rdns ip)", "(ident@ip)" and qmail's "(account@domain@ip)": the last '@' ends the account.
# A comment that starts with HELO/EHLO only repeats what the client said, so it is never the peer.
_PAREN_IP = re.compile(
    rf"\((?!(?:HELO|EHLO|HELLO)\s)(?:[^()\s]*\s)?(?:[^()\s]+@)?(?:IPv6:)?({_IP})(?::\d{{1,5}})?(?:[\s,][^()]*)?\)",
    re.IGNORECASE,
)
_HELO_BEFORE = re.compile(r"(?:helo=|helo |ehlo=|ehlo |hello )$", re.IGNORECASE)
# "from [ip] (HELO x)", "from [ip] (account name HELO x)": the literal is the peer the server saw.
_LITERAL_THEN_HELO = re.compile(rf"^\[(?:IPv6:)?({_IP})\]\s+\((?:account \S+ )?(?:HELO|EHLO|HELLO)\s", re.IGNORECASE)
# The account a server says its client logged in as: Postfix/Sendmail comments, qpsmtpd, Courier,
# and qmail's "(account@domain@ip)", where a name@host before the client's address is the login.
_ACCOUNT = re.compile(
    r"\(authenticated sender: ([^)\s]+)\)|\bsmtp-auth username ([^,)\s]+)|\(AUTH: \w+ ([^)\s]+)\)"
    r"|\(User authenticated as ([^)\s]+)\)"
    rf"|\(([^()\s@]+@[^()\s@]+)@\[?(?:IPv6:)?{_IP}\]?\)",
    re.IGNORECASE,
)
_BARE_IP = re.compile(rf"^(?:IPv6:)?({_IP})(?![\w.:])", re.IGNORECASE)
# " by " between clauses; some servers write ")by" with no space.
_BY = re.compile(r"(?:(?<=\))|\s)by\s", re.IGNORECASE)
_WITH = re.compile(r"\b(?:with|via)\s+(Microsoft SMTP Server|[A-Za-z][\w/.-]*)", re.IGNORECASE)
_ID = re.compile(r"\bid\s+<?([^\s;<>]+)>?", re.IGNORECASE)
_FOR = re.compile(r"\bfor\s+<?([^\s;<>()]+@[^\s;<>()]+?)>?(?=[\s;)]|$)", re.IGNORECASE)
_ENVFROM = re.compile(r"envelope-from\s*[=:]?\s*<?([^\s<>;)]*)>?", re.IGNORECASE)
_HELO_KEY = re.compile(r"\b(?:helo|ehlo)[=\s]+([^\s)\]]+)", re.IGNORECASE)
_IDENT = re.compile(r"\bident=(\S*?)[\s)]", re.IGNORECASE)
_AUTH_WITH = re.compile(r"^(?:E?SMTPS?A|ASMTP|LMTPSA?|UTF8SMTPS?A)$", re.IGNORECASE)
_AUTH_TEXT = re.compile(
    r"\((?:authenticated|auth:|authenticated sender:|authenticated user|authenticated as)[^)]*\)"
    r"|\bauthenticated (?:sender|user|bits)\b|\bauth=\S+|\(using [^)]*\) \(authenticated",
    re.IGNORECASE,
)
_FETCHER = re.compile(r"\bwith (?:IMAP|POP3?|ODMR)\b|\(fetchmail|\bgetmail\b", re.IGNORECASE)
_LOCALHOST = re.compile(r"^(?:localhost(?:\.localdomain)?|127\.0\.0\.1|::1)$", re.IGNORECASE)


@dataclass(frozen=True)
class Hop:
    """One Received line as a step in the message's path; newest first in a trace."""

    raw: str
    ip: str = ""
    rdns: str = ""
    helo: str = ""
    by: str = ""
    with_: str = ""
    id: str = ""
    for_: str = ""
    envfrom: str = ""
    ident: str = ""
    auth: str = ""
    account: str = ""  # the login the receiving server says its client used, when it names one
    timestamp: str = ""
    parsed: bool = False
    trusted: bool = False
    note: str = ""

    @property
    def is_relay(self) -> bool:
        """A TCP handover between two hosts: an address and a receiving host are both known."""
        return bool(self.ip and self.by)

    def to_json(self) -> dict:
        return {
            "ip": self.ip or None,
            "rdns": self.rdns or None,
            "helo": self.helo or None,
            "by": self.by or None,
            "with": self.with_ or None,
            "id": self.id or None,
            "for": self.for_ or None,
            "envfrom": self.envfrom or None,
            "auth": self.auth or None,
            "account": self.account or None,
            "timestamp": self.timestamp or None,
            "trusted": self.trusted,
            "parsed": self.parsed,
            "note": self.note or None,
        }


def unfold(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


@lru_cache(maxsize=65536)
def normalise_ip(text: str) -> str:
    """A canonical address, IPv4-mapped IPv6 as plain IPv4; '' when `text` is not an address."""
    text = text.strip("[]")
    if text.lower().startswith("ipv6:"):
        text = text[5:]
    text = text.split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ip)


def _split_clauses(line: str) -> tuple[str, str, str]:
    """(from clause, the rest up to ';', the date after the last ';')."""
    main, _, date = line.rpartition(";")
    if not main:
        main, date = line, ""
    for match in _BY.finditer(main):
        before = main[: match.start()]
        if before.count("(") <= before.count(")"):
            return before, main[match.end() :], date.strip()
    return main, "", date.strip()


def _timestamp(date: str) -> str:
    if not date:
        return ""
    try:
        return parsedate_to_datetime(date).isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def _first_ip(pattern: re.Pattern[str], text: str, start: int = 0) -> re.Match[str] | None:
    """The first address `pattern` finds that is not the client's own HELO argument."""
    for match in pattern.finditer(text, start):
        if normalise_ip(match.group(1)) and not _HELO_BEFORE.search(text[: match.start()]):
            return match
    return None


def _address_in(clause: str) -> tuple[str, str]:
    """(ip, the text just before it) for the address the receiving server recorded.

    The server writes what it saw in the comment: "from helo (rdns [ip])". A bracketed literal
    before the comment is only what the client said in HELO, so the comment is read first; an
    address marked helo= is never the connecting one.
    """
    literal = _LITERAL_THEN_HELO.match(clause)
    if literal and normalise_ip(literal.group(1)):
        return normalise_ip(literal.group(1)), ""
    comment_start = clause.find("(")  # 0 for "from (192.0.2.1) by …": the comment is all there is
    searches = [(_BRACKETED_IP, comment_start), (_PAREN_IP, comment_start)] if comment_start >= 0 else []
    for pattern, start in searches:
        match = _first_ip(pattern, clause, start)
        if match:
            return normalise_ip(match.group(1)), clause[: match.start()]
    # No comment: "from [helo-literal] [peer]" puts what the server saw last.
    outside = clause[:comment_start] if comment_start >= 0 else clause
    literals = [m for m in _BRACKETED_IP.finditer(outside) if normalise_ip(m.group(1))]
    if literals:
        return normalise_ip(literals[-1].group(1)), clause[: literals[-1].start()]
    # A bare address in first place is what webmail front ends record ("from 1.2.3.4 by … with
    # HTTP"); marked "(unverified)" it is only the client's HELO argument and the peer is unknown.
    bare = _BARE_IP.match(clause.strip())
    if bare and "(unverified)" not in clause.lower():
        return normalise_ip(bare.group(1)), ""
    return "", ""


def _rdns_and_helo(from_clause: str, before_ip: str) -> tuple[str, str]:
    first = from_clause.split(" ", 1)[0] if from_clause else ""
    helo_key = _HELO_KEY.search(from_clause)
    comment = before_ip.rsplit("(", 1)[-1].strip() if "(" in before_ip else ""
    rdns = comment.split()[-1] if comment.split() else ""
    if helo_key:  # Exim and qmail: "from rdns ([ip] helo=x)" / "from unknown (HELO x) (ip)"
        helo = helo_key.group(1)
        rdns = first if not first.startswith(("[", "(")) else ""
    else:  # Postfix, Sendmail, Gmail, Exchange: "from helo (rdns [ip])"
        helo = first
    rdns = rdns.strip("[]()").rstrip(".")
    if rdns.lower() in ("unknown", "may", "") or normalise_ip(rdns) or "=" in rdns:
        rdns = ""
    helo = helo.strip('"')  # vger's '"EHLO name"' comment
    return rdns, helo.strip("[]()") if not normalise_ip(helo) else helo.strip("[]")


def _search(pattern: re.Pattern[str], text: str, needle: str, lowered: str) -> re.Match[str] | None:
    """`pattern.search(text)`, skipped when the cheap `needle` test already says it cannot match."""
    return pattern.search(text) if needle in lowered else None


def parse_received(value: str) -> Hop:
    """One Received header value as a Hop; lines that are not a network handover keep ip=''."""
    line = unfold(value)
    while line.endswith(";"):
        line = line[:-1].rstrip()
    lowered = line.lower()
    from_clause, rest, date = _split_clauses(line)
    if lowered.startswith("by "):
        from_clause, rest = "", line[3:].rpartition(";")[0] or line[3:]
    by = rest.split(" ", 1)[0].rstrip(";") if rest else ""
    with_match = _WITH.search(rest) or _WITH.search(from_clause)
    with_ = with_match.group(1) if with_match else ""
    id_match = _search(_ID, rest, "id ", lowered)
    for_match = _search(_FOR, rest, "for ", lowered)
    env_match = _search(_ENVFROM, line, "envelope-from", lowered)
    ident = _search(_IDENT, from_clause + " ", "ident=", lowered)
    auth_text = _search(_AUTH_TEXT, line, "auth", lowered)
    account = _ACCOUNT.search(line) if ("@" in lowered or "auth" in lowered) else None
    common = Hop(
        raw=line,
        by=by,
        with_=with_,
        id=id_match.group(1) if id_match else "",
        for_=for_match.group(1) if for_match else "",
        envfrom=env_match.group(1) if env_match else "",
        ident=ident.group(1) if ident else "",
        auth=with_ if with_ and _AUTH_WITH.match(with_) else (auth_text.group(0).strip("() ") if auth_text else ""),
        account=next((g for g in account.groups() if g), "") if account else "",
        timestamp=_timestamp(date),
    )
    if not (lowered.startswith("from ") or lowered.startswith("(from ")):
        return replace(common, parsed=bool(by), note="no 'from' clause: not a network handover")
    if any(w in lowered for w in ("imap", "pop", "fetchmail", "getmail", "odmr")) and _FETCHER.search(line):
        return replace(common, parsed=True, note="fetched from a mailbox by a mail client, not a relay")
    if "with qmail-scanner" in lowered:  # a content filter on the receiving host repeats the line below
        return replace(common, parsed=True, note="a content filter's note on the same host, not a handover")
    clause = from_clause.lstrip("(")[5:].strip()
    ip, before = _address_in(clause)
    rdns, helo = _rdns_and_helo(clause, before)
    if not ip:
        local = _LOCALHOST.match(helo) or "with local" in lowered
        note = "local handover" if local else "no address recorded"
        return replace(common, helo=helo, parsed=bool(by), note=note)
    return replace(common, ip=ip, rdns=rdns, helo=helo, parsed=bool(by), note="" if by else "no 'by' host")


def in_networks(ip: str, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    """Whether the address `ip` lies in one of `networks` (of its own IP version)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address.version == n.version and address in n for n in networks)


@lru_cache(maxsize=65536)
def is_private(ip: str) -> bool:
    """Not on the public Internet: RFC 1918, loopback, link-local, CGN, unique-local, unspecified."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return any(address in network for network in _PRIVATE_V4)
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_site_local
        or address in ipaddress.ip_network("fc00::/7")
        or address.is_unspecified
    )


# Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24) are deliberately absent: in
# real mail they are public addresses in anonymised samples, and trust must not extend to them.
_PRIVATE_V4 = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
    )
)
