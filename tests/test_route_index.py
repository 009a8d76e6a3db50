"""The term index finds what every term, tried whole at every word, finds: where each group's first term ends.

The index tries at a place only the terms that may start with its word and go on with the next one, each
narrowed to the branches that can; these tests hold it to the plain reading of the shipped pattern files.
"""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

from stopit.route.danger import MAX_HITS, Choice, Gap, Hit, Index, PatternSet, load_patterns
from stopit.route.rules import Problems

ROOT = Path(__file__).resolve().parent.parent


@cache
def _shipped() -> PatternSet:
    problems = Problems()
    patterns = load_patterns([ROOT / "rules"], problems)
    assert not problems.items, problems.items
    return patterns


def _plain(index: Index, words: list[str]) -> dict[str, list[Hit]]:
    """Every key of each word, in the index's order; under it, each group's terms whole, in file order."""
    compiled: dict[str, re.Pattern[str]] = {}
    joined = " ".join(words) + " "
    found: dict[str, list[Hit]] = {}
    offset = 0
    for at, word in enumerate(words):
        for _, _, source in index.candidates(word):
            for group, terms in source.items():
                for term in terms:
                    pattern = compiled.setdefault(term.pattern, re.compile(term.pattern))
                    matched = pattern.match(joined, offset)
                    if matched is None:
                        continue
                    kept = found.setdefault(group, [])
                    if len(kept) < MAX_HITS and not (kept and kept[-1].start == at):
                        end = at + matched.group(0).count(" ")
                        kept.append(Hit(group, at, end, " ".join(words[at:end])))
                    break
        offset += len(word) + 1
    return found


def _sample(elements: tuple, chance: random.Random, filler: list[str]) -> list[str]:
    """Words one branch of a term matches (a wrong branch now and then), for the index to find or not."""
    out: list[str] = []
    for element in elements:
        if isinstance(element, Gap):
            out.extend(chance.choice(filler) for _ in range(chance.randint(0, element.most)))
        elif isinstance(element, Choice):
            if not (element.optional and chance.random() < 0.3):
                out.extend(_sample(chance.choice(element.options), chance, filler))
        elif element.kind == "literal":
            out.append(element.value if chance.random() < 0.95 else chance.choice(filler))
        elif element.kind == "prefix":
            out.append(element.value + chance.choice(["", "ed", "s"]))
        elif element.kind == "suffix":
            out.append(chance.choice(["x", "ab"]) + element.value)
        elif element.kind == "number":
            out.append(chance.choice(["12", "3rd"]))
        else:
            out.append(chance.choice(filler))
    return out


def test_the_index_finds_what_each_term_tried_whole_finds() -> None:
    patterns = _shipped()
    index = patterns.index
    terms = [t for source in index.literal.values() for ts in source.values() for t in ts]
    terms += [
        t for kind in (index.prefix, index.suffix) for source in kind.values() for ts in source.values() for t in ts
    ]
    everyday = [
        "i",
        "you",
        "your",
        "the",
        "a",
        "to",
        "in",
        "it",
        "s",
        "t",
        "if",
        "will",
        "me",
        "my",
        "is",
        "and",
        "zork",
    ]
    chance = random.Random(6)
    texts = [
        patterns.normaliser.words(text)
        for text in (
            "if you don t send the pictures everyone will see them . i know where you live",
            "your parents will get a copy of the video unless you pay . 24 hours",
            "wenn du nicht zahlst bekommt deine familie die bilder . ich weiss wo du wohnst",
            "si tu ne paies pas ta famille verra les photos . je sais ou tu habites",
        )
    ]
    for _ in range(30):  # words of a few terms, with everyday words between: many terms start, some go on
        words: list[str] = []
        for _ in range(6):
            words += _sample(chance.choice(terms).elements, chance, everyday)
            words += [chance.choice(everyday) for _ in range(chance.randint(0, 3))]
        texts.append(words)
    for words in texts:
        assert index.hits(words) == _plain(index, words), " ".join(words)


def test_a_term_starting_with_many_choices_is_found_after_each() -> None:
    """A term that starts with another group (`@audience …`) is found after every first word of that group."""
    patterns = _shipped()
    words = patterns.normaliser.words("your parents will see the video")
    assert _plain(patterns.index, words) == patterns.index.hits(words)
    assert "exposure" in patterns.index.hits(words)
