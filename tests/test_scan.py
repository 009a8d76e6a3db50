"""The fast search of a word list's expressions finds what the expressions joined by `|` find, to the character."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stopit.route.rules import load_rules
from stopit.route.scan import Expressions

QUEUES = {"stopit", "police", "idhr", "abuse"}
LISTS = {name: phrases.patterns for name, phrases in load_rules([], QUEUES).lexicons.items() if phrases.patterns}


def joined(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    """What the lists were searched with before: one alternation, case ignored."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)


@cache
def searches(patterns: tuple[re.Pattern[str], ...]) -> tuple[re.Pattern[str], Expressions]:
    return joined(patterns), Expressions.of(patterns)


def same(patterns: tuple[re.Pattern[str], ...], text: str) -> None:
    slow_search, fast_search = searches(patterns)
    slow, fast = slow_search.search(text), fast_search.search(text)
    assert (fast and (fast.start(), fast.group(0))) == (slow and (slow.start(), slow.group(0))), text


def test_the_shipped_lists_have_expressions_to_compare() -> None:
    assert len(LISTS) >= 3 and sum(len(p) for p in LISTS.values()) >= 10


@pytest.mark.parametrize("name", sorted(LISTS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_shipped_list_matches_as_its_alternation_did(name: str, data: st.DataObject) -> None:
    """Texts made of matches of the list's own expressions (so several match, at several places), in
    mixed case, between words of the lists and punctuation."""
    patterns = LISTS[name]
    words = sorted({w for p in patterns for w in re.findall(r"[^\W\d_]{2,}", p.pattern)})
    pieces = st.one_of(
        *(st.from_regex(p.pattern, fullmatch=True, alphabet=st.characters(codec="utf-8")) for p in patterns),
        st.sampled_from(words).map(str.upper),
        st.sampled_from([" ", "  ", ", ", ". ", "\n", "-", "é", "ß", "0", "://"]),
    )
    text = " ".join(data.draw(st.lists(pieces, max_size=12)))
    same(patterns, text)


@pytest.mark.parametrize(
    "expressions",
    [
        (r"\bverif(y|ies) (your|the) account", r"account (is|was) (locked|suspended)"),
        (r"(?<=log )in here", r"in\b"),  # a look-behind before the start, and a match inside another's
        (r"[ée]t[ée]", r"x*ete"),  # a class of letters; an expression that may start anywhere
        (r"(?i:Gift) cards?", r"(?-i:CARD)"),  # flags switched inside the expression
        (r"\d+ ?€", r"€\s?\d+"),
    ],
)
@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="verifyaccountlockdsuhgt CARDcardé€0123 ", max_size=60))
def test_hand_written_expressions_match_as_their_alternation_did(expressions: tuple[str, ...], text: str) -> None:
    same(tuple(re.compile(e, re.IGNORECASE) for e in expressions), text)
