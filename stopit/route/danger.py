"""Owns judging danger: pattern files (rules/patterns/*.toml) read into term groups and scored patterns.

A *term* is a short phrase in a small language staff can read: plain words, `(a|b c)` for one of
several, `(...)?` for an optional part, `word*` / `*word` for any word starting / ending so, `#` for
a number, `_` for any one word and `...` for up to three words. Terms are grouped by meaning
(`[terms.condition]`, `[terms.harm]`), one list per language.

A *pattern* names the groups that must all occur within a few words of each other and the weight
that adds to the danger score; the score falls in a band (`bands.toml`): police, possible threat, or
below. Everything matched is kept, with its words, so that staff can see why.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from itertools import accumulate, compress, pairwise, product
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from stopit.route.learned import FILE_NAME as LEARNED_FILE
from stopit.route.learned import NAME as LEARNED
from stopit.route.learned import SAYS as LEARNED_SAYS
from stopit.route.learned import Evidence
from stopit.route.learned import read as read_evidence
from stopit.route.meaning import FILE_NAME as MEANING_FILE
from stopit.route.meaning import NAME as MEANING
from stopit.route.meaning import SAYS as MEANING_SAYS
from stopit.route.meaning import Meaning
from stopit.route.meaning import read as read_meaning
from stopit.route.normalise import BREAK, Normaliser, fold

ROLES = ("message", "reporter", "any")
BANDS = ("police", "flag", "none")
BAND_WORDS = {"police": "police", "flag": "possible threat", "none": "below"}
# Words per text (each offending message, and the reporter's own words, is its own text) that are
# scored: a threat is not hidden after 1,500 words of one message, and a long one must not make
# routing slow. The text is cut at seven characters a word before it is read.
MAX_WORDS = 1_500
MAX_HITS = 40  # hits kept per group and text
NEAR = 6  # words either side that `unless_near` looks at
# The term group whose words, right before an `unless_near` word, take that word's power to cancel: "das ist kein
# Spiel", "not a game", "no es un juego" say the harm is meant, not that it is play (common.toml, `denial`).
DENIAL = "denial"
# The `unless_near` groups whose words cancel a match only within its own clause: words of errands, news, costs,
# kitchens and lessons name what the clause's verb is about ("I'll shoot you the file", "the suspect said he would
# kill him, police say"), and in another clause they say nothing of it. A hostile sender's words showed the cost of
# reading them further (session 16): "You're next on the list, I will kill you", "I don't care if they arrest me.
# I will kill you" were cancelled, and the meaning does not catch such plain threats either. The other groups
# (laughter and games, a spoiler, a safety notice, friends, a party, a hunt) set the scene for the whole message.
CLAUSE_BOUND = frozenset(
    {
        "errand",
        "news",
        "kitchen",
        "hypothetical",
        "ordinary-cost",
        "lesson-topic",
        "queue",
        "reader-task",
        "repair",
        "price",
    }
)
PATTERN_KEYS = {
    "name",
    "says",
    "category",
    "weight",
    "all",
    "within",
    "in",
    "unless_preceded_by",
    "unless_near",
}
_SIGNATURE = re.compile(r"^[ \t]*(--|__)[ \t]*$", re.M)
_LANGUAGE = re.compile(r"^[a-z]{2}(_[a-z]{2})?$")
_SYNTAX = re.compile(r"\(|\)\??|\.\.\.|[^\s()|]+|\|")
_WORD = re.compile(r"[^\W_]+")
_UNMATCHED = (-1, -1)  # a group's span in a match when it took no part


class Problems(Protocol):
    items: list[str]


# --- terms ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a term: literal, prefix (`kill*`), suffix (`*strasse`), number (`#`) or any (`_`)."""

    kind: str
    value: str = ""

    def test(self, word: str) -> bool:
        if self.kind == "literal":
            return word == self.value
        if self.kind == "prefix":
            return word.startswith(self.value)
        if self.kind == "suffix":
            return word.endswith(self.value) and word != self.value
        if self.kind == "number":
            return word[:1].isdigit()
        return True


@dataclass(frozen=True, slots=True)
class Gap:
    most: int = 3


@dataclass(frozen=True, slots=True)
class Choice:
    options: tuple[tuple[Any, ...], ...]
    optional: bool = False


Element = Word | Gap | Choice


class TermError(ValueError):
    pass


# The terms of another group in the same language, for `@group` inside a term; None if there is none.
Refs = Callable[[str], "list[tuple[Element, ...]] | None"]


def parse_term(text: str, normaliser: Normaliser, refs: Refs | None = None) -> tuple[Element, ...]:
    """A term's elements; raises TermError saying what is wrong with its syntax."""
    pieces = _SYNTAX.findall(fold(text))
    elements, _ = _sequence(pieces, 0, normaliser, top=True, refs=refs)
    if not elements:
        raise TermError(f"term {text!r} has no words")
    if isinstance(elements[0], Gap) or (isinstance(elements[0], Choice) and elements[0].optional):
        raise TermError(f"term {text!r} must start with a word, not an optional part or '...'")
    if any(w.kind == "any" for w in first_words(elements)):
        raise TermError(f"term {text!r} must start with a word, not '_'")
    return elements


