"""Extraction inside the desk: what the case stores, what the reporter is told, explain's JSON."""

from __future__ import annotations

import email
import json
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from tests.conftest import ROOT, stopit
from tests.servers import Dovecot, SmtpSink, write_config
from tests.test_extract import DESK, offender, report


def test_explain_json_contract_for_an_inline_forward() -> None:
    result = stopit(
        ROOT / "demo/config.toml", "explain", "--json", str(ROOT / "demo/reports/01-gmail-inline-forward.eml")
    )
    out = json.loads(result.output)
    assert out["kind"] == "report"
    (item,) = out["offending"]
    assert set(item) >= {
        "source",
        "from",
        "to",
        "cc",
        "reply_to",
        "subject",
        "date",
        "date_raw",
        "message_id",
        "body",
        "note",
        "headers_complete",
    }
    assert item["source"] == "inline" and item["headers_complete"] is False
    assert item["from"] == {"address": "nightowl1987@freemail.example", "name": "night owl"}
    assert item["to"] == [{"address": "maria.lopez@campus.example.edu", "name": "Maria Lopez"}]
    assert item["subject"] == "you again"
    assert item["note"].startswith("Hi, I keep getting messages")
    # "saw you at the library tonight … I'll keep writing": the words of stalking go to the police.
    assert out["route"]["queue"] == "police" and out["route"]["urgent"] is True
    assert out["actions"] == [
        {
            "type": "send",
            "audience": "office",
            "to": ["dispatch@police.campus.example.edu"],
            "template": "office/new_case.txt.j2",
        },
        {
            "type": "send",
            "audience": "reporter",
            "to": ["maria.lopez@campus.example.edu"],
            "template": "reporter/ack_threat.txt.j2",
        },
    ]


def test_explain_text_names_the_offending_message() -> None:
    result = stopit(ROOT / "demo/config.toml", "explain", str(ROOT / "demo/reports/02-forward-as-attachment.eml"))
    assert "offending: attachment: from throwaway4471@freemail.example" in result.output
    assert "full headers" in result.output and "reporter/ack_idhr.txt.j2" in result.output
    assert "HIT  discriminatory-harassment" in result.output


def _run(tmp_path: Path, *messages: bytes) -> Path:
    inbox = tmp_path / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(messages):
        (inbox / "new" / f"{n}.eml").write_bytes(data)
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{tmp_path / 'outbox'}")
    assert stopit(config, "run", "--once").exit_code == 0
    return config


def _sent(tmp_path: Path) -> list[email.message.Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted((tmp_path / "outbox" / "new").iterdir())]


def test_case_stores_offending_messages_and_asks_for_headers_only_when_missing(tmp_path: Path) -> None:
    inline = report(
        "---------- Forwarded message ---------\nFrom: x <x@freemail.example>\n"
        "Date: Mon, Nov 16, 2026 at 8:52 PM\nSubject: hi\nTo: <maria.lopez@campus.example.edu>\n\nhey\n"
    )
    attached = report("attached", subject="Fwd: the real one")
    attached.replace_header("Message-ID", "<r2@campus.example.edu>")
    attached.add_attachment(offender(), maintype="message", subtype="rfc822")
    config = _run(tmp_path, inline.as_bytes(), attached.as_bytes())
    shown = {
        c["id"]: json.loads(stopit(config, "cases", "show", str(c["id"]), "--json").output)
        for c in json.loads(stopit(config, "cases", "list", "--json").output)
    }
    by_subject = {c["subject"]: c for c in shown.values()}
    assert by_subject["Fwd: you again"]["offending"][0]["source"] == "inline"
    stored = by_subject["Fwd: the real one"]["offending"][0]
    assert stored["source"] == "attachment" and stored["headers_complete"] is True
    from stopit.store import Store

    assert Store(tmp_path / "state" / "stopit.db").offending_bytes(stored["sha256"]) == offender()
    templates = [e["detail"] for c in shown.values() for e in c["events"] if e["type"] == "mail.queued"]
    assert sorted(t.split()[0] for t in templates) == ["reporter/ack.txt.j2", "reporter/need_headers.txt.j2"]


def test_need_headers_acknowledgement_explains_how_to_forward_as_attachment(tmp_path: Path) -> None:
    inline = report(
        "---------- Forwarded message ---------\nFrom: x <x@freemail.example>\n"
        "Date: Mon, Nov 16, 2026 at 8:52 PM\nSubject: hi\nTo: <maria.lopez@campus.example.edu>\n\nhey\n"
    )
    _run(tmp_path, inline.as_bytes())
    (sent,) = _sent(tmp_path)
    text = " ".join(sent.get_payload(decode=True).decode().split())
    for client in ("Gmail", "Outlook on the web", "Apple Mail", "iPhone", "Thunderbird", "Yahoo Mail"):
        assert client in text
    assert "as an attachment" in text and "by replying to this email" in text


def test_offender_mail_in_cc_opens_a_case_but_nothing_goes_back(tmp_path: Path) -> None:
    direct = report("you will regret ignoring me", subject="last warning", to="maria.lopez@campus.example.edu", Cc=DESK)
    config = _run(tmp_path, direct.as_bytes())
    (case,) = json.loads(stopit(config, "cases", "list", "--json").output)
    detail = json.loads(stopit(config, "cases", "show", str(case["id"]), "--json").output)
    assert detail["offending"][0]["source"] == "self"
    assert case["reporter"] == ""
    assert [e["detail"] for e in detail["events"] if e["type"] == "ack.skipped"]
    assert not (tmp_path / "outbox").exists() or _sent(tmp_path) == []


def test_reply_with_the_attachment_joins_the_same_case(dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path) -> None:
    config = write_config(tmp_path, dovecot.url, smtp_sink.url)
    inline = report(
        "---------- Forwarded message ---------\nFrom: x <nightowl@freemail.example>\n"
        "Date: Mon, Nov 16, 2026 at 8:52 PM\nSubject: you again\nTo: <maria.lopez@campus.example.edu>\n\nhey\n"
    )
    dovecot.append(inline.as_bytes())
    assert stopit(config, "run", "--once").exit_code == 0
    (ack,) = smtp_sink.wait_for(1)
    reply = EmailMessage(policy=SMTP)
    reply["From"] = "Maria Lopez <maria.lopez@campus.example.edu>"
    reply["To"] = DESK
    reply["Subject"] = "Re: " + ack.message["Subject"]
    reply["In-Reply-To"] = ack.message["Message-ID"]
    reply["References"] = ack.message["Message-ID"]
    reply["Message-ID"] = "<reply-1@campus.example.edu>"
    reply.set_content("Here it is as an attachment.")
    reply.add_attachment(offender(), maintype="message", subtype="rfc822")
    dovecot.append(reply.as_bytes())
    assert stopit(config, "run", "--once").exit_code == 0
    cases = json.loads(stopit(config, "cases", "list", "--json").output)
    assert len(cases) == 1
    detail = json.loads(stopit(config, "cases", "show", "1", "--json").output)
    assert [o["source"] for o in detail["offending"]] == ["inline", "attachment"]
    assert detail["offending"][1]["headers_complete"] is True
    assert [m["kind"] for m in detail["messages"] if m["direction"] == "in"] == ["report", "reply"]
    assert len(smtp_sink.handler.received) == 1  # a reply is recorded, not acknowledged again
