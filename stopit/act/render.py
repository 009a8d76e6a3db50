"""Owns turning a planned mail into a complete, rendered RFC 5322 message from a jinja2 template."""

from __future__ import annotations

import re
import secrets
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

import jinja2

from stopit.config import Config
from stopit.models import OutgoingMail, PlannedMail
from stopit.resources import shipped_dir


def template_environment(config: Config) -> jinja2.Environment:
    """Site templates override shipped ones by name; an undefined variable is an error, not a blank."""
    dirs = []
    if config["desk.templates_dir"]:
        dirs.append(str(config["desk.templates_dir"]))
    dirs.append(str(shipped_dir("templates")))
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def new_message_id(config: Config, case_id: int | None) -> str:
    domain = config.desk_address.rpartition("@")[2]
    return f"<stopit.{case_id or 0}.{secrets.token_hex(8)}@{domain}>"


def desk_context(config: Config) -> dict[str, Any]:
    return {
        "desk_name": config["desk.name"],
        "desk_address": config.desk_address,
        "organization": config["desk.organization"],
        "emergency_text": str(config["desk.emergency_text"]).strip(),
        "idhr_text": str(config["desk.idhr_text"]).strip(),
        "confidential_text": str(config["desk.confidential_text"]).strip(),
    }


def with_exact_attachment(text_message: EmailMessage, raw: bytes, filename: str) -> bytes:
    """The message as multipart/mixed with `raw` attached as message/rfc822, its bytes untouched.

    The stdlib would re-serialise an attached message; evidence must reach staff exactly as it came.
    """
    boundary = f"stopit-{secrets.token_hex(12)}"
    while boundary.encode() in raw:
        boundary = f"stopit-{secrets.token_hex(12)}"
    fields = [
        (n, v)
        for n, v in text_message.items()
        if n.lower() not in ("content-type", "content-transfer-encoding", "mime-version")
    ]
    fields += [("MIME-Version", "1.0"), ("Content-Type", f'multipart/mixed; boundary="{boundary}"')]
    head = b"".join(SMTP.fold_binary(name, value) for name, value in fields)
    text_part = EmailMessage(policy=SMTP)
    text_part.set_content(text_message.get_content(), cte="quoted-printable")
    encoding = "7bit" if raw.isascii() else "8bit"
    return b"".join(
        [
            head,
            b"\r\n",
            b"--",
            boundary.encode(),
            b"\r\n",
            text_part.as_bytes(),
            b"\r\n",
            b"--",
            boundary.encode(),
            b"\r\n",
            b"Content-Type: message/rfc822\r\n",
            f'Content-Disposition: attachment; filename="{filename}"\r\n'.encode(),
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n".encode(),
            raw,
            b"" if raw.endswith(b"\n") else b"\r\n",
            b"--",
            boundary.encode(),
            b"--\r\n",
        ]
    )


def compose(
    env: jinja2.Environment,
    config: Config,
    mail: PlannedMail,
    case_id: int | None,
    context: dict[str, Any],
    now: Any,
    attachment: bytes | None = None,
) -> OutgoingMail:
    """Render `mail` for case `case_id`; `context` adds the audience-specific variables."""
    variables = {**desk_context(config), "case_id": case_id, **context}
    # Optional blocks leave blank lines behind; more than one in a row reads as a gap in the letter.
    body = re.sub(r"\n{3,}", "\n\n", env.get_template(mail.template).render(**variables))
    subject = mail.subject.replace("{case}", str(case_id))
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((str(config["desk.name"]), config.desk_address))
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    message_id = new_message_id(config, case_id)
    msg["Message-ID"] = message_id
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        msg["References"] = " ".join(mail.references)
    msg["Auto-Submitted"] = mail.auto_submitted
    # Outlook and Exchange honour this and send no out-of-office reply to our automatic mail.
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Stopit-Case"] = str(case_id)
    msg.set_content(body, cte="quoted-printable")
    data = msg.as_bytes()
    if attachment is not None:
        data = with_exact_attachment(msg, attachment, f"report-{case_id}.eml")
    return OutgoingMail(
        message_id=message_id,
        mail_from=config.desk_address,
        rcpt_to=mail.to,
        data=data,
        subject=subject,
        audience=mail.audience,
        template=mail.template,
    )


def template_names(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.j2"))