def _sequence(
    pieces: list[str], at: int, normaliser: Normaliser, top: bool, refs: Refs | None = None
) -> tuple[tuple[Element, ...], int]:
    out: list[Element] = []
    while at < len(pieces):
        piece = pieces[at]
        if piece in ("|", ")", ")?"):
            if top:
                raise TermError(f"unexpected {piece!r}: '(' and ')' must pair up")
            return tuple(out), at
        if piece == "(":
            options: list[tuple[Element, ...]] = []
            at += 1
            while True:
                option, at = _sequence(pieces, at, normaliser, top=False, refs=refs)
                if not option:
                    raise TermError("an empty choice: write (a|b), each side with a word")
                options.append(option)
                if at >= len(pieces):
                    raise TermError("'(' is never closed with ')'")
                if pieces[at] == "|":
                    at += 1
                    continue
                out.append(Choice(tuple(options), optional=pieces[at] == ")?"))
                at += 1
                break
            continue
        if piece == "...":
            out.append(Gap())
        elif piece.startswith("@"):
            found = refs(piece[1:]) if refs else None
            if not found:
                raise TermError(f"{piece}: no term group {piece[1:]!r} with terms in this language")
            out.append(Choice(tuple(found)))
        else:
            out.extend(_words(piece, normaliser))
        at += 1
    if not top:
        raise TermError("'(' is never closed with ')'")
    return tuple(out), at


# One Word for each kind and value, shared by every term that names it: the shipped terms hold 65,000 words, most
# of them the same few thousand, and each object costs memory for as long as the daemon runs (7.5 MB less RSS).
_word = cache(Word)


def _words(piece: str, normaliser: Normaliser) -> list[Element]:
    if piece == "#":
        return [_word("number")]
    if piece == "_":
        return [_word("any")]
    if piece.endswith("*") and piece.strip("*") and "*" not in piece[:-1]:
        return [_word("prefix", piece[:-1])]
    if piece.startswith("*") and piece.strip("*") and "*" not in piece[1:]:
        return [_word("suffix", piece[1:])]
    if "*" in piece or "#" in piece:
        raise TermError(f"{piece!r}: '*' goes at the start or end of a word, '#' stands alone")
    words: list[Element] = []
    for word in _WORD.findall(piece):
        words.extend(_word("literal", w) for w in normaliser.aliases.get(word, (word,)))
    return words


def _regex(elements: tuple[Element, ...]) -> str:
    out = []
    for element in elements:
        if isinstance(element, Gap):
            out.append(rf"(?:\S+ ){{0,{element.most}}}")
        elif isinstance(element, Choice):
            options = "|".join(_regex(option) for option in element.options)
            out.append(f"(?:{options}){'?' if element.optional else ''}")
        elif element.kind == "literal":
            out.append(re.escape(element.value) + " ")
        elif element.kind == "prefix":
            out.append(re.escape(element.value) + r"\S* ")
        elif element.kind == "suffix":
            out.append(r"\S+" + re.escape(element.value) + " ")
        elif element.kind == "number":
            out.append(r"\d\S* ")
        else:
            out.append(r"\S+ ")
    return "".join(out)


def first_words(elements: tuple[Element, ...]) -> list[Word]:
    head = elements[0]
    if isinstance(head, Word):
        return [head]
    assert isinstance(head, Choice)
    return [w for option in head.options for w in first_words(option)]


def literals(elements: tuple[Element, ...]) -> Iterator[str]:
    for element in elements:
        if isinstance(element, Word) and element.kind == "literal":
            yield element.value
        elif isinstance(element, Choice):
            for option in element.options:
                yield from literals(option)


@dataclass(frozen=True)
class Term:
    group: str
    text: str
    elements: tuple[Element, ...]

    @cached_property
    def pattern(self) -> str:
        """The term as a regular expression over words joined by single spaces, each word followed by one."""
        return _regex(self.elements)


# The words that may follow a term's first word; None when that is no fixed list of words.
Follows = frozenset[str] | None
# (the groups, one pattern telling where each of their terms that start at one place ends)
Start = tuple[tuple[str, ...], re.Pattern[str]]
Starts = tuple[Start, ...]
# The terms under one key, by group, before any is compiled.
Source = dict[str, list["Term"]]
# A key a word falls under: (kind, key, its terms).
Key = tuple[str, str, Source]
# A test of a term's word at one place: whether it may match the text's word there.
Could = Callable[[Word], bool]
# A key's terms by group (a pattern written twice kept once), and every literal word they may have second.
Seconds = tuple[dict[str, list["Term"]], frozenset[str]]
_ANY_NEXT = ""  # a compiled pattern's next word when it is none that a term of its key names: no word is ""


def _union(sets: Iterator[Follows]) -> Follows:
    out: set[str] = set()
    for words in sets:
        if words is None:
            return None
        out |= words
    return frozenset(out)


def _branches(head: Choice, rest: tuple[Element, ...]) -> list[tuple[Element, ...]]:
    return [(*option, *rest) for option in head.options] + ([rest] if head.optional else [])


def _starts(elements: tuple[Element, ...]) -> Follows:
    """The words a match of `elements` can start with, when each is a literal word (else None)."""
    if not elements:
        return None  # the term may end here, whatever follows
    head, rest = elements[0], elements[1:]
    if isinstance(head, Word):
        return frozenset((head.value,)) if head.kind == "literal" else None
    if isinstance(head, Gap):
        return None
    return _union(_starts(branch) for branch in _branches(head, rest))


def _seconds(elements: tuple[Element, ...]) -> Follows:
    """The words that can follow the first word of a match of `elements`, when each is a literal word."""
    if not elements:
        return None
    head, rest = elements[0], elements[1:]
    if isinstance(head, Word):
        return _starts(rest)
    if isinstance(head, Gap):
        return None
    return _union(_seconds(branch) for branch in _branches(head, rest))


