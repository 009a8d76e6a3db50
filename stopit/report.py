"""Owns the annual report (seed 004 §IV.4): what happened to the cases of a period, as counts only.

Anonymous by construction: the only text that leaves the database is configuration (queue names,
route categories, the kind of forward) and fixed words; no address, name, subject or message.
Each case first becomes one `CaseFigures` row — from the live tables, or, for a case removed after
the retention period, from the row `stopit purge` kept — and the report only adds those rows up,
so that purging a year changes none of its figures.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sqlite3
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import NamedTuple

# Outcomes that answer "did it stop?" (set from the reporter's check-in); anything else is not known.
STOPPED = "stopped"
ANSWERED_OUTCOMES = frozenset({"stopped", "still happening"})


class CaseFigures(NamedTuple):
    """What the report counts about one case; nothing that names anyone.

    A named tuple, not a frozen dataclass: the report makes 100,000 of them a year, and a frozen
    dataclass's __init__ costs a setattr per field."""

    case: int
    opened: str  # ISO time
    queue: str
    category: str
    source: str  # how the offending message reached us: attachment, inline, pasted, redirect, self, none
    urgent: bool
    resolved: bool
    first_action_hours: float | None  # until the first staff command that ran
    deadline: str  # contact deadline: met, missed, pending, none
    notices_sent: int
    notices_bounced: int
    notices_answered: int
    outcome: str
    repeat: bool  # the sender had earlier cases (another incident)
    incident: int | None

    @classmethod
    def from_json(cls, data: dict) -> CaseFigures:
        return cls(**data)

    def to_json(self) -> dict:
        return self._asdict()


# One row per case; every subquery is an indexed lookup by case id (commands_case, notices_case, …).
_FIGURES_SQL = """
SELECT c.id, c.created_at, c.queue, c.category, c.urgent, c.status, c.contact_due, {outcome},
  (SELECT o.source FROM offending o WHERE o.case_id = c.id ORDER BY o.id LIMIT 1),
  (SELECT MIN(k.at) FROM commands k WHERE k.case_id = c.id AND k.result = 'run'),
  (SELECT MIN(n.at) FROM notices n WHERE n.case_id = c.id),
  (SELECT COUNT(*) FROM notices n JOIN outbox b ON b.id = n.outbox_id
     WHERE n.case_id = c.id AND n.kind = 'notice' AND b.status = 'sent'),
  (SELECT COUNT(*) FROM notices n LEFT JOIN outbox b ON b.id = n.outbox_id
     WHERE n.case_id = c.id AND n.kind = 'notice' AND (b.status IN ('failed', 'bounced') OR EXISTS (
       SELECT 1 FROM messages m WHERE m.case_id = c.id AND m.direction = 'in' AND m.kind = 'bounce' AND m.at >= n.at))),
  (SELECT COUNT(*) FROM notices n WHERE n.case_id = c.id AND n.kind = 'notice' AND EXISTS (
     SELECT 1 FROM messages m WHERE m.case_id = c.id AND m.direction = 'in' AND m.kind = 'reply'
       AND lower(m.from_addr) = n.to_addr AND m.at >= n.at)),
  EXISTS (SELECT 1 FROM case_links l
     LEFT JOIN incidents a ON a.case_id = l.case_id LEFT JOIN incidents b ON b.case_id = l.linked_id
     WHERE l.case_id = c.id AND (a.incident IS NULL OR b.incident IS NULL OR a.incident != b.incident)),
  (SELECT i.incident FROM incidents i WHERE i.case_id = c.id)
FROM cases c
WHERE {where} AND c.id NOT IN (SELECT case_id FROM purged_cases)
ORDER BY c.id
"""


def _hours(start: str, end: str | None) -> float | None:
    if not end:
        return None
    return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600)


def _deadline(contact_due: str, first_contact: str | None, as_of: datetime) -> str:
    """Met when the sender was contacted (a notice) or staff acted on or before the promised day."""
    if not contact_due:
        return "none"
    if first_contact:
        return "met" if first_contact[:10] <= contact_due else "missed"
    return "missed" if as_of.date().isoformat() > contact_due else "pending"


