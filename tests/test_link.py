"""Linking: the sender index, linked cases, incidents, and one office mail per incident update."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stopit.config import from_text
from stopit.desk import Desk, handle
from stopit.link import body_fingerprint, sender_keys
from stopit.models import Address, Offending, RawMessage
from stopit.store import Store
from stopit.trace import Trace
from stopit.trace.auth import Authentication, Signature
from stopit.trace.origin import Origin
from tests.conftest import stopit
from tests.records import desk_config, offending, report_of

HARASSMENT = (
    "You will regret what you said in the seminar today. Everybody will know who you really are,"
    " and I will make sure of it."
)


def offensive(sender: str, body: str = HARASSMENT, message_id: str = "<m1@freemail.example>", **headers: str) -> bytes:
    return offending(sender, body, message_id, subject="you", date="Mon, 02 Nov 2026 10:00:00 +0000", **headers)


def report(reporter: str, message: bytes, subject: str = "Fwd: look at this") -> RawMessage:
    message_id = f"<r.{abs(hash((reporter, message)))}@campus.example.edu>"
    return RawMessage(report_of(reporter, message, subject, message_id, "Please help, the message is attached."), "test")


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk.open(from_text(desk_config(tmp_path).read_text()))


def _outbox(store: Store, audience: str) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM outbox WHERE audience=?", (audience,)).fetchone()[0]


# --- the keys of one message (pure) -----------------------------------------------------------------------


def _item(**kw) -> Offending:
    base = dict(
        source="attachment",
        from_=Address("Bad.Guy+x@FreeMail.example", "Bad"),
        to=(),
        cc=(),
        reply_to=(Address("other@elsewhere.example"),),
        subject="s",
        date="",
        date_raw="",
        message_id="<ABC@freemail.example>",
        body=HARASSMENT,
        note="",
        headers_complete=True,
        raw=b"Return-Path: <Bounce@Mailer.example>\nFrom: x@y.example\n\nhi\n",
        trace=Trace(
            handoff_ip="198.51.100.7",
            auth=Authentication(
                dkim=(Signature("FreeMail.example", "s", "pass"), Signature("z.example", "s", "fail")),
            ),
        ),
    )
    base.update(kw)
    return Offending(**base)  # type: ignore[arg-type]


def test_keys_name_sender_and_message_normalised() -> None:
    keys = {(k.kind, k.value) for k in sender_keys(_item())}
    assert ("address", "bad.guy@freemail.example") in keys  # case and +tag folded
    assert ("reply_to", "other@elsewhere.example") in keys
    assert ("envelope", "bounce@mailer.example") in keys
    assert ("dkim", "bad.guy@freemail.example") in keys
    assert ("dkim", "bad.guy@z.example") not in keys  # a signature that failed vouches for nothing
    assert ("handoff_ip", "198.51.100.7") in keys
    assert ("message_id", "abc@freemail.example") in keys
    assert not any(kind == "origin_ip" for kind, _ in keys)


@pytest.mark.parametrize(
    ("trace", "handoff", "origin"),
    [
        (Trace(handoff_ip="198.51.100.7", origin=Origin("203.0.113.5", "", "high")), True, True),
        (Trace(handoff_ip="198.51.100.7", origin=Origin("203.0.113.5", "", "medium")), True, True),
        # A guessed origin and a big provider's shared outbound server say nothing of who sent it.
        (Trace(handoff_ip="198.51.100.7", origin=Origin("203.0.113.5", "", "low")), True, False),
        (Trace(handoff_ip="209.85.220.41", provider="Gmail", origin=Origin()), False, False),
    ],
)
def test_only_addresses_that_name_a_sender_link_cases(trace: Trace, handoff: bool, origin: bool) -> None:
    kinds = {k.kind for k in sender_keys(_item(trace=trace))}
    assert ("handoff_ip" in kinds, "origin_ip" in kinds) == (handoff, origin)


def test_body_fingerprint_ignores_case_spacing_punctuation_and_quotes_but_not_words() -> None:
    base = body_fingerprint(HARASSMENT)
    assert base == body_fingerprint("  " + HARASSMENT.upper().replace(" ", "\n  ") + "\n> quoted reply\n")
    assert base != body_fingerprint(HARASSMENT.replace("seminar", "lecture"))
    assert body_fingerprint("ok, see attached") == ""


# --- linking cases at the desk ----------------------------------------------------------------------------


def test_same_message_from_two_reporters_is_one_incident_and_a_new_message_is_a_repeat(desk: Desk, tmp_path: Path):
    first = handle(desk, report("ann@campus.example.edu", offensive("Bad Guy <bad.guy@freemail.example>")))
    second = handle(desk, report("bob@campus.example.edu", offensive("Bad Guy <bad.guy@freemail.example>")))
    other = offensive(
        "B <Bad.Guy+2@FreeMail.example>", "A different message, written on another day entirely.", "<m2@x>"
    )
    third = handle(desk, report("cat@campus.example.edu", other))
    unrelated = handle(
        desk,
        report("dan@campus.example.edu", offensive("n@else.example", "Nothing alike here at all, truly.", "<m3@x>")),
    )
    store = desk.store
    assert store.incident_of(first.case_id) == store.incident_of(second.case_id) == first.case_id
    assert store.incident_of(third.case_id) is None and store.incident_of(unrelated.case_id) is None
    shown = json.loads(stopit(tmp_path / "c.toml", "cases", "show", str(second.case_id), "--json").output)
    assert shown["incident"] == first.case_id
    # Linked both ways: to the first report of the message, and from the later case of the same sender.
    linked = [(link["id"], "same Message-ID" in link["why"]) for link in shown["linked"]]
    assert linked == [(first.case_id, True), (third.case_id, False)]
    third_shown = store.case_detail(third.case_id)
    assert [link["id"] for link in third_shown["linked"]] == [first.case_id, second.case_id]
    assert all(link["why"] == "same sender address" for link in third_shown["linked"])
    assert store.case_detail(unrelated.case_id)["linked"] == []
    # The first case sees the later ones too, and no reporter's address is in any link.
    assert {link["id"] for link in store.case_detail(first.case_id)["linked"]} == {second.case_id, third.case_id}
    assert "ann@" not in json.dumps(third_shown["linked"])
    assert store.verify_chain().ok


def test_repeat_sender_counts_earlier_incidents_once_for_routing(desk: Desk) -> None:
    from stopit.desk import gather_facts
    from stopit.ingest.parse import envelope_of
    from stopit.pipeline import analyse

    earlier = [
        handle(desk, report(reporter, offensive("bad.guy@freemail.example")))
        for reporter in ("ann@campus.example.edu", "bob@campus.example.edu")
    ]
    raw = report(
        "cat@campus.example.edu",
        offensive("bad.guy@freemail.example", "Another one, and this time I mean it.", "<m9@x>"),
    )
    env = envelope_of(raw)
    analysis = analyse(raw, env, desk.config, desk.lookups)
    facts = gather_facts(desk, env, raw, analysis.offending)
    assert facts.offender_cases == (1,) and facts.incident is None
    # Each earlier case once, with the queue it was routed to (whichever the danger verdict chose).
    queues = [desk.store.case_detail(h.case_id)["queue"] for h in earlier]  # type: ignore[index]
    assert [(c.id, c.queue) for c in facts.linked] == [(1, queues[0]), (2, queues[1])]


def test_ip_links_only_near_the_same_time(desk: Desk) -> None:
    from stopit.link import SenderKey

    store = desk.store
    with store.transaction():
        case = store.open_case("stopit", "", "", "0" * 64)
        at = datetime(2026, 1, 1, tzinfo=UTC)
        store.record_links(case, (SenderKey("handoff_ip", "198.51.100.7"),), at, ())
    key = (SenderKey("handoff_ip", "198.51.100.7"),)
    window = timedelta(days=30)
    assert [m.case_id for m in store.find_matches(key, at + timedelta(days=29), window)] == [case]
    assert store.find_matches(key, at + timedelta(days=31), window) == ()


def test_300_reporters_of_one_message_make_one_incident_one_office_mail_300_acks(desk: Desk) -> None:
    message = offensive("Mass Mailer <mass@freemail.example>")
    outcomes = [handle(desk, report(f"student{n}@campus.example.edu", message)) for n in range(300)]
    store = desk.store
    assert len({o.case_id for o in outcomes}) == 300
    incidents = store.conn.execute("SELECT COUNT(DISTINCT incident), COUNT(*) FROM incidents").fetchone()
    assert incidents == (1, 300)
    assert _outbox(store, "reporter") == 300
    assert _outbox(store, "office") == 1
    skipped = store.conn.execute("SELECT COUNT(*) FROM events WHERE type='office.incident'").fetchone()[0]
    assert skipped == 299


def test_more_copies_of_one_message_are_not_a_repeat_sender(desk: Desk) -> None:
    from stopit.desk import gather_facts
    from stopit.ingest.parse import envelope_of
    from stopit.pipeline import analyse

    handle(desk, report("ann@campus.example.edu", offensive("bad.guy@freemail.example")))
    raw = report("bob@campus.example.edu", offensive("bad.guy@freemail.example"))
    env = envelope_of(raw)
    facts = gather_facts(desk, env, raw, analyse(raw, env, desk.config, desk.lookups).offending)
    assert facts.incident == 1 and facts.offender_cases == ()