def _could_start(kind: str, key: str) -> Could:
    """Whether a term's first word may match a text's word that falls under `key` (when unsure, yes)."""
    if kind == "literal":
        return lambda word: word.test(key)  # the text's word is the key itself
    if kind == "prefix":  # the text's word starts with the key
        return lambda word: (
            word.value.startswith(key)
            if word.kind == "literal"
            else (word.value.startswith(key) or key.startswith(word.value))
            if word.kind == "prefix"
            else key[:1].isdigit()
            if word.kind == "number"
            else True
        )
    if kind == "suffix":  # the text's word ends with the key, and is longer
        return lambda word: (
            word.value.endswith(key) and word.value != key
            if word.kind == "literal"
            else (word.value.endswith(key) or key.endswith(word.value))
            if word.kind == "suffix"
            else True
        )
    return lambda word: word.value[:1].isdigit() if word.kind in ("literal", "prefix") else True  # a number


def _could_follow(second: str) -> Could:
    """Whether a term's second word may match the text's next word: `second` itself, or (_ANY_NEXT) a
    word that is none of the literal second words of the key's terms."""
    if second == _ANY_NEXT:
        return lambda word: word.kind != "literal"
    return lambda word: word.test(second)


def _possible(elements: tuple[Element, ...], tests: tuple[Could, ...]) -> bool:
    """Whether a match of `elements` may have words passing `tests`, one test a word (when unsure, yes)."""
    if not tests or not elements:
        return True
    head, rest = elements[0], elements[1:]
    if isinstance(head, Word):
        return tests[0](head) and _possible(rest, tests[1:])
    if isinstance(head, Gap):
        return True
    return any(_possible(branch, tests) for branch in _branches(head, rest))


def _narrowed(elements: tuple[Element, ...], tests: tuple[Could, ...]) -> tuple[Element, ...] | None:
    """`elements` without the choices at its start that cannot pass `tests`; None when no match can.

    A branch left out could not have matched here, so the pattern finds what the whole term would,
    and at a common first word ("your") a term that starts with one of fifty audiences ("@audience")
    is tried with the two or three that start so, not all fifty.
    """
    if not _possible(elements, tests):
        return None
    if not tests or not elements:
        return elements
    head, rest = elements[0], elements[1:]
    if isinstance(head, Word):
        after = _narrowed(rest, tests[1:])
        return None if after is None else (head, *after)
    if isinstance(head, Gap):
        return elements
    options = tuple(option for option in head.options if _possible((*option, *rest), tests))
    if not options:  # only leaving the optional part out can match
        return _narrowed(rest, tests)
    return (Choice(options, head.optional), *rest)


def _second_literals(elements: tuple[Element, ...], depth: int = 0) -> Iterator[str]:
    """The literal words `_possible` may test as a match's second word."""
    if depth > 1 or not elements:
        return
    head, rest = elements[0], elements[1:]
    if isinstance(head, Word):
        if depth == 1 and head.kind == "literal":
            yield head.value
        yield from _second_literals(rest, depth + 1)
    elif isinstance(head, Choice):
        for branch in _branches(head, rest):
            yield from _second_literals(branch, depth)


