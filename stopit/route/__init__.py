"""Route: decide, by rule files, which office's queue a report goes to — pure, with every rule's verdict kept.

Policy is a table read by one short loop (Mailman's chains): rules in order, the first that matches
decides unless it says `continue = true`; each rule tried is recorded as hit or miss, with why.
The danger verdict (score, band, every matched pattern with its words) travels with the decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from stopit.route.conditions import Subject
from stopit.route.danger import NO_DANGER, Danger
from stopit.route.rules import NOTICE_POLICIES, RuleSet


@dataclass(frozen=True)
class Tried:
    rule: str
    hit: bool
    why: str

    def to_json(self) -> dict:
        return {"rule": self.rule, "hit": self.hit, "why": self.why}


@dataclass(frozen=True)
class Route:
    queue: str
    urgent: bool
    category: str
    rule: str
    notice: str
    tags: tuple[str, ...]
    ack_template: str
    tried: tuple[Tried, ...]
    danger: Danger = NO_DANGER

    def to_json(self) -> dict:
        return {
            "queue": self.queue,
            "urgent": self.urgent,
            "category": self.category,
            "rule": self.rule,
            "notice": self.notice,
            "tags": list(self.tags),
            "ack_template": self.ack_template or None,
            "tried": [t.to_json() for t in self.tried],
            "danger": self.danger.to_json(),
        }


def _stricter(a: str, b: str) -> str:
    return max(a, b, key=NOTICE_POLICIES.index)


def route(subject: Subject, ruleset: RuleSet, default_queue: str) -> Route:
    """The first matching rule's decision; `continue` rules before it add tags, urgency and notice limits."""
    tried: list[Tried] = []
    tags: list[str] = []
    urgent = False
    category = ""
    notice = "approval"
    for rule in ruleset.rules:
        why = rule.condition.check(subject)
        tried.append(Tried(rule.name, why is not None, why or "no condition held"))
        if why is None:
            continue
        tags.extend(t for t in rule.tags if t not in tags)
        urgent = urgent or rule.urgent
        category = category or rule.category
        notice = _stricter(notice, rule.notice)
        if rule.continue_:
            continue
        return Route(
            rule.queue,
            urgent,
            category,
            rule.name,
            notice,
            tuple(tags),
            rule.ack_template,
            tuple(tried),
            subject.danger,
        )
    return Route(
        default_queue, urgent, category or "harassment", "", notice, tuple(tags), "", tuple(tried), subject.danger
    )
