"""The crisp forward cases of tests/data/forwards.jsonl, wrapped as reports, and their checker.

Each forward is wrapped with the neutral subject NEUTRAL_SUBJECT, never with the subject the case
expects: the forwarded message's subject, sender and recipients must be read from the body. Where
the body has no subject line at all (Outlook 2019's "On …, … wrote:" form), nothing in the input
names the original subject, and the right answer is the report's own subject without its prefix.
Negative cases keep upstream's outer subject ("Re: …" or none).
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from stopit.extract import extract
from stopit.ingest.parse import envelope_of
from stopit.models import Offending, RawMessage
from tests.corpus import DATA

DESK = "stopit@campus.example.edu"
NEUTRAL_SUBJECT = "Fwd: see below"


def cases() -> list[dict[str, Any]]:
    with open(DATA / "forwards.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def body_of(case: dict[str, Any]) -> str:
    return (DATA / case["file"]).read_text(encoding="utf-8")


def report_subject(case: dict[str, Any]) -> str | None:
    """The outer subject: the neutral one for a forward; upstream's (or none) for a negative case."""
    if case["expected"]["forwarded"]:
        return NEUTRAL_SUBJECT
    return (case.get("report_subject") or "").strip() or None


def expected_subject(case: dict[str, Any]) -> str | None:
    """Upstream's subject when the body names it; the neutral subject's text when nothing does."""
    want = case["expected"].get("subject")
    if want is None or want in body_of(case):
        return want
    return NEUTRAL_SUBJECT.split(":", 1)[1].strip()


def wrap(case: dict[str, Any]) -> bytes:
    """The fixture body as the text/plain body of a report sent to the desk."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "Reporter <reporter@campus.example.edu>"
    msg["To"] = DESK
    subject = report_subject(case)
    if subject is not None:
        msg["Subject"] = subject
    msg["Message-ID"] = "<report@campus.example.edu>"
    body = body_of(case)
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
    if "subject" in expected and got["subject"] != expected_subject(case):
        errs.append(f"subject: {got['subject']!r:.80}")
    if "body" in expected and got["body"] != expected["body"]:
        errs.append(f"body: {got['body']!r:.80}")
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