@dataclass(frozen=True)
class Index:
    """Terms by the words they can start with, so each word of a text is looked up, not every term tried.

    Every element of a term takes exactly one word, so at a place the second word is known: only the
    terms that may have it there (or that name no second word) can match. Under each key, those terms
    of each group are put together in one pattern for each second word, written and compiled the
    first time a text has that pair: a process that reads one message compiles a few dozen small
    patterns, not a thousand terms, and a common first word ("the", "you") costs a short pattern of
    the few terms that go on with the next word, not one of all the terms that start with it.
    """

    literal: dict[str, Source]
    prefix: dict[str, Source]
    prefix_lengths: tuple[int, ...]
    suffix: dict[str, Source]
    suffix_lengths: tuple[int, ...]
    number: Source | None
    seen: dict[str, tuple[Key, ...]] = field(default_factory=dict)
    starting: set[str] = field(default_factory=set)  # the words of `seen` that some term starts with
    # Each word of `starting`: the words one of its terms may need next (None: some term needs none), so
    # that a place where the next word is none of them is passed over with one look-up.
    gates: dict[str, Follows] = field(default_factory=dict)
    # (word, next word): the patterns to try there, one per key with a term that may match.
    pairs: dict[tuple[str, str], Starts] = field(default_factory=dict)
    seconds: dict[tuple[str, str], Seconds] = field(default_factory=dict)
    compiled: dict[tuple[str, str, str], Start | None] = field(default_factory=dict)

    @classmethod
    def of(cls, terms: list[Term]) -> Index:
        by_kind: dict[str, dict[str, Source]] = {"literal": {}, "prefix": {}, "suffix": {}, "number": {}}
        for term in terms:
            for word in first_words(term.elements):
                by_kind[word.kind].setdefault(word.value, {}).setdefault(term.group, []).append(term)
        return cls(
            by_kind["literal"],
            by_kind["prefix"],
            tuple(sorted({len(k) for k in by_kind["prefix"]})),
            by_kind["suffix"],
            tuple(sorted({len(k) for k in by_kind["suffix"]})),
            by_kind["number"].get(""),
        )

    def _terms_of(self, kind: str, key: str, source: Source) -> Seconds:
        known = self.seconds.get((kind, key))
        if known is None:
            by_group: dict[str, list[Term]] = {}
            for group, terms in source.items():
                first: dict[str, Term] = {}  # a pattern written twice is tried once, where it first is
                for term in terms:
                    first.setdefault(term.pattern, term)
                by_group[group] = list(first.values())
            named = frozenset(w for terms in by_group.values() for t in terms for w in _second_literals(t.elements))
            known = self.seconds[kind, key] = (by_group, named)
        return known

    def _compile(self, key: Key, following: str) -> Start | None:
        """The pattern of the terms under `key` that may go on with `following`; None if there is none.

        Each term is narrowed to the branches that may start with a word of `key` and go on with
        `following`. A group's terms sit in an optional lookahead that captures where the first of
        them (in file order) to match ends, so that a single call tells every group that starts here.
        """
        kind, value, _ = key
        by_group, named = self._terms_of(*key)
        second = following if following in named else _ANY_NEXT
        if (kind, value, second) not in self.compiled:
            tests = (_could_start(kind, value), _could_follow(second))
            groups: list[str] = []
            parts: list[str] = []
            for group, terms in by_group.items():
                narrowed = (_narrowed(term.elements, tests) for term in terms)
                kept = dict.fromkeys(_regex(elements) for elements in narrowed if elements is not None)
                if kept:
                    groups.append(group)
                    parts.append("(?:(?=(" + "|".join(kept) + ")))?")
            self.compiled[kind, value, second] = (tuple(groups), re.compile("".join(parts))) if groups else None
        return self.compiled[kind, value, second]

    def candidates(self, word: str) -> tuple[Key, ...]:
        """Every key under which terms may start at `word`; remembered per word."""
        known = self.seen.get(word)
        if known is not None:
            return known
        found: list[Key] = []
        if word in self.literal:
            found.append(("literal", word, self.literal[word]))
        for length in self.prefix_lengths:
            if length > len(word):
                break
            if word[:length] in self.prefix:
                found.append(("prefix", word[:length], self.prefix[word[:length]]))
        for length in self.suffix_lengths:
            if length >= len(word):
                break
            if word[-length:] in self.suffix:
                found.append(("suffix", word[-length:], self.suffix[word[-length:]]))
        if word[:1].isdigit() and self.number is not None:
            found.append(("number", "", self.number))
        self.seen[word] = result = tuple(found)
        if result:
            self.starting.add(word)
            self.gates[word] = _union(map(self._gate, result))
        return result

    def _gate(self, key: Key) -> Follows:
        """The words that may follow the first word of the key's terms (None: some term names none)."""
        return _union(_seconds(term.elements) for terms in self._terms_of(*key)[0].values() for term in terms)

    def _pair(self, word: str, following: str) -> Starts:
        found = tuple(start for key in self.seen[word] if (start := self._compile(key, following)) is not None)
        self.pairs[word, following] = found
        return found

    def hits(self, words: list[str]) -> dict[str, list[Hit]]:
        found: dict[str, list[Hit]] = {}
        seen, candidates = self.seen, self.candidates
        if len(seen) > 100_000 or len(self.pairs) > 200_000:  # forget between texts, never within one
            seen.clear()
            self.starting.clear()
            self.gates.clear()
            self.pairs.clear()
        unique = set(words)
        for word in unique.difference(seen):  # set arithmetic in C: after a while, most words are known
            candidates(word)
        present = unique & self.starting
        if not present:
            return found
        joined = " ".join(words) + " "
        lengths = list(accumulate(map(len, words), initial=0))  # a word's offset is this plus its index
        last, gates, pairs, pair = len(words) - 1, self.gates, self.pairs, self._pair
        # The places where some term may start, picked in C: most words start none.
        for at in compress(range(len(words)), map(present.__contains__, words)):
            word = words[at]
            following = words[at + 1] if at < last else ""
            gate = gates[word]
            if gate is not None and following not in gate:
                continue  # every term starting here needs another next word: most places end so
            starts = pairs.get((word, following))
            if starts is None:
                starts = pair(word, following)
            offset = lengths[at] + at
            for groups, pattern in starts:
                matched = pattern.match(joined, offset)
                # Every part is optional, so the pattern always matches; a term matched when a group did.
                if matched is None or matched.lastindex is None:
                    continue
                regs = matched.regs[1:]
                # Only the groups that matched, picked in C: a key's pattern may carry twenty groups.
                for group, (_, stop) in compress(zip(groups, regs, strict=True), map(_UNMATCHED.__ne__, regs)):
                    kept = found.setdefault(group, [])
                    if len(kept) < MAX_HITS and not (kept and kept[-1].start == at):
                        end = at + joined.count(" ", offset, stop)
                        kept.append(Hit(group, at, end, " ".join(words[at:end])))
        return found


# --- patterns and the verdict ---------------------------------------------------------------


class Hit(NamedTuple):  # a tuple: made for every term found, and a dataclass is slower to make
    group: str
    start: int
    end: int
    words: str


@dataclass(frozen=True)
class Pattern:
    name: str
    says: str
    category: str
    weight: float
    needs: tuple[tuple[str, ...], ...]  # each: one of these groups
    within: int
    role: str
    unless_preceded_by: tuple[str, ...]
    unless_near: tuple[str, ...]
    file: str

    def find(self, hits: dict[str, list[Hit]], breaks: Sequence[int]) -> tuple[Hit, ...] | None:
        """The first set of hits, one per need, close enough together and not cancelled; else None. `breaks`: where
        the text's clauses end (the places of its BREAK words, in order)."""
        choices = []
        for need in self.needs:
            found = [h for g in need for h in hits.get(g, ())]
            if not found:
                return None
            choices.append(found)
        for combo in product(*choices):
            start = min(h.start for h in combo)
            end = max(h.end for h in combo)
            if end - start > self.within or _overlap(combo):
                continue
            if self._cancelled(combo, start, end, hits, breaks):
                continue
            return combo
        return None

    def _cancelled(
        self, combo: tuple[Hit, ...], start: int, end: int, hits: dict[str, list[Hit]], breaks: Sequence[int]
    ) -> bool:
        starts = {h.start for h in combo}
        for group in self.unless_preceded_by:
            if any(h.end in starts for h in hits.get(group, ())):
                return True
        denied = {d.end for d in hits.get(DENIAL, ())}

        def cancels(h: Hit, across: bool) -> bool:
            if h.end < start - NEAR or h.start > end + NEAR or h.start in denied:
                return False
            # a clause ends between them when a break lies from the first one's end to the other's start
            low, high = (h.end, start) if h.end <= start else (end, h.start)
            return across or low >= high or bisect_left(breaks, low) == bisect_left(breaks, high)

        return any(cancels(h, group not in CLAUSE_BOUND) for group in self.unless_near for h in hits.get(group, ()))


