"""Owns the plain-text form of a trace for `stopit trace`: the hop table, the origin, the conclusion."""

from __future__ import annotations

from stopit.trace.received import Hop

_COLUMNS = ("#", "trust", "from address", "from host (rDNS / HELO)", "received by", "with", "login")
_WIDEST = 42  # a host name longer than this is cut, so the table stays readable in a terminal


def _cut(text: str) -> str:
    return text if len(text) <= _WIDEST else text[: _WIDEST - 1] + "…"


def _host(hop: Hop) -> str:
    if hop.rdns and hop.helo and hop.rdns.lower() != hop.helo.lower():
        return f"{hop.rdns} / {hop.helo}"
    return hop.rdns or hop.helo


def _trust(hop: Hop, is_handoff: bool) -> str:
    if is_handoff:
        return "handoff"
    if hop.trusted:
        return "trusted"
    if hop.parsed:
        return ""
    return "note" if not hop.by and hop.note.startswith("no 'from'") else "unread"  # qmail's "invoked by" lines


def hop_rows(hops: tuple[Hop, ...], handoff_ip: str) -> list[tuple[str, ...]]:
    """One row per Received line, newest first; the handoff is the last trusted line from its address."""
    handoff = max((i for i, h in enumerate(hops) if h.trusted and h.ip and h.ip == handoff_ip), default=None)
    login = [(h.auth + (f" {h.account}" if h.account else "")).strip() for h in hops]
    return [
        (str(i + 1), _trust(h, i == handoff), h.ip or "-", _cut(_host(h)) or "-", _cut(h.by) or "-", h.with_, login[i])
        for i, h in enumerate(hops)
    ]


def render(name: str, result) -> str:
    """`name`, the hop table, the origin with its confidence, and the plain-language conclusion."""
    lines = [name]
    rows = hop_rows(result.hops, result.handoff_ip)
    if rows:
        widths = [max(len(r[c]) for r in [_COLUMNS, *rows]) for c in range(len(_COLUMNS))]
        for row in [_COLUMNS, *rows]:
            lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    else:
        lines.append("  (no Received lines)")
    origin = result.origin
    if origin.ip:
        lines.append(f"  origin: {origin.ip} ({origin.basis.replace('_', ' ')}, confidence {origin.confidence})")
    lines.append(f"  {result.conclusion}")
    return "\n".join(lines)
