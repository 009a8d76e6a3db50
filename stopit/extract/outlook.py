"""Owns reading an attached Outlook .msg file (with extract-msg) into an offending message."""

from __future__ import annotations

import logging

from stopit.ingest.parse import decode_header_value, message_ids, parse_addresses
from stopit.models import Offending

log = logging.getLogger("stopit.extract")
# extract-msg logs damaged files at ERROR; stopit reports them itself, at the level they deserve.
logging.getLogger("extract_msg").setLevel(logging.CRITICAL)


def msg_to_offending(data: bytes, filename: str, detail: str) -> Offending | None:
    """The .msg's transport headers, addresses, subject and body; None if it is not a readable .msg."""
    import extract_msg

    try:
        msg = extract_msg.openMsg(data)
    except Exception as exc:
        log.info("attachment %s is not a readable Outlook message: %s", filename, exc)
        return None
    try:
        return _offending(msg, data, filename, detail)
    finally:
        msg.close()


def _offending(msg: object, data: bytes, filename: str, detail: str) -> Offending:
    from stopit.extract import headers_complete, parse_date

    header = getattr(msg, "header", None)
    pairs = [(str(k), decode_header_value(v)) for k, v in header.items()] if header is not None else []
    sender = parse_addresses([str(getattr(msg, "sender", "") or "")])
    date_raw = header.get("Date", "") if header is not None else ""
    ids = message_ids(str(getattr(msg, "messageId", "") or ""))
    sent = getattr(msg, "date", None)  # a datetime, or None when the .msg has no date
    return Offending(
        source="attachment",
        from_=sender[0] if sender else None,
        to=parse_addresses([str(getattr(msg, "to", "") or "")]),
        cc=parse_addresses([str(getattr(msg, "cc", "") or "")]),
        reply_to=parse_addresses([header.get("Reply-To", "")] if header is not None else []),
        subject=str(getattr(msg, "subject", "") or ""),
        date=parse_date(str(date_raw)) or (sent.isoformat() if sent else ""),
        date_raw=str(date_raw),
        message_id=ids[0] if ids else "",
        body=str(getattr(msg, "body", "") or "")[:200_000].strip(),
        note="",
        headers_complete=headers_complete(pairs),
        raw=data,
        filename=filename,
        detail=f"Outlook .msg, {detail}",
    )