def _overlap(combo: tuple[Hit, ...]) -> bool:
    """Whether two of the hits share a word: each part of a pattern must be its own words."""
    ordered = sorted(combo, key=lambda h: h.start)
    return any(b.start < a.end for a, b in pairwise(ordered))


@dataclass(frozen=True)
class Reason:
    pattern: str
    says: str
    category: str
    weight: float
    words: tuple[str, ...]
    where: str

    def to_json(self) -> dict:
        return {
            "pattern": self.pattern,
            "says": self.says,
            "category": self.category,
            "weight": self.weight,
            "words": list(self.words),
            "in": self.where,
        }

    def line(self) -> str:
        words = " + ".join(repr(w) for w in self.words)
        return f"{self.weight:+g} {self.pattern} ({self.category}, in the {self.where}): {words}"


@dataclass(frozen=True)
class Danger:
    """The verdict: a score, its band, the category with the most evidence, and every reason."""

    score: float
    band: str
    category: str
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict:
        return {
            "score": self.score,
            "band": self.band,
            "band_words": BAND_WORDS[self.band],
            "category": self.category or None,
            "reasons": [r.to_json() for r in self.reasons],
        }

    def summary(self) -> str:
        top = ", ".join(r.pattern for r in self.reasons if r.weight > 0) or "no pattern matched"
        return f"danger score {self.score:g} ({BAND_WORDS[self.band]}): {top}"


NO_DANGER = Danger(0.0, "none", "", ())


@dataclass(frozen=True)
class PatternSet:
    """Everything loaded from rules/patterns/: how to read text, the term index, patterns and bands."""

    normaliser: Normaliser = field(default_factory=Normaliser)
    index: Index = field(default_factory=lambda: Index.of([]))
    patterns: tuple[Pattern, ...] = ()
    police: float = 5.0
    flag: float = 2.5
    caps: dict[str, float] = field(default_factory=dict)
    footer: tuple[str, ...] = ()
    desk_source: str = ""  # every line the desk writes to reporters, as one pattern; see desk_lines()
    desk_shingles: frozenset[str] = frozenset()
    evidence: Evidence = field(default_factory=Evidence)  # learned.tsv: words weighed, see learned.py
    meaning: Meaning = field(default_factory=Meaning)  # meaning.tsv: sentence meaning weighed, see meaning.py

    @cached_property
    def desk_lines(self) -> re.Pattern[str] | None:
        """The desk's lines compiled, the first time a reporter's line shares three words with them."""
        return re.compile(self.desk_source) if self.desk_source else None

    def judge(self, texts: list[tuple[str, str]]) -> Danger:
        """Score `texts` (role, text): each pattern counts once, wherever it matched first."""
        if not self.patterns:
            return NO_DANGER
        reasons: list[Reason] = []
        seen: set[str] = set()
        read: list[tuple[str, list[str]]] = []
        for role, text in texts:
            words = self.normaliser.words(text[: MAX_WORDS * 7])[:MAX_WORDS]
            if not words:
                continue
            read.append((role, words))
            hits = self.index.hits(words)
            breaks = [at for at, word in enumerate(words) if word == BREAK]
            # Only the patterns whose first part has a hit can match: found by group, tried in file order.
            tried = sorted({n for group in hits for n in self._by_group.get(group, ())}.union(self._by_group[""]))
            for pattern in map(self.patterns.__getitem__, tried):
                if pattern.name in seen or pattern.role not in (role, "any"):
                    continue
                combo = pattern.find(hits, breaks)
                if combo is not None:
                    seen.add(pattern.name)
                    words_of = tuple(h.words for h in combo)
                    reasons.append(Reason(pattern.name, pattern.says, pattern.category, pattern.weight, words_of, role))
        weighed = self.evidence.weigh(read)
        if weighed is not None and weighed.logit >= self.evidence.flag_at:  # else it adds nothing: no second verdict
            beyond_stalking = self.verdict([r for r in reasons if r.category != "stalking"]).score
            weight = self.evidence.weight(weighed, self.verdict(reasons).score, beyond_stalking, self.flag, self.police)
            if weight:
                # The learned words name no category of their own: they count as a threat, the
                # category whose rule sends to the police (sextortion's patterns still name theirs).
                reasons.append(Reason(LEARNED, LEARNED_SAYS, "threat", weight, weighed.words, weighed.where))
        # A report the patterns and words already send to the police is not read for sense: the meaning only ever
        # lifts a score to a band, so it could add nothing there, and the most urgent reports skip the encoder.
        score = self.verdict(reasons).score
        sensed = self.meaning.sense(texts) if read and score < self.police else None
        if sensed is not None and sensed.chance >= self.meaning.flag_at:  # else it adds nothing
            # What the patterns found beyond stalking; the learned words join the meaning by their own score
            # (Meaning.joined), never as a finding of the patterns.
            found = self.verdict([r for r in reasons if r.category != "stalking" and r.pattern != LEARNED]).score
            logit = weighed.logit if weighed is not None else None
            weight = self.meaning.weight(sensed, score, found, self.flag, self.police, logit)
            if weight:
                said = sensed.words()
                if self.meaning.joined(sensed, found, self.flag, logit) == "learned words":
                    said += (f"beside learned words scoring {logit:g}",)
                reasons.append(Reason(MEANING, MEANING_SAYS, sensed.category, weight, said, sensed.where))
        return self.verdict(reasons)

    @cached_property
    def _by_group(self) -> dict[str, tuple[int, ...]]:
        """Each pattern's number under each group of its first part ("" for a pattern of no parts)."""
        out: dict[str, list[int]] = {"": []}
        for number, pattern in enumerate(self.patterns):
            for group in pattern.needs[0] if pattern.needs else ("",):
                out.setdefault(group, []).append(number)
        return {group: tuple(numbers) for group, numbers in out.items()}

    def explain(self, danger: Danger) -> list[str]:
        """The verdict for a person: score, band with its thresholds, and each pattern with its words."""
        lines = [
            f"danger: score {danger.score:g}, band {BAND_WORDS[danger.band]} "
            f"(police from {self.police:g}, possible threat from {self.flag:g})"
        ]
        lines.extend(f"  {reason.line()}" for reason in danger.reasons)
        return lines

    def verdict(self, reasons: list[Reason]) -> Danger:
        by_category: dict[str, float] = {}
        for reason in reasons:
            by_category[reason.category] = by_category.get(reason.category, 0.0) + reason.weight
        capped = {c: min(v, self.caps.get(c, v)) for c, v in by_category.items()}
        score = round(max(0.0, sum(capped.values())), 2)
        band = "police" if score >= self.police else "flag" if score >= self.flag else "none"
        positive = {c: v for c, v in capped.items() if v > 0 and c != "context"}
        category = max(positive, key=lambda c: (positive[c], c == "threat")) if positive else ""
        return Danger(score, band, category, tuple(sorted(reasons, key=lambda r: -r.weight)))

    # --- what is read, and what is not -------------------------------------------------------

    def own_words(self, text: str, desk: tuple[str, ...] = (), desk_lines: bool = True) -> str:
        """`text` without the desk's own words, signatures and legal footers.

        The desk's words: a quoted block under an attribution line naming a `desk` address ("On …,
        Stopit <stopit@…> wrote:"), any line with the "[stopit #" case tag, and any line the desk's
        reporter templates write. A signature starts at a "-- " line; a footer is a paragraph with
        one of the footer phrases of normalise.toml.
        """
        if not desk and not desk_lines and "[stopit #" not in text.lower():
            # An offending message: only its signature and a footer can be left out, found cheaply.
            signature = _SIGNATURE.search(text)
            text = text[: signature.start()] if signature else text
            folded = " ".join(fold(text).split())
            if not any(phrase in folded for phrase in self.footer):
                return text
        kept: list[str] = []
        quoting_desk = False
        for line in text.splitlines():
            quoted = line.lstrip().startswith(">")
            bare = line.lstrip("> \t")
            if not quoted and bare.rstrip() in ("--", "__"):
                break  # RFC 3676 "-- ": only the signature follows
            if quoting_desk and (quoted or not bare.strip()):
                continue
            quoting_desk = False
            lowered = bare.lower()
            if desk and lowered.rstrip().endswith(":") and any(a in lowered for a in desk):
                quoting_desk = True
                continue
            if "[stopit #" not in lowered and not (desk_lines and self._desk_line(bare)):
                kept.append(line)
        paragraphs = re.split(r"\n[ \t>]*\n", "\n".join(kept))
        return "\n\n".join(p for p in paragraphs if p.strip() and not self._footer(p))

    def _desk_line(self, line: str) -> bool:
        if not self.desk_source or len(line) < 12:
            return False
        words = fold(line).split()
        if len(words) < 3:
            return False
        # Only a line sharing a run of three words with the templates is tried against them.
        if self.desk_shingles.isdisjoint(map(" ".join, zip(words, words[1:], words[2:], strict=False))):
            return False
        return self.desk_lines is not None and self.desk_lines.fullmatch(" ".join(words)) is not None

    def _footer(self, paragraph: str) -> bool:
        folded = " ".join(fold(paragraph).split())
        return any(phrase in folded for phrase in self.footer)


