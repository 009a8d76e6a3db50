"""Owns the staff side of a case in the database: commands run or refused, notices sent, follow-ups due."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from stopit.models import CaseState, FollowUp
from stopit.store.cases import Cases
from stopit.store.db import iso


class Work(Cases):
    def case_state(self, case_id: int) -> CaseState | None:
        row = self._one(
            "SELECT id, status, queue, urgent, reporter, notice, consent, assignee, anonymous, tags,"
            " COALESCE(ack_message_id, ''), contact_due, outcome, language FROM cases WHERE id=?",
            (case_id,),
        )
        if row is None:
            return None
        return CaseState(
            int(row[0]),
            str(row[1]),
            str(row[2]),
            bool(row[3]),
            str(row[4]),
            str(row[5]),
            None if row[6] is None else bool(row[6]),
            str(row[7]),
            bool(row[8]),
            tuple(json.loads(row[9] or "[]")),
            str(row[10]),
            str(row[11]),
            str(row[12]),
            str(row[13]),
        )

    def record_command(
        self, case_id: int, by: str, command: str, result: str, reason: str, message_row: int | None
    ) -> None:
        """Caller's transaction."""
        self._require_tx()
        self.conn.execute(
            "INSERT INTO commands (case_id, at, by, command, result, reason, message_row) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (case_id, self.now(), by, command, result, reason, message_row),
        )

    def add_notice(self, case_id: int, kind: str, to_addr: str, message_id: str) -> None:
        """Caller's transaction: the notice's outbox row is the newest for this Message-ID."""
        self._require_tx()
        row = self._one(
            "SELECT o.id FROM outbox o JOIN messages m ON m.id = o.message_row WHERE m.message_id=?", (message_id,)
        )
        self.conn.execute(
            "INSERT INTO notices (case_id, kind, to_addr, outbox_id, message_id, at) VALUES (?, ?, ?, ?, ?, ?)",
            (case_id, kind, to_addr.lower(), row[0] if row else None, message_id, self.now()),
        )

    def notices_for(self, case_id: int, kind: str = "notice") -> list[dict[str, Any]]:
        return self._dicts(
            "SELECT n.to_addr AS \"to\", COALESCE(o.status, 'queued') AS state, n.outbox_id, n.message_id, n.at"
            " FROM notices n LEFT JOIN outbox o ON o.id = n.outbox_id WHERE n.case_id=? AND n.kind=? ORDER BY n.id",
            (case_id, kind),
        )

    def notice_recipients(self, case_id: int) -> set[str]:
        rows = self.conn.execute("SELECT to_addr FROM notices WHERE case_id=?", (case_id,))
        return {str(r[0]) for r in rows}

    def add_followup(self, case_id: int, kind: str, due_at: datetime, detail: str = "") -> None:
        """Caller's transaction."""
        self._require_tx()
        self.conn.execute(
            "INSERT INTO followups (case_id, kind, due_at, detail, created_at) VALUES (?, ?, ?, ?, ?)",
            (case_id, kind, iso(due_at), detail, self.now()),
        )

    def due_followups(self, at: datetime) -> list[FollowUp]:
        rows = self.conn.execute(
            "SELECT id, case_id, kind, due_at, state, attempts, detail FROM followups"
            " WHERE state='due' AND due_at <= ? ORDER BY due_at, id",
            (iso(at),),
        )
        return [FollowUp(*r) for r in rows]

    def finish_followup(self, followup_id: int, state: str = "done") -> bool:
        """Caller's transaction; compare-and-set: False when another processor finished it first."""
        self._require_tx()
        cur = self.conn.execute(
            "UPDATE followups SET state=?, done_at=?, attempts=attempts+1 WHERE id=? AND state='due'",
            (state, self.now(), followup_id),
        )
        return cur.rowcount == 1

    def case_detail(self, case_id: int) -> dict[str, Any] | None:
        """The case with its staff side: consent, assignee, anonymous, commands, notices (the JSON contract)."""
        case = super().case_detail(case_id)
        if case is not None:
            case.update(self.case_work(case_id))
        return case

    def case_work(self, case_id: int) -> dict[str, Any]:
        state = self.case_state(case_id)
        return {
            "consent": state.consent if state else None,
            "assignee": state.assignee if state else "",
            "anonymous": state.anonymous if state else False,
            "commands": self._dicts(
                "SELECT at, by, command, result, reason FROM commands WHERE case_id=? ORDER BY id", (case_id,)
            ),
            "notices": self.notices_for(case_id),
        }

    # --- what the clock acts on -----------------------------------------------------------------

    def unescalated_failures(self) -> list[tuple[int, int, str, str]]:
        """(outbox id, case, queue, error) of office mail to urgent cases that failed or bounced, not yet
        escalated."""
        rows = self.conn.execute(
            "SELECT o.id, o.case_id, c.queue, o.last_error FROM outbox o JOIN cases c ON c.id = o.case_id"
            " WHERE o.audience='office' AND o.status IN ('failed', 'bounced') AND o.escalated_at IS NULL"
            " AND c.urgent=1 ORDER BY o.id"
        ).fetchall()
        return [(int(r[0]), int(r[1]), str(r[2]), str(r[3] or "")) for r in rows]

    def mark_escalated(self, outbox_id: int) -> bool:
        """Caller's transaction; compare-and-set: False when it was escalated already."""
        self._require_tx()
        cur = self.conn.execute(
            "UPDATE outbox SET escalated_at=? WHERE id=? AND escalated_at IS NULL", (self.now(), outbox_id)
        )
        return cur.rowcount == 1

    def outbox_row(self, outbox_id: int | None = None, message_id: str = "") -> tuple[int, int | None, str, str] | None:
        """(outbox id, case, audience, recipients as JSON) of one of our sent messages, by id or Message-ID."""
        if outbox_id is not None:
            row = self._one("SELECT id, case_id, audience, rcpt_to FROM outbox WHERE id=?", (outbox_id,))
        else:
            row = self._one(
                "SELECT o.id, o.case_id, o.audience, o.rcpt_to FROM outbox o JOIN messages m ON m.id = o.message_row"
                " WHERE m.message_id=? ORDER BY o.id DESC LIMIT 1",
                (message_id,),
            )
        return None if row is None else (int(row[0]), row[1], str(row[2]), str(row[3]))

    def mark_bounced(self, outbox_id: int, detail: str) -> bool:
        """Caller's transaction; compare-and-set: False when the row was marked bounced already."""
        self._require_tx()
        cur = self.conn.execute(
            "UPDATE outbox SET status='bounced', last_error=? WHERE id=? AND status IN ('sent', 'sending', 'queued')",
            (detail[:500], outbox_id),
        )
        return cur.rowcount == 1

    def set_envelope_sender(self, message_row: int, sender_for: Callable[[int], str]) -> None:
        """Caller's transaction: the envelope sender of the outbox row of `message_row`, from its id (VERP)."""
        self._require_tx()
        row = self._one("SELECT id FROM outbox WHERE message_row=?", (message_row,))
        if row is not None:
            self.conn.execute("UPDATE outbox SET mail_from=? WHERE id=?", (sender_for(int(row[0])), int(row[0])))

    def cancel_followups(self, case_id: int, kinds: tuple[str, ...]) -> int:
        """Caller's transaction: what is due of these kinds on the case is no longer needed."""
        self._require_tx()
        marks = ", ".join("?" for _ in kinds)
        cur = self.conn.execute(
            f"UPDATE followups SET state='cancelled', done_at=? WHERE case_id=? AND state='due' AND kind IN ({marks})",
            (self.now(), case_id, *kinds),
        )
        return cur.rowcount

    def followups(self, case_id: int | None = None, state: str | None = "due") -> list[FollowUp]:
        sql = "SELECT id, case_id, kind, due_at, state, attempts, detail FROM followups WHERE 1=1"
        params: list[Any] = []
        if case_id is not None:
            sql += " AND case_id=?"
            params.append(case_id)
        if state is not None:
            sql += " AND state=?"
            params.append(state)
        return [FollowUp(*r) for r in self.conn.execute(sql + " ORDER BY due_at, id", params)]

    def junk_between(self, start: datetime, end: datetime) -> int:
        """Unsolicited messages to the desk itself that arrived in [start, end)."""
        row = self._one(
            "SELECT COUNT(*) FROM messages WHERE direction='in' AND kind='junk' AND at >= ? AND at < ?",
            (iso(start), iso(end)),
        )
        return int(row[0]) if row else 0

    def event_seen(self, type_: str, detail_prefix: str) -> bool:
        """Whether a case-less event of this type with a detail starting so was recorded (once-a-day jobs)."""
        row = self._one(
            "SELECT 1 FROM events WHERE case_id IS NULL AND type=? AND substr(detail, 1, ?)=? LIMIT 1",
            (type_, len(detail_prefix), detail_prefix),
        )
        return row is not None

    def incoming_of_case(self, case_id: int) -> list[tuple[int, str, str]]:
        """(row, From address, Message-ID) of the case's incoming messages, oldest first."""
        rows = self.conn.execute(
            "SELECT id, from_addr, message_id FROM messages WHERE case_id=? AND direction='in' ORDER BY id", (case_id,)
        )
        return [(int(r[0]), str(r[1] or ""), str(r[2] or "")) for r in rows]

    def incident_cases(self, case_id: int) -> list[int]:
        """The case and every other report of the same incident (stopit.link), in order."""
        incident = self.incident_of(case_id) or case_id  # type: ignore[attr-defined]  # Links, on Store
        rows = self.conn.execute("SELECT case_id FROM incidents WHERE incident=?", (incident,))
        return sorted({case_id, incident, *(int(r[0]) for r in rows)})

