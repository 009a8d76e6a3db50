"""The forward cases of ../shared/corpus/forwards.jsonl, wrapped as reports, and their checker."""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from stopit.extract import extract
from stopit.ingest.parse import envelope_of
from stopit.models import Offending, RawMessage
from tests.corpus import CORPUS

DESK = "stopit@campus.example.edu"


def cases() -> list[dict[str, Any]]:
    with open(CORPUS / "forwards.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def report_subject(case: dict[str, Any]) -> str | None:
    """The outer subject: upstream's subject file, else 'Fwd: …' for a forward, else none at all."""
    if case.get("report_subject"):
        return case["report_subject"].strip()
    if case["expected"]["forwarded"]:
        return "Fwd: " + case["expected"].get("subject", "")
    return None


def wrap(case: dict[str, Any]) -> bytes:
    """The fixture body as the text/plain body of a report sent to the desk."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "Reporter <reporter@campus.example.edu>"
    msg["To"] = DESK
    subject = report_subject(case)
    if subject is not None:
        msg["Subject"] = subject
    msg["Message-ID"] = "<report@campus.example.edu>"
    body = (CORPUS / case["file"]).read_text(encoding="utf-8")
    msg.set_content(body, cte="8bit" if not body.isascii() else "7bit")
    return msg.as_bytes()


def run(case: dict[str, Any]) -> tuple[Offending, ...]:
    data = wrap(case)
    return extract(data, envelope_of(RawMessage(data, "test")), DESK)


def problems(case: dict[str, Any], found: tuple[Offending, ...]) -> list[str]:
    """Every asserted field that does not match; empty when the case is fully right."""
    expected = case["expected"]
    inline = [f for f in found if f.source == "inline"]
    if not expected["forwarded"]:
        return ["a forward was found in a message that is not one"] if inline else []
    if not inline:
        return ["no inline forward found"]
    got = inline[0].to_json()
    errs = []
    for key in ("subject", "body"):
        if key in expected and got[key] != expected[key]:
            errs.append(f"{key}: {got[key]!r:.80}")
    if "body_startswith" in expected and not got["body"].startswith(expected["body_startswith"]):
        errs.append("body does not start as expected")
    if "from" in expected:
        for key, value in expected["from"].items():
            if (got["from"] or {}).get(key) != value:
                errs.append(f"from.{key}: {(got['from'] or {}).get(key)!r}")
    for field in ("to", "cc"):
        for index, want in expected.get(field, {}).items():
            i = int(index)
            if i >= len(got[field]):
                errs.append(f"{field}[{i}] missing")
                continue
            for key, value in want.items():
                if got[field][i][key] != value:
                    errs.append(f"{field}[{i}].{key}: {got[field][i][key]!r}")
    if "cc_length" in expected and len(got["cc"]) != expected["cc_length"]:
        errs.append(f"cc_length: {len(got['cc'])}")
    if "message" in expected and got["note"] != expected["message"]:
        errs.append(f"message: {got['note']!r:.80}")
    if expected.get("date") and not got["date_raw"]:
        errs.append("date is empty")
    return errs