# --- reading pattern files --------------------------------------------------------------------


def _line(text: str, header: str, nth: int, leaf: str) -> int:
    """The line of `leaf =` inside the nth section whose header line starts with `header`."""
    lines = text.splitlines()
    seen, start = -1, 0
    for number, line in enumerate(lines):
        if line.strip().startswith(header):
            seen += 1
            if seen == nth:
                start = number
                if not leaf:
                    return number + 1
                break
    for number in range(start, len(lines)):
        if number > start and lines[number].strip().startswith("["):
            break
        if re.match(rf"\s*{re.escape(leaf)}\s*=", lines[number]):
            return number + 1
    return start + 1


@dataclass
class _Reader:
    problems: Problems
    terms: dict[str, list[Term]] = field(default_factory=dict)
    raw_terms: dict[str, tuple[Path, str, dict]] = field(default_factory=dict)
    patterns: dict[str, tuple[Path, str, int, dict]] = field(default_factory=dict)

    def say(self, path: Path, line: int, key: str, message: str) -> None:
        self.problems.items.append(f"{path}:{line}: {key}: {message}")


def read_toml(path: Path, problems: Problems) -> tuple[dict, str] | None:
    """A TOML file's data and text, or None with the reason added to `problems` as file:line: …."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.items.append(f"{path}:1: cannot read: {exc.strerror}")
        return None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        problems.items.append(f"{path}:{found.group(1) if found else 1}: not valid TOML: {exc}")
        return None


def load_patterns(dirs: list[Path], problems: Problems, templates: Path | None = None) -> PatternSet:
    """The pattern set from each dir's patterns/ folder; a later file of the same name replaces an earlier."""
    files: dict[str, Path] = {}
    for directory in dirs:
        for path in sorted((directory / "patterns").glob("*.toml")):
            files[path.name] = path
    if not files:
        return PatternSet()
    read = {name: read_toml(path, problems) for name, path in files.items()}
    settings: dict[str, tuple[Path, dict, str]] = {}
    reader = _Reader(problems)
    for name, loaded in sorted(read.items()):
        if loaded is None:
            continue
        data, text = loaded
        path = files[name]
        if name in ("bands.toml", "normalise.toml"):
            settings[name] = (path, data, text)
            continue
        _collect(reader, path, data, text)
    normaliser, footer = _normalise_settings(settings.get("normalise.toml"), reader)
    terms = _terms(reader, normaliser)
    vocabulary = frozenset(w for term in terms for w in literals(term.elements))
    normaliser = replace(normaliser, vocabulary=vocabulary | frozenset(normaliser.vocabulary))
    police, flag, caps = _bands(settings.get("bands.toml"), reader)
    patterns = _patterns(reader, {t.group for t in terms})
    lines, shingles = desk_lines(templates) if templates else ("", frozenset[str]())
    learned = [directory / "patterns" / LEARNED_FILE for directory in dirs]
    evidence = next((read_evidence(path, problems) for path in reversed(learned) if path.is_file()), Evidence())
    models = [directory / "patterns" / MEANING_FILE for directory in dirs]
    meaning = next((read_meaning(path, problems) for path in reversed(models) if path.is_file()), Meaning())
    return PatternSet(
        normaliser, Index.of(terms), patterns, police, flag, caps, footer, lines, shingles, evidence, meaning
    )


