"""Routing: every rule has evidence, rule files report their mistakes, sites override, SIGHUP reloads."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from stopit.config import from_text
from stopit.ingest.parse import envelope_of
from stopit.models import Facts, RawMessage
from stopit.pipeline import plan
from stopit.route.rules import load_rules, read_rules, rule_dirs
from tests.conftest import ROOT, stopit, stopit_process
from tests.servers import Dovecot, SmtpSink, write_config

SAMPLES = Path(__file__).parent / "samples"
QUEUES = {"stopit", "police", "idhr", "abuse"}
CONFIG = from_text('[desk]\norg_domains = ["campus.example.edu"]\n')


def samples() -> list[Path]:
    return sorted(SAMPLES.glob("*/*.eml"))


def decide(data: bytes, config=CONFIG, rules=None):
    raw = RawMessage(data, "test")
    return plan(raw, envelope_of(raw), Facts(), config, rules=rules or load_rules([], QUEUES))


@pytest.mark.parametrize("sample", samples(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_rule_samples_route_as_expected(sample: Path) -> None:
    expected = tomllib.loads(sample.with_suffix(".toml").read_text())
    decision = decide(sample.read_bytes()).route
    assert (decision.rule, decision.queue, decision.urgent, decision.category) == (
        expected["rule"],
        expected["queue"],
        expected["urgent"],
        expected["category"],
    )
    # Optional expectations: the danger band, the notice policy and the tags the case gets.
    assert decision.danger.band == expected.get("band", decision.danger.band)
    assert decision.notice == expected.get("notice", decision.notice)
    assert list(decision.tags) == expected.get("tags", list(decision.tags))


def test_every_shipped_rule_has_a_sample() -> None:
    ruleset = load_rules([], QUEUES)
    with_samples = {p.parent.name for p in samples()}
    missing = [r.name for r in ruleset.rules if r.name not in with_samples]
    assert missing == [], f"rules without a sample under tests/samples/: {missing}"


def test_a_threat_anywhere_outranks_everything() -> None:
    # Phishing words and a look-alike domain, but also a threat: the police decide first.
    data = (
        (SAMPLES / "phishing" / "lookalike.eml")
        .read_bytes()
        .replace(b"Click here to verify", b"Verify or I will kill you. Click here to verify")
    )
    assert decide(data).route.queue == "police"


def test_explain_lists_every_rule_tried_with_why() -> None:
    result = stopit(
        ROOT / "demo/config.toml", "explain", "--json", "--offline", str(SAMPLES / "sexual-harassment" / "ta.eml")
    )
    route = json.loads(result.output)["route"]
    assert [t["rule"] for t in route["tried"]] == [
        "threat",
        "sextortion",
        "self-harm",
        "possible-threat",
        "stalking",
        "sexual-harassment",
    ]
    assert [t["hit"] for t in route["tried"]] == [False, False, False, False, False, True]
    assert "sexy" in route["tried"][-1]["why"]
    assert (route["queue"], route["rule"], route["notice"]) == ("idhr", "sexual-harassment", "approval")


# --- rule files with mistakes ---------------------------------------------------------------


BROKEN = {
    "10-unknown-key.toml": (
        'name = "a"\nqueue = "stopit"\ncolour = "red"\n[match]\n',
        "10-unknown-key.toml:3: colour: unknown key",
    ),
    "11-bad-regex.toml": (
        'name = "b"\nqueue = "stopit"\n[match]\nregex = ["(unclosed"]\n',
        "11-bad-regex.toml:4: match.regex: bad regular expression '(unclosed'",
    ),
    "12-unknown-queue.toml": (
        'name = "c"\nqueue = "dean"\n[match]\n',
        '12-unknown-queue.toml:2: queue: unknown queue "dean"',
    ),
    "09-valid.toml": ('name = "dup"\nqueue = "stopit"\n[match]\n', ""),
    "13-duplicate.toml": (
        'name = "dup"\nqueue = "stopit"\n[match]\n',
        '13-duplicate.toml:1: name: duplicate rule name "dup"',
    ),
    "14-bad-condition.toml": (
        'name = "d"\nqueue = "stopit"\n[match]\nsubject_contains = "x"\n',
        "14-bad-condition.toml:4: match.subject_contains: unknown condition",
    ),
    "15-unknown-lexicon.toml": (
        'name = "e"\nqueue = "stopit"\n[match]\nlexicon = ["threatz"]\n',
        '15-unknown-lexicon.toml:4: match.lexicon: no word list "threatz"',
    ),
    "16-bad-notice.toml": (
        'name = "f"\nqueue = "stopit"\nnotice = "maybe"\n[match]\n',
        '16-bad-notice.toml:3: notice: "maybe" is not one of approval, hold, never',
    ),
    "17-not-toml.toml": ('name = "g\n', "17-not-toml.toml:1: not valid TOML"),
}


def test_rules_check_reports_every_mistake_with_file_line_and_key(tmp_path: Path) -> None:
    for name, (text, _) in BROKEN.items():
        (tmp_path / name).write_text(text)
    result = stopit(ROOT / "demo/config.toml", "rules", "check", str(tmp_path))
    assert result.exit_code == 1
    for name, (_, message) in BROKEN.items():
        if not message:
            assert str(tmp_path / name) + ":" not in result.output
            continue
        assert any(
            line.startswith(str(tmp_path / name)) and message.split(":", 1)[1] in line
            for line in result.output.splitlines()
        ), f"{name}: {message}\n{result.output}"


def test_shipped_rules_check_clean() -> None:
    result = stopit(ROOT / "demo/config.toml", "rules", "check")
    ruleset = load_rules([], QUEUES)
    counts = f"{len(ruleset.rules)} rules, {len(ruleset.lexicons)} word lists and {len(ruleset.patterns.patterns)}"
    assert result.exit_code == 0 and f"{counts} danger patterns are valid" in result.output


def test_a_site_rule_overrides_a_shipped_one_by_name(tmp_path: Path) -> None:
    (tmp_path / "50-mine.toml").write_text(
        'name = "sexual-harassment"\ndescription = "our ombuds handles this first"\nqueue = "stopit"\n'
        'category = "sexual harassment (ombuds first)"\n[match]\nlexicon = ["sexual"]\n'
    )
    ruleset, problems = read_rules(rule_dirs([str(tmp_path)]), QUEUES)
    assert problems == []
    assert [r.name for r in ruleset.rules].count("sexual-harassment") == 1
    decision = decide((SAMPLES / "sexual-harassment" / "ta.eml").read_bytes(), rules=ruleset).route
    assert (decision.queue, decision.category) == ("stopit", "sexual harassment (ombuds first)")


def test_a_site_word_list_and_continue_rule(tmp_path: Path) -> None:
    (tmp_path / "lexicons").mkdir()
    (tmp_path / "lexicons" / "exams.toml").write_text('en = ["exam answers"]\n')
    (tmp_path / "05-tag-exams.toml").write_text(
        'name = "exams"\nqueue = "stopit"\ntags = ["exams"]\ncontinue = true\n[match]\nlexicon = ["exams"]\n'
    )
    ruleset, problems = read_rules(rule_dirs([str(tmp_path)]), QUEUES)
    assert problems == []
    data = (SAMPLES / "default" / "rude.eml").read_bytes().replace(b"You are useless", b"Send me the exam answers")
    decision = decide(data, rules=ruleset).route
    assert (decision.rule, decision.tags) == ("default", ("exams",))


# --- reload on SIGHUP -------------------------------------------------------------------------


def test_sighup_with_a_broken_rule_keeps_the_old_rules(tmp_path: Path) -> None:
    site = tmp_path / "rules"
    site.mkdir()
    inbox = tmp_path / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True)
    config = write_config(tmp_path, f"maildir://{inbox}", f"maildir://{tmp_path / 'out'}", f'rules_dirs = ["{site}"]')
    proc = stopit_process(config, "run", stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(proc, "connected to")
        (site / "50-broken.toml").write_text('name = "x"\nqueue = "nowhere"\n[match]\n')
        proc.send_signal(signal.SIGHUP)
        refused = _wait_for(proc, "reload")
        assert "reload refused" in refused and 'unknown queue "nowhere"' in refused
        # Still routing with the old rules: a threat goes to the police.
        (inbox / "new" / "t.eml").write_bytes((SAMPLES / "threat" / "en-kill.eml").read_bytes())
        _wait_for(proc, "case #1")
        (site / "50-broken.toml").write_text(
            'name = "threat"\nqueue = "stopit"\ncategory = "site threat"\n[match]\nwords = ["kill"]\n'
        )
        proc.send_signal(signal.SIGHUP)
        assert "reloaded" in _wait_for(proc, "reloaded")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    (case,) = json.loads(stopit(config, "cases", "list", "--json").output)
    assert (case["queue"], case["urgent"], case["category"]) == ("police", True, "threat")


def _wait_for(proc: subprocess.Popen, text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if text in line:
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"never saw {text!r}")


# --- end to end on Dovecot and aiosmtpd -------------------------------------------------------


OFFICES = """
[queues.stopit]
staff = ["desk-staff@campus.example.edu"]
[queues.police]
display_name = "Campus Police"
staff = ["dispatch@police.campus.example.edu"]
notice = "never"
[queues.idhr]
staff = ["idhr@campus.example.edu"]
[queues.abuse]
staff = ["abuse@campus.example.edu"]
"""


def test_reports_reach_the_right_office_with_the_report_attached(
    dovecot: Dovecot, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path, dovecot.url, smtp_sink.url, 'emergency_text = "Call 911 or campus police at 617-253-1212."'
    )
    config.write_text(config.read_text() + OFFICES)
    reports = {
        name: (SAMPLES / name).read_bytes()
        for name in ("threat/en-kill.eml", "discriminatory-harassment/religion.eml", "phishing/lookalike.eml")
    }
    for data in reports.values():
        dovecot.append(data)
    assert stopit(config, "run", "--once").exit_code == 0
    mail = smtp_sink.wait_for(6)
    by_rcpt = {m.rcpt_tos[0]: m for m in mail}
    assert set(by_rcpt) == {
        "dispatch@police.campus.example.edu",
        "idhr@campus.example.edu",
        "abuse@campus.example.edu",
        "alex.kim@campus.example.edu",
        "james@campus.example.edu",
        "user@campus.example.edu",
    }
    police = by_rcpt["dispatch@police.campus.example.edu"].message
    assert police["Subject"].startswith("[stopit #") and "] URGENT: threat: answer me" in police["Subject"]
    assert "URGENT" in police.get_payload(0).get_payload(decode=True).decode()
    ack = by_rcpt["alex.kim@campus.example.edu"].message.get_payload(decode=True).decode()
    assert ack.startswith("Call 911 or campus police at 617-253-1212.")
    assert "Discrimination" not in by_rcpt["idhr@campus.example.edu"].message["Subject"]
    assert "discriminatory harassment: people like you" in by_rcpt["idhr@campus.example.edu"].message["Subject"]
    assert "phishing: Mailbox quota" in by_rcpt["abuse@campus.example.edu"].message["Subject"]
    # Each office mail carries the report exactly as the mailbox held it.
    stored = {m: m for m in dovecot.messages("Processed")}
    for office in ("dispatch@police.campus.example.edu", "idhr@campus.example.edu", "abuse@campus.example.edu"):
        data = by_rcpt[office].data
        attached = [p for p in stored if p in data]
        assert len(attached) == 1, office
    cases = {c["queue"]: c for c in json.loads(stopit(config, "cases", "list", "--json").output)}
    threat = json.loads(stopit(config, "cases", "show", str(cases["police"]["id"]), "--json").output)
    assert threat["notice"] == "never" and threat["urgent"] is True
    assert "notice.blocked" in [e["type"] for e in threat["events"]]
