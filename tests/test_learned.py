"""The learned word evidence: how learned.tsv is read and checked, how a report is weighed, and what it may decide."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from stopit.route.learned import Evidence, read, sentences, windows
from stopit.route.rules import load_rules

QUEUES = {"stopit", "police", "idhr", "abuse"}


@dataclass
class Problems:
    items: list[str] = field(default_factory=list)


def shipped():
    return load_rules([], QUEUES).patterns


def test_the_shipped_file_is_read_and_has_its_settings() -> None:
    evidence = shipped().evidence
    assert len(evidence.weights) > 1000
    assert evidence.flag_at < evidence.police_at


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@bias\t-1\n@flag_at\t2\nkill you\tx\n", ":4: 'kill you': expected a word, a tab and a number"),
        ("@bias\t-1\n@flag_at\t2\nkill\t3\n", "missing setting(s) @police_at"),
        ("@bias\t-1\n@flag_at\t9\n@police_at\t3\nkill\t3\n", "@flag_at must not be above @police_at"),
        ("@bias\t-1\n@flag_at\t2\n@police_at\t3\n@cap\t3\nkill\t3\n", ":5: @cap: unknown setting"),
    ],
)
def test_mistakes_in_the_file_name_the_file_the_line_and_what_is_expected(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "learned.tsv"
    path.write_text("# a comment\n" + text, encoding="utf-8")
    problems = Problems()
    read(path, problems)
    assert problems.items and str(path) in problems.items[0] and expected in problems.items[0], problems.items


def test_rules_check_reports_a_broken_site_file(tmp_path: Path) -> None:
    (tmp_path / "patterns").mkdir()
    (tmp_path / "patterns" / "learned.tsv").write_text("@bias\t-1\nkill\tthree\n", encoding="utf-8")
    from stopit.errors import ConfigError

    with pytest.raises(ConfigError, match=r"learned\.tsv:2"):
        load_rules([tmp_path], QUEUES)


EVIDENCE = Evidence({"kill": 1.0, "tonight": 1.0, "kill you": 4.0}, bias=-2.0, flag_at=2.0, police_at=5.0)


def test_a_report_is_scored_by_its_most_threatening_window_of_three_sentences() -> None:
    # Ten sentences each with one weak word: summed over the whole mail they would weigh 8; no
    # window of three sentences reaches the flag line.
    long_mail = " . ".join(f"line {n} tonight" for n in range(10)).split()
    weighed = EVIDENCE.weigh([("message", long_mail)])
    assert weighed is not None and weighed.logit == pytest.approx(-2.0 + 3.0)
    # The same words in one sentence beside "kill you" are a window worth 1 + 1 + 4 - 2.
    buried = (" . ".join(["hello there"] * 5) + " . i kill you tonight . " + " . ".join(["bye now"] * 5)).split()
    weighed = EVIDENCE.weigh([("message", buried), ("reporter", ["hello"])])
    assert weighed is not None
    assert weighed.logit == pytest.approx(4.0) and weighed.where == "message"
    assert weighed.words == ("kill you", "kill", "tonight")


def test_learning_and_judging_see_the_same_windows() -> None:
    words = ["a", "kill", ".", "b", "tonight", ".", "c", ".", "d", "kill", "you", ".", "e"]
    by_window = max(EVIDENCE.bias + sum(EVIDENCE.weights.get(f, 0.0) for s in w for f in s) for w in windows(words))
    weighed = EVIDENCE.weigh([("message", words)])
    assert weighed is not None and weighed.logit == pytest.approx(by_window)
    assert sentences(["a", ".", ".", "b"]) == [["a"], ["b"]]


@pytest.mark.parametrize(
    ("logit", "patterns", "expected"),
    [
        (1.0, 0.0, 0.0),  # below flag_at: nothing
        (3.0, 0.0, 2.5),  # moderate: lifts an unmatched report to the flag band ...
        (3.0, 2.0, 0.5),  # ... or a weakly matched one ...
        (3.0, 4.0, 0.0),  # ... but never beyond it
        (9.0, 0.0, 2.5),  # strong: alone it only flags ...
        (9.0, 1.0, 1.5),  # ... beside a weaker sign too ...
        (9.0, 2.5, 2.5),  # ... and with the patterns' own possible threat it reaches the police
        (9.0, 6.0, 0.0),  # ... (where the patterns are not there already)
    ],
)
def test_the_words_flag_a_possible_threat_and_never_send_to_the_police_alone(
    logit: float, patterns: float, expected: float
) -> None:
    from stopit.route.learned import Weighed

    # no stalking evidence: the patterns' whole score is beyond stalking
    weighed = Weighed(logit, (), "message")
    assert EVIDENCE.weight(weighed, patterns, beyond_stalking=patterns, flag=2.5, police=5.0) == expected


@pytest.mark.parametrize(("stalking", "other", "expected"), [(3.0, 0.0, 0.0), (2.0, 0.0, 0.5), (3.0, 2.5, 0.0), (2.0, 2.5, 0.5)])
def test_strong_words_beside_stalking_evidence_alone_do_not_make_an_emergency(
    stalking: float, other: float, expected: float
) -> None:
    """Persistence is an emergency only with a threat found beside it: the words are not such a finding."""
    from stopit.route.learned import Weighed

    weighed = Weighed(9.0, (), "message")
    assert EVIDENCE.weight(weighed, stalking + other, beyond_stalking=other, flag=2.5, police=5.0) == expected


def test_a_report_no_pattern_matched_is_flagged_by_the_words_and_explain_names_them() -> None:
    # Words no pattern knows, weighed as a threat: the words alone make it a possible threat, no more.
    evidence = Evidence({"purple": 2.0, "giraffe": 2.0, "purple giraffe": 1.0}, bias=-2.0, flag_at=2.0, police_at=9.0)
    patterns = replace(shipped(), evidence=evidence)
    text = "The purple giraffe is coming."
    assert replace(shipped(), evidence=Evidence()).judge([("message", text)]).band == "none"
    danger = patterns.judge([("message", text)])
    assert danger.band == "flag" and danger.category == "threat"
    learned = [r for r in danger.reasons if r.pattern == "learned words"]
    assert learned and learned[0].words == ("giraffe", "purple", "purple giraffe")
    assert any("learned words" in line and "'purple giraffe'" in line for line in patterns.explain(danger))
    assert patterns.judge([("message", "A purple scarf.")]).band == "none"


def test_the_shipped_file_was_learned_from_todays_tuning_part_and_normaliser() -> None:
    """learned.tsv is data learned from tuning.tsv as normalise.toml reads it: a change to either without
    learning again would ship weights for words the normaliser no longer produces, or miss new rows."""
    from bench.learn_evidence import DIGEST_LINE, TARGET, inputs_digest

    header = [line[2:] for line in TARGET.read_text(encoding="utf-8").splitlines() if line.startswith("# ")]
    written = [line.removeprefix(DIGEST_LINE) for line in header if line.startswith(DIGEST_LINE)]
    assert written == [inputs_digest()], "learned.tsv is stale: run `python -m bench.learn_evidence` (needs the corpus)"