def _collect(reader: _Reader, path: Path, data: dict, text: str) -> None:
    for key, value in data.items():
        if key == "description":
            continue
        if key == "terms" and isinstance(value, dict):
            for group, table in value.items():
                if group in reader.raw_terms:
                    other = reader.raw_terms[group][0]
                    line = _line(text, f"[terms.{group}]", 0, "")
                    reader.say(path, line, f"terms.{group}", f"defined twice (also in {other})")
                    continue
                reader.raw_terms[group] = (path, text, table)
        elif key == "pattern" and isinstance(value, list):
            for nth, table in enumerate(value):
                name = table.get("name") if isinstance(table, dict) else None
                if not isinstance(name, str) or not name:
                    reader.say(path, _line(text, "[[pattern]]", nth, ""), f"pattern[{nth}].name", "missing")
                    continue
                if name in reader.patterns:
                    other = reader.patterns[name][0]
                    line = _line(text, "[[pattern]]", nth, "name")
                    reader.say(path, line, f"pattern[{nth}].name", f'duplicate pattern "{name}" (also in {other})')
                    continue
                reader.patterns[name] = (path, text, nth, table)
        else:
            reader.say(path, 1, key, "unknown key (expected description, [terms.NAME] tables, [[pattern]] entries)")


def _terms(reader: _Reader, normaliser: Normaliser) -> list[Term]:
    """Every term of every group; a term may name another group's terms of its language as `@group`."""
    parsed: dict[tuple[str, str], list[tuple[str, tuple[Element, ...]]]] = {}
    reading: set[tuple[str, str]] = set()

    def language(group: str, key: str) -> list[tuple[str, tuple[Element, ...]]]:
        if (group, key) in parsed:
            return parsed[group, key]
        path, text, table = reader.raw_terms[group]
        where = f"terms.{group}.{key}"
        reading.add((group, key))

        def say(message: str) -> None:  # the line is looked up only when there is something to say
            reader.say(path, _line(text, f"[terms.{group}]", 0, key), where, message)

        def refs(name: str) -> list[tuple[Element, ...]] | None:
            if name not in reader.raw_terms or not isinstance(reader.raw_terms[name][2], dict):
                return None
            if (name, key) in reading:
                raise TermError(f"@{name} refers back to the group it is used in")
            return [elements for _, elements in language(name, key)] or None

        out: list[tuple[str, tuple[Element, ...]]] = []
        value = table.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            say("expected a list of strings")
        else:
            for phrase in value:
                try:
                    out.append((phrase, parse_term(phrase, normaliser, refs)))
                except TermError as exc:
                    say(str(exc))
        reading.discard((group, key))
        parsed[group, key] = out
        return out

    terms: list[Term] = []
    for group, (path, text, table) in reader.raw_terms.items():
        if not isinstance(table, dict):
            reader.say(path, _line(text, f"[terms.{group}]", 0, ""), f"terms.{group}", "expected a table")
            continue
        for key in table:
            if key == "description":
                continue
            if not _LANGUAGE.match(key):
                line = _line(text, f"[terms.{group}]", 0, key)
                reader.say(path, line, f"terms.{group}.{key}", "unknown key (expected description or a language code)")
                continue
            terms.extend(Term(group, phrase, elements) for phrase, elements in language(group, key))
    return terms


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _groups(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _patterns(reader: _Reader, groups: set[str]) -> tuple[Pattern, ...]:
    out: list[Pattern] = []
    for name, (path, text, nth, table) in reader.patterns.items():
        before = len(reader.problems.items)

        def say(key: str, message: str, path: Path = path, text: str = text, nth: int = nth) -> None:
            reader.say(path, _line(text, "[[pattern]]", nth, key), f"pattern[{nth}].{key}", message)

        for key in table:
            if key not in PATTERN_KEYS:
                say(key, f"unknown key (expected one of {', '.join(sorted(PATTERN_KEYS))})")
        weight = table.get("weight")
        if not _number(weight):
            say("weight", f"expected a number, got {weight!r}")
        category = table.get("category")
        if not isinstance(category, str) or not category:
            say("category", "missing (expected e.g. threat, sextortion, stalking, context)")
        within = table.get("within", 20)
        if isinstance(within, bool) or not isinstance(within, int) or within < 1:
            say("within", f"expected a whole number of words of at least 1, got {within!r}")
        role = table.get("in", "any")
        if role not in ROLES:
            say("in", f'"{role}" is not one of message, reporter, any')
        needs: list[tuple[str, ...]] = []
        raw_needs = table.get("all")
        if not isinstance(raw_needs, list) or not raw_needs:
            say("all", 'expected a list of term groups, e.g. ["condition", ["harm", "exposure"]]')
            raw_needs = []
        for need in raw_needs:
            choice = _groups(need)
            if choice is None:
                say("all", f"expected a group name or a list of group names, got {need!r}")
                continue
            needs.append(choice)
        unless: dict[str, tuple[str, ...]] = {}
        for key in ("unless_preceded_by", "unless_near"):
            value = table.get(key, [])
            unless[key] = () if value == [] else (_groups(value) or ())
            if value != [] and _groups(value) is None:
                say(key, "expected a list of group names")
        for group in [g for need in needs for g in need] + [g for v in unless.values() for g in v]:
            if group not in groups:
                say("all" if any(group in n for n in needs) else "unless_near", f'no term group "{group}"')
        if len(reader.problems.items) > before:
            continue
        out.append(
            Pattern(
                name,
                str(table.get("says", "")).strip(),
                str(category),
                float(weight),  # type: ignore[arg-type]
                tuple(needs),
                int(within),
                str(role),
                unless["unless_preceded_by"],
                unless["unless_near"],
                str(path),
            )
        )
    return tuple(out)


def _bands(loaded: tuple[Path, dict, str] | None, reader: _Reader) -> tuple[float, float, dict[str, float]]:
    if loaded is None:
        return 5.0, 2.5, {}
    path, data, text = loaded
    police, flag, caps = data.get("police", 5.0), data.get("flag", 2.5), data.get("cap", {})
    for key in data:
        if key not in ("description", "police", "flag", "cap"):
            reader.say(path, _line(text, "", 0, key), key, "unknown key (expected description, police, flag, cap)")
    for key, value in (("police", police), ("flag", flag)):
        if not _number(value) or value <= 0:
            reader.say(path, _line(text, "", 0, key), key, f"expected a positive number, got {value!r}")
    if _number(police) and _number(flag) and flag >= police:
        reader.say(path, _line(text, "", 0, "flag"), "flag", f"must be below police ({police})")
    if not isinstance(caps, dict) or not all(_number(v) for v in caps.values()):
        reader.say(path, _line(text, "[cap]", 0, ""), "cap", "expected a table of category = number")
        caps = {}
    ok = _number(police) and _number(flag)
    return (float(police), float(flag), dict(caps)) if ok else (5.0, 2.5, dict(caps))


def _normalise_settings(loaded: tuple[Path, dict, str] | None, reader: _Reader) -> tuple[Normaliser, tuple[str, ...]]:
    if loaded is None:
        return Normaliser(), ()
    path, data, text = loaded
    aliases: dict[str, tuple[str, ...]] = {}
    symbols: dict[int, str] = {}
    footer: list[str] = []
    for key, value in data.items():
        if key == "description":
            continue
        if key == "aliases" and isinstance(value, dict):
            for short, long in value.items():
                if not isinstance(long, str) or not long.strip():
                    reader.say(path, _line(text, "[aliases]", 0, short), f"aliases.{short}", "expected a string")
                    continue
                aliases[fold(short)] = tuple(re.findall(r"[^\W_]+", fold(long)))
        elif key == "symbols" and isinstance(value, dict):
            for symbol, words in value.items():
                if len(symbol) != 1 or not isinstance(words, str) or not words.strip():
                    message = "expected one character = the words it stands for"
                    reader.say(path, _line(text, "[symbols]", 0, f'"{symbol}"'), f"symbols.{symbol}", message)
                    continue
                symbols[ord(symbol)] = f" {words} "
        elif key == "footer" and isinstance(value, dict):
            for language, phrases in value.items():
                if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                    reader.say(path, _line(text, "[footer]", 0, language), f"footer.{language}", "expected strings")
                    continue
                footer.extend(" ".join(fold(p).split()) for p in phrases)
        else:
            message = "unknown key (expected description, [aliases], [symbols], [footer])"
            reader.say(path, _line(text, "", 0, key), key, message)
    return Normaliser(aliases, symbols=symbols), tuple(footer)


def _static(piece: str) -> str:
    """A template fragment as a pattern: its words as written, each {{ variable }} any text."""
    parts = [re.escape(" ".join(fold(p).split())) for p in re.split(r"\{[{#].*?[}#]\}", piece)]
    return r"\s*(?:.*?)\s*".join(parts).strip()


def desk_lines(templates: Path) -> tuple[str, frozenset[str]]:
    """Every line the desk writes to reporters, as one pattern's text (variables match any text), and
    the runs of three words those lines are made of (a cheap first test)."""
    alternatives: set[str] = set()
    shingles: set[str] = set()
    for path in sorted((templates / "reporter").glob("*.j2")):
        for line in path.read_text(encoding="utf-8").splitlines():
            # Text between {% if %} / {% else %} tags is one branch of several: each is optional.
            pieces = re.split(r"\{%.*?%\}", line)
            if len(re.findall(r"[^\W\d_]{2,}", re.sub(r"\{[{#].*?[}#]\}", "", "".join(pieces)))) < 3:
                continue  # too short to be told apart from what a reporter writes
            for words in (fold(p).split() for p in re.split(r"\{[{%#].*?[}%#]\}", line)):
                shingles.update(" ".join(words[i : i + 3]) for i in range(len(words) - 2))
            branches = [_static(piece) for piece in pieces]
            if len(branches) > 1:
                branches = [branches[0], *(f"(?:{b})?" for b in branches[1:-1] if b), branches[-1]]
            alternatives.add(r"\s*".join(b for b in branches if b))
    if not alternatives:
        return "", frozenset()
    return "|".join(f"(?:{a})" for a in sorted(alternatives)), frozenset(shingles)
