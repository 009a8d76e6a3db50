"""Owns the checks made before the desk runs: what `check-config` rejects, `run` refuses to start with.

Rules are loaded exactly as the daemon loads them, the configured directories must exist, and every
site template (they override the shipped ones by name) is checked for variables the desk does not
pass and rendered under StrictUndefined with a representative context, in both the "everything
present" and the "nothing optional" shape. The shipped templates are rendered by the test suite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from stopit.act.render import desk_context, template_environment, template_names
from stopit.config import Config, placeholders
from stopit.errors import ConfigError
from stopit.resources import shipped_dir
from stopit.route.rules import read_rules, rule_dirs

# Representative values of every variable a template may be given besides desk_context(); a
# shipped template that uses a new variable fails `check-config` (and its test) until it is here.
_SAMPLE_OFFENDING: dict[str, Any] = {
    "source": "attachment",
    "from": {"address": "sender@example.net", "name": "A Sender"},
    "to": [{"address": "student@example.edu", "name": None}],
    "cc": [],
    "reply_to": [],
    "subject": "you again",
    "date": "2026-11-16T10:00:00-05:00",
    "date_raw": "Mon, 16 Nov 2026 10:00:00 -0500",
    "message_id": "<sample@example.net>",
    "body": "answer me.",
    "note": None,
    "headers_complete": True,
    "filename": "message.eml",
    "size": 1234,
    "sha256": "0" * 64,
    "detail": None,
    "chain": [],
    "trace": {"conclusion": "sent from 192.0.2.1 (example.net), handed to our provider"},
}


def sample_contexts() -> list[dict[str, Any]]:
    """Two representative template contexts: every optional part present, and every one absent."""
    full = {
        "case_id": 17,
        "reporter_name": "A Student",
        "report_subject": "Fwd: you again",
        "need_headers": True,
        "reporter": "student@example.edu",
        "queue_name": "The Stopit desk",
        "urgent": True,
        "category": "threat",
        "rule": "threats",
        "route_reason": "words: kill",
        "notice": "never",
        "deadline": "Monday 23 November 2026",
        "received_at": "2026-11-16 15:00 UTC",
        "linked_cases": [3, 9],
        "linked": [{"id": 3, "opened": "2026-10-01", "queue": "stopit", "why": "same sender address"}],
        "offending": [{**_SAMPLE_OFFENDING, "chain": [dict(_SAMPLE_OFFENDING, chain=[])]}],
        # office/template_failed.txt.j2: the desk is told which template failed and why.
        "failed_template": "reporter/ack.txt.j2",
        "error": "UndefinedError: 'case_number' is undefined",
        # offender/notice.txt.j2
        "recipient": "sender@example.net",
        "messages": [{"date": "Mon, 16 Nov 2026 10:00:00 -0500", "subject": "you again"}],
        # office/confirmation.txt.j2 and commands_refused.txt.j2: staff commands by mail
        "case": 17,
        "why": "the message does not come from a staff address",
        "results": [{"command": "status waiting", "result": "run", "reason": "status is now waiting"}],
        "note_added": True,
        "help": ["status open|waiting|closed", "assign ADDRESS"],
        "status": "open",
        "consent": True,
        "assignee": "staff@example.edu",
        "notice_policy": "hold",
        "proof": "DKIM signature of example.edu verified by our MX",
        # office/followup.txt.j2, handover.txt.j2, reporter/staff_reply.txt.j2
        "who": "reporter",
        "became_urgent": True,
        "text": "They wrote again.",
        "moved_by": "staff@example.edu",
        "note": "Please take this one.",
        # office/new_case.txt.j2: the reporter's words and the commands that fit
        "anonymous": False,
        "reporter_words": "He keeps writing to me.",
        "commands": ["Stopit: consent yes", "Stopit: notice send"],
        "office_notified": True,
        # office/digest.txt.j2, escalation.txt.j2, bounced.txt.j2, junk_count.txt.j2, reminder.txt.j2
        "cases": [{"id": 17, "urgent": True, "status": "open"}],
        "limit": 30,
        "recipients": ["x@y.example"],
        "day": "2026-11-29",
        "count": 17,
        "sender": "x@y.example",
        "date": "Sun, 29 Nov 2026 23:58",
        "subject": "hi",
        "single": True,
        "reminders": [
            {
                "case_id": 17,
                "what": "contacting the sender",
                "step": "missed",
                "deadline": "Monday 07 December 2026",
                "waited_days": 7,
                "commands": ["Stopit: notice send"],
            }
        ],
        # reporter/checkin.txt.j2 and its answer; provider/abuse_report.txt.j2
        "number": 1,
        "checkin": "still happening",
        "provider": "abuse@mail.example.net",
    }
    empty = {
        **full,
        "reporter_name": "",
        "need_headers": False,
        "urgent": False,
        "category": "harassment",
        "rule": "",
        "route_reason": "",
        "notice": "approval",
        "linked_cases": [],
        "linked": [],
        "offending": [],
        "messages": [],
        "case": None,
        "results": [],
        "note_added": False,
        "help": [],
        "consent": None,
        "assignee": "",
        "notice_policy": "approval",
        "who": "sender",
        "became_urgent": False,
        "note": "",
        "anonymous": True,
        "reporter_words": "",
        "commands": [],
        "office_notified": False,
        "cases": [],
        "recipients": [],
        "single": False,
        "reminders": [],
        "checkin": "",
    }
    return [full, empty]


def _variables(env: jinja2.Environment, source: str) -> set[str]:
    return set(jinja2.meta.find_undeclared_variables(env.parse(source)))


def template_problems(config: Config) -> list[str]:
    """Every site template that would fail: a syntax error, a variable the desk never passes with
    that template, or an error rendering it with the sample contexts.

    The shipped templates are rendered by the test suite; a site template may use what the shipped
    one of the same name uses, and any variable of the sample contexts.
    """
    if not config["desk.templates_dir"]:
        return []
    site = Path(config["desk.templates_dir"])
    if not site.is_dir():
        return []  # problems() reports the missing directory
    env = template_environment(config)
    shipped = shipped_dir("templates")
    samples = sample_contexts()
    base = set(desk_context(config)) | {"case_id"}
    found = []
    for name in template_names(site):
        if Path(name).name.startswith("_"):
            continue  # an included fragment: checked inside the templates that include it
        where = f"templates: {site / name} (site)"
        try:
            used = _variables(env, (site / name).read_text(encoding="utf-8"))
            original = shipped / name
            passed = _variables(env, original.read_text(encoding="utf-8")) if original.is_file() else set()
            unknown = used - base - passed - set(samples[0])
            if unknown:
                known = ", ".join(sorted(base | passed | set(samples[0])))
                found.append(f"{where}: undefined variable(s) {', '.join(sorted(unknown))} (known: {known})")
                continue
            if used <= base | set(samples[0]):
                template = env.get_template(name)
                for context in samples:
                    template.render(**desk_context(config), **context)
        except (jinja2.TemplateError, OSError, UnicodeDecodeError) as exc:
            lineno = getattr(exc, "lineno", None)
            line = f" line {lineno}" if lineno else ""
            found.append(f"{where}{line}: {type(exc).__name__}: {exc}")
    return found


def problems(config: Config) -> list[str]:
    """What makes the desk refuse to start: missing directories, invalid rules, failing templates."""
    found = []
    for site in config["desk.rules_dirs"]:
        if not Path(site).is_dir():
            found.append(f"desk.rules_dirs: {site} is not a directory")
    templates_dir = config["desk.templates_dir"]
    if templates_dir and not Path(templates_dir).is_dir():
        found.append(f"desk.templates_dir: {templates_dir} is not a directory")
    existing = [d for d in config["desk.rules_dirs"] if Path(d).is_dir()]
    ruleset, rule_problems = read_rules(rule_dirs(existing), set(config.queues))
    found.extend(rule_problems)
    if ruleset.patterns.meaning.labels:  # a danger model that cannot read would fail every report
        from stopit.route.meaning import encoder_problem

        found.extend(filter(None, [encoder_problem(ruleset.patterns.meaning.tuning)]))
    found.extend(template_problems(config))
    # The DKIM key and the desk's secret are read at start-up: a bad one must stop check-config too.
    from stopit.act.dkim import signer_from_config
    from stopit.tokens import load_secret

    for load in (signer_from_config, load_secret):
        try:
            load(config)
        except ConfigError as exc:
            found.append(str(exc))
        except OSError as exc:  # the state directory for a generated secret cannot be written
            found.append(f"desk.secret_file: cannot create the desk's secret in {config.state_dir}: {exc.strerror}")
    return found


def warnings(config: Config) -> list[str]:
    """What the site should still set, without stopping the desk: shipped placeholders."""
    return placeholders(config)
