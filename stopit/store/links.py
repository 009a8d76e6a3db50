"""Owns the sender index in the database: keys per case, links between cases, incidents.

Every lookup is one indexed query per key (`sender_keys(kind, value, at)`), so finding the earlier
cases of an incoming report costs the same at 100 cases as at 100,000. Links and incidents are
written once, when the case opens, and read by `cases show` and the annual report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stopit.link import SAME_MESSAGE, TIMED, SenderKey, keys_of, sent_at, why_text
from stopit.models import LinkedCase, Offending
from stopit.store.db import iso
from stopit.store.work import Work

# At most this many earlier cases are taken per key: one message reported by 3,000 people is one
# incident, and its first cases say all there is to say.
PER_KEY_LIMIT = 200


@dataclass(frozen=True)
class Match:
    """An earlier case that shares keys with a new report."""

    case_id: int
    kinds: frozenset[str]
    incident: int  # the earlier case's incident: its first case, or itself

    @property
    def same_message(self) -> bool:
        return bool(self.kinds & SAME_MESSAGE)

    @property
    def why(self) -> str:
        return why_text(self.kinds)


@dataclass(frozen=True)
class ReportLinks:
    """What the sender index says about an incoming report, before its case exists."""

    linked: tuple[LinkedCase, ...] = ()  # earlier cases sharing a key, oldest first
    repeat: tuple[int, ...] = ()  # the same sender's earlier incidents (each named by its first case)
    incident: int | None = None  # the incident this report joins: the same message was reported before
    incident_office_since: int = 0  # office mail already queued for that incident in the window asked


class Links(Work):
    def report_links(
        self, offending: tuple[Offending, ...], now: datetime, ip_window: timedelta, since: datetime
    ) -> ReportLinks:
        """Look the report's sender up: linked cases, repeat sender, incident (and its office mail since)."""
        matches = self.find_matches(keys_of(offending), sent_at(offending, now), ip_window)
        if not matches:
            return ReportLinks()
        same = [m.incident for m in matches if m.same_message]
        incident = min(same) if same else None
        briefs = self.case_briefs([m.case_id for m in matches])
        linked = tuple(LinkedCase(m.case_id, *briefs[m.case_id], m.why) for m in matches if m.case_id in briefs)
        return ReportLinks(
            linked=linked,
            repeat=tuple(sorted({m.incident for m in matches} - {incident})),
            incident=incident,
            incident_office_since=self.incident_office_mails_since(incident, since) if incident else 0,
        )

    def link_new_case(self, case_id: int, offending: tuple[Offending, ...], ip_window: timedelta) -> None:
        """Index a new case's sender keys and link it to the earlier cases it shares any with.

        Caller's transaction; looked up again here, inside it, so that what is stored is exact.
        """
        keys = keys_of(offending)
        if not keys:
            return
        at = sent_at(offending, self.clock())
        matches = self.find_matches(keys, at, ip_window)
        incident = self.record_links(case_id, keys, at, matches)
        if matches:
            cases = ", ".join(f"#{m.case_id} ({m.why})" for m in matches[:20])
            more = f" and {len(matches) - 20} more" if len(matches) > 20 else ""
            joined = f"; joins incident #{incident}" if incident else ""
            self.add_event(case_id, "case.linked", f"linked to {cases}{more}{joined}")

    def find_matches(self, keys: tuple[SenderKey, ...], at: datetime, ip_window: timedelta) -> tuple[Match, ...]:
        """Earlier cases sharing any key; IP keys only within `ip_window` of `at`. Oldest first."""
        kinds: dict[int, set[str]] = {}
        for key in keys:
            if key.kind in TIMED:
                rows = self.conn.execute(
                    "SELECT DISTINCT case_id FROM sender_keys WHERE kind=? AND value=? AND at BETWEEN ? AND ?"
                    " ORDER BY case_id LIMIT ?",
                    (key.kind, key.value, iso(at - ip_window), iso(at + ip_window), PER_KEY_LIMIT),
                )
            else:
                rows = self.conn.execute(
                    "SELECT DISTINCT case_id FROM sender_keys WHERE kind=? AND value=? ORDER BY case_id LIMIT ?",
                    (key.kind, key.value, PER_KEY_LIMIT),
                )
            for (case_id,) in rows:
                kinds.setdefault(int(case_id), set()).add(key.kind)
        if not kinds:
            return ()
        incidents = self._incidents_of(sorted(kinds))
        return tuple(Match(c, frozenset(kinds[c]), incidents.get(c, c)) for c in sorted(kinds))

    def _incidents_of(self, case_ids: list[int]) -> dict[int, int]:
        marks = ",".join("?" * len(case_ids))
        rows = self.conn.execute(f"SELECT case_id, incident FROM incidents WHERE case_id IN ({marks})", case_ids)
        return {int(c): int(i) for c, i in rows}

    def record_links(
        self, case_id: int, keys: tuple[SenderKey, ...], at: datetime, matches: tuple[Match, ...]
    ) -> int | None:
        """Index the new case's keys, link it to the earlier cases, join the incident; returns the incident.

        Caller's transaction.
        """
        self._require_tx()
        moment = iso(at)
        self.conn.executemany(
            "INSERT INTO sender_keys (case_id, kind, value, at) VALUES (?, ?, ?, ?)",
            [(case_id, k.kind, k.value, moment) for k in keys],
        )
        earlier = [m for m in matches if m.case_id != case_id]
        self.conn.executemany(
            "INSERT OR IGNORE INTO case_links (case_id, linked_id, why, same_message) VALUES (?, ?, ?, ?)",
            [(case_id, m.case_id, m.why, int(m.same_message)) for m in earlier],
        )
        same = [m for m in earlier if m.same_message]
        if not same:
            return None
        incident = min(m.incident for m in same)
        self.conn.executemany(
            "INSERT OR IGNORE INTO incidents (case_id, incident) VALUES (?, ?)",
            [(incident, incident), (case_id, incident)],
        )
        return incident

    def incident_of(self, case_id: int) -> int | None:
        row = self._one("SELECT incident FROM incidents WHERE case_id=?", (case_id,))
        return int(row[0]) if row else None

    def incident_office_mails_since(self, incident: int, since: datetime) -> int:
        """Office mail queued for any case of the incident since `since` (one per incident update)."""
        # The first case is in `incidents` only once a second report joined it. Outgoing mail is looked up
        # by case (messages_case): the outbox has no index by case, and scanning it grows with the desk.
        row = self._one(
            "SELECT COUNT(*) FROM messages WHERE direction='out' AND kind='office' AND at >= ?"
            " AND case_id IN (SELECT ? UNION SELECT case_id FROM incidents WHERE incident=?)",
            (iso(since), incident, incident),
        )
        return int(row[0])

    def case_briefs(self, case_ids: list[int]) -> dict[int, tuple[str, str]]:
        """(opened date, queue) of each case: what the office mail may say about a linked case."""
        if not case_ids:
            return {}
        marks = ",".join("?" * len(case_ids))
        rows = self.conn.execute(f"SELECT id, created_at, queue FROM cases WHERE id IN ({marks})", case_ids)
        return {int(i): (str(at)[:10], str(q)) for i, at, q in rows}

    def linked_for(self, case_id: int) -> list[dict[str, Any]]:
        """The cases this one is linked to, either way round, with why (the `cases show --json` contract)."""
        return self._dicts(
            "SELECT linked_id AS id, why FROM case_links WHERE case_id=?"
            " UNION ALL SELECT case_id AS id, why FROM case_links WHERE linked_id=? ORDER BY id",
            (case_id, case_id),
        )

    def case_detail(self, case_id: int) -> dict[str, Any] | None:
        case = super().case_detail(case_id)
        if case is not None:
            case["linked"] = self.linked_for(case_id)
            case["incident"] = self.incident_of(case_id)
        return case
