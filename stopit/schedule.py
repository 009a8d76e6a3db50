"""Owns time as a stage: the jobs the scheduler wakes, each turning due rows into plans applied like intake's.

The database holds the state (held office mail, failed urgent notifications, follow-up rows); a job reads
what is due at `now`, plans it, and applies each plan in one transaction whose first action is a
compare-and-set on the row it acts on, so a restart forgets nothing and repeats nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from stopit.errors import StoreError
from stopit.followups import Reminder, decide_due
from stopit.models import PlannedMail
from stopit.pipeline import escalation, staff_mailboxes
from stopit.plan import Action, EventType, MarkDigested, MarkEscalated, Plan, RecordEvent, SendMail, Trigger
from stopit.values import AutoSubmitted, Mailbox

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from stopit.desk import Desk

log = logging.getLogger("stopit.schedule")

CLOCK_SECONDS = 60


def digest_plans(desk: Desk, now: datetime) -> list[Plan]:
    """One digest per queue whose held cases may now go out (the hourly limit has room again)."""
    store, config = desk.store, desk.config
    limit = int(config["desk.office_limit_per_hour"])
    sent = store.office_mails_since(now - timedelta(hours=1))
    plans = []
    for queue_name, case_ids in store.held_office().items():
        queue = config.queues.get(queue_name)
        staff = staff_mailboxes(queue.staff) if queue else ()
        if not staff or sent.get(queue_name, 0) >= limit:
            continue
        cases = [s for s in map(store.case_state, case_ids) if s is not None]
        mail = PlannedMail.to_staff(
            "office/digest.txt.j2",
            staff,
            f"{len(cases)} more case(s) for {queue.display_name if queue else queue_name}",
        )
        context = {
            "queue_name": queue.display_name if queue else queue_name,
            "cases": [{"id": c.id, "urgent": c.urgent, "status": c.status} for c in cases],
            "limit": limit,
        }
        detail = f"queue {queue_name}: digest of cases {', '.join(f'#{c}' for c in case_ids)}"
        actions = (
            SendMail(mail, context, queue=queue_name),
            MarkDigested(tuple(case_ids)),
            RecordEvent(EventType.OFFICE_DIGEST, detail),
        )
        plans.append(Plan(trigger=Trigger.CLOCK, actions=actions, queue=queue_name))
    return plans


def escalation_plans(desk: Desk) -> list[Plan]:
    """Office mail of an urgent case that failed for good, or bounced: the supervisors and the desk, at once."""
    plans = []
    for outbox_id, case_id, queue_name, error in desk.store.unescalated_failures():
        queue = desk.config.queues.get(queue_name)
        if queue is None:
            continue
        why = f"the case mail to {queue.display_name} could not be delivered ({error[:200]})"
        actions = (MarkEscalated(outbox_id), *escalation(desk.config, queue, why))
        plans.append(Plan(trigger=Trigger.CLOCK, actions=actions, case_id=case_id, queue=queue_name))
    return plans


def followup_plans(desk: Desk, now: datetime) -> list[Plan]:
    """One plan per due follow-up row, then the staff reminders they produce: one mail per address (a digest
    when several cases are due; a single case's reminder is threaded on that case, so replying commands)."""
    store, config = desk.store, desk.config
    plans: list[Plan] = []
    lines: dict[str, tuple[Mailbox, list[Reminder]]] = {}
    for item in store.due_followups(now):
        case = store.case_state(item.case_id)
        if case is None:
            continue
        due = decide_due(item, case, config, now, _report_id(desk, item.case_id))
        if due is None:
            continue
        plans.append(Plan(trigger=Trigger.CLOCK, actions=due.actions, case_id=item.case_id, queue=case.queue))
        for address, reminder in due.reminders:
            lines.setdefault(address.key, (address, []))[1].append(reminder)
    for address, reminders in lines.values():
        cases = sorted({r.case_id for r in reminders})
        mail = PlannedMail(
            audience="office",
            template="office/reminder.txt.j2",
            to=(address,),
            subject=f"reminder: {reminders[0].what}, {reminders[0].step}"
            if len(reminders) == 1
            else f"{len(reminders)} things due on cases {', '.join(f'#{c}' for c in cases)}",
            auto_submitted=AutoSubmitted.GENERATED,
        )
        context = {"reminders": [asdict(r) for r in reminders], "single": len(cases) == 1}
        single = cases[0] if len(cases) == 1 else None
        plans.append(Plan(trigger=Trigger.CLOCK, actions=(SendMail(mail, context),), case_id=single))
    return plans


def _report_id(desk: Desk, case_id: int) -> str:
    """The Message-ID of the case's first incoming message: check-ins thread on it."""
    incoming = desk.store.incoming_of_case(case_id)
    return incoming[0][2] if incoming else ""


JUNK_QUEUE = "abuse"  # the IT abuse desk's queue: it sees how much junk reaches the desk


def junk_count_plans(desk: Desk, now: datetime) -> list[Plan]:
    """Once a day, from 08:00 local time: yesterday's count of unsolicited mail to the desk, for IT's abuse
    queue (the messages are kept and never answered; the count shows a campaign aimed at the desk)."""
    tz = ZoneInfo(str(desk.config["desk.timezone"]))
    local = now.astimezone(tz)
    if local.hour < 8:
        return []
    day = local.date() - timedelta(days=1)
    if desk.store.event_seen(EventType.JUNK_DIGEST, f"{day}:"):
        return []
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    count = desk.store.junk_between(start, start + timedelta(days=1))
    if not count:
        return []  # nothing to tell: no mail, no record
    actions: list[Action] = [RecordEvent(EventType.JUNK_DIGEST, f"{day}: {count} unsolicited message(s)")]
    queue = desk.config.queues.get(JUNK_QUEUE)
    staff = staff_mailboxes(queue.staff) if queue else ()
    if staff:
        mail = PlannedMail.to_staff("office/junk_count.txt.j2", staff, f"{count} unsolicited message(s) on {day}")
        actions.append(SendMail(mail, {"day": day.isoformat(), "count": count}))
    return [Plan(trigger=Trigger.CLOCK, actions=tuple(actions))]


def clock_plans(desk: Desk, now: datetime) -> list[Plan]:
    return [*escalation_plans(desk), *digest_plans(desk, now), *junk_count_plans(desk, now)]


def run_clock(desk: Desk, now: datetime | None = None) -> int:
    """Apply every plan that is due at `now`; returns how many were applied. The follow-ups of one run and
    the reminders they produce are applied in one transaction, so a crash leaves none half-done."""
    from stopit.desk import AlreadyDone, apply_plan

    now = now or desk.store.clock()
    applied = 0
    for batch in [[p] for p in clock_plans(desk, now)] + [followup_plans(desk, now)]:
        if not batch:
            continue
        try:
            with desk.store.transaction():
                for plan in batch:
                    apply_plan(desk, plan)
        except AlreadyDone as exc:
            log.info("skipped: %s", exc)
            continue
        applied += len(batch)
    return applied


def add_jobs(scheduler: AsyncIOScheduler, desk_of: Callable[[], Desk], queued: Callable[[], None]) -> None:
    """The scheduler's jobs: the clock (every minute), and RDAP look-ups off the intake path when online."""

    async def clock() -> None:
        try:
            if await asyncio.to_thread(lambda: run_clock(desk_of())):
                queued()
        except StoreError as exc:
            log.warning("clock: the database is unavailable, trying again in a minute: %s", exc)

    scheduler.add_job(clock, "interval", seconds=CLOCK_SECONDS, id="clock")
    if not desk_of().config["desk.offline"]:
        scheduler.add_job(_rdap_job(desk_of), "interval", minutes=10, id="rdap-backfill")


def _rdap_job(desk_of: Callable[[], Desk]) -> Callable[[], Any]:
    async def backfill() -> None:
        """Who runs the networks mail came from: looked up off the intake path, with time limits."""
        from stopit.trace.rdap import abuse_contact

        async def fetch(ip: str) -> dict:
            return await asyncio.to_thread(abuse_contact, ip, 5.0)

        found = await backfill_rdap(desk_of(), fetch)
        if found:
            log.info("RDAP: abuse contacts noted on %d case(s)", found)

    return backfill


async def backfill_rdap(desk: Desk, fetch: Callable[[str], Awaitable[dict[str, Any]]], days: int = 7) -> int:
    """Look up, and cache, the networks of recent handoff addresses; note each contact on its case.

    Only `fetch` leaves the event loop's thread (the database stays on it), so intake keeps going.
    """
    store = desk.store
    max_age = timedelta(days=int(desk.config["desk.rdap_cache_days"]))
    done = 0
    for case_id, ip in store.handoffs_without_rdap(store.clock() - timedelta(days=days), max_age):
        if store.rdap_cached(ip, max_age) is None:
            try:
                store.rdap_save(ip, await fetch(ip))
            except Exception as exc:
                log.info("RDAP lookup for %s failed: %s", ip, exc)
                continue
        answer = store.rdap_cached(ip, max_age) or {}
        emails = ", ".join(answer.get("abuse_emails", [])) or "none listed"
        with store.transaction():
            network = answer.get("network") or "?"
            store.add_event(case_id, EventType.TRACE_RDAP, f"{ip}: network {network}, abuse {emails}")
        done += 1
    return done
