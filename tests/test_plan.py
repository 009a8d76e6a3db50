"""The pure middle on its own: a message, the facts and a fixed clock in; the whole decision out, as data."""

from __future__ import annotations

from datetime import UTC, datetime

from stopit.config import from_text
from stopit.ingest.parse import envelope_of
from stopit.models import Facts, RawMessage
from stopit.pipeline import analyse, decide
from stopit.plan import AddFollowUp, EventType, OpenCase, Plan, RecordEvent, Trigger
from stopit.route.rules import load_rules
from stopit.trace import Lookups
from tests.test_staff import CONFIG, REPORTER, STAFF, offending, report_with

NOW = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)


NO_FACTS = Facts()


def plan_for(data: bytes, facts: Facts = NO_FACTS) -> Plan:
    config = from_text(CONFIG)
    raw = RawMessage(data, "t")
    analysis = analyse(raw, envelope_of(raw), config, Lookups())
    return decide(analysis, facts, config, load_rules([], set(config.queues)), NOW)


def test_a_report_becomes_one_plan_with_every_mail_and_its_context_decided() -> None:
    plan = plan_for(report_with(offending()))
    assert plan.trigger is Trigger.MESSAGE and plan.case_id is None
    (opens,) = [a for a in plan.actions if isinstance(a, OpenCase)]
    assert opens.queue == "stopit" and opens.contact_due == "2026-12-08"  # promised to staff, from `now`
    office, ack = plan.sends
    assert [str(m) for m in office.mail.to] == [STAFF] and [str(m) for m in ack.mail.to] == [REPORTER]
    assert ack.records_ack and office.queue == "stopit"
    assert office.context["deadline"] == "Tuesday 08 December 2026"
    assert office.context["received_at"].startswith("2026-12-01 22:30")
    assert {a.kind for a in plan.actions if isinstance(a, AddFollowUp)} == {"first_action", "contact"}
    assert plan.to_json()["actions"][0] == {"type": "open_case", "queue": "stopit", "urgent": False,
                                            "contact_due": "2026-12-08"}  # fmt: skip


def test_the_same_input_gives_the_same_plan() -> None:
    data = report_with(offending())
    assert plan_for(data).to_json() == plan_for(data).to_json()


def test_facts_change_the_decision_not_the_clock() -> None:
    limited = plan_for(report_with(offending()), Facts(acks_last_hour=99, office_last_hour=(("stopit", 999),)))
    assert not limited.sends
    events = {a.type for a in limited.actions if isinstance(a, RecordEvent)}
    assert {EventType.ACK_SKIPPED, EventType.OFFICE_HELD} <= events
