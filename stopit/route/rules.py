"""Owns reading rule files and word lists: shipped ones in the package, site ones layered over them by name.

Every mistake is reported as `file:line: key: what is wrong`, and all of them are collected, so that
`stopit rules check` can show IT every problem at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from stopit.errors import ConfigError
from stopit.resources import shipped_dir
from stopit.route.conditions import Condition, Lexicons, PhraseSet, RuleError, build, normalise
from stopit.route.danger import PatternSet, load_patterns, read_toml

RULE_KEYS = {
    "name",
    "description",
    "match",
    "queue",
    "urgent",
    "tags",
    "notice",
    "ack_template",
    "category",
    "continue",
}
# approval: a notice goes to the sender once staff approve it; hold: not before a person has cleared
# the case's "possible threat" flag; never: no notice to the sender, ever, automatically.
NOTICE_POLICIES = ("approval", "hold", "never")
_LANGUAGE = re.compile(r"^[a-z]{2}(_[a-z]{2})?$")


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    condition: Condition
    queue: str
    urgent: bool
    tags: tuple[str, ...]
    notice: str
    ack_template: str
    category: str
    continue_: bool
    file: str


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    lexicons: dict[str, PhraseSet] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    patterns: PatternSet = field(default_factory=PatternSet)


@dataclass
class Problems:
    """Mistakes found while reading, each already phrased for a person."""

    items: list[str] = field(default_factory=list)

    def add(self, path: Path, text: str, key: str, message: str) -> None:
        self.items.append(f"{path}:{line_of(text, key)}: {key}: {message}")


def line_of(text: str, key: str) -> int:
    """The line a (dotted) key is written on, best effort: the last part of the key, else line 1."""
    leaf = key.split(".")[-1].split("[")[0] if key else ""
    for number, line in enumerate(text.splitlines(), start=1):
        if leaf and re.search(rf"(^|[\s{{,]){re.escape(leaf)}\s*=", line):
            return number
    return 1


def _lexicon(path: Path, data: dict, text: str, problems: Problems) -> PhraseSet:
    patterns: list[re.Pattern[str]] = []
    phrases: list[str] = []
    anchors: tuple[str, ...] = ()
    for key, value in data.items():
        if key == "description":
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.add(path, text, key, "expected a list of strings")
            continue
        if key == "regex":
            for pattern in value:
                try:
                    patterns.append(re.compile(pattern, re.IGNORECASE))
                except re.error as exc:
                    problems.add(path, text, key, f"bad regular expression {pattern!r}: {exc}")
        elif key == "regex_if":
            anchors = tuple(normalise(v) for v in value if v.strip())
        elif _LANGUAGE.match(key):
            phrases.extend(p for p in value if p.strip())
        else:
            problems.add(path, text, key, "unknown key (expected description, regex, regex_if, or a language code)")
    return PhraseSet.of(phrases, tuple(patterns), anchors)


def load_lexicons(dirs: list[Path], problems: Problems) -> Lexicons:
    """Word lists by name; a later directory's list replaces an earlier one of the same name."""
    lexicons = Lexicons()
    for directory in dirs:
        for path in sorted((directory / "lexicons").glob("*.toml")):
            read = read_toml(path, problems)
            if read is not None:
                lexicons[path.stem] = _lexicon(path, read[0], read[1], problems)
    return lexicons


def _rule(path: Path, data: dict, text: str, lexicons: dict, queues: set[str], problems: Problems) -> Rule | None:
    before = len(problems.items)
    for key in data:
        if key not in RULE_KEYS:
            problems.add(path, text, key, f"unknown key (expected one of {', '.join(sorted(RULE_KEYS))})")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        problems.add(path, text, "name", "missing (every rule needs a name)")
    queue = data.get("queue")
    if not isinstance(queue, str):
        problems.add(path, text, "queue", "missing (expected the name of a queue)")
    elif queues and queue not in queues:
        problems.add(path, text, "queue", f'unknown queue "{queue}" (configured: {", ".join(sorted(queues))})')
    notice = data.get("notice", "approval")
    if notice not in NOTICE_POLICIES:
        problems.add(path, text, "notice", f'"{notice}" is not one of {", ".join(NOTICE_POLICIES)}')
    for key, kind in (
        ("urgent", bool),
        ("continue", bool),
        ("description", str),
        ("category", str),
        ("ack_template", str),
    ):
        if key in data and not isinstance(data[key], kind):
            problems.add(path, text, key, f"expected {'true or false' if kind is bool else 'a string'}")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.add(path, text, "tags", "expected a list of strings")
    match = data.get("match", {})
    condition: Condition | None = None
    if not isinstance(match, dict):
        problems.add(path, text, "match", "expected a table of conditions")
    else:
        try:
            condition = build(match, lexicons)
        except RuleError as exc:
            problems.add(path, text, exc.key, str(exc).split(": ", 1)[1])
    if len(problems.items) > before or condition is None:
        return None
    return Rule(
        name=str(name),
        description=str(data.get("description", "")).strip(),
        condition=condition,
        queue=str(queue),
        urgent=bool(data.get("urgent", False)),
        tags=tuple(tags),
        notice=str(notice),
        ack_template=str(data.get("ack_template", "")),
        category=str(data.get("category", "")),
        continue_=bool(data.get("continue", False)),
        file=str(path),
    )


def read_rules(dirs: list[Path], queues: set[str]) -> tuple[RuleSet, list[str]]:
    """Rules from `dirs` in order; a later directory replaces an earlier rule of the same name."""
    problems = Problems()
    lexicons = load_lexicons(dirs, problems)
    patterns = load_patterns(dirs, problems, shipped_dir("templates"))
    by_name: dict[str, Rule] = {}
    order: list[tuple[str, str]] = []
    files: list[str] = []
    for directory in dirs:
        seen_here: dict[str, Path] = {}
        for path in sorted(directory.glob("*.toml")):
            files.append(str(path))
            read = read_toml(path, problems)
            if read is None:
                continue
            data, text = read
            rule = _rule(path, data, text, lexicons, queues, problems)
            if rule is None:
                continue
            if rule.name in seen_here:
                problems.add(path, text, "name", f'duplicate rule name "{rule.name}" (also in {seen_here[rule.name]})')
                continue
            seen_here[rule.name] = path
            if rule.name not in by_name:
                order.append((path.name, rule.name))
            by_name[rule.name] = rule
    ordered = [by_name[name] for _, name in sorted(order)]
    return RuleSet(tuple(ordered), lexicons, tuple(files), patterns), problems.items


def rule_dirs(site_dirs: list[str]) -> list[Path]:
    return [shipped_dir("rules"), *(Path(d) for d in site_dirs)]


def load_rules(site_dirs: list[str], queues: set[str]) -> RuleSet:
    """The rule set the desk runs with; any mistake stops it with every problem listed."""
    ruleset, problems = read_rules(rule_dirs(site_dirs), queues)
    if problems:
        raise ConfigError("rules are invalid: " + "; ".join(problems))
    return ruleset
