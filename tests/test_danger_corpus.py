"""The danger verdict on real mail nobody wrote for it: ordinary ham and spam never reach the police band."""

from __future__ import annotations

import email
import email.policy
from functools import cache

import pytest

from stopit.route.danger import PatternSet
from stopit.route.rules import load_rules
from tests.corpus import corpus_files

QUEUES = {"stopit", "police", "idhr", "abuse"}


@cache
def patterns() -> PatternSet:
    return load_rules([], QUEUES).patterns


def text_of(data: bytes) -> str:
    """Subject and the plain-text body (else the HTML one) as the verdict would read an offending message."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    try:
        body = msg.get_body(("plain", "html"))  # type: ignore[attr-defined]
        content = body.get_content() if body is not None else ""
    except (LookupError, ValueError, AttributeError, TypeError):
        content = ""
    return f"{msg.get('subject', '')}\n\n{content if isinstance(content, str) else ''}"


@pytest.mark.parametrize("kind", ["ham", "spam"])
def test_spamassassin_ham_and_spam_send_nothing_to_the_police(kind: str) -> None:
    files = [f for f in corpus_files() if f.source == "spamassassin-public-corpus" and kind in f.path.parent.name]
    assert files, f"no {kind} in the corpus"
    judged = {f.path.name: patterns().judge([("message", text_of(f.path.read_bytes()))]) for f in files}
    police = {name: d.summary() for name, d in judged.items() if d.band == "police"}
    assert not police, f"{len(police)} of {len(files)} {kind} messages in the police band: {police}"


def test_mail_of_the_other_corpora_never_learned_from_sends_nothing_to_the_police() -> None:
    """The SpamAssassin mail above is learned from as ordinary mail (bench/learn_meaning.py); these never were:
    parsers' test mails, list mail, mail in other languages and scripts."""
    files = [f for f in corpus_files() if f.source != "spamassassin-public-corpus"]
    assert len(files) > 1000, f"only {len(files)} mails of the other corpora"
    judged = {str(f.path): patterns().judge([("message", text_of(f.path.read_bytes()))]) for f in files}
    police = {name: d.summary() for name, d in judged.items() if d.band == "police"}
    assert not police, f"{len(police)} of {len(files)} messages in the police band: {police}"
