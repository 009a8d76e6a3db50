"""Owns turning a planned mail into a complete, rendered RFC 5322 message from a jinja2 template."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from stopit.act.headers import Headers, UnsafeMail, verify_outgoing
from stopit.config import Config
from stopit.extract.language import fallbacks
from stopit.models import AbuseSpec, OutgoingMail, PlannedMail
from stopit.resources import shipped_dir
from stopit.tokens import Tokens
from stopit.values import MAX_SUBJECT, Mailbox, clean_context, clean_text


def template_environment(config: Config) -> jinja2.Environment:
    """Site templates override shipped ones by name; an undefined variable is an error, not a blank.

    Sandboxed: a site template can use the variables it is given, never reach Python internals through
    them (attribute access to `__class__`, `mro`, functions' globals … raises SecurityError).
    """
    dirs = []
    if config["desk.templates_dir"]:
        dirs.append(str(config["desk.templates_dir"]))
    dirs.append(str(shipped_dir("templates")))
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(dirs),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def desk_mailbox(config: Config) -> Mailbox:
    box = Mailbox.parse(config.desk_address)
    if box is None:
        raise UnsafeMail(f"desk.address {config.desk_address!r} is not a plain address")
    return box


def desk_context(config: Config) -> dict[str, Any]:
    return {
        "desk_name": config["desk.name"],
        "desk_address": config.desk_address,
        "organization": config["desk.organization"],
        "emergency_text": str(config["desk.emergency_text"]).strip(),
        "idhr_text": str(config["desk.idhr_text"]).strip(),
        "confidential_text": str(config["desk.confidential_text"]).strip(),
    }


TEXT_PART = (
    ("Content-Type", 'text/plain; charset="utf-8"'),
    ("Content-Transfer-Encoding", "quoted-printable"),
)


def text_body(text: str) -> bytes:
    """The letter as quoted-printable UTF-8 with CRLF lines: no line is long, whatever the text holds."""
    plain = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    return binascii.b2a_qp(plain, istext=True).replace(b"\n", b"\r\n")


def _fields(fields: tuple[tuple[str, str], ...]) -> bytes:
    return b"".join(f"{name}: {value}\r\n".encode("ascii") for name, value in fields)


def _attachment_encoding(raw: bytes) -> str:
    """7bit when every line already fits RFC 5322 and the bytes are ASCII; else base64, so any relay takes it.

    The stored original stays byte-exact either way; base64 only wraps it for the journey.
    """
    lines_ok = b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
    if lines_ok and raw.isascii() and all(len(line) <= 998 for line in raw.split(b"\r\n")) and b"\x00" not in raw:
        return "7bit"
    return "base64"  # bare LF or CR, 8-bit, NUL or over-long lines: relays refuse or rewrite them


def with_exact_attachment(headers: Headers, body: bytes, raw: bytes, filename: str) -> tuple[bytes, list[str]]:
    """A multipart/mixed message: our letter, then `raw` as message/rfc822 with its bytes untouched.

    The stdlib would re-serialise an attached message; evidence must reach staff exactly as it came.
    Returns the bytes and the MIME field names of the top level (for the final check).
    """
    boundary = f"stopit-{secrets.token_hex(12)}"
    while boundary.encode() in raw:
        boundary = f"stopit-{secrets.token_hex(12)}"
    mime = (("MIME-Version", "1.0"), ("Content-Type", f'multipart/mixed; boundary="{boundary}"'))
    encoding = _attachment_encoding(raw)
    payload = base64.encodebytes(raw).replace(b"\n", b"\r\n") if encoding == "base64" else raw
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:64]
    attachment_fields = (
        ("Content-Type", "message/rfc822"),
        ("Content-Disposition", f'attachment; filename="{safe_name}"'),
        ("Content-Transfer-Encoding", encoding),
    )
    data = b"".join(
        [
            headers.to_bytes(mime),
            b"\r\n--" + boundary.encode() + b"\r\n",
            _fields(TEXT_PART),
            b"\r\n",
            body,
            b"\r\n--" + boundary.encode() + b"\r\n",
            _fields(attachment_fields),
            b"\r\n",
            payload,
            b"" if payload.endswith(b"\n") else b"\r\n",
            b"--" + boundary.encode() + b"--\r\n",
        ]
    )
    return data, [name for name, _ in mime]


def _abuse_report(headers: Headers, letter: str, spec: AbuseSpec) -> tuple[bytes, list[str]]:
    """The abuse report under our own headers; a report that would name the reporter is refused."""
    from stopit.act.arf import ReporterLeak, build_report  # arf builds on this module's text part

    try:
        # The spec's fields are build_report's parameters by name: what the plan decided goes over whole.
        report = build_report(**asdict(spec), text=letter)
    except ReporterLeak as exc:
        raise UnsafeMail(str(exc)) from exc
    return headers.to_bytes(report.mime_fields) + b"\r\n" + report.body, [n for n, _ in report.mime_fields]


def compose(
    env: jinja2.Environment,
    config: Config,
    mail: PlannedMail,
    case_id: int | None,
    context: dict[str, Any],
    now: datetime,
    attachment: bytes | None = None,
    tokens: Tokens | None = None,
) -> OutgoingMail:
    """Render `mail` for case `case_id`; `context` adds the audience-specific variables.

    Every string of the context is cleaned of control characters first; the header section is built
    from typed values only (stopit.act.headers) and the finished bytes are parsed back and checked.
    """
    variables = {**desk_context(config), **clean_context(context), "case_id": case_id}
    # Optional blocks leave blank lines behind; more than one in a row reads as a gap in the letter.
    # A reporter's language or a site may lack a localized template: the desk's own one is next.
    template = env.select_template(fallbacks(mail.template))
    letter = re.sub(r"\n{3,}", "\n\n", template.render(**variables))
    # Without the desk's tokens (a template check, a test) a throwaway secret still mints valid ids.
    tokens = tokens or Tokens(secrets.token_bytes(32), desk_mailbox(config))
    tag = f"[stopit #{case_id}]" if case_id is not None else "[stopit]"
    subject = clean_text(f"{tag} {mail.subject}", MAX_SUBJECT)
    headers = Headers(
        from_=desk_mailbox(config),
        from_name=str(config["desk.name"]),
        to=mail.to,
        subject=subject,
        date=now,
        message_id=tokens.message_id(case_id),
        auto_submitted=mail.auto_submitted,
        case_id=case_id,
        in_reply_to=mail.in_reply_to,
        references=mail.references,
        reply_to=tokens.reply_address(case_id),
    )
    body = text_body(letter)
    if mail.abuse is not None:
        data, mime_names = _abuse_report(headers, letter, mail.abuse)
    elif attachment is not None:
        data, mime_names = with_exact_attachment(headers, body, attachment, f"report-{case_id}.eml")
    else:
        mime = (("MIME-Version", "1.0"), *TEXT_PART)
        data = headers.to_bytes(mime) + b"\r\n" + body
        mime_names = [name for name, _ in mime]
    verify_outgoing(data, headers, mime_names)
    return OutgoingMail(
        message_id=str(headers.message_id),
        mail_from=config.desk_address,
        rcpt_to=tuple(m.address for m in mail.to),
        data=data,
        subject=subject,
        audience=mail.audience,
        template=mail.template,
    )


def template_names(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.j2"))