def case_figures(conn: sqlite3.Connection, as_of: datetime, where: str, params: tuple = ()) -> Iterator[CaseFigures]:
    """The figures of every live case matching `where` (SQL over `cases c`), one at a time."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(cases)")}
    # The outcome of a check-in ("stopped", …) is a column once the schedule stage records it.
    outcome = "c.outcome" if "outcome" in columns else "''"
    sql = _FIGURES_SQL.format(outcome=outcome, where=where)
    for row in conn.execute(sql, params):
        (case_id, opened, queue, category, urgent, status, due, result, source, action, notice) = row[:11]
        sent, bounced, answered, repeat, incident = row[11:]
        first_contact = min(action, notice) if action and notice else action or notice
        yield CaseFigures(
            case=int(case_id),
            opened=str(opened),
            queue=str(queue),
            category=str(category or "uncategorised"),
            source=str(source or "none"),
            urgent=bool(urgent),
            resolved=str(status) != "open",
            first_action_hours=_hours(str(opened), action),
            deadline=_deadline(str(due or ""), first_contact, as_of),
            notices_sent=int(sent),
            notices_bounced=int(bounced),
            notices_answered=int(answered),
            outcome=str(result or ""),
            repeat=bool(repeat),
            incident=None if incident is None else int(incident),
        )


def purged_figures(conn: sqlite3.Connection, start: str, end: str) -> Iterator[CaseFigures]:
    """The figures kept for cases removed after the retention period, opened in [start, end)."""
    for (text,) in conn.execute("SELECT figures FROM purged_cases ORDER BY case_id"):
        figures = CaseFigures.from_json(json.loads(text))
        if start <= figures.opened < end:
            yield figures


@dataclass
class Report:
    """The annual statistics: counts and a median, nothing else."""

    start: str
    end: str  # inclusive
    cases: int = 0
    by_queue: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    urgent: int = 0
    open: int = 0
    resolved: int = 0
    acted_on: int = 0
    median_hours_to_first_action: float | None = None
    deadlines: Counter[str] = field(default_factory=Counter)
    cases_notified: int = 0
    notices_sent: int = 0
    notices_bounced: int = 0
    notices_answered: int = 0
    outcome_after_notice: Counter[str] = field(default_factory=Counter)
    repeat_sender_cases: int = 0
    incidents: int = 0
    incident_reports: int = 0
    purged_cases: int = 0

    def add(self, figures: CaseFigures, hours: list[float]) -> None:
        self.cases += 1
        self.by_queue[figures.queue] += 1
        self.by_category[figures.category] += 1
        self.by_source[figures.source] += 1
        self.urgent += figures.urgent
        self.resolved += figures.resolved
        self.open += not figures.resolved
        if figures.first_action_hours is not None:
            hours.append(figures.first_action_hours)
        self.deadlines[figures.deadline] += 1
        if figures.notices_sent or figures.notices_bounced:
            self.cases_notified += 1
            self.outcome_after_notice[figures.outcome or "not known"] += 1
        self.notices_sent += figures.notices_sent
        self.notices_bounced += figures.notices_bounced
        self.notices_answered += figures.notices_answered
        self.repeat_sender_cases += figures.repeat

    @property
    def stopped_rate(self) -> float | None:
        """Of the notified cases whose reporter said whether it stopped, the share where it did."""
        answered = sum(n for k, n in self.outcome_after_notice.items() if k in ANSWERED_OUTCOMES)
        return round(self.outcome_after_notice[STOPPED] / answered, 3) if answered else None

    def to_json(self) -> dict:
        data = {}
        for item in fields(self):
            value = getattr(self, item.name)
            data[item.name] = dict(sorted(value.items())) if isinstance(value, Counter) else value
        data["outcome_answered"] = sum(n for k, n in self.outcome_after_notice.items() if k in ANSWERED_OUTCOMES)
        data["stopped_rate"] = self.stopped_rate
        return data


def build(conn: sqlite3.Connection, start: date, end: date, as_of: datetime) -> Report:
    """The report for cases opened from `start` to `end`, both days included."""
    lo, hi = start.isoformat(), (end + timedelta(days=1)).isoformat()
    hours: list[float] = []
    report, incidents = Report(start=lo, end=end.isoformat()), Counter[int]()
    live = case_figures(conn, as_of, "c.created_at >= ? AND c.created_at < ?", (lo, hi))
    for figures in live:
        report.add(figures, hours)
        if figures.incident is not None:
            incidents[figures.incident] += 1
    for figures in purged_figures(conn, lo, hi):
        report.add(figures, hours)
        report.purged_cases += 1
        if figures.incident is not None:
            incidents[figures.incident] += 1
    report.median_hours_to_first_action = round(statistics.median(hours), 2) if hours else None
    report.acted_on = len(hours)
    report.incidents = len(incidents)
    report.incident_reports = sum(incidents.values())
    return report


# --- output -----------------------------------------------------------------------------------------------

LABELS = {
    "cases": "Cases opened",
    "urgent": "of which urgent",
    "open": "Still open",
    "resolved": "Resolved",
    "acted_on": "Cases with a staff action",
    "median_hours_to_first_action": "Median hours to the first staff action",
    "cases_notified": "Cases where the sender was sent a notice",
    "notices_sent": "Notices delivered",
    "notices_bounced": "Notices bounced",
    "notices_answered": "Notices the sender answered",
    "outcome_answered": "Notified cases whose reporter said whether it stopped",
    "stopped_rate": "Share of those where it stopped",
    "repeat_sender_cases": "Cases from a sender seen in an earlier case",
    "incidents": "Incidents (one message, several reports)",
    "incident_reports": "Reports belonging to incidents",
    "purged_cases": "Cases past retention, counted from what was kept",
}
BREAKDOWNS = {
    "by_queue": "Cases by queue",
    "by_category": "Cases by category",
    "by_source": "How the offending message reached the desk",
    "deadlines": "Contact deadline met or missed",
    "outcome_after_notice": "Outcome after a notice",
}


def to_csv(report: Report) -> str:
    """section,key,value rows: one per figure and one per breakdown entry."""
    data = report.to_json()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "value"])
    writer.writerow(["period", "from", data["start"]])
    writer.writerow(["period", "to", data["end"]])
    for name in LABELS:
        writer.writerow(["total", name, "" if data[name] is None else data[name]])
    for name in BREAKDOWNS:
        for key, value in data[name].items():
            writer.writerow([name, key, value])
    return out.getvalue()


_PYGAL_CONFIG = re.compile(r"<script[^>]*>window\.pygal.*?</script>", re.DOTALL)


def _chart(kind: str, title: str, counts: dict[str, int]) -> str:
    """One pygal chart as inline SVG: no script, no external style sheet, readable offline and in mail."""
    import pygal
    from pygal.style import Style

    style = Style(
        background="white",
        plot_background="white",
        font_family="DejaVu Sans, Arial, sans-serif",
        title_font_size=24,
        legend_font_size=18,
        label_font_size=16,
        major_label_font_size=16,
        value_font_size=18,
    )
    options = {
        "title": title,
        "style": style,
        "js": [],
        "disable_xml_declaration": True,
        "width": 600,
        "height": 400,
        "print_values": True,  # the count on each bar or slice: no tooltips offline
    }
    chart = pygal.Pie(inner_radius=0.4, **options) if kind == "pie" else pygal.HorizontalBar(**options)
    for key, value in sorted(counts.items(), key=lambda kv: -kv[1]):
        chart.add(key, value)
    if not counts:
        chart.add("none", 0)
    # With js=[] no script runs, but pygal still writes its config as one: mail filters flag scripts.
    return _PYGAL_CONFIG.sub("", str(chart.render(is_unicode=True)))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Stopit annual report {start} to {end}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
td, th {{ border: 1px solid #bbb; padding: .25rem .6rem; text-align: left; }}
td.n {{ text-align: right; }}
.charts {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }}
.charts svg {{ width: 100%; height: auto; }}
</style></head><body>
<h1>Stopit annual report</h1>
<p>Cases opened from {start} to {end}. Counts only: no person, address or message is named.</p>
<table><tr><th>Figure</th><th>Value</th></tr>
{rows}
</table>
<div class="charts">
{charts}
</div>
{tables}
</body></html>
"""


def to_html(report: Report) -> str:
    """One self-contained page: figures, a table per breakdown, and pygal's charts inline."""
    data = report.to_json()
    esc = html.escape

    def value(name: str) -> str:
        found = data[name]
        if found is None:
            return "–"
        return f"{found:.0%}" if name == "stopped_rate" else str(found)

    rows = "\n".join(f'<tr><td>{esc(label)}</td><td class="n">{value(n)}</td></tr>' for n, label in LABELS.items())
    charts = "\n".join(
        f"<div>{_chart('pie' if name in ('deadlines', 'outcome_after_notice') else 'bar', title, data[name])}</div>"
        for name, title in BREAKDOWNS.items()
    )
    tables = "\n".join(
        f"<h2>{esc(title)}</h2><table>"
        + "".join(f'<tr><td>{esc(k)}</td><td class="n">{v}</td></tr>' for k, v in data[name].items())
        + "</table>"
        for name, title in BREAKDOWNS.items()
    )
    return _PAGE.format(start=esc(data["start"]), end=esc(data["end"]), rows=rows, charts=charts, tables=tables)


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv(report)
    return to_html(report)
